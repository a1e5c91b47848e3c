"""Wide tables (#15 finding 4): a 5 000-attribute ARFF and wide CSVs through a live server.

Prints, for each file, the time of ``POST /api/datasets`` and of its processing job (features,
qualities, distributions, ARFF rendition) next to an anchor measured in the same run: pyarrow
reading the same file and writing it as Parquet. The ratio (upload + processing) / anchor
shows what mlhive's per-column work costs on top of parsing. Then the in-process time of
reading a 5 000- and a 20 000-attribute ARFF: linear parsing reads 4x the attributes in
about 4x the time.

Usage: python benchmarks/bench_wide_tables.py [--rows 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from _live import WORK, live_server, wait_job

from mlhive.formats.tables import read_table


def write_arff(path: Path, attributes: int, rows: int, seed: int = 0) -> int:
    """Numeric attributes and a nominal class; returns the number of header lines."""
    rng = np.random.default_rng(seed)
    header = ["@RELATION wide"]
    header += [f"@ATTRIBUTE a{i} NUMERIC" for i in range(attributes - 1)]
    header += ["@ATTRIBUTE class {yes,no}", "@DATA"]
    values = np.round(rng.normal(size=(rows, attributes - 1)), 4).astype(str)
    labels = np.where(rng.random(rows) < 0.5, "yes", "no")
    with path.open("w") as out:
        out.write("\n".join(header) + "\n")
        for row, label in zip(values, labels, strict=True):
            out.write(",".join(row) + f",{label}\n")
    return len(header)


def write_csv(path: Path, columns: int, rows: int, seed: int = 1) -> None:
    """Numeric columns ``c0 …`` and a ``label`` column."""
    rng = np.random.default_rng(seed)
    data = {f"c{i}": np.round(rng.normal(size=rows), 4) for i in range(columns - 1)}
    data["label"] = np.where(rng.random(rows) < 0.5, "yes", "no")
    pacsv.write_csv(pa.table(data), path)


def anchor_csv(path: Path, out: Path, skip_rows: int = 0, names: list[str] | None = None) -> float:
    """pyarrow reading the file (for an ARFF: its data section) and writing Parquet."""
    start = time.perf_counter()
    table = pacsv.read_csv(path, pacsv.ReadOptions(skip_rows=skip_rows, column_names=names))
    pq.write_table(table, out)
    return time.perf_counter() - start


def upload(url: str, key: str, path: Path, target: str) -> tuple[float, float, str]:
    """Upload time, processing time (from the job's own timestamps) and the job's state."""
    start = time.perf_counter()
    with path.open("rb") as handle:
        response = httpx.post(
            f"{url}/api/datasets",
            headers={"Authorization": f"Bearer {key}"},
            files={"file": (path.name, handle)},
            data={"metadata": json.dumps({"name": path.stem, "default_target_attribute": target})},
            timeout=3600,
        )
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    job = wait_job(url, int(response.json()["job_id"]))
    started = datetime.fromisoformat(str(job["started_at"]))
    finished = datetime.fromisoformat(str(job["finished_at"]))
    return elapsed, (finished - started).total_seconds(), str(job["state"])


def best(measure: Callable[[], float], repeat: int) -> float:
    return min(measure() for _ in range(repeat))


def header_parse_times(tmp: Path, repeat: int) -> dict[int, float]:
    """In-process read of 5 000- and 20 000-attribute ARFF files with 3 rows."""
    times = {}
    for attributes in (5_000, 20_000):
        path = tmp / f"header-{attributes}.arff"
        write_arff(path, attributes, rows=3)

        def read(path: Path = path) -> float:
            start = time.perf_counter()
            read_table(path, "arff")
            return time.perf_counter() - start

        times[attributes] = best(read, repeat)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000, help="rows of the wide files")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats (best kept)")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp_name:
        tmp = Path(tmp_name)
        arff = tmp / "wide5000.arff"
        skip = write_arff(arff, 5_000, args.rows)
        arff_names = [f"a{i}" for i in range(4_999)] + ["class"]
        csv = tmp / "wide5000.csv"
        write_csv(csv, 5_000, args.rows)
        audit = tmp / "wide10000.csv"  # the audit's one-row file, at the default column cap
        write_csv(audit, 10_000, 1)
        cases = [
            (f"ARFF 5 000 attributes x {args.rows} rows", arff, "class", (skip, arff_names)),
            (f"CSV 5 000 columns x {args.rows} rows", csv, "label", (0, None)),
            ("CSV 10 000 columns x 1 row", audit, "label", (0, None)),
        ]
        results = {label: ([], [], [], "") for label, *_ in cases}
        with live_server(tmp / "hive", "--workers", "1") as (url, key):
            for _ in range(args.repeat):  # interleaved: the machine's load hits all alike
                for label, path, target, (skip_rows, names) in cases:
                    out = tmp / "anchor.parquet"
                    anchors, uploads, processings, _ = results[label]
                    anchors.append(anchor_csv(path, out, skip_rows, names))
                    up, processing, state = upload(url, key, path, target)
                    uploads.append(up)
                    processings.append(processing)
                    results[label] = (anchors, uploads, processings, state)
        headers = header_parse_times(tmp, args.repeat)
    print(f"best of {args.repeat} interleaved runs each")
    for label, (anchors, uploads, processings, state) in results.items():
        anchor, up, processing = min(anchors), min(uploads), min(processings)
        print(f"{label}:")
        print(f"  pyarrow read_csv + write_table (anchor): {anchor:7.2f} s")
        print(f"  mlhive POST /api/datasets:               {up:7.2f} s")
        print(f"  processing job [{state}]:{'':<{17 - len(state)}}{processing:7.2f} s")
        print(f"  ratio (upload + processing) / anchor:    {(up + processing) / anchor:7.1f}x")
    small, large = headers[5_000], headers[20_000]
    print(
        f"read ARFF, 5 000 attributes: {small:.2f} s; 20 000 attributes: {large:.2f} s; "
        f"ratio {large / small:.1f} for 4x the attributes (linear: ~4)"
    )


if __name__ == "__main__":
    main()
