"""Every accepted request shape becomes the same checked table, and a bad one is named."""

from __future__ import annotations

import pytest

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.serving.aliases import check_alias
from mlhive.server.domain.serving.inputs import (
    MAX_ROWS,
    Schema,
    from_invocation,
    from_request,
    schema_of,
)
from mlhive.wire.serving import Invocation, PredictRequest

NAMED = Schema(columns=(("age", "int64"), ("colour", "string"), ("member", "bool")))
ROWS = [
    {"age": 31, "colour": "red", "member": True},
    {"age": None, "colour": None, "member": False},
]
COLUMNS = {"age": [31, None], "colour": ["red", None], "member": [True, False]}


@pytest.mark.parametrize(
    "body",
    [
        PredictRequest(rows=ROWS),
        PredictRequest(
            columns=["colour", "age", "member"], data=[["red", 31, True], [None, None, False]]
        ),
        PredictRequest(inputs=[[31, "red", True], [None, None, False]]),
    ],
    ids=["rows", "split", "positional"],
)
def test_mlhive_shapes_give_one_table_in_schema_order(body: PredictRequest) -> None:
    table = from_request(body, NAMED)
    assert table.n_rows == 2 and table.columns == COLUMNS


@pytest.mark.parametrize(
    "body",
    [
        {
            "dataframe_split": {
                "columns": ["age", "colour", "member"],
                "data": [[31, "red", True], [None, None, False]],
                "index": [0, 1],
            }
        },
        {"dataframe_records": ROWS},
        {"inputs": COLUMNS},
        {"instances": ROWS},
    ],
    ids=["dataframe_split", "dataframe_records", "inputs-columns", "instances-records"],
)
def test_mlflow_shapes_give_the_same_table(body: dict[str, object]) -> None:
    table = from_invocation(Invocation.model_validate(body), NAMED)
    assert table.columns == COLUMNS


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"rows": [{"age": 1, "colour": "red"}]}, "row 0 has no column 'member'"),
        ({"rows": [{**ROWS[0], "extra": 1}]}, "row 0 has column 'extra' the model does not take"),
        ({"rows": [{**ROWS[0], "age": "31"}]}, "column 'age', row 0: '31' is not a number"),
        ({"rows": [{**ROWS[0], "age": True}]}, "column 'age', row 0: True is not a number"),
        ({"rows": [{**ROWS[0], "colour": 3}]}, "column 'colour', row 0: 3 is not a string"),
        ({"rows": [{**ROWS[0], "member": 1}]}, "column 'member', row 0: 1 is not true or false"),
        ({"columns": ["age", "age"], "data": [[1, 2]]}, "a column name appears twice"),
        ({"columns": ["age"], "data": [[1, 2]]}, "data row 0 has 2 values for 1 columns"),
        ({"inputs": [[1, "red"]]}, "inputs row 0 has 2 values; the model takes 3"),
        ({"rows": []}, "no rows to predict"),
    ],
)
def test_bad_inputs_are_refused_naming_row_and_column(
    body: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
        from_request(PredictRequest.model_validate(body), NAMED)


def test_an_unnamed_model_takes_row_lists_of_numbers_only() -> None:
    schema = schema_of([{"name": "X", "dtype": "float64", "shape": [None, 2]}])
    assert schema == Schema(width=2)
    table = from_request(PredictRequest(inputs=[[1, 2.5], [None, 0]]), schema)
    assert table.matrix == [[1, 2.5], [None, 0]]
    with pytest.raises(InvalidInput, match="fitted without column names"):
        from_request(PredictRequest(rows=[{"a": 1, "b": 2}]), schema)
    with pytest.raises(InvalidInput, match="value 1: 'x' is not a number"):
        from_request(PredictRequest(inputs=[[1, "x"]]), schema)


def test_too_many_rows_are_refused_with_the_limit() -> None:
    body = PredictRequest(inputs=[[1, "a", True]] * (MAX_ROWS + 1))
    with pytest.raises(InvalidInput, match=f"at most {MAX_ROWS}"):
        from_request(body, NAMED)


def test_request_shapes_are_exclusive() -> None:
    with pytest.raises(ValueError, match="exactly one of rows"):
        PredictRequest(rows=ROWS, inputs=[[1]])
    with pytest.raises(ValueError, match="columns and data go together"):
        PredictRequest(data=[[1]])
    with pytest.raises(ValueError, match="exactly one of dataframe_split"):
        Invocation.model_validate({})


@pytest.mark.parametrize("name", ["production", "@staging", "canary-2", "a_b"])
def test_alias_names(name: str) -> None:
    assert check_alias(name) == name.removeprefix("@")


@pytest.mark.parametrize("name", ["", "Production", "2nd", "a/b", "x" * 65, "prod!"])
def test_bad_alias_names_say_what_is_allowed(name: str) -> None:
    with pytest.raises(InvalidInput, match="lowercase letter"):
        check_alias(name)
