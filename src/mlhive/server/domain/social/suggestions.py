"""Ranking suggested collaborators: pure scoring over the evidence the services gathered.

Each signal gives, per candidate, a raw strength (already discounted for popularity: a task
or a tag everyone shares says little) and a sentence. A raw strength ``r`` becomes a score in
[0, 1) by saturation, ``r / (r + half)``, so that the first pieces of evidence count most and
one prolific candidate cannot swamp the others; a candidate's score is the weighted sum of its
signals' scores, divided by the sum of the weights (so it stays in [0, 1)).

The weights (see ``docs/suggestions.md`` for the reasoning and the measured recall):

- ``models`` 0.35: forking someone's model or sending it merge requests is direct,
  deliberate work on each other's work, the strongest evidence there is;
- ``tasks`` 0.30: running on the same tasks is the most common overlap and, discounted by
  how many people run on each task, a good one;
- ``datasets`` 0.20: owning datasets near each other in quality space shows a shared domain,
  but nearness is fuzzier than a shared task;
- ``interests`` 0.15: self-declared tags are cheap to claim, so they only tip the balance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

WEIGHTS: dict[str, float] = {"models": 0.35, "tasks": 0.30, "datasets": 0.20, "interests": 0.15}
HALF: dict[str, float] = {"models": 1.0, "tasks": 1.5, "datasets": 1.0, "interests": 1.0}
"""The raw strength at which a signal's score reaches one half."""


@dataclass(frozen=True)
class Evidence:
    """One signal's raw strength for one candidate, and its sentence."""

    raw: float
    text: str


@dataclass(frozen=True)
class Ranked:
    """A candidate's total score and its reasons ``(signal, score, text)``, strongest first."""

    candidate: int
    score: float
    reasons: tuple[tuple[str, float, str], ...]


def popularity_weight(others: int, population: int) -> float:
    """What one shared task or tag is worth when ``others`` other people of ``population``
    share it too (an inverse document frequency scaled to [0, 1]): 1 for a pair alone on it,
    0 for something everyone shares."""
    population = max(population, 2)
    others = min(max(others, 1), population)
    return (math.log(population / others) / math.log(population)) ** 2


def saturate(raw: float, half: float) -> float:
    """``raw`` on [0, 1): one half at ``half``."""
    return raw / (raw + half) if raw > 0 else 0.0


def rank(
    signals: Mapping[str, Mapping[int, Evidence]],
    exclude: Iterable[int],
    limit: int,
    weights: Mapping[str, float] = WEIGHTS,
) -> list[Ranked]:
    """The ``limit`` best candidates over all signals, leaving out ``exclude``; ties go to
    the lower id, so the order is deterministic."""
    left_out = set(exclude)
    total = sum(weights[s] for s in signals) or 1.0
    parts: dict[int, list[tuple[str, float, str]]] = {}
    for signal, found in signals.items():
        for candidate, evidence in found.items():
            if candidate in left_out or evidence.raw <= 0:
                continue
            share = weights[signal] * saturate(evidence.raw, HALF[signal]) / total
            parts.setdefault(candidate, []).append((signal, share, evidence.text))
    ranked = [
        Ranked(c, sum(p[1] for p in reasons), tuple(sorted(reasons, key=lambda p: -p[1])))
        for c, reasons in parts.items()
    ]
    ranked.sort(key=lambda r: (-r.score, r.candidate))
    return ranked[:limit]


def rank_helpers(
    found: Mapping[int, list[tuple[float, str]]], limit: int, shown: int = 3
) -> list[Ranked]:
    """Helpers by the sum of their results' strengths (a board's weight over the place on
    it), saturated to [0, 1) at one half for a single first place; their ``shown`` strongest
    results are the reasons."""
    ranked = []
    for candidate, results in found.items():
        strongest = sorted(results, key=lambda r: -r[0])
        total = sum(r[0] for r in results)
        score = saturate(total, 1.0)
        reasons = tuple(("results", score * s / total, text) for s, text in strongest[:shown])
        ranked.append(Ranked(candidate, score, reasons))
    ranked.sort(key=lambda r: (-r.score, r.candidate))
    return ranked[:limit]


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 task``, ``3 tasks``."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def listed(names: list[str], shown: int = 3) -> str:
    """``a, b, c and 2 more``."""
    head = ", ".join(names[:shown])
    rest = len(names) - shown
    return f"{head} and {rest} more" if rest > 0 else head
