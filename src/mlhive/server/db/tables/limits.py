"""Request budgets shared by every server process on one database."""

from __future__ import annotations

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mlhive.server.db.base import Base


class RateBucket(Base):
    """One identity's token bucket in one budget, as all server processes spent it.

    ``budget`` names the budget (``key-read``, ``address-write``, …); ``identity`` is a key's
    SHA-256 or a client address. ``tokens`` may be negative: requests several processes let
    through before they settled are a debt that the refill pays back. ``updated`` is wall-clock
    seconds since the epoch (every server's own clock, kept by NTP).
    """

    __tablename__ = "rate_buckets"
    __table_args__ = (Index("ix_rate_buckets_updated", "updated"),)

    budget: Mapped[str] = mapped_column(String(16), primary_key=True)
    identity: Mapped[str] = mapped_column(String(128), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float)
