"""Mentions (``@name``) and references (``dataset:12``, ``model:alice/net``) in post text.

Both are found outside code (fenced blocks and inline code spans stay literal, as a reader
expects of code). :func:`link` rewrites the Markdown so that the mentions and references the
caller chose (those whose target the reader may see) become links; everything else stays text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9]"
# Not inside a word, a path, an address or an earlier reference (``x/dataset:1``, ``a@b``).
_MENTION = re.compile(rf"(?<![\w@/.:-])@(?P<name>{_NAME})")
_REFERENCE = re.compile(
    rf"(?<![\w@/.:-])(?:(?P<kind>dataset|task|flow|run|suite|study):(?P<id>[0-9]{{1,18}})(?![\w/])"
    rf"|model:(?P<repo>(?:{_NAME})/(?:{_NAME})))"
)
_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.DOTALL)


@dataclass(frozen=True)
class Reference:
    """An object named in text: ``kind`` and its key (an id, or ``owner/name`` for models)."""

    kind: str
    key: str

    @property
    def ref(self) -> str:
        """As written: ``dataset:12``, ``model:alice/net``."""
        return f"{self.kind}:{self.key}"


def _prose(text: str) -> Iterator[tuple[bool, str]]:
    """``text`` cut into (is_prose, piece): code pieces are never looked into."""
    start = 0
    for code in _CODE.finditer(text):
        yield True, text[start : code.start()]
        yield False, code.group(0)
        start = code.end()
    yield True, text[start:]


def mentions(text: str) -> list[str]:
    """The names mentioned with ``@``, in order of first appearance, each once."""
    found = (
        m.group("name") for prose, part in _prose(text) if prose for m in _MENTION.finditer(part)
    )
    return list(dict.fromkeys(found))


def _reference(match: re.Match[str]) -> Reference:
    if match.group("repo"):
        return Reference("model", match.group("repo"))
    return Reference(match.group("kind"), str(int(match.group("id"))))


def references(text: str) -> list[Reference]:
    """The objects referred to, in order of first appearance, each once."""
    found = (
        _reference(m) for prose, part in _prose(text) if prose for m in _REFERENCE.finditer(part)
    )
    return list(dict.fromkeys(found))


def link(text: str, refs: Mapping[str, str], people: Mapping[str, str]) -> str:
    """``text`` with the references in ``refs`` (ref → path) and the mentions in ``people``
    (name → path) turned into Markdown links; the paths are the server's own, never the
    author's, so a link cannot point anywhere else."""

    def ref_link(match: re.Match[str]) -> str:
        path = refs.get(_reference(match).ref)
        return match.group(0) if path is None else f"[{match.group(0)}]({path})"

    def person_link(match: re.Match[str]) -> str:
        path = people.get(match.group("name"))
        return match.group(0) if path is None else f"[{match.group(0)}]({path})"

    pieces = []
    for prose, part in _prose(text):
        if prose:
            part = _MENTION.sub(person_link, _REFERENCE.sub(ref_link, part))
        pieces.append(part)
    return "".join(pieces)
