"""``evaluation/list``, ``evaluationmeasure/list`` and ``user/list``."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mlhive.server.domain.errors import NotFound
from mlhive.server.domain.experiments.metrics import MEASURES
from mlhive.server.openml import xmlio
from mlhive.server.openml.common import Filters, actor, hive, read
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.server.openml.runs import dataset_names, uploader_ids
from mlhive.server.services import accounts
from mlhive.server.services.experiments import evaluations

router = APIRouter()
LIST_FILTERS = (
    "function",
    "task",
    "setup",
    "flow",
    "run",
    "uploader",
    "study",
    "tag",
    "limit",
    "offset",
    "sort_order",
    "per_fold",
)


@router.get("/evaluation/list{filters:path}")
def list_evaluations(filters: str, request: Request) -> Response:
    """``evaluation/list/function/{measure}/…``: the server's evaluations; 542 when none."""
    f = Filters(filters, LIST_FILTERS, 544)
    limit, offset = f.page(544)
    sort = f.text("sort_order")
    if sort not in (None, "asc", "desc"):
        raise OpenMLError(549)
    per_fold = f.text("per_fold") or "false"
    if per_fold not in ("true", "false"):
        raise OpenMLError(547)
    if f.text("tag") is not None:  # mlhive keeps no tags on evaluations
        raise OpenMLError(542)
    query = evaluations.EvaluationQuery(
        measure=f.text("function"),
        task_ids=f.integers("task", 544),
        flow_ids=f.integers("flow", 544),
        setup_ids=f.integers("setup", 544),
        run_ids=f.integers("run", 544),
        uploader_ids=f.integers("uploader", 544),
        study_id=f.integer("study", 544),
        sort=sort,
        per_fold=per_fold == "true",
        limit=limit,
        offset=offset,
    )
    with read(hive(request)) as session:
        with codes(invalid=544):
            items, _ = evaluations.list_page(session, query, actor(request))
        if not items:
            raise OpenMLError(542)
        users = uploader_ids(session, {item.uploader for item in items})
        names = dataset_names(session, actor(request), {item.dataset_id for item in items})
    element = xmlio.root("evaluations")
    for item in items:
        entry = xmlio.add(element, "evaluation")
        xmlio.add(entry, "run_id", item.run_id)
        xmlio.add(entry, "uploader", users[item.uploader])
        xmlio.add(entry, "task_id", item.task_id)
        xmlio.add(entry, "setup_id", item.setup_id)
        xmlio.add(entry, "flow_id", item.flow_id)
        xmlio.add(entry, "flow_name", item.flow_name)
        xmlio.add(entry, "data_id", item.dataset_id)
        xmlio.add(entry, "data_name", names[item.dataset_id])
        xmlio.add(entry, "evaluation_engine_id", 1)
        xmlio.add(entry, "function", item.measure)
        xmlio.add(entry, "upload_time", item.upload_time.strftime("%Y-%m-%d %H:%M:%S"))
        xmlio.add_optional(entry, "value", item.value)
        if item.array_data is not None:
            xmlio.add(entry, "array_data", json.dumps(item.array_data))
        if item.per_fold is not None:
            xmlio.add(entry, "values", json.dumps(item.per_fold))
    return xmlio.document(element)


@router.get("/evaluationmeasure/list")
def measures() -> Response:
    """``evaluationmeasure/list``: the measures mlhive computes."""
    element = xmlio.root("evaluation_measures")
    holder = xmlio.add(element, "measures")
    xmlio.add_all(holder, "measure", sorted(MEASURES))
    return xmlio.document(element)


@router.get("/user/list{filters:path}")
def users(filters: str, request: Request) -> Response:
    """``user/list/user_id/{ids}``: user names by id (evaluation lists show them)."""
    f = Filters(filters, ("user_id", "limit", "offset"), 100)
    ids = f.integers("user_id", 100)
    found = []
    with read(hive(request)) as session:
        for user_id in ids:
            try:
                found.append(accounts.user_by_id(session, user_id))
            except NotFound:
                continue
    if not found:
        raise OpenMLError(100, "no users with these ids")
    element = xmlio.root("users")
    for user in found:
        entry = xmlio.add(element, "user")
        xmlio.add(entry, "id", user.id)
        xmlio.add(entry, "username", user.name)
    return xmlio.document(element)
