"""``data/topicadd``, ``data/topicdelete`` and ``data/feature/ontology/add|remove``.

Topics are for administrators (1082); ontologies are URLs on one column of a dataset, shown in
``data/features/{id}``. Codes and their order of checking follow OpenML's ``Api_data.php``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mlhive.server.domain.limits import storable_id
from mlhive.server.openml import xmlio
from mlhive.server.openml.common import form_text, hive, required, threaded, write
from mlhive.server.openml.data import visible_dataset
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.server.services.datasets import curation

router = APIRouter()


async def _fields(request: Request, names: tuple[str, ...], missing: int) -> list[str]:
    """The named form fields, all present and non-empty, or OpenML's ``missing`` code."""
    form = await request.form()
    values = [await form_text(form, name) for name in names]
    absent = [name for name, value in zip(names, values, strict=True) if not value]
    if absent:
        raise OpenMLError(missing, f"missing form field(s): {', '.join(absent)}")
    return [value or "" for value in values]


def _dataset_id(text: str, code: int) -> int:
    if not storable_id(text):
        raise OpenMLError(code, f"data_id must be a natural number, not {text!r}")
    return int(text)


@router.post("/data/topicadd")
async def topic_add(request: Request) -> Response:
    """``POST data/topicadd``: file a dataset under a topic (administrators)."""
    data_id, topic = await _fields(request, ("data_id", "topic"), 1080)
    return await _topic(request, _dataset_id(data_id, 1080), topic, add=True)


@router.post("/data/topicdelete")
async def topic_delete(request: Request) -> Response:
    """``POST data/topicdelete``: take a topic off a dataset (administrators)."""
    data_id, topic = await _fields(request, ("data_id", "topic"), 1080)
    return await _topic(request, _dataset_id(data_id, 1080), topic, add=False)


async def _topic(request: Request, dataset_id: int, topic: str, *, add: bool) -> Response:
    who, h = required(request), hive(request)

    def work() -> None:
        with write(h) as session:
            visible_dataset(session, who, dataset_id, 1081)
            if add:
                with codes(denied=1082, conflict=1083, invalid=1080):
                    curation.add_topic(session, who, dataset_id, topic)
            else:
                with codes(denied=1082, not_found=1085, invalid=1080):
                    curation.remove_topic(session, who, dataset_id, topic)

    await threaded(work)
    return xmlio.id_document("data_topic", dataset_id)


@router.post("/data/feature/ontology/add")
async def ontology_add(request: Request) -> Response:
    """``POST data/feature/ontology/add``: attach an ontology URL to a column."""
    return await _ontology(request, add=True)


@router.post("/data/feature/ontology/remove")
async def ontology_remove(request: Request) -> Response:
    """``POST data/feature/ontology/remove``: detach it (whoever attached it, or an admin)."""
    return await _ontology(request, add=False)


async def _ontology(request: Request, *, add: bool) -> Response:
    data_id, index, ontology = await _fields(request, ("data_id", "index", "ontology"), 1100)
    if len(ontology) > curation.MAX_ONTOLOGY:
        raise OpenMLError(1105, f"at most {curation.MAX_ONTOLOGY} characters")
    if add:
        with codes(invalid=1106):
            curation.check_ontology(ontology)
    if not index.isdigit():
        raise OpenMLError(1100, f"index must be a column number (from 0), not {index!r}")
    dataset_id, who, h = _dataset_id(data_id, 1100), required(request), hive(request)

    def work() -> list[str]:
        with write(h) as session:
            visible_dataset(session, who, dataset_id, 111)
            if add:
                with codes(conflict=1101, invalid=1100):
                    return curation.add_ontology(session, who, dataset_id, int(index), ontology)
            with codes(not_found=1103, denied=1104, invalid=1100):
                return curation.remove_ontology(session, who, dataset_id, int(index), ontology)

    remaining = await threaded(work)
    element = xmlio.root(f"feature_description_{'add' if add else 'remove'}")
    xmlio.add(element, "id", dataset_id)
    xmlio.add_all(element, "ontology", remaining)
    return xmlio.document(element)
