"""Model cards as Markdown with YAML front matter, and the merge-request rules.

The YAML is written by a small emitter of our own (block mappings and sequences, strings
always double-quoted, which is valid YAML and cannot be misread as another type).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from mlhive.wire.models import DataSeen, MeasureComparison, MergeRule, ModelCard

_INDENT = "  "


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _lines(value: Any, depth: int) -> list[str]:
    pad = _INDENT * depth
    if isinstance(value, dict):
        out: list[str] = []
        for key, item in value.items():
            label = key if _plain(key) else _scalar(key)
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}{label}:")
                out += _lines(item, depth + 1)
            else:
                out.append(f"{pad}{label}: {_flow(item)}")
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, dict) and item:
                nested = _lines(item, depth + 1)
                out.append(f"{pad}- {nested[0].lstrip()}")
                out += nested[1:]
            elif isinstance(item, list) and item:
                out.append(f"{pad}- {_flow(item)}")
            else:
                out.append(f"{pad}- {_flow(item)}")
        return out
    return [f"{pad}{_scalar(value)}"]


def _plain(key: Any) -> bool:
    text = str(key)
    return text.replace("_", "").isalnum() and text.isascii() and not text[:1].isdigit()


def _flow(value: Any) -> str:
    """A value on one line: scalars, or ``[]``/``{}``/flow sequences of scalars."""
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


def to_yaml(document: dict[str, Any]) -> str:
    """A YAML rendering of a JSON-like mapping (keys in the given order)."""
    return "\n".join(_lines(document, 0)) + "\n"


def front_matter(card: ModelCard, repo: str, commit: str) -> dict[str, Any]:
    """The card's structured part, in the shape model hubs use (``library_name`` etc.)."""
    data = card.model_dump(mode="json", exclude={"text", "intended_use", "limitations"})
    document: dict[str, Any] = {
        "repo": repo,
        "commit": commit,
        "library_name": data.pop("library"),
        "license": data.pop("licence"),
    }
    document.update(data)
    return {k: v for k, v in document.items() if not _is_empty(v)}


_TASK_WORDS = {
    "supervised_classification": "classification",
    "supervised_regression": "regression",
    "learning_curve": "classification (learning curve)",
    "clustering": "clustering",
}


def summary(card: ModelCard) -> str:
    """What the hive knows of a model, in sentences: what it is, what it learnt from.

    Example:
        >>> summary(ModelCard(model_type="sklearn.svm.SVC", task_type="supervised_regression"))
        'A sklearn.svm.SVC for regression.'
    """
    library = " ".join(p for p in (card.library, card.library_version) if p)
    kind = card.model_type or "model"
    made = f"A {kind}" + (f" ({library})" if library else "")
    if card.task_type in _TASK_WORDS:
        made += f" for {_TASK_WORDS[card.task_type]}"
    sentences = [made + "."]
    lineage = card.lineage
    if lineage.task_id is not None or lineage.dataset_id is not None:
        where = [f"task {lineage.task_id}"] if lineage.task_id is not None else []
        if lineage.dataset_id is not None:
            version = f" version {lineage.dataset_version}" if lineage.dataset_version else ""
            where.append(f"dataset {lineage.dataset_id}{version}")
        run = f", as run {lineage.run_id}" if lineage.run_id is not None else ""
        sentences.append(f"Trained on {' of '.join(where)}{run}.")
    if card.base_models:
        method = f" by {card.merge.method}" if card.merge else ""
        bases = ", ".join(
            f"{b.repo}" + (f"@{b.commit[:12]}" if b.commit else "")
            + (f" (weight {b.coefficient:g})" if b.coefficient is not None else "")
            for b in card.base_models
        )  # fmt: skip
        sentences.append(f"Made{method} from {bases}.")
    if card.input_schema:
        sentences.append(f"Takes {len(card.input_schema)} input columns.")
    labels = card.output_schema.class_labels
    if labels:
        sentences.append(f"Predicts one of {len(labels)} classes: {', '.join(labels[:10])}.")
    return " ".join(sentences)


def card_markdown(card: ModelCard, repo: str, commit: str) -> str:
    """The model card as Markdown with YAML front matter.

    Args:
        card: the commit's card.
        repo: ``owner/name``.
        commit: the commit id.

    Returns:
        ``---`` YAML ``---`` followed by the free-text sections.
    """
    parts = ["---\n", to_yaml(front_matter(card, repo, commit)), "---\n\n", f"# {repo}\n"]
    for title, body in (
        ("Model", summary(card)),
        ("Intended use", card.intended_use),
        ("Limitations", card.limitations),
        ("", card.text),
    ):
        if body.strip():
            parts.append(f"\n## {title}\n\n{body.strip()}\n" if title else f"\n{body.strip()}\n")
    if card.metrics:
        parts.append(
            "\n## Metrics\n\n| measure | value | task | run | source |\n|---|---|---|---|---|\n"
        )
        for m in card.metrics:
            value = "" if m.value is None else f"{m.value:.6g}"
            parts.append(
                f"| {m.name} | {value} | {m.task_id or ''} | {m.run_id or ''} | {m.source} |\n"
            )
    if card.data_seen:
        parts.append(
            "\n## Data seen\n\n| dataset | version | rows | time range | applied | source |\n"
            "|---|---|---|---|---|---|\n"
        )
        for d in card.data_seen:
            parts.append(
                f"| {d.name or ''} ({d.dataset_id}) | {d.version or ''} | "
                f"{'' if d.rows is None else d.rows} | {time_range(d)} | "
                f"{d.applied_at.isoformat() if d.applied_at else ''} | {d.source} |\n"
            )
    return "".join(parts)


def time_range(seen: DataSeen) -> str:
    """``column: from → to`` of a data-seen entry, or "" when it has no time column."""
    if not seen.time_column:
        return ""
    return f"{seen.time_column}: {seen.time_from or '?'} → {seen.time_to or '?'}"


def rule_violations(
    rules: Sequence[MergeRule], comparison: Sequence[MeasureComparison]
) -> list[str]:
    """The rules a merge request's evaluation breaks (empty: it may be merged).

    A rule on a measure that was not evaluated is a violation: nothing unchecked gets merged.
    """
    violations: list[str] = []
    for rule in rules:
        rows = [c for c in comparison if rule.measure in ("*", c.measure)]
        if not rows and rule.measure != "*":
            violations.append(f"{rule.measure}: not evaluated, so the rule cannot be checked")
        for row in rows:
            violations += _check(rule, row)
    return violations


def _check(rule: MergeRule, row: MeasureComparison) -> list[str]:
    where = f"{row.measure} on task {row.task_id}"
    if row.candidate is None:
        return [f"{where}: the candidate has no value"]
    found = []
    if rule.max_drop is not None and row.target is not None:
        worse = row.target - row.candidate if row.higher_is_better else row.candidate - row.target
        if worse > rule.max_drop + 1e-12:
            found.append(
                f"{where}: {row.target:.4f} → {row.candidate:.4f} is worse by {worse:.4f} "
                f"(at most {rule.max_drop:g} allowed)"
            )
    if rule.min is not None and row.candidate < rule.min:
        found.append(f"{where}: {row.candidate:.4f} is below the minimum {rule.min:g}")
    if rule.max is not None and row.candidate > rule.max:
        found.append(f"{where}: {row.candidate:.4f} is above the maximum {rule.max:g}")
    return found
