"""Aliases of a repository's commits: list, move (promote), roll back, and their audit trail.

Only the repository's owner (or an administrator) moves an alias. Every move is an
:class:`AliasEvent` row written in the same transaction as the move: who, when, from which
commit to which, and the model checks the new commit passed (a failing check refuses the move).
Rolling back undoes the latest promotion not undone yet, so repeated rollbacks walk back
through the history.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.forge import ModelCommit, ModelRepo
from mlhive.server.db.tables.serving import AliasEvent, ModelAlias
from mlhive.server.domain.access import Actor, require_owner
from mlhive.server.domain.errors import Conflict, NotFound
from mlhive.server.domain.serving.aliases import check_alias
from mlhive.server.services.forge import repos
from mlhive.server.services.serving import checks
from mlhive.server.storage import BlobStore
from mlhive.wire.serving import AliasEventOut, AliasOut, CheckResult


def list_aliases(session: Session, repo: ModelRepo) -> list[AliasOut]:
    """A repository's aliases and the commit each points at, by name."""
    stmt = (
        select(ModelAlias.name, ModelCommit.sha, ModelAlias.updated_at)
        .join(ModelCommit, ModelCommit.id == ModelAlias.commit_id)
        .where(ModelAlias.repo_id == repo.id)
        .order_by(ModelAlias.name)
    )
    return [AliasOut(name=n, commit=sha, updated_at=at) for n, sha, at in session.execute(stmt)]


def find(session: Session, repo: ModelRepo, alias: str) -> ModelAlias | None:
    """An alias row, if the alias is set."""
    return session.get(ModelAlias, (repo.id, check_alias(alias)))


def _move(
    session: Session,
    store: BlobStore,
    actor: Actor,
    repo: ModelRepo,
    alias: str,
    target: ModelCommit,
    action: str,
    results: list[CheckResult] | None = None,
) -> AliasEventOut:
    """Run the checks (unless given), point the alias at ``target`` and audit the move."""
    if results is None:
        results = checks.run(session, store, repo, target)
    checks.require_passed(target, results)
    row = session.get(ModelAlias, (repo.id, alias))
    before = row.commit_id if row is not None else None
    if row is None:
        session.add(ModelAlias(repo_id=repo.id, name=alias, commit_id=target.id))
    else:
        row.commit_id, row.updated_at = target.id, utcnow()
    event = AliasEvent(
        repo_id=repo.id,
        alias=alias,
        action=action,
        actor_id=actor.id,
        from_commit_id=before,
        to_commit_id=target.id,
        checks=[r.model_dump() for r in results],
    )
    session.add(event)
    session.flush()
    return describe_event(session, event)


def promote(
    session: Session, store: BlobStore, actor: Actor, repo: ModelRepo, alias: str, ref: str
) -> AliasEventOut:
    """Point ``alias`` at the commit ``ref`` names (a branch, tag or commit id).

    Raises:
        InvalidInput: an invalid alias name.
        PermissionDenied: the actor does not own the repository.
        NotFound: no such ref.
        Conflict: the commit failed a required model check.
    """
    name = check_alias(alias)
    require_owner(actor, repo.owner_id, f"model repository {repo.full_name}")
    return _move(session, store, actor, repo, name, repos.resolve(session, repo, ref), "promote")


def promote_checked(
    session: Session,
    actor: Actor,
    repo: ModelRepo,
    alias: str,
    target: ModelCommit,
    results: list[CheckResult],
) -> AliasEventOut:
    """Point ``alias`` at ``target`` given the required checks' results, which the caller has
    just computed (the checks' own job, as it records them).

    Raises:
        PermissionDenied: the actor does not own the repository.
        Conflict: the commit failed a required model check.
    """
    name = check_alias(alias)
    require_owner(actor, repo.owner_id, f"model repository {repo.full_name}")
    return _move(session, None, actor, repo, name, target, "promote", results)  # type: ignore[arg-type]


def rollback(
    session: Session, store: BlobStore, actor: Actor, repo: ModelRepo, alias: str
) -> AliasEventOut:
    """Move ``alias`` back to where it pointed before its latest promotion not undone yet.

    Raises:
        NotFound: the alias is not set.
        Conflict: the alias has no earlier commit to go back to.
    """
    name = check_alias(alias)
    require_owner(actor, repo.owner_id, f"model repository {repo.full_name}")
    if session.get(ModelAlias, (repo.id, name)) is None:
        raise NotFound(f"{repo.full_name} has no alias @{name}")
    target_id = _previous(session, repo, name)
    if target_id is None:
        raise Conflict(f"@{name} of {repo.full_name} has no earlier commit to roll back to")
    target = session.get_one(ModelCommit, target_id)
    return _move(session, store, actor, repo, name, target, "rollback")


def _previous(session: Session, repo: ModelRepo, alias: str) -> int | None:
    """The commit before the latest promotion that no rollback has undone yet."""
    undone = 0
    for event in session.scalars(_events(repo, alias)):
        if event.action == "rollback":
            undone += 1
        elif undone:
            undone -= 1
        else:
            return event.from_commit_id
    return None


def _events(repo: ModelRepo, alias: str) -> Select[AliasEvent]:
    return (
        select(AliasEvent)
        .where(AliasEvent.repo_id == repo.id, AliasEvent.alias == alias)
        .order_by(AliasEvent.id.desc())
    )


def history(session: Session, repo: ModelRepo, alias: str, limit: int) -> list[AliasEventOut]:
    """An alias's audit trail, newest first.

    Raises:
        NotFound: the alias was never set.
    """
    name = check_alias(alias)
    events = list(session.scalars(_events(repo, name).limit(limit)))
    if not events and session.get(ModelAlias, (repo.id, name)) is None:
        raise NotFound(f"{repo.full_name} has no alias @{name}")
    return [describe_event(session, e) for e in events]


def describe_event(session: Session, event: AliasEvent) -> AliasEventOut:
    """The wire form of an audit event."""
    before, after = aliased(ModelCommit), aliased(ModelCommit)
    shas = session.execute(
        select(before.sha, after.sha)
        .select_from(after)
        .outerjoin(before, before.id == event.from_commit_id)
        .where(after.id == event.to_commit_id)
    ).one()
    return AliasEventOut(
        id=event.id,
        alias=event.alias,
        action=event.action,
        actor=event.actor.name,
        from_commit=shas[0],
        to_commit=shas[1],
        checks=[CheckResult.model_validate(c) for c in event.checks],
        created_at=event.created_at,
    )
