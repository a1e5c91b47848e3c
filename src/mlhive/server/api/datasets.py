"""Native REST routes for datasets: thin adapters onto the dataset services."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status

from mlhive.server.api.openapi import file_responses
from mlhive.server.api.params import QualityFilter, parse_form_json, quality_ranges
from mlhive.server.api.tagging import tag_routes
from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.files import send_download
from mlhive.server.http.params import ObjectId, Offset
from mlhive.server.http.prepared import model_response
from mlhive.server.services.automl import auto
from mlhive.server.services.datasets import catalog, files, listing
from mlhive.wire.automl import AutoLeaderboardOut
from mlhive.wire.datasets import (
    DatasetCreate,
    DatasetOut,
    DatasetPage,
    DatasetUpdate,
    FeatureOut,
    ForkRequest,
    HistoryEntry,
    StatusUpdate,
)

router = APIRouter(prefix="/datasets", tags=["datasets"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Identical to a version you uploaded: that version."}},
)
def publish(
    metadata: Annotated[str, Form(min_length=1, description="JSON object: see DatasetCreate")],
    actor: RequiredActor,
    hive: HiveDep,
    response: Response,
    file: Annotated[
        UploadFile | None, File(description="CSV, Parquet or ARFF; omit it to give metadata.url")
    ] = None,
) -> DatasetOut:
    """Upload a dataset, or give its ``url`` in the metadata for the server to fetch; it is
    fetched and processed (features, qualities) by a background job."""
    meta = parse_form_json(DatasetCreate, metadata, "metadata")
    with write(hive) as session:
        if file is None:
            dataset = catalog.publish_url(session, hive.settings, actor, meta)
        else:
            dataset, duplicate = catalog.publish_checked(
                session,
                hive.store,
                hive.settings,
                actor,
                file.file,
                file.filename,
                meta,
                reuse_identical=not meta.allow_duplicate,
            )
            if duplicate:
                response.status_code = status.HTTP_200_OK
                described = catalog.describe(session, dataset)
                return described.model_copy(update={"duplicate_of": dataset.id})
        return catalog.describe(session, dataset)


@router.get("")
def list_datasets(
    actor: MaybeActor,
    hive: HiveDep,
    name: str | None = None,
    tag: str | None = None,
    status: Literal["in_preparation", "active", "deactivated", "all"] = "active",
    uploader: str | None = None,
    text: Annotated[str | None, Query(alias="q", description="text in name/description")] = None,
    quality: Annotated[list[QualityFilter], Query(description="NAME:LOW..HIGH, repeatable")] = [],
    sort: str = "id",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    cursor: str | None = None,
    offset: Annotated[Offset, Query()] = 0,
) -> DatasetPage:
    """List datasets the caller may see; follow ``next_cursor`` for the next page."""
    search = listing.DatasetSearch(
        name=name,
        tag=tag,
        status=None if status == "all" else status,
        uploader=uploader,
        text=text,
        qualities=quality_ranges(quality),
        sort=sort,
        limit=limit,
        cursor=cursor,
        offset=offset,
    )
    with read(hive) as session:
        return listing.summaries(session, actor, search)


@router.get("/{dataset_id}", response_model=DatasetOut)
def get_dataset(dataset_id: ObjectId, actor: MaybeActor, hive: HiveDep) -> Response:
    """A dataset's description."""
    with read(hive) as session:
        return model_response(catalog.read_description(session, actor, dataset_id))


@router.patch("/{dataset_id}")
def edit_dataset(
    dataset_id: ObjectId, body: DatasetUpdate, actor: RequiredActor, hive: HiveDep
) -> DatasetOut:
    """Edit descriptive metadata (owner or admin); the previous values stay in the history."""
    with write(hive) as session:
        dataset = catalog.update(session, hive.store, actor, dataset_id, body)
        return catalog.describe(session, dataset)


@router.get("/{dataset_id}/history")
def dataset_history(dataset_id: ObjectId, actor: MaybeActor, hive: HiveDep) -> list[HistoryEntry]:
    """Every metadata edit and status change, oldest first."""
    with read(hive) as session:
        return catalog.history(session, actor, dataset_id)


@router.post("/{dataset_id}/status")
def change_status(
    dataset_id: ObjectId, body: StatusUpdate, actor: RequiredActor, hive: HiveDep
) -> DatasetOut:
    """Activate or deactivate a dataset (OpenML's transitions)."""
    with write(hive) as session:
        dataset = catalog.set_status(session, actor, dataset_id, body.status)
        return catalog.describe(session, dataset)


@router.post("/{dataset_id}/fork", status_code=status.HTTP_201_CREATED)
def fork_dataset(
    dataset_id: ObjectId, body: ForkRequest, actor: RequiredActor, hive: HiveDep
) -> DatasetOut:
    """A new dataset owned by the caller, with this version's data."""
    with write(hive) as session:
        dataset = catalog.fork(session, actor, dataset_id, body.name, body.visibility)
        return catalog.describe(session, dataset)


router.include_router(tag_routes("dataset"))


@router.delete("/{dataset_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_dataset(dataset_id: ObjectId, actor: RequiredActor, hive: HiveDep) -> Response:
    """Delete a dataset (owner or admin) that nothing depends on."""
    with write(hive) as session:
        catalog.delete_dataset(session, actor, dataset_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{dataset_id}/features")
def get_features(dataset_id: ObjectId, actor: MaybeActor, hive: HiveDep) -> list[FeatureOut]:
    """Per-column summaries (empty until processing is done)."""
    with read(hive) as session:
        rows = files.features(session, actor, dataset_id)
        return [FeatureOut.model_validate(row) for row in rows]


@router.get("/{dataset_id}/automation")
def get_automation(dataset_id: ObjectId, actor: MaybeActor, hive: HiveDep) -> AutoLeaderboardOut:
    """What the hive made by itself once the dataset was processed (when the server's
    ``auto_automl_budget`` is on): its standard task, baseline runs and AutoML search, or why
    nothing was made. The search is shown to the dataset's owner and administrators."""
    with read(hive) as session:
        return auto.status(session, hive.settings, actor, dataset_id)


@router.get("/{dataset_id}/qualities")
def get_qualities(
    dataset_id: ObjectId, actor: MaybeActor, hive: HiveDep
) -> dict[str, float | None]:
    """OpenML's meta-features of the dataset (empty until processing is done)."""
    with read(hive) as session:
        return files.qualities(session, actor, dataset_id)


@router.get(
    "/{dataset_id}/data",
    response_class=Response,
    responses=file_responses(*files.MEDIA_TYPES.values()),
)
def download(
    dataset_id: ObjectId,
    request: Request,
    actor: MaybeActor,
    hive: HiveDep,
    format: Literal["parquet", "csv", "arff"] = "parquet",
) -> Response:
    """The data as Parquet (canonical), CSV or ARFF, with an ETag."""
    with read(hive) as session:
        item = files.download(session, actor, dataset_id, format)
    return send_download(request, hive.store, item, hive.settings.data_dir / "tmp")
