"""``<entity>/tag`` and ``<entity>/untag`` for datasets, tasks, flows and runs, in one place."""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures when they
# are declared, and the form field's name (``data_id``, ``task_id``, ...) is a value of the
# factory's call, which a string annotation could not see.

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlhive.server.domain.access import Actor
from mlhive.server.http.deps import write
from mlhive.server.openml import xmlio
from mlhive.server.openml.common import actor, hive, required
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.server.services.tagging import Taggable
from mlhive.wire.datasets import TAG_PATTERN

# Finds the entity as the caller may see it, or raises (NotFound becomes 472).
Lookup = Callable[[Session, Actor | None, int], object]


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
    lookup: Lookup,
    service: Taggable,
) -> Response:
    """Tag or untag: 472 for an unknown entity, 475/476 from the tag rules, 477 for a bad tag."""
    check_tag(tag)
    with write(hive(request)) as session:
        with codes(not_found=472):
            lookup(session, actor(request), entity_id)
        change = service.remove_tag if untag else service.add_tag
        with codes(not_found=475, denied=476):
            tags = change(session, required(request), entity_id, tag)
    return tag_document(f"{entity}_untag" if untag else f"{entity}_tag", entity_id, tags)


def tag_routes(entity: str, service: Taggable, lookup: Lookup) -> APIRouter:
    """``POST <entity>/tag`` and ``POST <entity>/untag``, with ``<entity>_id`` and ``tag``
    form fields (``data``: ``data/tag`` with ``data_id``).

    Args:
        entity: OpenML's name of the kind of object.
        service: the service module that tags and untags these objects.
        lookup: finds the object as the caller may see it (see :data:`Lookup`).

    Returns:
        A router to include in the entity's own router.
    """
    router = APIRouter()

    @router.post(f"/{entity}/tag", name="tag")
    def tag(
        request: Request,
        entity_id: Annotated[int, Form(alias=f"{entity}_id")],
        tag: Annotated[str, Form()],
    ) -> Response:
        """``POST <entity>/tag``."""
        return _change_tags(
            request, entity, entity_id, tag, untag=False, lookup=lookup, service=service
        )

    @router.post(f"/{entity}/untag", name="untag")
    def untag(
        request: Request,
        entity_id: Annotated[int, Form(alias=f"{entity}_id")],
        tag: Annotated[str, Form()],
    ) -> Response:
        """``POST <entity>/untag``."""
        return _change_tags(
            request, entity, entity_id, tag, untag=True, lookup=lookup, service=service
        )

    return router
