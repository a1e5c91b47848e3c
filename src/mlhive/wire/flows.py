"""Flows (pipeline descriptions) and setups (a flow with parameter values) on the wire."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field

from mlhive.wire.common import WireModel
from mlhive.wire.datasets import MAX_TAGS, Tag

MAX_PARAMETERS = 10_000
MAX_COMPONENTS = 1000
_MODULE_PATH = re.compile(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_]\w*)")


def short_flow_name(name: str) -> str:
    """A flow name without module paths, for tables and pages (the full name stays on the wire).

    Example:
        >>> short_flow_name("sklearn.pipeline.Pipeline(clf=sklearn.svm._classes.SVC)")
        'Pipeline(clf=SVC)'
    """
    return _MODULE_PATH.sub("", name)


class FlowParameter(WireModel):
    """A hyper-parameter; defaults are JSON-encoded strings, as on OpenML."""

    name: str = Field(min_length=1, max_length=256)
    data_type: str = Field(default="", max_length=1024)
    default_value: str | None = Field(default=None, max_length=100_000)
    description: str = Field(default="", max_length=10_000)


class FlowComponentCreate(WireModel):
    identifier: str = Field(min_length=1, max_length=256)
    flow: FlowCreate


class FlowCreate(WireModel):
    """A pipeline description. Identity: ``name`` + ``external_version``."""

    name: str = Field(min_length=1, max_length=1024)
    external_version: str = Field(min_length=1, max_length=1024)
    class_name: str = Field(default="", max_length=1024)
    custom_name: str = Field(default="", max_length=1024)
    description: str = Field(default="", max_length=100_000)
    language: str = Field(default="English", max_length=128)
    dependencies: str = Field(default="", max_length=10_000)
    installation_notes: str = Field(default="", max_length=10_000)
    parameters: list[FlowParameter] = Field(default_factory=list, max_length=MAX_PARAMETERS)
    components: list[FlowComponentCreate] = Field(default_factory=list, max_length=MAX_COMPONENTS)
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)


class FlowComponentOut(WireModel):
    identifier: str
    flow: FlowOut


class FlowOut(WireModel):
    id: int
    name: str
    external_version: str
    version: int = Field(1, description="1 for a name's first flow, +1 per new external version")
    class_name: str
    custom_name: str
    description: str
    language: str
    dependencies: str
    installation_notes: str
    parameters: list[FlowParameter]
    components: list[FlowComponentOut]
    tags: list[str]
    uploader: str
    upload_date: datetime


class FlowSummary(WireModel):
    id: int
    name: str
    external_version: str
    uploader: str
    upload_date: datetime
    tags: list[str]


class ParameterSetting(WireModel):
    """The value (JSON-encoded) of one parameter of the run's flow or one of its components.

    ``name`` is the parameter's *path* from the run's flow, as scikit-learn's
    ``get_params(deep=True)`` spells it: ``C`` for the flow's own parameter,
    ``preprocess__num__strategy`` for ``strategy`` of the component ``num`` inside ``preprocess``;
    ``flow_id`` is the flow that declares the parameter. So one component flow may occur at
    several places (two ``SimpleImputer`` in one pipeline) with its own values at each. A plain
    name with a component's flow id (how OpenML and older setups key them) is read as that
    component's parameter while the component occurs once (see :class:`ParameterKeys`).
    """

    flow_id: int
    name: str = Field(min_length=1, max_length=256)
    value: str | None = Field(default=None, max_length=100_000)


class SetupOut(WireModel):
    id: int
    flow_id: int
    parameters: list[ParameterSetting]


PATH_SEPARATOR = "__"


def setting_name(path: str, parameter: str) -> str:
    """The setting name of ``parameter`` of the component at ``path`` (``""``: the flow itself).

    Example:
        >>> setting_name("preprocess__num", "strategy")
        'preprocess__num__strategy'
    """
    return f"{path}{PATH_SEPARATOR}{parameter}" if path else parameter


def component_path(parent: str, identifier: str) -> str:
    """The path of the component ``identifier`` of the component at ``parent``."""
    return f"{parent}{PATH_SEPARATOR}{identifier}" if parent else identifier


def plain_name(setting: ParameterSetting, paths: ParameterKeys) -> str:
    """The parameter's own name (``strategy``), as OpenML's documents name it."""
    return paths.slot(setting.flow_id, setting.name).parameter


@dataclass(frozen=True)
class ParameterSlot:
    """One parameter at one place in a flow tree."""

    path: str  # of the component declaring it; "" for the flow itself
    flow_id: int
    parameter: str
    position: int  # of the parameter in its flow's list

    @property
    def key(self) -> str:
        """The setting name of this parameter (see :class:`ParameterSetting`)."""
        return setting_name(self.path, self.parameter)


class ParameterKeys:
    """Every parameter of a flow and its components, addressed as a setting names it.

    Args:
        slots: one per parameter of every component occurrence, the flow's own first, then
            depth first in component order (the order settings are listed in).

    Raises:
        ValueError: two parameters with the same setting name (component identifiers that
            contain ``__`` so that paths collide).
    """

    def __init__(self, slots: Iterable[ParameterSlot]) -> None:
        self.slots: dict[str, ParameterSlot] = {}
        self._plain: dict[tuple[int, str], list[ParameterSlot]] = {}
        for slot in slots:
            if slot.key in self.slots:
                raise ValueError(f"two parameters of the flow are both named {slot.key!r}")
            self.slots[slot.key] = slot
            self._plain.setdefault((slot.flow_id, slot.parameter), []).append(slot)

    def slot(self, flow_id: int, name: str) -> ParameterSlot:
        """The parameter a setting ``(flow_id, name)`` refers to: by path, or by a plain name
        of a component that occurs once (how OpenML and setups before paths name them).

        Raises:
            ValueError: no such parameter, another flow's, or a plain name of a component that
                occurs more than once (the message lists the paths to use instead).
        """
        found = self.slots.get(name)
        if found is not None and found.flow_id == flow_id:
            return found
        places = self._plain.get((flow_id, name), [])
        if len(places) == 1:
            return places[0]
        if len(places) > 1:
            keys = ", ".join(repr(p.key) for p in places)
            raise ValueError(
                f"{name!r} of flow {flow_id} is ambiguous: that component occurs more than once; "
                f"name the setting by its path: {keys}"
            )
        if found is not None:
            raise ValueError(
                f"{name!r} belongs to flow {found.flow_id}, not to flow {flow_id}; give the "
                "component's flow id"
            )
        raise ValueError(f"flow {flow_id} has no parameter {name!r} in this flow")


def flow_parameter_keys(flow: FlowOut) -> ParameterKeys:
    """The :class:`ParameterKeys` of an uploaded flow."""

    def walk(node: FlowOut, path: str) -> Iterable[ParameterSlot]:
        for position, parameter in enumerate(node.parameters):
            yield ParameterSlot(path, node.id, parameter.name, position)
        for component in node.components:
            yield from walk(component.flow, component_path(path, component.identifier))

    return ParameterKeys(walk(flow, ""))


FlowComponentCreate.model_rebuild()
FlowComponentOut.model_rebuild()
