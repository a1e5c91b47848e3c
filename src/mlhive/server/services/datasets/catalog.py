"""Dataset use cases: publish, read, edit, change status, fork, tag, delete.

Every function works inside the caller's transaction and never commits; blobs are written
(durably) before the rows that point at them, so a crash leaves at most an unreferenced blob.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import pyarrow.parquet as pq
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from mlhive.formats.arff import is_sparse_arff
from mlhive.formats.tables import FormatError, detect_format
from mlhive.server.config import Settings
from mlhive.server.db.queries import numbering, prepared
from mlhive.server.db.queries.access import forget_grants
from mlhive.server.db.queries.metafeatures import bump_generation
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.automl import AutoLeaderboard
from mlhive.server.db.tables.datasets import (
    Dataset,
    DatasetEdit,
    DatasetStatusChange,
    DatasetTag,
    DatasetTopic,
    Feature,
    FeatureOntology,
    Quality,
)
from mlhive.server.db.tables.experiments import Task
from mlhive.server.domain.access import Actor, can_see, require_owner
from mlhive.server.domain.datasets import urls
from mlhive.server.domain.datasets.lifecycle import PROCESSING_FIELDS, check_transition
from mlhive.server.domain.datasets.shape import check_shape
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound
from mlhive.server.jobs import queue
from mlhive.server.services import accounts, activity
from mlhive.server.services.blobs import keep_upload, remember_blob, store_table
from mlhive.server.services.datasets.reading import READING_FIELDS, read_upload
from mlhive.server.services.tagging import DATASET_TAGS
from mlhive.server.storage import BlobInfo, BlobStore
from mlhive.wire.datasets import DatasetCreate, DatasetOut, DatasetUpdate, HistoryEntry
from mlhive.wire.errors import ErrorCode

PROCESS_JOB = "process_dataset"
FETCH_JOB = "fetch_dataset"


def check_columns(columns: list[str], meta: DatasetCreate | DatasetUpdate | Dataset) -> None:
    """Target, row-id and ignored attributes must name columns of the data."""
    known = set(columns)
    named: list[tuple[str, str]] = []
    if meta.default_target_attribute:
        named += [("default_target_attribute", t) for t in meta.default_target_attribute.split(",")]
    if meta.row_id_attribute:
        named.append(("row_id_attribute", meta.row_id_attribute))
    named += [("ignore_attributes", c) for c in meta.ignore_attributes or []]
    for field, column in named:
        if column not in known:
            raise InvalidInput(
                f"{field}: {column!r} is not a column of the data "
                f"(columns: {', '.join(columns[:20])}{' …' if len(columns) > 20 else ''})",
                code=ErrorCode.UNKNOWN_COLUMN,
                field=field,
            )


def publish(
    session: Session,
    store: BlobStore,
    settings: Settings,
    actor: Actor,
    source: BinaryIO | Path,
    filename: str | None,
    meta: DatasetCreate,
) -> Dataset:
    """Validate and store an uploaded dataset as the next version of its name."""
    return publish_checked(session, store, settings, actor, source, filename, meta).dataset


class Published(NamedTuple):
    """The dataset an upload gave, and whether it is an existing identical version."""

    dataset: Dataset
    duplicate: bool


def publish_checked(
    session: Session,
    store: BlobStore,
    settings: Settings,
    actor: Actor,
    source: BinaryIO | Path,
    filename: str | None,
    meta: DatasetCreate,
    *,
    reuse_identical: bool = False,
) -> Published:
    """:func:`publish`; with ``reuse_identical``, an upload whose data and reading metadata
    match a version the actor already uploaded under that name returns that version instead.

    Identical means: the same canonical data (so the same types), target, row id, ignored
    attributes and visibility. Descriptive fields do not count (edit the version for those).
    """
    if meta.url is not None:
        raise InvalidInput(
            "metadata.url: give either a file or a url, not both", field="metadata.url"
        )
    owner_id = accounts.owner_for(session, actor, meta.owner)
    table, notes = read_upload(source, filename, meta, settings.max_columns)
    check_shape(
        table.num_rows,
        table.num_columns,
        max_columns=settings.max_columns,
        max_cells=settings.max_cells,
    )
    check_columns(table.column_names, meta)
    info = store_table(store, table, settings.data_dir / "tmp")
    remember_blob(session, info)
    if reuse_identical:
        same = _identical_version(session, owner_id, meta, info.sha256)
        if same is not None:
            return Published(same, duplicate=True)
    upload_format = detect_format(filename, meta.format)
    arff: tuple[BlobInfo | None, str | None] = (None, None)
    sparse = False
    if upload_format == "arff":
        sparse = is_sparse_arff(source)
        arff = keep_upload(store, source)
        remember_blob(session, arff[0])
    dataset = _insert_next_version(
        session,
        name=meta.name,
        uploader_id=owner_id,
        visibility=meta.visibility,
        upload_format=upload_format,
        data_sha256=info.sha256,
        arff_sha256=arff[0].sha256 if arff[0] else None,
        arff_md5=arff[1],
        sparse=sparse,
        number_of_rows=table.num_rows,
        number_of_columns=table.num_columns,
        type_notes=notes,
        **_descriptive(meta),
    )
    _tag_and_queue(session, actor, dataset, meta, PROCESS_JOB, {"dataset_id": dataset.id})
    return Published(dataset, duplicate=False)


def _identical_version(
    session: Session, owner_id: int, meta: DatasetCreate, sha256: str
) -> Dataset | None:
    stmt = (
        select(Dataset)
        .where(
            Dataset.name == meta.name,
            Dataset.uploader_id == owner_id,
            Dataset.data_sha256 == sha256,
            Dataset.visibility == meta.visibility,
        )
        .order_by(Dataset.version)
    )
    for dataset in session.scalars(stmt):
        same_roles = (
            dataset.default_target_attribute == meta.default_target_attribute
            and dataset.row_id_attribute == meta.row_id_attribute
            and list(dataset.ignore_attributes or []) == list(meta.ignore_attributes)
        )
        if same_roles:
            return dataset
    return None


def publish_url(session: Session, settings: Settings, actor: Actor, meta: DatasetCreate) -> Dataset:
    """Record a dataset whose data the server fetches from ``meta.url`` in a job.

    The dataset exists at once (processing ``pending``, no data, 0 rows and columns until the
    job has fetched it); what can be known without the network is refused here.

    Raises:
        InvalidInput: ``url_refused`` (scheme, form, a private address written in the URL),
            ``unsupported_format`` (no format given and none in the URL's file name).
    """
    if meta.url is None:
        raise InvalidInput("metadata.url: give a url or upload a file", field="metadata.url")
    target = urls.check(meta.url, settings.url_fetch_allowed_host_names)
    try:
        upload_format = detect_format(target.filename, meta.format)
    except FormatError as exc:
        raise InvalidInput(
            f"{exc}; name it with metadata.format", code=ErrorCode(exc.code), field="format"
        ) from exc
    dataset = _insert_next_version(
        session,
        name=meta.name,
        uploader_id=accounts.owner_for(session, actor, meta.owner),
        visibility=meta.visibility,
        upload_format=upload_format,
        data_sha256=None,
        source_url=meta.url,
        number_of_rows=0,
        number_of_columns=0,
        **_descriptive(meta),
    )
    payload = {
        "dataset_id": dataset.id,
        "url": meta.url,
        "format": upload_format,
        **{key: getattr(meta, key) for key in READING_FIELDS},
    }
    _tag_and_queue(session, actor, dataset, meta, FETCH_JOB, payload)
    return dataset


def _descriptive(meta: DatasetCreate) -> dict[str, Any]:
    # The fields stored as they came; the others shape how the data is read or stored.
    return meta.model_dump(
        exclude={
            "name",
            "tags",
            "visibility",
            "owner",
            "format",
            "url",
            "allow_duplicate",
            *READING_FIELDS,
        }
    )


def _tag_and_queue(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    meta: DatasetCreate,
    job: str,
    payload: dict[str, Any],
) -> None:
    for tag in dict.fromkeys(meta.tags):
        session.add(DatasetTag(dataset_id=dataset.id, tag=tag, tagger_id=actor.id))
    _record_status(session, dataset, actor)
    queue.enqueue(session, job, payload, subject=f"dataset:{dataset.id}", owner=actor.id)
    session.flush()
    _record_activity(session, actor, dataset)


def _record_activity(session: Session, actor: Actor, dataset: Dataset) -> None:
    """A first version is ``dataset.created``; a later one ``dataset.version``, told to the
    watchers of the earlier versions of the same name."""
    earlier = list(
        session.scalars(
            select(Dataset.id).where(Dataset.name == dataset.name, Dataset.id != dataset.id)
        )
    )
    verb = "dataset.version" if earlier else "dataset.created"
    activity.record(
        session,
        actor.id,
        verb,
        "dataset",
        dataset.id,
        extra={"name": dataset.name, "version": dataset.version},
        watchers_of=[("dataset", dataset_id) for dataset_id in earlier],
        watch_own=True,
    )


def _queue_processing(session: Session, dataset: Dataset, actor: Actor) -> None:
    queue.enqueue(
        session,
        PROCESS_JOB,
        {"dataset_id": dataset.id},
        subject=f"dataset:{dataset.id}",
        owner=actor.id,
    )


def _insert_next_version(session: Session, *, name: str, **values: Any) -> Dataset:
    # Two concurrent uploads of one name may pick the same version: retry on the unique key.
    dataset = numbering.insert_next(
        session,
        Dataset.version,
        Dataset.name == name,
        lambda version: Dataset(name=name, version=version, **values),
    )
    if dataset is None:
        raise Conflict(f"could not allocate a version for {name!r}; please retry")
    return dataset


def _record_status(session: Session, dataset: Dataset, actor: Actor | None) -> None:
    session.add(
        DatasetStatusChange(
            dataset_id=dataset.id, user_id=actor.id if actor else None, status=dataset.status
        )
    )


def get(session: Session, actor: Actor | None, dataset_id: int) -> Dataset:
    """A dataset the actor may see; others' private datasets are NotFound, like missing ones."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or not can_see(
        actor,
        owner_id=dataset.uploader_id,
        visibility=dataset.visibility,
        subject=("dataset", dataset.id),
    ):
        raise NotFound(f"dataset {dataset_id} not found")
    return dataset


def exists(session: Session, dataset_id: int) -> bool:
    """Whether a dataset with this id exists, visible to the caller or not (OpenML's face
    answers "no access" rather than "unknown" for others' private datasets)."""
    return session.get(Dataset, dataset_id) is not None


_OUT_COLUMNS = [c for c in Dataset.__table__.c if c.key in DatasetOut.model_fields]
"""The datasets columns a description shows (the rest comes from other tables)."""
_DESCRIPTION = (
    select(*_OUT_COLUMNS, Dataset.uploader_id, User.name.label("uploader"))
    .join(User, User.id == Dataset.uploader_id)
    .where(Dataset.id == bindparam("dataset_id"))
)
# One id: an equality, not an IN list (whose expansion is costlier than the read).
_TAGS = (
    select(DatasetTag.tag)
    .where(DatasetTag.dataset_id == bindparam("dataset_id"))
    .order_by(DatasetTag.tag)
)
_TOPICS = (
    select(DatasetTopic.topic)
    .where(DatasetTopic.dataset_id == bindparam("dataset_id"))
    .order_by(DatasetTopic.topic)
)


def read_description(session: Session, actor: Actor | None, dataset_id: int) -> DatasetOut:
    """What :func:`describe` answers for :func:`get`'s dataset, read as rows, not ORM objects:
    the API's most frequent read (one prebuilt statement for the dataset and its uploader's
    name, one each for tags, topics and the latest job).

    Raises:
        NotFound: no such dataset, or not one ``actor`` may see.
    """
    row = prepared.run(session, _DESCRIPTION, dataset_id=dataset_id).mappings().one_or_none()
    if row is None or not can_see(
        actor,
        owner_id=row["uploader_id"],
        visibility=row["visibility"],
        subject=("dataset", dataset_id),
    ):
        raise NotFound(f"dataset {dataset_id} not found")
    shown = {key: value for key, value in row.items() if key != "uploader_id"}
    return DatasetOut.model_validate(
        {
            **shown,
            "tags": prepared.run(session, _TAGS, dataset_id=dataset_id).scalars().all(),
            "topics": prepared.run(session, _TOPICS, dataset_id=dataset_id).scalars().all(),
            "job_id": queue.latest_id_for(session, f"dataset:{dataset_id}"),
        }
    )


def describe(session: Session, dataset: Dataset) -> DatasetOut:
    """The full wire description of a dataset."""
    tags = tags_of(session, [dataset.id])[dataset.id]
    job = queue.latest_for(session, f"dataset:{dataset.id}")
    return DatasetOut.model_validate(
        {
            **{k: getattr(dataset, k) for k in DatasetOut.model_fields if hasattr(dataset, k)},
            "uploader": dataset.uploader.name,
            "tags": tags,
            "topics": topics_of(session, [dataset.id])[dataset.id],
            "job_id": job.id if job else None,
        }
    )


def update(
    session: Session, store: BlobStore, actor: Actor, dataset_id: int, patch: DatasetUpdate
) -> Dataset:
    """Edit descriptive metadata, keeping the previous values in the history."""
    dataset = get(session, actor, dataset_id)
    require_owner(actor, dataset.uploader_id, f"dataset {dataset_id}", ("dataset", dataset.id))
    return _apply_edit(session, store, actor, dataset, patch)


def community_edit(
    session: Session, store: BlobStore, actor: Actor, dataset_id: int, patch: DatasetUpdate
) -> Dataset:
    """Edit metadata under OpenML's rules (its ``data/edit``), keeping the history.

    Anyone who can see the dataset may edit the descriptive fields. The critical ones (target,
    row id, ignored attributes: they change features, qualities and tasks' meaning) only its
    owner or an admin may (PermissionDenied), and only while no task uses the dataset
    (Conflict): changing the target under a task would change the task.
    """
    dataset = get(session, actor, dataset_id)
    critical = sorted(PROCESSING_FIELDS & patch.model_dump(exclude_unset=True).keys())
    if critical:
        what = f"{', '.join(critical)} of dataset {dataset_id}"
        require_owner(actor, dataset.uploader_id, what, ("dataset", dataset.id))
        if session.scalar(select(Task.id).where(Task.dataset_id == dataset.id).limit(1)):
            raise Conflict(f"{what} cannot change: tasks use the dataset (fork it to change them)")
    return _apply_edit(session, store, actor, dataset, patch)


def _apply_edit(
    session: Session, store: BlobStore, actor: Actor, dataset: Dataset, patch: DatasetUpdate
) -> Dataset:
    changes = {
        key: value
        for key, value in patch.model_dump(exclude_unset=True).items()
        if getattr(dataset, key) != value
    }
    if not changes:
        return dataset
    if PROCESSING_FIELDS & changes.keys():
        check_columns(column_names(store, require_data(dataset)), patch)
    before = {key: getattr(dataset, key) for key in changes}
    for key, value in changes.items():
        setattr(dataset, key, value)
    session.add(DatasetEdit(dataset_id=dataset.id, user_id=actor.id, before=before, after=changes))
    if PROCESSING_FIELDS & changes.keys():
        dataset.processing = "pending"
        _queue_processing(session, dataset, actor)
    session.flush()
    return dataset


def require_data(dataset: Dataset) -> str:
    """The sha256 of the dataset's data, which a dataset given by URL has only once fetched.

    Raises:
        Conflict: ``not_processed``: the data is still being fetched, or the fetch failed.
    """
    if dataset.data_sha256 is not None:
        return dataset.data_sha256
    why = (
        f"fetching it from {dataset.source_url} failed: {dataset.processing_error}"
        if dataset.processing == "failed"
        else f"it is still being fetched from {dataset.source_url}; retry when processed"
    )
    raise Conflict(f"dataset {dataset.id} has no data yet: {why}", code=ErrorCode.NOT_PROCESSED)


def column_names(store: BlobStore, sha256: str) -> list[str]:
    """The column names of a stored Parquet file (reads only its footer)."""
    with store.open(sha256) as handle:
        return list(pq.read_schema(handle).names)


def set_status(session: Session, actor: Actor, dataset_id: int, status: str) -> Dataset:
    """Move a dataset along OpenML's life cycle (owner or admin)."""
    dataset = get(session, actor, dataset_id)
    require_owner(actor, dataset.uploader_id, f"dataset {dataset_id}", ("dataset", dataset.id))
    check_transition(dataset.status, status, processed=dataset.processing == "done")
    if status != dataset.status:
        dataset.status = status
        _record_status(session, dataset, actor)
        session.flush()
    return dataset


def fork(
    session: Session, actor: Actor, dataset_id: int, name: str | None, visibility: str | None
) -> Dataset:
    """A new dataset owned by ``actor`` with the same data (stored once) and metadata."""
    source = get(session, actor, dataset_id)
    require_data(source)  # a fork shares the data, so there must be some
    copied = {
        c.key: getattr(source, c.key)
        for c in Dataset.__table__.columns
        if c.key
        not in {
            "id",
            "name",
            "version",
            "uploader_id",
            "visibility",
            "status",
            "upload_date",
            "forked_from_id",
        }
    }
    dataset = _insert_next_version(
        session,
        name=name or source.name,
        uploader_id=actor.id,
        visibility=visibility or source.visibility,
        status=source.status if source.status == "active" else "in_preparation",
        forked_from_id=source.id,
        **copied,
    )
    _copy_meta_features(session, source.id, dataset.id)
    bump_generation(session, dataset.id)  # a new dataset with qualities
    _record_status(session, dataset, actor)
    session.flush()
    return dataset


def _copy_meta_features(session: Session, source_id: int, target_id: int) -> None:
    for feature in session.scalars(select(Feature).where(Feature.dataset_id == source_id)):
        values = {c.key: getattr(feature, c.key) for c in Feature.__table__.columns}
        session.add(Feature(**{**values, "dataset_id": target_id}))
    for quality in session.scalars(select(Quality).where(Quality.dataset_id == source_id)):
        session.add(Quality(dataset_id=target_id, name=quality.name, value=quality.value))


def tags_of(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    """Tags of many datasets in one query."""
    return DATASET_TAGS.of(session, ids)


def topics_of(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    """The topics of many datasets, each list sorted."""
    found: dict[int, list[str]] = {i: [] for i in ids}
    stmt = select(DatasetTopic.dataset_id, DatasetTopic.topic).where(
        DatasetTopic.dataset_id.in_(list(found))
    )
    for dataset_id, topic in session.execute(stmt.order_by(DatasetTopic.topic)):
        found[dataset_id].append(topic)
    return found


def delete_dataset(session: Session, actor: Actor, dataset_id: int) -> None:
    """Delete a dataset (owner or admin) unless a fork or a task depends on it."""
    dataset = get(session, actor, dataset_id)
    require_owner(actor, dataset.uploader_id, f"dataset {dataset_id}")
    if session.scalar(select(Dataset.id).where(Dataset.forked_from_id == dataset.id).limit(1)):
        raise Conflict(f"dataset {dataset_id} has forks and cannot be deleted")
    if session.scalar(select(Task.id).where(Task.dataset_id == dataset.id).limit(1)):
        raise Conflict(f"dataset {dataset_id} has tasks and cannot be deleted")
    for table in (
        Feature,
        Quality,
        DatasetTag,
        DatasetEdit,
        DatasetStatusChange,
        DatasetTopic,
        FeatureOntology,
        AutoLeaderboard,
    ):
        session.execute(delete(table).where(table.dataset_id == dataset.id))
    forget_grants(session, "dataset", dataset.id)
    activity.forget(session, "dataset", dataset.id)
    session.delete(dataset)
    bump_generation(session, dataset_id)  # one dataset fewer to compare with
    session.flush()


def history(session: Session, actor: Actor | None, dataset_id: int) -> list[HistoryEntry]:
    """Metadata edits and status changes, oldest first."""
    dataset = get(session, actor, dataset_id)
    edits = list(session.scalars(select(DatasetEdit).where(DatasetEdit.dataset_id == dataset.id)))
    changes = list(
        session.scalars(
            select(DatasetStatusChange).where(DatasetStatusChange.dataset_id == dataset.id)
        )
    )
    user_ids = {e.user_id for e in edits} | {c.user_id for c in changes if c.user_id}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())
    entries = [
        HistoryEntry(
            kind="edit",
            user=names.get(e.user_id),
            created_at=e.created_at,
            before=e.before,
            after=e.after,
        )
        for e in edits
    ]
    entries += [
        HistoryEntry(
            kind="status",
            user=names.get(s.user_id) if s.user_id else None,
            created_at=s.created_at,
            status=s.status,
        )
        for s in changes
    ]
    return sorted(entries, key=lambda e: e.created_at)


def activate_after_processing(session: Session, dataset: Dataset) -> None:
    """Auto-activation (``MLHIVE_AUTO_ACTIVATE``): processed datasets go live at once."""
    dataset.status = "active"
    _record_status(session, dataset, None)
