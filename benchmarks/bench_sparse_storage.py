"""Sparse datasets (#14 item 1): what a wide sparse table costs to keep.

Writes a wide, sparse table (default 2 000 rows x 2 000 numeric attributes at 1% density,
plus a nominal class) as sparse ARFF, reads it with mlhive's ARFF reader and writes the
canonical Parquet file the server stores, and prints the sizes next to the anchor: the same
data as a dense ARFF file. The server keeps the uploaded sparse ARFF (served back as it came)
and the Parquet file (for tasks, runs, qualities and Parquet downloads). Then the time to read
the sparse file next to its anchor, reading the dense file (pyarrow's CSV reader underneath):
a sparse file costs its listed values, not rows x columns.

Usage: python benchmarks/bench_sparse_storage.py [--rows 2000] [--columns 2000] [--density 0.01]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from mlhive.formats.arff import is_sparse_arff, read_arff, write_arff
from mlhive.formats.tables import write_parquet


def sparse_table(rows: int, columns: int, density: float, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    values = np.where(
        rng.random((rows, columns)) < density, np.round(rng.random((rows, columns)), 4), 0.0
    )
    data = {f"w{i}": values[:, i] for i in range(columns)}
    labels = pa.array(np.where(values[:, 0] > 0, "yes", "no")).dictionary_encode()
    return pa.table({**data, "class": labels})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--columns", type=int, default=2000)
    parser.add_argument("--density", type=float, default=0.01)
    args = parser.parse_args()
    table = sparse_table(args.rows, args.columns, args.density)
    dense, sparse = io.BytesIO(), io.BytesIO()
    write_arff(table, dense, "bench")
    write_arff(table, sparse, "bench", sparse=True)
    assert is_sparse_arff(sparse)
    assert not is_sparse_arff(dense)
    start = time.perf_counter()
    read = read_arff(io.BytesIO(sparse.getvalue()))
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    from_dense = read_arff(io.BytesIO(dense.getvalue()))
    dense_seconds = time.perf_counter() - start
    assert read.equals(from_dense), "the sparse and the dense file must hold the same table"
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "data.parquet"
        write_parquet(read, path)
        parquet = path.stat().st_size
    anchor = len(dense.getvalue())
    print(f"{args.rows} rows x {args.columns + 1} attributes, density {args.density:g}")
    print(f"{'dense ARFF (anchor)':<28}{anchor:>14,} bytes  1.000")
    for name, size in (
        ("sparse ARFF (kept)", len(sparse.getvalue())),
        ("Parquet (kept)", parquet),
        ("kept in all", len(sparse.getvalue()) + parquet),
    ):
        print(f"{name:<28}{size:>14,} bytes  {size / anchor:.3f}")
    print(f"{'read dense ARFF (anchor)':<28}{dense_seconds:>14.3f} s      1.000")
    print(f"{'read sparse ARFF':<28}{seconds:>14.3f} s      {seconds / dense_seconds:.3f}")


if __name__ == "__main__":
    main()
