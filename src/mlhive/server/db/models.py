"""Every table module, imported once so that ``metadata`` knows the whole schema."""

from __future__ import annotations

from mlhive.server.db import experiment_tables, forge_tables, tables

metadata = tables.Base.metadata

__all__ = ["experiment_tables", "forge_tables", "metadata", "tables"]
