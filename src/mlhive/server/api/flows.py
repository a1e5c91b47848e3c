"""Native REST routes for flows and setups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from mlhive.server.api.tagging import tag_routes
from mlhive.server.db.tables.experiments import Flow
from mlhive.server.domain.errors import NotFound
from mlhive.server.http.deps import HiveDep, RequiredActor, read, write
from mlhive.server.services.experiments import flows
from mlhive.wire.flows import FlowCreate, FlowOut, FlowSummary, SetupOut

router = APIRouter(tags=["flows"])


@router.post("/flows", status_code=status.HTTP_201_CREATED)
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
        flow = flows.find(session, name, external_version)
        if flow is None:
            raise NotFound(f"no flow {name!r} with external version {external_version!r}")
        return _summary(flow, flows.tags_of(session, [flow.id])[flow.id])


@router.get("/flows")
def list_flows(
    hive: HiveDep,
    tag: str | None = None,
    name: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[FlowSummary]:
    """List flows, oldest first."""
    with read(hive) as session:
        rows = flows.list_flows(session, tag=tag, name=name, limit=limit, offset=offset)
        tags = flows.tags_of(session, [f.id for f in rows])
        return [_summary(f, tags[f.id]) for f in rows]


def _summary(flow: Flow, tags: list[str]) -> FlowSummary:
    return FlowSummary(
        id=flow.id,
        name=flow.name,
        external_version=flow.external_version,
        uploader=flow.uploader.name,
        upload_date=flow.upload_date,
        tags=tags,
    )


@router.get("/flows/{flow_id}")
def get_flow(flow_id: int, hive: HiveDep) -> FlowOut:
    """A flow with its components, recursively."""
    with read(hive) as session:
        return flows.describe(session, flows.get(session, flow_id))


router.include_router(tag_routes("flow", flows, "/flows"))


@router.get("/setups/{setup_id}")
def get_setup(setup_id: int, hive: HiveDep) -> SetupOut:
    """A setup: a flow and the value of every parameter of it and its components."""
    with read(hive) as session:
        return flows.describe_setup(session, setup_id)
