"""scikit-learn models in the forge: card facts, parameter/attribute diffs, ensembles.

Every estimator handled here was loaded through the server's skops allowlist.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from mlhive.server.domain.errors import InvalidInput
from mlhive.wire.models import CardTaskType, FeatureSpec, OutputSchema


def _class_path(estimator: Any) -> str:
    cls = type(estimator)
    return f"{cls.__module__}.{cls.__qualname__}"


def task_type_of(estimator: Any) -> CardTaskType:
    """``supervised_classification``/``supervised_regression``/``clustering`` or ``other``."""
    from sklearn.base import is_classifier, is_clusterer, is_regressor

    if is_classifier(estimator):
        return "supervised_classification"
    if is_regressor(estimator):
        return "supervised_regression"
    if is_clusterer(estimator):
        return "clustering"
    return "other"


def card_facts(estimator: Any) -> dict[str, Any]:
    """What the file itself says about the model, for the card (the uploader cannot override).

    Returns:
        ``library``, ``library_version``, ``model_type``, ``task_type`` and, when the model was
        fitted, ``input_schema`` (feature names) and ``output_schema`` (class labels).
    """
    import sklearn

    facts: dict[str, Any] = {
        "library": "scikit-learn",
        "library_version": sklearn.__version__,
        "model_type": _class_path(estimator),
        "task_type": task_type_of(estimator),
    }
    names = getattr(estimator, "feature_names_in_", None)
    count = getattr(estimator, "n_features_in_", None)
    if names is not None:
        facts["input_schema"] = [FeatureSpec(name=str(n), dtype="float64") for n in names]
    elif isinstance(count, int):
        facts["input_schema"] = [FeatureSpec(name="X", dtype="float64", shape=[None, count])]
    classes = getattr(estimator, "classes_", None)
    if classes is not None and facts["task_type"] == "supervised_classification":
        facts["output_schema"] = OutputSchema(class_labels=[str(c) for c in classes])
    return facts


def _fitted(estimator: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in sorted(vars(estimator).items()):
        if key.endswith("_") and not key.startswith("_"):
            yield f"{prefix}{key}", value


def fitted_attributes(estimator: Any) -> dict[str, Any]:
    """Fitted state (attributes ending in ``_``) of an estimator and its sub-estimators."""
    found = dict(_fitted(estimator, ""))
    if hasattr(estimator, "get_params"):
        for name, value in estimator.get_params(deep=True).items():
            if hasattr(value, "get_params") and hasattr(value, "fit"):
                found.update(_fitted(value, f"{name}__"))
    for index, member in enumerate(getattr(estimator, "estimators_", None) or []):
        if hasattr(member, "get_params") and not isinstance(member, list | tuple):
            found.update(_fitted(member, f"estimators_[{index}]__"))
    return found


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    try:
        return bool(a == b) and type(a) is type(b)
    except (ValueError, TypeError):
        return repr(a) == repr(b)


def _text(name: str, params: dict[str, Any]) -> str | None:
    return repr(params[name]) if name in params else None


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _composition(value: Any) -> str | None:
    """``"scale: StandardScaler, clf: SVC"`` for a list of named estimators, else None.

    The lists of scikit-learn's composites (``Pipeline.steps``, ``ColumnTransformer.
    transformers``, ``VotingClassifier.estimators`` ...) hold ``(name, estimator[, columns])``;
    ``"drop"`` and ``"passthrough"`` stand for themselves.
    """
    if not isinstance(value, list | tuple) or not value:
        return None
    parts = []
    for member in value:
        if not (isinstance(member, tuple) and len(member) >= 2 and isinstance(member[0], str)):
            return None
        step = member[1]
        if isinstance(step, str):
            label = step
        elif hasattr(step, "get_params"):
            label = type(step).__name__
        else:
            return None
        columns = f" on {_short(repr(member[2]))}" if len(member) > 2 else ""
        parts.append(f"{member[0]}: {label}{columns}")
    return ", ".join(parts)


def estimator_diff(a: Any, b: Any) -> tuple[dict[str, tuple[str | None, str | None]], list[str]]:
    """Hyper-parameters and fitted attributes that differ between two estimators.

    Returns:
        ``{parameter: (repr before, repr after)}`` (None where one side lacks it) and the sorted
        names of fitted attributes that differ, appear or disappear.
    """
    params_a, params_b = a.get_params(deep=True), b.get_params(deep=True)
    changed: dict[str, tuple[str | None, str | None]] = {}
    for name in sorted(params_a.keys() | params_b.keys()):
        left, right = params_a.get(name), params_b.get(name)
        nested = hasattr(left, "get_params") or hasattr(right, "get_params")
        if nested and type(left) is type(right):
            continue  # compared through their own nested parameters
        shape_left, shape_right = _composition(left), _composition(right)
        if shape_left is not None or shape_right is not None:
            # steps, transformers, estimators ...: the members' settings are nested parameters
            # of their own; only a change of the composition itself is worth a line.
            if shape_left != shape_right:
                changed[name] = (
                    shape_left or _text(name, params_a),
                    shape_right or _text(name, params_b),
                )
            continue
        if name not in params_a or name not in params_b or repr(left) != repr(right):
            changed[name] = (_text(name, params_a), _text(name, params_b))
    attrs_a, attrs_b = fitted_attributes(a), fitted_attributes(b)
    attributes = [
        name
        for name in sorted(attrs_a.keys() | attrs_b.keys())
        if name not in attrs_a or name not in attrs_b or not _same(attrs_a[name], attrs_b[name])
    ]
    return changed, attributes


def compose_ensemble(
    method: str, members: Sequence[tuple[str, Any]], task_type: str, voting: str
) -> Any:
    """An unfitted voting or stacking ensemble of ``members`` (name, estimator).

    Raises:
        InvalidInput: an unsupported task type, or members of the wrong kind.
    """
    from sklearn import ensemble

    classify = task_type == "supervised_classification"
    if not classify and task_type != "supervised_regression":
        raise InvalidInput(f"task_id: {method} ensembles need a classification or regression task")
    expected = "supervised_classification" if classify else "supervised_regression"
    wrong = [name for name, est in members if task_type_of(est) != expected]
    if wrong:
        raise InvalidInput(f"sources: {', '.join(wrong)} cannot take part in a {expected} ensemble")
    named = list(members)
    if method == "voting":
        if classify:
            return ensemble.VotingClassifier(named, voting=voting)
        return ensemble.VotingRegressor(named)
    if method == "stacking":
        return ensemble.StackingClassifier(named) if classify else ensemble.StackingRegressor(named)
    raise InvalidInput(f"method: {method!r} is not an ensemble method", field="method")
