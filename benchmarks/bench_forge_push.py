"""Model forge push of a safetensors file with many tiny tensors (the audit's case: 2 000),
while another user keeps writing: stored inside the write transaction, blob after blob (as the
server did before) vs the server's push (blobs stored first, four at a time, then the rows
committed in one short transaction).

Each side gets its own data folder (SQLite file + local blob store) on the same disk and pushes
the same file; meanwhile a second thread commits one small write after another (a new user,
in its own transaction, as any request would). Prints, per side:

- the push's wall time, next to the anchor: the same number of blobs written and fsynced one
  by one straight into a folder (the disk's floor for this file);
- how long the push held the write transaction (SQLite's write lock);
- the other writer's longest wait and how many of its writes failed ("database is locked"
  after the 30 s busy timeout);

and the ratios before / after.

Each figure is the median of ``--repeat`` runs, the sides taking turns.

Usage: python benchmarks/bench_forge_push.py [--tensors 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from _live import WORK
from safetensors.numpy import save_file
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mlhive.server.db.engine import make_engine, make_session_factory, transaction
from mlhive.server.db.migrate import upgrade
from mlhive.server.db.tables.forge import ModelRepo
from mlhive.server.domain.access import Actor
from mlhive.server.domain.forge import formats
from mlhive.server.domain.forge.tensors import CHUNK_BYTES, Manifest, TensorRecord
from mlhive.server.services import accounts
from mlhive.server.services.forge import commits, content, repos
from mlhive.server.storage import BlobStore, open_blob_store
from mlhive.wire.models import CommitCreate, RepoCreate


@dataclass(frozen=True)
class Hive:
    """One side's server: its database, blob store, pushing user and repository."""

    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    store: BlobStore
    actor: Actor
    repo_id: int


@dataclass
class Side:
    push_s: float = 0.0
    lock_s: float = 0.0
    waits: list[float] = field(default_factory=list)
    failed: int = 0
    writes: int = 0


def write_floor(folder: Path, n: int) -> float:
    """Seconds to write ``n`` 16-byte files, each fsynced with its folder."""
    folder.mkdir()
    start = time.perf_counter()
    for i in range(n):
        with (folder / f"{i:06d}").open("wb") as handle:
            handle.write(i.to_bytes(16, "little"))
            handle.flush()
            os.fsync(handle.fileno())
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    return time.perf_counter() - start


def push_before(hive: Hive, path: Path) -> float:
    """The server's push before: inside the write transaction, each chunk stored (one after
    the other) and its row flushed, then the manifest, the commit and the branch."""
    start = time.perf_counter()
    with transaction(hive.sessions) as session:
        repo = session.get_one(ModelRepo, hive.repo_id)
        records = []
        with path.open("rb") as handle:
            header = formats.read_safetensors_header(handle, path.stat().st_size)
            for t in header.tensors:
                pieces = formats.iter_chunks(handle, t, CHUNK_BYTES)
                chunks = tuple(content.put_bytes(session, hive.store, p) for p in pieces)
                records.append(TensorRecord(t.name, t.dtype, t.shape, t.size, chunks))
        manifest = Manifest("safetensors", tensors=records, metadata=header.metadata)
        commit = content.record_commit(
            session, hive.store, repo, hive.actor, manifest, parents=[], card={}, message="before"
        )
        repos.move_branch(session, repo, "main", commit)
    return time.perf_counter() - start  # the write lock is held from BEGIN to COMMIT


def push_after(hive: Hive, path: Path) -> float:
    """The server's push: check (reads), ingest (no transaction), record (one transaction)."""
    meta = CommitCreate(message="after")
    with transaction(hive.readers) as session:
        repo = session.get_one(ModelRepo, hive.repo_id)
        commits.check_push(session, hive.actor, repo, meta)
    ingested = commits.ingest(hive.store, path, "model.safetensors", meta, 1_000_000)
    start = time.perf_counter()
    with transaction(hive.sessions) as session:
        repo = session.get_one(ModelRepo, hive.repo_id)
        commits.push(session, hive.actor, repo, ingested, meta)
    return time.perf_counter() - start


Pusher = Callable[[Hive, Path], float]
SIDES: list[tuple[str, Pusher]] = [
    ("before (stored inside the transaction)", push_before),
    ("after (the server's push)", push_after),
]


def measure(root: Path, model: Path, pusher: Pusher, *, others: bool) -> Side:
    root.mkdir()
    engine = make_engine(f"sqlite:///{root / 'mlhive.sqlite3'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        user = accounts.create_user(session, "alice")
        actor = Actor(id=user.id, name=user.name, is_admin=False)
        repo_id = repos.create_repo(session, actor, RepoCreate(name="net")).id
    readers = make_session_factory(engine, readonly=True)
    hive = Hive(sessions, readers, open_blob_store("", data_dir=root), actor, repo_id)
    side, done = Side(), threading.Event()

    def other_user() -> None:
        n = 0
        while not done.is_set():
            start = time.perf_counter()
            try:
                with transaction(sessions) as session:
                    accounts.create_user(session, f"bob{n}")
            except OperationalError:
                side.failed += 1
            side.waits.append(time.perf_counter() - start)
            n += 1
            time.sleep(0.005)

    writer = threading.Thread(target=other_user if others else done.wait)
    writer.start()
    start = time.perf_counter()
    side.lock_s = pusher(hive, model)
    side.push_s = time.perf_counter() - start
    done.set()
    writer.join()
    side.writes = len(side.waits)
    engine.dispose()
    return side


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tensors", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="forge-push-", dir=WORK))
    try:
        run(root, args.tensors, args.repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def median_side(sides: list[Side]) -> Side:
    """The median of each figure over repeated runs."""
    waits = [max(s.waits, default=0.0) for s in sides]
    median = statistics.median
    return Side(
        push_s=median(s.push_s for s in sides),
        lock_s=median(s.lock_s for s in sides),
        waits=[median(waits)],
        failed=max(s.failed for s in sides),
        writes=int(median(len(s.waits) for s in sides)),
    )


def run(root: Path, n: int, repeat: int) -> None:
    model = root / "model.safetensors"
    save_file({f"block{i:05d}.scale": np.full(4, i, np.float32) for i in range(n)}, str(model))
    floors: list[float] = []
    runs: dict[tuple[str, bool], list[Side]] = {}
    for r in range(repeat):
        floors.append(write_floor(root / f"floor-{r}", n))
        for others in (False, True):
            for i, (name, push) in enumerate(SIDES):
                folder = root / f"side{i}-{'busy' if others else 'alone'}-{r}"
                runs.setdefault((name, others), []).append(
                    measure(folder, model, push, others=others)
                )
    floor = statistics.median(floors)
    alone = [median_side(runs[name, False]) for name, _ in SIDES]
    busy = [median_side(runs[name, True]) for name, _ in SIDES]
    size = model.stat().st_size / 1024
    print(f"file: {n} tensors of 4 float32, {size:.0f} KB")
    print(f"anchor: {n} files written + fsynced one by one: {floor:.2f} s")
    for (name, _), quiet, shared in zip(SIDES, alone, busy, strict=True):
        print(f"{name}: push {quiet.push_s:.2f} s ({quiet.push_s / floor:.2f}x the anchor), "
              f"write lock held {quiet.lock_s:.3f} s")  # fmt: skip
        print(f"  while another user writes: push {shared.push_s:.2f} s; the other user "
              f"committed {shared.writes} writes, longest wait {max(shared.waits):.3f} s, "
              f"{shared.failed} failed")  # fmt: skip
    (before, after), (before_busy, after_busy) = alone, busy
    waited = max(before_busy.waits) / max(after_busy.waits)
    print(f"ratio before / after: push {before.push_s / after.push_s:.2f}, "
          f"write lock held {before.lock_s / after.lock_s:.0f}, "
          f"other user's longest wait {waited:.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
