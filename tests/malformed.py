"""A corpus of malformed files, one list per parser, and the well-formed files they come from.

Each case names the error code a user must get and a phrase the message must hold. The
well-formed files seed the fuzz tests (which mutate them); the malformed ones are sent over
both faces by ``tests/api/test_malformed_files.py`` and ``tests/openml/test_malformed_files.py``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq


@dataclass(frozen=True)
class Malformed:
    """One malformed file: what it is, its bytes, the error code and a phrase of the message."""

    name: str
    content: bytes
    code: str
    says: str

    def __str__(self) -> str:  # the test id
        return self.name


def parquet(table: pa.Table, **options: object) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **options)  # type: ignore[arg-type]
    return sink.getvalue()


def _rename(content: bytes, name: bytes, replacement: bytes) -> bytes:
    """Replace a name by bytes of the same length (Thrift and protobuf strings are
    length-prefixed, so the file stays well-formed apart from the name)."""
    if len(name) != len(replacement) or name not in content:
        raise ValueError(f"cannot replace {name!r}")
    return content.replace(name, replacement)


NOT_UTF8 = b"\xd9x"  # a lead byte followed by an ASCII letter: never valid UTF-8

# -- tables -------------------------------------------------------------------------------------

CSV_SEEDS = [
    b"age,colour,height,label\n31,red,1.71,yes\n45,blue,,no\n27,red,1.62,yes\n",
    b'id;text;when\n1;"a ""quoted"" value";2020-01-02\n2;"multi\nline";2021-03-04T05:06:07\n',
    b"x\tflag\n1.5\ttrue\n?\tfalse\nNA\tTRUE\n",
]

CSV_CASES = [
    Malformed("header-not-utf8", b"\xd9\x78\n1\n", "malformed_file", "not valid UTF-8"),
    Malformed("value-not-utf8", b"a,b\n1,\xff\xfe\n2,x\n", "malformed_file", "not UTF-8"),
    Malformed("ragged-row", b"a,b\n1,2\n3\n", "malformed_file", "expected 2 values, found 1"),
    Malformed("header-only", b"a,b\n", "empty_file", "no data rows"),
    Malformed("blank-name", b"a,,c\n1,2,3\n", "malformed_file", "blank name"),
    Malformed("duplicate-name", b"a,a\n1,2\n", "duplicate_columns", "duplicate column name"),
]


def parquet_seeds() -> list[bytes]:
    """Parquet files with every column type a dataset has (and pandas' metadata)."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "n": [1, 2, None],
            "colour": pd.Categorical(["red", "blue", "red"]),
            "text": ["a", None, "ü"],
            "flag": [True, False, True],
            "when": pd.to_datetime(["2020-01-02", "2021-03-04", None]),
        }
    )
    sink = io.BytesIO()
    frame.to_parquet(sink)
    plain = pa.table({"zqzqzq": [1.5, 2.5], "label": ["yes", "no"]})
    # Without the Arrow schema, the footer is mostly column names: edits land in them.
    wide = pa.table({f"column_{i}_of_the_table": [i] for i in range(12)})
    return [sink.getvalue(), parquet(plain), parquet(wide, store_schema=False)]


def parquet_cases() -> list[Malformed]:
    plain = parquet(pa.table({"zqzqzq": [1, 2], "label": ["yes", "no"]}), store_schema=False)
    nested = parquet(pa.table({"a": pa.array([[1], [2, 3]])}))
    text = parquet(pa.table({"text": ["abc", "zqzq"]}), compression="none", use_dictionary=False)
    return [
        Malformed(
            "name-not-utf8",
            _rename(plain, b"zqzqzq", NOT_UTF8 + b"zqzq"),
            "malformed_file",
            "not valid UTF-8",
        ),
        Malformed(
            "value-not-utf8",
            _rename(text, b"zqzq", NOT_UTF8 + b"zq"),
            "malformed_file",
            "column 'text' holds invalid data: Invalid UTF8",
        ),
        Malformed("truncated", plain[: len(plain) // 2], "malformed_file", "Parquet"),
        Malformed("not-parquet", b"PAR1" + bytes(range(256)), "malformed_file", "Parquet"),
        Malformed(
            "no-rows", parquet(pa.table({"a": pa.array([], pa.int64())})), "empty_file", "no rows"
        ),
        Malformed("nested-column", nested, "unsupported_format", "cannot have"),
    ]


ARFF_SEEDS = [
    b"@RELATION people\n\n@ATTRIBUTE age NUMERIC\n@ATTRIBUTE city STRING\n"
    b"@ATTRIBUTE label {no,yes}\n\n@DATA\n31,Z\xc3\xbcrich,yes\n45,'T\xc5\x8dky\xc5\x8d',no\n"
    b"?,Bern,yes\n",
    b"% a comment\n@relation r\n@attribute n integer\n@attribute d date 'yyyy-MM-dd'\n"
    b"@attribute s string\n@data\n{0 3, 2 'x\\'y'}\n1,2020-01-02,\"q\"\n",
    b"@relation r\n@attribute t DATE\n@attribute b {False,True}\n@data\n"
    b"2020-01-02T03:04:05,True\n?,False\n",
]

ARFF_CASES = [
    Malformed(
        "ends-after-data",
        b"@relation x\n@attribute a numeric\n@data",
        "empty_file",
        "no data rows",
    ),
    Malformed(
        "header-not-utf8",
        b"@relation \xd9x\n@attribute a numeric\n@data\n1\n",
        "malformed_file",
        "not valid UTF-8",
    ),
    Malformed(
        "value-not-utf8",
        b"@relation x\n@attribute a string\n@data\n\xd9x\n",
        "malformed_file",
        "not valid UTF-8",
    ),
    Malformed(
        "unknown-type",
        b"@relation x\n@attribute a complex\n@data\n1\n",
        "malformed_file",
        "unknown type 'complex'",
    ),
    Malformed(
        "undeclared-value",
        b"@relation x\n@attribute a {x,y}\n@data\nz\n",
        "malformed_file",
        "not among the declared nominal values",
    ),
    Malformed(
        "too-few-values",
        b"@relation x\n@attribute a numeric\n@attribute b numeric\n@data\n1\n",
        "malformed_file",
        "expected 2 values, found 1",
    ),
    Malformed(
        "no-data-section",
        b"@relation x\n@attribute a numeric\n",
        "malformed_file",
        "no @DATA section",
    ),
]

# -- run predictions ------------------------------------------------------------------------------

PREDICTIONS_ARFF = (
    b"@relation predictions\n@attribute repeat numeric\n@attribute fold numeric\n"
    b"@attribute row_id numeric\n@attribute confidence.no numeric\n"
    b"@attribute confidence.yes numeric\n@attribute prediction {no,yes}\n@data\n"
    b"0,0,0,0.2,0.8,yes\n0,0,1,0.9,0.1,no\n0,1,2,0.5,0.5,no\n"
)


def predictions_parquet() -> bytes:
    return parquet(
        pa.table(
            {
                "repeat": pa.array([0, 0], pa.int32()),
                "fold": pa.array([0, 1], pa.int32()),
                "sample": pa.array([0, 0], pa.int32()),
                "row_id": pa.array([0, 1], pa.int64()),
                "prediction": ["yes", "no"],
                "confidence.no": [0.2, 0.9],
                "confidence.yes": [0.8, 0.1],
            }
        ),
        store_schema=False,
    )


def predictions_cases() -> list[tuple[str, Malformed]]:
    """Malformed predictions files, each with the file name it is sent under."""
    cases = [("p.arff", case) for case in ARFF_CASES]
    cases += [("p.parquet", case) for case in parquet_cases() if case.name != "nested-column"]
    renamed = _rename(predictions_parquet(), b"row_id", NOT_UTF8 + b"w_id")
    huge = PREDICTIONS_ARFF.replace(b"\n0,0,0,", b"\n4294967296,0,0,")
    cases += [
        ("p.parquet", Malformed("id-name-not-utf8", renamed, "malformed_file", "not valid UTF-8")),
        ("p.arff", Malformed("repeat-beyond-int32", huge, "malformed_file", "beyond 2147483647")),
    ]
    return cases


# -- ONNX -----------------------------------------------------------------------------------------


def onnx_model(op_type: str = "Relu", input_name: str = "X") -> bytes:
    """A one-node ONNX model (opset 17)."""
    from onnx import TensorProto, helper

    node = helper.make_node(op_type, [input_name], ["Y"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    content: bytes = model.SerializeToString()
    return content


def onnx_cases() -> list[Malformed]:
    return [
        Malformed(
            "op-type-not-utf8",
            _rename(onnx_model("Qzqzqz"), b"Qzqzqz", NOT_UTF8 + b"zqzq"),
            "malformed_file",
            "not UTF-8 (in NodeProto.op_type)",
        ),
        Malformed(
            "input-name-not-utf8",
            _rename(onnx_model(input_name="Xzqzqz"), b"Xzqzqz", NOT_UTF8 + b"zqzq"),
            "malformed_file",
            "not UTF-8",
        ),
        Malformed("unknown-op", onnx_model("Qzqzqz"), "malformed_file", "No Op registered"),
        Malformed("not-protobuf", b"\xff" * 64, "malformed_file", "not a readable ONNX model"),
        Malformed("truncated", onnx_model()[:-7], "malformed_file", "ONNX"),
    ]
