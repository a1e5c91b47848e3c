"""The ranges of numbers the metadata database stores.

Ids: :data:`mlhive.wire.common.MAX_ID`, which clients validate against too.
"""

from __future__ import annotations

from mlhive.wire.common import MAX_ID

MAX_COUNT = 2**63 - 1
"""Offsets and counts are 64-bit in both databases."""


def storable_id(text: str) -> bool:
    """Whether ``text`` is a natural number in ASCII digits that an id column can hold
    (``"²".isdigit()`` is true, and a longer number would fail in the database)."""
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID
