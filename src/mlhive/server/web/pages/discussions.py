"""Discussions in a browser: the section every object page shows, a thread's page with its
posts (mentions and visible references linked), and the forms to open a thread, reply and
moderate, each a sign-in session's form with its CSRF token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.social import text
from mlhive.server.http.deps import HiveDep, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services.social import discussions, objects
from mlhive.server.services.subjects import Kind
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import FormActor, Viewer, ViewerDep
from mlhive.server.wiring import Hive
from mlhive.wire.discussions import (
    PostOut,
    ReplyCreate,
    SubjectKind,
    ThreadAction,
    ThreadCreate,
)

router = pages(tags=["pages"])
THREAD = "/discussions/{thread_id}"
SHOWN = 50  # threads an object page lists


def section(hive: Hive, who: Viewer, kind: Kind, key: int | str) -> dict[str, Any]:
    """The "Discussions" section of an object page: its threads and the new-thread form."""
    with read(hive) as session:
        subject = objects.find(session, who.actor, kind, key)
        threads = discussions.list_threads(session, subject, limit=SHOWN)
    return {"threads": threads, "kind": kind, "key": str(key)}


def linked_markdown(post: PostOut) -> str:
    """The post's Markdown with its mentions and its (visible) references as links."""
    refs = {r.ref: r.page for r in post.references}
    people = {name: f"/people/{name}" for name in post.mentions}
    return text.link(post.body, refs, people)


@router.get(THREAD, response_class=HTMLResponse)
def thread_page(
    thread_id: ObjectId, request: Request, hive: HiveDep, who: ViewerDep
) -> HTMLResponse:
    """A thread: its object, state, posts (oldest first), the reply form and moderation."""
    with read(hive) as session:
        thread, subject = discussions.get_thread(session, who.actor, thread_id)
        found = discussions.describe(session, who.actor, thread, subject)
        actions = discussions.allowed_actions(who.actor, thread, subject)
        versions = {
            p.id: discussions.history(session, who.actor, thread_id, p.id)
            for p in found.thread
            if p.edits
        }
    context = {
        "title": f"{found.title} · {found.subject}",
        "t": found,
        "bodies": {p.id: linked_markdown(p) for p in found.thread},
        "actions": actions,
        "versions": versions,
        "editable": not found.locked,
    }
    return page(request, "discussions/thread.html", context)


def _back(thread_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/discussions/{thread_id}{anchor}", status_code=303)


@router.post("/discussions", response_class=HTMLResponse)
def open_thread(
    hive: HiveDep,
    actor: FormActor,
    kind: Annotated[SubjectKind, Form()],
    key: Annotated[str, Form(min_length=1, max_length=200)],
    title: Annotated[str, Form(min_length=1, max_length=256)],
    body: Annotated[str, Form(min_length=1, max_length=100_000)],
) -> Response:
    """Open a thread on an object (``kind`` and its id, or ``owner/name`` for a model)."""
    with write(hive) as session:
        subject = objects.find(session, actor, kind, key if kind == "model" else _id(key))
        thread = discussions.open_thread(
            session, actor, subject, ThreadCreate(title=title, body=body)
        )
        thread_id = thread.id
    return _back(thread_id)


def _id(key: str) -> int:
    if not key.isdigit() or len(key) > 18:
        raise InvalidInput(f"key: {key!r} is not an object id", field="key")
    return int(key)


@router.post(THREAD + "/replies", response_class=HTMLResponse)
def reply(
    thread_id: ObjectId,
    hive: HiveDep,
    actor: FormActor,
    body: Annotated[str, Form(min_length=1, max_length=100_000)],
) -> Response:
    """Reply in the thread."""
    with write(hive) as session:
        _, post = discussions.reply(session, actor, thread_id, ReplyCreate(body=body))
        post_id = post.id
    return _back(thread_id, f"#post-{post_id}")


@router.post(THREAD + "/posts/{post_id}/edit", response_class=HTMLResponse)
def edit_post(
    thread_id: ObjectId,
    post_id: ObjectId,
    hive: HiveDep,
    actor: FormActor,
    body: Annotated[str, Form(min_length=1, max_length=100_000)],
) -> Response:
    """Replace the body of one's own post (the earlier one stays in its history)."""
    with write(hive) as session:
        discussions.edit_post(session, actor, thread_id, post_id, body)
    return _back(thread_id, f"#post-{post_id}")


@router.post(THREAD + "/{action}", response_class=HTMLResponse)
def moderate(
    thread_id: ObjectId, action: ThreadAction, hive: HiveDep, actor: FormActor
) -> Response:
    """Close, reopen, pin, unpin, lock or unlock the thread."""
    with write(hive) as session:
        discussions.moderate(session, actor, thread_id, action)
    return _back(thread_id)
