"""Activity feeds, watches, the notifications inbox and webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from mlhive.wire.common import StoredId, WireModel

WATCH_PATTERN = (
    r"^(dataset|task|flow|run|suite|study):[0-9]{1,10}$"
    r"|^(person|team):[^/\s:]{1,64}$|^model:[^/\s]{1,64}/[^/\s]{1,128}$"
)
"""A watch target as written: ``dataset:12``, ``person:bob``, ``team:lab``, ``model:alice/net``."""
MAX_PAGE = 200
NotificationReason = Literal["mention", "owner", "watch"]


class EventOut(WireModel):
    id: int = Field(description="the event id; pages go on with ?before=<the last id>")
    at: datetime
    actor: str = Field(description="who did it")
    verb: str = Field(description="what happened: dataset.version, run.uploaded, ...")
    summary: str = Field(description="the verb in words")
    subject: str = Field(description="the object: dataset:12, model:alice/net, team:lab")
    subject_page: str = Field(description="the object's page")
    extra: dict[str, Any] = Field(description="details: a version, a title, a thread id")


class FeedPage(WireModel):
    items: list[EventOut]
    next_before: int | None = Field(description="pass as ?before= for the next page; None: done")


class NotificationOut(WireModel):
    id: int
    reason: NotificationReason = Field(description="why you were told")
    read_at: datetime | None
    event: EventOut


class NotificationPage(WireModel):
    items: list[NotificationOut]
    next_before: int | None = Field(description="pass as ?before= for the next page; None: done")
    unread: int = Field(
        description="your unread notifications on objects you may see, counted up to 1000 "
        "(1000: that many or more)"
    )


class MarkRead(WireModel):
    ids: list[StoredId] | None = Field(
        default=None, max_length=1000, description="the notifications to mark read"
    )
    all: bool = Field(default=False, description="mark every notification read")


class MarkedRead(WireModel):
    marked: int = Field(description="how many notifications were unread and are now read")
    unread: int


class WatchCreate(WireModel):
    target: str = Field(pattern=WATCH_PATTERN, max_length=200, description="dataset:12, ...")


class WatchOut(WireModel):
    target: str
    page: str
    since: datetime


class WebhookCreate(WireModel):
    url: str = Field(min_length=1, max_length=2048, description="an http(s) URL that takes POSTs")
    verbs: list[str] = Field(
        default=[], max_length=50, description="the verbs to send (empty: all)"
    )


class WebhookOut(WireModel):
    id: int
    url: str
    verbs: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="the signing secret, shown only this once")


class DeliveryOut(WireModel):
    id: int
    event_id: int
    attempt: int
    at: datetime
    outcome: Literal["delivered", "failed", "gave_up", "refused"]
    status_code: int | None
    error: str | None
    duration_ms: float | None
    next_retry_at: datetime | None
