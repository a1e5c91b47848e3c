"""Health and background jobs."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from mlhive._version import __version__
from mlhive.server.http.deps import HiveDep, MaybeActor, read
from mlhive.server.http.params import ObjectId
from mlhive.server.services import subjects
from mlhive.wire.common import Health, JobOut

router = APIRouter(tags=["system"])
health_router = APIRouter(tags=["system"])
"""Health alone (also what ``mlhive serve-models`` serves beside the deployment calls)."""


@health_router.get("/health")
def health(hive: HiveDep, actor: MaybeActor) -> Health:
    """Liveness and readiness: the database answers and the store is configured.

    ``storage`` is the store's kind (``file``, ``s3``, …); only administrators see where it
    is, since a path or bucket name tells an outsider about the machine.
    """
    with read(hive) as session:
        session.execute(text("SELECT 1"))
    url = hive.store.url
    storage = url if actor is not None and actor.is_admin else url.partition("://")[0]
    return Health(
        status="ok", version=__version__, database=hive.engine.dialect.name, storage=storage
    )


router.include_router(health_router)


@router.get("/jobs/{job_id}")
def get_job(job_id: ObjectId, hive: HiveDep, actor: MaybeActor) -> JobOut:
    """The state of a background job (e.g. a dataset's processing), for those who may see
    the object it works on (404 for others, as for the object itself)."""
    with read(hive) as session:
        return JobOut.model_validate(subjects.find_job(session, actor, job_id))
