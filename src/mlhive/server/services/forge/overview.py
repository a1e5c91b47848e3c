"""What the front page says about the forge: public repositories, the newest commits and merge
requests, and repositories found by a search. Visibility is :func:`repos.visible_repos`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mlhive.server.db.queries.text import contains
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.forge import MergeRequest, ModelCommit, ModelRepo
from mlhive.server.domain.access import Actor
from mlhive.server.services.forge.repos import visible_repos


@dataclass(frozen=True)
class CommitLine:
    """One commit in an activity list."""

    repo: str
    sha: str
    message: str
    author: str
    created_at: datetime


@dataclass(frozen=True)
class RequestLine:
    """One merge request in an activity list."""

    repo: str
    number: int
    title: str
    state: str
    author: str
    created_at: datetime


@dataclass(frozen=True)
class RepoHit:
    """A repository a search found."""

    full_name: str
    description: str
    visibility: str


def count_public(session: Session) -> int:
    """Public model repositories."""
    stmt = select(func.count()).select_from(ModelRepo).where(visible_repos(None))
    return int(session.scalar(stmt) or 0)


def _full_names(session: Session, repo_ids: set[int]) -> dict[int, str]:
    if not repo_ids:
        return {}
    stmt = (
        select(ModelRepo.id, User.name, ModelRepo.name)
        .join(User, User.id == ModelRepo.owner_id)
        .where(ModelRepo.id.in_(repo_ids))
    )
    return {repo_id: f"{owner}/{name}" for repo_id, owner, name in session.execute(stmt)}


def latest_commits(
    session: Session, actor: Actor | None, limit: int, *, author_id: int | None = None
) -> list[CommitLine]:
    """The newest commits in repositories the actor may see (of one author, if given)."""
    stmt = (
        select(ModelCommit)
        .join(ModelRepo, ModelRepo.id == ModelCommit.repo_id)
        .where(visible_repos(actor))
    )
    if author_id is not None:
        stmt = stmt.where(ModelCommit.author_id == author_id)
    rows = list(session.scalars(stmt.order_by(ModelCommit.id.desc()).limit(limit)))
    names = _full_names(session, {row.repo_id for row in rows})
    return [
        CommitLine(names[c.repo_id], c.sha, c.message, c.author.name, c.created_at) for c in rows
    ]


def latest_requests(session: Session, actor: Actor | None, limit: int) -> list[RequestLine]:
    """The newest merge requests on repositories the actor may see, newest first."""
    stmt = (
        select(MergeRequest)
        .join(ModelRepo, ModelRepo.id == MergeRequest.repo_id)
        .where(visible_repos(actor))
        .order_by(MergeRequest.id.desc())
        .limit(limit)
    )
    rows = list(session.scalars(stmt))
    names = _full_names(session, {row.repo_id for row in rows})
    return [
        RequestLine(names[r.repo_id], r.number, r.title, r.state, r.author.name, r.created_at)
        for r in rows
    ]


def search(session: Session, actor: Actor | None, text: str, limit: int) -> list[RepoHit]:
    """Repositories whose name or description contains ``text`` (case-insensitive)."""
    stmt = (
        select(ModelRepo)
        .where(visible_repos(actor))
        .where(or_(contains(ModelRepo.name, text), contains(ModelRepo.description, text)))
        .order_by(ModelRepo.id)
        .limit(limit)
    )
    return [RepoHit(r.full_name, r.description, r.visibility) for r in session.scalars(stmt)]
