"""The tag routes of datasets, tasks, flows and runs, made by one factory."""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures when they
# are declared, and the path parameter's name (``dataset_id``, ``task_id``, ...) is a value of
# the factory's call, which a string annotation could not see.

from typing import Annotated

from fastapi import APIRouter, Path

from mlhive.server.http.deps import HiveDep, RequiredActor, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services import subjects, tagging
from mlhive.server.services.tagging import TaggableKind
from mlhive.wire.tasks import TagRequest


def tag_routes(noun: TaggableKind, prefix: str = "") -> APIRouter:
    """``POST {prefix}/{<noun>_id}/tags`` and ``DELETE {prefix}/{<noun>_id}/tags/{tag}``.

    Args:
        noun: what is tagged (``dataset``); it names the routes (``tag_dataset``,
            ``untag_dataset``) and the path parameter (``dataset_id``).
        prefix: the collection's path when the including router has none (``/tasks``).

    Returns:
        A router to include in the noun's own router, where the routes have its tags.
    """
    router = APIRouter(prefix=prefix)
    path = f"/{{{noun}_id}}/tags"

    @router.post(path, name=f"tag_{noun}")
    def add(
        object_id: Annotated[ObjectId, Path(alias=f"{noun}_id")],
        body: TagRequest,
        actor: RequiredActor,
        hive: HiveDep,
    ) -> list[str]:
        """Add a tag; returns all tags."""
        with write(hive) as session:
            subject = subjects.find(session, actor, noun, object_id)
            return tagging.add(session, actor, subject, body.tag)

    @router.delete(path + "/{tag}", name=f"untag_{noun}")
    def remove(
        object_id: Annotated[ObjectId, Path(alias=f"{noun}_id")],
        tag: str,
        actor: RequiredActor,
        hive: HiveDep,
    ) -> list[str]:
        """Remove a tag; returns the remaining tags."""
        with write(hive) as session:
            subject = subjects.find(session, actor, noun, object_id)
            return tagging.remove(session, actor, subject, tag)

    return router
