"""The AutoML search space: scikit-learn pipelines whose preprocessing follows the column types.

A *configuration* is a plain dict: ``{"model": <name>, <name>.<parameter>: value, ...}``. It is
what the optimiser proposes, what a trial process receives and what the trials table stores;
:func:`build` turns it into an unfitted pipeline, always the same one for the same
configuration, columns and seed. The preprocessing is not searched, it is chosen by the column
types:

- numeric columns: missing values imputed with the median; scaled for linear models and k-NN;
- categorical columns (strings, dictionaries, booleans): one-hot encoded (unknown categories
  ignored) for linear models and k-NN, ordinal-encoded for the tree ensembles (unknown and
  missing categories become -1);
- columns of other types (dates, lists) are left out, and the job lists them.

Every random model gets ``random_state=seed``, so a configuration refits to the same model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa

CLASSIFICATION = "supervised_classification"
REGRESSION = "supervised_regression"
TASK_TYPES = (CLASSIFICATION, REGRESSION)

MODELS = (
    "hist_gradient_boosting",
    "random_forest",
    "extra_trees",
    "linear",
    "k_nearest_neighbors",
)
"""Model families searched, in the order the optimiser's categorical choice lists them."""


class Suggester(Protocol):
    """What the space asks of an optimiser's trial (an ``optuna.Trial`` has these)."""

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any: ...

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float: ...

    def suggest_int(self, name: str, low: int, high: int, *, log: bool = False) -> int: ...


@dataclass(frozen=True)
class Columns:
    """The feature columns by kind; ``ignored`` ones are not used at all."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    ignored: tuple[str, ...] = ()


def column_kinds(schema: pa.Schema, dropped: Sequence[str]) -> Columns:
    """Sort a dataset's feature columns (all but ``dropped``) into numeric and categorical."""
    numeric: list[str] = []
    categorical: list[str] = []
    ignored: list[str] = []
    for field in schema:
        if field.name in dropped:
            continue
        kind = field.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            numeric.append(field.name)
        elif (
            pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or pa.types.is_dictionary(kind)
            or pa.types.is_boolean(kind)
        ):
            categorical.append(field.name)
        else:
            ignored.append(field.name)
    return Columns(tuple(numeric), tuple(categorical), tuple(ignored))


def suggest(trial: Suggester) -> dict[str, Any]:
    """Draw a configuration from the space (conditional: each model its own parameters)."""
    model = trial.suggest_categorical("model", MODELS)
    config: dict[str, Any] = {"model": model}

    def put(name: str, value: Any) -> None:
        config[f"{model}.{name}"] = value

    if model == "hist_gradient_boosting":
        put("learning_rate", trial.suggest_float(f"{model}.learning_rate", 0.01, 0.3, log=True))
        put("max_leaf_nodes", trial.suggest_int(f"{model}.max_leaf_nodes", 8, 128, log=True))
        put("min_samples_leaf", trial.suggest_int(f"{model}.min_samples_leaf", 2, 64, log=True))
        put(
            "l2_regularization",
            trial.suggest_float(f"{model}.l2_regularization", 1e-6, 10.0, log=True),
        )
    elif model in ("random_forest", "extra_trees"):
        put("n_estimators", trial.suggest_int(f"{model}.n_estimators", 16, 256, log=True))
        put("max_features", trial.suggest_float(f"{model}.max_features", 0.1, 1.0))
        put("min_samples_leaf", trial.suggest_int(f"{model}.min_samples_leaf", 1, 16, log=True))
    elif model == "linear":
        put("regularisation", trial.suggest_float(f"{model}.regularisation", 1e-3, 1e3, log=True))
    else:
        put("n_neighbors", trial.suggest_int(f"{model}.n_neighbors", 1, 30, log=True))
        put("weights", trial.suggest_categorical(f"{model}.weights", ("uniform", "distance")))
    return config


def parameters(config: dict[str, Any]) -> dict[str, Any]:
    """A configuration's model parameters, without the model prefix."""
    prefix = f"{config['model']}."
    return {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}


def _model(config: dict[str, Any], task_type: str, seed: int) -> Any:
    from sklearn import ensemble, linear_model, neighbors

    model = config["model"]
    p = parameters(config)
    classify = task_type == CLASSIFICATION
    if model == "hist_gradient_boosting":
        cls = (
            ensemble.HistGradientBoostingClassifier
            if classify
            else ensemble.HistGradientBoostingRegressor
        )
        return cls(random_state=seed, **p)
    if model == "random_forest":
        cls = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
        return cls(random_state=seed, n_jobs=1, **p)
    if model == "extra_trees":
        cls = ensemble.ExtraTreesClassifier if classify else ensemble.ExtraTreesRegressor
        return cls(random_state=seed, n_jobs=1, **p)
    if model == "linear":
        if classify:
            return linear_model.LogisticRegression(C=p["regularisation"], max_iter=2000)
        return linear_model.Ridge(alpha=1.0 / p["regularisation"])
    if model == "k_nearest_neighbors":
        # Brute force keeps no search tree: the fitted model is plain arrays, which the
        # forge's safe skops loader accepts.
        cls = neighbors.KNeighborsClassifier if classify else neighbors.KNeighborsRegressor
        return cls(algorithm="brute", **p)
    raise ValueError(f"unknown model family {model!r}; the space has {', '.join(MODELS)}")


def build(config: dict[str, Any], columns: Columns, task_type: str, seed: int) -> Any:
    """The unfitted pipeline of a configuration: preprocessing by column type, then the model.

    Raises:
        ValueError: an unknown model family, or a task type the space does not cover.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    if task_type not in TASK_TYPES:
        raise ValueError(f"AutoML covers {' and '.join(TASK_TYPES)} tasks, not {task_type}")
    trees = config["model"] in ("hist_gradient_boosting", "random_forest", "extra_trees")
    parts: list[tuple[str, Any, list[str]]] = []
    if columns.numeric:
        steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
        if not trees:
            steps.append(("scale", StandardScaler()))
        parts.append(("numeric", Pipeline(steps), list(columns.numeric)))
    if columns.categorical:
        encoder = (
            OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
            )
            if trees
            else OneHotEncoder(handle_unknown="ignore")
        )
        parts.append(("categorical", encoder, list(columns.categorical)))
    if not parts:
        raise ValueError("the task has no numeric or categorical feature column to learn from")
    prepare = ColumnTransformer(parts, remainder="drop")
    return Pipeline([("prepare", prepare), ("model", _model(config, task_type, seed))])


def ensemble_of(members: list[tuple[str, Any]], weights: list[float], task_type: str) -> Any:
    """A weighted soft-voting ensemble of unfitted pipelines (one member: that pipeline)."""
    from sklearn.ensemble import VotingClassifier, VotingRegressor

    if len(members) == 1:
        return members[0][1]
    if task_type == CLASSIFICATION:
        return VotingClassifier(members, voting="soft", weights=weights)
    return VotingRegressor(members, weights=weights)
