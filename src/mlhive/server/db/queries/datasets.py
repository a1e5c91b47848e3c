"""Listing and searching datasets: filters, sorting and keyset pagination.

Keyset (``WHERE (sort_key, id) > (:last_key, :last_id)``) keeps page N as fast as page 1,
which OFFSET cannot; OFFSET is still accepted for clients that page that way (OpenML's).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, tuple_
from sqlalchemy.orm import Session

from mlhive.server.db.queries.access import visible
from mlhive.server.db.queries.text import contains
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.datasets import Dataset, DatasetTag, Quality
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput

SORT_KEYS = {
    "id": Dataset.id,
    "name": Dataset.name,
    "upload_date": Dataset.upload_date,
    "version": Dataset.version,
}
LIST_QUALITIES = (
    "NumberOfInstances",
    "NumberOfFeatures",
    "NumberOfClasses",
    "NumberOfMissingValues",
    "NumberOfInstancesWithMissingValues",
    "NumberOfNumericFeatures",
    "NumberOfSymbolicFeatures",
    "MajorityClassSize",
    "MinorityClassSize",
    "MaxNominalAttDistinctValues",
)


class DatasetQuery(Protocol):
    """What a listing asks for; ``qualities`` are ``(name, low, high)`` with inclusive bounds
    (None: unbounded). The services build one (``services/datasets/listing.py``)."""

    @property
    def name(self) -> str | None: ...
    @property
    def version(self) -> int | None: ...
    @property
    def tag(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def uploader(self) -> str | None: ...
    @property
    def text(self) -> str | None: ...
    @property
    def ids(self) -> Sequence[int]: ...
    @property
    def qualities(self) -> Sequence[tuple[str, float | None, float | None]]: ...
    @property
    def sort(self) -> str: ...
    @property
    def limit(self) -> int: ...
    @property
    def cursor(self) -> str | None: ...
    @property
    def offset(self) -> int: ...


def visible_to(actor: Actor | None) -> ColumnElement[bool]:
    """The SQL form of :func:`mlhive.server.domain.access.can_see` for datasets."""
    return visible(actor, Dataset.uploader_id, Dataset.visibility, ("dataset", Dataset.id))


def _filters(query: DatasetQuery) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if query.name is not None:
        clauses.append(Dataset.name == query.name)
    if query.version is not None:
        clauses.append(Dataset.version == query.version)
    if query.status is not None:
        clauses.append(Dataset.status == query.status)
    if query.uploader is not None:
        clauses.append(
            Dataset.uploader_id
            == select(User.id).where(User.name == query.uploader).scalar_subquery()
        )
    if query.tag is not None:
        clauses.append(
            exists().where(DatasetTag.dataset_id == Dataset.id, DatasetTag.tag == query.tag)
        )
    if query.ids:
        clauses.append(Dataset.id.in_(list(query.ids)))
    if query.text:
        # The user's words are literal: "%" or "_" in them are not wildcards.
        clauses.append(
            or_(contains(Dataset.name, query.text), contains(Dataset.description, query.text))
        )
    for name, low, high in query.qualities:
        bounds = [Quality.dataset_id == Dataset.id, Quality.name == name]
        if low is not None:
            bounds.append(Quality.value >= low)
        if high is not None:
            bounds.append(Quality.value <= high)
        clauses.append(exists().where(and_(*bounds)))
    return clauses


def _sort(query: DatasetQuery) -> tuple[Any, bool]:
    descending = query.sort.startswith("-")
    key = query.sort.lstrip("-")
    if key not in SORT_KEYS:
        raise InvalidInput(
            f"sort: unknown key {key!r} (use one of {', '.join(SORT_KEYS)}, '-' for descending)",
            field="sort",
        )
    return SORT_KEYS[key], descending


def encode_cursor(sort: str, value: Any, last_id: int) -> str:
    """An opaque cursor pointing just after (value, last_id) in ``sort`` order."""
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, last_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, last_id = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("cursor: not a cursor this server issued", field="cursor") from exc
    if cursor_sort != sort:
        raise InvalidInput("cursor: it was issued for another sort order", field="cursor")
    if sort.lstrip("-") == "upload_date":
        value = datetime.fromisoformat(value)
    return value, int(last_id)


def build(query: DatasetQuery, actor: Actor | None) -> Select[Dataset]:
    """The SELECT for one page of ``query`` as ``actor`` may see it."""
    column, descending = _sort(query)
    stmt = select(Dataset).where(visible_to(actor), *_filters(query))
    if query.cursor:
        value, last_id = _decode_cursor(query.cursor, query.sort)
        key = tuple_(column, Dataset.id)
        after = tuple_(value, last_id)
        stmt = stmt.where(key < after if descending else key > after)
    order = (column.desc(), Dataset.id.desc()) if descending else (column.asc(), Dataset.id.asc())
    return stmt.order_by(*order).offset(query.offset).limit(query.limit)


def list_page(
    session: Session, query: DatasetQuery, actor: Actor | None
) -> tuple[list[Dataset], str | None]:
    """One page of datasets and the cursor of the next page (None on the last page)."""
    if not 1 <= query.limit <= 10_000:
        raise InvalidInput("limit must be between 1 and 10000", field="limit")
    rows = list(session.scalars(build(query, actor)))
    if len(rows) < query.limit:
        return rows, None
    column, _ = _sort(query)
    last = rows[-1]
    return rows, encode_cursor(query.sort, getattr(last, column.key), last.id)


def qualities_of(
    session: Session, ids: Sequence[int], names: Sequence[str] = LIST_QUALITIES
) -> dict[int, dict[str, float | None]]:
    """Selected qualities of many datasets in one query."""
    result: dict[int, dict[str, float | None]] = {i: {} for i in ids}
    stmt = select(Quality.dataset_id, Quality.name, Quality.value).where(
        Quality.dataset_id.in_(ids), Quality.name.in_(list(names))
    )
    for dataset_id, name, value in session.execute(stmt):
        result[dataset_id][name] = value
    return result
