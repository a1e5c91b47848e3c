"""The ranges of numbers the metadata database stores."""

from __future__ import annotations

MAX_ID = 2**31 - 1
"""Ids are INTEGER columns: 32 bits on PostgreSQL (SQLite's range is wider)."""
MAX_COUNT = 2**63 - 1
"""Offsets and counts are 64-bit in both databases."""


def storable_id(text: str) -> bool:
    """Whether ``text`` is a natural number in ASCII digits that an id column can hold
    (``"²".isdigit()`` is true, and a longer number would fail in the database)."""
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID
