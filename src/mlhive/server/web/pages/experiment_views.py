"""Helpers the experiment pages share: readable flow names and chart rows built from
evaluations (pure functions over wire objects; no database)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from mlhive.wire.runs import EvaluationOut

PAGE_SIZE = 50
CHART_RUNS = 500
"""At most this many runs are drawn in a task's score chart (the best first)."""
_DOTTED = re.compile(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)")


def readable_flow(name: str, limit: int = 120) -> str:
    """A flow name without module paths and with its components' own components folded:
    ``sklearn.pipeline.Pipeline(prep=a.B(c=d.E),model=sklearn.svm.SVC)`` reads
    ``Pipeline(prep=B(…), model=SVC)``; cut at ``limit`` characters."""
    short = _DOTTED.sub(r"\1", name)
    kept, depth = [], 0
    for char in short:
        if char == "(":
            depth += 1
            if depth <= 2:
                kept.append("(" if depth == 1 else "(…")
        elif char == ")":
            depth -= 1
            if depth <= 1:
                kept.append(")")
        elif depth < 2:
            kept.append(char)
    text = "".join(kept).replace(",", ", ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def measure_title(measure: str) -> str:
    """``root_mean_squared_error`` as ``root mean squared error``."""
    return measure.replace("_", " ")


def folds_of(per_fold: Sequence[Sequence[float | None]] | None) -> list[float]:
    """Every defined fold value of a ``per_fold[repeat][fold]`` list, flattened."""
    return [v for repeat in per_fold or [] for v in repeat if v is not None]


def spread_rows(items: Iterable[EvaluationOut]) -> list[dict[str, Any]]:
    """Chart rows: a run's value with its lowest and highest fold (the value when no folds)."""
    rows = []
    for item in items:
        if item.value is None:
            continue
        folds = folds_of(item.per_fold) or [item.value]
        rows.append(
            {
                "run": f"run {item.run_id}",
                "flow": readable_flow(item.flow_name, 60),
                "value": item.value,
                "low": min(folds),
                "high": max(folds),
            }
        )
    return rows


def fold_rows(
    series: str, per_fold: Sequence[Sequence[float | None]] | None
) -> list[dict[str, Any]]:
    """Chart rows of one series' per-fold values (fold numbers from 1; repeats in the label)."""
    repeats = per_fold or []
    rows = []
    for r, repeat in enumerate(repeats):
        label = series if len(repeats) == 1 else f"{series}, repeat {r + 1}"
        rows += [
            {"series": label, "fold": f + 1, "value": v}
            for f, v in enumerate(repeat)
            if v is not None
        ]
    return rows


def href(path: str, **params: Any) -> str:
    """``path`` with the query parameters that are not None."""
    given = {k: v for k, v in params.items() if v is not None and v != ""}
    return f"{path}?{urlencode(given, doseq=True)}" if given else path


def short_name(name: str) -> str:
    """A flow name short enough for a list or a tree (see :func:`readable_flow`)."""
    return readable_flow(name, 70)
