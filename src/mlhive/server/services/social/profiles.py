"""Profiles: a person's (or a team's) bio, affiliation and interests, and what they
contributed, computed from their work and counted only over what the reader may see.

A person edits their own profile; a team's is edited by its ``admin`` members (and
administrators edit any). Interests are normalised free tags stored one a row in
``user_interests`` (indexed by tag), so that "who is interested in X" is a lookup:
:func:`interested_in`.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mlhive.server.db.queries.datasets import visible_to as visible_datasets
from mlhive.server.db.tables.accounts import User, UserInterest
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Reproduction, Run, Task
from mlhive.server.db.tables.forge import MergeRequest, ModelRepo
from mlhive.server.db.tables.social import DiscussionPost, OpenCall, OpenCallResponse
from mlhive.server.domain.access import Actor, can_manage
from mlhive.server.domain.errors import NotFound, PermissionDenied
from mlhive.server.domain.social import tags
from mlhive.server.services import accounts
from mlhive.server.services.experiments.runs import visible_runs
from mlhive.server.services.experiments.tasks import visible_tasks
from mlhive.server.services.forge.repos import visible_repos
from mlhive.server.services.social import calls, discussions
from mlhive.wire.profiles import MAX_INTERESTS, Contributions, PersonProfile, ProfileUpdate


def interests_of(session: Session, user_id: int) -> list[str]:
    """An account's interests, alphabetically."""
    return list(
        session.scalars(
            select(UserInterest.tag)
            .where(UserInterest.user_id == user_id)
            .order_by(UserInterest.tag)
        )
    )


def interested_in(session: Session, tag: str) -> list[int]:
    """The ids of the accounts with ``tag`` (any spelling of it) among their interests."""
    normal = tags.normalise(tag, "interest")
    return list(session.scalars(select(UserInterest.user_id).where(UserInterest.tag == normal)))


def count_reproductions(session: Session, viewer: Actor | None, user_id: int) -> int:
    """Reproductions ``user_id`` made of other people's runs that came to an outcome
    (reproduced or differs; failed attempts prove nothing), counted over runs ``viewer`` sees."""
    return _count(
        session,
        select(func.count())
        .select_from(Reproduction)
        .join(Run, Run.id == Reproduction.run_id)
        .where(
            Reproduction.requested_by == user_id,
            Reproduction.state.in_(("reproduced", "differs")),
            Run.uploader_id != user_id,
            visible_runs(viewer),
        ),
    )


def _count(session: Session, stmt: object) -> int:
    return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]


def _discussion_posts(session: Session, viewer: Actor | None, user_id: int) -> int:
    """Posts in threads whose object the viewer may see (each thread checked once)."""
    per_thread = session.execute(
        select(DiscussionPost.thread_id, func.count())
        .where(DiscussionPost.author_id == user_id)
        .group_by(DiscussionPost.thread_id)
    )
    total = 0
    for thread_id, posts in per_thread:
        try:
            discussions.get_thread(session, viewer, thread_id)
        except NotFound:
            continue
        total += int(posts)
    return total


def contributions(session: Session, viewer: Actor | None, user_id: int) -> Contributions:
    """What ``user_id`` contributed, counted over what ``viewer`` may see."""
    count = func.count()
    return Contributions(
        datasets=_count(
            session,
            select(count).where(Dataset.uploader_id == user_id, visible_datasets(viewer)),
        ),
        tasks=_count(
            session,
            select(count)
            .select_from(Task)
            .join(Dataset, Dataset.id == Task.dataset_id)
            .where(Task.uploader_id == user_id, visible_tasks(viewer)),
        ),
        runs=_count(session, select(count).where(Run.uploader_id == user_id, visible_runs(viewer))),
        models=_count(
            session, select(count).where(ModelRepo.owner_id == user_id, visible_repos(viewer))
        ),
        merged_merge_requests=_count(
            session,
            select(count)
            .select_from(MergeRequest)
            .join(ModelRepo, ModelRepo.id == MergeRequest.repo_id)
            .where(
                MergeRequest.author_id == user_id,
                MergeRequest.state == "merged",
                visible_repos(viewer),
            ),
        ),
        call_responses=_count(
            session,
            select(count)
            .select_from(OpenCallResponse)
            .join(OpenCall, OpenCall.id == OpenCallResponse.call_id)
            .where(OpenCallResponse.user_id == user_id, calls.visible_calls(viewer)),
        ),
        discussion_posts=_discussion_posts(session, viewer, user_id),
        reproductions=count_reproductions(session, viewer, user_id),
    )


def profile(session: Session, viewer: Actor | None, name: str) -> PersonProfile:
    """An account's profile as ``viewer`` sees it.

    Raises:
        NotFound: no account of that name.
    """
    user = accounts.get_user(session, name)
    return PersonProfile(
        name=user.name,
        kind="team" if user.kind == "team" else "user",
        created_at=user.created_at,
        bio=user.bio,
        affiliation=user.affiliation,
        interests=interests_of(session, user.id),
        contributions=contributions(session, viewer, user.id),
        is_admin=user.is_admin if accounts.sees_role(viewer, user) else None,
    )


def may_edit(actor: Actor | None, user: User) -> bool:
    """Whether ``actor`` edits ``user``'s profile: the person, a team's admins, administrators."""
    return can_manage(actor, user.id)


def update(session: Session, actor: Actor, name: str, patch: ProfileUpdate) -> PersonProfile:
    """Change the fields ``patch`` gives; ``interests`` replaces the list.

    Raises:
        NotFound: no such account; PermissionDenied: not the person (a team's admin for a
        team, or an administrator); InvalidInput: an interest is not a tag.
    """
    user = accounts.get_user(session, name)
    if not may_edit(actor, user):
        raise PermissionDenied(
            f"only {name} (a team admin for a team) or an administrator may edit this profile"
        )
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("bio") is not None:
        user.bio = changes["bio"]
    if changes.get("affiliation") is not None:
        user.affiliation = changes["affiliation"].strip()
    if changes.get("interests") is not None:
        interests = tags.normalise_all(changes["interests"], "interests", MAX_INTERESTS)
        session.execute(delete(UserInterest).where(UserInterest.user_id == user.id))
        session.add_all(UserInterest(user_id=user.id, tag=tag) for tag in interests)
    session.flush()
    return profile(session, actor, name)
