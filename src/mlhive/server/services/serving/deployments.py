"""Deployments: create, read and list them, find what answers a call, and count calls.

A deployment is private (its owner and administrators may see and call it) or public (anyone
may, with or without a key); a private one is NotFound for everyone else, as private
repositories are. Creating one needs a key and a repository the creator may see; the
deployment then serves ``repo@alias`` (following the alias) or one fixed commit, in a format
the server can run (skops or ONNX: safetensors commits hold weights without a program).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from mlhive.server.db.base import utcnow
from mlhive.server.db.queries.access import visible
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.forge import ModelCommit, ModelRepo
from mlhive.server.db.tables.serving import Deployment, DeploymentCounter, ModelAlias
from mlhive.server.domain.access import Actor, can_see
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound
from mlhive.server.domain.serving.aliases import check_alias
from mlhive.server.services import accounts
from mlhive.server.services.forge import repos
from mlhive.server.services.serving import aliases
from mlhive.wire.serving import AliasEventOut, DeploymentCreate, DeploymentOut

SERVABLE = ("skops", "onnx")


def check_servable(commit: ModelCommit) -> None:
    """Refuse a commit the server cannot run (safetensors: weights only)."""
    if commit.format not in SERVABLE:
        raise InvalidInput(
            f"commit {commit.sha[:12]} is a {commit.format} model: it holds weights, not a "
            "program the server can run; deploy a scikit-learn (skops) or ONNX commit",
            field="commit",
        )


def create(session: Session, actor: Actor, body: DeploymentCreate) -> Deployment:
    """Create a deployment owned by the actor, and its counter row.

    Raises:
        InvalidInput: a repository the actor cannot see, a bad ref, or an unservable commit.
        Conflict: the name is taken.
    """
    try:
        repo = repos.get_by_full_name(session, actor, body.repo)
    except NotFound as exc:
        raise InvalidInput(f"repo: {exc.detail}", field="repo") from None
    commit_id = None
    if body.commit is not None:
        try:
            commit = repos.resolve(session, repo, body.commit)
        except NotFound as exc:
            raise InvalidInput(f"commit: {exc.detail}", field="commit") from None
        check_servable(commit)
        commit_id = commit.id
    deployment = Deployment(
        name=body.name,
        owner_id=accounts.owner_for(session, actor, body.owner),
        repo_id=repo.id,
        alias=check_alias(body.alias) if body.alias else None,
        commit_id=commit_id,
        visibility=body.visibility,
    )
    try:
        with session.begin_nested():
            session.add(deployment)
            session.flush()
    except IntegrityError:
        raise Conflict(f"there is a deployment named {body.name!r} already") from None
    session.add(DeploymentCounter(deployment_id=deployment.id))
    session.flush()
    return deployment


def get(session: Session, actor: Actor | None, name: str) -> Deployment:
    """A deployment the actor may see; others' private ones are NotFound, like missing ones."""
    deployment = session.scalar(select(Deployment).where(Deployment.name == name))
    if deployment is None or not can_see(
        actor, owner_id=deployment.owner_id, visibility=deployment.visibility
    ):
        raise NotFound(f"deployment {name!r} not found")
    return deployment


def _visible(actor: Actor | None) -> ColumnElement[bool]:
    return visible(actor, Deployment.owner_id, Deployment.visibility)


def list_deployments(
    session: Session, actor: Actor | None, repo: str | None, limit: int, offset: int
) -> list[Deployment]:
    """Deployments the actor may see, by name; ``repo`` (``owner/name``) narrows them."""
    stmt = select(Deployment).where(_visible(actor))
    if repo is not None:
        try:
            found = repos.get_by_full_name(session, actor, repo)
        except NotFound:
            return []
        stmt = stmt.where(Deployment.repo_id == found.id)
    return list(session.scalars(stmt.order_by(Deployment.name).offset(offset).limit(limit)))


def current_commit(session: Session, deployment: Deployment) -> ModelCommit | None:
    """The commit that answers the deployment's calls now (None: its alias is not set)."""
    if deployment.commit_id is not None:
        return session.get_one(ModelCommit, deployment.commit_id)
    return session.scalar(
        select(ModelCommit)
        .join(ModelAlias, ModelAlias.commit_id == ModelCommit.id)
        .where(ModelAlias.repo_id == deployment.repo_id, ModelAlias.name == deployment.alias)
    )


def describe(
    session: Session, deployment: Deployment, pending: tuple[int, int] = (0, 0)
) -> DeploymentOut:
    """The wire form of a deployment, with its current commit and its counts: the stored ones
    plus ``pending`` (calls and failures the reading process has counted and not written)."""
    repo = session.get_one(ModelRepo, deployment.repo_id)
    commit = current_commit(session, deployment)
    counter = session.get(DeploymentCounter, deployment.id)
    calls, failures = pending
    return DeploymentOut(
        id=deployment.id,
        name=deployment.name,
        owner=deployment.owner.name,
        repo=repo.full_name,
        alias=deployment.alias,
        commit=commit.sha if commit else None,
        visibility=deployment.visibility,
        created_at=deployment.created_at,
        requests=(counter.requests if counter else 0) + calls,
        errors=(counter.errors if counter else 0) + failures,
    )


@dataclass(frozen=True)
class Target:
    """What answers one call, read in one query: the deployment, who may call it, and its
    current commit's id and sha (None: the alias is not set)."""

    deployment_id: int
    deployment: str
    repo: str
    alias: str | None
    commit_id: int | None
    commit_sha: str | None
    owner_id: int = 0
    visibility: str = "private"

    def visible_to(self, actor: Actor | None) -> bool:
        return can_see(actor, owner_id=self.owner_id, visibility=self.visibility)


def locate(session: Session, name: str) -> Target | None:
    """The deployment ``name`` and the commit that answers it now, in one query, whoever
    asks (the caller decides with :meth:`Target.visible_to`); None: no such deployment."""
    alias_commit = (
        select(ModelAlias.commit_id)
        .where(ModelAlias.repo_id == Deployment.repo_id, ModelAlias.name == Deployment.alias)
        .scalar_subquery()
    )
    repo_owner = aliased(User)
    row = session.execute(
        select(
            Deployment.id,
            Deployment.owner_id,
            Deployment.visibility,
            Deployment.alias,
            repo_owner.name,
            ModelRepo.name,
            ModelCommit.id,
            ModelCommit.sha,
        )
        .join(ModelRepo, ModelRepo.id == Deployment.repo_id)
        .join(repo_owner, repo_owner.id == ModelRepo.owner_id)
        .outerjoin(ModelCommit, ModelCommit.id == func.coalesce(Deployment.commit_id, alias_commit))
        .where(Deployment.name == name)
    ).one_or_none()
    if row is None:
        return None
    return Target(row[0], name, f"{row[4]}/{row[5]}", row[3], row[6], row[7], row[1], row[2])


def target(session: Session, actor: Actor | None, name: str) -> Target:
    """The deployment ``name`` and the commit that answers it now, in one query (it runs on
    every call the serving path has not looked up within the last second).

    Raises:
        NotFound: no such deployment, or a private one of someone else.
    """
    found = locate(session, name)
    if found is None or not found.visible_to(actor):
        raise NotFound(f"deployment {name!r} not found")
    return found


def flush_counts(session: Session, counts: dict[int, tuple[int, int]]) -> None:
    """Add counted calls to the deployments' counter rows (deleted deployments are skipped)."""
    now = utcnow()
    for deployment_id, (calls, failures) in sorted(counts.items()):
        session.execute(
            update(DeploymentCounter)
            .where(DeploymentCounter.deployment_id == deployment_id)
            .values(
                requests=DeploymentCounter.requests + calls,
                errors=DeploymentCounter.errors + failures,
                updated_at=now,
            )
        )


def alias_trail(session: Session, deployment: Deployment, limit: int) -> list[AliasEventOut]:
    """The latest moves of the alias a deployment follows, newest first (none when pinned)."""
    if deployment.alias is None:
        return []
    repo = session.get_one(ModelRepo, deployment.repo_id)
    try:
        return aliases.history(session, repo, deployment.alias, limit)
    except NotFound:  # the alias was never set: nothing has answered yet
        return []


def input_columns(session: Session, deployment: Deployment) -> list[str]:
    """The column names the current commit's card lists (for showing how to call it)."""
    commit = current_commit(session, deployment)
    schema = (commit.card.get("input_schema") or []) if commit is not None else []
    return [str(item.get("name")) for item in schema if isinstance(item, dict)]
