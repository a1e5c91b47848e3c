"""Benchmark suites (collections of tasks) and studies (collections of runs)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from mlhive.wire.common import StoredId, WireModel

# OpenML's alias (``system_string32``): letters, digits, ``_``, ``-`` and ``.``, so a
# ``uuid4().hex`` (which may start with a digit) is an alias, as in OpenML's own tutorials.
ALIAS_PATTERN = r"^[A-Za-z0-9_.\-]+$"
CollectionKind = Literal["suite", "study"]
CollectionStatus = Literal["in_preparation", "active", "deactivated"]


class CollectionCreate(WireModel):
    name: str = Field(min_length=1, max_length=256)
    alias: str | None = Field(default=None, min_length=1, max_length=64, pattern=ALIAS_PATTERN)
    description: str = Field(default="", max_length=100_000)
    task_ids: list[StoredId] = Field(default_factory=list, description="suites")
    run_ids: list[StoredId] = Field(default_factory=list, description="studies")
    visibility: Literal["public", "private"] = "public"
    owner: str | None = Field(
        default=None,
        max_length=64,
        description="A team (you write to) that will own it; by default you do.",
    )

    @field_validator("alias")
    @classmethod
    def _not_a_number(cls, alias: str | None) -> str | None:
        # A suite or study is fetched by id or alias in one path segment: digits are an id.
        if alias is not None and alias.isdigit():
            raise ValueError("an alias cannot be only digits (it would read as an id)")
        if alias is not None and not alias.strip("."):
            raise ValueError("an alias cannot be only dots (URLs would read it as a path step)")
        return alias


class CollectionMembers(WireModel):
    ids: list[StoredId] = Field(min_length=1)


class CollectionStatusUpdate(WireModel):
    status: CollectionStatus


class CollectionOut(WireModel):
    id: int
    kind: CollectionKind
    name: str
    alias: str | None
    description: str
    status: CollectionStatus
    visibility: Literal["public", "private"]
    creator: str
    created_at: datetime
    task_ids: list[int]
    run_ids: list[int]


class CollectionPage(WireModel):
    items: list[CollectionOut]
    next_cursor: str | None
