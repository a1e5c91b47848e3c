"""Reading every dataset's meta-features at once, and the generation counter that says when
they changed (``MetaFeatureGeneration``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mlhive.server.db.tables.datasets import Dataset, MetaFeatureGeneration, Quality

GENERATION_ROW = 1


def bump_generation(session: Session) -> None:
    """Record, inside the caller's transaction, that meta-features changed."""
    bumped = session.execute(
        update(MetaFeatureGeneration)
        .where(MetaFeatureGeneration.id == GENERATION_ROW)
        .values(value=MetaFeatureGeneration.value + 1)
    )
    if not bumped.rowcount:  # type: ignore[attr-defined]  # the migration seeds the row
        session.add(MetaFeatureGeneration(id=GENERATION_ROW, value=1))
        session.flush()


def generation(session: Session) -> int:
    """The current generation (0 before the first change)."""
    stmt = select(MetaFeatureGeneration.value).where(MetaFeatureGeneration.id == GENERATION_ROW)
    return int(session.scalar(stmt) or 0)


@dataclass(frozen=True)
class DatasetRows:
    """Per dataset, in ascending id order: what the similar-datasets index keeps."""

    ids: np.ndarray  # int64
    owners: np.ndarray  # int64
    public: np.ndarray  # bool
    digests: list[str | None]


def dataset_rows(session: Session) -> DatasetRows:
    """Id, owner, visibility and data digest of every dataset, ascending by id."""
    stmt = select(
        Dataset.id, Dataset.uploader_id, Dataset.visibility, Dataset.data_sha256
    ).order_by(Dataset.id)
    rows = session.execute(stmt).all()
    return DatasetRows(
        ids=np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
        owners=np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)),
        public=np.fromiter((r[2] == "public" for r in rows), dtype=bool, count=len(rows)),
        digests=[r[3] for r in rows],
    )


def quality_columns(
    session: Session, names: Sequence[str]
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For each quality: its index in ``names``, the dataset ids that have a value, the values.

    One query per quality, each answered from the (name, value, dataset_id) index alone.
    """
    for column, name in enumerate(names):
        stmt = select(Quality.dataset_id, Quality.value).where(
            Quality.name == name, Quality.value.is_not(None)
        )
        rows = session.execute(stmt).all()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        values = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
        yield column, ids, values


def quality_matrix(
    session: Session, ids: Iterable[int], names: Sequence[str]
) -> dict[int, np.ndarray]:
    """The raw qualities of a few datasets, each a vector over ``names`` (NaN where missing)."""
    wanted = list(ids)
    position = {name: i for i, name in enumerate(names)}
    found = {i: np.full(len(names), np.nan) for i in wanted}
    stmt = select(Quality.dataset_id, Quality.name, Quality.value).where(
        Quality.dataset_id.in_(wanted), Quality.name.in_(list(names)), Quality.value.is_not(None)
    )
    for dataset_id, name, value in session.execute(stmt):
        found[dataset_id][position[name]] = value
    return found
