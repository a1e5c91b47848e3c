"""``<entity>/tag`` and ``<entity>/untag`` for datasets, tasks, flows and runs, in one place."""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures when they
# are declared, and the form field's name (``data_id``, ``task_id``, ...) is a value of the
# factory's call, which a string annotation could not see.

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from mlhive.server.domain.errors import NotFound
from mlhive.server.http.deps import write
from mlhive.server.http.params import PositiveId
from mlhive.server.openml import xmlio
from mlhive.server.openml.common import actor, hive, required
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.server.services import subjects, tagging
from mlhive.server.services.tagging import TaggableKind
from mlhive.wire.datasets import TAG_PATTERN


def check_tag(tag: str) -> None:
    """OpenML's tag rule (477): up to 64 letters, digits and ``_-.``."""
    if not re.fullmatch(TAG_PATTERN, tag) or len(tag) > 64:
        raise OpenMLError(477)


def tag_document(name: str, entity_id: int, tags: list[str]) -> Response:
    """``oml:<entity>_tag``: the id and every tag the entity now has."""
    element = xmlio.root(name)
    xmlio.add(element, "id", entity_id)
    xmlio.add_all(element, "tag", tags)
    return xmlio.document(element)


def _change_tags(
    request: Request,
    entity: str,
    entity_id: int,
    tag: str,
    *,
    untag: bool,
    kind: TaggableKind,
    hidden: int | None,
) -> Response:
    """Tag or untag: 472 for an unknown entity (``hidden`` for one the caller may not see, where
    OpenML tells them apart), 475/476 from the tag rules, 477 for a bad tag."""
    check_tag(tag)
    with write(hive(request)) as session:
        try:
            subject = subjects.find(session, actor(request), kind, entity_id)
        except NotFound:
            if hidden is not None and subjects.exists(session, kind, entity_id):
                raise OpenMLError(hidden) from None
            raise OpenMLError(472) from None
        change = tagging.remove if untag else tagging.add
        with codes(not_found=475, denied=476):
            tags = change(session, required(request), subject, tag)
    return tag_document(f"{entity}_untag" if untag else f"{entity}_tag", entity_id, tags)


def tag_routes(entity: str, kind: TaggableKind, hidden: int | None = None) -> APIRouter:
    """``POST <entity>/tag`` and ``POST <entity>/untag``, with ``<entity>_id`` and ``tag``
    form fields (``data``: ``data/tag`` with ``data_id``).

    Args:
        entity: OpenML's name of the kind of object.
        kind: mlhive's kind of object (``dataset`` for ``data``).
        hidden: OpenML's code for an object that exists but the caller may not see (``data``:
            112, "no access granted"); None reports it as unknown (472).

    Returns:
        A router to include in the entity's own router.
    """
    router = APIRouter()

    @router.post(f"/{entity}/tag", name="tag")
    def tag(
        request: Request,
        entity_id: Annotated[PositiveId, Form(alias=f"{entity}_id")],
        tag: Annotated[str, Form()],
    ) -> Response:
        """``POST <entity>/tag``."""
        return _change_tags(request, entity, entity_id, tag, untag=False, kind=kind, hidden=hidden)

    @router.post(f"/{entity}/untag", name="untag")
    def untag(
        request: Request,
        entity_id: Annotated[PositiveId, Form(alias=f"{entity}_id")],
        tag: Annotated[str, Form()],
    ) -> Response:
        """``POST <entity>/untag``."""
        return _change_tags(request, entity, entity_id, tag, untag=True, kind=kind, hidden=hidden)

    return router
