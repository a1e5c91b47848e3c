"""The pure parts of AutoML: the search space, ensemble selection and budget arithmetic."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mlhive.server.domain.automl import budget, ensemble, space


class _Fixed:
    """A suggester that answers from a table (the first choice / the low end otherwise)."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        return self.answers.get(name, choices[0])

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float:
        return float(self.answers.get(name, low))

    def suggest_int(self, name: str, low: int, high: int, *, log: bool = False) -> int:
        return int(self.answers.get(name, low))


def test_columns_are_sorted_by_type_and_others_are_left_out_by_name() -> None:
    schema = pa.schema(
        [("n", pa.float64()), ("k", pa.int32()), ("c", pa.string()), ("b", pa.bool_()),
         ("d", pa.dictionary(pa.int8(), pa.string())), ("when", pa.timestamp("s")),
         ("label", pa.string())]
    )  # fmt: skip
    columns = space.column_kinds(schema, ["label"])
    assert columns.numeric == ("n", "k")
    assert columns.categorical == ("c", "b", "d")
    assert columns.ignored == ("when",)


@pytest.mark.parametrize("model", space.MODELS)
@pytest.mark.parametrize("task_type", space.TASK_TYPES)
def test_every_model_family_builds_a_pipeline_that_learns_mixed_columns(
    model: str, task_type: str
) -> None:
    config = space.suggest(_Fixed(model=model))
    assert config["model"] == model
    columns = space.Columns(("x",), ("colour",))
    pipeline = space.build(config, columns, task_type, seed=0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    frame = pd.DataFrame({"x": x, "colour": ["red", None, "blue"] * 20, "noise": x})
    y = (x > 0).astype(str) if task_type == space.CLASSIFICATION else x * 2
    fitted = pipeline.fit(frame, y)
    assert len(fitted.predict(frame.iloc[:5])) == 5
    # The preprocessing follows the columns: the unlisted "noise" column is never used.
    assert fitted[:-1].transform(frame.assign(noise=0.0)).shape[0] == 60


def test_a_configuration_builds_the_same_pipeline_every_time() -> None:
    config = space.suggest(_Fixed(model="random_forest"))
    columns = space.Columns(("x",), ())
    a = space.build(config, columns, space.CLASSIFICATION, seed=3)
    b = space.build(config, columns, space.CLASSIFICATION, seed=3)
    assert a.get_params()["model__random_state"] == b.get_params()["model__random_state"] == 3
    assert str(a) == str(b)


def test_a_task_without_usable_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="no numeric or categorical"):
        space.build({"model": "linear", "linear.regularisation": 1.0}, space.Columns((), ()),
                    space.CLASSIFICATION, 0)  # fmt: skip


def test_ensemble_selection_weights_complementary_models_and_ignores_useless_ones() -> None:
    truth = np.array([0, 0, 1, 1])
    # A is right on the first half only, B on the second half only, C always wrong.
    a = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    b = np.array([[0.4, 0.6], [0.4, 0.6], [0.1, 0.9], [0.1, 0.9]])
    c = np.array([[0.1, 0.9], [0.1, 0.9], [0.9, 0.1], [0.9, 0.1]])
    chosen = ensemble.select([a, b, c], ensemble.loss_for("log_loss", truth, True), 10)
    assert sum(chosen.weights) == pytest.approx(1.0)
    assert chosen.weights[2] == 0.0
    assert chosen.weights[0] > 0 and chosen.weights[1] > 0
    assert chosen.losses[-1] <= chosen.losses[0]


def test_ensemble_selection_of_a_perfect_model_is_that_model_alone() -> None:
    truth = np.array([1.0, 2.0, 3.0])
    perfect, off = truth.copy(), truth + 1.0
    chosen = ensemble.select(
        [off, perfect], ensemble.loss_for("mean_absolute_error", truth, False), 5
    )
    assert chosen.weights == [0.0, 1.0]
    assert chosen.losses == [0.0] * 5


def test_ensemble_selection_breaks_ties_towards_the_earlier_trial() -> None:
    truth = np.array([0, 1])
    same = np.array([[0.8, 0.2], [0.2, 0.8]])
    chosen = ensemble.select(
        [same, same.copy()], ensemble.loss_for("predictive_accuracy", truth, True), 4
    )
    assert chosen.weights == [1.0, 0.0]


def test_ensemble_selection_refuses_candidates_of_different_rows() -> None:
    with pytest.raises(ValueError, match="same rows"):
        ensemble.select([np.zeros(3), np.zeros(4)], lambda p: 0.0, 2)


def test_the_budget_keeps_a_reserve_and_stops_starting_trials_in_it() -> None:
    limits = budget.Budget(start=100.0, seconds=20.0)
    assert limits.reserve == pytest.approx(2.0)
    assert limits.trial_timeout(100.0, None) == pytest.approx(18.0)
    assert limits.trial_timeout(110.0, 3.0) == pytest.approx(3.0)
    assert limits.trial_timeout(117.8, None) is None  # 0.2 s left for the search
    assert limits.left(130.0) == pytest.approx(-10.0)
    unlimited = budget.Budget(start=0.0, seconds=None)
    assert unlimited.left(1e9) == math.inf and unlimited.trial_timeout(1e9, None) is None
    assert budget.Budget(0.0, 2.0).reserve == pytest.approx(1.0)  # never more than half


def test_slow_trials_keep_back_what_their_refit_will_take() -> None:
    limits = budget.Budget(start=0.0, seconds=20.0)
    assert budget.after_search([]) == 0.0  # nothing measured yet: the fixed reserve
    after = budget.after_search([4.0, 3.0, 1.0])
    assert after == pytest.approx(budget.REFIT_OVERHEAD + 4.0)  # half of each trial's time
    assert limits.kept_back(after) == pytest.approx(after)  # more than the 2 s reserve
    assert limits.trial_timeout(20.0 - after - 0.5, None, after) == pytest.approx(0.5)
    assert limits.trial_timeout(14.0, None) == pytest.approx(4.0)  # the fixed reserve alone
    many = budget.after_search([9.0] * 10)  # only the five costliest count
    assert many == pytest.approx(budget.REFIT_OVERHEAD + 22.5)
    assert limits.kept_back(many) == pytest.approx(10.0)  # never more than half the budget


def test_on_a_loaded_machine_more_is_kept_back_for_the_steps_after_the_search() -> None:
    quiet = budget.after_search([4.0, 3.0])
    loaded = budget.after_search([4.0, 3.0], share=0.25)  # the trials had a quarter core
    assert loaded - quiet == pytest.approx(3 * budget.REFIT_OVERHEAD)
    # A share beyond belief (a stalled measurement) is bounded: at most a tenfold slowdown.
    assert budget.after_search([4.0], share=0.0) == pytest.approx(
        budget.REFIT_OVERHEAD / budget.MIN_SHARE + 2.0
    )
    assert budget.after_search([4.0], share=3.0) == pytest.approx(budget.REFIT_OVERHEAD + 2.0)


def test_successive_halving_grows_the_subsample_by_eta_up_to_the_whole_fold() -> None:
    assert budget.rungs(80) == [1.0]
    assert budget.rungs(300) == [pytest.approx(1 / 3), 1.0]
    assert budget.rungs(1000) == [pytest.approx(1 / 9), pytest.approx(1 / 3), 1.0]
