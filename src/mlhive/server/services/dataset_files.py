"""Reading a dataset's stored files and meta-features."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.formats.tables import write_csv
from mlhive.server.db.tables import Feature, Quality
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Conflict
from mlhive.server.services.dataset_processing import load_table
from mlhive.server.services.datasets import get
from mlhive.server.storage import BlobStore
from mlhive.wire.errors import ErrorCode

MEDIA_TYPES = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv; charset=utf-8",
    "arff": "text/plain; charset=utf-8",
}
CHUNK = 1 << 20


@dataclass(frozen=True)
class Download:
    """A file to send: a local path when there is one, else a stream from the store."""

    store: BlobStore
    sha256: str | None
    path: Path | None
    temporary: bool
    size: int
    etag: str
    filename: str
    media_type: str

    def chunks(self) -> Iterator[bytes]:
        """The content in 1 MiB pieces (for stores without local files)."""
        assert self.sha256 is not None
        with self.store.open(self.sha256) as handle:
            while chunk := handle.read(CHUNK):
                yield chunk


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
    """The names of every quality computed so far, sorted."""
    stmt = select(Quality.name).distinct().order_by(Quality.name)
    return list(session.scalars(stmt))


def has_date_features(session: Session, dataset_id: int) -> bool:
    """Whether the dataset has a date or time column (known once it is processed)."""
    stmt = select(Feature.index).where(
        Feature.dataset_id == dataset_id, Feature.data_type == "date"
    )
    return session.scalar(stmt.limit(1)) is not None


def download(
    session: Session, store: BlobStore, actor: Actor | None, dataset_id: int, fmt: str
) -> Download:
    """What to send for a download of the dataset in ``fmt`` (parquet, csv or arff)."""
    dataset = get(session, actor, dataset_id)
    stem = f"{dataset.name}-v{dataset.version}"
    if fmt == "csv":  # rendered by materialize(), outside the transaction
        return Download(
            store=store,
            sha256=dataset.data_sha256,
            path=None,
            temporary=True,
            size=-1,
            etag=f'"{dataset.data_sha256}-csv"',
            filename=f"{stem}.csv",
            media_type=MEDIA_TYPES["csv"],
        )
    if fmt == "arff":
        if dataset.arff_sha256 is None:
            raise Conflict(
                f"dataset {dataset_id} is still being processed; its ARFF file is not ready yet",
                code=ErrorCode.NOT_PROCESSED,
            )
        sha = dataset.arff_sha256
    else:
        sha = dataset.data_sha256
    return Download(
        store=store,
        sha256=sha,
        path=store.local_path(sha),
        temporary=False,
        size=store.size(sha),
        etag=f'"{sha}"',
        filename=f"{stem}.{fmt}",
        media_type=MEDIA_TYPES[fmt],
    )


def materialize(item: Download, scratch: Path) -> Download:
    """Render a download that has no stored file (CSV) into a temporary file."""
    if not (item.temporary and item.path is None and item.sha256):
        return item
    table = load_table(item.store, item.sha256)
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".csv", delete=False) as tmp:
        path = Path(tmp.name)
    write_csv(table, path)
    return replace(item, path=path, size=path.stat().st_size)
