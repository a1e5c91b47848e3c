"""``/flows/…``: flows as server-api serves them (components as nested ``subflows``)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request

from mlhive.server.domain.errors import NotFound
from mlhive.server.http.params import PositiveId
from mlhive.server.openml.flows import uploaders
from mlhive.server.openml.v2 import errors
from mlhive.server.openml.v2.common import hive, iso, read
from mlhive.server.openml.v2.errors import Problem
from mlhive.server.services.experiments import flows
from mlhive.wire.flows import FlowOut

router = APIRouter(prefix="/flows")

_INTEGER = re.compile(r"-?\d{1,18}")
_DECIMAL = re.compile(r"-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?")


@router.get("/exists/{name}/{external_version}")
def exists(name: str, external_version: str, request: Request) -> dict[str, int]:
    """The id of the flow with this name and external version; 404 when there is none."""
    with read(hive(request)) as session:
        flow = flows.find(session, name, external_version)
    if flow is None:
        detail = f"Flow with name {name} and external version {external_version} not found."
        raise Problem(errors.FLOW_NOT_FOUND, detail)
    return {"flow_id": flow.id}


@router.get("/{flow_id}")
def get_flow(flow_id: PositiveId, request: Request) -> dict[str, Any]:
    """The flow with its parameters and, recursively, its components."""
    with read(hive(request)) as session:
        try:
            flow = flows.describe(session, flows.get(session, flow_id))
        except NotFound:
            raise Problem(errors.FLOW_NOT_FOUND, f"Flow with id {flow_id} not found.") from None
        user_ids = uploaders(session, flow)
    return document(flow, user_ids)


def document(flow: FlowOut, user_ids: dict[str, int]) -> dict[str, Any]:
    """server-api's ``Flow`` (OpenML names uploaders by id: ``user_ids`` maps names to ids)."""
    return {
        "id": flow.id,
        "uploader": user_ids[flow.uploader],
        "name": flow.name,
        "class_name": flow.class_name or None,
        "version": flow.version,
        "external_version": flow.external_version,
        "description": flow.description or None,
        "upload_date": iso(flow.upload_date),
        "language": flow.language or None,
        "dependencies": flow.dependencies or None,
        "parameter": [
            {
                "name": p.name,
                "default_value": typed(p.default_value),
                "data_type": p.data_type,
                "description": p.description,
            }
            for p in flow.parameters
        ],
        "subflows": [
            {"identifier": c.identifier, "flow": document(c.flow, user_ids)}
            for c in flow.components
        ],
        "tag": list(flow.tags),
    }


def typed(text: str | None) -> str | int | float | None:
    """A default value as server-api returns it: a number when it reads as one, None when
    empty, else the text."""
    if not text:
        return None
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    return text
