"""Flows and setups are stored once per identity, also when two identical uploads race."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.experiments import Flow, Setup
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.services.experiments import flows
from mlhive.server.wiring import Hive
from mlhive.wire.flows import FlowCreate, ParameterSetting
from tests.factories import flow_body
from tests.unit.services.race import interleave

PIPELINE = flow_body(
    "sklearn.pipeline.Pipeline(clf=sklearn.tree.DecisionTreeClassifier)",
    parameters=("memory",),
    components={"clf": flow_body()},
)


def _upload(hive: Hive, actor: Actor, body: FlowCreate) -> tuple[int, bool]:
    with transaction(hive.sessions) as session:
        flow, created = flows.upload(session, actor, body)
        return flow.id, created


def _names(hive: Hive) -> list[str]:
    with transaction(hive.sessions) as session:
        return list(session.scalars(select(Flow.name).order_by(Flow.id)))


def test_a_flow_and_its_components_are_stored_once(
    hive: Hive, as_alice: Actor, as_bob: Actor
) -> None:
    flow_id, created = _upload(hive, as_alice, PIPELINE)
    assert created
    assert _upload(hive, as_bob, PIPELINE) == (flow_id, False)
    with transaction(hive.sessions) as session:
        described = flows.describe(session, flows.get(session, flow_id))
    [component] = described.components
    assert (component.identifier, component.flow.name) == ("clf", flow_body().name)
    assert _upload(hive, as_bob, flow_body()) == (component.flow.id, False)
    assert _names(hive) == [flow_body().name, PIPELINE.name]


def test_a_flow_naming_a_parameter_twice_is_refused(hive: Hive, as_alice: Actor) -> None:
    with pytest.raises(InvalidInput) as raised:
        _upload(hive, as_alice, flow_body(parameters=("max_depth", "max_depth")))
    assert raised.value.extra["field"] == "parameters"
    assert _names(hive) == []


def test_a_flow_uploaded_meanwhile_by_someone_else_is_the_one_returned(
    hive: Hive, as_alice: Actor, as_bob: Actor
) -> None:
    with transaction(hive.sessions) as session:
        # Bob's upload commits after Alice's found no such flow, before hers inserts.
        with interleave(
            session,
            hive,
            reading=Flow,
            then=lambda other: flows.upload(other, as_bob, PIPELINE)[0].id,
        ) as rivals:
            flow, created = flows.upload(session, as_alice, PIPELINE)
        assert not created
        assert (flow.id, flow.uploader_id) == (rivals[0], as_bob.id)
        assert [c.flow.uploader for c in flows.describe(session, flow).components] == ["bob"]
    assert _names(hive) == [flow_body().name, PIPELINE.name]


def test_a_setup_recorded_meanwhile_is_the_one_returned(hive: Hive, as_alice: Actor) -> None:
    flow_id, _ = _upload(hive, as_alice, flow_body())
    settings = [ParameterSetting(flow_id=flow_id, name="max_depth", value="3")]
    with transaction(hive.sessions) as session:
        with interleave(
            session,
            hive,
            reading=Setup,
            then=lambda other: flows.setup_for(other, flow_id, settings).id,
        ) as rivals:
            setup = flows.setup_for(session, flow_id, settings)
        assert setup.id == rivals[0]
        assert flows.setup_parameters(session, setup.id) == settings
        assert len(flows.list_setups(session, flow_ids=(flow_id,))) == 1
