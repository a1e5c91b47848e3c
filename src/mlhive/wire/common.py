"""Response models shared by several resources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mlhive.wire.errors import ErrorCode

MAX_ID = 2**31 - 1
"""The largest id the server stores (ids are INTEGER columns, 32 bits on PostgreSQL)."""
StoredId = Annotated[int, Field(ge=-MAX_ID - 1, le=MAX_ID)]
"""An id in a request body: a number no id can have is invalid input, not a server error."""


class WireModel(BaseModel):
    """Base of every wire model: unknown fields are rejected on requests."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class Problem(BaseModel):
    """An RFC 9457 problem document, as every failed native API request returns."""

    type: str
    title: str
    status: int
    detail: str
    code: ErrorCode
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: str
    storage: str


JobState = Literal["queued", "running", "done", "failed"]


class JobOut(WireModel):
    id: int
    kind: str
    subject: str
    state: JobState
    attempts: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
