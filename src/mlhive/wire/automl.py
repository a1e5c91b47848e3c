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


class SimilarTask(WireModel):
    """A task whose results count as evidence: same task type, on a similar dataset."""

    task_id: int
    dataset_id: int
    dataset_name: str
    distance: float = Field(description="Meta-feature distance of its dataset (0: same data).")
    weight: float = Field(description="How much its results count: 1 / (1 + distance).")


class Evidence(WireModel):
    """A setup's best result on one similar task."""

    task_id: int
    run_id: int
    value: float = Field(description="The best value of the measure among its runs there.")
    normalised: float = Field(description="1: the best setup on that task, 0: the worst.")


class RecommendedSetup(WireModel):
    """A setup (a flow with parameter values) that did well on similar tasks."""

    rank: int
    setup_id: int
    flow_id: int
    flow_name: str
    score: float = Field(description="Weighted mean normalised score, shrunk for few tasks.")
    evidence: list[Evidence]


class RecommendedFlow(WireModel):
    """A flow, scored by its best setup."""

    rank: int
    flow_id: int
    flow_name: str
    score: float
    best_setup_id: int


class PortfolioMember(WireModel):
    """One setup of the greedy portfolio, in the order it was added."""

    setup_id: int
    flow_id: int
    flow_name: str
    value: float = Field(description="The portfolio's weighted mean best score once added.")
    gain: float = Field(description="What adding it raised that value by.")


class Recommendations(WireModel):
    """What to try on a task, learned from the stored evaluations of similar tasks."""

    task_id: int
    measure: str
    higher_is_better: bool
    similar_tasks: list[SimilarTask]
    setups: list[RecommendedSetup]
    flows: list[RecommendedFlow]
    portfolio: list[PortfolioMember]
