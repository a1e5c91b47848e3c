"""Reading every dataset's meta-features at once, the generation counter that says when
they changed (``MetaFeatureGeneration``) and the change log saying which (``MetaFeatureChange``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mlhive.server.db.tables.datasets import (
    Dataset,
    MetaFeatureChange,
    MetaFeatureGeneration,
    Quality,
)

GENERATION_ROW = 1


def bump_generation(session: Session, dataset_id: int) -> None:
    """Record, inside the caller's transaction, that the dataset's meta-features changed
    (processed, forked or deleted): the counter moves and the change log names the dataset.

    The ``UPDATE`` holds the counter's row lock until commit, so generations commit in order
    and a reader that sees generation N also sees every change-log row up to N.
    """
    bumped = session.execute(
        update(MetaFeatureGeneration)
        .where(MetaFeatureGeneration.id == GENERATION_ROW)
        .values(value=MetaFeatureGeneration.value + 1)
    )
    if not bumped.rowcount:  # type: ignore[attr-defined]  # the migration seeds the row
        session.add(MetaFeatureGeneration(id=GENERATION_ROW, value=1))
        session.flush()
    session.add(MetaFeatureChange(generation=generation(session), dataset_id=dataset_id))
    session.flush()


def changed_since(session: Session, after: int, upto: int) -> set[int]:
    """The datasets changed by generations ``after < g <= upto``."""
    stmt = select(MetaFeatureChange.dataset_id).where(
        MetaFeatureChange.generation > after, MetaFeatureChange.generation <= upto
    )
    return set(session.scalars(stmt))


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


def dataset_rows(session: Session, ids: Iterable[int] | None = None) -> DatasetRows:
    """Id, owner, visibility and data digest of every dataset (or of ``ids`` among them),
    ascending by id."""
    table = Dataset.__table__
    stmt = select(
        table.c.id, table.c.uploader_id, table.c.visibility, table.c.data_sha256
    ).order_by(table.c.id)
    if ids is not None:
        stmt = stmt.where(table.c.id.in_(list(ids)))
    rows = session.connection().execute(stmt).fetchall()
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

    One query per quality, each answered from the (name, value, dataset_id) index alone, and
    fetched through the driver's cursor: SQLAlchemy's row objects would cost more than the
    query itself (7 million rows at 100 000 datasets). The names are the server's own
    constants, so they are rendered into the SQL as literals.
    """
    table = Quality.__table__
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        for column, name in enumerate(names):
            stmt = select(table.c.dataset_id, table.c.value).where(
                table.c.name == name, table.c.value.is_not(None)
            )
            sql = stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
            cursor.execute(str(sql))
            rows = cursor.fetchall()
            flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=2 * len(rows))
            pairs = flat.reshape(-1, 2)
            yield column, pairs[:, 0].astype(np.int64), pairs[:, 1]
    finally:
        cursor.close()


def quality_matrix(
    session: Session, ids: Iterable[int], names: Sequence[str]
) -> dict[int, np.ndarray]:
    """The raw qualities of a few datasets, each a vector over ``names`` (NaN where missing)."""
    wanted = list(ids)
    position = {name: i for i, name in enumerate(names)}
    found = {i: np.full(len(names), np.nan) for i in wanted}
    table = Quality.__table__
    stmt = select(table.c.dataset_id, table.c.name, table.c.value).where(
        table.c.dataset_id.in_(wanted), table.c.value.is_not(None)
    )
    # fetchall: one driver call, where iterating the result would fetch row by row.
    for dataset_id, name, value in session.connection().execute(stmt).fetchall():
        column = position.get(name)
        if column is not None:
            found[dataset_id][column] = value
    return found
