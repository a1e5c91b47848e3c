"""Model repositories: create, read, list, edit, fork; branches and tags; resolving refs.

Visibility works as for datasets: a private repository is NotFound for everyone but its owner
and admins. Owners may move every branch; anyone with a key may push to branches named after
themselves (``<user>/...``) and open merge requests from them.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.queries.access import visible
from mlhive.server.db.queries.text import contains
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.forge import ModelCommit, ModelRef, ModelRepo
from mlhive.server.domain.access import (
    Actor,
    can_see,
    can_write,
    require_manager,
    require_owner,
)
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mlhive.server.services import accounts, activity
from mlhive.server.services.experiments import tasks
from mlhive.wire.models import MergeRule, RefOut, RepoCreate, RepoOut, RepoUpdate

MIN_PREFIX = 7


def split_name(full_name: str, field: str = "repo") -> tuple[str, str]:
    """``owner/name`` as its two parts.

    Raises:
        InvalidInput: anything without exactly one slash.
    """
    owner, slash, name = full_name.partition("/")
    if not slash or not owner or not name or "/" in name:
        raise InvalidInput(f"{field}: {full_name!r} is not owner/name", field=field)
    return owner, name


def get_repo(session: Session, actor: Actor | None, owner: str, name: str) -> ModelRepo:
    """A repository the actor may see; others' private ones are NotFound, like missing ones."""
    repo = session.scalar(
        select(ModelRepo)
        .join(User, User.id == ModelRepo.owner_id)
        .where(User.name == owner, ModelRepo.name == name)
    )
    if repo is None or not can_see(
        actor, owner_id=repo.owner_id, visibility=repo.visibility, subject=("model", repo.id)
    ):
        raise NotFound(f"model repository {owner}/{name} not found")
    return repo


def get_by_full_name(session: Session, actor: Actor | None, full_name: str) -> ModelRepo:
    """:func:`get_repo` for ``owner/name``."""
    return get_repo(session, actor, *split_name(full_name))


def _check_tasks(session: Session, actor: Actor, task_ids: list[int]) -> list[int]:
    for task_id in task_ids:
        try:
            tasks.get(session, actor, task_id)
        except NotFound:
            raise InvalidInput(f"task_ids: task {task_id} not found", field="task_ids") from None
    return list(dict.fromkeys(task_ids))


def create_repo(session: Session, actor: Actor, body: RepoCreate) -> ModelRepo:
    """Create an empty repository owned by the actor.

    Raises:
        Conflict: the actor already has a repository of that name.
        InvalidInput: a linked task the actor cannot see.
    """
    repo = ModelRepo(
        owner_id=accounts.owner_for(session, actor, body.owner),
        name=body.name,
        description=body.description,
        visibility=body.visibility,
        task_ids=_check_tasks(session, actor, body.task_ids),
        rules=[r.model_dump() for r in body.rules],
    )
    try:
        with session.begin_nested():
            session.add(repo)
            session.flush()
    except IntegrityError:
        owner = session.get_one(User, repo.owner_id).name
        raise Conflict(f"{owner} already has a model repository named {body.name!r}") from None
    activity.record(
        session, actor.id, "model.created", "model", repo.id, extra={"name": repo.full_name}
    )
    return repo


def update_repo(session: Session, actor: Actor, repo: ModelRepo, patch: RepoUpdate) -> ModelRepo:
    """Edit description, visibility, linked tasks or merge rules (owner or admin; for a team's
    repository its writers, and only its admins change the visibility)."""
    require_owner(actor, repo.owner_id, f"model repository {repo.full_name}", ("model", repo.id))
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("visibility") not in (None, repo.visibility):
        require_manager(actor, repo.owner_id, f"model repository {repo.full_name}")
    if changes.get("task_ids") is not None:
        repo.task_ids = _check_tasks(session, actor, changes["task_ids"])
    if patch.rules is not None:
        repo.rules = [r.model_dump() for r in patch.rules]
    for key in ("description", "visibility"):
        if changes.get(key) is not None:
            setattr(repo, key, changes[key])
    session.flush()
    if changes.get("visibility") is not None:
        activity.restamp(session, "model", repo.id)
    return repo


def visible_repos(actor: Actor | None) -> ColumnElement[bool]:
    """Repositories the actor may see, as SQL: public ones, their own, or all for an admin."""
    return visible(actor, ModelRepo.owner_id, ModelRepo.visibility, ("model", ModelRepo.id))


def list_repos(
    session: Session,
    actor: Actor | None,
    owner: str | None,
    limit: int,
    offset: int,
    text: str | None = None,
) -> list[ModelRepo]:
    """Repositories the actor may see, by id; ``text``: in the name or the description."""
    stmt = select(ModelRepo).join(User, User.id == ModelRepo.owner_id).where(visible_repos(actor))
    if owner is not None:
        stmt = stmt.where(User.name == owner)
    if text:
        stmt = stmt.where(
            or_(contains(ModelRepo.name, text), contains(ModelRepo.description, text))
        )
    return list(session.scalars(stmt.order_by(ModelRepo.id).offset(offset).limit(limit)))


def list_refs(session: Session, repo: ModelRepo) -> list[RefOut]:
    """Branches and tags with the commit each points at."""
    stmt = (
        select(ModelRef.name, ModelRef.kind, ModelCommit.sha)
        .join(ModelCommit, ModelCommit.id == ModelRef.commit_id)
        .where(ModelRef.repo_id == repo.id)
        .order_by(ModelRef.kind, ModelRef.name)
    )
    return [RefOut(name=n, kind=k, commit=sha) for n, k, sha in session.execute(stmt)]


def describe_repo(session: Session, repo: ModelRepo) -> RepoOut:
    """The wire description of a repository, with its refs."""
    forked = session.get(ModelRepo, repo.forked_from_id) if repo.forked_from_id else None
    return RepoOut(
        id=repo.id,
        owner=repo.owner.name,
        name=repo.name,
        full_name=repo.full_name,
        description=repo.description,
        visibility=repo.visibility,
        task_ids=list(repo.task_ids),
        rules=[MergeRule.model_validate(r) for r in repo.rules],
        default_branch=repo.default_branch,
        forked_from=forked.full_name if forked else None,
        created_at=repo.created_at,
        refs=list_refs(session, repo),
    )


def find_ref(session: Session, repo: ModelRepo, kind: str, name: str) -> ModelRef | None:
    """A branch or tag row, if it exists."""
    return session.get(ModelRef, (repo.id, kind, name))


def resolve(session: Session, repo: ModelRepo, ref: str) -> ModelCommit:
    """The commit a branch, tag or commit id (or unique prefix of ≥ 7 hex digits) names.

    Raises:
        NotFound: no such ref; InvalidInput: an ambiguous prefix.
    """
    for kind in ("branch", "tag"):
        row = find_ref(session, repo, kind, ref)
        if row is not None:
            return session.get_one(ModelCommit, row.commit_id)
    lowered = ref.lower()
    if len(lowered) >= MIN_PREFIX and all(c in "0123456789abcdef" for c in lowered):
        found = list(
            session.scalars(
                select(ModelCommit)
                .where(ModelCommit.repo_id == repo.id, ModelCommit.sha.startswith(lowered))
                .limit(2)
            )
        )
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise InvalidInput(f"ref: {ref!r} matches several commits; give more digits")
    raise NotFound(f"{repo.full_name} has no branch, tag or commit {ref!r}")


def may_push(actor: Actor, repo: ModelRepo, branch: str) -> bool:
    """Owners and admins push anywhere; others only to branches under their own name."""
    return can_write(actor, repo.owner_id, ("model", repo.id)) or branch.startswith(
        f"{actor.name}/"
    )


def require_push(actor: Actor, repo: ModelRepo, branch: str) -> None:
    """Raise PermissionDenied unless :func:`may_push`."""
    if not may_push(actor, repo, branch):
        raise PermissionDenied(
            f"only the owner of {repo.full_name} may push to {branch!r}; push to a branch named "
            f"'{actor.name}/...' or to a fork, and open a merge request"
        )


def move_branch(session: Session, repo: ModelRepo, branch: str, commit: ModelCommit) -> None:
    """Point a branch at a commit (creating it)."""
    row = find_ref(session, repo, "branch", branch)
    if row is None:
        session.add(ModelRef(repo_id=repo.id, kind="branch", name=branch, commit_id=commit.id))
    else:
        row.commit_id, row.updated_at = commit.id, utcnow()
    session.flush()


def create_ref(
    session: Session, actor: Actor, repo: ModelRepo, kind: str, name: str, ref: str
) -> RefOut:
    """Create a branch or tag at ``ref``; tags never move once made.

    Raises:
        Conflict: the tag (or branch) exists already.
    """
    if kind == "tag":
        require_owner(
            actor, repo.owner_id, f"model repository {repo.full_name}", ("model", repo.id)
        )
    else:
        require_push(actor, repo, name)
    commit = resolve(session, repo, ref)
    if find_ref(session, repo, kind, name) is not None:
        raise Conflict(f"{repo.full_name} already has a {kind} {name!r}")
    session.add(ModelRef(repo_id=repo.id, kind=kind, name=name, commit_id=commit.id))
    session.flush()
    return RefOut(name=name, kind=kind, commit=commit.sha)


def delete_branch(session: Session, actor: Actor, repo: ModelRepo, name: str) -> None:
    """Delete a branch (not the default one); its commits stay reachable by id."""
    require_push(actor, repo, name)
    if name == repo.default_branch:
        raise Conflict(f"{name!r} is the default branch of {repo.full_name}")
    row = find_ref(session, repo, "branch", name)
    if row is None:
        raise NotFound(f"{repo.full_name} has no branch {name!r}")
    session.delete(row)
    session.flush()


def fork(
    session: Session, actor: Actor, source: ModelRepo, name: str | None, visibility: str | None
) -> ModelRepo:
    """A copy of a repository owned by the actor: same commits (their content stored once),
    same branches and tags, and ``forked_from`` recording where it came from."""
    repo = create_repo(
        session,
        actor,
        RepoCreate(
            name=name or source.name,
            description=source.description,
            visibility=visibility or source.visibility,
            task_ids=[],
            rules=[MergeRule.model_validate(r) for r in source.rules],
        ),
    )
    repo.task_ids, repo.forked_from_id = list(source.task_ids), source.id
    copies: dict[int, int] = {}
    skip = {"id", "repo_id"}
    for commit in session.scalars(
        select(ModelCommit).where(ModelCommit.repo_id == source.id).order_by(ModelCommit.id)
    ):
        values = {c.key: getattr(commit, c.key) for c in ModelCommit.__table__.columns}
        copy = ModelCommit(repo_id=repo.id, **{k: v for k, v in values.items() if k not in skip})
        session.add(copy)
        session.flush()
        copies[commit.id] = copy.id
    for ref in session.scalars(select(ModelRef).where(ModelRef.repo_id == source.id)):
        session.add(
            ModelRef(repo_id=repo.id, kind=ref.kind, name=ref.name, commit_id=copies[ref.commit_id])
        )
    session.flush()
    return repo


def commit_count(session: Session, repo: ModelRepo) -> int:
    """How many commits a repository holds."""
    return int(session.scalar(select(func.count()).where(ModelCommit.repo_id == repo.id)) or 0)
