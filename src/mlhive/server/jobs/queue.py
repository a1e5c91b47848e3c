"""A durable job queue in the metadata database.

Jobs are rows. A worker claims one with a conditional UPDATE (so two workers never run the
same job, on SQLite or PostgreSQL alike) and holds it under a short lease that it renews
(:func:`heartbeat`) while the handler runs; a job whose worker died is claimed again once its
lease expires, until ``max_attempts`` is spent.

Claims are fair between owners (the user whose request made a job): the next job is the oldest
one of the waiting owner with the fewest jobs running, and among those, of the owner whose
latest job started longest ago (or never). One user queueing a hundred uploads then delays
another user's single upload by at most one job per worker, not by a hundred.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.queries import prepared
from mlhive.server.db.tables.jobs import Job
from mlhive.server.domain.errors import NotFound
from mlhive.server.jobs import signals

_NEVER = datetime.min.replace(tzinfo=UTC)


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    subject: str = "",
    owner: int | None = None,
) -> Job:
    """Add a job in the caller's transaction: it exists iff the caller's work commits.

    ``owner`` is the id of the user whose request made the job (None for the server's own
    work); claims take turns between owners.
    """
    job = Job(kind=kind, payload=payload, subject=subject, state="queued", owner=owner)
    session.add(job)
    session.flush()
    signals.announce(session, signals.QUEUED)  # a worker picks it up once this commits
    return job


def _claimable(now: datetime) -> Any:
    return or_(
        Job.state == "queued",
        and_(Job.state == "running", Job.lease_until < now),
    )


def _fair_candidates(session: Session, now: datetime) -> list[int]:
    """Each waiting owner's oldest runnable job, the owner who is owed a turn first.

    Two grouped queries with one row per waiting owner (few), then each such owner's latest
    start from the (owner, started_at) index; the ranking is done here, alike on SQLite and
    PostgreSQL.
    """
    oldest = dict(
        session.execute(
            select(Job.owner, func.min(Job.id)).where(_claimable(now)).group_by(Job.owner)
        ).all()
    )
    if not oldest:
        return []
    running = dict(
        session.execute(
            select(Job.owner, func.count())
            .where(Job.state == "running", Job.lease_until >= now)
            .group_by(Job.owner)
        ).all()
    )
    last_started = {owner: _last_started(session, owner) for owner in oldest}

    def turn(owner: int | None) -> tuple[int, datetime, int]:
        return running.get(owner, 0), last_started[owner], oldest[owner]

    return [oldest[owner] for owner in sorted(oldest, key=turn)]


def _last_started(session: Session, owner: int | None) -> datetime:
    """When ``owner``'s latest job started; the earliest time for an owner never served."""
    mine = Job.owner.is_(None) if owner is None else Job.owner == owner
    started = session.scalar(select(func.max(Job.started_at)).where(mine))
    if started is None:
        return _NEVER
    return started if started.tzinfo else started.replace(tzinfo=UTC)


def claim(session: Session, worker: str, lease_seconds: float) -> Job | None:
    """Claim a runnable job for ``worker`` (fairly between owners, see the module docstring),
    or return None when there is none."""
    now = utcnow()
    for job_id in _fair_candidates(session, now):
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, _claimable(now))
            .values(
                state="running",
                worker=worker,
                lease_until=now + timedelta(seconds=lease_seconds),
                attempts=Job.attempts + 1,
                started_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return session.get_one(Job, job_id, populate_existing=True)
    return None


def heartbeat(session: Session, job_id: int, worker: str, lease_seconds: float) -> bool:
    """Extend a running job's lease; False if ``worker`` no longer holds it."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker == worker, Job.state == "running")
        .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def finish(session: Session, job_id: int, worker: str, error: str | None = None) -> bool:
    """Record a job's end; False if the worker had lost its lease to another one."""
    state = "done" if error is None else "failed"
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker == worker, Job.state == "running")
        .values(state=state, error=error, finished_at=utcnow(), lease_until=None)
        .execution_options(synchronize_session=False)
    )
    signals.announce(session, signals.FINISHED)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release(session: Session, job_id: int, worker: str, error: str) -> None:
    """Give a job back to the queue after a transient failure, keeping the error seen."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker == worker, Job.state == "running")
        .values(state="queued", error=error, lease_until=None, worker=None)
        .execution_options(synchronize_session=False)
    )
    signals.announce(session, signals.QUEUED)


def fail_exhausted(session: Session, max_attempts: int) -> int:
    """Fail jobs whose lease expired after their last allowed attempt; returns how many."""
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.state == "running", Job.lease_until < now, Job.attempts >= max_attempts)
        .values(
            state="failed",
            finished_at=now,
            lease_until=None,
            error="the worker running this job stopped before finishing it "
            f"({max_attempts} attempts)",
        )
        .execution_options(synchronize_session=False)
    )
    failed = int(result.rowcount)  # type: ignore[attr-defined]
    if failed:
        signals.announce(session, signals.FINISHED)
    return failed


def get_job(session: Session, job_id: int) -> Job:
    """One job by id; raises NotFound."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


_LATEST_ID = (
    select(Job.id).where(Job.subject == bindparam("subject")).order_by(Job.id.desc()).limit(1)
)


def latest_id_for(session: Session, subject: str) -> int | None:
    """The id of the newest job about ``subject`` (no row loaded; a prebuilt statement)."""
    found = prepared.run(session, _LATEST_ID, subject=subject).scalar()
    return None if found is None else int(found)


def latest_for(session: Session, subject: str) -> Job | None:
    """The newest job about ``subject`` (e.g. ``dataset:12``)."""
    return session.scalar(select(Job).where(Job.subject == subject).order_by(Job.id.desc()))
