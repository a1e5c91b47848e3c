"""Open calls: ``/api/calls`` (a call on a dataset, task or model), their responses and the
owner's decisions. A call is as visible as its object; see ``services.social.calls``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.params import ObjectId, Offset
from mlhive.server.services import accounts
from mlhive.server.services.social import calls
from mlhive.wire.calls import (
    SUBJECT_PATTERN,
    CallCreate,
    CallDetail,
    CallOut,
    CallResponseOut,
    ResponseCreate,
)

router = APIRouter(prefix="/calls", tags=["calls"])
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post("", status_code=status.HTTP_201_CREATED)
def open_call(body: CallCreate, actor: RequiredActor, hive: HiveDep) -> CallDetail:
    """Open a call on an object you own (or write to as a team member)."""
    with write(hive) as session:
        call = calls.open_call(session, actor, body)
        return calls.detail(session, actor, call.id)


@router.get("")
def list_calls(
    actor: MaybeActor,
    hive: HiveDep,
    state: Annotated[Literal["open", "closed", "all"], Query()] = "open",
    skill: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=200, pattern=SUBJECT_PATTERN)] = None,
    author: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[Offset, Query()] = 0,
    limit: Limit = 100,
) -> list[CallOut]:
    """Calls on objects you may see, newest first: ``state`` (default open), a ``skill``
    wanted, a ``subject`` (``dataset:12``, ``task:3``, ``model:owner/name``), an ``author``."""
    with read(hive) as session:
        author_id = accounts.get_user(session, author).id if author is not None else None
        search = calls.CallSearch(
            state=None if state == "all" else state,
            skill=skill,
            subject=subject,
            author_id=author_id,
            offset=offset,
            limit=limit,
        )
        return calls.list_calls(session, actor, search)


@router.get("/{call_id}")
def get_call(call_id: ObjectId, actor: MaybeActor, hive: HiveDep) -> CallDetail:
    """A call with its responses."""
    with read(hive) as session:
        return calls.detail(session, actor, call_id)


@router.post("/{call_id}/responses", status_code=status.HTTP_201_CREATED)
def respond(
    call_id: ObjectId, body: ResponseCreate, actor: RequiredActor, hive: HiveDep
) -> CallResponseOut:
    """Answer the call, or volunteer for it."""
    with write(hive) as session:
        return calls.response_out(calls.respond(session, actor, call_id, body))


def _decision(decision: calls.Decision, summary: str) -> None:
    @router.post(f"/{{call_id}}/responses/{{response_id}}/{decision}", name=f"{decision}_response")
    def decide(
        call_id: ObjectId, response_id: ObjectId, actor: RequiredActor, hive: HiveDep
    ) -> CallResponseOut:
        with write(hive) as session:
            response = calls.decide(session, actor, call_id, response_id, decision)
            return calls.response_out(response)

    decide.__doc__ = summary


_decision("accept", "Accept a response: its author gets the call's access on exactly its object.")
_decision("decline", "Decline a pending response.")
_decision(
    "revoke",
    "Revoke an accepted response: the access it granted is gone from the next request on.",
)


@router.post("/{call_id}/close")
def close_call(call_id: ObjectId, actor: RequiredActor, hive: HiveDep) -> CallDetail:
    """Close the call: no more responses or acceptances; granted access stays until revoked."""
    with write(hive) as session:
        calls.close(session, actor, call_id)
        return calls.detail(session, actor, call_id)
