"""Vega-Lite specs built from the server's own data; pages embed them and the vendored Vega
libraries draw them. Every chart has a title, axis titles and tooltips."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Spec = dict[str, Any]
WIDTH = "container"
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier, never fetched


def _base(title: str, description: str, rows: Sequence[Mapping[str, Any]], height: int) -> Spec:
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": height,
        "data": {"values": list(rows)},
        "config": {"view": {"stroke": None}, "font": "system-ui, sans-serif"},
    }


def bars(
    title: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    category: str,
    value: str,
    category_title: str,
    value_title: str,
    height: int = 160,
) -> Spec:
    """A horizontal bar per category (for example the classes of a target and their counts)."""
    spec = _base(title, f"{value_title} per {category_title}", rows, height)
    spec["mark"] = {"type": "bar", "color": "#9a3412", "tooltip": True}
    spec["encoding"] = {
        "y": {"field": category, "type": "nominal", "title": category_title, "sort": "-x"},
        "x": {"field": value, "type": "quantitative", "title": value_title},
        "tooltip": [
            {"field": category, "type": "nominal", "title": category_title},
            {"field": value, "type": "quantitative", "title": value_title},
        ],
    }
    return spec


# --- dataset pages ---------------------------------------------------------------------------


def histogram(
    title: str,
    bins: Sequence[Mapping[str, Any]],
    *,
    value_title: str,
    count_title: str = "Rows",
    temporal: bool = False,
    height: int = 70,
) -> Spec:
    """Counts per value range: ``bins`` have ``start``, ``end`` and ``count``. When every bin is
    a single value (``start == end``, a column with few distinct values), one bar per value."""
    kind = "temporal" if temporal else "quantitative"
    spec = _base(title, f"{count_title} per range of {value_title}", bins, height)
    spec["mark"] = {"type": "bar", "color": "#0969da", "tooltip": True}
    tooltip = [
        {"field": "start", "type": kind, "title": "from"},
        {"field": "end", "type": kind, "title": "to"},
        {"field": "count", "type": "quantitative", "title": count_title},
    ]
    if bins and all(b["start"] == b["end"] for b in bins):
        spec["encoding"] = {
            "x": {"field": "start", "type": "ordinal", "title": value_title, "sort": None},
            "y": {"field": "count", "type": "quantitative", "title": count_title},
            "tooltip": [tooltip[0], tooltip[2]],
        }
        return spec
    spec["encoding"] = {
        "x": {"field": "start", "type": kind, "title": value_title, "bin": {"binned": True}},
        "x2": {"field": "end"},
        "y": {"field": "count", "type": "quantitative", "title": count_title},
        "tooltip": tooltip,
    }
    return spec
