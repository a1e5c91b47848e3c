"""Response models shared by several resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from mlhive.wire.errors import ErrorCode


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
