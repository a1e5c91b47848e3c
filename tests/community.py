"""A generated community with planted collaborators, for measuring suggestions' recall.

Deterministic for a seed. People are ``p1..pN``; ``groups`` disjoint trios are planted
collaborators, and every signal of a trio is only *partly* present, as in a real hive:

- each member runs on each of the trio's three (long-tail) tasks with probability
  ``P_TASK``;
- each member's dataset is near the trio's point in quality space with probability
  ``P_DATASET`` (otherwise anywhere);
- each member forks each other member's model with probability ``P_FORK``;
- each member lists the trio's topic among their interests with probability ``P_TOPIC``.

Around them, everyone runs on tasks chosen by a Zipf law over task popularity (so popular
tasks are shared by many), owns one dataset with random qualities, lists a few interests from
a Zipf-popular vocabulary, and a fifth own a model, some forked by strangers.

:func:`fill` writes everything but the runs with plain executemany (a few thousand rows);
:func:`fill_runs` writes the runs (the benchmark loads its million through ``_bulk``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, insert

from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.accounts import User, UserInterest
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.db.tables.datasets import Dataset, Quality
from mlhive.server.db.tables.experiments import Flow, Run, Setup, Task
from mlhive.server.db.tables.forge import ModelRepo
from mlhive.server.domain.automl.metafeatures import is_count
from mlhive.server.domain.datasets.qualities import QUALITY_NAMES

P_TASK = 0.5
P_DATASET = 0.5
P_FORK = 0.15
P_TOPIC = 0.5
SHA = "0" * 64


@dataclass(frozen=True)
class Community:
    people: int
    groups: list[tuple[int, ...]]  # planted trios of person ids
    tasks: int  # task t is on dataset t (owned by person t)
    flows: int
    qualities: np.ndarray  # (people, qualities): person i's dataset is row i - 1
    interests: list[tuple[int, str]]
    repos: list[dict[str, Any]]
    runs: np.ndarray  # (n, 3): task, flow, uploader

    def partners(self) -> dict[int, set[int]]:
        """Each planted person's planted collaborators."""
        return {m: set(g) - {m} for g in self.groups for m in g}


def _values(z: np.ndarray) -> np.ndarray:
    """Latent normals as plausible qualities: counts log-normal, percentages bounded."""
    values = np.empty_like(z)
    for column, name in enumerate(QUALITY_NAMES):
        if is_count(name):
            values[:, column] = np.round(np.exp(5 + 1.5 * z[:, column]))
        elif "Percentage" in name:
            values[:, column] = np.clip(50 + 15 * z[:, column], 0, 100)
        else:
            values[:, column] = 3 * z[:, column]
    return values


def _zipf(rng: np.random.Generator, n: int, size: int, a: float = 0.9) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** a
    return rng.choice(n, size=size, p=weights / weights.sum())


def generate(
    people: int = 600,
    groups: int = 40,
    tasks: int = 300,
    runs_per_person: float = 15.0,
    flows: int = 100,
    seed: int = 0,
) -> Community:
    rng = np.random.default_rng(seed)
    planted = rng.permutation(np.arange(1, people + 1))[: groups * 3].reshape(groups, 3)
    trios = [tuple(int(p) for p in g) for g in planted]
    # Popular tasks first in a shuffled order; each trio's tasks come from the long tail.
    by_popularity = rng.permutation(np.arange(1, tasks + 1))
    tail = by_popularity[tasks // 4 :]

    runs: list[np.ndarray] = []
    counts = rng.poisson(runs_per_person, people)
    uploader = np.repeat(np.arange(1, people + 1), counts)
    task = by_popularity[_zipf(rng, tasks, len(uploader))]
    flow = _zipf(rng, flows, len(uploader)) + 1
    runs.append(np.stack([task, flow, uploader], axis=1))

    z = rng.normal(size=(people, len(QUALITY_NAMES)))
    vocabulary = [f"topic-{i}" for i in range(200)]
    interests: set[tuple[int, str]] = set()
    for person in range(1, people + 1):
        for tag in _zipf(rng, len(vocabulary), int(rng.integers(0, 5))):
            interests.add((person, vocabulary[tag]))
    repos: list[dict[str, Any]] = []  # a repository's id is its position, from 1
    names: set[tuple[int, str]] = set()

    def add_repo(owner: int, name: str, parent: int | None) -> None:
        if (owner, name) not in names:  # a stranger's fork may repeat a planted one's name
            names.add((owner, name))
            repos.append({"owner_id": owner, "name": name, "forked_from_id": parent})

    repo_of: dict[int, int] = {}
    for p in range(1, people + 1):
        if rng.random() < 0.2:
            add_repo(p, "model", None)
            repo_of[p] = len(repos)

    for trio in trios:
        shared = rng.choice(tail, 3, replace=False)
        centre = rng.normal(size=len(QUALITY_NAMES))
        topic = vocabulary[int(rng.integers(20, 200))]
        for member in trio:
            for t in shared:
                if rng.random() < P_TASK:
                    n = int(rng.integers(1, 5))
                    member_flows = _zipf(rng, flows, n) + 1
                    runs.append(np.stack([np.full(n, t), member_flows, np.full(n, member)], 1))
            if rng.random() < P_DATASET:
                z[member - 1] = centre + rng.normal(scale=0.15, size=len(QUALITY_NAMES))
            if rng.random() < P_TOPIC:
                interests.add((member, topic))
            for other in trio:
                if other != member and rng.random() < P_FORK:
                    if other not in repo_of:
                        add_repo(other, "model", None)
                        repo_of[other] = len(repos)
                    add_repo(member, f"fork-{other}", repo_of[other])
    # Strangers fork popular models too.
    popular = list(repo_of.items())[:20]
    for person in range(1, people + 1):
        if popular and rng.random() < 0.05:
            owner, repo = popular[int(rng.integers(0, len(popular)))]
            if owner != person:
                add_repo(person, f"fork-{owner}", repo)

    return Community(
        people=people,
        groups=trios,
        tasks=tasks,
        flows=flows,
        qualities=_values(z),
        interests=sorted(interests),
        repos=repos,
        runs=np.concatenate(runs).astype(np.int64),
    )


def fill(conn: Connection, community: Community) -> None:
    """Everyone, their datasets with qualities, tasks, flows (one setup each), models and
    interests; not the runs."""
    now = utcnow()
    n = community.people
    conn.execute(insert(Blob), [{"sha256": SHA, "size": 1, "created_at": now}])
    conn.execute(
        insert(User),
        [{"id": p, "name": f"p{p}", "is_admin": False, "created_at": now} for p in range(1, n + 1)],
    )
    conn.execute(
        insert(Dataset),
        [
            {
                "id": p, "name": f"data-{p}", "version": 1, "uploader_id": p,
                "visibility": "public", "status": "active", "processing": "done",
                "upload_format": "csv", "data_sha256": SHA, "number_of_rows": 100,
                "number_of_columns": 5, "upload_date": now,
            }
            for p in range(1, n + 1)
        ],
    )  # fmt: skip
    conn.execute(
        insert(Quality),
        [
            {"dataset_id": p, "name": name, "value": float(v)}
            for p in range(1, n + 1)
            for name, v in zip(QUALITY_NAMES, community.qualities[p - 1], strict=True)
        ],
    )
    conn.execute(
        insert(Task),
        [
            {
                "id": t, "task_type": "supervised_classification", "dataset_id": t,
                "target": "y", "target_key": "y", "custom_key": str(t), "procedure_id": 1,
                "evaluation_measures": [], "class_labels": ["a", "b"], "number_of_rows": 100,
                "splits_sha256": SHA, "splits_arff_sha256": SHA, "seed": t, "status": "active",
                "uploader_id": t, "created_at": now,
            }
            for t in range(1, community.tasks + 1)
        ],
    )  # fmt: skip
    conn.execute(
        insert(Flow),
        [
            {
                "id": f, "name": f"community.flow{f}", "external_version": "1",
                "class_name": "", "custom_name": "", "description": "", "language": "English",
                "dependencies": "", "installation_notes": "", "parameters": [],
                "uploader_id": 1, "upload_date": now,
            }
            for f in range(1, community.flows + 1)
        ],
    )  # fmt: skip
    conn.execute(
        insert(Setup),
        [{"id": f, "flow_id": f, "signature": str(f)} for f in range(1, community.flows + 1)],
    )
    conn.execute(
        insert(ModelRepo),
        [
            {"id": i, "visibility": "public", "description": "", "created_at": now, **repo}
            for i, repo in enumerate(community.repos, start=1)
        ],
    )
    conn.execute(
        insert(UserInterest), [{"user_id": p, "tag": tag} for p, tag in community.interests]
    )


def fill_runs(conn: Connection, community: Community) -> None:
    """The runs, evaluated, in one executemany (tens of thousands at most)."""
    now = utcnow()
    conn.execute(
        insert(Run),
        [
            {
                "task_id": int(t), "flow_id": int(f), "setup_id": int(f), "uploader_id": int(u),
                "upload_time": now, "state": "evaluated", "fold_timings": [],
                "client_measures": {}, "setup_string": "",
            }
            for t, f, u in community.runs
        ],
    )  # fmt: skip


def recall_at(community: Community, suggest: Callable[[int], list[str]], k: int = 5) -> float:
    """The mean, over planted people, of the share of their planted collaborators among the
    top ``k`` names ``suggest(person id)`` gives."""
    shares = []
    for person, partners in sorted(community.partners().items()):
        top = set(suggest(person)[:k])
        shares.append(len({f"p{p}" for p in partners} & top) / len(partners))
    return float(np.mean(shares))
