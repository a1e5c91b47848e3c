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


# --- Experiment pages (tasks, runs, flows, suites) -------------------------------------------

PALETTE = "tableau10"


def dots_with_spread(
    title: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    group: str,
    value: str,
    low: str,
    high: str,
    item: str,
    group_title: str,
    value_title: str,
    item_title: str,
) -> Spec:
    """One dot per item (e.g. a run) on a row per group (e.g. its flow), with a bar from
    ``low`` to ``high`` (e.g. the worst and best fold) behind each dot."""
    height = max(120, 34 * len({row[group] for row in rows}))
    spec = _base(title, f"{value_title} of every {item_title}, by {group_title}", rows, height)
    y = {"field": group, "type": "nominal", "title": None, "axis": {"labelLimit": 320}}
    x_scale = {"zero": False, "nice": True}
    offset = {"field": item, "type": "nominal", "legend": None}
    tooltip = [
        {"field": item, "type": "nominal", "title": item_title},
        {"field": group, "type": "nominal", "title": group_title},
        {"field": value, "type": "quantitative", "title": value_title, "format": ".4f"},
        {"field": low, "type": "quantitative", "title": "lowest fold", "format": ".4f"},
        {"field": high, "type": "quantitative", "title": "highest fold", "format": ".4f"},
    ]
    spec["encoding"] = {"y": y, "yOffset": offset, "tooltip": tooltip}
    spec["layer"] = [
        {
            "mark": {"type": "rule", "color": "#57606a", "strokeWidth": 2},
            "encoding": {
                "x": {
                    "field": low,
                    "type": "quantitative",
                    "title": value_title,
                    "scale": x_scale,
                    "axis": {"tickCount": 8},
                },
                "x2": {"field": high},
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 70, "color": "#9a3412"},
            "encoding": {
                "x": {
                    "field": value,
                    "type": "quantitative",
                    "title": value_title,
                    "scale": x_scale,
                }
            },
        },
    ]
    return spec


def lines_by_step(
    title: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    step: str,
    value: str,
    series: str,
    step_title: str,
    value_title: str,
    series_title: str,
    height: int = 200,
) -> Spec:
    """One line with points per series (e.g. a run) over ordered steps (e.g. its folds)."""
    spec = _base(title, f"{value_title} per {step_title}, by {series_title}", rows, height)
    spec["mark"] = {"type": "line", "point": {"filled": True, "size": 50}, "tooltip": True}
    spec["encoding"] = {
        "x": {"field": step, "type": "ordinal", "title": step_title, "axis": {"labelAngle": 0}},
        "y": {
            "field": value,
            "type": "quantitative",
            "title": value_title,
            "scale": {"zero": False},
        },
        "color": {
            "field": series,
            "type": "nominal",
            "title": series_title,
            "scale": {"scheme": PALETTE},
        },
        "tooltip": [
            {"field": series, "type": "nominal", "title": series_title},
            {"field": step, "type": "ordinal", "title": step_title},
            {"field": value, "type": "quantitative", "title": value_title, "format": ".4f"},
        ],
    }
    return spec


def heat_map(
    title: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    x: str,
    y: str,
    value: str,
    x_title: str,
    y_title: str,
    value_title: str,
    label: str | None = None,
    scheme: str = "oranges",
    reverse: bool = False,
) -> Spec:
    """Coloured cells of ``value`` on an ``x`` by ``y`` grid, each labelled with ``label``
    (default: the value) in a colour that keeps its contrast on light and dark cells."""
    height = max(160, 48 * len({row[y] for row in rows}))
    spec = _base(title, f"{value_title} by {y_title} and {x_title}", rows, height)
    values = [float(row[value]) for row in rows if row.get(value) is not None]
    middle = (min(values) + max(values)) / 2 if values else 0.0
    dark_high = not reverse
    test = f"datum['{value}'] {'>' if dark_high else '<'} {middle!r}"
    axis = {"labelLimit": 260}
    spec["encoding"] = {
        "x": {"field": x, "type": "nominal", "title": x_title, "axis": {**axis, "labelAngle": -30}},
        "y": {"field": y, "type": "nominal", "title": y_title, "axis": axis},
        "tooltip": [
            {"field": y, "type": "nominal", "title": y_title},
            {"field": x, "type": "nominal", "title": x_title},
            {"field": value, "type": "quantitative", "title": value_title, "format": ".4~f"},
        ],
    }
    spec["layer"] = [
        {
            "mark": {"type": "rect", "stroke": "#ffffff"},
            "encoding": {
                "color": {
                    "field": value,
                    "type": "quantitative",
                    "title": value_title,
                    "scale": {"scheme": scheme, "reverse": reverse},
                }
            },
        },
        {
            "mark": {"type": "text", "fontSize": 13},
            "encoding": {
                "text": (
                    {"field": label, "type": "nominal"}
                    if label
                    else {"field": value, "type": "quantitative", "format": ".4~f"}
                ),
                "color": {"condition": {"test": test, "value": "#ffffff"}, "value": "#1f2328"},
            },
        },
    ]
    return spec


def true_vs_predicted(
    title: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    truth: str,
    predicted: str,
    truth_title: str,
    predicted_title: str,
    height: int = 320,
) -> Spec:
    """Predicted against true values, one dot per sampled row, with the line where they agree."""
    spec = _base(title, f"{predicted_title} against {truth_title}", rows, height)
    numbers = [float(row[k]) for row in rows for k in (truth, predicted)]
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
    scale = {"domain": [low, high], "nice": False}
    spec["layer"] = [
        {
            "data": {"values": [{truth: low, predicted: low}, {truth: high, predicted: high}]},
            "mark": {"type": "line", "color": "#57606a", "strokeDash": [4, 4]},
            "encoding": {
                "x": {"field": truth, "type": "quantitative", "scale": scale},
                "y": {"field": predicted, "type": "quantitative", "scale": scale},
            },
        },
        {
            "mark": {"type": "point", "filled": True, "opacity": 0.5, "color": "#9a3412"},
            "encoding": {
                "x": {"field": truth, "type": "quantitative", "title": truth_title, "scale": scale},
                "y": {
                    "field": predicted,
                    "type": "quantitative",
                    "title": predicted_title,
                    "scale": scale,
                },
                "tooltip": [
                    {"field": truth, "type": "quantitative", "title": truth_title},
                    {"field": predicted, "type": "quantitative", "title": predicted_title},
                ],
            },
        },
    ]
    return spec
