"""Content for the experiment pages: the demo's iris and diabetes tasks and runs, and a study
of the iris runs."""

from __future__ import annotations

from sqlalchemy import select

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Run, Task
from mlhive.server.domain.access import Actor
from mlhive.server.services.experiments import studies
from mlhive.server.wiring import Hive
from mlhive.wire.studies import CollectionCreate
from tests.web.browser.conftest import Site


def seed(hive: Hive, site: Site) -> None:
    admin = site.people["admin"]
    actor = Actor(admin.id, admin.name, True)
    with transaction(hive.sessions) as session:
        for name in ("iris", "diabetes"):
            task_id = session.scalar(
                select(Task.id)
                .join(Dataset, Dataset.id == Task.dataset_id)
                .where(Dataset.name == name)
            )
            site.made[f"{name}_task"] = task_id
            runs = session.execute(
                select(Run.id, Run.flow_id).where(Run.task_id == task_id).order_by(Run.id)
            ).all()
            site.made[f"{name}_runs"] = [run_id for run_id, _ in runs]
            # The demo's baselines, and the runs its model repositories' evaluations made.
            site.made[f"{name}_flows"] = len({flow_id for _, flow_id in runs})
        study = studies.create(
            session,
            actor,
            "study",
            CollectionCreate(
                name="Iris baselines",
                alias="iris-baselines",
                description="The demo's **baseline** runs on iris.",
                run_ids=site.made["iris_runs"],
            ),
        )
        site.made["study"] = study.id
