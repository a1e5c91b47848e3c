"""Reading activity: feeds per person, team and object, the inbox, and watches.

Events and notifications are written by :mod:`mlhive.server.services.activity`. Reading them
is filtered twice, both times by the one access rule:

1. in SQL, with :func:`mlhive.server.db.queries.access.visible` on the access the subject had
   when the event was written (``gate_owner_id``, ``visibility``) and the reader's grants, so
   a page is read from the index without scanning what the reader may not see; the reader's
   teams are read on every request, so a member removed from a team no longer passes;
2. then per subject as it is *now* (:func:`mlhive.server.services.activity.subject_of` and
   :meth:`Subject.visible_to`), so an object made private, moved or deleted since drops out
   of every feed and inbox on the next request.

Pages are keyset pages on the event (or notification) id, newest first: ``before`` is the
last id of the previous page. A page reads at most :data:`SCAN_BATCHES` batches; a page may
come back short when many events were hidden, with ``next_before`` still set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.queries.access import visible
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.forge import ModelRepo
from mlhive.server.db.tables.social import Event, Notification, Watch
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput, NotFound
from mlhive.server.services import accounts, activity, teams
from mlhive.server.services.social import objects
from mlhive.server.services.subjects import Subject
from mlhive.wire.activity import (
    EventOut,
    FeedPage,
    MarkedRead,
    MarkRead,
    NotificationOut,
    NotificationPage,
    WatchOut,
)

MAX_UNREAD = 1000
"""The unread count stops at this many."""
SCAN_BATCHES = 5
"""Batches of a page's size a feed reads at most while skipping hidden events."""

_Key = tuple[str, int]


class _Visibility:
    """Whether the reader sees each subject now, each subject looked up once per request."""

    def __init__(self, session: Session, actor: Actor | None) -> None:
        self.session, self.actor = session, actor
        self.seen: dict[_Key, Subject | None] = {}

    def prefetch(self, keys: Sequence[_Key]) -> None:
        """Look up the subjects of a batch at once (one query per kind)."""
        missing = [key for key in dict.fromkeys(keys) if key not in self.seen]
        if not missing:
            return
        found = activity.subjects_of(self.session, missing)
        for key in missing:
            subject = found.get(key)
            shown = subject is not None and activity.may_see(self.session, self.actor, subject)
            self.seen[key] = subject if shown else None

    def subject(self, kind: str, subject_id: int) -> Subject | None:
        key = (kind, subject_id)
        if key not in self.seen:
            subject = activity.subject_of(self.session, kind, subject_id)
            shown = subject is not None and activity.may_see(self.session, self.actor, subject)
            self.seen[key] = subject if shown else None
        return self.seen[key]


def visible_events(actor: Actor | None) -> ColumnElement[bool]:
    """Events whose subject ``actor`` could see when they were written (the SQL filter)."""
    seen = [visible(actor, Event.gate_owner_id, Event.visibility)]
    if actor is not None:
        for kind in ("dataset", "task", "model"):
            granted = actor.granted(kind)
            if granted:
                seen.append(and_(Event.subject_kind == kind, Event.subject_id.in_(granted)))
    return or_(*seen)


def _pages(session: Session, subjects: Sequence[tuple[str, int]]) -> dict[_Key, tuple[str, str]]:
    """How each subject is written and its page (one query for all the models)."""
    found: dict[_Key, tuple[str, str]] = {}
    model_ids = [i for kind, i in subjects if kind == "model"]
    names = (
        dict(
            session.execute(
                select(ModelRepo.id, User.name + "/" + ModelRepo.name)
                .join(User, User.id == ModelRepo.owner_id)
                .where(ModelRepo.id.in_(model_ids))
            ).all()
        )
        if model_ids
        else {}
    )
    team_ids = [i for kind, i in subjects if kind == activity.TEAM]
    team_names = (
        dict(session.execute(select(User.id, User.name).where(User.id.in_(team_ids))).all())
        if team_ids
        else {}
    )
    for kind, subject_id in subjects:
        if kind == "model":
            name = names.get(subject_id, str(subject_id))
            found[(kind, subject_id)] = (f"model:{name}", f"{objects.PAGES['model']}/{name}")
        elif kind == activity.TEAM:
            name = team_names.get(subject_id, str(subject_id))
            found[(kind, subject_id)] = (f"team:{name}", f"/teams/{name}")
        else:
            found[(kind, subject_id)] = (
                f"{kind}:{subject_id}",
                f"{objects.PAGES[kind]}/{subject_id}",
            )
    return found


def describe(session: Session, events: Sequence[Event]) -> list[EventOut]:
    """Events as a feed shows them."""
    pages = _pages(session, list(dict.fromkeys((e.subject_kind, e.subject_id) for e in events)))
    return [
        EventOut(
            id=e.id,
            at=e.at,
            actor=e.actor.name,
            verb=e.verb,
            summary=activity.VERBS.get(e.verb, e.verb),
            subject=pages[(e.subject_kind, e.subject_id)][0],
            subject_page=pages[(e.subject_kind, e.subject_id)][1],
            extra=dict(e.extra),
        )
        for e in events
    ]


def _keyset(
    session: Session,
    actor: Actor | None,
    stmt: Select[Any],
    id_column: Any,
    before: int | None,
    limit: int,
    event_of: Any,
) -> tuple[list[Any], int | None]:
    """Rows of ``stmt`` newest first below ``before`` whose events ``actor`` sees now."""
    seen = _Visibility(session, actor)
    kept: list[Any] = []
    cursor = before
    for _ in range(SCAN_BATCHES):
        page = stmt if cursor is None else stmt.where(id_column < cursor)
        batch = list(session.scalars(page.order_by(id_column.desc()).limit(limit)).unique())
        events = [event_of(row) for row in batch]
        seen.prefetch([(e.subject_kind, e.subject_id) for e in events])
        for row in batch:
            cursor = row.id
            event = event_of(row)
            if seen.subject(event.subject_kind, event.subject_id) is not None:
                kept.append(row)
                if len(kept) == limit:
                    return kept, row.id
        if len(batch) < limit:
            return kept, None
    return kept, cursor


def _feed(
    session: Session,
    actor: Actor | None,
    where: ColumnElement[bool],
    before: int | None,
    limit: int,
) -> FeedPage:
    stmt = select(Event).where(where, visible_events(actor))
    events, next_before = _keyset(session, actor, stmt, Event.id, before, limit, lambda e: e)
    return FeedPage(items=describe(session, events), next_before=next_before)


def person_feed(
    session: Session, actor: Actor | None, name: str, before: int | None = None, limit: int = 50
) -> FeedPage:
    """What ``name`` did, newest first, on objects ``actor`` may see."""
    user = accounts.get_user(session, name)
    if user.kind != "user":
        raise NotFound(f"user {name!r} not found (it is a team: /api/teams/{name}/activity)")
    return _feed(session, actor, Event.actor_id == user.id, before, limit)


def team_feed(
    session: Session, actor: Actor | None, name: str, before: int | None = None, limit: int = 50
) -> FeedPage:
    """What happened to the team's objects and its membership, newest first."""
    team = teams.get_team(session, name)
    return _feed(session, actor, Event.owner_id == team.id, before, limit)


def object_feed(
    session: Session,
    actor: Actor | None,
    subject: Subject,
    before: int | None = None,
    limit: int = 50,
) -> FeedPage:
    """What happened to one object (found for ``actor`` by the caller), newest first."""
    where = and_(Event.subject_kind == subject.kind, Event.subject_id == subject.id)
    return _feed(session, actor, where, before, limit)


# -- the inbox ------------------------------------------------------------------------------


def _mine(actor: Actor, unread_only: bool) -> Select[Any]:
    stmt = (
        select(Notification)
        .join(Event, Event.id == Notification.event_id)
        .where(Notification.recipient_id == actor.id, visible_events(actor))
    )
    return stmt.where(Notification.read_at.is_(None)) if unread_only else stmt


def unread_count(session: Session, actor: Actor) -> int:
    """The actor's unread notifications about objects they may see (the badge), counted up
    to :data:`MAX_UNREAD` (a count of ``MAX_UNREAD`` means "that many or more"), so that a
    neglected inbox costs no more than a full one."""
    capped = _mine(actor, True).with_only_columns(Notification.id).limit(MAX_UNREAD)
    count = session.scalar(select(func.count()).select_from(capped.subquery()))
    return int(count or 0)


def inbox(
    session: Session,
    actor: Actor,
    *,
    unread: bool = False,
    before: int | None = None,
    limit: int = 50,
) -> NotificationPage:
    """The actor's notifications newest first (``unread``: only those not read yet), about
    objects they may see now."""
    rows, next_before = _keyset(
        session, actor, _mine(actor, unread), Notification.id, before, limit, lambda n: n.event
    )
    described = describe(session, [n.event for n in rows])
    items = [
        NotificationOut(id=n.id, reason=n.reason, read_at=n.read_at, event=e)
        for n, e in zip(rows, described, strict=True)
    ]
    return NotificationPage(
        items=items, next_before=next_before, unread=unread_count(session, actor)
    )


def mark_read(session: Session, actor: Actor, body: MarkRead) -> MarkedRead:
    """Mark the actor's notifications ``ids`` (or ``all``) read; others' ids are ignored.

    Raises:
        InvalidInput: neither ``ids`` nor ``all``, or both.
    """
    if body.all == (body.ids is not None):
        raise InvalidInput('give either "ids": [notification ids] or "all": true', field="ids")
    stmt = update(Notification).where(
        Notification.recipient_id == actor.id, Notification.read_at.is_(None)
    )
    if body.ids is not None:
        stmt = stmt.where(Notification.id.in_(body.ids))
    result = session.execute(stmt.values(read_at=utcnow()))
    marked = int(result.rowcount)  # type: ignore[attr-defined]
    return MarkedRead(marked=marked, unread=unread_count(session, actor))


# -- watches --------------------------------------------------------------------------------


def _target(session: Session, actor: Actor, target: str) -> tuple[str, int]:
    """``target`` (``dataset:12``, ``person:bob``, ``team:lab``, ``model:alice/net``) as a
    watch key, for an object the actor may see.

    Raises:
        NotFound: no such person, team or object (or one the actor may not see).
    """
    kind, _, key = target.partition(":")
    if kind == "person":
        user = accounts.get_user(session, key)
        if user.kind != "user":
            raise NotFound(f"user {key!r} not found (it is a team: watch team:{key})")
        return kind, user.id
    if kind == activity.TEAM:
        return kind, teams.get_team(session, key).id
    subject = objects.find(
        session, actor, objects.kind_of(kind), key if kind == "model" else int(key)
    )
    return subject.kind, subject.id


def watch(session: Session, actor: Actor, target: str) -> tuple[WatchOut, bool]:
    """Watch ``target`` from now on; True when the watch is new."""
    kind, target_id = _target(session, actor, target)
    created = activity.watch(session, actor.id, kind, target_id)
    return _watch_out(session, session.get_one(Watch, (actor.id, kind, target_id))), created


def unwatch(session: Session, actor: Actor, target: str) -> None:
    """Stop watching ``target``.

    Raises:
        NotFound: the actor was not watching it.
    """
    kind, target_id = _target(session, actor, target)
    if not activity.unwatch(session, actor.id, kind, target_id):
        raise NotFound(f"you are not watching {target}")


def _watch_out(session: Session, row: Watch) -> WatchOut:
    if row.target_kind == "person":
        name = session.get_one(User, row.target_id).name
        return WatchOut(target=f"person:{name}", page=f"/people/{name}", since=row.created_at)
    ref, page = _pages(session, [(row.target_kind, row.target_id)])[
        (row.target_kind, row.target_id)
    ]
    return WatchOut(target=ref, page=page, since=row.created_at)


def watches(session: Session, actor: Actor) -> list[WatchOut]:
    """What the actor watches that they may still see, oldest first."""
    rows = session.scalars(
        select(Watch).where(Watch.user_id == actor.id).order_by(Watch.created_at, Watch.target_id)
    )
    seen = _Visibility(session, actor)
    return [
        _watch_out(session, row)
        for row in rows
        if row.target_kind == "person" or seen.subject(row.target_kind, row.target_id) is not None
    ]


def is_watching(session: Session, actor: Actor | None, kind: str, target_id: int) -> bool:
    """Whether the actor watches the target (for pages' watch buttons)."""
    if actor is None:
        return False
    return session.get(Watch, (actor.id, kind, target_id)) is not None
