"""Activity feeds and the notifications inbox with 1 M events: p50/p95 of a page, each next to
its anchor, the bare keyset SELECT of the same page on the same database, in the same run.

Fills a freshly migrated database (SQLite file in a temp dir, or ``--database-url`` for
PostgreSQL, whose schema is emptied first) in the style of ``_bulk``: ``--users`` people
owning ``--datasets`` datasets (one in ten private), ``--events`` events by those people on
those datasets, and for one reader one notification in ``--every`` events. The secondary
indexes are dropped for the load and built again from the table definitions. Then, through
the server's own service functions (what the routes call), it times:

- a person's feed, first page and a deep page (``before`` half-way down their events), as an
  anonymous reader and as the reader (who sees some private datasets through a team);
- the reader's inbox, first page and unread only, with the unread count;

against the bare ``SELECT ... WHERE actor_id = ? AND id < ? ORDER BY id DESC LIMIT 50`` (and
the same on ``notifications``), which reads only the index and the page.

Usage: python benchmarks/bench_activity.py [--events 1000000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.engine import make_engine
from mlhive.server.db.migrate import upgrade
from mlhive.server.db.tables.accounts import TeamMember, User
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.social import Event, Notification
from mlhive.server.domain.access import Actor, with_teams
from mlhive.server.services.social import feeds

PAGE = 50
READER = 1
TEAM = 2  # a team the reader is in: it owns some private datasets
EVENT_COLUMNS = (
    "id", "at", "actor_id", "verb", "subject_kind", "subject_id", "owner_id",
    "gate_owner_id", "visibility", "extra",
)  # fmt: skip
NOTIFICATION_COLUMNS = ("id", "recipient_id", "event_id", "reason")


def _dataset(i: int, owner: int, visibility: str, sha: str, now: Any) -> dict[str, Any]:
    return {
        "id": i, "name": f"d{i}", "version": 1, "uploader_id": owner, "visibility": visibility,
        "status": "active", "processing": "done", "upload_format": "csv", "description": "",
        "licence": "", "creator": [], "contributor": [], "citation": "", "collection_date": "",
        "language": "", "original_url": "", "paper_url": "", "ignore_attributes": [],
        "data_sha256": sha, "number_of_rows": 10, "number_of_columns": 2, "upload_date": now,
    }  # fmt: skip


def _scaffold(engine: Engine, users: int, datasets: int) -> np.ndarray:
    """Users 1..users (2 is a team with the reader in it), datasets; returns each dataset's
    (owner, private) as rows indexed by id - 1."""
    now, sha = utcnow(), "0" * 64
    rng = np.random.default_rng(1)
    owners = rng.integers(2, users + 1, datasets)
    private = rng.random(datasets) < 0.1
    with engine.begin() as conn:
        conn.execute(
            insert(User),
            [
                {"id": u, "name": f"user{u}", "is_admin": False, "created_at": now,
                 "kind": "team" if u == TEAM else "user"}
                for u in range(1, users + 1)
            ],
        )  # fmt: skip
        conn.execute(insert(TeamMember), [{"team_id": TEAM, "user_id": READER, "role": "read"}])
        conn.execute(insert(Blob), [{"sha256": sha, "size": 1, "created_at": now}])
        conn.execute(
            insert(Dataset),
            [
                _dataset(i + 1, int(owners[i]), "private" if private[i] else "public", sha, now)
                for i in range(datasets)
            ],
        )
    return np.stack([owners, private], axis=1)


def _rows(
    start: int, stop: int, shape: np.ndarray, users: int, stamp: str
) -> list[tuple[Any, ...]]:
    rng = np.random.default_rng(start)
    ids = np.arange(start, stop)
    actors = rng.integers(3, users + 1, len(ids))
    subjects = rng.integers(1, len(shape) + 1, len(ids))
    rows = []
    for i, actor, subject in zip(ids.tolist(), actors.tolist(), subjects.tolist(), strict=True):
        owner, private = shape[subject - 1]
        visibility = "private" if private else "public"
        rows.append((i, stamp, actor, "dataset.version", "dataset", subject, int(owner),
                     int(owner), visibility, "{}"))  # fmt: skip
    return rows


def fill(url: str, events: int, users: int, datasets: int, every: int) -> float:
    start = time.perf_counter()
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    shape = _scaffold(engine, users, datasets)
    indexes = [*Event.__table__.indexes, *Notification.__table__.indexes]
    with engine.begin() as conn:
        for index in indexes:
            index.drop(conn)
    pg = engine.dialect.name == "postgresql"
    stamp = utcnow().strftime("%Y-%m-%d %H:%M:%S+00" if pg else "%Y-%m-%d %H:%M:%S.%f")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if not pg:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA foreign_keys=OFF")
        chunk = 100_000
        for low in range(1, events + 1, chunk):
            rows = _rows(low, min(events + 1, low + chunk), shape, users, stamp)
            told = [(r[0] // every, READER, r[0], "watch") for r in rows if r[0] % every == 0]
            if pg:
                with cursor.copy(f"COPY events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
                columns = ", ".join(NOTIFICATION_COLUMNS)
                with cursor.copy(f"COPY notifications ({columns}) FROM STDIN") as cp:
                    for row in told:
                        cp.write_row(row)
                raw.commit()
            else:
                cursor.execute("BEGIN")
                marks = ", ".join("?" * len(EVENT_COLUMNS))
                cursor.executemany(
                    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})", rows
                )
                cursor.executemany(
                    f"INSERT INTO notifications ({', '.join(NOTIFICATION_COLUMNS)}) "
                    "VALUES (?, ?, ?, ?)",
                    told,
                )
                cursor.execute("COMMIT")
            print(f"  {min(events, low + chunk - 1):,} events", flush=True)
    finally:
        raw.close()
    with engine.begin() as conn:
        for index in indexes:
            index.create(conn)
        conn.execute(text("ANALYZE"))
        if pg:
            for table in ("events", "notifications", "users", "datasets"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")
                )  # fmt: skip
    engine.dispose()
    return time.perf_counter() - start


def _time(call: Callable[[], object], n: int) -> tuple[float, float]:
    call()  # warm
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(samples, n=20)
    return statistics.median(samples), cuts[18]


def measure(url: str, n: int) -> list[tuple[str, tuple[float, float], tuple[float, float]]]:
    engine = make_engine(url)
    reader = with_teams(Actor(READER, "user1", False), [(TEAM, "read")])
    results = []
    with Session(engine) as session:
        busiest = session.execute(
            select(Event.actor_id, func.count()).group_by(Event.actor_id)
            .order_by(func.count().desc()).limit(1)
        ).one()  # fmt: skip
        person, count = int(busiest[0]), int(busiest[1])
        middle = session.scalar(
            select(Event.id).where(Event.actor_id == person).order_by(Event.id.desc())
            .offset(count // 2).limit(1)
        )  # fmt: skip
        print(f"  user{person} has {count:,} events; the deep page starts below id {middle:,}")

        def bare_events(before: int | None) -> Callable[[], object]:
            def run() -> object:
                stmt = select(Event).where(Event.actor_id == person)
                if before is not None:
                    stmt = stmt.where(Event.id < before)
                return session.scalars(stmt.order_by(Event.id.desc()).limit(PAGE)).all()

            return run

        def bare_inbox(unread: bool) -> Callable[[], object]:
            def run() -> object:
                stmt = select(Notification).where(Notification.recipient_id == READER)
                if unread:
                    stmt = stmt.where(Notification.read_at.is_(None))
                return session.scalars(stmt.order_by(Notification.id.desc()).limit(PAGE)).all()

            return run

        cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
            ("person feed, page 1, anonymous",
             lambda: feeds.person_feed(session, None, f"user{person}", None, PAGE),
             bare_events(None)),
            ("person feed, page 1, team member",
             lambda: feeds.person_feed(session, reader, f"user{person}", None, PAGE),
             bare_events(None)),
            ("person feed, deep page, team member",
             lambda: feeds.person_feed(session, reader, f"user{person}", middle, PAGE),
             bare_events(middle)),
            ("inbox, page 1 + unread count",
             lambda: feeds.inbox(session, reader, limit=PAGE), bare_inbox(False)),
            ("inbox, unread only + unread count",
             lambda: feeds.inbox(session, reader, unread=True, limit=PAGE), bare_inbox(True)),
        ]  # fmt: skip
        for label, call, anchor in cases:
            session.expire_all()
            results.append((label, _time(call, n), _time(anchor, n)))
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--datasets", type=int, default=5000)
    parser.add_argument("--every", type=int, default=10, help="1 notification per N events")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default="", help="PostgreSQL; default SQLite in tmp")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'activity.db'}"
        print(f"filling {args.events:,} events ({url.split(':', 1)[0]}) ...", flush=True)
        took = fill(url, args.events, args.users, args.datasets, args.every)
        print(f"filled in {took:.0f} s; {args.requests} calls per case")
        results = measure(url, args.requests)
        head = f"{'anchor p50':>10} {'p95':>8}"
        print(f"\n{'case':40} {'p50 ms':>8} {'p95 ms':>8} | {head} | ratio p50/p95")
        for label, (p50, p95), (a50, a95) in results:
            print(
                f"{label:40} {p50:8.2f} {p95:8.2f} | {a50:10.2f} {a95:8.2f} | "
                f"{p50 / a50:5.1f}x / {p95 / a95:4.1f}x"
            )


if __name__ == "__main__":
    main()
