"""Discussions: threads on any object (dataset, task, flow, run, suite, study, model)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import Field

from mlhive.wire.common import StoredId, WireModel
from mlhive.wire.display import Displayed

SubjectKind = Literal["dataset", "task", "flow", "run", "suite", "study", "model"]
ThreadAction = Literal["close", "reopen", "pin", "unpin", "lock", "unlock"]


class ThreadCreate(WireModel):
    title: str = Field(min_length=1, max_length=256, pattern=r"\S")
    body: str = Field(min_length=1, max_length=100_000, description="the first post (Markdown)")


class ReplyCreate(WireModel):
    body: str = Field(min_length=1, max_length=100_000, description="Markdown")
    reply_to: StoredId | None = Field(default=None, description="a post id of this thread")


class PostEdit(WireModel):
    body: str = Field(min_length=1, max_length=100_000, description="the new Markdown")


class ReferenceOut(WireModel):
    """An object a post names that the reader may see, and its page."""

    ref: str = Field(description="as written: dataset:12, model:alice/net")
    kind: SubjectKind
    page: str


class PostOut(WireModel):
    id: int
    author: str
    body: str
    reply_to: int | None
    created_at: datetime
    edited_at: datetime | None = Field(description="set once the post was edited")
    edits: int = Field(description="how many earlier versions are kept")
    mentions: list[str] = Field(description="users mentioned with @name")
    references: list[ReferenceOut] = Field(description="named objects the reader may see")


class PostVersion(WireModel):
    """An earlier body of a post, replaced by an edit."""

    body: str
    editor: str
    written_at: datetime
    replaced_at: datetime


class ThreadSummary(Displayed, WireModel):
    id: int
    subject: str = Field(description="the object discussed: dataset:12, model:alice/net")
    subject_page: str
    title: str
    author: str
    state: Literal["open", "closed"]
    pinned: bool
    locked: bool
    created_at: datetime
    last_post_at: datetime
    posts: int

    def _headline(self) -> str:
        return f"#{self.id} {self.title!r} on {self.subject}"

    def _facts(self) -> Sequence[tuple[str, object]]:
        return (("state", self.state), ("posts", self.posts), ("author", self.author))


class ThreadOut(ThreadSummary):
    thread: list[PostOut] = Field(description="the first post, then the replies, oldest first")
