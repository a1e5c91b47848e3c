"""Listing datasets: one page of what the caller may see, with the qualities lists show.

The filters, sort keys and keyset cursors are SQL built in ``db/queries/datasets.py``; this
module is the adapters' way to them, and hands back wire objects or value objects, not rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from mlhive.server.db.queries import datasets as queries
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.domain.access import Actor
from mlhive.server.services.datasets.catalog import tags_of
from mlhive.wire.datasets import DatasetPage, DatasetSummary

QualityRange = tuple[str, float | None, float | None]


@dataclass(frozen=True)
class DatasetSearch:
    """Which datasets to list, in which order, and which page of them.

    ``status`` None means any status; ``qualities`` are ``(name, low, high)`` with inclusive
    bounds (None: unbounded); ``sort`` is a key (``id``, ``name``, ``upload_date``,
    ``version``), ``-`` first for descending; ``cursor`` is a ``next_cursor`` of a page before.
    """

    name: str | None = None
    version: int | None = None
    tag: str | None = None
    status: str | None = "active"
    uploader: str | None = None
    text: str | None = None
    ids: Sequence[int] = ()
    qualities: Sequence[QualityRange] = ()
    sort: str = "id"
    limit: int = 100
    cursor: str | None = None
    offset: int = 0


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset of an OpenML-style list: the columns ``data/list`` shows."""

    id: int
    name: str
    version: int
    uploader_id: int
    status: str
    arff_md5: str | None
    qualities: dict[str, float | None]
    sparse: bool = False


def summaries(session: Session, actor: Actor | None, search: DatasetSearch) -> DatasetPage:
    """One page of the datasets ``actor`` may see, with tags and list qualities.

    Raises:
        InvalidInput: an unknown sort key, a cursor this server did not issue (or issued
            for another sort order), or a limit outside 1..10000.
    """
    rows, next_cursor = queries.list_page(session, search, actor)
    ids = [row.id for row in rows]
    tags, qualities = tags_of(session, ids), queries.qualities_of(session, ids)
    items = [_summary(row, tags[row.id], qualities[row.id]) for row in rows]
    return DatasetPage(items=items, next_cursor=next_cursor)


def entries(session: Session, actor: Actor | None, search: DatasetSearch) -> list[DatasetEntry]:
    """The datasets of one page (OpenML pages by offset, so no cursor), with list qualities.

    Raises:
        InvalidInput: as :func:`summaries`.
    """
    rows, _ = queries.list_page(session, search, actor)
    qualities = queries.qualities_of(session, [row.id for row in rows])
    return [
        DatasetEntry(
            id=row.id,
            name=row.name,
            version=row.version,
            uploader_id=row.uploader_id,
            status=row.status,
            arff_md5=row.arff_md5,
            qualities=qualities[row.id],
            sparse=row.sparse,
        )
        for row in rows
    ]


def qualities_of(
    session: Session, dataset_ids: Sequence[int]
) -> dict[int, dict[str, float | None]]:
    """The qualities lists show (instances, features, classes, ...) of many datasets at once."""
    return queries.qualities_of(session, dataset_ids)


def _summary(row: Dataset, tags: list[str], qualities: dict[str, float | None]) -> DatasetSummary:
    return DatasetSummary(
        id=row.id,
        name=row.name,
        version=row.version,
        uploader=row.uploader.name,
        status=row.status,
        visibility=row.visibility,
        number_of_rows=row.number_of_rows,
        number_of_columns=row.number_of_columns,
        upload_date=row.upload_date,
        tags=tags,
        qualities=qualities,
    )
