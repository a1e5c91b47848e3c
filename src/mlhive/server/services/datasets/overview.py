"""What the hive's front page says about datasets: how many are public, which match a search."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlhive.server.db.queries.datasets import visible_to
from mlhive.server.db.tables.datasets import Dataset


def count_public(session: Session) -> int:
    """Active public datasets (what anyone can find)."""
    stmt = select(func.count()).select_from(Dataset).where(visible_to(None))
    return int(session.scalar(stmt.where(Dataset.status == "active")) or 0)
