"""Merging models with the same architecture, one tensor at a time (pure numpy).

- ``average`` (a "model soup"): ``Σ wᵢ·θᵢ / Σ wᵢ`` (equal weights by default), as
  ``numpy.average``.
- ``task_arithmetic``: ``base + Σ λᵢ·(θᵢ - base)`` (λᵢ = 1 by default).
- ``ties`` (TIES-merging, Yadav et al. 2023): task vectors ``τᵢ = λᵢ·(θᵢ - base)`` are trimmed to
  their largest-magnitude ``density`` fraction, a sign is elected per entry (the sign of the sum
  of the trimmed vectors), and the entries agreeing with it are averaged:
  ``base + mean{τ̂ᵢ : sign(τ̂ᵢ) = elected}``.

Arithmetic is done in float64 and rounded once to the tensor's dtype. Non-float tensors (step
counters, index buffers) cannot be averaged: they are taken from the base (or first) model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.forge.tensors import FLOAT_DTYPES, Manifest

Array = npt.NDArray[Any]
F64 = npt.NDArray[np.float64]


def check_same_architecture(manifests: Sequence[Manifest], labels: Sequence[str]) -> None:
    """All models need the same tensor names, shapes and dtypes.

    Raises:
        InvalidInput: naming the first model and tensor that differ.
    """
    if any(m.format != "safetensors" for m in manifests):
        raise InvalidInput("sources: tensor merges need safetensors commits", field="sources")
    reference = {t.name: (t.shape, t.dtype) for t in manifests[0].tensors}
    for manifest, label in zip(manifests[1:], labels[1:], strict=True):
        other = {t.name: (t.shape, t.dtype) for t in manifest.tensors}
        if other.keys() != reference.keys():
            extra = sorted(other.keys() ^ reference.keys())
            raise InvalidInput(
                f"sources: {label} has different tensors than {labels[0]} ({', '.join(extra[:5])})",
                field="sources",
            )
        for name, spec in other.items():
            if spec != reference[name]:
                raise InvalidInput(
                    f"sources: tensor {name!r} is {spec[1]}{list(spec[0])} in {label} but "
                    f"{reference[name][1]}{list(reference[name][0])} in {labels[0]}",
                    field="sources",
                )


def average(tensors: Sequence[Array], weights: Sequence[float] | None = None) -> F64:
    """The weighted mean of same-shape tensors.

    Raises:
        InvalidInput: weights that sum to zero.
    """
    w = np.ones(len(tensors)) if weights is None else np.asarray(weights, dtype=np.float64)
    if np.isclose(w.sum(), 0.0):
        raise InvalidInput("weights: they must not sum to zero", field="weights")
    total = np.zeros(tensors[0].shape, dtype=np.float64)
    for weight, tensor in zip(w, tensors, strict=True):
        total += weight * tensor.astype(np.float64)
    result: F64 = total / w.sum()
    return result


def task_arithmetic(
    base: Array, tensors: Sequence[Array], lambdas: Sequence[float] | None = None
) -> F64:
    """``base + Σ λᵢ·(tensorᵢ - base)``."""
    scales = [1.0] * len(tensors) if lambdas is None else list(lambdas)
    origin = base.astype(np.float64)
    result = origin.copy()
    for scale, tensor in zip(scales, tensors, strict=True):
        result += scale * (tensor.astype(np.float64) - origin)
    return result


def _trim(vector: F64, density: float) -> F64:
    """Keep the ``density`` fraction of entries with the largest magnitude, zero the rest."""
    keep = int(np.ceil(density * vector.size))
    if keep >= vector.size:
        return vector
    if keep == 0:
        return np.zeros_like(vector)
    flat = np.abs(vector).ravel()
    threshold = np.partition(flat, vector.size - keep)[vector.size - keep]
    trimmed: F64 = np.where(np.abs(vector) >= threshold, vector, 0.0)
    return trimmed


def ties(
    base: Array,
    tensors: Sequence[Array],
    lambdas: Sequence[float] | None = None,
    density: float = 0.2,
) -> F64:
    """TIES-merging of ``tensors`` onto ``base`` (see the module docstring)."""
    scales = [1.0] * len(tensors) if lambdas is None else list(lambdas)
    origin = base.astype(np.float64)
    trimmed = np.stack(
        [
            _trim(scale * (t.astype(np.float64) - origin), density)
            for scale, t in zip(scales, tensors, strict=True)
        ]
    )
    elected = np.sign(trimmed.sum(axis=0))
    agrees = (np.sign(trimmed) == elected) & (trimmed != 0)
    count = agrees.sum(axis=0)
    summed = np.where(agrees, trimmed, 0.0).sum(axis=0)
    merged = np.divide(summed, count, out=np.zeros_like(summed), where=count > 0)
    result: F64 = origin + merged
    return result


def merge_tensor(
    method: str,
    dtype: str,
    tensors: Sequence[Array],
    *,
    base: Array | None,
    weights: Sequence[float] | None,
    density: float,
) -> Array:
    """One tensor of the merged model, in float64 for float dtypes.

    Args:
        method: ``average``, ``task_arithmetic`` or ``ties``.
        dtype: the safetensors dtype of the tensor.
        tensors: the tensor in each source model.
        base: the tensor in the base model (task arithmetic, TIES).
        weights: averaging weights or the λᵢ.
        density: the fraction TIES keeps.

    Returns:
        The merged values (the base's or first model's values for non-float tensors).
    """
    if dtype not in FLOAT_DTYPES:
        return base if base is not None else tensors[0]
    if method == "average":
        return average(tensors, weights)
    if base is None:
        raise InvalidInput(f"{method} merges need a base commit", field="base")
    if method == "task_arithmetic":
        return task_arithmetic(base, tensors, weights)
    if method == "ties":
        return ties(base, tensors, weights, density)
    raise InvalidInput(f"method: {method!r} is not a tensor merge", field="method")
