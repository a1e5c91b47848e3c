"""The merge formulas, tensor by tensor (pure numpy)."""

from __future__ import annotations

import numpy as np
import pytest

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.forge.merge import average, merge_tensor, task_arithmetic, ties
from mlhive.server.domain.forge.tensors import from_numpy, to_numpy

RNG = np.random.default_rng(3)


def test_average_is_numpys_weighted_average() -> None:
    tensors = [RNG.normal(size=(3, 4)) for _ in range(3)]
    np.testing.assert_allclose(
        average(tensors, [1, 2, 3]), np.average(tensors, axis=0, weights=[1, 2, 3])
    )
    np.testing.assert_allclose(average(tensors), np.mean(tensors, axis=0))


def test_zero_weights_are_refused() -> None:
    with pytest.raises(InvalidInput, match="sum to zero"):
        average([np.ones(2), np.ones(2)], [1.0, -1.0])


def test_task_arithmetic_is_its_formula() -> None:
    base, a, b = (RNG.normal(size=5) for _ in range(3))
    expected = base + 0.3 * (a - base) + 0.7 * (b - base)
    np.testing.assert_allclose(task_arithmetic(base, [a, b], [0.3, 0.7]), expected)


def test_ties_trims_elects_a_sign_and_averages_agreeing_entries() -> None:
    base = np.zeros(4)
    a = np.array([1.0, -2.0, 0.1, 3.0])
    b = np.array([2.0, 1.0, -0.1, -1.0])
    # density 0.5 keeps a: [., -2, ., 3], b: [2, 1, ., .]; signs: + - 0 +; means: 2, -2, 0, 3
    np.testing.assert_allclose(ties(base, [a, b], density=0.5), [2.0, -2.0, 0.0, 3.0])
    # density 1 keeps everything: entry 1 sums to -1 (elected -) so only a's -2 counts
    np.testing.assert_allclose(ties(base, [a, b], density=1.0), [1.5, -2.0, 0.0, 3.0])


def test_non_float_tensors_come_from_the_base() -> None:
    steps = [np.array([5], np.int64), np.array([9], np.int64)]
    merged = merge_tensor("average", "I64", steps, base=None, weights=None, density=0.2)
    np.testing.assert_array_equal(merged, [5])


def test_bfloat16_round_trips_exactly_representable_values() -> None:
    values = np.array([1.0, -2.5, 0.15625, 2.0**100], dtype=np.float32)
    np.testing.assert_array_equal(to_numpy(from_numpy(values, "BF16"), "BF16", (4,)), values)


@pytest.mark.parametrize("method", ["task_arithmetic", "ties"])
def test_merges_relative_to_a_base_refuse_to_run_without_one(method: str) -> None:
    with pytest.raises(InvalidInput, match=f"{method} merges need a base commit") as caught:
        merge_tensor(method, "F32", [np.ones(3), np.zeros(3)], base=None, weights=None, density=0.5)
    assert caught.value.extra["field"] == "base"
