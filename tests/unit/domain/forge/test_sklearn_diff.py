"""The scikit-learn diff names what changed, not the ``repr`` of a whole pipeline."""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC

from mlhive.server.domain.forge.sklearn import estimator_diff


def pipeline(c: float, strategy: str = "mean", clf: object = None) -> Pipeline:
    columns = ColumnTransformer(
        [
            ("num", SimpleImputer(strategy=strategy), ["age", "height"]),
            ("cat", OneHotEncoder(), ["colour"]),
        ]
    )
    return Pipeline(
        [("prep", columns), ("scale", StandardScaler()), ("clf", clf or LogisticRegression(C=c))]
    )


def test_a_changed_setting_deep_in_a_pipeline_is_one_line_by_its_path() -> None:
    changed, _ = estimator_diff(pipeline(1.0), pipeline(0.1, strategy="median"))
    assert changed == {
        "clf__C": ("1.0", "0.1"),
        "prep__num__strategy": ("'mean'", "'median'"),
    }  # no "steps", "transformers" or "prep" walls of text


def test_a_replaced_step_shows_the_composition_before_and_after() -> None:
    changed, _ = estimator_diff(pipeline(1.0), pipeline(1.0, clf=SVC()))
    assert changed["steps"] == (
        "prep: ColumnTransformer, scale: StandardScaler, clf: LogisticRegression",
        "prep: ColumnTransformer, scale: StandardScaler, clf: SVC",
    )
    assert all(len(before or "") < 200 for before, _ in changed.values())


def test_a_dropped_transformer_reads_as_drop() -> None:
    kept = ColumnTransformer([("num", StandardScaler(), [0]), ("cat", OneHotEncoder(), [1])])
    dropped = ColumnTransformer([("num", StandardScaler(), [0]), ("cat", "drop", [1])])
    changed, _ = estimator_diff(kept, dropped)
    assert changed["transformers"] == (
        "num: StandardScaler on [0], cat: OneHotEncoder on [1]",
        "num: StandardScaler on [0], cat: drop on [1]",
    )
