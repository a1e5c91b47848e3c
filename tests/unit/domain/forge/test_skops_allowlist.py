"""The forge's skops allowlist: reviewed plain-data helpers load, code-holding types do not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.forge import formats
from mlhive.wire.models import refused_skops_reasons

X = pd.DataFrame(
    {
        "a": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0] * 4,
        "b": pd.Categorical(list("xyxyzx") * 4),
    }
)
Y = np.array(["p", "q"] * 12)
SELECTED = ColumnTransformer(
    [
        ("num", SimpleImputer(), make_column_selector(dtype_include="number")),
        ("cat", OneHotEncoder(), make_column_selector(dtype_exclude="number")),
    ]
)


def _saved(model: object, tmp_path: Path) -> Path:
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    return path


@pytest.mark.parametrize(
    "model",
    [
        make_pipeline(SELECTED, LogisticRegression()),
        CalibratedClassifierCV(make_pipeline(SELECTED, LogisticRegression()), cv=2),
        GridSearchCV(
            make_pipeline(SELECTED, LogisticRegression()),
            {"logisticregression__C": [0.5, 1.0]},
            cv=2,
            scoring="accuracy",
        ),
        HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=3),
        make_pipeline(
            ColumnTransformer([("cat", OrdinalEncoder(), ["b"])], remainder="passthrough"),
            HistGradientBoostingClassifier(categorical_features=[True, False], max_iter=3),
        ),
    ],
    ids=["column_selector", "calibrated", "grid_search", "hgb_categorical", "hgb_mask"],
)
def test_textbook_models_pass_the_check_and_load_predicting_the_same(
    model: object, tmp_path: Path
) -> None:
    fitted = model.fit(X, Y)  # type: ignore[attr-defined]
    path = _saved(fitted, tmp_path)
    formats.check_skops(path)
    loaded = formats.load_skops(path)
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))


def test_a_function_transformer_is_refused_with_the_reason(tmp_path: Path) -> None:
    model = make_pipeline(SELECTED, FunctionTransformer(np.abs), LogisticRegression()).fit(X, Y)
    path = _saved(model, tmp_path)
    assert refused_skops_reasons(path) and refused_skops_reasons(path.read_bytes())
    with pytest.raises(InvalidInput, match="FunctionTransformer holds a function"):
        formats.check_skops(path)
    with pytest.raises(InvalidInput, match="untrusted"):
        formats.load_skops(path.read_bytes())  # the loader checks again by itself
