"""What the model pages show, read in a bounded number of queries: a page of repositories with
their last activity, a repository's recent history laid out as a lineage graph, and a short
list of its merge requests.

Access is decided here as everywhere in the forge (:func:`repos.visible_repos`): a private
repository never appears for someone who may not see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.forge import MergeRequest, ModelCommit, ModelRef, ModelRepo
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import NotFound
from mlhive.server.services.forge import commits, repos


@dataclass(frozen=True)
class RepoSummary:
    """One row of the repository list."""

    id: int
    full_name: str
    owner: str
    description: str
    visibility: str
    forked_from: str | None
    created_at: datetime
    updated_at: datetime


def summaries(
    session: Session, actor: Actor | None, *, before: int | None, limit: int
) -> list[RepoSummary]:
    """The newest repositories the actor may see (keyset page: ids below ``before``).

    ``updated_at`` is the last time a branch or tag of the repository moved (its creation
    time when it has none yet).
    """
    source, source_owner = aliased(ModelRepo), aliased(User)
    stmt = (
        select(ModelRepo, source.name, source_owner.name)
        .join(User, User.id == ModelRepo.owner_id)
        .outerjoin(source, source.id == ModelRepo.forked_from_id)
        .outerjoin(source_owner, source_owner.id == source.owner_id)
        .where(repos.visible_repos(actor))
    )
    if before is not None:
        stmt = stmt.where(ModelRepo.id < before)
    rows = session.execute(stmt.order_by(ModelRepo.id.desc()).limit(limit)).all()
    moved = dict(
        session.execute(
            select(ModelRef.repo_id, func.max(ModelRef.updated_at))
            .where(ModelRef.repo_id.in_([r.id for r, _, _ in rows]))
            .group_by(ModelRef.repo_id)
        ).all()
    )
    return [
        RepoSummary(
            id=repo.id,
            full_name=repo.full_name,
            owner=repo.owner.name,
            description=repo.description,
            visibility=repo.visibility,
            forked_from=f"{owner}/{name}" if name else None,
            created_at=repo.created_at,
            updated_at=moved.get(repo.id) or repo.created_at,
        )
        for repo, name, owner in rows
    ]


def head(session: Session, repo: ModelRepo, ref: str | None) -> ModelCommit | None:
    """The commit ``ref`` names, else the default branch's head (None: nothing pushed yet).

    Raises:
        NotFound: ``ref`` names no branch, tag or commit.
    """
    try:
        return repos.resolve(session, repo, ref or repo.default_branch)
    except NotFound:
        if ref is not None:
            raise
        return None


@dataclass(frozen=True)
class CommitRow:
    """One line of a commit log."""

    sha: str
    message: str
    author: str
    created_at: datetime
    parents: list[str]


def history(session: Session, repo: ModelRepo, start: ModelCommit, limit: int) -> list[CommitRow]:
    """The ``limit`` newest commits reachable from ``start``."""
    return [
        CommitRow(c.sha, c.message, c.author.name, c.created_at, list(c.parents))
        for c in commits.log(session, repo, start.sha, limit)
    ]


def first_parent(session: Session, repo: ModelRepo, commit: ModelCommit) -> ModelCommit | None:
    """The commit's first parent, when this repository holds it."""
    if not commit.parents:
        return None
    try:
        return repos.resolve(session, repo, commit.parents[0])
    except NotFound:  # history that was never copied here
        return None


@dataclass(frozen=True)
class RequestSummary:
    """One row of a repository's merge request list."""

    number: int
    title: str
    author: str
    source_branch: str
    target_branch: str
    state: str
    evaluation_state: str
    created_at: datetime


def request_summaries(session: Session, repo: ModelRepo, limit: int) -> list[RequestSummary]:
    """A repository's newest merge requests (one query)."""
    stmt = (
        select(MergeRequest)
        .where(MergeRequest.repo_id == repo.id)
        .order_by(MergeRequest.number.desc())
        .limit(limit)
    )
    return [
        RequestSummary(
            number=r.number,
            title=r.title,
            author=r.author.name,
            source_branch=r.source_branch,
            target_branch=r.target_branch,
            state=r.state,
            evaluation_state=r.evaluation_state,
            created_at=r.created_at,
        )
        for r in session.scalars(stmt)
    ]


# -- the lineage graph ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A commit placed on the graph: ``column`` counts from the oldest shown, ``lane`` is the
    branch it was first reached from (following first parents from each branch head)."""

    sha: str
    message: str
    author: str
    created_at: datetime
    parents: list[str]
    column: int
    lane: int
    refs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    """A parent link between two shown commits; ``merge`` for second and later parents."""

    parent: str
    child: str
    merge: bool


@dataclass(frozen=True)
class Graph:
    """The recent history of a repository, laid out on a column (time) x lane (branch) grid."""

    nodes: list[Node]
    edges: list[Edge]
    lanes: list[str]
    truncated: bool


def lineage(session: Session, repo: ModelRepo, limit: int) -> Graph:
    """The ``limit`` newest commits of a repository, their parent links and branch lanes."""
    rows = list(
        session.scalars(
            select(ModelCommit)
            .where(ModelCommit.repo_id == repo.id)
            .order_by(ModelCommit.created_at.desc(), ModelCommit.id.desc())
            .limit(limit + 1)
        )
    )
    truncated, rows = len(rows) > limit, rows[:limit]
    rows.reverse()
    by_sha = {c.sha: c for c in rows}
    refs = repos.list_refs(session, repo)
    branches = sorted(
        (r for r in refs if r.kind == "branch"),
        key=lambda r: (r.name != repo.default_branch, r.name),
    )
    lane_of: dict[str, int] = {}
    lanes: list[str] = []
    for branch in branches:
        sha: str | None = branch.commit
        claimed = False
        while sha in by_sha and sha not in lane_of:
            if not claimed:
                lanes.append(branch.name)
                claimed = True
            lane_of[sha] = len(lanes) - 1
            parents = by_sha[sha].parents
            sha = parents[0] if parents else None
    if any(c.sha not in lane_of for c in rows):
        lanes.append("other commits")
    labels: dict[str, list[str]] = {}
    for ref in refs:
        labels.setdefault(ref.commit, []).append(
            ref.name if ref.kind == "branch" else f"tag {ref.name}"
        )
    nodes = [
        Node(
            sha=c.sha,
            message=c.message,
            author=c.author.name,
            created_at=c.created_at,
            parents=list(c.parents),
            column=i,
            lane=lane_of.get(c.sha, len(lanes) - 1),
            refs=labels.get(c.sha, []),
        )
        for i, c in enumerate(rows)
    ]
    edges = [
        Edge(parent=p, child=c.sha, merge=k > 0)
        for c in rows
        for k, p in enumerate(c.parents)
        if p in by_sha
    ]
    return Graph(nodes=nodes, edges=edges, lanes=lanes, truncated=truncated)
