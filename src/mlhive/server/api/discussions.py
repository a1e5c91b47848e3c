"""Native REST routes of discussions: threads on every object, made by one factory per kind,
and the thread routes under ``/api/discussions/{thread_id}``."""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures when they
# are declared, and the path parameter's name (``dataset_id``, ...) is a value of the factory.

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.params import ObjectId, Offset
from mlhive.server.services.social import discussions, objects
from mlhive.server.services.subjects import Kind
from mlhive.wire.discussions import (
    PostEdit,
    PostOut,
    PostVersion,
    ReplyCreate,
    ThreadAction,
    ThreadCreate,
    ThreadOut,
    ThreadSummary,
)

Limit = Annotated[int, Query(ge=1, le=1000)]
# kind → the collection's URL noun
NOUNS: dict[Kind, str] = {
    "dataset": "datasets",
    "task": "tasks",
    "flow": "flows",
    "run": "runs",
    "suite": "suites",
    "study": "studies",
}


def subject_routes(kind: Kind) -> APIRouter:
    """``GET`` and ``POST /api/<nouns>/{<kind>_id}/discussions``."""
    router = APIRouter(prefix=f"/{NOUNS[kind]}", tags=["discussions"])
    path = f"/{{{kind}_id}}/discussions"

    @router.get(path, name=f"list_{kind}_discussions")
    def list_threads(
        object_id: Annotated[ObjectId, Path(alias=f"{kind}_id")],
        actor: MaybeActor,
        hive: HiveDep,
        offset: Annotated[Offset, Query()] = 0,
        limit: Limit = 100,
    ) -> list[ThreadSummary]:
        """The object's threads, pinned first, then by latest post."""
        with read(hive) as session:
            subject = objects.find(session, actor, kind, object_id)
            return discussions.list_threads(session, subject, offset=offset, limit=limit)

    @router.post(path, status_code=status.HTTP_201_CREATED, name=f"open_{kind}_discussion")
    def open_thread(
        object_id: Annotated[ObjectId, Path(alias=f"{kind}_id")],
        body: ThreadCreate,
        actor: RequiredActor,
        hive: HiveDep,
    ) -> ThreadOut:
        """Open a thread (title and first post) on the object."""
        with write(hive) as session:
            subject = objects.find(session, actor, kind, object_id)
            thread = discussions.open_thread(session, actor, subject, body)
            return discussions.describe(session, actor, thread, subject)

    return router


model_router = APIRouter(prefix="/models", tags=["discussions"])
MODEL_PATH = "/{owner}/{name}/discussions"


@model_router.get(MODEL_PATH, name="list_model_discussions")
def list_model_threads(
    owner: str,
    name: str,
    actor: MaybeActor,
    hive: HiveDep,
    offset: Annotated[Offset, Query()] = 0,
    limit: Limit = 100,
) -> list[ThreadSummary]:
    """A model repository's threads, pinned first, then by latest post."""
    with read(hive) as session:
        subject = objects.find(session, actor, "model", f"{owner}/{name}")
        return discussions.list_threads(session, subject, offset=offset, limit=limit)


@model_router.post(MODEL_PATH, status_code=status.HTTP_201_CREATED, name="open_model_discussion")
def open_model_thread(
    owner: str, name: str, body: ThreadCreate, actor: RequiredActor, hive: HiveDep
) -> ThreadOut:
    """Open a thread (title and first post) on a model repository."""
    with write(hive) as session:
        subject = objects.find(session, actor, "model", f"{owner}/{name}")
        thread = discussions.open_thread(session, actor, subject, body)
        return discussions.describe(session, actor, thread, subject)


router = APIRouter(prefix="/discussions", tags=["discussions"])
THREAD = "/{thread_id}"
POST = THREAD + "/posts/{post_id}"


@router.get("")
def recent_threads(
    actor: MaybeActor,
    hive: HiveDep,
    author: Annotated[str | None, Query(max_length=64, description="a user's name")] = None,
    offset: Annotated[Offset, Query()] = 0,
    limit: Limit = 100,
) -> list[ThreadSummary]:
    """Threads across the hive, by latest post: only those on objects the caller may see."""
    with read(hive) as session:
        return discussions.recent(session, actor, author=author, offset=offset, limit=limit)


@router.get(THREAD)
def get_thread(thread_id: ObjectId, actor: MaybeActor, hive: HiveDep) -> ThreadOut:
    """A thread with all its posts, oldest first."""
    with read(hive) as session:
        thread, subject = discussions.get_thread(session, actor, thread_id)
        return discussions.describe(session, actor, thread, subject)


@router.post(THREAD + "/replies", status_code=status.HTTP_201_CREATED)
def reply(thread_id: ObjectId, body: ReplyCreate, actor: RequiredActor, hive: HiveDep) -> PostOut:
    """Reply in a thread (refused with 409 when it is locked)."""
    with write(hive) as session:
        _, post = discussions.reply(session, actor, thread_id, body)
        return discussions.describe_posts(session, actor, [post])[0]


@router.patch(POST)
def edit_post(
    thread_id: ObjectId, post_id: ObjectId, body: PostEdit, actor: RequiredActor, hive: HiveDep
) -> PostOut:
    """Edit one's own post; the earlier body is kept in its history."""
    with write(hive) as session:
        _, post = discussions.edit_post(session, actor, thread_id, post_id, body.body)
        return discussions.describe_posts(session, actor, [post])[0]


@router.get(POST + "/history")
def post_history(
    thread_id: ObjectId, post_id: ObjectId, actor: MaybeActor, hive: HiveDep
) -> list[PostVersion]:
    """A post's earlier bodies, oldest first (empty when it was never edited)."""
    with read(hive) as session:
        return discussions.history(session, actor, thread_id, post_id)


def _moderation_route(action: ThreadAction) -> None:
    @router.post(THREAD + f"/{action}", name=f"{action}_discussion")
    def moderate(thread_id: ObjectId, actor: RequiredActor, hive: HiveDep) -> ThreadOut:
        with write(hive) as session:
            thread = discussions.moderate(session, actor, thread_id, action)
            _, subject = discussions.get_thread(session, actor, thread.id)
            return discussions.describe(session, actor, thread, subject)

    moderate.__doc__ = MODERATION_DOCS[action]


MODERATION_DOCS: dict[ThreadAction, str] = {
    "close": "Close a thread (the object's owner, or the thread's author).",
    "reopen": "Reopen a closed thread (the object's owner, or the thread's author).",
    "pin": "Pin a thread to the top of the object's list (the object's owner).",
    "unpin": "Unpin a thread (the object's owner).",
    "lock": "Lock a thread: no new replies or edits (the object's owner).",
    "unlock": "Unlock a thread (the object's owner).",
}
for _action in MODERATION_DOCS:
    _moderation_route(_action)

ROUTERS: list[APIRouter] = [*(subject_routes(kind) for kind in NOUNS), model_router, router]
"""Every discussion router, for the app to include under ``/api``."""
