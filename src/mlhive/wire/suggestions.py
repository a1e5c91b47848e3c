"""Suggested collaborators and helpers: who to work with, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from mlhive.wire.common import WireModel
from mlhive.wire.display import Displayed

Signal = Literal["tasks", "datasets", "models", "interests", "results"]


class Reason(WireModel):
    """One piece of evidence behind a suggestion, counted only over what the reader may see."""

    signal: Signal = Field(
        description="tasks (runs on the same tasks), datasets (similar qualities), models "
        "(forks and merge requests), interests (profile tags), results (best on a task)"
    )
    score: float = Field(description="this signal's share of the suggestion's score")
    text: str = Field(description="the evidence in words, e.g. 'ran 14 flows on 3 of your tasks'")


class Suggestion(Displayed, WireModel):
    """An account whose work overlaps with the person's, ranked by ``score`` (0 to 1)."""

    name: str
    kind: Literal["user", "team"]
    score: float
    reasons: list[Reason] = Field(description="strongest first")

    def _headline(self) -> str:
        return f"{self.name} ({self.score:.2f})"

    def _facts(self) -> Sequence[tuple[str, object]]:
        return tuple((r.signal, r.text) for r in self.reasons)
