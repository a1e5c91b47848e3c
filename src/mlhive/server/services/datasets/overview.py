"""What pages show about datasets: a dataset's page (the description, features with their
distributions, qualities in OpenML's groups, other versions, and what the viewer may do with
it), and the front page's count of public datasets.

Distributions are computed by the processing job; datasets processed before that existed get
theirs from :func:`fill_distributions` on first view (once: the stored data never changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mlhive.server.db.queries.datasets import visible_to
from mlhive.server.db.tables.datasets import Dataset, Feature, Quality
from mlhive.server.domain.access import Actor, can_write
from mlhive.server.domain.datasets.distributions import distributions
from mlhive.server.domain.datasets.lifecycle import allowed_statuses
from mlhive.server.domain.datasets.qualities import QUALITY_GROUPS
from mlhive.server.services.datasets import listing
from mlhive.server.services.datasets.catalog import describe, get, require_data
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.storage import BlobStore
from mlhive.wire.datasets import DatasetOut, DatasetSummary

FEATURES_SHOWN = 100
VERSIONS_SHOWN = 50

QualityGroup = tuple[str, list[tuple[str, float | None]]]


@dataclass(frozen=True)
class FeatureView:
    """One column of the feature table (``distribution`` None: not computed yet)."""

    index: int
    name: str
    data_type: str
    number_of_missing_values: int
    number_of_distinct_values: int
    minimum: float | None
    maximum: float | None
    mean: float | None
    is_target: bool
    is_ignore: bool
    is_row_identifier: bool
    distribution: dict[str, Any] | None
    reason: str | None = None  # why the column has its type (the type report)


@dataclass(frozen=True)
class DatasetOverview:
    """Everything on a dataset's page except its tasks (an experiments concern)."""

    dataset: DatasetOut
    may_change: bool
    next_statuses: list[str]
    features: list[FeatureView]
    feature_count: int
    qualities: list[QualityGroup]
    versions: list[DatasetSummary]

    @property
    def needs_distributions(self) -> bool:
        """Processed, but from before distributions were computed: fill them in."""
        return self.dataset.processing == "done" and any(
            f.distribution is None for f in self.features
        )

    @property
    def target(self) -> FeatureView | None:
        """The (first) target feature, if any is among those shown."""
        return next((f for f in self.features if f.is_target), None)


def overview(
    session: Session, actor: Actor | None, dataset_id: int, *, features_shown: int = FEATURES_SHOWN
) -> DatasetOverview:
    """A dataset's page content (NotFound as :func:`catalog.get`)."""
    dataset = get(session, actor, dataset_id)
    may_change = can_write(actor, dataset.uploader_id, ("dataset", dataset.id))
    shown = select(Feature).where(Feature.dataset_id == dataset.id).order_by(Feature.index)
    count = select(func.count()).select_from(Feature).where(Feature.dataset_id == dataset.id)
    versions = listing.summaries(
        session,
        actor,
        listing.DatasetSearch(name=dataset.name, status=None, sort="version", limit=VERSIONS_SHOWN),
    ).items
    return DatasetOverview(
        dataset=describe(session, dataset),
        may_change=may_change,
        next_statuses=allowed_statuses(dataset.status, processed=dataset.processing == "done")
        if may_change
        else [],
        features=[_feature(row) for row in session.scalars(shown.limit(features_shown))],
        feature_count=session.scalar(count) or 0,
        qualities=grouped_qualities(session, dataset.id),
        versions=versions,
    )


def _feature(row: Feature) -> FeatureView:
    return FeatureView(
        index=row.index,
        name=row.name,
        data_type=row.data_type,
        number_of_missing_values=row.number_of_missing_values,
        number_of_distinct_values=row.number_of_distinct_values,
        minimum=row.minimum,
        maximum=row.maximum,
        mean=row.mean,
        is_target=row.is_target,
        is_ignore=row.is_ignore,
        is_row_identifier=row.is_row_identifier,
        distribution=row.distribution,
        reason=row.reason,
    )


def grouped_qualities(session: Session, dataset_id: int) -> list[QualityGroup]:
    """The dataset's qualities in OpenML's groups; names no group knows come last."""
    stmt = select(Quality.name, Quality.value).where(Quality.dataset_id == dataset_id)
    values: dict[str, float | None] = dict(session.execute(stmt).all())
    groups: list[QualityGroup] = []
    for title, names in QUALITY_GROUPS:
        present = [(name, values.pop(name)) for name in names if name in values]
        if present:
            groups.append((title, present))
    if values:
        groups.append(("Other", sorted(values.items())))
    return groups


def fill_distributions(
    session: Session, store: BlobStore, actor: Actor | None, dataset_id: int
) -> None:
    """Compute and keep the distributions a processed dataset's features lack."""
    dataset = get(session, actor, dataset_id)
    if dataset.processing != "done":
        return
    table = load_table(store, require_data(dataset))
    for index, shape in enumerate(distributions(table)):
        session.execute(
            update(Feature)
            .where(Feature.dataset_id == dataset.id, Feature.index == index)
            .values(distribution=shape)
        )
    session.flush()


def count_public(session: Session) -> int:
    """Active public datasets (what anyone can find)."""
    stmt = select(func.count()).select_from(Dataset).where(visible_to(None))
    return int(session.scalar(stmt.where(Dataset.status == "active")) or 0)
