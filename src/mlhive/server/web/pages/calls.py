"""Open calls in a browser: the "Open calls" section of dataset, task and model pages, the
list of calls, a call's page with its responses, and the forms to open a call, respond,
accept, decline, revoke and close (each a sign-in session's form with its CSRF token).
Access is the services': a call is as visible as its object."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.http.deps import HiveDep, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services.social import calls, objects
from mlhive.server.services.subjects import Kind
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import FormActor, Viewer, ViewerDep
from mlhive.server.wiring import Hive
from mlhive.wire.calls import CallAccess, CallCreate, ResponseCreate, ResponseKind

router = pages(tags=["pages"])
CALL = "/calls/{call_id}"
SHOWN = 100


def section(hive: Hive, who: Viewer, kind: Kind, key: int | str) -> dict[str, Any]:
    """The "Open calls" section of an object page: its open calls, and the form to open one
    for those who own the object."""
    with read(hive) as session:
        subject = objects.find(session, who.actor, kind, key)
        found = calls.calls_on(session, subject)
        ref, _ = objects.label(session, subject)
        may_open = calls.may_manage(who.actor, subject)
    return {"calls": found, "subject": ref, "may_open": may_open}


Model = TypeVar("Model", bound=BaseModel)


def valid(model: type[Model], **values: Any) -> Model:
    """A form's fields as ``model``; a bad field is a 422 page naming it."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or model.__name__
        raise InvalidInput(f"{where}: {first['msg']}", field=where) from None


def split_tags(raw: str) -> list[str]:
    """Comma-separated tags as a form gives them (empty entries dropped: "a, , b")."""
    return [part for part in (p.strip() for p in raw.split(",")) if part]


@router.get("/calls", response_class=HTMLResponse)
def list_page(
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    state: Annotated[Literal["open", "closed", "all"], Query()] = "open",
    skill: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """Calls on objects the viewer may see, newest first, by state and skill."""
    with read(hive) as session:
        search = calls.CallSearch(
            state=None if state == "all" else state, skill=skill or None, limit=SHOWN
        )
        found = calls.list_calls(session, who.actor, search)
    context = {"title": "Open calls", "calls": found, "state": state, "skill": skill or ""}
    return page(request, "calls/list.html", context)


@router.get(CALL, response_class=HTMLResponse)
def call_page(call_id: ObjectId, request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """A call: its object, the skills wanted, the access offered, its responses and forms."""
    with read(hive) as session:
        found = calls.detail(session, who.actor, call_id)
    actor = who.actor
    context = {
        "title": f"{found.title} · {found.subject}",
        "c": found,
        "may_respond": actor is not None and found.state == "open" and actor.name != found.author,
    }
    return page(request, "calls/call.html", context)


def _back(call_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/calls/{call_id}{anchor}", status_code=303)


@router.post("/calls", response_class=HTMLResponse)
def open_call(
    hive: HiveDep,
    actor: FormActor,
    subject: Annotated[str, Form(min_length=1, max_length=200)],
    title: Annotated[str, Form(min_length=1, max_length=200)],
    body: Annotated[str, Form(max_length=100_000)] = "",
    skills: Annotated[str, Form(max_length=2000)] = "",
    access: Annotated[CallAccess, Form()] = "write",
) -> Response:
    """Open a call on an object the viewer owns."""
    request = valid(
        CallCreate,
        subject=subject,
        title=title,
        body=body,
        skills=split_tags(skills),
        access=access,
    )
    with write(hive) as session:
        call_id = calls.open_call(session, actor, request).id
    return _back(call_id)


@router.post(CALL + "/responses", response_class=HTMLResponse)
def respond(
    call_id: ObjectId,
    hive: HiveDep,
    actor: FormActor,
    kind: Annotated[ResponseKind, Form()],
    message: Annotated[str, Form(min_length=1, max_length=20_000)],
) -> Response:
    """Answer the call or volunteer for it."""
    with write(hive) as session:
        body = valid(ResponseCreate, kind=kind, message=message)
        response_id = calls.respond(session, actor, call_id, body).id
    return _back(call_id, f"#response-{response_id}")


@router.post(CALL + "/responses/{response_id}/{decision}", response_class=HTMLResponse)
def decide(
    call_id: ObjectId,
    response_id: ObjectId,
    decision: calls.Decision,
    hive: HiveDep,
    actor: FormActor,
) -> Response:
    """Accept, decline or revoke a response (the object's owner side)."""
    with write(hive) as session:
        calls.decide(session, actor, call_id, response_id, decision)
    return _back(call_id, f"#response-{response_id}")


@router.post(CALL + "/close", response_class=HTMLResponse)
def close(call_id: ObjectId, hive: HiveDep, actor: FormActor) -> Response:
    """Close the call (granted access stays until revoked)."""
    with write(hive) as session:
        calls.close(session, actor, call_id)
    return _back(call_id)
