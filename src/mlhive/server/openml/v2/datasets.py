"""``/datasets/…``: datasets, their features and qualities as server-api serves them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from pydantic import Field
from sqlalchemy.orm import Session

from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import NotFound
from mlhive.server.http.params import PositiveId
from mlhive.server.openml.data import arff_url, base_url, parquet_url
from mlhive.server.openml.v2 import errors
from mlhive.server.openml.v2.common import MAX_LISTED_IDS, Search, actor, hive, iso, read
from mlhive.server.openml.v2.errors import Problem
from mlhive.server.services import accounts
from mlhive.server.services.datasets import catalog, files, listing
from mlhive.server.services.datasets.listing import DatasetEntry
from mlhive.wire.common import MAX_ID
from mlhive.wire.datasets import NAME_PATTERN, TAG_PATTERN, DatasetOut

router = APIRouter(prefix="/datasets")

StoredId = Annotated[int, Field(ge=1, le=MAX_ID)]


class DatasetSearch(Search):
    """The body of ``/datasets/list`` (every field optional)."""

    data_name: str | None = Field(default=None, max_length=128, pattern=NAME_PATTERN)
    tag: str | None = Field(default=None, max_length=64, pattern=TAG_PATTERN)
    data_version: StoredId | None = None
    uploader: StoredId | None = None
    data_id: list[StoredId] | None = Field(default=None, max_length=MAX_LISTED_IDS)
    status: Literal["active", "deactivated", "in_preparation", "all"] = "active"


@router.get("/list")
@router.post("/list")
def list_datasets(
    request: Request, search: Annotated[DatasetSearch | None, Body()] = None
) -> list[dict[str, Any]]:
    """Datasets matching the body's filters (GET or POST, JSON body); 404 (372) when none."""
    search = search or DatasetSearch()
    with read(hive(request)) as session:
        query = listing.DatasetSearch(
            name=search.data_name,
            tag=search.tag,
            status=None if search.status == "all" else search.status,
            uploader=_uploader_name(session, search.uploader),
            ids=tuple(search.data_id or ()),
            version=search.data_version,
            qualities=search.ranges(),
            limit=search.pagination.limit,
            offset=search.pagination.offset,
        )
        rows = listing.entries(session, actor(request), query)
    if not rows:
        raise Problem(errors.NO_RESULTS, "No datasets match the search criteria.")
    return [_entry(row) for row in rows]


def _uploader_name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    try:
        return accounts.user_by_id(session, user_id).name
    except NotFound:
        raise Problem(errors.NO_RESULTS, "No datasets match the search criteria.") from None


def _entry(row: DatasetEntry) -> dict[str, Any]:
    return {
        "did": row.id,
        "name": row.name,
        "version": row.version,
        "format": "Sparse_ARFF" if row.sparse else "ARFF",
        "file_id": row.id,
        "status": row.status,
        "md5_checksum": row.arff_md5 or "",
        "quality": [
            {"name": name, "value": value}
            for name, value in sorted(row.qualities.items())
            if value is not None
        ],
    }


@router.get("/qualities/list")
def quality_names(request: Request) -> dict[str, dict[str, list[str]]]:
    """The names of the qualities mlhive has computed."""
    with read(hive(request)) as session:
        names = files.quality_names(session)
    return {"data_qualities_list": {"quality": names}}


@router.get("/qualities/{dataset_id}")
def qualities(dataset_id: PositiveId, request: Request) -> list[dict[str, Any]]:
    """The dataset's qualities; 412 while it is processed, when processing failed, or none."""
    with read(hive(request)) as session:
        dataset = visible(session, actor(request), dataset_id, code=361)
        values = files.qualities(session, actor(request), dataset_id)
    if dataset.processing == "pending":
        detail = f"Dataset not processed yet for dataset {dataset_id}."
        raise Problem(errors.DATASET_NOT_PROCESSED, detail, code=363)
    if dataset.processing == "failed":
        detail = dataset.processing_error or "Error occurred during processing."
        raise Problem(errors.DATASET_PROCESSING_ERROR, detail, code=364)
    if not values:
        raise Problem(errors.NO_QUALITIES, f"No qualities found for dataset {dataset_id}.")
    return [{"name": name, "value": value} for name, value in values.items()]


@router.get("/features/{dataset_id}")
def features(dataset_id: PositiveId, request: Request) -> list[dict[str, Any]]:
    """Per-column summaries; 412 (273/274/272) while there are none."""
    with read(hive(request)) as session:
        dataset = visible(session, actor(request), dataset_id)
        rows = files.features(session, actor(request), dataset_id)
        found = [_feature(row) for row in rows]
    if found:
        return found
    if dataset.processing == "pending":
        detail = (
            f"Dataset {dataset_id} not processed yet, so features are not yet available. "
            "Please wait for a few minutes."
        )
        raise Problem(errors.DATASET_NOT_PROCESSED, detail)
    if dataset.processing == "failed":
        detail = f"No features found. Additionally, dataset {dataset_id} processed with error."
        raise Problem(errors.DATASET_PROCESSING_ERROR, detail)
    raise Problem(errors.DATASET_NO_FEATURES, f"No features found for dataset {dataset_id}.")


def _feature(row: Any) -> dict[str, Any]:
    feature = {
        "index": row.index,
        "name": row.name,
        # server-api knows numeric, nominal and string; mlhive serves date columns as text.
        "data_type": "string" if row.data_type == "date" else row.data_type,
        "is_target": row.is_target,
        "is_ignore": row.is_ignore,
        "is_row_identifier": row.is_row_identifier,
        "number_of_missing_values": row.number_of_missing_values,
    }
    if row.data_type == "nominal":
        feature["nominal_values"] = list(row.nominal_values or [])
    return feature


@router.get("/{dataset_id}")
def get_dataset(dataset_id: PositiveId, request: Request) -> dict[str, Any]:
    """The dataset's description (``DatasetMetadata``)."""
    h = hive(request)
    with read(h) as session:
        out = visible(session, actor(request), dataset_id)
        has_dates = files.has_date_features(session, out.id)
    base = base_url(request, h)
    return {
        "id": out.id,
        "visibility": out.visibility,
        "status": out.status,
        "name": out.name,
        "licence": out.licence,
        "version": out.version,
        "version_label": str(out.version),
        "language": out.language,
        "creator": list(out.creator),
        "contributor": list(out.contributor),
        "citation": out.citation,
        "paper_url": out.paper_url or None,
        "upload_date": iso(out.upload_date),
        "processing_date": iso(out.processing_date),
        "error": out.processing_error,
        "warning": None,
        "collection_date": out.collection_date or None,
        "description": out.description,
        "description_version": 1,
        "tag": list(out.tags),
        "default_target_attribute": _csv(out.default_target_attribute),
        "ignore_attribute": list(out.ignore_attributes),
        "row_id_attribute": _csv(out.row_id_attribute),
        "url": arff_url(base, out.id, out.name),
        "parquet_url": parquet_url(base, out.id),
        "file_id": out.id,
        "format": "sparse_arff" if out.sparse else "arff",
        "original_data_url": _csv(out.original_url),
        # Date columns are served as strings (liac-arff cannot read DATE): no stored checksum.
        "md5_checksum": "" if has_dates else (out.arff_md5 or ""),
    }


def _csv(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def visible(session: Session, who: Actor | None, dataset_id: int, code: int = 111) -> DatasetOut:
    """The dataset, or 404: an unknown dataset and another user's private one look the same."""
    try:
        return catalog.describe(session, catalog.get(session, who, dataset_id))
    except NotFound:
        detail = f"No dataset with id {dataset_id} found."
        raise Problem(errors.DATASET_NOT_FOUND, detail, code=code) from None
