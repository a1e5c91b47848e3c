"""Normalised scores, setup scores and the greedy portfolio over a task x setup matrix."""

from __future__ import annotations

import numpy as np
import pytest

from mlhive.server.domain.automl.portfolio import (
    PRIOR_WEIGHT,
    greedy_portfolio,
    normalise,
    scores,
)

NAN = np.nan


def test_each_task_is_scaled_from_its_worst_to_its_best_setup() -> None:
    values = np.array([[0.9, 0.6, 0.75], [0.7, NAN, 0.7], [NAN, NAN, NAN]])
    out = normalise(values, higher_is_better=True)
    np.testing.assert_allclose(out[0], [1.0, 0.0, 0.5])
    np.testing.assert_allclose(out[1], [1.0, NAN, 1.0])  # all tied: all best
    assert np.isnan(out[2]).all()


def test_lower_is_better_measures_are_flipped() -> None:
    out = normalise(np.array([[0.1, 0.3]]), higher_is_better=False)
    np.testing.assert_allclose(out, [[1.0, 0.0]])


def test_scores_weigh_similar_tasks_more_and_shrink_few_results() -> None:
    normalised = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, NAN]])
    weights = np.array([1.0, 0.25])
    got = scores(normalised, weights)
    assert got[0] == pytest.approx(1.25 / (1.25 + PRIOR_WEIGHT))
    assert got[1] == pytest.approx(0.25 / (1.25 + PRIOR_WEIGHT))
    assert got[2] == pytest.approx(1.0 / (1.0 + PRIOR_WEIGHT))
    assert got[0] > got[2] > got[1]  # best twice beats best once; the nearer task counts more


def test_the_portfolio_covers_tasks_no_single_setup_is_best_on() -> None:
    # setup 0 is good on average; 1 and 2 are each the best on half the tasks
    normalised = np.array([[0.8, 1.0, 0.0], [0.8, 1.0, 0.0], [0.8, 0.0, 1.0], [0.8, 0.0, 1.0]])
    members = greedy_portfolio(normalised, np.ones(4), size=5)
    assert [m.column for m in members] == [0, 1, 2]
    assert members[0].value == pytest.approx(0.8)
    assert members[1].gain == pytest.approx(0.1) and members[2].value == pytest.approx(1.0)


def test_the_portfolio_stops_when_nothing_adds_and_ignores_missing_cells() -> None:
    normalised = np.array([[1.0, NAN, 0.5], [1.0, 0.2, NAN]])
    members = greedy_portfolio(normalised, np.array([1.0, 0.5]), size=3)
    assert [m.column for m in members] == [0]
