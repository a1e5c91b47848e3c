"""What every route of the v2 face shares: the caller, list paging, JSON helpers.

server-api reads the API key from the ``api_key`` query parameter and every call of this face
is a read, so the key is optional; a key that is given must be valid (401, code 103). As on
every face, an anonymous caller sees public objects only, and another user's private object
is simply not there (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Unauthenticated
from mlhive.server.domain.limits import MAX_COUNT
from mlhive.server.http.deps import actor_for_key, read
from mlhive.server.openml.v2.errors import AUTHENTICATION_FAILED, Problem
from mlhive.server.wiring import Hive

__all__ = ["Pagination", "Search", "actor", "caller", "hive", "iso", "number", "read"]

LIMIT_DEFAULT = 100
LIMIT_MAX = 1000
MAX_LISTED_IDS = 1000

IntegerRange = Annotated[str, Field(pattern=r"^(\d{1,18})(\.\.\d{1,18})?$", max_length=40)]
"""A quality filter: one whole number or ``low..high`` (inclusive), as server-api takes it."""


def hive(request: Request) -> Hive:
    """The wired application (the face is a sub-application sharing the main one's Hive)."""
    state: Hive = request.app.state.hive
    return state


async def caller(request: Request) -> None:
    """Router dependency: resolve the optional ``api_key`` into ``request.state.actor``."""
    key = request.query_params.get("api_key")
    found: Actor | None = None
    if key:
        try:
            found = await run_in_threadpool(actor_for_key, hive(request), key)
        except Unauthenticated:
            raise Problem(AUTHENTICATION_FAILED, "Invalid API key provided.") from None
    request.state.actor = found


def actor(request: Request) -> Actor | None:
    """The caller resolved by :func:`caller` (None: anonymous)."""
    found: Actor | None = getattr(request.state, "actor", None)
    return found


class Pagination(BaseModel):
    """``limit`` and ``offset`` of a list body, with server-api's bounds."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=LIMIT_DEFAULT, gt=0, le=LIMIT_MAX)
    offset: int = Field(default=0, ge=0, le=MAX_COUNT)


class Search(BaseModel):
    """What the dataset and task list bodies share; a field mlhive does not know is refused
    (422) rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")

    pagination: Pagination = Field(default_factory=Pagination)
    number_instances: IntegerRange | None = None
    number_features: IntegerRange | None = None
    number_classes: IntegerRange | None = None
    number_missing_values: IntegerRange | None = None

    def ranges(self) -> tuple[tuple[str, float | None, float | None], ...]:
        """The quality filters as ``(quality, low, high)``."""
        pairs = (
            ("NumberOfInstances", self.number_instances),
            ("NumberOfFeatures", self.number_features),
            ("NumberOfClasses", self.number_classes),
            ("NumberOfMissingValues", self.number_missing_values),
        )
        found = []
        for name, text in pairs:
            if text is not None:
                low, _, high = text.partition("..")
                found.append((name, float(low), float(high or low)))
        return tuple(found)


def iso(moment: datetime | None) -> str | None:
    """A time as server-api writes it: ISO 8601 to the second, without a zone (UTC)."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S")


def number(value: float | None) -> float | int | None:
    """A whole number as an int (server-api writes ``1``, not ``1.0``, for those)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def sorted_unique(values: Iterable[int]) -> list[int]:
    """Ids once each, in order."""
    return sorted(set(values))
