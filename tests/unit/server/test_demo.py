"""Demo content loads from installed packages and is processed, idempotently, with tasks, a
suite and evaluated baseline runs so that leaderboards are not empty."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mlhive.server.config import Settings
from mlhive.server.db.engine import make_engine, make_session_factory
from mlhive.server.db.tables.datasets import Dataset, Quality
from mlhive.server.db.tables.experiments import Collection, CollectionTask, Run, Task
from mlhive.server.demo.datasets import DEMO_DATASETS, load_demo, prepare_demo
from mlhive.server.services.experiments import evaluations


def test_demo_loads_datasets_tasks_suite_and_baselines_once(settings: Settings) -> None:
    assert len(DEMO_DATASETS) >= 10
    key = load_demo(settings, names=["penguins", "diabetes"])
    assert key.startswith("mlh_")
    load_demo(settings, names=["penguins", "diabetes"])  # second run adds nothing
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        rows = {d.name: d for d in session.scalars(select(Dataset))}
        assert sorted(rows) == ["diabetes", "penguins"]
        assert {d.status for d in rows.values()} == {"active"}
        penguins = rows["penguins"].id
        quality = {
            q.name: q.value
            for q in session.scalars(select(Quality).where(Quality.dataset_id == penguins))
        }
        assert (quality["NumberOfInstances"], quality["NumberOfMissingValues"]) == (344, 19)
        task_types = {t.dataset_id: t.task_type for t in session.scalars(select(Task))}
        assert task_types == {
            penguins: "supervised_classification",
            rows["diabetes"].id: "supervised_regression",
        }
        suite = session.scalar(select(Collection).where(Collection.alias == "demo-cc"))
        assert suite is not None
        members = session.scalars(
            select(CollectionTask.task_id).where(CollectionTask.collection_id == suite.id)
        ).all()
        assert len(members) == 1
        states = session.execute(select(Run.state, func.count()).group_by(Run.state)).all()
        assert [tuple(s) for s in states] == [("evaluated", 6)]
        board = evaluations.leaderboard(session, None, members[0], "predictive_accuracy")
        assert len(board.entries) == 3
        assert board.entries[0].value > 0.9 > board.entries[-1].value  # a model beats dummy
    engine.dispose()


def test_the_demo_never_touches_datasets_it_did_not_make(
    settings: Settings, http: TestClient, run_jobs: Callable[[], int]
) -> None:
    key = prepare_demo(settings)
    own = {}
    for name in ("mine", "diabetes"):  # the admin's own work, one under a demo name
        created = http.post(
            "/api/datasets",
            files={"file": ("d.csv", b"a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n" * 5)},
            data={"metadata": json.dumps({"name": name, "default_target_attribute": "label"})},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert created.status_code == 201, created.text
        own[name] = created.json()["id"]
    run_jobs()
    load_demo(settings, names=["diabetes"])
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        tasked = set(session.scalars(select(Task.dataset_id)))
        diabetes = session.scalars(select(Dataset).where(Dataset.name == "diabetes")).all()
    engine.dispose()
    assert not tasked & set(own.values())  # no task, hence no run, on the admin's own data
    assert [d.version for d in diabetes] == [1, 2]  # the demo's diabetes is a version of its own
    assert len(tasked) == 1
