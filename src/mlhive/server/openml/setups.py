"""``setup/…``: setups (a flow with a value for every parameter) as OpenML serves them.

OpenML numbers every parameter of every flow (``oml:id``, the "input id"); mlhive keys
parameters by flow and name, so the face derives a stable number from the flow id and the
parameter's position in its flow: ``flow_id * 10000 + position``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mlhive.server.domain.errors import InvalidInput, NotFound
from mlhive.server.http.params import PositiveId
from mlhive.server.openml import xmlio
from mlhive.server.openml.common import Filters, form_text, hive, read, threaded
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.server.openml.flows import full_name
from mlhive.server.openml.xmlio import Node
from mlhive.server.services.experiments import flows
from mlhive.server.services.experiments.flows import SetupView
from mlhive.wire.flows import ParameterSetting

router = APIRouter()
PARAMETERS_PER_FLOW = 10_000


def parameter_settings(node: Node, what: str) -> list[ParameterSetting]:
    """The ``oml:parameter_setting`` elements of a run-like document."""
    settings = []
    for item in node.children("parameter_setting"):
        component = item.value("component") or ""
        if not component.isdigit():
            raise InvalidInput(f"{what}: every parameter_setting needs a component (flow id)")
        settings.append(
            ParameterSetting(
                flow_id=int(component), name=item.value("name") or "", value=item.value("value")
            )
        )
    return settings


def add_parameters(parent: ET.Element, setup: SetupView) -> None:
    """One ``oml:parameter`` per parameter of the setup's flow and its components."""
    for value in setup.values:
        entry = xmlio.add(parent, "parameter")
        xmlio.add(entry, "id", value.flow_id * PARAMETERS_PER_FLOW + value.position)
        xmlio.add(entry, "flow_id", value.flow_id)
        xmlio.add(entry, "flow_name", value.flow_name)
        xmlio.add(
            entry, "full_name", f"{full_name(value.flow_name, value.flow_version)}_{value.name}"
        )
        xmlio.add(entry, "parameter_name", value.name)
        xmlio.add(entry, "name", value.name)
        xmlio.add(entry, "data_type", value.data_type)
        xmlio.add(entry, "default_value", value.default_value)
        xmlio.add(entry, "value", value.value)


@router.get("/setup/list{filters:path}")
def list_setups(filters: str, request: Request) -> Response:
    """``setup/list/…``: setups (filters flow, setup, limit, offset); 674 when none match."""
    f = Filters(filters, ("flow", "setup", "tag", "limit", "offset"), 671)
    limit, offset = f.page(672)
    if f.text("tag") is not None:  # mlhive's setups carry no tags
        raise OpenMLError(674)
    with read(hive(request)) as session:
        rows = flows.list_setup_views(
            session,
            flow_ids=f.integers("flow", 672),
            setup_ids=f.integers("setup", 672),
            limit=limit,
            offset=offset,
        )
    if not rows:
        raise OpenMLError(674)
    element = xmlio.root("setups")
    for setup in rows:
        entry = xmlio.add(element, "setup")
        xmlio.add(entry, "setup_id", setup.id)
        xmlio.add(entry, "flow_id", setup.flow_id)
        add_parameters(entry, setup)
    return xmlio.document(element)


@router.get("/setup/{setup_id}")
def get_setup(setup_id: PositiveId, request: Request) -> Response:
    """``setup/{id}``: the flow and the value of each of its parameters."""
    with read(hive(request)) as session:
        try:
            setup = flows.setup_view(session, setup_id)
        except NotFound:
            raise OpenMLError(281) from None
    element = xmlio.root("setup_parameters")
    xmlio.add(element, "setup_id", setup.id)
    xmlio.add(element, "flow_id", setup.flow_id)
    add_parameters(element, setup)
    return xmlio.document(element)


@router.post("/setup/exists")
async def exists(request: Request) -> Response:
    """``POST setup/exists``: a run-like description (flow and parameter settings) → the id of
    the setup with exactly those values, or -1."""
    form = await request.form()
    text = await form_text(form, "description")
    if text is None:
        raise OpenMLError(581)
    with codes(invalid=583):
        node = xmlio.parse(text, "description")
        flow_text = node.value("flow_id") or ""
        if not flow_text.isdigit():
            raise OpenMLError(584, "flow_id must be a flow's id")
        given = parameter_settings(node, "description")

    def work() -> int:
        with read(hive(request)) as session:
            with codes(not_found=584):
                flows.get(session, int(flow_text))
            with codes(not_found=584, invalid=586):
                resolved = flows.resolve_settings(session, int(flow_text), given)
            found = flows.find_setup(session, int(flow_text), resolved)
            return found.id if found is not None else -1

    setup_id = await threaded(work)
    element = xmlio.root("setup_exists")
    xmlio.add(element, "exists", setup_id > 0)
    xmlio.add(element, "id", setup_id)
    return xmlio.document(element)
