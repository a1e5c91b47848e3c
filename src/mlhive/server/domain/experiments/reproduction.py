"""Comparing a run's measures with a reproduction's: pure rules, no database.

Every measure the original run has a value for is compared with the reproduction's value of
the same measure. The difference is absolute (``|reproduced - original|``); the relative one
(divided by ``|original|``) is shown beside it. A measure is *within* the tolerance when its
absolute difference is at most the tolerance; a measure the reproduction lacks is not. The
outcome is ``reproduced`` when every measure is within, else ``differs``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

DEFAULT_TOLERANCE = 1e-9
"""Absolute tolerance when a request gives none: what floating-point noise allows for a
deterministic estimator (``random_state`` is part of the setup) re-run on the same splits."""

MAX_LOG_CHARS = 20_000
"""A reproduction's log is cut to its last this many characters."""

Outcome = Literal["reproduced", "differs"]


@dataclass(frozen=True)
class MeasureDiff:
    """One measure of the original beside the reproduction's."""

    measure: str
    original: float
    reproduced: float | None
    abs_diff: float | None
    rel_diff: float | None
    within: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "original": self.original,
            "reproduced": self.reproduced,
            "abs_diff": self.abs_diff,
            "rel_diff": self.rel_diff,
            "within": self.within,
        }


def compare(
    original: Mapping[str, float | None],
    reproduced: Mapping[str, float | None],
    tolerance: float,
) -> tuple[Outcome, list[MeasureDiff]]:
    """The outcome and each measure's difference, the ones that differ most first.

    Measures the original has no value for (array-valued ones) are not compared; a measure
    missing from the reproduction (or with no value there) counts as differing.
    """
    diffs = []
    for name in sorted(original):
        before = original[name]
        if before is None or not math.isfinite(before):
            continue
        after = reproduced.get(name)
        if after is None or not math.isfinite(after):
            diffs.append(MeasureDiff(name, before, after, None, None, False))
            continue
        gap = abs(after - before)
        rel = gap / abs(before) if before != 0 else (0.0 if gap == 0 else None)
        diffs.append(MeasureDiff(name, before, after, gap, rel, gap <= tolerance))
    diffs.sort(key=lambda d: (d.within, -(math.inf if d.abs_diff is None else d.abs_diff)))
    outcome: Outcome = "reproduced" if diffs and all(d.within for d in diffs) else "differs"
    return outcome, diffs


def largest_gap(diffs: list[MeasureDiff]) -> float | None:
    """The largest absolute difference (None: nothing was compared numerically)."""
    gaps = [d.abs_diff for d in diffs if d.abs_diff is not None]
    return max(gaps) if gaps else None


def bounded_log(text: str) -> str:
    """The log kept: its last :data:`MAX_LOG_CHARS` characters, saying what was cut."""
    if len(text) <= MAX_LOG_CHARS:
        return text
    return "[… earlier lines cut]\n" + text[-MAX_LOG_CHARS:]
