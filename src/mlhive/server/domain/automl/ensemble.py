"""Ensemble selection (Caruana et al., 2004) on out-of-fold predictions.

Start from an empty ensemble and add, ``size`` times, with replacement, the model whose
addition gives the lowest loss of the averaged predictions; a model's weight is the share of
the additions it got. Ties go to the earlier model (the optimiser's earlier trial), so the
selection is deterministic.

The loss follows the job's metric where it can be computed on averaged predictions quickly:
accuracy for ``predictive_accuracy``, the mean absolute error for ``mean_absolute_error``;
otherwise the log loss (classification) or the squared error (regression), which rank
averaged probabilities and values by the same yardstick as most measures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Loss = Callable[[npt.NDArray[np.float64]], float]
EPSILON = 1e-15


def loss_for(
    metric: str, truth: npt.NDArray[np.int64] | npt.NDArray[np.float64], classify: bool
) -> Loss:
    """A loss (lower is better) of averaged predictions against ``truth``.

    Classification predictions are ``(rows, classes)`` probabilities and ``truth`` class
    indices; regression predictions are ``(rows,)`` values.
    """
    if classify:
        index = np.asarray(truth, dtype=np.int64)
        rows = np.arange(len(index))
        if metric == "predictive_accuracy":
            return lambda p: float(np.mean(np.argmax(p, axis=1) != index))
        return lambda p: float(-np.mean(np.log(np.clip(p[rows, index], EPSILON, 1.0))))
    values = np.asarray(truth, dtype=np.float64)
    if metric == "mean_absolute_error":
        return lambda p: float(np.mean(np.abs(p - values)))
    return lambda p: float(np.mean((p - values) ** 2))


@dataclass(frozen=True)
class Selection:
    """The ensemble: a weight per candidate (summing to 1) and the loss after each addition."""

    weights: list[float]
    losses: list[float]


def select(predictions: list[npt.NDArray[np.float64]], loss: Loss, size: int) -> Selection:
    """Greedy forward selection with replacement of ``size`` members among ``predictions``.

    Raises:
        ValueError: no candidates, or candidates of different shapes.
    """
    if not predictions:
        raise ValueError("ensemble selection needs at least one candidate")
    shape = predictions[0].shape
    if any(p.shape != shape for p in predictions):
        raise ValueError("every candidate must predict the same rows")
    counts = [0] * len(predictions)
    total = np.zeros(shape, dtype=np.float64)
    losses: list[float] = []
    for step in range(1, size + 1):
        trial = [loss((total + p) / step) for p in predictions]
        best = min(range(len(trial)), key=lambda i: (trial[i], i))
        counts[best] += 1
        total += predictions[best]
        losses.append(trial[best])
    return Selection([c / size for c in counts], losses)
