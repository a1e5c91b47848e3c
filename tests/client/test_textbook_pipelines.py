"""scikit-learn user-guide pipelines through everything mlhive does with an estimator.

Each pipeline is run on a task with ``client.run`` (flow, setup and predictions uploaded,
scored by the server, on the leaderboard), rebuilt from its flow and the run's setup (the same
parameters, the same predictions), pushed to the forge fitted and pulled back (the same
predictions). Pipelines that cannot make the whole trip are ``xfail(strict=True)`` with the
reason; docs/forge.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor, make_column_selector
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_selection import SelectKBest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    OrdinalEncoder,
    QuantileTransformer,
    StandardScaler,
    TargetEncoder,
)

from mlhive import Client, InvalidInputError, Task
from tests.sklearn.conftest import assert_same_params

ROWS = 60
NUMBERS = make_column_selector(dtype_include="number")
CATEGORIES = make_column_selector(dtype_exclude="number")


def _frame() -> pd.DataFrame:
    """Numbers and a category, each with missing values; a nominal and a numeric target."""
    rng = np.random.default_rng(11)
    age = rng.normal(40, 10, ROWS).round(1)
    income = rng.normal(50, 15, ROWS).round(2)
    city = np.array([["north", "south", "east"][i % 3] for i in range(ROWS)], dtype=object)
    signal = (age - 40) / 10 + np.where(city == "north", 1.0, -0.5) + rng.normal(0, 0.3, ROWS)
    price = np.abs(3 * age + income + np.where(city == "east", 20, 0)).round(2) + 1
    age[::9] = np.nan
    income[::7] = np.nan
    city[::8] = None
    return pd.DataFrame(
        {
            "age": age,
            "income": income,
            "city": pd.Categorical(city, categories=["north", "south", "east"]),
            "label": pd.Categorical(np.where(signal > 0, "yes", "no")),
            "price": price,
        }
    )


def _publish_task(client: Client, run_jobs: Callable[[], int], regression: bool) -> Task:
    target, other = ("price", "label") if regression else ("label", "price")
    frame = _frame().drop(columns=[other])
    dataset = client.datasets.publish(frame, name=f"textbook-{target}", target=target)
    run_jobs()
    # A 33% holdout: one fold keeps fifteen pipelines fast (OpenML's procedures 6 and 12).
    kind = "regression" if regression else "classification"
    return client.tasks.create(dataset.id, kind, estimation_procedure=12 if regression else 6)


def two_imputers(classifier: Any | None = None) -> Pipeline:
    """The user guide's mixed-types pipeline: one SimpleImputer for numbers, one for categories."""
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categories = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    preprocess = ColumnTransformer([("num", numbers, NUMBERS), ("cat", categories, CATEGORIES)])
    return Pipeline([("preprocess", preprocess), ("clf", classifier or LogisticRegression())])


def feature_union() -> Pipeline:
    numbers = ColumnTransformer([("num", SimpleImputer(), NUMBERS)])
    union = FeatureUnion([("pca", PCA(n_components=1)), ("best", SelectKBest(k=1))])
    return make_pipeline(numbers, union, LogisticRegression())


def target_encoder() -> Pipeline:
    columns = ColumnTransformer(
        [
            ("city", TargetEncoder(cv=KFold(3)), CATEGORIES),  # no shuffling: reproducible
            ("num", SimpleImputer(), NUMBERS),
        ]
    )
    return make_pipeline(columns, LogisticRegression())


def hgb_mask() -> Pipeline:
    """Categories ordinal-encoded first, then the numbers: the mask marks the first column."""
    encode = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
    columns = ColumnTransformer([("cat", encode, CATEGORIES)], remainder="passthrough")
    booster = HistGradientBoostingClassifier(
        categorical_features=[True, False, False], max_iter=15, random_state=0
    )
    return make_pipeline(columns, booster)


def regressor(target: TransformedTargetRegressor) -> Pipeline:
    return make_pipeline(ColumnTransformer([("num", SimpleImputer(), NUMBERS)]), target)


@dataclass(frozen=True)
class Case:
    """A user-guide pipeline and the task it runs on."""

    build: Callable[[], Any]
    regression: bool = False


CASES = {
    "column_transformer_two_imputers": Case(two_imputers),
    "feature_union": Case(feature_union),
    "target_encoder": Case(target_encoder),
    "hist_gradient_boosting_from_dtype": Case(
        lambda: HistGradientBoostingClassifier(
            categorical_features="from_dtype", max_iter=15, random_state=0
        )
    ),
    "hist_gradient_boosting_mask": Case(hgb_mask),
    "transformed_target_regressor": Case(
        lambda: regressor(
            TransformedTargetRegressor(
                Ridge(), transformer=QuantileTransformer(n_quantiles=20, random_state=0)
            )
        ),
        regression=True,
    ),
    "transformed_target_regressor_func": Case(
        lambda: regressor(
            TransformedTargetRegressor(Ridge(), func=np.log1p, inverse_func=np.expm1)
        ),
        regression=True,
    ),
    "calibrated_classifier": Case(lambda: CalibratedClassifierCV(two_imputers(), cv=3)),
    "grid_search": Case(
        lambda: GridSearchCV(two_imputers(), {"clf__C": [0.1, 1.0]}, cv=3, scoring="accuracy")
    ),
    "randomized_search": Case(
        lambda: RandomizedSearchCV(
            two_imputers(), {"clf__C": [0.1, 0.5, 1.0]}, n_iter=2, cv=3, random_state=0
        )
    ),
    "randomized_search_distributions": Case(
        lambda: RandomizedSearchCV(
            two_imputers(), {"clf__C": loguniform(0.01, 10.0)}, n_iter=2, cv=3, random_state=0
        )
    ),
}

# Real limits, each written up in docs/forge.md ("Textbook pipelines").
KNOWN_LIMITS = {
    "transformed_target_regressor_func": (
        "func=/inverse_func= make a FunctionTransformer, which holds code: the forge refuses "
        "it (use transformer=...)"
    ),
    "randomized_search_distributions": (
        "a fitted search keeps its scipy.stats distributions, which skops cannot store and the "
        "forge does not trust; search over lists to push the fitted search"
    ),
}


def _params() -> list[Any]:
    params = []
    for name in CASES:
        marks = []
        if name in KNOWN_LIMITS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_LIMITS[name]))
        params.append(pytest.param(name, id=name, marks=marks))
    return params


@pytest.mark.parametrize("name", _params())
def test_a_textbook_pipeline_runs_rebuilds_and_round_trips_through_the_forge(
    name: str, client: Client, run_jobs: Callable[[], int]
) -> None:
    case = CASES[name]
    task = _publish_task(client, run_jobs, case.regression)
    estimator = case.build()

    run = client.run(estimator, task, n_jobs=1)
    run_jobs()
    run.wait(timeout=10)
    board = task.leaderboard(by="setup")
    assert run.setup_id in set(board["setup_id"]), "the run's setup is on the leaderboard"

    X, y = task.get_X_and_y()
    rebuilt = client.flows.get(run.flow_id).to_estimator(run)
    assert_same_params(estimator, rebuilt)
    fitted = clone(estimator).fit(X, y)
    np.testing.assert_array_equal(clone(rebuilt).fit(X, y).predict(X), fitted.predict(X))

    client.models.create(name, task_ids=[task.id])
    client.models.push(f"alice/{name}", fitted, message=name)
    pulled = client.models.pull(f"alice/{name}")
    np.testing.assert_array_equal(pulled.predict(X), fitted.predict(X))


def test_two_imputers_keep_their_own_settings_on_the_run_and_in_the_comparison(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    task = _publish_task(client, run_jobs, regression=False)
    run = client.run(two_imputers(), task, n_jobs=1)
    settings = {s.name: s.value for s in run.parameter_settings}
    assert settings["preprocess__num__simpleimputer__strategy"] == '"median"'
    assert settings["preprocess__cat__simpleimputer__strategy"] == '"most_frequent"'
    other = client.run(
        two_imputers().set_params(preprocess__cat__simpleimputer__strategy="constant"),
        task,
        n_jobs=1,
    )
    assert other.setup_id != run.setup_id
    run_jobs()
    table = client.runs.compare([run.id, other.id], measure="predictive_accuracy")
    row = table.loc["preprocess__cat__simpleimputer__strategy"]
    assert list(row) == ["most_frequent", "constant"]
    assert "preprocess__num__simpleimputer__strategy" not in table.index  # the same in both


def test_a_function_transformer_is_refused_by_the_forge_saying_why(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    frame = _frame()
    model = make_pipeline(
        ColumnTransformer([("num", SimpleImputer(), ["age", "income"])]),
        FunctionTransformer(np.abs),
        LogisticRegression(),
    ).fit(frame, frame["label"])
    client.models.create("with-code")
    with pytest.raises(InvalidInputError, match="FunctionTransformer holds a function"):
        client.models.push("alice/with-code", model)
