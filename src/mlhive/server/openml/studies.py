"""``study/…``: benchmark suites (main entity ``task``) and studies (``run``) as OpenML's
v1 XML API serves them. OpenML keeps both in one numbering, and so does mlhive; an alias is
looked up among suites first, then studies."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import NotFound
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
from mlhive.server.services import accounts
from mlhive.server.services.experiments import runs, studies, tasks
from mlhive.wire.studies import CollectionOut

router = APIRouter()
ENTITY = {"suite": "task", "study": "run"}
KINDS = {"task": "suite", "run": "study"}


def find(session: Session, who: Actor | None, ref: str, missing: int) -> CollectionOut:
    """A suite or study by id or alias (OpenML does not say which kind it expects)."""
    for kind in ("suite", "study"):
        try:
            return studies.describe(session, studies.get(session, who, kind, ref), who)
        except NotFound:
            continue
    raise OpenMLError(missing, f"no suite or study {ref!r}")


@router.post("/study")
async def upload(request: Request) -> Response:
    """``POST study``: a suite (tasks) or a study (runs)."""
    form = await request.form()
    text = await form_text(form, "description")
    if text is None:
        raise OpenMLError(1031)
    with codes(invalid=1032):
        kind, body = descriptions.collection(xmlio.parse(text, "description"))
    who, h = required(request), hive(request)

    def work() -> int:
        with write(h) as session, codes(not_found=1045, conflict=1038, invalid=1032):
            return studies.create(session, who, kind, body).id

    return xmlio.id_document("study_upload", await threaded(work))


@router.get("/study/list{filters:path}")
def list_studies(filters: str, request: Request) -> Response:
    """``study/list/…``: suites and studies (active ones unless ``status`` says otherwise)."""
    legal = ("limit", "offset", "main_entity_type", "uploader", "status", "benchmark_suite")
    f = Filters(filters, legal, 596)
    limit, offset = f.page(597)
    entity = f.text("main_entity_type")
    if entity not in (None, "task", "run"):
        raise OpenMLError(597, "main_entity_type must be task or run")
    status = f.text("status") or "active"
    uploader = f.integer("uploader", 597)
    if f.text("benchmark_suite") is not None:  # mlhive does not link studies to suites
        raise OpenMLError(599)
    with read(hive(request)) as session:
        rows = [
            row
            for kind in ([KINDS[entity]] if entity else ["suite", "study"])
            for row in studies.list_all(
                session, actor(request), kind, None if status == "all" else status
            )
            if uploader is None or row.creator_id == uploader
        ]
    rows = sorted(rows, key=lambda row: row.id)[offset : offset + limit]
    if not rows:
        raise OpenMLError(599)
    element = xmlio.root("study_list")
    for row in rows:
        entry = xmlio.add(element, "study")
        xmlio.add(entry, "id", row.id)
        xmlio.add_optional(entry, "alias", row.alias)
        xmlio.add(entry, "main_entity_type", ENTITY[row.kind])
        xmlio.add(entry, "name", row.name)
        xmlio.add(entry, "status", row.status)
        xmlio.add(entry, "creation_date", row.created_at.strftime("%Y-%m-%d %H:%M:%S"))
        xmlio.add(entry, "creator", row.creator_id)
    return xmlio.document(element)


@router.get("/study/{ref}")
def get_study(ref: str, request: Request) -> Response:
    """``study/{id or alias}``: the collection with its members (and, for studies, the tasks,
    datasets, flows and setups of its runs)."""
    with read(hive(request)) as session:
        row = find(session, actor(request), ref, 601)
        element = _study_document(session, actor(request), row)
    return xmlio.document(element)


def _study_document(session: Session, who: Actor | None, row: CollectionOut) -> ET.Element:
    element = xmlio.root("study")
    xmlio.add(element, "id", row.id)
    xmlio.add_optional(element, "alias", row.alias)
    xmlio.add(element, "main_entity_type", ENTITY[row.kind])
    xmlio.add(element, "name", row.name)
    xmlio.add(element, "description", row.description)
    xmlio.add(element, "visibility", row.visibility)
    xmlio.add(element, "status", row.status)
    xmlio.add(element, "creation_date", row.created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    xmlio.add(element, "creator", accounts.get_user(session, row.creator).id)
    members = row.task_ids if row.kind == "suite" else row.run_ids
    if row.kind == "suite":
        task_ids = members
        run_rows = []
    else:
        run_rows = [runs.get(session, who, run_id) for run_id in members]
        task_ids = sorted({run.task_id for run in run_rows})
    data_ids = sorted({tasks.get(session, who, task_id).dataset_id for task_id in task_ids})
    groups: list[tuple[str, str, list[int]]] = [
        ("data", "data_id", data_ids),
        ("tasks", "task_id", task_ids),
    ]
    if row.kind == "study":
        groups += [
            ("flows", "flow_id", sorted({run.flow_id for run in run_rows})),
            ("setups", "setup_id", sorted({run.setup_id for run in run_rows})),
            ("runs", "run_id", members),
        ]
    for holder_name, item_name, ids in groups:
        if ids:
            xmlio.add_all(xmlio.add(element, holder_name), item_name, ids)
    return element


def _ids(text: str | None) -> list[int]:
    if not text:
        raise OpenMLError(1043)
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items or not all(item.isdigit() for item in items):
        raise OpenMLError(1044)
    return [int(item) for item in items]


@router.post("/study/{study_id}/attach")
def attach(study_id: PositiveId, request: Request, ids: Annotated[str, Form()] = "") -> Response:
    """``POST study/{id}/attach``: add tasks (suite) or runs (study)."""
    return _members(request, study_id, _ids(ids), "attach")


@router.post("/study/{study_id}/detach")
def detach(study_id: PositiveId, request: Request, ids: Annotated[str, Form()] = "") -> Response:
    """``POST study/{id}/detach``: remove tasks (suite) or runs (study)."""
    return _members(request, study_id, _ids(ids), "detach")


def _members(request: Request, study_id: int, ids: list[int], action: str) -> Response:
    with write(hive(request)) as session:
        row = find(session, actor(request), str(study_id), 1041)
        change = studies.attach if action == "attach" else studies.detach
        with codes(not_found=1045, denied=1053, conflict=1045):
            changed = change(session, required(request), row.kind, row.id, ids)
        count = len(studies.members(session, changed, required(request)))
    element = xmlio.root(f"study_{action}")
    xmlio.add(element, "id", row.id)
    xmlio.add(element, "main_entity_type", ENTITY[row.kind])
    xmlio.add(element, "linked_entities", count)
    return xmlio.document(element)


@router.post("/study/status/update")
def status_update(
    request: Request, study_id: Annotated[PositiveId, Form()], status: Annotated[str, Form()]
) -> Response:
    """``POST study/status/update``: activate or deactivate a suite or study."""
    if status not in ("active", "deactivated"):
        raise OpenMLError(1051)
    with write(hive(request)) as session:
        row = find(session, actor(request), str(study_id), 1052)
        with codes(denied=1053, conflict=1051):
            changed = studies.set_status(session, required(request), row.kind, row.id, status)
        return xmlio.id_document("study_status_update", changed.id, status=changed.status)


@router.delete("/study/{study_id}")
def delete(study_id: PositiveId, request: Request) -> Response:
    """``DELETE study/{id}``: its creator or an admin (members stay)."""
    with write(hive(request)) as session:
        row = find(session, actor(request), str(study_id), 592)
        with codes(denied=594):
            studies.delete_collection(session, required(request), row.kind, row.id)
    return xmlio.id_document("study_delete", study_id)
