"""Flows and setups: pipeline descriptions (deduplicated by name + external version) and
parameter settings (deduplicated by their content)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlhive.server.db.queries import numbering
from mlhive.server.db.tables.experiments import (
    Flow,
    FlowComponent,
    FlowTag,
    Run,
    Setup,
    SetupParameter,
)
from mlhive.server.domain.access import Actor, require_owner
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound
from mlhive.server.services.tagging import FLOW_TAGS
from mlhive.wire.flows import (
    FlowComponentOut,
    FlowCreate,
    FlowOut,
    FlowParameter,
    FlowSummary,
    ParameterKeys,
    ParameterSetting,
    ParameterSlot,
    SetupOut,
    component_path,
)

MAX_DEPTH = 20


class FlowInUse(Conflict):
    """A flow that runs use, or that another flow holds as a component (``as_component``)."""


def find(session: Session, name: str, external_version: str) -> Flow | None:
    """The flow with this identity, if any."""
    return session.scalar(
        select(Flow).where(Flow.name == name, Flow.external_version == external_version)
    )


def upload(session: Session, actor: Actor, body: FlowCreate, depth: int = 0) -> tuple[Flow, bool]:
    """Store a flow and its components (recursively); an existing identity is returned as is."""
    if depth > MAX_DEPTH:
        raise InvalidInput(f"components: nested deeper than {MAX_DEPTH} levels", field="components")
    existing = find(session, body.name, body.external_version)
    if existing is not None:
        return existing, False
    _check_unique([p.name for p in body.parameters], "parameters")
    _check_unique([c.identifier for c in body.components], "components")
    children = [upload(session, actor, c.flow, depth + 1)[0] for c in body.components]
    flow = _insert_next_version(session, actor, body)
    if flow is None:  # uploaded concurrently by someone else: theirs stands
        winner = find(session, body.name, body.external_version)
        if winner is None:
            raise Conflict(f"could not allocate a version for flow {body.name!r}; please retry")
        return winner, False
    for position, (component, child) in enumerate(zip(body.components, children, strict=True)):
        session.add(
            FlowComponent(
                parent_id=flow.id,
                identifier=component.identifier,
                position=position,
                child_id=child.id,
            )
        )
    for tag in dict.fromkeys(body.tags):
        session.add(FlowTag(flow_id=flow.id, tag=tag, tagger_id=actor.id))
    session.flush()
    return flow, True


def _insert_next_version(session: Session, actor: Actor, body: FlowCreate) -> Flow | None:
    """Insert the flow as the next version of its name (OpenML numbers a name's external
    versions 1, 2, …); None when the identity was taken concurrently or every version
    number tried was (the unique keys refuse both)."""

    def build(version: int) -> Flow:
        return Flow(
            name=body.name,
            external_version=body.external_version,
            version=version,
            class_name=body.class_name,
            custom_name=body.custom_name,
            description=body.description,
            language=body.language,
            dependencies=body.dependencies,
            installation_notes=body.installation_notes,
            parameters=[p.model_dump() for p in body.parameters],
            uploader_id=actor.id,
        )

    return numbering.insert_next(session, Flow.version, Flow.name == body.name, build)


def _check_unique(names: list[str], field: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidInput(f"{field}: {name!r} appears twice", field=field)
        seen.add(name)


def get(session: Session, flow_id: int) -> Flow:
    """A flow by id (flows are public, as on OpenML)."""
    flow = session.get(Flow, flow_id)
    if flow is None:
        raise NotFound(f"flow {flow_id} not found")
    return flow


def list_flows(
    session: Session,
    *,
    tag: str | None,
    name: str | None,
    limit: int,
    offset: int,
    uploader_id: int | None = None,
) -> list[Flow]:
    """Flows by id, optionally with a tag, name or uploader."""
    stmt = select(Flow)
    if uploader_id is not None:
        stmt = stmt.where(Flow.uploader_id == uploader_id)
    if tag is not None:
        stmt = stmt.where(Flow.id.in_(select(FlowTag.flow_id).where(FlowTag.tag == tag)))
    if name is not None:
        stmt = stmt.where(Flow.name == name)
    return list(session.scalars(stmt.order_by(Flow.id).offset(offset).limit(limit)))


def list_summaries(
    session: Session, *, tag: str | None, name: str | None, limit: int, offset: int
) -> list[FlowSummary]:
    """Flows by id as wire summaries, optionally with a tag or name."""
    return _summaries(session, list_flows(session, tag=tag, name=name, limit=limit, offset=offset))


def summary_of(session: Session, name: str, external_version: str) -> FlowSummary:
    """The wire summary of the flow with this identity.

    Raises:
        NotFound: no flow has this name and external version.
    """
    flow = find(session, name, external_version)
    if flow is None:
        raise NotFound(f"no flow {name!r} with external version {external_version!r}")
    return _summaries(session, [flow])[0]


def _summaries(session: Session, flows: list[Flow]) -> list[FlowSummary]:
    tags = tags_of(session, [flow.id for flow in flows])
    return [
        FlowSummary(
            id=flow.id,
            name=flow.name,
            external_version=flow.external_version,
            uploader=flow.uploader.name,
            upload_date=flow.upload_date,
            tags=tags[flow.id],
        )
        for flow in flows
    ]


def _components(session: Session, flow_id: int) -> list[tuple[str, int]]:
    stmt = (
        select(FlowComponent.identifier, FlowComponent.child_id)
        .where(FlowComponent.parent_id == flow_id)
        .order_by(FlowComponent.position)
    )
    return [(identifier, child) for identifier, child in session.execute(stmt)]


def tags_of(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    """Tags of many flows in one query."""
    return FLOW_TAGS.of(session, ids)


def describe(session: Session, flow: Flow) -> FlowOut:
    """The full, recursive wire description of a flow."""
    components = [
        FlowComponentOut(identifier=identifier, flow=describe(session, get(session, child)))
        for identifier, child in _components(session, flow.id)
    ]
    return FlowOut(
        id=flow.id,
        name=flow.name,
        external_version=flow.external_version,
        version=flow.version,
        class_name=flow.class_name,
        custom_name=flow.custom_name,
        description=flow.description,
        language=flow.language,
        dependencies=flow.dependencies,
        installation_notes=flow.installation_notes,
        parameters=[FlowParameter.model_validate(p) for p in flow.parameters],
        components=components,
        tags=tags_of(session, [flow.id])[flow.id],
        uploader=flow.uploader.name,
        upload_date=flow.upload_date,
    )


def subflows(session: Session, flow_id: int) -> dict[int, Flow]:
    """The flow and all its components, recursively, by id."""
    found: dict[int, Flow] = {}
    pending = [flow_id]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found[current] = get(session, current)
        pending += [child for _, child in _components(session, current)]
    return found


def parameter_keys(session: Session, flow_id: int) -> ParameterKeys:
    """Every parameter of the flow and of each place a component occurs, by setting name.

    Raises:
        InvalidInput: component identifiers make two setting names collide.
    """

    def walk(fid: int, path: str) -> Iterator[ParameterSlot]:
        flow = get(session, fid)
        for position, parameter in enumerate(flow.parameters):
            yield ParameterSlot(path, fid, parameter["name"], position)
        for identifier, child in _components(session, fid):
            yield from walk(child, component_path(path, identifier))

    try:
        return ParameterKeys(walk(flow_id, ""))
    except ValueError as exc:
        raise InvalidInput(f"flow {flow_id}: {exc}", field="flow_id") from None


def resolve_settings(
    session: Session, flow_id: int, settings: list[ParameterSetting]
) -> list[ParameterSetting]:
    """Every parameter of the flow and its components: given values, else the defaults.

    Settings name parameters by path (``preprocess__num__strategy``); a plain name with a
    component's flow id (OpenML's way, and setups recorded before paths) is read as that
    component's while it occurs once. The result is keyed by path, in the flow's order.

    Raises InvalidInput for a setting of a flow outside this one, an unknown or ambiguous
    parameter, or one set twice.
    """
    flows = subflows(session, flow_id)
    keys = parameter_keys(session, flow_id)
    given: dict[str, str | None] = {}
    for setting in settings:
        if setting.flow_id not in flows:
            raise InvalidInput(
                f"parameter_settings: flow {setting.flow_id} is not flow {flow_id} or one of "
                "its components",
                field="parameter_settings",
            )
        try:
            slot = keys.slot(setting.flow_id, setting.name)
        except ValueError as exc:
            raise InvalidInput(f"parameter_settings: {exc}", field="parameter_settings") from None
        if slot.key in given:
            raise InvalidInput(
                f"parameter_settings: {slot.key!r} of flow {setting.flow_id} is set twice",
                field="parameter_settings",
            )
        given[slot.key] = setting.value
    return [
        ParameterSetting(
            flow_id=slot.flow_id,
            name=slot.key,
            value=given.get(slot.key, _default(flows[slot.flow_id], slot)),
        )
        for slot in keys.slots.values()
    ]


def _default(flow: Flow, slot: ParameterSlot) -> str | None:
    value = flow.parameters[slot.position].get("default_value")
    return None if value is None else str(value)


def _signature(settings: list[ParameterSetting]) -> str:
    canonical = json.dumps([[s.flow_id, s.name, s.value] for s in settings]).encode()
    return hashlib.sha256(canonical).hexdigest()


def _signatures(session: Session, flow_id: int, settings: list[ParameterSetting]) -> list[str]:
    """The signature of resolved settings, and the one a setup recorded before parameters were
    keyed by path had for the same values (while every component occurs once), so a rerun of
    an older configuration finds its setup again."""
    signatures = [_signature(settings)]
    keys = parameter_keys(session, flow_id)
    slots = [keys.slots.get(s.name) for s in settings]
    plain = {(slot.flow_id, slot.parameter) for slot in slots if slot is not None}
    if None in slots or len(plain) != len(slots):
        return signatures
    legacy = sorted(
        (
            (slot.flow_id, slot.position, slot.parameter, s.value)
            for slot, s in zip(slots, settings, strict=True)
            if slot is not None
        ),
        key=lambda item: (item[0], item[1]),
    )
    signatures.append(
        _signature([ParameterSetting(flow_id=f, name=n, value=v) for f, _, n, v in legacy])
    )
    return signatures


def setup_for(session: Session, flow_id: int, settings: list[ParameterSetting]) -> Setup:
    """The setup with exactly these (complete) settings, created on first use."""
    existing = find_setup(session, flow_id, settings)
    if existing is not None:
        return existing
    signature = _signature(settings)
    setup = Setup(flow_id=flow_id, signature=signature)
    try:
        with session.begin_nested():
            session.add(setup)
            session.flush()
    except IntegrityError:
        winner = session.scalar(
            select(Setup).where(Setup.flow_id == flow_id, Setup.signature == signature)
        )
        if winner is None:
            raise Conflict("could not record the setup; please retry") from None
        return winner
    session.add_all(
        SetupParameter(setup_id=setup.id, flow_id=s.flow_id, name=s.name, value=s.value)
        for s in settings
    )
    session.flush()
    return setup


def setup_parameters(session: Session, setup_id: int) -> list[ParameterSetting]:
    """A setup's settings keyed by path, in the flow's order (rows recorded with plain names
    before parameters were keyed by path are read as their component's)."""
    setup = session.get(Setup, setup_id)
    if setup is None:
        raise NotFound(f"setup {setup_id} not found")
    rows = session.scalars(
        select(SetupParameter)
        .where(SetupParameter.setup_id == setup_id)
        .order_by(SetupParameter.flow_id, SetupParameter.name)
    )
    keys = parameter_keys(session, setup.flow_id)
    order = {key: index for index, key in enumerate(keys.slots)}
    settings = []
    for row in rows:
        try:
            name = keys.slot(row.flow_id, row.name).key
        except ValueError:  # a row the flow no longer explains: shown as stored, last
            name = row.name
        settings.append(ParameterSetting(flow_id=row.flow_id, name=name, value=row.value))
    return sorted(settings, key=lambda s: order.get(s.name, len(order)))


def openml_settings(
    session: Session, flow_id: int, settings: list[ParameterSetting]
) -> list[ParameterSetting]:
    """Settings with the parameter's own name, as OpenML's documents (and openml-python) name
    them: ``strategy`` with the component's flow id. A component that occurs twice then gives
    two settings of the same name and flow; the path keeps them apart on mlhive's own API."""
    keys = parameter_keys(session, flow_id)
    plain = []
    for setting in settings:
        slot = keys.slots.get(setting.name)
        name = slot.parameter if slot is not None else setting.name
        plain.append(ParameterSetting(flow_id=setting.flow_id, name=name, value=setting.value))
    return plain


def describe_setup(session: Session, setup_id: int) -> SetupOut:
    """A setup: its flow and every parameter value."""
    setup = session.get(Setup, setup_id)
    if setup is None:
        raise NotFound(f"setup {setup_id} not found")
    return SetupOut(
        id=setup.id, flow_id=setup.flow_id, parameters=setup_parameters(session, setup.id)
    )


@dataclass(frozen=True)
class SetupValue:
    """One parameter value of a setup, with what the parameter's flow declares about it."""

    flow_id: int
    flow_name: str
    flow_version: int
    position: int  # of the parameter in its flow's list (0 for one the flow does not declare)
    name: str  # the parameter's own name, as OpenML's documents show it
    key: str  # the setting's name: the parameter's path (``preprocess__num__strategy``)
    data_type: str | None
    default_value: str | None
    value: str | None


@dataclass(frozen=True)
class SetupView:
    """A setup as OpenML's documents show it: its flow and every parameter value."""

    id: int
    flow_id: int
    values: list[SetupValue]


def setup_view(session: Session, setup_id: int) -> SetupView:
    """A setup with its parameter values.

    Raises:
        NotFound: no setup has this id.
    """
    setup = session.get(Setup, setup_id)
    if setup is None:
        raise NotFound(f"setup {setup_id} not found")
    return _setup_view(session, setup)


def list_setup_views(
    session: Session,
    *,
    flow_ids: tuple[int, ...] = (),
    setup_ids: tuple[int, ...] = (),
    limit: int = 100,
    offset: int = 0,
) -> list[SetupView]:
    """Setups by id with their parameter values, optionally of some flows or with some ids."""
    rows = list_setups(session, flow_ids=flow_ids, setup_ids=setup_ids, limit=limit, offset=offset)
    return [_setup_view(session, setup) for setup in rows]


def _setup_view(session: Session, setup: Setup) -> SetupView:
    known = subflows(session, setup.flow_id)
    keys = parameter_keys(session, setup.flow_id)
    values = []
    for setting in setup_parameters(session, setup.id):
        slot = keys.slots.get(setting.name)
        meta = known[setting.flow_id].parameters[slot.position] if slot is not None else {}
        values.append(
            SetupValue(
                flow_id=setting.flow_id,
                flow_name=known[setting.flow_id].name,
                flow_version=known[setting.flow_id].version,
                position=slot.position if slot is not None else 0,
                name=slot.parameter if slot is not None else setting.name,
                key=setting.name,
                data_type=meta.get("data_type") or None,
                default_value=meta.get("default_value"),
                value=setting.value,
            )
        )
    return SetupView(id=setup.id, flow_id=setup.flow_id, values=values)


def delete_flow(session: Session, actor: Actor, flow_id: int) -> None:
    """Delete a flow (its uploader or an admin) with its unused setups; its components stay.

    Raises FlowInUse when a run uses it or another flow holds it as a component.
    """
    flow = get(session, flow_id)
    require_owner(actor, flow.uploader_id, f"flow {flow_id}")
    if session.scalar(select(Run.id).where(Run.flow_id == flow.id).limit(1)) is not None:
        raise FlowInUse(f"flow {flow_id} is used by runs", as_component=False)
    parent = session.scalar(
        select(FlowComponent.parent_id).where(FlowComponent.child_id == flow.id).limit(1)
    )
    if parent is not None:
        raise FlowInUse(f"flow {flow_id} is a component of flow {parent}", as_component=True)
    setups = select(Setup.id).where(Setup.flow_id == flow.id)
    session.execute(delete(SetupParameter).where(SetupParameter.setup_id.in_(setups)))
    session.execute(delete(Setup).where(Setup.flow_id == flow.id))
    session.execute(delete(FlowComponent).where(FlowComponent.parent_id == flow.id))
    session.execute(delete(FlowTag).where(FlowTag.flow_id == flow.id))
    session.delete(flow)
    session.flush()


def find_setup(session: Session, flow_id: int, settings: list[ParameterSetting]) -> Setup | None:
    """The setup with exactly these (complete, resolved) settings, if one was recorded."""
    return session.scalar(
        select(Setup)
        .where(
            Setup.flow_id == flow_id,
            Setup.signature.in_(_signatures(session, flow_id, settings)),
        )
        .order_by(Setup.id)
        .limit(1)
    )


def list_setups(
    session: Session,
    *,
    flow_ids: tuple[int, ...] = (),
    setup_ids: tuple[int, ...] = (),
    limit: int = 100,
    offset: int = 0,
) -> list[Setup]:
    """Setups by id, optionally of some flows or with some ids."""
    stmt = select(Setup)
    if flow_ids:
        stmt = stmt.where(Setup.flow_id.in_(flow_ids))
    if setup_ids:
        stmt = stmt.where(Setup.id.in_(setup_ids))
    return list(session.scalars(stmt.order_by(Setup.id).offset(offset).limit(limit)))
