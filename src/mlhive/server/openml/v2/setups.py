"""``/setup/{id}``: a setup (a flow with a value for each parameter) as server-api serves it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from mlhive.server.domain.errors import NotFound
from mlhive.server.http.params import PositiveId
from mlhive.server.openml.flows import full_name
from mlhive.server.openml.setups import PARAMETERS_PER_FLOW
from mlhive.server.openml.v2 import errors
from mlhive.server.openml.v2.common import hive, read
from mlhive.server.openml.v2.errors import Problem
from mlhive.server.services.experiments import flows

router = APIRouter(prefix="/setup")


@router.get("/{setup_id}")
def get_setup(setup_id: PositiveId, request: Request) -> dict[str, Any]:
    """The setup's flow and parameter values (``parameter`` left out when there are none)."""
    with read(hive(request)) as session:
        try:
            setup = flows.setup_view(session, setup_id)
        except NotFound:
            raise Problem(errors.SETUP_NOT_FOUND, f"Setup {setup_id} not found.") from None
    parameters = []
    for value in setup.values:
        entry: dict[str, Any] = {
            # mlhive keys parameters by flow and name; the number is derived as on the v1 face.
            "id": value.flow_id * PARAMETERS_PER_FLOW + value.position,
            "flow_id": value.flow_id,
            "flow_name": value.flow_name,
            "full_name": f"{full_name(value.flow_name, value.flow_version)}_{value.name}",
            "parameter_name": value.name,
            "name": value.name,
            "data_type": value.data_type,
            "default_value": value.default_value,
            "value": value.value,
        }
        parameters.append({k: v for k, v in entry.items() if v is not None})
    body: dict[str, Any] = {"setup_id": setup.id, "flow_id": setup.flow_id}
    if parameters:
        body["parameter"] = parameters
    return {"setup_parameters": body}
