"""Open calls: a request for help on a dataset, task or model, and the answers to it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import Field

from mlhive.wire.common import WireModel
from mlhive.wire.display import Displayed

CallAccess = Literal["read", "write"]
CallState = Literal["open", "closed"]
ResponseKind = Literal["answer", "volunteer"]
ResponseState = Literal["pending", "accepted", "declined", "revoked"]
MAX_SKILLS = 20
SUBJECT_PATTERN = r"^(dataset|task):[0-9]{1,10}$|^model:[^/\s]{1,64}/[^/\s]{1,128}$"


class CallCreate(WireModel):
    subject: str = Field(
        pattern=SUBJECT_PATTERN,
        max_length=200,
        description="the object the call is about: dataset:12, task:3 or model:owner/name",
    )
    title: str = Field(min_length=1, max_length=200, pattern=r"\S")
    body: str = Field(default="", max_length=100_000, description="Markdown")
    skills: list[str] = Field(default=[], max_length=MAX_SKILLS, description="free tags")
    access: CallAccess = Field(
        default="write",
        description="what an accepted collaborator gets, on exactly the subject: read or write",
    )


class ResponseCreate(WireModel):
    kind: ResponseKind = Field(description="answer (information) or volunteer (to do the work)")
    message: str = Field(min_length=1, max_length=20_000, description="Markdown")


class CallResponseOut(WireModel):
    id: int
    call_id: int
    user: str
    kind: ResponseKind
    message: str
    state: ResponseState
    created_at: datetime
    decided_at: datetime | None


class CallOut(Displayed, WireModel):
    id: int
    subject: str = Field(description="dataset:12, task:3 or model:owner/name")
    subject_page: str
    title: str
    body: str
    author: str
    skills: list[str]
    access: CallAccess
    state: CallState
    created_at: datetime
    closed_at: datetime | None
    responses: int
    collaborators: list[str] = Field(description="users whose acceptance still stands")

    def _headline(self) -> str:
        return f"#{self.id} {self.title!r} on {self.subject}"

    def _facts(self) -> Sequence[tuple[str, object]]:
        return (("state", self.state), ("skills", self.skills), ("access", self.access))


class CallDetail(CallOut):
    """A call with its responses, oldest first."""

    response_list: list[CallResponseOut]
    may_manage: bool = Field(description="whether the reader may accept, decline and close")
