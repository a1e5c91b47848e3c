"""Dataset listing latency with 100 000 datasets in the store.

Fills the metadata database directly (bulk insert of datasets, tags and qualities), starts a
real ``mlhive serve`` on it and measures ``GET /api/datasets`` latency (p50/p95) for: the
first page, pages deep in the list via the keyset cursor, a deep OFFSET page, and a
quality-range + tag filter. The anchor is ``GET /api/health`` in the same run (the HTTP
floor); ratios are printed next to each figure.

Usage: python benchmarks/bench_dataset_listing.py [--datasets 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import httpx
from _live import WORK, live_server, percentiles

from mlhive.server.db.base import utcnow
from mlhive.server.db.engine import make_engine
from mlhive.server.db.migrate import upgrade
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.db.tables.datasets import Dataset, DatasetTag, Quality

QUALITIES = ("NumberOfInstances", "NumberOfFeatures", "NumberOfClasses", "NumberOfMissingValues")


def fill(url: str, count: int, seed: int = 0, uploader: str = "filler") -> None:
    """Insert ``count`` active public datasets with four qualities each and some tags."""
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            User.__table__.insert(), [{"name": uploader, "is_admin": False, "created_at": now}]
        )
        user_id = conn.execute(User.__table__.select().where(User.name == uploader)).first()
        assert user_id is not None
        if conn.execute(Blob.__table__.select().where(Blob.sha256 == "0" * 64)).first() is None:
            conn.execute(
                Blob.__table__.insert(), [{"sha256": "0" * 64, "size": 1, "created_at": now}]
            )
        start = (
            conn.execute(Dataset.__table__.select().order_by(Dataset.id.desc())).first() or [0]
        )[0]
        for chunk in range(0, count, 10_000):
            rows, qualities, tags = [], [], []
            for i in range(chunk, min(count, chunk + 10_000)):
                dataset_id = start + i + 1
                rows.append(
                    {
                        "id": dataset_id,
                        "name": f"filler-{i // 3}",
                        "version": i % 3 + 1,
                        "uploader_id": user_id.id,
                        "visibility": "public",
                        "status": "active",
                        "processing": "done",
                        "upload_format": "csv",
                        "description": f"synthetic dataset {i}",
                        "licence": "",
                        "creator": [],
                        "contributor": [],
                        "citation": "",
                        "collection_date": "",
                        "language": "",
                        "original_url": "",
                        "paper_url": "",
                        "ignore_attributes": [],
                        "data_sha256": "0" * 64,
                        "number_of_rows": 100,
                        "number_of_columns": 5,
                        "upload_date": now,
                    }
                )
                qualities += [
                    {
                        "dataset_id": dataset_id,
                        "name": name,
                        "value": float(rng.randint(2, 1_000_000)),
                    }
                    for name in QUALITIES
                ]
                if i % 10 == 0:
                    tags.append(
                        {
                            "dataset_id": dataset_id,
                            "tag": "tenth",
                            "tagger_id": user_id.id,
                            "created_at": now,
                        }
                    )
            conn.execute(Dataset.__table__.insert(), rows)
            conn.execute(Quality.__table__.insert(), qualities)
            conn.execute(DatasetTag.__table__.insert(), tags)
    engine.dispose()


def measure(client: httpx.Client, path: str, params: dict[str, object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path, params=params)
        samples.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return samples


def deep_cursor(client: httpx.Client, pages: int) -> tuple[list[float], str]:
    """Walk ``pages`` pages of 100 via the cursor; returns per-page latencies."""
    samples, cursor = [], None
    for _ in range(pages):
        params: dict[str, object] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        start = time.perf_counter()
        page = client.get("/api/datasets", params=params).json()
        samples.append((time.perf_counter() - start) * 1000)
        cursor = page["next_cursor"]
    return samples, cursor or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        data_dir = Path(tmp)
        db_url = args.database_url or f"sqlite:///{data_dir / 'mlhive.sqlite3'}"
        start = time.perf_counter()
        fill(db_url, args.datasets)
        print(
            f"filled {args.datasets:,} datasets in {time.perf_counter() - start:.1f} s "
            f"({'PostgreSQL' if 'postgres' in db_url else 'SQLite'})"
        )
        env = {"MLHIVE_DATABASE_URL": db_url, "MLHIVE_WORKER": "off"}
        with live_server(data_dir, env=env) as (url, _), httpx.Client(base_url=url) as client:
            n = args.requests
            floor = percentiles(measure(client, "/api/health", {}, n))
            cases = {
                "first page (100)": measure(client, "/api/datasets", {"limit": 100}, n),
                "cursor pages 1..N (100 each)": deep_cursor(client, min(n, args.datasets // 100))[
                    0
                ],
                "offset page at 90%": measure(
                    client,
                    "/api/datasets",
                    {"limit": 100, "offset": int(args.datasets * 0.9)},
                    max(20, n // 10),
                ),
                "quality range + tag": measure(
                    client,
                    "/api/datasets",
                    {"limit": 100, "tag": "tenth", "quality": "NumberOfInstances:1000..50000"},
                    n,
                ),
                "sorted by -upload_date": measure(
                    client, "/api/datasets", {"limit": 100, "sort": "-upload_date"}, n
                ),
            }
    print(f"{'anchor GET /api/health':34s} p50 {floor[0]:7.2f} ms  p95 {floor[1]:7.2f} ms")
    for name, samples in cases.items():
        p50, p95 = percentiles(samples)
        print(
            f"{name:34s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
            f"(p50 {p50 / floor[0]:5.1f}x the anchor)"
        )


if __name__ == "__main__":
    main()
