"""Native REST routes of activity: feeds (``/api/users/{name}/activity``,
``/api/teams/{name}/activity``, ``/api/<objects>/{id}/activity``), the inbox
(``/api/notifications``), watches (``/api/watches``) and webhooks (``/api/webhooks``). See
``services.social.feeds`` and ``services.social.webhooks``."""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures when they
# are declared, and the path parameter's name (``dataset_id``, ...) is a value of the factory.

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services.social import feeds, objects, webhooks
from mlhive.server.services.subjects import Kind
from mlhive.wire.activity import (
    MAX_PAGE,
    WATCH_PATTERN,
    DeliveryOut,
    FeedPage,
    MarkedRead,
    MarkRead,
    NotificationPage,
    WatchCreate,
    WatchOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Before = Annotated[ObjectId | None, Query(description="the last id of the previous page")]
NOUNS: dict[Kind, str] = {
    "dataset": "datasets",
    "task": "tasks",
    "flow": "flows",
    "run": "runs",
    "suite": "suites",
    "study": "studies",
}

feeds_router = APIRouter(tags=["activity"])


@feeds_router.get("/users/{name}/activity")
def person_activity(
    name: str, actor: MaybeActor, hive: HiveDep, before: Before = None, limit: Limit = 50
) -> FeedPage:
    """What the person did, newest first, on objects you may see."""
    with read(hive) as session:
        return feeds.person_feed(session, actor, name, before, limit)


@feeds_router.get("/teams/{name}/activity")
def team_activity(
    name: str, actor: MaybeActor, hive: HiveDep, before: Before = None, limit: Limit = 50
) -> FeedPage:
    """What happened to the team's objects and members, newest first, that you may see."""
    with read(hive) as session:
        return feeds.team_feed(session, actor, name, before, limit)


@feeds_router.get("/models/{owner}/{name}/activity")
def model_activity(
    owner: str,
    name: str,
    actor: MaybeActor,
    hive: HiveDep,
    before: Before = None,
    limit: Limit = 50,
) -> FeedPage:
    """What happened to a model repository, newest first."""
    with read(hive) as session:
        subject = objects.find(session, actor, "model", f"{owner}/{name}")
        return feeds.object_feed(session, actor, subject, before, limit)


def _object_route(kind: Kind) -> None:
    @feeds_router.get(f"/{NOUNS[kind]}/{{{kind}_id}}/activity", name=f"{kind}_activity")
    def object_activity(
        object_id: Annotated[ObjectId, Path(alias=f"{kind}_id")],
        actor: MaybeActor,
        hive: HiveDep,
        before: Before = None,
        limit: Limit = 50,
    ) -> FeedPage:
        with read(hive) as session:
            subject = objects.find(session, actor, kind, object_id)
            return feeds.object_feed(session, actor, subject, before, limit)

    object_activity.__doc__ = f"What happened to the {kind}, newest first."


for _kind in NOUNS:
    _object_route(_kind)


inbox_router = APIRouter(prefix="/notifications", tags=["activity"])


@inbox_router.get("")
def list_notifications(
    actor: RequiredActor,
    hive: HiveDep,
    unread: Annotated[bool, Query(description="only those not read yet")] = False,
    before: Before = None,
    limit: Limit = 50,
) -> NotificationPage:
    """Your notifications, newest first, about objects you may see now."""
    with read(hive) as session:
        return feeds.inbox(session, actor, unread=unread, before=before, limit=limit)


@inbox_router.post("/read")
def mark_read(body: MarkRead, actor: RequiredActor, hive: HiveDep) -> MarkedRead:
    """Mark notifications read: ``{"ids": [...]}`` or ``{"all": true}``."""
    with write(hive) as session:
        return feeds.mark_read(session, actor, body)


watches_router = APIRouter(prefix="/watches", tags=["activity"])


@watches_router.get("")
def list_watches(actor: RequiredActor, hive: HiveDep) -> list[WatchOut]:
    """What you watch."""
    with read(hive) as session:
        return feeds.watches(session, actor)


@watches_router.put("", responses={201: {"model": WatchOut}})
def watch(body: WatchCreate, actor: RequiredActor, hive: HiveDep, response: Response) -> WatchOut:
    """Watch an object, a person or a team: its events reach your inbox (201 when new)."""
    with write(hive) as session:
        out, created = feeds.watch(session, actor, body.target)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return out


@watches_router.delete("", status_code=status.HTTP_204_NO_CONTENT)
def unwatch(
    actor: RequiredActor,
    hive: HiveDep,
    target: Annotated[str, Query(max_length=200, pattern=WATCH_PATTERN)],
) -> None:
    """Stop watching ``target``."""
    with write(hive) as session:
        feeds.unwatch(session, actor, target)


webhooks_router = APIRouter(prefix="/webhooks", tags=["activity"])


@webhooks_router.post("", status_code=status.HTTP_201_CREATED)
def create_webhook(body: WebhookCreate, actor: RequiredActor, hive: HiveDep) -> WebhookCreated:
    """Send your notifications to a URL, signed; the secret is shown only in this answer."""
    with write(hive) as session:
        return webhooks.create(session, hive.settings, actor, body)


@webhooks_router.get("")
def list_webhooks(actor: RequiredActor, hive: HiveDep) -> list[WebhookOut]:
    """Your webhooks."""
    with read(hive) as session:
        return webhooks.list_mine(session, actor)


@webhooks_router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: ObjectId, actor: RequiredActor, hive: HiveDep) -> None:
    """Delete a webhook and its delivery log."""
    with write(hive) as session:
        webhooks.delete(session, actor, webhook_id)


@webhooks_router.get("/{webhook_id}/deliveries")
def list_deliveries(
    webhook_id: ObjectId, actor: RequiredActor, hive: HiveDep, limit: Limit = 100
) -> list[DeliveryOut]:
    """The webhook's delivery log, newest attempt first."""
    with read(hive) as session:
        return webhooks.deliveries(session, actor, webhook_id, limit)


ROUTERS = (feeds_router, inbox_router, watches_router, webhooks_router)
