"""Every table module, imported once so that ``metadata`` knows the whole schema."""

from __future__ import annotations

from mlhive.server.db.base import Base
from mlhive.server.db.tables import (
    accounts,
    automl,
    blobs,
    datasets,
    experiments,
    forge,
    jobs,
    limits,
    serving,
    social,
)

metadata = Base.metadata

__all__ = [
    "accounts",
    "automl",
    "blobs",
    "datasets",
    "experiments",
    "forge",
    "jobs",
    "limits",
    "metadata",
    "serving",
    "social",
]
