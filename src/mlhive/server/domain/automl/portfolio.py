"""Learning from a task x setup result matrix: normalised scores, rankings, greedy portfolios.

Scores of different tasks are not comparable (0.7 accuracy is excellent on one task and poor
on another), so each task's row is normalised first: 1 for the best setup on that task, 0 for
the worst, linear in between (lower-is-better measures are flipped first). A missing entry
(the setup never ran on the task) stays NaN.

A setup's *score* is the similarity-weighted mean of its normalised scores over the tasks it
ran on, shrunk towards 0 by :data:`PRIOR_WEIGHT`: one excellent result on one task should not
beat consistently excellent results on five.

A *portfolio* is a small set of setups that together are best across the tasks: greedily add
the setup that most raises the weighted mean, over tasks, of the best normalised score among
the members (a setup never run on a task counts 0 there), as in the greedy portfolio
construction of auto-sklearn 2.0 (Feurer et al., 2022).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

PRIOR_WEIGHT = 1.0
"""Weight of an imaginary task on which every setup scored 0 (shrinkage of few results)."""


def normalise(values: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Each row (a task) scaled to [0, 1]: 1 best, 0 worst; a row with one distinct value
    is all 1 (everything tried there is the best known); NaN stays NaN."""
    signed = np.asarray(values, dtype=np.float64) * (1.0 if higher_is_better else -1.0)
    with warnings.catch_warnings():  # a task without any value: its row is NaN, silently
        warnings.simplefilter("ignore", RuntimeWarning)
        low = np.nanmin(signed, axis=1, keepdims=True)
        high = np.nanmax(signed, axis=1, keepdims=True)
    width = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(width > 0, (signed - low) / width, 1.0)
    result: np.ndarray = np.where(np.isnan(signed), np.nan, scaled)
    return result


def scores(normalised: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per setup (column): the weighted mean of its normalised scores, shrunk towards 0."""
    present = ~np.isnan(normalised)
    filled = np.where(present, normalised, 0.0)
    total = weights @ filled
    support = weights @ present.astype(np.float64)
    result: np.ndarray = total / (support + PRIOR_WEIGHT)
    return result


@dataclass(frozen=True)
class Member:
    """One setup added to the portfolio: its column, and the portfolio's value once added."""

    column: int
    value: float
    gain: float


def greedy_portfolio(normalised: np.ndarray, weights: np.ndarray, size: int) -> list[Member]:
    """At most ``size`` columns, each the one that most raises the weighted mean over tasks
    of the best member's normalised score; stops when no column adds anything."""
    filled = np.where(np.isnan(normalised), 0.0, normalised)
    total_weight = float(weights.sum()) or 1.0
    best = np.zeros(filled.shape[0])
    current = 0.0
    members: list[Member] = []
    for _ in range(min(size, filled.shape[1])):
        candidate = (np.maximum(filled, best[:, None]) * weights[:, None]).sum(axis=0)
        candidate /= total_weight
        # Ties (within rounding): the first column, i.e. the best-ranked setup.
        column = int(np.flatnonzero(candidate >= candidate.max() - 1e-12)[0])
        gain = float(candidate[column]) - current
        if gain <= 1e-12:
            break
        best = np.maximum(best, filled[:, column])
        current = float(candidate[column])
        members.append(Member(column, current, gain))
    return members
