"""Cheap baselines for a new task: a dummy, a linear model and a small forest.

The hive runs them on every task it makes by itself (``auto_automl_budget``) and the demo on
its tasks, so a leaderboard starts with the figures anything else must beat. Every model is
deterministic (``random_state=0``); preprocessing follows the column dtypes of the frame the
scikit-learn bridge hands them (numbers median-imputed and scaled, categories, strings and
booleans one-hot encoded; anything else left out).
"""

from __future__ import annotations

from typing import Any

from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

CLASSIFICATION = "supervised_classification"


def features() -> ColumnTransformer:
    """Numbers imputed and scaled, categories one-hot encoded (free text and dates dropped)."""
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    # One imputer only: a flow may hold each component once (OpenML keys settings by flow),
    # and the encoder treats a missing category as a category of its own.
    nominal = OneHotEncoder(handle_unknown="ignore")
    return ColumnTransformer(
        [
            ("numeric", numeric, make_column_selector(dtype_include="number")),
            (
                "nominal",
                nominal,
                make_column_selector(dtype_include=["category", "bool", "object"]),
            ),
        ]
    )


def baselines(task_type: str) -> list[Any]:
    """Three unfitted baselines for a classification or regression task."""
    if task_type == CLASSIFICATION:
        return [
            DummyClassifier(strategy="prior"),
            Pipeline([("features", features()), ("model", LogisticRegression(max_iter=500))]),
            Pipeline(
                [
                    ("features", features()),
                    ("model", RandomForestClassifier(n_estimators=50, random_state=0)),
                ]
            ),
        ]
    return [
        DummyRegressor(),
        Pipeline([("features", features()), ("model", Ridge())]),
        Pipeline(
            [
                ("features", features()),
                ("model", RandomForestRegressor(n_estimators=50, random_state=0)),
            ]
        ),
    ]
