"""Wide tables as the audit sent them (#15 finding 4): builders shared by the tests."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq


def wide_csv(columns: int, rows: int = 1) -> bytes:
    """A CSV with ``columns`` numeric columns ``c0, c1, …`` and ``rows`` rows."""
    header = ",".join(f"c{i}" for i in range(columns))
    lines = [",".join(str(i + r) for i in range(columns)) for r in range(rows)]
    return ("\n".join([header, *lines]) + "\n").encode()


def wide_arff(attributes: int, rows: int = 3) -> bytes:
    """An ARFF with ``attributes`` NUMERIC attributes ``a0, a1, …`` and ``rows`` rows."""
    lines = ["@RELATION wide", *(f"@ATTRIBUTE a{i} NUMERIC" for i in range(attributes)), "@DATA"]
    lines += [",".join(str(i + r) for i in range(attributes)) for r in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def parquet(columns: int, rows: int) -> bytes:
    """A Parquet file with ``columns`` float columns and ``rows`` rows."""
    table = pa.table({f"x{i}": [float(r) for r in range(rows)] for i in range(columns)})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()
