"""Fuzzing run predictions: whatever the bytes of a predictions file, reading and checking it
against the task's splits succeeds or raises InvalidInput naming the predictions; never
another exception (which the upload would answer with a 500)."""

from __future__ import annotations

import io

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from mlhive.formats.tables import write_arff
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments.predictions import read_predictions, validate_predictions
from tests.fuzz import FUZZ, IN_PLACE, mutated
from tests.malformed import NOT_UTF8, PREDICTIONS_ARFF, parquet
from tests.unit.domain.experiments.test_predictions import CLASSES, make_predictions, make_splits

SPLITS = make_splits(8, folds=2)
VALID = make_predictions(SPLITS, seed=3)


def _arff(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    write_arff(table, sink, relation="predictions")
    return sink.getvalue()


def _nominal(table: pa.Table) -> pa.Table:
    index = table.column_names.index("prediction")
    return table.set_column(index, "prediction", table.column(index).dictionary_encode())


ARFF_SEEDS = [_arff(VALID), _arff(_nominal(VALID)), PREDICTIONS_ARFF]
PARQUET_SEEDS = [parquet(VALID), parquet(VALID, store_schema=False)]
PIECES = [b",", b"\n", b"?", b"-1", b"1e300", b"nan", b"inf", b"yes", b"maybe", b"{", b"'",
          b"@attribute cluster numeric\n", b"@attribute row_id string\n", NOT_UTF8]  # fmt: skip


def _read(content: bytes, fmt: str) -> InvalidInput | None:
    try:
        table = read_predictions(io.BytesIO(content), fmt)  # type: ignore[arg-type]
        validate_predictions(
            table, SPLITS, task_type="supervised_classification", class_labels=CLASSES
        )
    except InvalidInput as exc:
        return exc
    return None


def _check(content: bytes, fmt: str) -> None:
    error = _read(content, fmt)
    assert error is None or (error.extra.get("field") == "predictions" and error.detail.strip())


@FUZZ
@given(st.one_of(mutated(ARFF_SEEDS, PIECES), st.binary(max_size=100)))
def test_fuzz_arff_predictions_raise_only_invalid_input(content: bytes) -> None:
    _check(content, "arff")


@FUZZ
@given(
    st.one_of(
        mutated(PARQUET_SEEDS, tail=2000, edits=IN_PLACE),
        mutated(PARQUET_SEEDS, (NOT_UTF8, b"\x00"), tail=2000),
    )
)
def test_fuzz_parquet_predictions_raise_only_invalid_input(content: bytes) -> None:
    _check(content, "parquet")
