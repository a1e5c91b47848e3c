"""Flows (pipeline descriptions) and setups (a flow with parameter values) on the wire."""

from __future__ import annotations

import re
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
    """The value (JSON-encoded) of one parameter of the run's flow or one of its components."""

    flow_id: int
    name: str = Field(min_length=1, max_length=256)
    value: str | None = Field(default=None, max_length=100_000)


class SetupOut(WireModel):
    id: int
    flow_id: int
    parameters: list[ParameterSetting]


FlowComponentCreate.model_rebuild()
FlowComponentOut.model_rebuild()
