"""Reading a dataset's stored files and meta-features."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.formats.tables import write_csv
from mlhive.server.db.tables.datasets import Feature, Quality
from mlhive.server.domain.access import Actor
from mlhive.server.domain.datasets.qualities import QUALITY_NAMES
from mlhive.server.domain.errors import Conflict
from mlhive.server.services.datasets.catalog import get, require_data
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.storage import BlobStore
from mlhive.wire.errors import ErrorCode

MEDIA_TYPES = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv; charset=utf-8",
    "arff": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Download:
    """What to send: a stored blob as it is, or (``rendered``) a file made on demand from it."""

    sha256: str
    filename: str
    media_type: str
    rendered: bool = False

    @property
    def etag(self) -> str:
        """The entity tag: the content hash, qualified for renditions."""
        return f'"{self.sha256}-csv"' if self.rendered else f'"{self.sha256}"'


def features(session: Session, actor: Actor | None, dataset_id: int) -> list[Feature]:
    """The dataset's feature summaries, in column order."""
    dataset = get(session, actor, dataset_id)
    stmt = select(Feature).where(Feature.dataset_id == dataset.id).order_by(Feature.index)
    return list(session.scalars(stmt))


def qualities(session: Session, actor: Actor | None, dataset_id: int) -> dict[str, float | None]:
    """The dataset's qualities by name."""
    dataset = get(session, actor, dataset_id)
    stmt = select(Quality.name, Quality.value).where(Quality.dataset_id == dataset.id)
    return dict(session.execute(stmt.order_by(Quality.name)).all())


def quality_names(session: Session) -> list[str]:
    """The names of every quality the server computes, whether or not a dataset has been
    processed yet, plus any other name stored (e.g. by an older version), sorted."""
    stored = set(session.scalars(select(Quality.name).distinct()))
    return sorted(stored.union(QUALITY_NAMES))


def has_date_features(session: Session, dataset_id: int) -> bool:
    """Whether the dataset has a date or time column (known once it is processed)."""
    stmt = select(Feature.index).where(
        Feature.dataset_id == dataset_id, Feature.data_type == "date"
    )
    return session.scalar(stmt.limit(1)) is not None


@dataclass(frozen=True)
class ArffSource:
    """What an ARFF file of a dataset is made from: the stored ARFF rendition (None until
    processing made it) or the canonical Parquet data, with the ARFF header's texts."""

    name: str
    description: str
    data_sha256: str
    arff_sha256: str | None
    has_dates: bool
    sparse: bool = False  # rendered with sparse rows, as it was uploaded


def arff_source(session: Session, actor: Actor | None, dataset_id: int) -> ArffSource:
    """The sources of a dataset's ARFF file (NotFound as :func:`catalog.get`)."""
    dataset = get(session, actor, dataset_id)
    return ArffSource(
        name=dataset.name,
        description=dataset.description,
        data_sha256=require_data(dataset),
        arff_sha256=dataset.arff_sha256,
        has_dates=has_date_features(session, dataset.id),
        sparse=dataset.sparse,
    )


def download(session: Session, actor: Actor | None, dataset_id: int, fmt: str) -> Download:
    """What to send for a download of the dataset in ``fmt`` (parquet, csv or arff)."""
    dataset = get(session, actor, dataset_id)
    stem = f"{dataset.name}-v{dataset.version}"
    data_sha256 = require_data(dataset)
    if fmt == "csv":  # rendered by render_csv(), outside the transaction
        return Download(data_sha256, f"{stem}.csv", MEDIA_TYPES["csv"], rendered=True)
    if fmt == "arff":
        if dataset.arff_sha256 is None:
            raise Conflict(
                f"dataset {dataset_id} is still being processed; its ARFF file is not ready yet",
                code=ErrorCode.NOT_PROCESSED,
            )
        return Download(dataset.arff_sha256, f"{stem}.arff", MEDIA_TYPES["arff"])
    return Download(data_sha256, f"{stem}.parquet", MEDIA_TYPES["parquet"])


def render_csv(store: BlobStore, item: Download, scratch: Path) -> Path:
    """Write the CSV rendition of a stored dataset into a temporary file (the caller deletes it)."""
    table = load_table(store, item.sha256)
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".csv", delete=False) as tmp:
        path = Path(tmp.name)
    try:
        write_csv(table, path)
    except BaseException:  # a full disk: no partial rendition stays behind
        path.unlink(missing_ok=True)
        raise
    return path
