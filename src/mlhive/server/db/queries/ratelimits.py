"""Settling the request budgets that several server processes spend from (``rate_buckets``)."""

from __future__ import annotations

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mlhive.server.db.tables.limits import RateBucket

SETTLE_ROWS = 400
"""Identities one statement settles (well within SQLite's limit on bound parameters)."""


def settle(
    session: Session,
    budget: str,
    *,
    per_second: float,
    burst: float,
    spent: dict[str, float],
    now: float,
) -> dict[str, float]:
    """Take ``spent`` tokens per identity from the shared buckets of ``budget``, refilled at
    ``per_second`` up to ``burst`` since each was last settled; the tokens left, by identity.

    An identity seen for the first time starts from a full bucket. Each row is read and
    written by one statement, so processes settling at the same moment never lose a spend.
    A settle stamped earlier than the row (another server's clock runs ahead) refills nothing.
    """
    left: dict[str, float] = {}
    identities = sorted(spent)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(identities), SETTLE_ROWS):
        chunk = identities[start : start + SETTLE_ROWS]
        rows = [
            {"budget": budget, "identity": i, "tokens": burst - spent[i], "updated": now}
            for i in chunk
        ]
        statement = insert(RateBucket).values(rows)
        new = statement.excluded
        elapsed = case(
            (new.updated > RateBucket.updated, new.updated - RateBucket.updated), else_=0.0
        )
        refilled = RateBucket.tokens + elapsed * per_second
        capped = case((refilled > burst, burst), else_=refilled)
        settled = statement.on_conflict_do_update(
            index_elements=[RateBucket.budget, RateBucket.identity],
            set_={
                "tokens": capped - (burst - new.tokens),
                "updated": case(
                    (new.updated > RateBucket.updated, new.updated), else_=RateBucket.updated
                ),
            },
        ).returning(RateBucket.identity, RateBucket.tokens)
        left.update({identity: float(tokens) for identity, tokens in session.execute(settled)})
    return left


def forget_full(
    session: Session, budget: str, *, per_second: float, burst: float, now: float
) -> int:
    """Drop ``budget``'s buckets that have refilled to the brim by ``now`` (they hold nothing
    to remember); how many were dropped."""
    full = RateBucket.tokens + (now - RateBucket.updated) * per_second >= burst
    result = session.execute(delete(RateBucket).where(RateBucket.budget == budget, full))
    return int(getattr(result, "rowcount", 0) or 0)


def changed_since(
    session: Session, budget: str, *, since: float, per_second: float, burst: float, now: float
) -> dict[str, float]:
    """The tokens, refilled to ``now``, of ``budget``'s buckets that any process settled
    after ``since``: what the others spent lately, by identity."""
    rows = session.execute(
        select(RateBucket.identity, RateBucket.tokens, RateBucket.updated).where(
            RateBucket.budget == budget, RateBucket.updated > since
        )
    )
    return {
        identity: min(burst, tokens + max(0.0, now - updated) * per_second)
        for identity, tokens, updated in rows
    }
