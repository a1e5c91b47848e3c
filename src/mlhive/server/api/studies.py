"""Native REST routes for benchmark suites (tasks) and studies (runs)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services.experiments import studies
from mlhive.wire.studies import (
    CollectionCreate,
    CollectionMembers,
    CollectionOut,
    CollectionPage,
    CollectionStatusUpdate,
)

Kind = Literal["suite", "study"]


def build_router(kind: Kind, prefix: str) -> APIRouter:
    """The same routes for suites and studies (they differ only in what they collect)."""
    router = APIRouter(prefix=prefix, tags=["suites and studies"])

    @router.post("", status_code=status.HTTP_201_CREATED, name=f"create_{kind}")
    def create(body: CollectionCreate, actor: RequiredActor, hive: HiveDep) -> CollectionOut:
        with write(hive) as session:
            return studies.describe(session, studies.create(session, actor, kind, body), actor)

    @router.get("", name=f"list_{kind}")
    def list_all(
        actor: MaybeActor,
        hive: HiveDep,
        status: Literal["in_preparation", "active", "deactivated"] | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: ObjectId | None = None,
    ) -> CollectionPage:
        """One page, by id; pass ``next_cursor`` as ``cursor`` for the next one."""
        with read(hive) as session:
            rows, next_cursor = studies.list_page(
                session, actor, kind, status, limit=limit, cursor=cursor
            )
            items = [studies.describe(session, row, actor) for row in rows]
        return CollectionPage(items=items, next_cursor=str(next_cursor) if next_cursor else None)

    @router.get("/{ref}", name=f"get_{kind}")
    def get(ref: str, actor: MaybeActor, hive: HiveDep) -> CollectionOut:
        """By id or alias."""
        with read(hive) as session:
            return studies.describe(session, studies.get(session, actor, kind, ref), actor)

    @router.post("/{ref}/attach", name=f"attach_{kind}")
    def attach(
        ref: str, body: CollectionMembers, actor: RequiredActor, hive: HiveDep
    ) -> CollectionOut:
        with write(hive) as session:
            return studies.describe(
                session, studies.attach(session, actor, kind, ref, body.ids), actor
            )

    @router.post("/{ref}/detach", name=f"detach_{kind}")
    def detach(
        ref: str, body: CollectionMembers, actor: RequiredActor, hive: HiveDep
    ) -> CollectionOut:
        with write(hive) as session:
            return studies.describe(
                session, studies.detach(session, actor, kind, ref, body.ids), actor
            )

    @router.post("/{ref}/status", name=f"status_{kind}")
    def set_status(
        ref: str, body: CollectionStatusUpdate, actor: RequiredActor, hive: HiveDep
    ) -> CollectionOut:
        with write(hive) as session:
            collection = studies.set_status(session, actor, kind, ref, body.status)
            return studies.describe(session, collection, actor)

    @router.delete("/{ref}", status_code=status.HTTP_204_NO_CONTENT, name=f"delete_{kind}")
    def delete(ref: str, actor: RequiredActor, hive: HiveDep) -> Response:
        with write(hive) as session:
            studies.delete_collection(session, actor, kind, ref)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


suites_router = build_router("suite", "/suites")
studies_router = build_router("study", "/studies")
