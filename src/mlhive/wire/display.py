"""Short, readable faces for wire objects: a one-line ``repr`` and an HTML table for notebooks.

pydantic's own ``repr`` prints every field (a commit's whole card, a request's whole thread);
objects that people look at in a terminal or a notebook say instead what they are in one line,
and show their main fields as a small table in Jupyter (``_repr_html_``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence


class Displayed:
    """Mixin: subclasses give :meth:`_headline` and :meth:`_facts`; this renders them."""

    def _headline(self) -> str:
        raise NotImplementedError

    def _facts(self) -> Sequence[tuple[str, object]]:
        return ()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._headline()}>"

    def __str__(self) -> str:
        return self.__repr__()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(key)}</th>"
            f"<td style='text-align:left'>{html.escape(_text(value))}</td></tr>"
            for key, value in self._facts()
        )
        title = html.escape(f"{type(self).__name__} {self._headline()}")
        return f"<div><strong>{title}</strong><table>{rows}</table></div>"


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def first_line(text: str, width: int = 60) -> str:
    """The first line of ``text``, cut to ``width`` characters."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"
