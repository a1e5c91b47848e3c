"""Discussions: threads on any object, with replies, edits kept as history, moderation.

A thread is as visible as the object it hangs on: every read and write first finds that
object for the caller (:func:`mlhive.server.services.social.objects.find`), so a thread on a
private dataset is "not found" to whoever cannot see the dataset. Anyone with a key who can
see the object may open a thread or reply; a post is edited by its author; the object's owner
(or an administrator) closes, reopens, pins and locks; a thread's author may close and reopen
their own. A locked thread takes no new replies and no edits.

Mentions (``@name`` of an existing user) and references (``dataset:12``) are stored for each
post's current body, so that notifications can be built on them; whether a mentioned user may
see the thread is for the notifier to check, with the same visibility rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.forge import MergeRequest
from mlhive.server.db.tables.social import (
    DiscussionMention,
    DiscussionPost,
    DiscussionPostEdit,
    DiscussionReference,
    DiscussionThread,
)
from mlhive.server.domain.access import Actor, can_write, require_owner
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound
from mlhive.server.domain.social import text
from mlhive.server.services import activity, subjects
from mlhive.server.services.social import objects
from mlhive.server.services.subjects import Subject
from mlhive.wire.discussions import (
    PostOut,
    PostVersion,
    ReferenceOut,
    ReplyCreate,
    ThreadAction,
    ThreadCreate,
    ThreadOut,
    ThreadSummary,
)

REVIEW_KIND = "model_mr"
"""The subject kind of a merge request's review thread (see ``social.reviews``)."""


def _subject_of(session: Session, actor: Actor | None, thread: DiscussionThread) -> Subject:
    try:
        if thread.subject_kind == REVIEW_KIND:  # a merge request's review: as its repository
            repo_id = session.scalar(
                select(MergeRequest.repo_id).where(MergeRequest.id == thread.subject_id)
            )
            return subjects.find(session, actor, "model", repo_id or 0)
        return subjects.find(
            session, actor, objects.kind_of(thread.subject_kind), thread.subject_id
        )
    except NotFound:
        raise NotFound(f"discussion {thread.id} not found") from None


def get_thread(
    session: Session, actor: Actor | None, thread_id: int
) -> tuple[DiscussionThread, Subject]:
    """A thread and its object, for those who may see the object.

    Raises:
        NotFound: no such thread, or one on an object the actor may not see.
    """
    thread = session.get(DiscussionThread, thread_id)
    if thread is None:
        raise NotFound(f"discussion {thread_id} not found")
    return thread, _subject_of(session, actor, thread)


# -- writing --------------------------------------------------------------------------------


def _index(session: Session, post: DiscussionPost) -> list[int]:
    """Store the mentions and references of the post's current body (replacing old ones);
    returns the ids of the users it mentions that the earlier body did not."""
    before = set(
        session.scalars(
            select(DiscussionMention.user_id).where(DiscussionMention.post_id == post.id)
        )
    )
    session.execute(delete(DiscussionMention).where(DiscussionMention.post_id == post.id))
    session.execute(delete(DiscussionReference).where(DiscussionReference.post_id == post.id))
    names = text.mentions(post.body)
    mentioned: list[int] = []
    if names:
        for user_id in session.scalars(
            select(User.id).where(User.name.in_(names)).order_by(User.id)
        ):
            session.add(DiscussionMention(post_id=post.id, user_id=user_id))
            mentioned.append(user_id)
    for reference in text.references(post.body):
        session.add(DiscussionReference(post_id=post.id, target=reference.ref[:256]))
    session.flush()
    return [user_id for user_id in mentioned if user_id not in before]


def add_post(
    session: Session,
    actor: Actor,
    thread: DiscussionThread,
    body: str,
    reply_to: int | None,
    anchor: str | None = None,
) -> DiscussionPost:
    """Add a post to a thread the caller found for the actor (refused while it is locked)."""
    _require_unlocked(thread, "new replies")
    post = DiscussionPost(
        thread_id=thread.id, author_id=actor.id, body=body, reply_to_id=reply_to, anchor=anchor
    )
    session.add(post)
    session.flush()
    thread.last_post_at = post.created_at
    mentioned = _index(session, post)
    _record_post(session, actor, thread, post, mentioned)
    return post


def _record_post(
    session: Session,
    actor: Actor,
    thread: DiscussionThread,
    post: DiscussionPost,
    mentioned: list[int],
    *,
    edited: bool = False,
) -> None:
    """The post's event on the object discussed (a review thread's: its repository), told to
    the object's owner, the users mentioned and the thread's author and watchers."""
    first = not _has_earlier(session, thread, post)
    if thread.subject_kind == REVIEW_KIND:
        request = session.get_one(MergeRequest, thread.subject_id)
        kind, subject_id = "model", request.repo_id
        owners = [request.author_id]
    else:
        kind, subject_id, owners = thread.subject_kind, thread.subject_id, []
    subject = activity.subject_of(session, kind, subject_id)
    owners += [subject.owner_id] if subject is not None else []
    if edited:
        verb, owners = "discussion.mentioned", []  # an edit tells only whom it newly names
    else:
        verb = "discussion.opened" if first else "discussion.replied"
        owners.append(thread.author_id)
    activity.record(
        session,
        actor.id,
        verb,
        kind,
        subject_id,
        extra={"thread_id": thread.id, "post_id": post.id, "title": thread.title},
        owners=owners,
        mentioned=mentioned,
        watch_own=False,
    )


def _has_earlier(session: Session, thread: DiscussionThread, post: DiscussionPost) -> bool:
    earlier = session.scalar(
        select(DiscussionPost.id)
        .where(DiscussionPost.thread_id == thread.id, DiscussionPost.id < post.id)
        .limit(1)
    )
    return earlier is not None


def open_thread(
    session: Session, actor: Actor, subject: Subject, body: ThreadCreate
) -> DiscussionThread:
    """Open a thread on an object the actor may see (found by the caller), with its first post."""
    thread = DiscussionThread(
        subject_kind=subject.kind,
        subject_id=subject.id,
        author_id=actor.id,
        title=body.title.strip(),
    )
    session.add(thread)
    session.flush()
    add_post(session, actor, thread, body.body, None)
    return thread


def _require_unlocked(thread: DiscussionThread, doing: str) -> None:
    if thread.locked:
        raise Conflict(
            f"discussion {thread.id} is locked: it takes no {doing}; "
            "the owner of the object it is about can unlock it"
        )


def reply(
    session: Session, actor: Actor, thread_id: int, body: ReplyCreate
) -> tuple[DiscussionThread, DiscussionPost]:
    """Reply in a thread (anyone with a key who may see its object).

    Raises:
        NotFound: as :func:`get_thread`; Conflict: the thread is locked;
        InvalidInput: ``reply_to`` is not a post of this thread.
    """
    thread, _ = get_thread(session, actor, thread_id)
    _require_unlocked(thread, "new replies")
    if body.reply_to is not None:
        parent = session.get(DiscussionPost, body.reply_to)
        if parent is None or parent.thread_id != thread.id:
            raise InvalidInput(
                f"reply_to: post {body.reply_to} is not in discussion {thread.id}",
                field="reply_to",
            )
    return thread, add_post(session, actor, thread, body.body, body.reply_to)


def _post_of(session: Session, thread: DiscussionThread, post_id: int) -> DiscussionPost:
    post = session.get(DiscussionPost, post_id)
    if post is None or post.thread_id != thread.id:
        raise NotFound(f"discussion {thread.id} has no post {post_id}")
    return post


def edit_post(
    session: Session, actor: Actor, thread_id: int, post_id: int, new_body: str
) -> tuple[DiscussionThread, DiscussionPost]:
    """Replace a post's body (its author, or an administrator); the old body is kept.

    Raises:
        NotFound: no such thread or post; PermissionDenied: not the author;
        Conflict: the thread is locked.
    """
    thread, _ = get_thread(session, actor, thread_id)
    post = _post_of(session, thread, post_id)
    require_owner(actor, post.author_id, f"post {post.id}")
    _require_unlocked(thread, "edits")
    if new_body == post.body:
        return thread, post  # nothing changed: no empty version in the history
    now = utcnow()  # one instant: the old version ends when the new one begins
    session.add(
        DiscussionPostEdit(
            post_id=post.id,
            editor_id=actor.id,
            body=post.body,
            written_at=post.edited_at or post.created_at,
            replaced_at=now,
        )
    )
    post.body, post.edited_at = new_body, now
    session.flush()
    mentioned = _index(session, post)
    if mentioned:
        _record_post(session, actor, thread, post, mentioned, edited=True)
    return thread, post


_MODERATION: dict[ThreadAction, tuple[str, object, bool]] = {
    # action: (field, new value, may the thread's author do it too)
    "close": ("state", "closed", True),
    "reopen": ("state", "open", True),
    "pin": ("pinned", True, False),
    "unpin": ("pinned", False, False),
    "lock": ("locked", True, False),
    "unlock": ("locked", False, False),
}


_STATE_AFTER: dict[ThreadAction, str] = {
    "close": "closed",
    "reopen": "open",
    "pin": "pinned",
    "unpin": "not pinned",
    "lock": "locked",
    "unlock": "unlocked",
}


def allowed_actions(
    actor: Actor | None, thread: DiscussionThread, subject: Subject
) -> list[ThreadAction]:
    """What ``actor`` may do to the thread now (the rule :func:`moderate` applies)."""
    if actor is None:
        return []
    owner = can_write(actor, subject.owner_id, subject.grant_ref)
    author = actor.id == thread.author_id
    return [
        action
        for action, (field, value, authors_too) in _MODERATION.items()
        if (owner or (authors_too and author)) and getattr(thread, field) != value
    ]


def moderate(
    session: Session, actor: Actor, thread_id: int, action: ThreadAction
) -> DiscussionThread:
    """Close, reopen, pin, unpin, lock or unlock a thread.

    Raises:
        PermissionDenied: not the object's owner (nor, for close/reopen, the thread's author);
        Conflict: the thread is already in that state.
    """
    thread, subject = get_thread(session, actor, thread_id)
    field, value, authors_too = _MODERATION[action]
    if not (authors_too and thread.author_id == actor.id):
        subject.require_owner(actor)
    if getattr(thread, field) == value:
        raise Conflict(f"discussion {thread.id} is already {_STATE_AFTER[action]}")
    setattr(thread, field, value)
    session.flush()
    return thread


# -- reading --------------------------------------------------------------------------------


def _summaries(
    session: Session, threads: list[DiscussionThread], subject: Subject
) -> list[ThreadSummary]:
    ref, page = objects.label(session, subject)
    counts = _post_counts(session, [t.id for t in threads])
    return [_summary(t, ref, page, counts.get(t.id, 0)) for t in threads]


def _post_counts(session: Session, thread_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(DiscussionPost.thread_id, func.count())
        .where(DiscussionPost.thread_id.in_(thread_ids))
        .group_by(DiscussionPost.thread_id)
    )
    return {int(row[0]): int(row[1]) for row in rows}


def _summary(thread: DiscussionThread, ref: str, page: str, posts: int) -> ThreadSummary:
    return ThreadSummary(
        id=thread.id,
        subject=ref,
        subject_page=page,
        title=thread.title,
        author=thread.author.name,
        state="closed" if thread.state == "closed" else "open",
        pinned=thread.pinned,
        locked=thread.locked,
        created_at=thread.created_at,
        last_post_at=thread.last_post_at,
        posts=posts,
    )


def list_threads(
    session: Session, subject: Subject, *, offset: int = 0, limit: int = 100
) -> list[ThreadSummary]:
    """The threads on an object (found for the caller), pinned first, then the most recent."""
    threads = list(
        session.scalars(
            select(DiscussionThread)
            .where(
                DiscussionThread.subject_kind == subject.kind,
                DiscussionThread.subject_id == subject.id,
            )
            .order_by(
                DiscussionThread.pinned.desc(),
                DiscussionThread.last_post_at.desc(),
                DiscussionThread.id.desc(),
            )
            .offset(offset)
            .limit(limit)
        )
    )
    return _summaries(session, threads, subject) if threads else []


_SCAN = 500  # threads read per query while skipping those the reader may not see


def recent(
    session: Session,
    actor: Actor | None,
    *,
    author: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[ThreadSummary]:
    """The hive's threads by latest post that ``actor`` may see (optionally one author's).

    Visibility is decided per object by :func:`mlhive.server.services.subjects.find`, the one
    rule, so threads are read in batches and those on hidden objects skipped.
    """
    stmt = select(DiscussionThread).order_by(
        DiscussionThread.last_post_at.desc(), DiscussionThread.id.desc()
    )
    if author is not None:
        stmt = stmt.join(User, User.id == DiscussionThread.author_id).where(User.name == author)
    visible: dict[tuple[str, int], Subject | None] = {}
    kept: list[tuple[DiscussionThread, Subject]] = []
    skipped, start = 0, 0
    while len(kept) < limit:
        batch = list(session.scalars(stmt.offset(start).limit(_SCAN)))
        for thread in batch:
            key = (thread.subject_kind, thread.subject_id)
            if key not in visible:
                visible[key] = _visible_subject(session, actor, thread)
            subject = visible[key]
            if subject is None or len(kept) == limit:
                continue
            if skipped < offset:
                skipped += 1
                continue
            kept.append((thread, subject))
        if len(batch) < _SCAN:
            break
        start += _SCAN
    counts = _post_counts(session, [t.id for t, _ in kept])
    labels = {s.ref: objects.label(session, s) for _, s in kept}
    return [_summary(t, *labels[s.ref], counts.get(t.id, 0)) for t, s in kept]


def _visible_subject(
    session: Session, actor: Actor | None, thread: DiscussionThread
) -> Subject | None:
    try:
        return _subject_of(session, actor, thread)
    except NotFound:
        return None


def _mentions_of(session: Session, post_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in post_ids}
    rows = session.execute(
        select(DiscussionMention.post_id, User.name)
        .join(User, User.id == DiscussionMention.user_id)
        .where(DiscussionMention.post_id.in_(post_ids))
        .order_by(User.name)
    )
    for post_id, name in rows:
        found[post_id].append(name)
    return found


def _references_of(
    session: Session, actor: Actor | None, posts: Iterable[DiscussionPost]
) -> dict[int, list[ReferenceOut]]:
    """Each post's references that the reader may see, each target resolved once."""
    pages: dict[str, str | None] = {}
    found: dict[int, list[ReferenceOut]] = {}
    for post in posts:
        found[post.id] = []
        for reference in text.references(post.body):
            if reference.ref not in pages:
                pages[reference.ref] = objects.visible_page(session, actor, reference)
            page = pages[reference.ref]
            if page is not None:
                kind = objects.kind_of(reference.kind)
                found[post.id].append(ReferenceOut(ref=reference.ref, kind=kind, page=page))
    return found


def describe_posts(
    session: Session, actor: Actor | None, posts: list[DiscussionPost]
) -> list[PostOut]:
    """Posts as ``actor`` reads them: only the references they may follow are listed."""
    ids = [p.id for p in posts]
    edits: Counter[int] = Counter()
    for post_id, count in session.execute(
        select(DiscussionPostEdit.post_id, func.count())
        .where(DiscussionPostEdit.post_id.in_(ids))
        .group_by(DiscussionPostEdit.post_id)
    ):
        edits[post_id] = count
    mentioned = _mentions_of(session, ids)
    referenced = _references_of(session, actor, posts)
    return [
        PostOut(
            id=p.id,
            author=p.author.name,
            body=p.body,
            reply_to=p.reply_to_id,
            created_at=p.created_at,
            edited_at=p.edited_at,
            edits=edits[p.id],
            mentions=mentioned[p.id],
            references=referenced[p.id],
        )
        for p in posts
    ]


def describe(
    session: Session, actor: Actor | None, thread: DiscussionThread, subject: Subject
) -> ThreadOut:
    """A thread with all its posts, oldest first, as ``actor`` reads it."""
    posts = list(
        session.scalars(
            select(DiscussionPost)
            .where(DiscussionPost.thread_id == thread.id)
            .order_by(DiscussionPost.id)
        )
    )
    ref, page = objects.label(session, subject)
    summary = _summary(thread, ref, page, len(posts))
    return ThreadOut(**summary.model_dump(), thread=describe_posts(session, actor, posts))


def history(
    session: Session, actor: Actor | None, thread_id: int, post_id: int
) -> list[PostVersion]:
    """A post's earlier bodies, oldest first."""
    thread, _ = get_thread(session, actor, thread_id)
    post = _post_of(session, thread, post_id)
    rows = session.scalars(
        select(DiscussionPostEdit)
        .where(DiscussionPostEdit.post_id == post.id)
        .order_by(DiscussionPostEdit.id)
    )
    return [
        PostVersion(
            body=r.body, editor=r.editor.name, written_at=r.written_at, replaced_at=r.replaced_at
        )
        for r in rows
    ]
