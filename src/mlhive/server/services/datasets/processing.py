"""The ``process_dataset`` job: features, qualities and the ARFF rendition of a dataset.

The heavy work happens outside any transaction; results are written in one short
transaction at the end, so readers never see half a set of features or qualities.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import delete

from mlhive.formats.tables import write_arff
from mlhive.server.db.base import utcnow
from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.datasets import Dataset, Feature, Quality
from mlhive.server.domain.datasets.features import summarize_features
from mlhive.server.domain.datasets.qualities import compute_qualities
from mlhive.server.jobs.worker import JobContext
from mlhive.server.services.blobs import remember_blob
from mlhive.server.services.datasets.catalog import activate_after_processing
from mlhive.server.storage import BlobInfo, BlobStore


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


def process_dataset(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: compute and store features, qualities and the ARFF file of a dataset."""
    dataset_id = int(payload["dataset_id"])
    with transaction(context.sessions) as session:
        dataset = session.get(Dataset, dataset_id)
        if dataset is None:  # deleted meanwhile: nothing to do
            return
        spec = {
            "sha": dataset.data_sha256,
            "name": dataset.name,
            "description": dataset.description,
            "target": dataset.default_target_attribute,
            "ignore": list(dataset.ignore_attributes or []),
            "row_id": dataset.row_id_attribute,
            "arff": dataset.arff_sha256,  # an uploaded ARFF (or an earlier rendition) stays
        }
    try:
        _compute_and_store(context, dataset_id, spec)
    except Exception as exc:
        with transaction(context.sessions) as session:
            failed = session.get(Dataset, dataset_id)
            if failed is not None:
                failed.processing = "failed"
                failed.processing_error = str(exc) or type(exc).__name__
        raise


def _compute_and_store(context: JobContext, dataset_id: int, spec: dict[str, Any]) -> None:
    table = load_table(context.store, spec["sha"])
    target = spec["target"].split(",")[0] if spec["target"] else None
    features = summarize_features(
        table, target=target, ignore=spec["ignore"], row_id=spec["row_id"]
    )
    qualities = compute_qualities(
        table,
        target=target,
        ignore=spec["ignore"],
        row_id=spec["row_id"],
        sample_rows=context.settings.landmarker_sample_rows,
    )
    rendered = None
    if spec["arff"] is None:
        rendered = render_arff(
            context.store,
            table,
            spec["name"],
            spec["description"],
            context.settings.data_dir / "tmp",
        )
    with transaction(context.sessions) as session:
        dataset = session.get(Dataset, dataset_id)
        if dataset is None:
            return
        session.execute(delete(Feature).where(Feature.dataset_id == dataset_id))
        session.execute(delete(Quality).where(Quality.dataset_id == dataset_id))
        session.add_all(Feature(dataset_id=dataset_id, **asdict(feature)) for feature in features)
        session.add_all(
            Quality(dataset_id=dataset_id, name=name, value=value)
            for name, value in qualities.items()
        )
        if rendered is not None:
            remember_blob(session, rendered[0])
            dataset.arff_sha256, dataset.arff_md5 = rendered[0].sha256, rendered[1]
        dataset.processing, dataset.processing_error = "done", None
        dataset.processing_date = utcnow()
        if dataset.status == "in_preparation" and context.settings.auto_activate:
            activate_after_processing(session, dataset)
