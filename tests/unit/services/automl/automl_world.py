"""Tiny tasks for the AutoML tests: a mixed-type classification task and a regression task."""

from __future__ import annotations

import numpy as np

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.services.experiments import tasks
from mlhive.server.wiring import Hive
from mlhive.wire.tasks import TaskCreate
from tests.factories import publish


def mixed_csv(rows: int = 240, seed: int = 0) -> str:
    """Two numbers, a colour (with gaps) and a three-class label that depends on all three."""
    rng = np.random.default_rng(seed)
    lines = ["x1,x2,colour,label"]
    for i in range(rows):
        x1, x2 = rng.normal(size=2)
        colour = ("red", "green", "blue")[i % 3]
        score = x1 + 0.5 * x2 + (0.8 if colour == "red" else 0.0) + rng.normal(scale=0.4)
        label = "low" if score < -0.4 else "mid" if score < 0.6 else "high"
        shown = "" if i % 17 == 0 else colour
        lines.append(f"{x1:.4f},{x2:.4f},{shown},{label}")
    return "\n".join(lines) + "\n"


def regression_csv(rows: int = 150, seed: int = 1) -> str:
    rng = np.random.default_rng(seed)
    lines = ["a,b,y"]
    for _ in range(rows):
        a, b = rng.normal(size=2)
        lines.append(f"{a:.4f},{b:.4f},{2 * a - b + rng.normal(scale=0.2):.4f}")
    return "\n".join(lines) + "\n"


def numeric_csv(rows: int = 120, seed: int = 3) -> str:
    """Two numbers and a two-class label that depends on them."""
    rng = np.random.default_rng(seed)
    lines = ["u,v,label"]
    for _ in range(rows):
        u, v = rng.normal(size=2)
        lines.append(f"{u:.4f},{v:.4f},{'yes' if u + v + rng.normal(scale=0.3) > 0 else 'no'}")
    return "\n".join(lines) + "\n"


def make_task(
    hive: Hive, actor: Actor, csv: str, kind: str, target: str, name: str, procedure: int
) -> int:
    """A task on ``csv`` with estimation procedure ``procedure`` (25: 4-fold CV, 12: holdout)."""
    dataset_id = publish(hive, actor, csv, name=name, default_target_attribute=target)
    hive.worker.drain()
    body = TaskCreate(
        task_type=kind,  # type: ignore[arg-type]
        dataset_id=dataset_id,
        estimation_procedure_id=procedure,
    )
    with transaction(hive.sessions) as session:
        task, _ = tasks.create(session, hive.store, hive.settings, actor, body)
        return task.id
