"""Activity pages: the inbox (``/inbox``, its unread count in the header), a person's or a
team's feed (``/people/{name}/activity``), the "Activity" section of dataset and model pages,
and the watch / unwatch form. Every list comes from ``services.social.feeds``, which filters by
what the viewer may see now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mlhive.server.http.deps import HiveDep, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services import accounts, activity
from mlhive.server.services.social import feeds, objects
from mlhive.server.services.subjects import Kind
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import FormActor, Viewer, ViewerDep
from mlhive.server.wiring import Hive
from mlhive.wire.activity import WATCH_PATTERN, MarkRead

router = pages(tags=["pages"])
PAGE = 50
SECTION = 10
Before = Annotated[ObjectId | None, Query()]


def section(hive: Hive, who: Viewer, kind: Kind, key: int | str) -> dict[str, Any]:
    """The "Activity" section of an object page: its latest events and the watch button."""
    with read(hive) as session:
        subject = objects.find(session, who.actor, kind, key)
        feed = feeds.object_feed(session, who.actor, subject, limit=SECTION)
        ref = objects.label(session, subject)[0]
        watching = feeds.is_watching(session, who.actor, subject.kind, subject.id)
    return {"events": feed.items, "target": ref, "watching": watching}


@router.get("/inbox", response_class=HTMLResponse, response_model=None)
def inbox(
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    unread: Annotated[bool, Query()] = False,
    before: Before = None,
) -> Response:
    """The signed-in viewer's notifications, newest first."""
    if who.actor is None:
        return RedirectResponse("/sign-in?next=/inbox", status_code=303)
    with read(hive) as session:
        found = feeds.inbox(session, who.actor, unread=unread, before=before, limit=PAGE)
    more = None
    if found.next_before is not None:
        more = f"/inbox?before={found.next_before}" + ("&unread=true" if unread else "")
    context = {"title": "Inbox", "inbox": found, "unread_only": unread, "more": more}
    return page(request, "activity/inbox.html", context)


@router.post("/inbox/read", response_class=HTMLResponse)
def mark_read(
    hive: HiveDep,
    actor: FormActor,
    notification: Annotated[ObjectId | None, Form()] = None,
) -> Response:
    """Mark one notification read (``notification``), or all of them."""
    body = MarkRead(all=True) if notification is None else MarkRead(ids=[notification])
    with write(hive) as session:
        feeds.mark_read(session, actor, body)
    return RedirectResponse("/inbox", status_code=303)


@router.get("/people/{name}/activity", response_class=HTMLResponse)
def person_activity(
    name: str, request: Request, hive: HiveDep, who: ViewerDep, before: Before = None
) -> HTMLResponse:
    """What a person did, or what happened to a team's objects, newest first."""
    with read(hive) as session:
        user = accounts.get_user(session, name)
        is_team = user.kind == "team"
        if is_team:
            feed = feeds.team_feed(session, who.actor, name, before, PAGE)
        else:
            feed = feeds.person_feed(session, who.actor, name, before, PAGE)
        target = f"{activity.TEAM if is_team else 'person'}:{name}"
        watching = feeds.is_watching(
            session, who.actor, activity.TEAM if is_team else "person", user.id
        )
    more = f"/people/{name}/activity?before={feed.next_before}" if feed.next_before else None
    context = {
        "title": f"{name}: activity",
        "name": name,
        "is_team": is_team,
        "events": feed.items,
        "more": more,
        "target": target,
        "watching": watching,
    }
    return page(request, "activity/feed.html", context)


def _local(path: str) -> str:
    """``path`` when it is a path of this site (never another origin), else the home page."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


@router.post("/watches", response_class=HTMLResponse)
def watch(
    hive: HiveDep,
    actor: FormActor,
    target: Annotated[str, Form(max_length=200, pattern=WATCH_PATTERN)],
    stop: Annotated[bool, Form()] = False,
    back: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Watch (or, with ``stop``, stop watching) an object, a person or a team."""
    with write(hive) as session:
        if stop:
            feeds.unwatch(session, actor, target)
        else:
            feeds.watch(session, actor, target)
    return RedirectResponse(_local(back), status_code=303)
