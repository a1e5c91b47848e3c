"""``flow/…``: flows as OpenML's v1 XML API serves them.

openml-python compares the whole flow it uploaded with what ``flow/{id}`` returns, so every
field it sends is stored and given back as it came: an empty value comes back as an absent
element (which the client reads as None, like the empty element it sent), parameters and
components keep their order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.http.params import PositiveId
from mlhive.server.openml import xmlio
from mlhive.server.openml.common import Filters, form_text, hive, read, required, threaded, write
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.server.openml.tagging import tag_routes
from mlhive.server.openml.xmlio import Node
from mlhive.server.services import accounts
from mlhive.server.services.experiments import flows
from mlhive.wire.flows import FlowCreate, FlowOut

router = APIRouter()
TEXT_FIELDS = (
    "custom_name",
    "class_name",
    "description",
    "language",
    "dependencies",
    "installation_notes",
)
MAX_DEPTH = 20


def full_name(name: str, version: int) -> str:
    """OpenML's ``full_name`` of a flow: its name and version, ``name(2)``."""
    return f"{name}({version})"


def flow_element(parent: ET.Element | None, flow: FlowOut, user_ids: dict[str, int]) -> ET.Element:
    """``oml:flow`` (recursively), as a root or inside a component; OpenML names uploaders
    by id (``user_ids`` maps names to ids).

    The elements come in the order openml-python writes them, and a component's flow declares
    the namespace again, as the client's nested documents do: its re-serialisation of a
    downloaded flow is then the document it downloaded.
    """
    element = xmlio.root("flow")
    if parent is not None:
        parent.append(element)
    xmlio.add(element, "id", flow.id)
    xmlio.add(element, "uploader", user_ids[flow.uploader])
    xmlio.add(element, "name", flow.name)
    xmlio.add_optional(element, "custom_name", flow.custom_name)
    xmlio.add_optional(element, "class_name", flow.class_name)
    xmlio.add(element, "version", flow.version)
    xmlio.add(element, "external_version", flow.external_version)
    xmlio.add_optional(element, "description", flow.description)
    xmlio.add(element, "upload_date", flow.upload_date.strftime("%Y-%m-%dT%H:%M:%S"))
    xmlio.add_optional(element, "language", flow.language)
    xmlio.add_optional(element, "dependencies", flow.dependencies)
    xmlio.add_optional(element, "installation_notes", flow.installation_notes)
    for parameter in flow.parameters:
        entry = xmlio.add(element, "parameter")
        xmlio.add(entry, "name", parameter.name)
        xmlio.add_optional(entry, "data_type", parameter.data_type)
        xmlio.add(entry, "default_value", parameter.default_value)
        xmlio.add_optional(entry, "description", parameter.description)
    for component in flow.components:
        holder = xmlio.add(element, "component")
        xmlio.add(holder, "identifier", component.identifier)
        flow_element(holder, component.flow, user_ids)
    xmlio.add_all(element, "tag", flow.tags)
    return element


def uploaders(session: Session, flow: FlowOut) -> dict[str, int]:
    """The ids of the users who uploaded a flow and its components."""
    names: set[str] = set()
    pending = [flow]
    while pending:
        current = pending.pop()
        names.add(current.uploader)
        pending += [component.flow for component in current.components]
    return {name: accounts.get_user(session, name).id for name in names}


def flow_create(node: Node, depth: int = 0) -> FlowCreate:
    """An uploaded ``oml:flow`` → :class:`FlowCreate` (components recursively)."""
    if depth > MAX_DEPTH:
        raise InvalidInput(f"description: components nested deeper than {MAX_DEPTH} levels")
    values: dict[str, Any] = {
        "name": node.value("name") or "",
        "external_version": node.value("external_version") or "",
        **{field: node.value(field) for field in TEXT_FIELDS if node.value(field) is not None},
        "parameters": [
            {
                "name": p.value("name") or "",
                "data_type": p.value("data_type") or "",
                "default_value": p.value("default_value"),
                "description": p.value("description") or "",
            }
            for p in node.children("parameter")
        ],
        "components": [],
        "tags": node.values("tag"),
    }
    for component in node.children("component"):
        child = component.child("flow")
        if child is None:
            raise InvalidInput("description: a component without a flow", field="component")
        values["components"].append(
            {
                "identifier": component.value("identifier") or "",
                "flow": flow_create(child, depth + 1),
            }
        )
    try:
        return FlowCreate.model_validate(values)
    except ValueError as exc:
        raise InvalidInput(f"description: {exc}") from None


@router.post("/flow")
async def upload(request: Request) -> Response:
    """``POST flow``: a flow with its components (an existing identity keeps its id)."""
    form = await request.form()
    text = await form_text(form, "description")
    if text is None:
        raise OpenMLError(161)
    with codes(invalid=163):
        body = flow_create(xmlio.parse(text, "description"))
    who, h = required(request), hive(request)

    def work() -> int:
        with write(h) as session, codes(invalid=163):
            return flows.upload(session, who, body)[0].id

    return xmlio.id_document("upload_flow", await threaded(work))


@router.post("/flow/exists")
def exists(
    request: Request,
    name: Annotated[str, Form()],
    external_version: Annotated[str, Form()],
) -> Response:
    """``POST flow/exists``: the id of the flow with this name and external version, or -1."""
    return _exists(request, name, external_version)


@router.get("/flow/exists/{name}/{external_version}")
def exists_get(name: str, external_version: str, request: Request) -> Response:
    """``GET flow/exists/{name}/{external_version}`` (the older form of the call)."""
    return _exists(request, name, external_version)


def _exists(request: Request, name: str, external_version: str) -> Response:
    if not name or not external_version:
        raise OpenMLError(330)
    with read(hive(request)) as session:
        flow = flows.find(session, name, external_version)
    element = xmlio.root("flow_exists")
    xmlio.add(element, "exists", flow is not None)
    xmlio.add(element, "id", flow.id if flow is not None else -1)
    return xmlio.document(element)


@router.get("/flow/list{filters:path}")
def list_flows(filters: str, request: Request) -> Response:
    """``flow/list/…``: flows (filters tag, uploader, limit, offset); 500 when none match."""
    f = Filters(filters, ("tag", "uploader", "limit", "offset"), 501)
    limit, offset = f.page(502)
    with read(hive(request)) as session:
        rows = flows.list_flows(
            session,
            tag=f.text("tag"),
            name=None,
            limit=limit,
            offset=offset,
            uploader_id=f.integer("uploader", 502),
        )
        if not rows:
            raise OpenMLError(500)
        element = xmlio.root("flows")
        for flow in rows:
            entry = xmlio.add(element, "flow")
            xmlio.add(entry, "id", flow.id)
            xmlio.add(entry, "full_name", full_name(flow.name, flow.version))
            xmlio.add(entry, "name", flow.name)
            xmlio.add(entry, "version", flow.version)
            xmlio.add(entry, "external_version", flow.external_version)
            xmlio.add(entry, "uploader", flow.uploader_id)
    return xmlio.document(element)


@router.get("/flow/{flow_id}")
def get_flow(flow_id: PositiveId, request: Request) -> Response:
    """``flow/{id}``: the flow with its components, recursively."""
    with read(hive(request)) as session, codes(not_found=181):
        flow = flows.describe(session, flows.get(session, flow_id))
        element = flow_element(None, flow, uploaders(session, flow))
    return xmlio.pretty_document(element)


router.include_router(tag_routes("flow", "flow"))


@router.delete("/flow/{flow_id}")
def delete(flow_id: PositiveId, request: Request) -> Response:
    """``DELETE flow/{id}``: its uploader or an admin, when no run uses it and no flow
    holds it as a component (324 / 328)."""
    with write(hive(request)) as session:
        with codes(not_found=322):
            flows.get(session, flow_id)
        try:
            with codes(denied=323):
                flows.delete_flow(session, required(request), flow_id)
        except flows.FlowInUse as exc:
            raise OpenMLError(328 if exc.extra.get("as_component") else 324, exc.detail) from exc
    return xmlio.id_document("flow_delete", flow_id)
