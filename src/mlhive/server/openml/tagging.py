"""``<entity>/tag`` and ``<entity>/untag`` for datasets, tasks, flows and runs, in one place."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlhive.server.domain.access import Actor
from mlhive.server.http.deps import write
from mlhive.server.openml import xmlio
from mlhive.server.openml.common import hive, required
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.wire.datasets import TAG_PATTERN

TagChange = Callable[[Session, Actor, int, str], list[str]]


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


def change_tags(
    request: Request,
    entity: str,
    entity_id: int,
    tag: str,
    *,
    untag: bool,
    lookup: Callable[[Session], object],
    add: TagChange,
    remove: TagChange,
) -> Response:
    """Tag or untag: 472 for an unknown entity, 475/476 from the tag rules, 477 for a bad tag."""
    check_tag(tag)
    with write(hive(request)) as session:
        with codes(not_found=472):
            lookup(session)
        with codes(not_found=475, denied=476):
            tags = (remove if untag else add)(session, required(request), entity_id, tag)
    return tag_document(f"{entity}_untag" if untag else f"{entity}_tag", entity_id, tags)
