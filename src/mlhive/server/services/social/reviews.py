"""Review threads of merge requests, kept as discussions: one thread per request (subject kind
``model_mr``), opened with the first comment; a comment is a post, ``reply_to`` answers
another post of the same thread and ``tensor`` anchors a review on a tensor.

The forge describes a request; this module adds its thread. A request's thread is as visible
as its repository, like the request itself, and its mentions and references are stored as any
post's are.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.tables.forge import MergeRequest, ModelRepo
from mlhive.server.db.tables.social import DiscussionPost, DiscussionThread
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.services.forge import requests as forge_requests
from mlhive.server.services.social import discussions
from mlhive.wire.models import CommentCreate, CommentOut, MergeRequestOut

KIND = discussions.REVIEW_KIND


def _thread(session: Session, request: MergeRequest) -> DiscussionThread | None:
    return session.scalar(
        select(DiscussionThread).where(
            DiscussionThread.subject_kind == KIND, DiscussionThread.subject_id == request.id
        )
    )


def _out(post: DiscussionPost) -> CommentOut:
    return CommentOut(
        id=post.id,
        author=post.author.name,
        body=post.body,
        reply_to=post.reply_to_id,
        tensor=post.anchor,
        created_at=post.created_at,
    )


def comments_of(session: Session, request: MergeRequest) -> list[CommentOut]:
    """A request's comments, oldest first."""
    thread = _thread(session, request)
    if thread is None:
        return []
    posts = session.scalars(
        select(DiscussionPost)
        .where(DiscussionPost.thread_id == thread.id)
        .order_by(DiscussionPost.id)
    )
    return [_out(p) for p in posts]


def comment(
    session: Session, actor: Actor, request: MergeRequest, body: CommentCreate
) -> CommentOut:
    """Comment on a request (found for the actor by the caller), or answer a comment.

    Raises:
        InvalidInput: ``reply_to`` is not a comment on this request.
        Conflict: the request's thread was locked by the repository's owner.
    """
    thread = _thread(session, request)
    if body.reply_to is not None:
        parent = session.get(DiscussionPost, body.reply_to)
        if thread is None or parent is None or parent.thread_id != thread.id:
            raise InvalidInput(
                f"reply_to: comment {body.reply_to} is not on this request", field="reply_to"
            )
    if thread is None:
        thread = DiscussionThread(
            subject_kind=KIND,
            subject_id=request.id,
            author_id=request.author_id,
            title=request.title,
        )
        session.add(thread)
        session.flush()
    post = discussions.add_post(session, actor, thread, body.body, body.reply_to, body.tensor)
    return _out(post)


def describe_request(session: Session, repo: ModelRepo, request: MergeRequest) -> MergeRequestOut:
    """The forge's description of a request, with its comments."""
    return forge_requests.describe_request(
        session, repo, request, comments=comments_of(session, request)
    )
