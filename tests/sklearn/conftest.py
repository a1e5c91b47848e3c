"""Data and helpers for the scikit-learn integration tests (installed data only, no downloads)."""

from __future__ import annotations

import inspect
import itertools
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import load_diabetes, load_iris

from mlhive.wire.flows import FlowComponentOut, FlowCreate, FlowOut


@pytest.fixture(scope="session")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    """Iris with string class labels, as a task's target would arrive (categorical)."""
    data = load_iris(as_frame=True)
    names = np.asarray(data.target_names)[data.target.to_numpy()]
    y = pd.Series(pd.Categorical(names, categories=list(data.target_names)), name="species")
    return data.data, y


@pytest.fixture(scope="session")
def mixed() -> tuple[pd.DataFrame, pd.Series]:
    """Numeric columns with missing values plus two string columns, and a 3-class target."""
    X, y = load_iris(as_frame=True, return_X_y=True)
    rng = np.random.default_rng(0)
    X = X.copy()
    X.loc[rng.random(len(X)) < 0.1, "sepal width (cm)"] = np.nan
    X["colour"] = rng.choice(["red", "green", "blue"], size=len(X))
    X["size"] = np.where(X["petal length (cm)"] > 3, "big", "small")
    return X, y.astype(str)


@pytest.fixture(scope="session")
def diabetes() -> tuple[pd.DataFrame, pd.Series]:
    X, y = load_diabetes(as_frame=True, return_X_y=True)
    return X, y


def uploaded(flow: FlowCreate) -> FlowOut:
    """The flow as the server would return it: an id for every (distinct) flow in the tree."""
    ids: dict[tuple[str, str], int] = {}
    counter = itertools.count(1)

    def convert(current: FlowCreate) -> FlowOut:
        key = (current.name, current.external_version)
        ids.setdefault(key, next(counter))
        data = current.model_dump(exclude={"components"})
        components = [
            FlowComponentOut(identifier=c.identifier, flow=convert(c.flow))
            for c in current.components
        ]
        return FlowOut(
            id=ids[key],
            components=components,
            uploader="tester",
            upload_date=datetime(2026, 1, 1, tzinfo=UTC),
            **data,
        )

    return convert(flow)


def assert_same_value(a: Any, b: Any, where: str = "") -> None:
    """Equal parameters, recursively: estimators by class and parameters, arrays by content."""
    if isinstance(a, BaseEstimator) or isinstance(b, BaseEstimator):
        assert type(a) is type(b), where
        assert_same_params(a, b, where)
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), f"{where}: {a!r} != {b!r}"
        for i, (x, z) in enumerate(zip(a, b, strict=True)):
            assert_same_value(x, z, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: {a!r} != {b!r}"
        for key in a:
            assert_same_value(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), f"{where}: {b!r} is not NaN"
    elif hasattr(a, "__dict__") and not inspect.isroutine(a):
        assert type(a) is type(b) and vars(a) == vars(b), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b and type(a) is type(b), f"{where}: {a!r} != {b!r}"


def assert_same_params(a: Any, b: Any, where: str = "") -> None:
    """The two estimators have the same class and equal parameters, all the way down."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    pa_, pb = a.get_params(deep=False), b.get_params(deep=False)
    assert sorted(pa_) == sorted(pb), where
    for key in pa_:
        assert_same_value(pa_[key], pb[key], f"{where}.{type(a).__name__}.{key}")
