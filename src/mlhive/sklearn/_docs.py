"""Descriptions of estimators and their parameters, read from numpydoc docstrings."""

from __future__ import annotations

import inspect
import re
from typing import Any

DESCRIPTION_LIMIT = 1024
PARAMETER_TEXT_LIMIT = 1000

_PARAMETER_LINE = re.compile(r"^(?P<names>[A-Za-z_][\w, ]*?)\s*(?::\s*(?P<type>.*))?$")


def _docstring_lines(cls: type[Any]) -> list[str]:
    return inspect.cleandoc(cls.__doc__ or "").splitlines()


def _is_header(lines: list[str], index: int) -> bool:
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return bool(lines[index].strip()) and set(following.strip()) == {"-"}


def class_description(cls: type[Any]) -> str:
    """The docstring's text before its first section, without the user-guide pointer."""
    lines = _docstring_lines(cls)
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _is_header(lines, index):
            break
        if "Read more in the" not in line:
            kept.append(line)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", "\n".join(kept)) if p.strip()]
    if not paragraphs:
        return f"{cls.__module__}.{cls.__qualname__}"
    # Whole paragraphs while they fit: a description cut mid-sentence reads badly.
    text = paragraphs[0][:DESCRIPTION_LIMIT]
    for paragraph in paragraphs[1:]:
        if len(text) + 2 + len(paragraph) > DESCRIPTION_LIMIT:
            break
        text = f"{text}\n\n{paragraph}"
    return text


def parameter_docs(cls: type[Any]) -> dict[str, tuple[str, str]]:
    """``{parameter: (data type, description)}`` from the docstring's ``Parameters`` section."""
    lines = _docstring_lines(cls)
    start = next(
        (
            i + 2
            for i, line in enumerate(lines)
            if line.strip() == "Parameters" and _is_header(lines, i)
        ),
        None,
    )
    if start is None:
        return {}
    docs: dict[str, tuple[str, list[str]]] = {}
    current: list[str] = []
    for index in range(start, len(lines)):
        line = lines[index]
        if _is_header(lines, index):
            break
        if line and not line[0].isspace():
            match = _PARAMETER_LINE.match(line.strip())
            current = []
            if match:
                for name in match["names"].split(","):
                    docs[name.strip()] = ((match["type"] or "").strip(), current)
        elif line.strip():
            current.append(line.strip())
    return {
        name: (data_type[:PARAMETER_TEXT_LIMIT], " ".join(text)[:PARAMETER_TEXT_LIMIT])
        for name, (data_type, text) in docs.items()
    }
