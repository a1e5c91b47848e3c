"""Suggested collaborators at scale: 10 000 people and a million runs.

Generates the community of ``tests/community.py`` at scale (planted trios of collaborators
among people who run on Zipf-popular tasks, own a dataset each with its qualities, list
interests and fork models), loads its runs and their evaluations through ``_bulk`` (COPY on
PostgreSQL, executemany on SQLite), then measures, in one process:

- ``suggested(limit=10)`` through the service, one read transaction per request (as the API
  does), p50/p95 over random people, the qualities index warm;
- ``helpers_for_task`` likewise over random tasks;
- anchors in the same run: one keyset page (50) of a person's runs by the bare SQL, and the
  bare SQL of the main overlap query (who else ran on one task, over its latest 1 000 runs);
  ratios are printed next to them;
- recall@5 of the planted collaborators, and the share of planted pairs with any evidence
  at all (the ceiling no ranking can pass).

Usage: python benchmarks/bench_suggestions.py [--people 10000] [--runs 1000000]
       [--database-url postgresql+psycopg://...]   (default: a temporary SQLite file)
"""

from __future__ import annotations

import os

# One BLAS thread: the qualities pass is a 1 ms matrix product that several BLAS threads
# fighting over a busy machine's cores turn into tens of ms (set it to compare).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from _bulk import Chunk, Shape, fill
from sqlalchemy import Engine, text

from mlhive.server.db.engine import make_engine, make_session_factory, transaction
from mlhive.server.domain.access import Actor
from mlhive.server.services.automl import similar
from mlhive.server.services.automl.index import MetaIndex
from mlhive.server.services.social import suggestions

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the generator lives in tests/
from tests.community import Community, generate, recall_at
from tests.community import fill as fill_community

CHUNK = 200_000


def _runs(community: Community, seed: int) -> Callable[[Shape], Iterator[Chunk]]:
    def chunks(shape: Shape) -> Iterator[Chunk]:
        rng = np.random.default_rng(seed)
        runs = community.runs
        for start in range(0, len(runs), CHUNK):
            part = runs[start : start + CHUNK]
            ids = np.arange(start + 1, start + len(part) + 1, dtype=np.int64)
            values = np.round(rng.random((len(part), shape.measures)), 4)
            task, flow, uploader = part[:, 0], part[:, 1], part[:, 2]
            yield Chunk(ids, task, flow, flow, values, uploader)

    return chunks


def _percentiles(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=2_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        started = time.perf_counter()
        community = generate(
            people=args.people,
            groups=args.people // 20,
            tasks=args.tasks,
            runs_per_person=args.runs / args.people,
            flows=200,
            seed=args.seed,
        )
        print(
            f"community: {args.people:,} people, {len(community.groups):,} planted trios, "
            f"{len(community.runs):,} runs on {args.tasks:,} tasks, "
            f"{len(community.repos):,} models, {len(community.interests):,} interests "
            f"(generated in {time.perf_counter() - started:.0f} s)"
        )

        def scaffold(engine: Engine, shape: Shape) -> None:
            with engine.begin() as conn:
                fill_community(conn, community)

        shape = Shape(
            total_runs=len(community.runs),
            task_runs=0,
            tasks=args.tasks,
            flows=200,
            setups_per_flow=1,
        )
        seconds = fill(url, shape, lambda _: None, scaffold, _runs(community, args.seed))
        print(f"loaded into {url.split(':')[0]} in {seconds:.0f} s")
        measure(url, community, args.queries, args.seed)


def measure(url: str, community: Community, queries: int, seed: int) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    index = MetaIndex()
    rng = np.random.default_rng(seed + 1)

    def suggest(person: int, limit: int = 10) -> list[str]:
        viewer = Actor(person, f"p{person}", False)
        with transaction(sessions) as session:

            def near(ids: list[int], k: int, skip: tuple[int, ...]) -> dict[int, list[int]]:
                return similar.neighbours(session, index, viewer, ids, k, skip)

            found = suggestions.suggested(session, viewer, f"p{person}", near, limit)
            return [s.name for s in found]

    def helpers(task: int) -> int:
        viewer = Actor(1, "p1", False)
        with transaction(sessions) as session:

            def near(ids: list[int], k: int, skip: tuple[int, ...]) -> dict[int, list[int]]:
                return similar.neighbours(session, index, viewer, ids, k, skip)

            return len(suggestions.helpers_for_task(session, viewer, task, near))

    build = _timed(lambda: suggest(1))
    print(f"first request (builds the qualities index): {build:.0f} ms")
    people = rng.choice(np.arange(1, community.people + 1), queries, replace=False)
    timings = [_timed(lambda p=int(p): suggest(p)) for p in people]
    tasks = rng.choice(np.arange(1, community.tasks + 1), queries, replace=False)
    helper_timings = [_timed(lambda t=int(t): helpers(t)) for t in tasks]

    page_sql = text(
        "SELECT id, task_id, flow_id FROM runs WHERE uploader_id = :u ORDER BY id DESC LIMIT 50"
    )
    overlap_sql = text(
        "SELECT uploader_id, count(*), count(DISTINCT flow_id) FROM (SELECT uploader_id, flow_id"
        " FROM runs WHERE task_id = :t ORDER BY id DESC LIMIT 1000) AS w GROUP BY uploader_id"
    )
    with engine.connect() as conn:
        page = [_timed(lambda p=int(p): conn.execute(page_sql, {"u": p}).all()) for p in people]
        overlap = [
            _timed(lambda t=int(t): conn.execute(overlap_sql, {"t": t}).all()) for t in tasks
        ]

    s50, s95 = _percentiles(timings)
    h50, h95 = _percentiles(helper_timings)
    p50, p95 = _percentiles(page)
    o50, o95 = _percentiles(overlap)
    print(f"anchor: keyset page of a person's runs   p50 {p50:7.2f} ms  p95 {p95:7.2f} ms")
    print(f"anchor: overlap query on one task         p50 {o50:7.2f} ms  p95 {o95:7.2f} ms")
    print(
        f"suggested(limit=10)                       p50 {s50:7.2f} ms  p95 {s95:7.2f} ms"
        f"  ({s50 / p50:.0f}x the page, {s50 / o50:.1f}x the overlap query at p50)"
    )
    print(
        f"helpers_for_task                          p50 {h50:7.2f} ms  p95 {h95:7.2f} ms"
        f"  ({h50 / p50:.0f}x the page at p50)"
    )

    started = time.perf_counter()
    recall = recall_at(community, lambda p: suggest(p, 5))
    reachable = _ceiling(community, suggest)
    print(
        f"recall@5 of planted collaborators: {recall:.3f} over {len(community.partners()):,} "
        f"planted people; pairs with any evidence in the top 50: {reachable:.3f} "
        f"({time.perf_counter() - started:.0f} s)"
    )
    engine.dispose()


def _ceiling(community: Community, suggest: Callable[..., list[str]]) -> float:
    """The share of planted pairs found anywhere in a person's top 50 (nearly every
    candidate with evidence, for these communities): what better weights could reach."""
    found = total = 0
    for person, partners in community.partners().items():
        top = set(suggest(person, 50))
        found += len({f"p{p}" for p in partners} & top)
        total += len(partners)
    return found / total


if __name__ == "__main__":
    main()
