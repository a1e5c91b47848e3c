"""Profiles: what a person (or a team) says about themselves, and what they contributed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import Field

from mlhive.wire.common import WireModel
from mlhive.wire.display import Displayed

MAX_INTERESTS = 30


class Contributions(WireModel):
    """What an account contributed, counted only over what the reader may see."""

    datasets: int = Field(description="dataset versions uploaded")
    tasks: int = Field(description="tasks created")
    runs: int = Field(description="runs uploaded")
    models: int = Field(description="model repositories owned")
    merged_merge_requests: int = Field(description="merge requests authored and merged")
    call_responses: int = Field(description="answers and offers to volunteer on open calls")
    discussion_posts: int = Field(description="posts in discussions")
    reproductions: int = Field(
        description="reproductions of others' runs that came to an outcome (reproduced or differs)"
    )


class PersonProfile(Displayed, WireModel):
    """A profile as the reader sees it: ``is_admin`` only for the person and administrators."""

    name: str
    kind: Literal["user", "team"]
    created_at: datetime
    bio: str = Field(description="Markdown; pages render it sanitised")
    affiliation: str
    interests: list[str] = Field(description="normalised free tags")
    contributions: Contributions
    is_admin: bool | None = Field(default=None, description="only for the person and admins")

    def _headline(self) -> str:
        return self.name

    def _facts(self) -> Sequence[tuple[str, object]]:
        return (("affiliation", self.affiliation), ("interests", self.interests))


class ProfileUpdate(WireModel):
    """The fields to change (the others stay); ``interests`` replaces the whole list."""

    bio: str | None = Field(default=None, max_length=20_000, description="Markdown")
    affiliation: str | None = Field(default=None, max_length=200)
    interests: list[str] | None = Field(
        default=None,
        max_length=MAX_INTERESTS,
        description="free tags, stored lower case with '-' for spaces and underscores",
    )
