"""Prediction inputs: every accepted request shape becomes one table checked against the
model's input schema, so a missing, unknown or mistyped column is named before the model runs.

A *named* schema lists the model's columns (a model fitted on a DataFrame, or a card that
declares them); an *unnamed* one only says how many values a row has (a model fitted on an
array: the card's single ``X`` input of shape ``[None, n]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlhive.server.domain.errors import InvalidInput
from mlhive.wire.models import FeatureSpec
from mlhive.wire.serving import Invocation, PredictRequest

MAX_ROWS = 10_000
"""Rows one request may carry: larger batches are split by the caller."""
_NUMBER_PREFIXES = ("float", "int", "uint", "double")
_TEXT_TYPES = frozenset({"str", "string", "object", "category", "categorical"})


@dataclass(frozen=True)
class Schema:
    """What a model takes: named columns with their dtypes, or ``width`` unnamed values."""

    columns: tuple[tuple[str, str], ...] = ()
    width: int | None = None

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]


@dataclass(frozen=True)
class Table:
    """Checked inputs: one list of values per column (schema order), or unnamed row lists."""

    n_rows: int
    columns: dict[str, list[Any]] = field(default_factory=dict)
    matrix: list[list[Any]] | None = None


def schema_of(input_schema: Sequence[Mapping[str, Any]]) -> Schema:
    """The schema a card's ``input_schema`` describes (an empty one takes anything unnamed)."""
    specs = [FeatureSpec.model_validate(item) for item in input_schema]
    if len(specs) == 1 and specs[0].name == "X" and len(specs[0].shape) == 2:
        width = specs[0].shape[1]
        return Schema(width=width)
    return Schema(columns=tuple((spec.name, spec.dtype) for spec in specs))


def _bad(detail: str, field: str = "rows") -> InvalidInput:
    return InvalidInput(detail, field=field)


def _listing(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _check_count(n_rows: int) -> None:
    if n_rows == 0:
        raise _bad("there are no rows to predict: send at least one")
    if n_rows > MAX_ROWS:
        raise _bad(f"{n_rows} rows in one request; send at most {MAX_ROWS} per request")


def _records(rows: Sequence[Any], schema: Schema, field: str) -> Table:
    """Row objects (``{column: value}``) as columns, each row holding exactly the schema's."""
    _check_count(len(rows))
    if not schema.columns:
        raise _bad(
            "this model was fitted without column names: send row lists as 'inputs' "
            f"(or MLflow's 'instances'), {schema.width or 'n'} values per row",
            field,
        )
    names = schema.names
    expected = set(names)
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise _bad(f"row {index} is not an object of column: value", field)
        missing = [n for n in names if n not in row]
        if missing:
            raise _bad(
                f"row {index} has no column {_listing(missing)}; the model needs {_listing(names)}",
                field,
            )
        unknown = [str(k) for k in row if k not in expected]
        if unknown:
            raise _bad(
                f"row {index} has column {_listing(unknown)} the model does not take; "
                f"it takes {_listing(names)}",
                field,
            )
        for name in names:
            columns[name].append(row[name])
    return _typed(Table(n_rows=len(rows), columns=columns), schema)


def _split(
    names: Sequence[str], data: Sequence[Sequence[Any]], schema: Schema, field: str
) -> Table:
    """Column names and row lists, as row objects."""
    if len(set(names)) != len(names):
        raise _bad("columns: a column name appears twice", "columns")
    rows = []
    for index, values in enumerate(data):
        if len(values) != len(names):
            raise _bad(f"data row {index} has {len(values)} values for {len(names)} columns", field)
        rows.append(dict(zip(names, values, strict=True)))
    return _records(rows, schema, field)


def _columnar(columns: Mapping[str, Sequence[Any]], schema: Schema, field: str) -> Table:
    """``{column: [values]}`` as row objects (every column as long as the others)."""
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise _bad("every column must hold the same number of values", field)
    n_rows = lengths.pop() if lengths else 0
    names = list(columns)
    data = [[columns[name][i] for name in names] for i in range(n_rows)]
    return _split(names, data, schema, field)


def _positional(rows: Sequence[Any], schema: Schema, field: str) -> Table:
    """Row lists: values in the schema's column order (or the unnamed model's)."""
    _check_count(len(rows))
    width = len(schema.columns) if schema.columns else schema.width
    for index, row in enumerate(rows):
        if not isinstance(row, list):
            raise _bad(f"{field} row {index} is not a list of values", field)
        if width is not None and len(row) != width:
            raise _bad(f"{field} row {index} has {len(row)} values; the model takes {width}", field)
    if schema.columns:
        return _split(schema.names, rows, schema, field)
    for index, row in enumerate(rows):
        for position, value in enumerate(row):
            if not _is_number(value):
                raise _bad(
                    f"{field} row {index}, value {position}: {value!r} is not a number", field
                )
    return Table(n_rows=len(rows), matrix=[list(row) for row in rows])


def _is_number(value: Any) -> bool:
    # JSON's true/false are not numbers; null is a missing value.
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def kind_of(dtype: str) -> str:
    """What a column of ``dtype`` holds: ``number``, ``bool``, ``text`` or ``any``."""
    lowered = dtype.lower()
    if lowered.startswith(_NUMBER_PREFIXES):
        return "number"
    if lowered in ("bool", "boolean"):
        return "bool"
    if lowered in _TEXT_TYPES:
        return "text"
    return "any"


def _is_bool(value: Any) -> bool:
    return value is None or isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_anything(value: Any) -> bool:
    return True


_ACCEPTS: dict[str, Callable[[Any], bool]] = {
    "number": _is_number,
    "bool": _is_bool,
    "text": _is_text,
    "any": _is_anything,
}
_WORD = {"number": "a number", "bool": "true or false", "text": "a string", "any": ""}


def _typed(table: Table, schema: Schema) -> Table:
    """Refuse a value whose type the column's dtype does not take, naming column and row."""
    for name, dtype in schema.columns:
        kind = kind_of(dtype)
        accepts = _ACCEPTS[kind]
        for index, value in enumerate(table.columns[name]):
            if not accepts(value):
                raise _bad(
                    f"column {name!r}, row {index}: {value!r} is not {_WORD[kind]} "
                    f"(the column's type is {dtype})",
                )
    return table


def from_request(body: PredictRequest, schema: Schema) -> Table:
    """The checked table of an mlhive prediction request.

    Raises:
        InvalidInput: no rows, too many, or a missing, unknown or mistyped column.
    """
    if body.rows is not None:
        return _records(body.rows, schema, "rows")
    if body.data is not None:
        return _split(body.columns or [], body.data, schema, "data")
    return _positional(body.inputs or [], schema, "inputs")


def from_invocation(body: Invocation, schema: Schema) -> Table:
    """The checked table of an MLflow ``/invocations`` body.

    Raises:
        InvalidInput: as :func:`from_request`.
    """
    if body.dataframe_split is not None:
        split = body.dataframe_split
        return _split(split.columns, split.data, schema, "dataframe_split")
    if body.dataframe_records is not None:
        return _records(body.dataframe_records, schema, "dataframe_records")
    given = body.inputs if body.inputs is not None else body.instances
    field = "inputs" if body.inputs is not None else "instances"
    if isinstance(given, dict):
        return _columnar(given, schema, field)
    given = given or []
    if given and all(isinstance(row, dict) for row in given):
        return _records(given, schema, field)
    return _positional(given, schema, field)
