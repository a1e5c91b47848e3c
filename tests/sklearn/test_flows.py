"""Estimators to flows and back: round trips, setups, naming, and refusing unsafe flows."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sklearn.pipeline
from scipy.stats import loguniform
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import (
    BaggingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    StackingClassifier,
    VotingClassifier,
)
from sklearn.exceptions import NotFittedError
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.validation import check_is_fitted

from mlhive.sklearn import (
    DisallowedImportError,
    FlowConversionError,
    check_flow_matches,
    estimator_to_flow,
    flow_to_estimator,
    parameter_settings,
)
from mlhive.wire.flows import FlowCreate, FlowOut, ParameterSetting
from tests.sklearn.conftest import assert_same_params, uploaded

Data = tuple[pd.DataFrame, pd.Series]


def _column_pipeline() -> Pipeline:
    numeric = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour", "size"]),
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ],
        remainder="drop",
    )
    return Pipeline([("prep", prep), ("clf", HistGradientBoostingClassifier(random_state=3))])


def _grid_search() -> GridSearchCV:
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))])
    return GridSearchCV(
        pipe, {"clf__C": [0.1, 1.0, 10.0]}, cv=KFold(3, shuffle=True, random_state=0)
    )


ESTIMATORS: dict[str, tuple[Callable[[], Any], str]] = {
    "logistic": (lambda: LogisticRegression(C=0.5, max_iter=500), "iris"),
    "forest": (lambda: RandomForestClassifier(n_estimators=15, random_state=1), "iris"),
    "scaled_svc": (
        lambda: Pipeline(
            [("scale", StandardScaler()), ("svc", SVC(probability=True, random_state=0))]
        ),
        "iris",
    ),
    "column_transformer": (_column_pipeline, "mixed"),
    "voting": (
        lambda: VotingClassifier(
            [
                ("lr", LogisticRegression(max_iter=500)),
                ("rf", RandomForestClassifier(n_estimators=10, random_state=0)),
                ("nb", GaussianNB()),
            ],
            voting="soft",
        ),
        "iris",
    ),
    "grid_search": (_grid_search, "iris"),
    "stacking": (
        lambda: StackingClassifier(
            [("tree", DecisionTreeClassifier(max_depth=3, random_state=0)), ("nb", GaussianNB())],
            final_estimator=LogisticRegression(max_iter=500),
            cv=3,
        ),
        "iris",
    ),
    "bagging": (
        lambda: BaggingClassifier(
            estimator=DecisionTreeClassifier(), n_estimators=5, random_state=2
        ),
        "iris",
    ),
    "select_k_best_union": (
        lambda: Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [("best", SelectKBest(f_classif, k=2)), ("minmax", MinMaxScaler((0, 2)))]
                    ),
                ),
                ("skip", "passthrough"),
                ("clf", GaussianNB()),
            ]
        ),
        "iris",
    ),
    "selector_and_dtype": (
        lambda: Pipeline(
            [
                (
                    "prep",
                    ColumnTransformer(
                        [
                            (
                                "cat",
                                OneHotEncoder(dtype=np.float32),
                                make_column_selector(dtype_exclude=np.number),
                            ),
                            ("num", SimpleImputer(), slice(0, 4)),
                        ],
                        remainder="drop",
                    ),
                ),
                ("clf", DecisionTreeClassifier(random_state=0)),
            ]
        ),
        "mixed",
    ),
    "remainder_and_none_step": (
        lambda: Pipeline(
            [
                (
                    "prep",
                    ColumnTransformer(
                        [("keep", "passthrough", [0, 1])], remainder=StandardScaler()
                    ),
                ),
                ("nothing", None),
                ("clf", GaussianNB()),
            ]
        ),
        "iris",
    ),
    "grid_over_estimators": (
        lambda: GridSearchCV(
            Pipeline([("clf", GaussianNB())]),
            {"clf": [GaussianNB(), DecisionTreeClassifier(max_depth=2, random_state=0)]},
            cv=3,
        ),
        "iris",
    ),
}


@pytest.fixture
def datasets(iris: Data, mixed: Data) -> dict[str, Data]:
    return {"iris": iris, "mixed": mixed}


@pytest.mark.parametrize("key", sorted(ESTIMATORS))
def test_rebuilt_estimator_has_the_same_parameters_and_is_unfitted(key: str) -> None:
    original = ESTIMATORS[key][0]()
    rebuilt = flow_to_estimator(estimator_to_flow(original))
    assert_same_params(original, rebuilt)
    with pytest.raises(NotFittedError):
        check_is_fitted(rebuilt)


# scikit-learn 1.9 deprecates SVC(probability=True), which the pipeline case still uses.
@pytest.mark.filterwarnings("ignore:The `probability` parameter was deprecated:FutureWarning")
@pytest.mark.parametrize("key", sorted(ESTIMATORS))
def test_rebuilt_estimator_predicts_like_the_original(key: str, datasets: dict[str, Data]) -> None:
    make, data = ESTIMATORS[key]
    X, y = datasets[data]
    original = make().fit(X, y)
    rebuilt = flow_to_estimator(estimator_to_flow(make())).fit(X, y)
    np.testing.assert_array_equal(rebuilt.predict(X), original.predict(X))


@pytest.mark.parametrize("key", sorted(ESTIMATORS))
def test_same_estimator_gives_an_identical_flow(key: str) -> None:
    make = ESTIMATORS[key][0]
    first, second = estimator_to_flow(make()), estimator_to_flow(make())
    assert first.model_dump_json() == second.model_dump_json()


def test_fitting_does_not_change_the_flow(iris: Data) -> None:
    X, y = iris
    fitted = ESTIMATORS["forest"][0]().fit(X, y)
    assert estimator_to_flow(fitted) == estimator_to_flow(ESTIMATORS["forest"][0]())


def test_step_names_may_not_shadow_parameters() -> None:
    stacking = StackingClassifier(
        [("final_estimator", GaussianNB())], final_estimator=LogisticRegression()
    )
    with pytest.raises(FlowConversionError, match="'final_estimator' is also a parameter"):
        estimator_to_flow(stacking)


def test_flow_name_and_versions_follow_openml_conventions() -> None:
    flow = estimator_to_flow(ESTIMATORS["scaled_svc"][0]())
    assert flow.name == (
        "sklearn.pipeline.Pipeline(scale=sklearn.preprocessing._data.StandardScaler,"
        "svc=sklearn.svm._classes.SVC)"
    )
    assert flow.class_name == "sklearn.pipeline.Pipeline"
    assert flow.custom_name == "sklearn.Pipeline(StandardScaler,SVC)"
    assert flow.external_version == f"sklearn=={sklearn.__version__}"
    assert flow.dependencies.splitlines()[0] == f"sklearn=={sklearn.__version__}"
    assert [c.identifier for c in flow.components] == ["scale", "svc"]
    steps = json.loads(next(p.default_value for p in flow.parameters if p.name == "steps"))
    assert steps[1] == {
        "oml-python:serialized_object": "component_reference",
        "value": {"key": "svc", "step_name": "svc"},
    }
    svc = flow.components[1].flow
    probability = next(p for p in svc.parameters if p.name == "probability")
    assert probability.default_value == "true"
    assert "bool" in probability.data_type
    assert svc.description.startswith("C-Support Vector Classification.")


def test_flow_parameters_are_every_constructor_parameter_json_encoded() -> None:
    estimator = OneHotEncoder(handle_unknown="ignore")
    flow = estimator_to_flow(estimator)
    assert [p.name for p in flow.parameters] == sorted(estimator.get_params(deep=False))
    values = {p.name: p.default_value for p in flow.parameters}
    assert values["handle_unknown"] == '"ignore"'
    assert json.loads(values["dtype"]) == {
        "oml-python:serialized_object": "type",
        "value": "np.float64",
    }


def test_passthrough_steps_are_named_and_not_components() -> None:
    flow = estimator_to_flow(ESTIMATORS["select_k_best_union"][0]())
    assert ",skip=passthrough," in flow.name
    assert [c.identifier for c in flow.components] == ["features", "clf"]


def test_setup_values_decode_to_the_actual_parameters() -> None:
    estimator = LogisticRegression(C=0.25, class_weight={"a": 2.0}, max_iter=77)
    flow = uploaded(estimator_to_flow(LogisticRegression()))
    settings = parameter_settings(estimator, flow)
    decoded = {s.name: json.loads(s.value or "null") for s in settings}
    assert decoded == estimator.get_params()
    assert {s.flow_id for s in settings} == {flow.id}


def test_setup_values_override_the_flow_defaults_in_components() -> None:
    flow = uploaded(estimator_to_flow(ESTIMATORS["scaled_svc"][0]()))
    tuned = ESTIMATORS["scaled_svc"][0]().set_params(svc__C=7.5, scale__with_mean=False)
    settings = parameter_settings(tuned, flow)
    svc_id = flow.components[1].flow.id
    assert ParameterSetting(flow_id=svc_id, name="svc__C", value="7.5") in settings
    rebuilt = flow_to_estimator(flow, settings)
    assert_same_params(tuned, rebuilt)
    assert_same_params(ESTIMATORS["scaled_svc"][0](), flow_to_estimator(flow))


def test_setup_of_a_nested_grid_search_round_trips() -> None:
    flow = uploaded(estimator_to_flow(_grid_search()))
    tuned = _grid_search().set_params(estimator__clf__tol=0.01, param_grid={"clf__C": [3.0]})
    assert_same_params(tuned, flow_to_estimator(flow, parameter_settings(tuned, flow)))


def test_settings_for_another_structure_are_refused() -> None:
    flow = uploaded(estimator_to_flow(ESTIMATORS["scaled_svc"][0]()))
    other = Pipeline([("scale", StandardScaler()), ("clf", GaussianNB())])
    with pytest.raises(FlowConversionError, match="components differ"):
        parameter_settings(other, flow)
    with pytest.raises(FlowConversionError, match=r"class sklearn\.naive_bayes\.GaussianNB"):
        check_flow_matches(GaussianNB(), uploaded(estimator_to_flow(SVC())))
    unknown = [ParameterSetting(flow_id=999, name="C", value="1.0")]
    with pytest.raises(FlowConversionError, match="does not have"):
        flow_to_estimator(flow, unknown)


def test_randomized_search_distributions_round_trip() -> None:
    search = RandomizedSearchCV(
        LogisticRegression(), {"C": loguniform(1e-3, 10.0)}, n_iter=3, random_state=0
    )
    rebuilt = flow_to_estimator(estimator_to_flow(search))
    original_draws = search.param_distributions["C"].rvs(size=5, random_state=4)
    rebuilt_draws = rebuilt.param_distributions["C"].rvs(size=5, random_state=4)
    np.testing.assert_array_equal(rebuilt_draws, original_draws)


def test_values_outside_json_keep_their_type() -> None:
    estimator = Pipeline(
        [
            ("scale", MinMaxScaler(feature_range=(-1, 1))),
            ("clf", LogisticRegression(class_weight={0: 1.0, 1: 3.0}, random_state=np.int64(5))),
        ]
    )
    rebuilt = flow_to_estimator(estimator_to_flow(estimator))
    assert rebuilt.named_steps["scale"].feature_range == (-1, 1)
    assert rebuilt.named_steps["clf"].class_weight == {0: 1.0, 1: 3.0}
    assert rebuilt.named_steps["clf"].random_state == 5


def test_lambdas_cannot_be_described() -> None:
    with pytest.raises(FlowConversionError, match="lambdas"):
        estimator_to_flow(FunctionTransformer(func=lambda x: x))


def test_random_state_objects_cannot_be_described() -> None:
    with pytest.raises(FlowConversionError, match="int seed"):
        estimator_to_flow(DecisionTreeClassifier(random_state=np.random.RandomState(0)))


def _two_imputers() -> Pipeline:
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categories = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    columns = ColumnTransformer(
        [
            ("num", numbers, make_column_selector(dtype_include="number")),
            ("cat", categories, make_column_selector(dtype_exclude="number")),
        ]
    )
    return Pipeline([("preprocess", columns), ("clf", LogisticRegression())])


def test_the_same_component_class_twice_is_keyed_by_path() -> None:
    estimator = _two_imputers()
    flow = uploaded(estimator_to_flow(estimator))
    settings = {s.name: s for s in parameter_settings(estimator, flow)}
    # Exactly scikit-learn's own deep parameter names, one setting per parameter and place.
    deep = estimator.get_params(deep=True)
    assert set(settings) <= set(deep)
    assert all(hasattr(deep[k], "fit") for k in set(deep) - set(settings))  # the components
    num = settings["preprocess__num__simpleimputer__strategy"]
    cat = settings["preprocess__cat__simpleimputer__strategy"]
    assert (num.value, cat.value) == ('"median"', '"most_frequent"')
    assert num.flow_id == cat.flow_id  # one SimpleImputer flow, two places
    tuned = _two_imputers().set_params(preprocess__cat__simpleimputer__strategy="constant")
    rebuilt = flow_to_estimator(flow, parameter_settings(tuned, flow))
    assert_same_params(tuned, rebuilt)
    assert rebuilt.get_params()["preprocess__num__simpleimputer__strategy"] == "median"


def test_plain_names_of_older_setups_are_read_while_a_component_occurs_once() -> None:
    flow = uploaded(estimator_to_flow(ESTIMATORS["scaled_svc"][0]()))
    svc_id = flow.components[1].flow.id
    older = [ParameterSetting(flow_id=svc_id, name="C", value="7.5")]
    assert flow_to_estimator(flow, older).get_params()["svc__C"] == 7.5


def test_a_plain_name_of_a_repeated_component_is_refused_naming_the_paths() -> None:
    flow = uploaded(estimator_to_flow(_two_imputers()))
    imputer_id = flow.components[0].flow.components[0].flow.components[0].flow.id
    ambiguous = [ParameterSetting(flow_id=imputer_id, name="strategy", value='"mean"')]
    with pytest.raises(FlowConversionError, match="preprocess__cat__simpleimputer__strategy"):
        flow_to_estimator(flow, ambiguous)


def test_a_path_with_another_flows_id_is_refused() -> None:
    flow = uploaded(estimator_to_flow(ESTIMATORS["scaled_svc"][0]()))
    wrong = [ParameterSetting(flow_id=flow.id, name="svc__C", value="7.5")]
    with pytest.raises(FlowConversionError, match="belongs to flow"):
        flow_to_estimator(flow, wrong)


def _flow_with_class(class_name: str) -> FlowCreate:
    return FlowCreate(name=class_name, external_version="sklearn==1.0", class_name=class_name)


@pytest.mark.parametrize("class_name", ["os.system", "builtins.eval", "this.s", "sklearnx.Foo"])
def test_classes_outside_sklearn_are_refused_without_importing(
    class_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    already = set(sys.modules)
    with pytest.raises(DisallowedImportError, match="outside the allowed modules"):
        flow_to_estimator(_flow_with_class(class_name))
    assert "this" not in sys.modules and set(sys.modules) == already
    assert capsys.readouterr().out == ""  # `import this` would have printed the Zen of Python


def test_a_disallowed_component_stops_the_flow_before_any_import() -> None:
    flow = estimator_to_flow(make_pipeline(StandardScaler(), GaussianNB()))
    flow.components[1].flow.class_name = "this.s"
    with pytest.raises(DisallowedImportError, match=r"'this\.s'"):
        flow_to_estimator(flow)
    assert "this" not in sys.modules


def test_functions_must_be_defined_in_allowed_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    # A name inside sklearn that points at a foreign function must not pass the check.
    monkeypatch.setattr(sklearn.pipeline, "system", os.system, raising=False)
    flow = estimator_to_flow(SelectKBest(f_classif))
    score_func = next(p for p in flow.parameters if p.name == "score_func")
    for target in ("sklearn.pipeline.system", "os.system"):
        score_func.default_value = json.dumps(
            {"oml-python:serialized_object": "function", "value": target}
        )
        with pytest.raises(DisallowedImportError):
            flow_to_estimator(flow)


def test_private_and_malformed_names_are_refused() -> None:
    for class_name in ("sklearn.base._clone_parametrized", "sklearn.base.clone(1)", "sklearn"):
        with pytest.raises(DisallowedImportError):
            flow_to_estimator(_flow_with_class(class_name))


class Majority(ClassifierMixin, BaseEstimator):
    """A custom estimator outside sklearn: rebuilt only when its module is allowed."""

    def __init__(self, strength: int = 1) -> None:
        self.strength = strength


def test_other_modules_can_be_allowed_explicitly() -> None:
    flow = estimator_to_flow(Majority(strength=4))
    assert flow.class_name == "tests.sklearn.test_flows.Majority"
    with pytest.raises(DisallowedImportError):
        flow_to_estimator(flow)
    rebuilt = flow_to_estimator(flow, allowed_modules=("tests.sklearn",))
    assert isinstance(rebuilt, Majority) and rebuilt.strength == 4


def test_settings_need_an_uploaded_flow() -> None:
    with pytest.raises(FlowConversionError, match="uploaded flow"):
        flow_to_estimator(estimator_to_flow(SVC()), [ParameterSetting(flow_id=1, name="C")])


def test_uploaded_flow_type_is_accepted_for_rebuilding() -> None:
    flow = uploaded(estimator_to_flow(_column_pipeline()))
    assert isinstance(flow, FlowOut)
    assert_same_params(_column_pipeline(), flow_to_estimator(flow))


def test_functions_that_touch_files_are_refused_even_inside_sklearn() -> None:
    from sklearn.datasets import dump_svmlight_file

    flow = estimator_to_flow(FunctionTransformer(func=dump_svmlight_file, kw_args={"f": "x"}))
    with pytest.raises(DisallowedImportError, match=r"sklearn\.datasets"):
        flow_to_estimator(flow)


def test_a_cache_directory_is_not_taken_from_the_flow(tmp_path: Any) -> None:
    flow = estimator_to_flow(Pipeline([("nb", GaussianNB())], memory=str(tmp_path)))
    assert flow_to_estimator(flow).memory is None


def test_array_columns_round_trip_with_their_dtype() -> None:
    mask = np.array([True, False, True, False])
    original = ColumnTransformer([("s", StandardScaler(), mask), ("p", "passthrough", [1, 3])])
    assert_same_params(original, flow_to_estimator(estimator_to_flow(original)))
