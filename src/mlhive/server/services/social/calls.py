"""Open calls: a post on a dataset, task or model asking for help, answered by people who
then may be accepted as collaborators on exactly that object.

The rules (``docs/profiles.md`` states them for users):

- a call is as visible as its object: every read finds the object for the caller first, and
  listings filter with the object's SQL visibility, so a call on a private dataset does not
  exist for those who cannot see the dataset;
- only those who change the object as its owner (the owner, a team's ``write`` and ``admin``
  members, administrators) open a call on it, and only they accept, decline or revoke; a
  collaborator's own grant never lets them open calls or grant others access;
- anyone with a key who sees the call responds while it is open (not its author), once while
  a response of theirs is pending;
- accepting a response records a grant (``object_collaborators``) of the call's access,
  ``read`` or ``write``, on exactly the call's object, which ``domain.access`` honours; the
  actor is read on every request, so revoking an acceptance removes the access on the next
  request;
- closing a call takes no more responses or acceptances; grants made through it stay until
  revoked.

Everything that happens to a call passes through :func:`announce`, the one place events and
notifications are emitted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.queries.datasets import visible_to as visible_datasets
from mlhive.server.db.tables.accounts import ObjectCollaborator
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Task
from mlhive.server.db.tables.forge import ModelRepo
from mlhive.server.db.tables.social import OpenCall, OpenCallResponse, OpenCallSkill
from mlhive.server.domain.access import Actor, can_write
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mlhive.server.domain.social import tags
from mlhive.server.services import activity
from mlhive.server.services.experiments.tasks import visible_tasks
from mlhive.server.services.forge.repos import visible_repos
from mlhive.server.services.social import objects
from mlhive.server.services.subjects import Subject
from mlhive.wire.calls import (
    MAX_SKILLS,
    CallCreate,
    CallDetail,
    CallOut,
    CallResponseOut,
    ResponseCreate,
)
from mlhive.wire.common import MAX_ID

CALL_KINDS = ("dataset", "task", "model")
CallEvent = Literal["opened", "responded", "accepted", "declined", "revoked", "closed"]


def announce(
    session: Session,
    event: CallEvent,
    call: OpenCall,
    response: OpenCallResponse | None = None,
    *,
    actor_id: int | None = None,
) -> None:
    """The one place where "a call was opened / answered / accepted / ..." happens, inside
    the transaction that made it so: it records the event on the call's object
    (:func:`mlhive.server.services.activity.record`, which tells only those who may see the
    object). A response is told to the call's author; a decision to the responder.
    ``actor_id`` is who did it (default: the call's author, or the responder for a
    response, or the decider for a decision)."""
    if actor_id is None:
        if event == "responded" and response is not None:
            actor_id = response.user_id
        elif response is not None and response.decided_by is not None:
            actor_id = response.decided_by
        else:
            actor_id = call.author_id
    owners: list[int] = []
    if event == "responded":
        owners = [call.author_id]
    elif response is not None:
        owners = [response.user_id]
    extra: dict[str, object] = {"call_id": call.id, "title": call.title}
    if response is not None:
        extra["response_id"] = response.id
    activity.record(
        session,
        actor_id,
        f"call.{event}",
        call.subject_kind,
        call.subject_id,
        extra=extra,
        owners=owners,
        watch_own=False,
    )


# -- finding --------------------------------------------------------------------------------


def _subject(session: Session, actor: Actor | None, ref: str) -> Subject:
    kind, _, key = ref.partition(":")
    if kind not in CALL_KINDS or not key:
        raise InvalidInput(
            f"subject: {ref!r} is not dataset:ID, task:ID or model:owner/name", field="subject"
        )
    if kind != "model" and (not key.isdigit() or int(key) > MAX_ID):
        raise NotFound(f"{ref} not found")
    return objects.find(session, actor, objects.kind_of(kind), key if kind == "model" else int(key))


def _subject_of(session: Session, actor: Actor | None, call: OpenCall) -> Subject:
    try:
        return objects.find(session, actor, objects.kind_of(call.subject_kind), call.subject_id)
    except NotFound:
        raise NotFound(f"open call {call.id} not found") from None


def get_call(session: Session, actor: Actor | None, call_id: int) -> tuple[OpenCall, Subject]:
    """A call and its object, for those who may see the object.

    Raises:
        NotFound: no such call, or one on an object the actor may not see.
    """
    call = session.get(OpenCall, call_id)
    if call is None:
        raise NotFound(f"open call {call_id} not found")
    return call, _subject_of(session, actor, call)


def may_manage(actor: Actor | None, subject: Subject) -> bool:
    """Whether ``actor`` changes ``subject`` as its owner side (grants do not count): who
    opens calls on it and accepts, declines and revokes their responses."""
    return can_write(actor, subject.owner_id)


def _require_manager(actor: Actor, subject: Subject, call: OpenCall) -> None:
    if not may_manage(actor, subject):
        raise PermissionDenied(
            f"only the owner of {subject.kind} {subject.id} (a team's write members for a "
            f"team's object) or an administrator may decide on open call {call.id}"
        )


def visible_calls(actor: Actor | None) -> ColumnElement[bool]:
    """Calls whose object ``actor`` may see, as SQL (the objects' own visibility rules)."""
    datasets = select(Dataset.id).where(visible_datasets(actor))
    task_ids = select(Task.id).join(Dataset, Dataset.id == Task.dataset_id)
    repos = select(ModelRepo.id).where(visible_repos(actor))
    return or_(
        and_(OpenCall.subject_kind == "dataset", OpenCall.subject_id.in_(datasets)),
        and_(
            OpenCall.subject_kind == "task",
            OpenCall.subject_id.in_(task_ids.where(visible_tasks(actor))),
        ),
        and_(OpenCall.subject_kind == "model", OpenCall.subject_id.in_(repos)),
    )


# -- writing --------------------------------------------------------------------------------


def open_call(session: Session, actor: Actor, body: CallCreate) -> OpenCall:
    """Open a call on an object the actor changes as its owner side.

    Raises:
        NotFound: the object does not exist or is not visible; PermissionDenied: the actor
        does not own it; InvalidInput: a skill is not a tag.
    """
    subject = _subject(session, actor, body.subject)
    if not may_manage(actor, subject):
        raise PermissionDenied(
            f"only the owner of {body.subject} (a team's write members for a team's object) or "
            "an administrator may open a call on it"
        )
    skills = tags.normalise_all(body.skills, "skills", MAX_SKILLS)
    call = OpenCall(
        subject_kind=subject.kind,
        subject_id=subject.id,
        author_id=actor.id,
        title=body.title.strip(),
        body=body.body,
        access=body.access,
        state="open",
    )
    session.add(call)
    session.flush()
    session.add_all(OpenCallSkill(call_id=call.id, skill=skill) for skill in skills)
    session.flush()
    announce(session, "opened", call)
    return call


def respond(session: Session, actor: Actor, call_id: int, body: ResponseCreate) -> OpenCallResponse:
    """Answer a call, or volunteer for it.

    Raises:
        NotFound: no such call (or not visible); Conflict: the call is closed, or the actor
        has a pending response already; InvalidInput: the actor opened the call.
    """
    call, _ = get_call(session, actor, call_id)
    if call.state != "open":
        raise Conflict(f"open call {call.id} is closed and takes no more responses")
    if call.author_id == actor.id:
        raise InvalidInput(f"open call {call.id} is yours: responses come from others")
    pending = session.scalar(
        select(OpenCallResponse.id).where(
            OpenCallResponse.call_id == call.id,
            OpenCallResponse.user_id == actor.id,
            OpenCallResponse.state == "pending",
        )
    )
    if pending is not None:
        raise Conflict(
            f"your response {pending} to open call {call.id} is still pending; wait for the "
            "owner's decision"
        )
    response = OpenCallResponse(
        call_id=call.id, user_id=actor.id, kind=body.kind, message=body.message, state="pending"
    )
    session.add(response)
    session.flush()
    announce(session, "responded", call, response)
    return response


def _response(session: Session, call: OpenCall, response_id: int) -> OpenCallResponse:
    response = session.get(OpenCallResponse, response_id)
    if response is None or response.call_id != call.id:
        raise NotFound(f"open call {call.id} has no response {response_id}")
    return response


Decision = Literal["accept", "decline", "revoke"]
_FROM: dict[Decision, tuple[str, str]] = {
    # decision: (state required, state after)
    "accept": ("pending", "accepted"),
    "decline": ("pending", "declined"),
    "revoke": ("accepted", "revoked"),
}


_EVENTS: dict[Decision, CallEvent] = {
    "accept": "accepted",
    "decline": "declined",
    "revoke": "revoked",
}


def decide(
    session: Session, actor: Actor, call_id: int, response_id: int, decision: Decision
) -> OpenCallResponse:
    """Accept (granting the call's access on its object), decline, or revoke an acceptance
    (removing that grant).

    Raises:
        PermissionDenied: not the object's owner side; Conflict: the response is not in the
        state the decision needs, or (to accept) the call is closed.
    """
    call, subject = get_call(session, actor, call_id)
    _require_manager(actor, subject, call)
    response = _response(session, call, response_id)
    required, after = _FROM[decision]
    if response.state != required:
        raise Conflict(
            f"response {response.id} is {response.state}; only a {required} response can be "
            f"{'revoked' if decision == 'revoke' else decision + 'ed'}"
        )
    if decision == "accept" and call.state != "open":
        raise Conflict(f"open call {call.id} is closed: reopen it by opening a new call")
    if decision == "accept" and not _granted(session, call, response.user_id):
        session.add(
            ObjectCollaborator(
                subject_kind=call.subject_kind,
                subject_id=call.subject_id,
                user_id=response.user_id,
                role=call.access,
                granted_by=actor.id,
                via_call_id=call.id,
            )
        )
    elif decision == "revoke" and not _still_granted_elsewhere(session, call, response):
        session.execute(
            delete(ObjectCollaborator).where(
                ObjectCollaborator.via_call_id == call.id,
                ObjectCollaborator.user_id == response.user_id,
            )
        )
    response.state, response.decided_at, response.decided_by = after, utcnow(), actor.id
    session.flush()
    announce(session, _EVENTS[decision], call, response)
    return response


def _granted(session: Session, call: OpenCall, user_id: int) -> bool:
    return (
        session.scalar(
            select(ObjectCollaborator.id).where(
                ObjectCollaborator.via_call_id == call.id, ObjectCollaborator.user_id == user_id
            )
        )
        is not None
    )


def _still_granted_elsewhere(session: Session, call: OpenCall, response: OpenCallResponse) -> bool:
    """Another accepted response of the same person on the same call keeps the grant."""
    others = session.scalar(
        select(func.count()).where(
            OpenCallResponse.call_id == call.id,
            OpenCallResponse.user_id == response.user_id,
            OpenCallResponse.state == "accepted",
            OpenCallResponse.id != response.id,
        )
    )
    return bool(others)


def close(session: Session, actor: Actor, call_id: int) -> OpenCall:
    """Close a call: no more responses or acceptances; grants made through it stay.

    Raises:
        PermissionDenied: not the object's owner side; Conflict: already closed.
    """
    call, subject = get_call(session, actor, call_id)
    _require_manager(actor, subject, call)
    if call.state == "closed":
        raise Conflict(f"open call {call.id} is already closed")
    call.state, call.closed_at = "closed", utcnow()
    session.flush()
    announce(session, "closed", call, actor_id=actor.id)
    return call


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallSearch:
    """A listing's filters: ``state`` ``open``, ``closed`` or None (both); ``skill`` a tag;
    ``subject`` ``kind:key`` (found for the caller first); ``author`` a name."""

    state: str | None = "open"
    skill: str | None = None
    subject: str | None = None
    author_id: int | None = None
    responder_id: int | None = None
    offset: int = 0
    limit: int = 100


def list_calls(session: Session, actor: Actor | None, search: CallSearch) -> list[CallOut]:
    """The calls ``actor`` may see that match ``search``, newest first."""
    stmt = select(OpenCall).where(visible_calls(actor))
    if search.state is not None:
        stmt = stmt.where(OpenCall.state == search.state)
    if search.skill is not None:
        skill = tags.normalise(search.skill, "skill")
        stmt = stmt.where(
            OpenCall.id.in_(select(OpenCallSkill.call_id).where(OpenCallSkill.skill == skill))
        )
    if search.subject is not None:
        subject = _subject(session, actor, search.subject)
        stmt = stmt.where(OpenCall.subject_kind == subject.kind, OpenCall.subject_id == subject.id)
    if search.author_id is not None:
        stmt = stmt.where(OpenCall.author_id == search.author_id)
    if search.responder_id is not None:
        stmt = stmt.where(
            OpenCall.id.in_(
                select(OpenCallResponse.call_id).where(
                    OpenCallResponse.user_id == search.responder_id
                )
            )
        )
    calls = list(
        session.scalars(stmt.order_by(OpenCall.id.desc()).offset(search.offset).limit(search.limit))
    )
    return describe_all(session, calls)


def calls_on(session: Session, subject: Subject, *, state: str | None = "open") -> list[CallOut]:
    """The calls on one object (found for the caller), newest first."""
    stmt = select(OpenCall).where(
        OpenCall.subject_kind == subject.kind, OpenCall.subject_id == subject.id
    )
    if state is not None:
        stmt = stmt.where(OpenCall.state == state)
    return describe_all(session, list(session.scalars(stmt.order_by(OpenCall.id.desc()))))


def describe_all(session: Session, calls: list[OpenCall]) -> list[CallOut]:
    """The wire form of calls (whose objects the reader may see: checked by the caller)."""
    ids = [call.id for call in calls]
    skills: dict[int, list[str]] = {i: [] for i in ids}
    for call_id, skill in session.execute(
        select(OpenCallSkill.call_id, OpenCallSkill.skill)
        .where(OpenCallSkill.call_id.in_(ids))
        .order_by(OpenCallSkill.skill)
    ):
        skills[call_id].append(skill)
    counts = Counter(
        session.scalars(select(OpenCallResponse.call_id).where(OpenCallResponse.call_id.in_(ids)))
    )
    people: dict[int, list[str]] = {i: [] for i in ids}
    for grant in session.scalars(
        select(ObjectCollaborator)
        .where(ObjectCollaborator.via_call_id.in_(ids))
        .order_by(ObjectCollaborator.id)
    ):
        people[grant.via_call_id].append(grant.user.name)
    out = []
    for call in calls:
        ref, page = _label(session, call)
        out.append(
            CallOut(
                id=call.id,
                subject=ref,
                subject_page=page,
                title=call.title,
                body=call.body,
                author=call.author.name,
                skills=skills[call.id],
                access="write" if call.access == "write" else "read",
                state="closed" if call.state == "closed" else "open",
                created_at=call.created_at,
                closed_at=call.closed_at,
                responses=counts.get(call.id, 0),
                collaborators=people[call.id],
            )
        )
    return out


def _label(session: Session, call: OpenCall) -> tuple[str, str]:
    if call.subject_kind == "model":
        repo = session.get_one(ModelRepo, call.subject_id)
        return f"model:{repo.full_name}", f"/models/{repo.full_name}"
    return f"{call.subject_kind}:{call.subject_id}", f"/{call.subject_kind}s/{call.subject_id}"


def response_out(response: OpenCallResponse) -> CallResponseOut:
    """The wire form of a response."""
    return CallResponseOut.model_validate(
        {
            "id": response.id,
            "call_id": response.call_id,
            "user": response.user.name,
            "kind": response.kind,
            "message": response.message,
            "state": response.state,
            "created_at": response.created_at,
            "decided_at": response.decided_at,
        }
    )


def detail(session: Session, actor: Actor | None, call_id: int) -> CallDetail:
    """A call with its responses, for those who may see its object."""
    call, subject = get_call(session, actor, call_id)
    responses = session.scalars(
        select(OpenCallResponse)
        .where(OpenCallResponse.call_id == call.id)
        .order_by(OpenCallResponse.id)
    )
    (summary,) = describe_all(session, [call])
    return CallDetail(
        **summary.model_dump(),
        response_list=[response_out(r) for r in responses],
        may_manage=may_manage(actor, subject),
    )
