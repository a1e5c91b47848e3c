"""``/studies/{id or alias}``: benchmark suites (main entity ``task``) and studies (``run``)
as server-api serves them. OpenML keeps both in one numbering, and so does mlhive."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import NotFound
from mlhive.server.openml.v2 import errors
from mlhive.server.openml.v2.common import actor, hive, iso, read, sorted_unique
from mlhive.server.openml.v2.errors import Problem
from mlhive.server.services import accounts
from mlhive.server.services.experiments import runs, studies, tasks
from mlhive.wire.studies import CollectionOut

router = APIRouter(prefix="/studies")

ENTITY = {"suite": "task", "study": "run"}


def find(session: Session, who: Actor | None, ref: str) -> CollectionOut:
    """A suite or study by id or alias (an alias is looked up among suites first); another
    user's private one is not found, like one that does not exist."""
    for kind in ("suite", "study"):
        try:
            return studies.describe(session, studies.get(session, who, kind, ref), who)
        except NotFound:
            continue
    by = "id" if ref.isascii() and ref.isdigit() else "alias"
    raise Problem(errors.STUDY_NOT_FOUND, f"Study with {by} {ref} not found.")


@router.get("/{alias_or_id}")
def get_study(alias_or_id: str, request: Request) -> dict[str, Any]:
    """The collection with its members and, for studies, the tasks, datasets, flows and
    setups of its runs."""
    who = actor(request)
    with read(hive(request)) as session:
        row = find(session, who, alias_or_id)
        body = _document(session, who, row)
    return body


def _document(session: Session, who: Actor | None, row: CollectionOut) -> dict[str, Any]:
    if row.kind == "suite":
        task_ids, run_rows = list(row.task_ids), []
    else:
        run_rows = [runs.get(session, who, run_id) for run_id in row.run_ids]
        task_ids = sorted_unique(run.task_id for run in run_rows)
    data_ids = sorted_unique(tasks.get(session, who, task_id).dataset_id for task_id in task_ids)
    return {
        "id": row.id,
        "name": row.name,
        "alias": row.alias,
        "main_entity_type": ENTITY[row.kind],
        "description": row.description,
        "visibility": row.visibility,
        "status": row.status,
        "creation_date": iso(row.created_at),
        "creator": accounts.get_user(session, row.creator).id,
        "task_ids": task_ids,
        "run_ids": list(row.run_ids),
        "data_ids": data_ids,
        "setup_ids": sorted_unique(run.setup_id for run in run_rows),
        "flow_ids": sorted_unique(run.flow_id for run in run_rows),
    }
