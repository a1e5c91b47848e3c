"""Per-scope sequence numbers (dataset versions per name, merge requests per repository)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

Row = TypeVar("Row")


def insert_next(
    session: Session,
    column: Any,
    scope: ColumnElement[bool],
    build: Callable[[int], Row],
    *,
    attempts: int = 5,
) -> Row | None:
    """Insert ``build(n)``, ``n`` one past the largest ``column`` among the rows in ``scope``.

    Two writers may pick the same ``n``; the unique key refuses the second, which then tries
    the next number, inside a savepoint so that the caller's transaction survives. Returns
    None when every attempt lost such a race (the caller reports a conflict).
    """
    for _ in range(attempts):
        latest = session.scalar(select(func.max(column)).where(scope))
        row = build((latest or 0) + 1)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        return row
    return None
