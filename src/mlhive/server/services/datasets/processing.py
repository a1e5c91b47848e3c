"""The phases of the ``process_dataset`` job: features, qualities and the ARFF rendition.

:func:`read_spec` copies what is needed out of a short transaction, :func:`compute` does the
heavy work outside any transaction, and :func:`store_results` writes everything in one short
transaction at the end, so readers never see half a set of features or qualities. The job
handler that runs the phases is :func:`mlhive.server.services.datasets.jobs.process_dataset`.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import delete
from sqlalchemy.orm import Session

from mlhive.formats.tables import write_arff
from mlhive.server.config import Settings
from mlhive.server.db.base import utcnow
from mlhive.server.db.queries.metafeatures import bump_generation
from mlhive.server.db.tables.automl import AutoLeaderboard
from mlhive.server.db.tables.datasets import Dataset, Feature, Quality
from mlhive.server.domain.datasets.distributions import Distribution, distributions
from mlhive.server.domain.datasets.features import FeatureSummary, summarize_features
from mlhive.server.domain.datasets.qualities import compute_qualities
from mlhive.server.domain.datasets.type_report import explain, notes_from_json
from mlhive.server.jobs import queue
from mlhive.server.services.blobs import remember_blob
from mlhive.server.services.datasets.catalog import activate_after_processing, require_data
from mlhive.server.storage import BlobInfo, BlobStore

PROCESSED_HOOKS: list[Callable[[Session, Dataset], None]] = []
"""Called in :func:`store_results`' transaction once a dataset is processed: capabilities that
build on datasets register here (serving's retraining queues retrains on a new version), as
this one may not import them."""

AUTO_LEADERBOARD_JOB = "auto_leaderboard"
"""Made once a dataset is processed when ``auto_automl_budget`` is on; its handler is the
AutoML capability's (:mod:`mlhive.server.services.automl.auto`)."""


def load_table(store: BlobStore, sha256: str) -> pa.Table:
    """Read a stored Parquet file, memory-mapped when the store is a local folder."""
    path = store.local_path(sha256)
    if path is not None:
        return pq.read_table(path, memory_map=True)
    with store.open(sha256) as handle:
        return pq.read_table(handle)


def render_arff(
    store: BlobStore, table: pa.Table, name: str, description: str, scratch: Path
) -> tuple[BlobInfo, str]:
    """Write the ARFF rendition into the blob store; returns its info and MD5 (OpenML's)."""
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".arff", delete=False) as tmp:
        path = Path(tmp.name)
    try:
        with path.open("wb") as sink:
            write_arff(table, sink, relation=name, description=description or None)
        md5 = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                md5.update(chunk)
        return store.put_file(path, move=True), md5.hexdigest()
    finally:
        path.unlink(missing_ok=True)


@dataclass(frozen=True)
class ProcessingSpec:
    """What processing a dataset needs, copied out of a transaction."""

    data_sha256: str
    name: str
    description: str
    target: str | None
    ignore: tuple[str, ...]
    row_id: str | None
    arff_sha256: str | None  # an uploaded ARFF (or an earlier rendition) stays
    type_notes: dict[str, Any] | None = None  # what the reader saw, for the type report


@dataclass(frozen=True)
class Processed:
    """The results of :func:`compute`, ready to be written."""

    features: list[FeatureSummary]
    qualities: dict[str, float | None]
    arff: tuple[BlobInfo, str] | None  # a new ARFF rendition and its MD5
    distributions: list[Distribution] | None = None  # per column, for the dataset's page


def read_spec(session: Session, dataset_id: int) -> ProcessingSpec | None:
    """What :func:`compute` needs, or None when the dataset was deleted meanwhile."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        return None
    return ProcessingSpec(
        data_sha256=require_data(dataset),
        name=dataset.name,
        description=dataset.description,
        target=dataset.default_target_attribute,
        ignore=tuple(dataset.ignore_attributes or ()),
        row_id=dataset.row_id_attribute,
        arff_sha256=dataset.arff_sha256,
        type_notes=dataset.type_notes,
    )


def compute(store: BlobStore, settings: Settings, spec: ProcessingSpec) -> Processed:
    """Features, qualities and (when there is none yet) the ARFF file; no database access."""
    table = load_table(store, spec.data_sha256)
    target = spec.target.split(",")[0] if spec.target else None
    features = summarize_features(table, target=target, ignore=spec.ignore, row_id=spec.row_id)
    notes = notes_from_json(spec.type_notes)
    features = [
        explain(f, notes.get(f.name), table.schema.field(f.index).type, table.num_rows)
        for f in features
    ]
    qualities = compute_qualities(
        table,
        target=target,
        ignore=spec.ignore,
        row_id=spec.row_id,
        sample_rows=settings.landmarker_sample_rows,
    )
    rendered = None
    if spec.arff_sha256 is None:
        rendered = render_arff(store, table, spec.name, spec.description, settings.data_dir / "tmp")
    return Processed(features, qualities, rendered, distributions(table))


def store_results(
    session: Session, settings: Settings, dataset_id: int, processed: Processed
) -> None:
    """Replace the dataset's features and qualities and mark it processed (and maybe active)."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        return
    session.execute(delete(Feature).where(Feature.dataset_id == dataset_id))
    session.execute(delete(Quality).where(Quality.dataset_id == dataset_id))
    shapes: list[Distribution | None] = list(processed.distributions or ())
    shapes += [None] * (len(processed.features) - len(shapes))
    session.add_all(
        Feature(dataset_id=dataset_id, **asdict(feature), distribution=shape)
        for feature, shape in zip(processed.features, shapes, strict=True)
    )
    session.add_all(
        Quality(dataset_id=dataset_id, name=name, value=value)
        for name, value in processed.qualities.items()
    )
    bump_generation(session, dataset_id)  # the similar-datasets index must see the new qualities
    if processed.arff is not None:
        info, md5 = processed.arff
        remember_blob(session, info)
        dataset.arff_sha256, dataset.arff_md5 = info.sha256, md5
    dataset.processing, dataset.processing_error = "done", None
    dataset.processing_date = utcnow()
    if dataset.status == "in_preparation" and settings.auto_activate:
        activate_after_processing(session, dataset)
    for hook in PROCESSED_HOOKS:
        hook(session, dataset)
    if settings.auto_automl_budget > 0:
        queue_auto_leaderboard(session, settings, dataset)


def queue_auto_leaderboard(session: Session, settings: Settings, dataset: Dataset) -> None:
    """Queue the hive's own task, baselines and AutoML search for a processed dataset.

    Once per dataset: reprocessing one whose leaderboard is queued, being made or made queues
    nothing; one that was skipped (no default target then) or failed is tried again.
    """
    known = session.get(AutoLeaderboard, dataset.id)
    if known is not None and known.state in ("queued", "running", "done"):
        return
    if known is None:
        known = AutoLeaderboard(dataset_id=dataset.id, baseline_run_ids=[])
        session.add(known)
    known.state, known.reason, known.finished_at = "queued", None, None
    known.time_budget = settings.auto_automl_budget
    session.flush()
    queue.enqueue(
        session,
        AUTO_LEADERBOARD_JOB,
        {"dataset_id": dataset.id},
        subject=f"dataset:{dataset.id}",
        owner=dataset.uploader_id,
    )


def mark_failed(session: Session, dataset_id: int, error: Exception) -> None:
    """Record why processing failed, unless the dataset is gone."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is not None:
        dataset.processing = "failed"
        dataset.processing_error = str(error) or type(error).__name__
