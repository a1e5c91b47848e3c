"""Runs made outside scikit-learn: predictions from any tool, uploaded with a named flow.

A PyTorch net, an XGBoost booster, an R script: whatever made the predictions, the hive only
needs the task's folds predicted, a flow name for the method and its parameter values. The flow
is created on first use; its external version is derived from the parameter names, so that a
method that gains a parameter becomes a new flow version instead of a refused upload.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mlhive.wire.flows import FlowCreate, FlowOut, FlowParameter, ParameterSetting

PARQUET = "application/vnd.apache.parquet"
Predictions: TypeAlias = pd.DataFrame | pa.Table | str | PathLike[str]


def flow_for(name: str, parameters: Mapping[str, Any], version: str | None) -> FlowCreate:
    """The flow description of a non-scikit-learn method.

    Args:
        name: the method's name, e.g. ``torch.ResNet18``.
        parameters: its parameter values (only the names go into the flow).
        version: the flow's external version; by default ``params-<hash of the names>``.
    """
    names = sorted(parameters)
    if version is None:
        digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]
        version = f"params-{digest}"
    return FlowCreate(
        name=name,
        external_version=version,
        description=f"Uploaded predictions of {name}.",
        parameters=[FlowParameter(name=n) for n in names],
    )


def encoded(parameters: Mapping[str, Any]) -> dict[str, str]:
    """The parameter values as runs record them: JSON text, as OpenML stores them.

    Raises:
        ValueError: a value JSON cannot represent (the message names the parameter).
    """
    values = {}
    for name, value in sorted(parameters.items()):
        try:
            values[name] = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"parameter {name!r}: {value!r} cannot be stored as JSON ({exc}); pass a "
                "number, a string, a bool, None, or a list or dict of those"
            ) from None
    return values


def settings_for(flow: FlowOut, values: Mapping[str, str]) -> list[ParameterSetting]:
    """The run's parameter settings of ``flow`` from :func:`encoded` values."""
    return [ParameterSetting(flow_id=flow.id, name=n, value=v) for n, v in values.items()]


def predictions_file(predictions: Predictions, *, classification: bool) -> tuple[str, bytes, str]:
    """The multipart file of a predictions table: a DataFrame, a pyarrow Table or a file.

    Parquet and OpenML's predictions ARFF files are sent as they are; a CSV file, a DataFrame or
    a Table becomes Parquet. Class labels are text (as on OpenML), so for a classification task
    a numeric ``prediction`` column (``0``/``1`` from XGBoost, say) is sent as its text.
    The server checks the rows against the task's splits and says what is wrong.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: a file that is not Parquet, ARFF or CSV, or a table pyarrow cannot convert.
    """
    if isinstance(predictions, str | PathLike):
        path = Path(predictions)
        suffix = path.suffix.lower()
        if suffix in (".parquet", ".pq", ".arff"):
            media = "text/plain" if suffix == ".arff" else PARQUET
            return path.name, path.read_bytes(), media
        if suffix != ".csv":
            raise ValueError(
                f"{path}: predictions go up as Parquet (.parquet), ARFF (.arff) or CSV (.csv)"
            )
        label = pa.string() if classification else pa.float64()
        options = pacsv.ConvertOptions(column_types={"prediction": label})
        table = pacsv.read_csv(path, convert_options=options)
    elif isinstance(predictions, pd.DataFrame):
        try:
            table = pa.Table.from_pandas(predictions, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ValueError(f"predictions: {exc}") from None
    else:
        table = predictions
    if classification and "prediction" in table.column_names:
        table = _labels_as_text(table)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return "predictions.parquet", sink.getvalue(), PARQUET


def _labels_as_text(table: pa.Table) -> pa.Table:
    column = table.column("prediction")
    if pa.types.is_integer(column.type) or pa.types.is_boolean(column.type):
        index = table.column_names.index("prediction")
        return table.set_column(index, "prediction", column.cast(pa.string()))
    return table
