"""Model forge storage: 20 versions of a ~100 MB safetensors checkpoint, 10 % of tensors changed
per version, committed through the forge's storage path vs kept as plain full copies.

Both sides start from the checkpoint file on local disk (as the server has it after the upload)
and make their copy durable (fsync), in the same data folder:

- forge: ``ingest_safetensors`` (header parsed, tensors chunked and hashed, new chunks and the
  manifest written to the content-addressed blob store) + the blob and commit rows (SQLite, one
  transaction);
- full copy: ``copyfile`` of the whole checkpoint to ``versions/v<N>.safetensors`` + fsync.

Checkout rebuilds a version's safetensors file (forge: header + chunks; full copy: copyfile).

Prints stored bytes and commit/checkout time (ratios forge / full copy), commit throughput in
MB/s (logical checkpoint bytes per second) and the disk's raw write speed (100 MB + fsync)
measured in the same run.

Usage: python benchmarks/bench_forge.py [--versions 20] [--tensors 100] [--mb 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _live import WORK
from safetensors.numpy import save_file

from mlhive.server.db.engine import make_engine, make_session_factory, transaction
from mlhive.server.db.migrate import upgrade
from mlhive.server.db.tables.forge import ModelRepo
from mlhive.server.domain.access import Actor
from mlhive.server.domain.forge.tensors import Manifest
from mlhive.server.services import accounts
from mlhive.server.services.blobs import remember_blobs
from mlhive.server.services.forge import content, repos
from mlhive.server.storage import open_blob_store
from mlhive.wire.models import RepoCreate

MB = 1024**2


def fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def raw_write_speed(folder: Path, size: int = 100 * MB) -> float:
    """MB/s of writing ``size`` random bytes to a new file and fsyncing it."""
    data = np.random.default_rng(0).integers(0, 255, size, dtype=np.uint8).tobytes()
    path = folder / "raw.bin"
    start = time.perf_counter()
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    elapsed = time.perf_counter() - start
    path.unlink()
    return size / MB / elapsed


def checkpoints(n_tensors: int, total_mb: int, versions: int) -> Any:
    """Yield (version, tensors); each version changes 10 % of the tensors."""
    rng = np.random.default_rng(1)
    per = total_mb * MB // n_tensors // 4
    tensors = {
        f"layers.{i:03d}.weight": rng.normal(size=per).astype(np.float32) for i in range(n_tensors)
    }
    names = sorted(tensors)
    for version in range(versions):
        if version:
            for name in rng.choice(names, size=max(1, n_tensors // 10), replace=False):
                tensors[name] = tensors[name] + np.float32(0.01)
        yield version, tensors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--tensors", type=int, default=100)
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="forge-", dir=WORK))
    try:
        run(root, args.versions, args.tensors, args.mb)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(root: Path, versions: int, n_tensors: int, total_mb: int) -> None:
    engine = make_engine(f"sqlite:///{root / 'mlhive.sqlite3'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    store = open_blob_store("", data_dir=root)
    copies = root / "versions"
    copies.mkdir()
    with transaction(sessions) as session:
        user = accounts.create_user(session, "bench")
        actor = Actor(id=user.id, name=user.name, is_admin=False)
        repo_id = repos.create_repo(session, actor, RepoCreate(name="ckpt")).id
    raw_speed = raw_write_speed(root)
    commit_times, copy_times, commits, logical = [], [], [], 0
    for version, tensors in checkpoints(n_tensors, total_mb, versions):
        source = root / "upload.safetensors"
        save_file(tensors, str(source))
        logical += source.stat().st_size
        start = time.perf_counter()
        ingested = content.ingest_safetensors(store, source)
        with transaction(sessions) as session:
            repo = session.get(ModelRepo, repo_id)
            assert repo is not None
            remember_blobs(session, ingested.blobs)
            parents = [commits[-1][1]] if commits else []
            commit = content.insert_commit(
                session,
                repo,
                actor,
                ingested.manifest,
                ingested.manifest_sha,
                parents=parents,
                card={},
                message=f"v{version}",
            )
            repos.move_branch(session, repo, "main", commit)
            commits.append((commit.id, commit.sha, commit.manifest_sha256))
        commit_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        target = copies / f"v{version}.safetensors"
        shutil.copyfile(source, target)
        fsync_file(target)
        copy_times.append(time.perf_counter() - start)
    checkout_forge, checkout_copy = [], []
    for version, (_, _, manifest_sha) in enumerate(commits):
        manifest = Manifest.from_json(content.read_blob(store, manifest_sha))
        start = time.perf_counter()
        with (root / "out-forge.safetensors").open("wb") as out:
            for piece in content.checkout_chunks(store, manifest):
                out.write(piece)
        checkout_forge.append(time.perf_counter() - start)
        start = time.perf_counter()
        shutil.copyfile(copies / f"v{version}.safetensors", root / "out-copy.safetensors")
        checkout_copy.append(time.perf_counter() - start)
    stored_forge = sum(info.size for info in store.iterate())
    stored_copy = sum(p.stat().st_size for p in copies.iterdir())
    engine.dispose()
    report(
        versions,
        logical,
        stored_forge,
        stored_copy,
        commit_times,
        copy_times,
        checkout_forge,
        checkout_copy,
        raw_speed,
    )


def report(
    versions: int, logical: int, stored_forge: int, stored_copy: int,
    commit_times: list[float], copy_times: list[float],
    checkout_forge: list[float], checkout_copy: list[float], raw_speed: float,
) -> None:  # fmt: skip
    size = logical / versions / MB
    print(f"checkpoint: {size:.1f} MB, {versions} versions, 10 % of tensors changed per version")
    print(f"stored bytes: forge {stored_forge / MB:.1f} MB, full copies {stored_copy / MB:.1f} MB "
          f"(ratio {stored_forge / stored_copy:.3f})")  # fmt: skip
    median = statistics.median
    later = slice(1, None)  # version 0 stores everything on both sides
    print(f"commit, first version: forge {commit_times[0]:.2f} s, copy {copy_times[0]:.2f} s "
          f"(ratio {commit_times[0] / copy_times[0]:.2f})")  # fmt: skip
    print(f"commit, later versions (median): forge {median(commit_times[later]):.2f} s, "
          f"copy {median(copy_times[later]):.2f} s "
          f"(ratio {median(commit_times[later]) / median(copy_times[later]):.2f})")  # fmt: skip
    forge_out, copy_out = median(checkout_forge), median(checkout_copy)
    print(f"checkout (median): forge {forge_out:.2f} s, copy {copy_out:.2f} s "
          f"(ratio {forge_out / copy_out:.2f})")  # fmt: skip
    throughput = logical / MB / sum(commit_times)
    copied = logical / MB / sum(copy_times)
    print(f"commit throughput: forge {throughput:.0f} MB/s of checkpoint, full copy "
          f"{copied:.0f} MB/s; raw disk write (fsync) {raw_speed:.0f} MB/s")  # fmt: skip


if __name__ == "__main__":
    main()
