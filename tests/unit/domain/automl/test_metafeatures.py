"""The meta-feature maths: transforms, robust scaling, masked distances, neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from mlhive.server.domain.automl.metafeatures import (
    CLIP,
    PENALTY,
    MetaMatrix,
    closest_qualities,
    fit_scaling,
    nearest,
    pair_distances,
    same_qualities,
    transform,
)

NAMES = ("NumberOfInstances", "PercentageOfMissingValues", "MeanSkewnessOfNumericAtts")
NAN = np.nan


def test_counts_compare_on_a_log_scale_and_moments_on_a_signed_log_scale() -> None:
    raw = np.array([[9.0, 50.0, -(np.e - 1)], [99.0, 50.0, np.e - 1]])
    out = transform(NAMES, raw)
    np.testing.assert_allclose(out[:, 0], np.log1p([9.0, 99.0]))
    assert out[0, 1] == out[1, 1] == 50.0  # percentages stay as they are
    np.testing.assert_allclose(out[:, 2], [-1.0, 1.0])


def test_scaling_is_robust_to_one_huge_dataset() -> None:
    rows = [[100.0 * (i + 1), float(i), 0.0] for i in range(9)] + [[1e12, 8.0, 0.0]]
    scaling = fit_scaling(NAMES, np.array(rows))
    scaled = scaling.apply(np.array(rows))
    # the giant is clipped instead of squashing the other nine into one point
    assert scaled[-1, 0] == CLIP
    assert np.ptp(scaled[:9, 0]) > 1.0
    # a constant quality falls back to a spread of 1 (no division by zero)
    assert scaling.spread[2] == 1.0 and np.all(scaled[:, 2] == 0.0)


def test_a_quality_nobody_has_gets_a_neutral_scale() -> None:
    scaling = fit_scaling(NAMES, np.array([[10.0, NAN, 1.0], [20.0, NAN, 2.0]]))
    assert (scaling.centre[1], scaling.spread[1]) == (0.0, 1.0)


def test_missing_qualities_are_ignored_per_pair_and_few_shared_are_penalised() -> None:
    query = np.array([0.0, 1.0, NAN])
    rows = np.array(
        [
            [0.0, 1.0, NAN],  # same qualities present, same values: identical
            [0.0, NAN, NAN],  # shares one of the two the query has
            [NAN, NAN, 5.0],  # shares nothing
            [1.0, 1.0, NAN],
        ]
    )
    d = pair_distances(rows, query)
    assert d[0] == 0.0
    assert d[1] == pytest.approx(np.sqrt(PENALTY * (1 - 1 / 2)))
    assert d[2] == np.inf
    assert d[3] == pytest.approx(np.sqrt(0.5))


def test_the_matrix_pass_agrees_with_the_direct_formula() -> None:
    rng = np.random.default_rng(3)
    scaled = rng.normal(size=(500, 12))
    scaled[rng.random(scaled.shape) < 0.2] = NAN
    matrix = MetaMatrix.build(scaled)
    query = matrix.row(7)
    np.testing.assert_allclose(
        matrix.distances(query), pair_distances(scaled, query), rtol=1e-4, atol=1e-4
    )
    assert matrix.distances(query)[7] == pytest.approx(0.0, abs=1e-3)


def test_neighbours_match_scikit_learn_when_nothing_is_missing() -> None:
    rng = np.random.default_rng(5)
    scaled = rng.normal(size=(300, 6))
    matrix = MetaMatrix.build(scaled)
    ours = nearest(matrix.distances(scaled[0]), 8)
    theirs = NearestNeighbors(n_neighbors=8, algorithm="brute").fit(scaled)
    _, expected = theirs.kneighbors(scaled[:1])
    assert list(ours) == list(expected[0])


def test_nearest_skips_unreachable_rows_and_orders_ties_by_index() -> None:
    d = np.array([np.inf, 0.5, 0.1, 0.5, np.inf])
    assert list(nearest(d, 10)) == [2, 1, 3]
    assert list(nearest(d, 2)) == [2, 1]


def test_closest_qualities_are_the_smallest_shared_gaps() -> None:
    a = np.array([0.0, 1.0, 2.0, NAN])
    b = np.array([0.5, 1.0, 0.0, 3.0])
    assert closest_qualities(a, b, 2) == [1, 0]


def test_identical_qualities_need_the_same_ones_present() -> None:
    a = np.array([6.0, 2.0, NAN])
    assert same_qualities(a, a.copy())
    assert not same_qualities(a, np.array([6.0, 2.0, 1.0]))
    assert not same_qualities(a, np.array([6.0, 2.000001, NAN]))
    assert not same_qualities(np.full(3, NAN), np.full(3, NAN))
