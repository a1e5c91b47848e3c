"""What the hive learned from everything stored, on the wire: similar datasets, recommendations."""

from __future__ import annotations

from pydantic import Field

from mlhive.wire.common import WireModel
from mlhive.wire.datasets import DatasetStatus


class QualityMatch(WireModel):
    """One quality two datasets share, with both values (raw, as stored)."""

    name: str
    value: float = Field(description="The asked-about dataset's value.")
    neighbour_value: float


class SimilarDataset(WireModel):
    """A neighbour of a dataset in meta-feature space."""

    id: int
    name: str
    version: int
    status: DatasetStatus
    distance: float = Field(description="0: identical meta-features; larger: less similar.")
    shared_qualities: int = Field(description="Qualities both datasets have values for.")
    near_duplicate: bool
    reason: str | None = Field(description="Why it is flagged as a near-duplicate, else None.")
    closest: list[QualityMatch] = Field(
        description="The shared qualities on which the two differ least, closest first."
    )
