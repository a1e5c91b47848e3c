"""Native REST routes for flows and setups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from mlhive.server.api.tagging import tag_routes
from mlhive.server.http.deps import HiveDep, RequiredActor, read, write
from mlhive.server.http.params import ObjectId, Offset
from mlhive.server.services.experiments import flows
from mlhive.wire.flows import FlowCreate, FlowOut, FlowSummary, SetupOut

router = APIRouter(tags=["flows"])


@router.post(
    "/flows",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": FlowOut, "description": "The flow existed already: it is returned."}},
)
def upload_flow(
    body: FlowCreate, actor: RequiredActor, hive: HiveDep, response: Response
) -> FlowOut:
    """Upload a flow with its components; an existing name + external version is returned (200)."""
    with write(hive) as session:
        flow, created = flows.upload(session, actor, body)
        if not created:
            response.status_code = status.HTTP_200_OK
        return flows.describe(session, flow)


@router.get("/flows/exists")
def flow_exists(name: str, external_version: str, hive: HiveDep) -> FlowSummary:
    """The flow with this identity (404 if none)."""
    with read(hive) as session:
        return flows.summary_of(session, name, external_version)


@router.get("/flows")
def list_flows(
    hive: HiveDep,
    tag: str | None = None,
    name: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[FlowSummary]:
    """List flows, oldest first."""
    with read(hive) as session:
        return flows.list_summaries(session, tag=tag, name=name, limit=limit, offset=offset)


@router.get("/flows/{flow_id}")
def get_flow(flow_id: ObjectId, hive: HiveDep) -> FlowOut:
    """A flow with its components, recursively."""
    with read(hive) as session:
        return flows.describe(session, flows.get(session, flow_id))


router.include_router(tag_routes("flow", "/flows"))


@router.get("/setups/{setup_id}")
def get_setup(setup_id: ObjectId, hive: HiveDep) -> SetupOut:
    """A setup: a flow and the value of every parameter of it and its components."""
    with read(hive) as session:
        return flows.describe_setup(session, setup_id)
