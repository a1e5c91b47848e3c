"""Flows and setups are stored once per identity, also when two identical uploads race."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.experiments import Flow, Setup, SetupParameter
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


# -- settings keyed by path -----------------------------------------------------------------

TWICE = flow_body(
    "sklearn.compose.ColumnTransformer(num=sklearn.impute.SimpleImputer,"
    "cat=sklearn.impute.SimpleImputer)",
    parameters=("remainder",),
    components={
        "num": flow_body("sklearn.impute.SimpleImputer", parameters=("strategy",)),
        "cat": flow_body("sklearn.impute.SimpleImputer", parameters=("strategy",)),
    },
)


def test_one_component_flow_at_two_places_keeps_two_values(hive: Hive, as_alice: Actor) -> None:
    flow_id, _ = _upload(hive, as_alice, TWICE)
    with transaction(hive.sessions) as session:
        imputer = flows.describe(session, flows.get(session, flow_id)).components[0].flow.id
        given = [
            ParameterSetting(flow_id=imputer, name="num__strategy", value='"median"'),
            ParameterSetting(flow_id=imputer, name="cat__strategy", value='"most_frequent"'),
        ]
        resolved = flows.resolve_settings(session, flow_id, given)
        setup = flows.setup_for(session, flow_id, resolved)
        stored = flows.setup_parameters(session, setup.id)
        view = flows.setup_view(session, setup.id)
    assert [(s.flow_id, s.name, s.value) for s in stored] == [
        (flow_id, "remainder", None),
        (imputer, "num__strategy", '"median"'),
        (imputer, "cat__strategy", '"most_frequent"'),
    ]
    # OpenML's documents name the parameter itself; the path stays on mlhive's side.
    assert [(v.name, v.key) for v in view.values][1:] == [
        ("strategy", "num__strategy"),
        ("strategy", "cat__strategy"),
    ]


def test_a_plain_name_of_a_component_at_two_places_is_refused_with_the_paths(
    hive: Hive, as_alice: Actor
) -> None:
    flow_id, _ = _upload(hive, as_alice, TWICE)
    with transaction(hive.sessions) as session:
        imputer = flows.describe(session, flows.get(session, flow_id)).components[0].flow.id
        plain = [ParameterSetting(flow_id=imputer, name="strategy", value='"mean"')]
        with pytest.raises(InvalidInput, match="'num__strategy', 'cat__strategy'"):
            flows.resolve_settings(session, flow_id, plain)


def test_a_setup_stored_with_plain_names_is_read_by_path_and_found_again(
    hive: Hive, as_alice: Actor
) -> None:
    flow_id, _ = _upload(hive, as_alice, PIPELINE)
    with transaction(hive.sessions) as session:
        clf = flows.describe(session, flows.get(session, flow_id)).components[0].flow.id
        # As setups were recorded before paths: sorted by flow id, plain names.
        legacy = [
            ParameterSetting(flow_id=clf, name="max_depth", value="3"),
            ParameterSetting(flow_id=flow_id, name="memory", value=None),
        ]
        old = Setup(flow_id=flow_id, signature=flows._signature(legacy))
        session.add(old)
        session.flush()
        session.add_all(
            SetupParameter(setup_id=old.id, flow_id=s.flow_id, name=s.name, value=s.value)
            for s in legacy
        )
        session.flush()
        stored = flows.setup_parameters(session, old.id)
        given = [ParameterSetting(flow_id=clf, name="clf__max_depth", value="3")]
        again = flows.setup_for(session, flow_id, flows.resolve_settings(session, flow_id, given))
    assert [(s.name, s.value) for s in stored] == [("memory", None), ("clf__max_depth", "3")]
    assert again.id == old.id
