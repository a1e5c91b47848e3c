"""Activity: what happened, by whom, to which object; and who is told about it.

Every capability that changes something people follow calls :func:`record` in the same
transaction as the change (so an event exists exactly when the change commits). ``record``
appends one row to ``events`` and fans it out at write time into ``notifications``:

- the subject's owner when it is a user (comments on their objects, merge requests on their
  models); the caller names other owners it means with ``owners`` (the task's owner for a run
  on it, the run's uploader for a reproduction, a call's author for a response to it);
- the users ``mentioned`` (``@name`` in a post);
- the watchers of the subject, of the actor (a person), and of the team that owns the subject.

Never the actor themself, and only recipients who may see the subject now (the one access
rule, :meth:`Subject.visible_to`); readers check it again when they read
(``services.social.feeds``), so a member who leaves a team stops seeing what they were told.
Each notification also queues a delivery to the recipient's active webhooks whose verb filter
matches (``services.social.webhooks``).

Creating an object watches it for its creator (``watch_own``, on by default for the
``*.created`` verbs), so that comments and new versions reach them.

This module sits below every capability (it knows objects only through ``subjects``), so the
datasets, experiments and forge services record their events without importing ``social``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.social import (
    Event,
    Notification,
    Watch,
    Webhook,
    WebhookDelivery,
)
from mlhive.server.domain.access import Actor
from mlhive.server.jobs import queue
from mlhive.server.services import accounts, subjects
from mlhive.server.services.subjects import Subject

DELIVER_JOB = "deliver_webhook"
"""The job that sends one event to one webhook (``services.social.jobs``)."""

VERBS: dict[str, str] = {
    "dataset.created": "published a dataset",
    "dataset.version": "published a new version of a dataset",
    "task.created": "created a task",
    "run.uploaded": "uploaded a run",
    "run.reproduced": "reproduced a run",
    "discussion.opened": "opened a discussion",
    "discussion.replied": "replied in a discussion",
    "discussion.mentioned": "mentioned you in an edited post",
    "model.created": "created a model repository",
    "model.pushed": "pushed a commit",
    "merge_request.opened": "opened a merge request",
    "merge_request.merged": "merged a merge request",
    "call.opened": "opened a call for help",
    "call.responded": "responded to a call",
    "call.accepted": "accepted a response to a call",
    "call.declined": "declined a response to a call",
    "call.revoked": "revoked an accepted response to a call",
    "call.closed": "closed a call",
    "team.joined": "joined a team",
    "team.left": "left a team",
    "team.removed": "removed a member from a team",
    "team.role": "changed a member's role in a team",
}
"""Every verb an event may carry, and how a feed says it. A new capability adds its verbs here
and calls :func:`record`."""

TEAM = "team"
"""The subject kind of a team's own events (membership); teams and their members are public."""

WATCH_KINDS: tuple[str, ...] = (*subjects.KINDS, "person", TEAM)
"""What can be watched: any object kind, a person, or a team."""

REASONS = ("mention", "owner", "watch")
"""Why a notification is in an inbox, the strongest first."""


def subject_of(session: Session, kind: str, subject_id: int) -> Subject | None:
    """The object an event is about as it is now (None: gone); a team is public."""
    if kind == TEAM:
        return Subject("flow", subject_id, subject_id, subject_id, "public")  # public, as flows
    kind_ = next((k for k in subjects.KINDS if k == kind), None)
    return None if kind_ is None else subjects.lookup(session, kind_, subject_id)


def subjects_of(
    session: Session, keys: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], Subject]:
    """:func:`subject_of` for many ``(kind, id)`` keys, one query per kind (gone ones absent)."""
    found: dict[tuple[str, int], Subject] = {}
    by_kind: dict[str, list[int]] = {}
    for kind, subject_id in keys:
        by_kind.setdefault(kind, []).append(subject_id)
    for kind, ids in by_kind.items():
        if kind == TEAM:
            found.update({(kind, i): s for i in ids if (s := subject_of(session, kind, i))})
            continue
        kind_ = next((k for k in subjects.KINDS if k == kind), None)
        if kind_ is not None:
            many = subjects.lookup_many(session, kind_, ids)
            found.update({(kind, i): s for i, s in many.items()})
    return found


def record(
    session: Session,
    actor_id: int,
    verb: str,
    kind: str,
    subject_id: int,
    *,
    extra: Mapping[str, Any] | None = None,
    owners: Iterable[int] | None = None,
    mentioned: Iterable[int] = (),
    watchers_of: Iterable[tuple[str, int]] = (),
    watch_own: bool | None = None,
) -> Event:
    """Append the event ``actor_id`` ``verb`` ``kind`` ``subject_id`` and notify who follows.

    ``extra`` is a small JSON object shown with the event (a title, a version number, a
    thread id); ``owners`` are the users told as owners (default: the subject's owner);
    ``mentioned`` are user ids named in the text; ``watchers_of`` names more watched targets
    whose watchers are told (the earlier versions of a dataset, the task of a run).

    Raises:
        ValueError: an unknown verb, or a subject that does not exist (a programming error).
    """
    if verb not in VERBS:
        raise ValueError(f"unknown activity verb {verb!r}: add it to services.activity.VERBS")
    subject = subject_of(session, kind, subject_id)
    if subject is None:
        raise ValueError(f"activity on a missing {kind} {subject_id}")
    event = Event(
        actor_id=actor_id,
        verb=verb,
        subject_kind=kind,
        subject_id=subject_id,
        owner_id=subject.owner_id,
        gate_owner_id=subject.gate_owner_id,
        visibility=subject.visibility,
        extra=dict(extra or {}),
    )
    session.add(event)
    session.flush()
    if watch_own if watch_own is not None else verb.endswith(".created"):
        watch(session, actor_id, kind, subject_id)
    targets = [(kind, subject_id), ("person", actor_id), (TEAM, subject.owner_id)]
    targets.extend(watchers_of)
    owner_ids = list(owners) if owners is not None else [subject.owner_id]
    _fan_out(session, event, subject, targets, owner_ids, list(mentioned))
    return event


def _fan_out(
    session: Session,
    event: Event,
    subject: Subject,
    targets: list[tuple[str, int]],
    owners: list[int],
    mentioned: list[int],
) -> None:
    reasons: dict[int, str] = {}
    for target_kind, target_id in dict.fromkeys(targets):
        rows = session.scalars(
            select(Watch.user_id).where(
                Watch.target_kind == target_kind, Watch.target_id == target_id
            )
        )
        reasons.update(dict.fromkeys(rows, "watch"))
    reasons.update(dict.fromkeys(owners, "owner"))
    reasons.update(dict.fromkeys(mentioned, "mention"))
    reasons.pop(event.actor_id, None)
    if not reasons:
        return
    users = session.scalars(
        select(User).where(User.id.in_(reasons), User.kind == "user").order_by(User.id)
    )
    for user in users:
        if not may_see(session, accounts.actor_of(session, user), subject):
            continue
        session.add(Notification(recipient_id=user.id, event_id=event.id, reason=reasons[user.id]))
        _queue_webhooks(session, user.id, event)
    session.flush()


def may_see(session: Session, actor: Actor | None, subject: Subject) -> bool:
    """Whether ``actor`` may see an event's subject (the one access rule)."""
    return subject.visible_to(actor)


def _queue_webhooks(session: Session, user_id: int, event: Event) -> None:
    hooks = session.scalars(select(Webhook).where(Webhook.owner_id == user_id, Webhook.active))
    for hook in hooks:
        if hook.verbs and event.verb not in hook.verbs:
            continue
        queue.enqueue(
            session,
            DELIVER_JOB,
            {"webhook_id": hook.id, "event_id": event.id, "attempt": 1},
            subject=f"webhook:{hook.id}",
            owner=user_id,
        )


def forget(session: Session, kind: str, subject_id: int) -> None:
    """Delete the events (with their notifications and deliveries) and the watches of an
    object being deleted, so that an object made later with the same id (SQLite may reuse
    the highest id) inherits none of them."""
    events = select(Event.id).where(Event.subject_kind == kind, Event.subject_id == subject_id)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(events)))
    session.execute(delete(Notification).where(Notification.event_id.in_(events)))
    session.execute(delete(Event).where(Event.subject_kind == kind, Event.subject_id == subject_id))
    session.execute(delete(Watch).where(Watch.target_kind == kind, Watch.target_id == subject_id))


def restamp(session: Session, kind: str, subject_id: int) -> int:
    """Copy an object's access as it is now onto its events (call it when the object's
    visibility or owner changes), so that the SQL filter of feeds and of the unread count
    agrees with the per-object check at once; returns how many events were changed."""
    subject = subject_of(session, kind, subject_id)
    if subject is None:
        return 0
    result = session.execute(
        update(Event)
        .where(Event.subject_kind == kind, Event.subject_id == subject_id)
        .values(
            owner_id=subject.owner_id,
            gate_owner_id=subject.gate_owner_id,
            visibility=subject.visibility,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def watch(session: Session, user_id: int, target_kind: str, target_id: int) -> bool:
    """``user_id`` watches the target from now on; False when they already did."""
    key = (user_id, target_kind, target_id)
    if session.get(Watch, key) is not None:
        return False
    session.add(Watch(user_id=user_id, target_kind=target_kind, target_id=target_id))
    session.flush()
    return True


def unwatch(session: Session, user_id: int, target_kind: str, target_id: int) -> bool:
    """Stop watching; False when the user was not watching."""
    result = session.execute(
        delete(Watch).where(
            Watch.user_id == user_id,
            Watch.target_kind == target_kind,
            Watch.target_id == target_id,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
