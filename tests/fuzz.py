"""Bounded, reproducible fuzzing of the parsers with Hypothesis.

Every run draws the same examples (``derandomize=True``, no example database), so a failure in
CI is a failure on every machine. ``MLHIVE_FUZZ_EXAMPLES`` sets how many examples each fuzz
test draws (:data:`DEFAULT_EXAMPLES` by default: a few seconds per parser); set it to
thousands for a longer hunt, e.g. ``MLHIVE_FUZZ_EXAMPLES=5000 pytest -k fuzz``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

DEFAULT_EXAMPLES = 150
EXAMPLES = int(os.environ.get("MLHIVE_FUZZ_EXAMPLES") or DEFAULT_EXAMPLES)

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""The settings of every fuzz test."""


EDITS = ("replace", "insert", "delete", "cut", "unicode")
IN_PLACE = ("replace", "unicode")


@st.composite
def mutated(
    draw: st.DrawFn,
    seeds: Sequence[bytes],
    pieces: Sequence[bytes] = (),
    tail: int = 0,
    edits: Sequence[str] = EDITS,
) -> bytes:
    """A well-formed seed with a few bytes replaced, inserted, deleted or cut off.

    Args:
        seeds: well-formed files to start from.
        pieces: byte strings worth inserting (delimiters, keywords, bad UTF-8).
        tail: when set, half of the edits land in the last ``tail`` bytes (where Parquet
            keeps its footer).
        edits: the kinds of edit to draw from (:data:`EDITS`; binary formats whose layout
            has lengths and offsets survive only the in-place ones, :data:`IN_PLACE`).
    """
    data = bytearray(draw(st.sampled_from(list(seeds))))
    insertions = st.binary(min_size=1, max_size=6)
    if pieces:
        insertions = st.one_of(insertions, st.sampled_from(list(pieces)))
    for _ in range(draw(st.integers(1, 3))):
        if tail and draw(st.booleans()):
            at = max(0, len(data) - draw(st.integers(0, tail)))
        else:
            at = draw(st.integers(0, len(data)))
        _edit(draw, data, at, draw(st.sampled_from(list(edits))), insertions)
    return bytes(data)


def _edit(
    draw: st.DrawFn, data: bytearray, at: int, kind: str, insertions: st.SearchStrategy[bytes]
) -> None:
    if kind == "replace" and at < len(data):
        data[at] = draw(st.integers(0, 255))
    elif kind == "insert":
        data[at:at] = draw(insertions)
    elif kind == "delete":
        del data[at : at + draw(st.integers(1, 16))]
    elif kind == "cut":
        # Half of the cuts end the file at a line break, the other half anywhere.
        line_end = data.find(b"\n", at)
        del data[line_end if line_end != -1 and draw(st.booleans()) else at :]
    elif kind == "unicode":
        # Text stops being UTF-8: the next letter becomes a lone continuation byte.
        letter = next(
            (i for i in range(at, len(data)) if chr(data[i]).isascii() and chr(data[i]).isalpha()),
            None,
        )
        if letter is not None:
            data[letter] = 0x80 | (data[letter] & 0x3F)


def token_soup(pieces: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """Files made of the format's significant pieces in any order."""
    return st.lists(st.sampled_from(list(pieces)), max_size=40).map(b"".join)


def text_files(seeds: Sequence[bytes], pieces: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """Mutated seeds, token soups and plain random bytes."""
    return st.one_of(mutated(seeds, pieces), token_soup(pieces), st.binary(max_size=200))
