"""``/estimationprocedure/list``: OpenML's estimation procedures mlhive implements."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mlhive.server.domain.experiments.procedures import PROCEDURES
from mlhive.server.openml.v2.common import number

router = APIRouter(prefix="/estimationprocedure")


@router.get("/list")
def list_procedures() -> list[dict[str, Any]]:
    """The catalogue (ids and names as on OpenML); absent numbers are left out, as there."""
    listed = []
    for procedure in PROCEDURES:
        entry: dict[str, Any] = {
            "id": procedure.id,
            "task_type_id": procedure.task_type_id,
            "name": procedure.name,
            "type": procedure.kind,
            "percentage": number(procedure.percentage),
            "repeats": procedure.repeats,
            "folds": procedure.folds,
            "stratified_sampling": procedure.stratified,
        }
        listed.append({key: value for key, value in entry.items() if value is not None})
    return listed
