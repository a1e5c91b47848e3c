"""``data/…``: datasets as OpenML's v1 XML API serves them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput, NotFound
from mlhive.server.domain.limits import storable_id
from mlhive.server.http.params import PositiveId
from mlhive.server.openml import descriptions, xmlio
from mlhive.server.openml.common import (
    Filters,
    actor,
    form_text,
    hive,
    read,
    required,
    threaded,
    write,
)
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.server.openml.tagging import tag_routes
from mlhive.server.services import accounts
from mlhive.server.services.datasets import catalog, curation, files, listing
from mlhive.server.services.datasets.listing import DatasetEntry
from mlhive.server.wiring import Hive
from mlhive.wire.datasets import DatasetCreate, DatasetOut, parse_quality_range

router = APIRouter()

LIST_FILTERS = (
    "tag",
    "status",
    "limit",
    "offset",
    "data_id",
    "data_name",
    "data_version",
    "uploader",
    "number_instances",
    "number_features",
    "number_classes",
    "number_missing_values",
)
RANGE_FILTERS = {
    "number_instances": "NumberOfInstances",
    "number_features": "NumberOfFeatures",
    "number_classes": "NumberOfClasses",
    "number_missing_values": "NumberOfMissingValues",
}
STATUSES = ("active", "in_preparation", "deactivated", "all")


def base_url(request: Request, h: Hive) -> str:
    """The address clients reach the server at (``MLHIVE_PUBLIC_URL`` or the request's)."""
    if h.settings.public_url:
        return h.settings.public_url.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def arff_url(base: str, dataset_id: int, name: str) -> str:
    """Where the ARFF rendition of a dataset is downloaded."""
    return f"{base}/data/v1/download/{dataset_id}/{quote(name)}.arff"


def parquet_url(base: str, dataset_id: int) -> str:
    """Where the Parquet file is, S3-style: bucket ``data``, key ``v1/parquet/…``."""
    return f"{base}/data/v1/parquet/{dataset_id}/dataset_{dataset_id}.pq"


def visible_dataset(
    session: Session, who: Actor | None, dataset_id: int, missing: int
) -> DatasetOut:
    """The dataset, or OpenML's "unknown" (``missing``) / "no access" (112) error."""
    try:
        return catalog.describe(session, catalog.get(session, who, dataset_id))
    except NotFound:
        raise OpenMLError(112 if catalog.exists(session, dataset_id) else missing) from None


@router.get("/data/list{filters:path}")
def list_data(filters: str, request: Request) -> Response:
    """``data/list/…``: datasets with OpenML's path filters; error 372 when none match."""
    f = Filters(filters, LIST_FILTERS, 370)
    limit, offset = f.page(371)
    status = f.text("status") or "active"
    if status not in STATUSES:
        raise OpenMLError(371, f"status must be one of {', '.join(STATUSES)}")
    try:
        ranges = [
            (RANGE_FILTERS[name], *parse_quality_range(f"x:{value}")[1:])
            for name, value in f.values.items()
            if name in RANGE_FILTERS
        ]
    except ValueError as exc:
        raise OpenMLError(371, str(exc)) from None
    h = hive(request)
    with read(h) as session:
        search = listing.DatasetSearch(
            name=f.text("data_name"),
            tag=f.text("tag"),
            status=None if status == "all" else status,
            uploader=_uploader_name(session, f.integer("uploader", 371)),
            ids=f.integers("data_id", 371),
            version=f.integer("data_version", 371),
            qualities=ranges,
            limit=limit,
            offset=offset,
        )
        with codes(invalid=371):
            rows = listing.entries(session, actor(request), search)
    if not rows:
        raise OpenMLError(372)
    return xmlio.document(_listing(rows))


def _uploader_name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    try:
        return accounts.user_by_id(session, user_id).name
    except NotFound:
        raise OpenMLError(372) from None


def _listing(rows: list[DatasetEntry]) -> ET.Element:
    element = xmlio.root("data")
    for row in rows:
        entry = xmlio.add(element, "dataset")
        for name, value in (
            ("did", row.id),
            ("name", row.name),
            ("version", row.version),
            ("uploader", row.uploader_id),
            ("status", row.status),
            ("format", "Sparse_ARFF" if row.sparse else "ARFF"),
            ("md5_checksum", row.arff_md5),
        ):
            xmlio.add_optional(entry, name, value)
        known = {k: v for k, v in row.qualities.items() if v is not None}
        # openml-python reads a lone quality as a dict, not a list, and fails: send 0 or >= 2.
        if len(known) >= 2:
            for quality, number in sorted(known.items()):
                xmlio.add(entry, "quality", number, name=quality)
    return element


@router.get("/data/qualities/list")
def quality_names(request: Request) -> Response:
    """``data/qualities/list``: the names of every quality mlhive computes (known before any
    dataset is processed, so never OpenML's "no results", 641)."""
    h = hive(request)
    with read(h) as session:
        names = files.quality_names(session)
    element = xmlio.root("data_qualities_list")
    xmlio.add_all(element, "quality", names)
    return xmlio.document(element)


@router.get("/data/{dataset_id}")
def get_data(dataset_id: PositiveId, request: Request) -> Response:
    """``data/{id}``: the dataset description (``oml:data_set_description``)."""
    h = hive(request)
    with read(h) as session:
        out = visible_dataset(session, actor(request), dataset_id, 111)
        has_dates = files.has_date_features(session, out.id)
    base = base_url(request, h)
    element = xmlio.root("data_set_description")
    for name, value in (
        ("id", out.id),
        ("name", out.name),
        ("version", out.version),
        ("description", out.description),
        ("description_version", 1),
        ("format", "Sparse_ARFF" if out.sparse else "ARFF"),
    ):
        xmlio.add(element, name, value)
    xmlio.add_all(element, "creator", out.creator)
    xmlio.add_all(element, "contributor", out.contributor)
    xmlio.add_optional(element, "collection_date", out.collection_date)
    xmlio.add(element, "upload_date", out.upload_date.strftime("%Y-%m-%dT%H:%M:%S"))
    xmlio.add_optional(element, "language", out.language)
    xmlio.add_optional(element, "licence", out.licence)
    xmlio.add(element, "url", arff_url(base, out.id, out.name))
    xmlio.add(element, "parquet_url", parquet_url(base, out.id))
    xmlio.add_optional(element, "default_target_attribute", out.default_target_attribute)
    xmlio.add_optional(element, "row_id_attribute", out.row_id_attribute)
    xmlio.add_all(element, "ignore_attribute", out.ignore_attributes)
    xmlio.add_optional(element, "citation", out.citation)
    xmlio.add_all(element, "tag", out.tags)
    xmlio.add(element, "visibility", out.visibility)
    xmlio.add_optional(element, "original_data_url", out.original_url)
    xmlio.add_optional(element, "paper_url", out.paper_url)
    xmlio.add(element, "status", out.status)
    if out.processing_date is not None:
        xmlio.add(element, "processing_date", out.processing_date.strftime("%Y-%m-%d %H:%M:%S"))
    xmlio.add_optional(element, "error", out.processing_error)
    # Date columns are served as strings (liac-arff cannot read DATE): no stored checksum.
    if not has_dates:
        xmlio.add_optional(element, "md5_checksum", out.arff_md5)
    return xmlio.document(element)


@router.get("/data/features/{dataset_id}")
def get_features(dataset_id: PositiveId, request: Request) -> Response:
    """``data/features/{id}``: per-column summaries with their ontologies (273 until
    processed)."""
    h = hive(request)
    with read(h) as session:
        dataset = visible_dataset(session, actor(request), dataset_id, 271)
        rows = files.features(session, actor(request), dataset_id)
        ontologies = curation.ontologies_of(session, dataset_id)
    if not rows:
        raise OpenMLError(274 if dataset.processing == "failed" else 273)
    element = xmlio.root("data_features")
    for row in rows:
        feature = xmlio.add(element, "feature")
        xmlio.add(feature, "index", row.index)
        xmlio.add(feature, "name", row.name)
        xmlio.add(feature, "data_type", row.data_type)
        xmlio.add_all(feature, "ontology", ontologies.get(row.index, []))
        xmlio.add_all(feature, "nominal_value", row.nominal_values or [])
        xmlio.add(feature, "is_target", row.is_target)
        xmlio.add(feature, "is_ignore", row.is_ignore)
        xmlio.add(feature, "is_row_identifier", row.is_row_identifier)
        xmlio.add(feature, "number_of_missing_values", row.number_of_missing_values)
    return xmlio.document(element)


@router.get("/data/qualities/{dataset_id}")
def get_qualities(dataset_id: PositiveId, request: Request) -> Response:
    """``data/qualities/{id}``: the dataset's qualities (362/363/364 when there are none)."""
    h = hive(request)
    with read(h) as session:
        dataset = visible_dataset(session, actor(request), dataset_id, 361)
        values = files.qualities(session, actor(request), dataset_id)
    if not values:
        code = {"pending": 363, "failed": 364}.get(dataset.processing, 362)
        raise OpenMLError(code)
    element = xmlio.root("data_qualities")
    for name, value in values.items():
        quality = xmlio.add(element, "quality")
        xmlio.add(quality, "name", name)
        xmlio.add(quality, "value", value) if value is not None else xmlio.add(quality, "value")
    return xmlio.document(element)


@router.post("/data")
async def upload(request: Request) -> Response:
    """``POST data``: a description XML and an ARFF file → a new dataset (version); or a
    description whose ``oml:url`` the server fetches the ARFF file from, in a job."""
    form = await request.form()
    description = await form_text(form, "description")
    if description is None:
        raise OpenMLError(135)
    with codes(invalid=131):
        node = xmlio.parse(description, "description")
        meta = descriptions.dataset_create(node)
        sparse = descriptions.declared_sparse(node)
    who, h = required(request), hive(request)
    data = form.get("dataset")
    if data is None or isinstance(data, str):
        if meta.url is None:
            raise OpenMLError(
                141, "upload the ARFF file as the 'dataset' file part, or give oml:url"
            )
        return xmlio.id_document("upload_data_set", await threaded(_publish_url, h, who, meta))
    # openml-python re-publishes a downloaded dataset with both its file and the oml:url it
    # was served from: the file sent is the data, and the URL is not fetched.
    meta = meta.model_copy(update={"url": None})

    def work() -> int:
        with write(h) as session, codes(invalid=145):
            dataset = catalog.publish(
                session, h.store, h.settings, who, data.file, "dataset.arff", meta
            )
            if sparse and not dataset.sparse:
                raise InvalidInput(
                    "description: format is sparse_arff, but not every data row of the ARFF "
                    "file is sparse ({index value, ...}); send format ARFF for dense rows",
                    field="format",
                )
            return dataset.id

    return xmlio.id_document("upload_data_set", await threaded(work))


def _publish_url(h: Hive, who: Actor, meta: DatasetCreate) -> int:
    with write(h) as session, codes(invalid=131):
        return catalog.publish_url(session, h.settings, who, meta).id


@router.post("/data/status/update")
def status_update(
    request: Request,
    data_id: Annotated[PositiveId, Form()],
    status: Annotated[str, Form()],
) -> Response:
    """``POST data/status/update``: activate or deactivate a dataset."""
    if status not in ("active", "deactivated"):
        raise OpenMLError(691, "status must be 'active' or 'deactivated'")
    h = hive(request)
    with write(h) as session:
        visible_dataset(session, actor(request), data_id, 692)
        with codes(denied=693, conflict=694):
            dataset = catalog.set_status(session, required(request), data_id, status)
        return xmlio.id_document("data_status_update", dataset.id, status=dataset.status)


@router.post("/data/edit")
async def edit(request: Request) -> Response:
    """``POST data/edit``: change metadata under OpenML's rules: any signed-in user may edit
    the descriptive fields; the critical ones (target, row id, ignored attributes) only the
    owner or an admin (1065), and only while no task uses the dataset (1066). Every edit is
    kept in the dataset's history."""
    form = await request.form()
    text = await form_text(form, "edit_parameters")
    if text is None:
        raise OpenMLError(1061)
    with codes(invalid=1060):
        patch = descriptions.dataset_edit(xmlio.parse(text, "edit_parameters"))
    data_id = await form_text(form, "data_id")
    if not data_id or not storable_id(data_id):
        raise OpenMLError(1062)
    who, h = required(request), hive(request)

    def work() -> int:
        with write(h) as session:
            visible_dataset(session, who, int(data_id), 1063)
            if not patch.model_dump(exclude_unset=True):
                raise OpenMLError(1064)
            with codes(denied=1065, conflict=1066, invalid=1060):
                return catalog.community_edit(session, h.store, who, int(data_id), patch).id

    return xmlio.id_document("data_edit", await threaded(work))


@router.post("/data/fork")
def fork(request: Request, data_id: Annotated[PositiveId, Form()]) -> Response:
    """``POST data/fork``: a copy of the dataset owned by the caller."""
    h = hive(request)
    with write(h) as session:
        visible_dataset(session, actor(request), data_id, 1071)
        forked = catalog.fork(session, required(request), data_id, None, None)
        return xmlio.id_document("data_fork", forked.id)


router.include_router(tag_routes("data", "dataset", hidden=112))


@router.delete("/data/{dataset_id}")
def delete(dataset_id: PositiveId, request: Request) -> Response:
    """``DELETE data/{id}``: owner or admin, when no task or fork depends on it."""
    h = hive(request)
    with write(h) as session:
        visible_dataset(session, actor(request), dataset_id, 352)
        with codes(denied=353, conflict=354):
            catalog.delete_dataset(session, required(request), dataset_id)
    return xmlio.id_document("data_delete", dataset_id)
