"""scikit-learn estimators as flows and back, without pickle.

A flow describes an estimator: ``class_name`` is the class's import path, ``parameters`` holds
every ``get_params(deep=False)`` entry with the estimator's own value JSON-encoded as its default
(the encoding is documented in ``mlhive.sklearn._encoding``), and every sub-estimator is a
component. A sub-estimator held directly by a parameter (``GridSearchCV(estimator=...)``) is the
component named after the parameter; one inside a list of steps (``Pipeline.steps``,
``ColumnTransformer.transformers``, ``VotingClassifier.estimators`` ...) is the component named
after its step. The parameter's value then refers to the component::

    {"oml-python:serialized_object": "component_reference",
     "value": {"key": "clf", "step_name": "clf"}}

Conventions, as openml-python's scikit-learn extension (so names look alike):

- ``name``: ``class_name(component=component name,...)``, e.g.
  ``sklearn.pipeline.Pipeline(scale=sklearn.preprocessing._data.StandardScaler,clf=...)``;
  steps that are ``"drop"``/``"passthrough"``/``None`` appear as ``step=passthrough``.
  Components are ordered by parameter name, then by position in their list.
- ``external_version``: sorted ``package==version`` of scikit-learn and of every package a class
  of the flow comes from, e.g. ``sklearn==1.9.1``; identity is ``name`` + ``external_version``,
  and the same estimator always gives the same flow.
- ``dependencies``: ``sklearn==<version>`` and scikit-learn's own minimum install requirements,
  one per line.

The same component flow may occur several times (a ``SimpleImputer`` for numbers and another for
categories): setup values are keyed by the component's *path*, ``preprocess__num__strategy``, as
``get_params(deep=True)`` names them (see ``mlhive.wire.flows.ParameterSetting``).

Rebuilding imports classes and functions only from the allowed modules (``sklearn`` by default,
never ``sklearn.datasets``/``utils``/``externals``/``experimental``), checked before anything is
imported; lambdas and closures cannot be described at all. A ``memory`` parameter (a joblib cache
directory) is not rebuilt: the estimator gets its default (no caching).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mlhive.sklearn import _encoding as enc
from mlhive.sklearn._docs import class_description, parameter_docs
from mlhive.sklearn._imports import DEFAULT_ALLOWED_MODULES, check_name, class_path, load_class
from mlhive.sklearn.errors import FlowConversionError
from mlhive.wire.flows import (
    FlowComponentCreate,
    FlowCreate,
    FlowOut,
    FlowParameter,
    ParameterSetting,
    component_path,
    flow_parameter_keys,
    setting_name,
)

__all__ = [
    "check_flow_matches",
    "estimator_to_flow",
    "flow_to_estimator",
    "parameter_settings",
]

NAME_LIMIT = 1024
TAGS = ("python", "scikit-learn", "sklearn")

Flow = FlowOut | FlowCreate

# A joblib cache directory (Pipeline's ``memory``) is where the running machine reads and writes
# pickles: the flow's author must not choose it. Caching never changes results, so the rebuilt
# estimator simply does not cache.
_NOT_REBUILT = frozenset({"memory"})


@dataclass
class _Node:
    """An estimator described: its encoded parameters and described sub-estimators."""

    estimator: Any
    class_name: str
    parameters: dict[str, str] = field(default_factory=dict)
    components: dict[str, _Node] = field(default_factory=dict)
    name_parts: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        if not self.name_parts:
            return self.class_name
        return f"{self.class_name}({','.join(self.name_parts)})"

    def walk(self) -> list[_Node]:
        """This node and all below it, depth first."""
        nodes = [self]
        for child in self.components.values():
            nodes.extend(child.walk())
        return nodes


def _is_step_list(value: Any) -> bool:
    """A list of ``(name, estimator-or-constant[, columns])`` with at least one estimator."""
    if not isinstance(value, list | tuple) or not value:
        return False
    for item in value:
        if not (isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[0], str)):
            return False
        step = item[1]
        constant = step is None or (isinstance(step, str) and step in enc.STEP_CONSTANTS)
        if not (constant or enc.is_estimator(step)):
            return False
    return any(enc.is_estimator(item[1]) for item in value)


class _Describer:
    """Builds the :class:`_Node` tree of one estimator."""

    def describe(self, estimator: Any) -> _Node:
        if not enc.is_estimator(estimator):
            raise FlowConversionError(f"{estimator!r} is not a scikit-learn estimator")
        node = _Node(estimator, class_path(type(estimator)))
        params = estimator.get_params(deep=False)
        for key in sorted(params):
            where = f"{type(estimator).__name__}.{key}"
            value = params[key]
            if enc.is_estimator(value):
                self._add_component(node, key, value)
                reference = {"key": key, "step_name": None}
                data = enc.marker(enc.COMPONENT_REFERENCE, reference)
            elif _is_step_list(value):
                data = self._describe_steps(node, value, set(params), where)
            else:
                data = enc.encode_value(value, where)
            node.parameters[key] = enc.dumps(data)
        return node

    def _add_component(self, node: _Node, identifier: str, estimator: Any) -> None:
        if identifier in node.components:
            raise FlowConversionError(f"{node.class_name}: two components named {identifier!r}")
        child = self.describe(estimator)
        node.components[identifier] = child
        node.name_parts.append(f"{identifier}={child.name}")

    def _describe_steps(
        self, node: _Node, steps: Sequence[Any], taken: set[str], where: str
    ) -> Any:
        references = []
        for step in steps:
            identifier, obj = step[0], step[1]
            if identifier in taken or identifier in node.components:
                raise FlowConversionError(
                    f"{where}: the step name {identifier!r} is also a parameter or another "
                    "step's name; rename the step"
                )
            content: dict[str, Any] = {"key": identifier, "step_name": identifier}
            if len(step) == 3:
                content["argument_1"] = enc.encode_value(step[2], f"{where}[{identifier}]")
            if enc.is_estimator(obj):
                self._add_component(node, identifier, obj)
                references.append(enc.marker(enc.COMPONENT_REFERENCE, content))
            else:
                content["constant"] = obj
                node.name_parts.append(f"{identifier}={obj}")
                references.append(enc.marker(enc.STEP_CONSTANT, content))
        return enc.marker("tuple", references) if isinstance(steps, tuple) else references


def _describe(estimator: Any) -> _Node:
    return _Describer().describe(estimator)


def _package_version(package: str) -> str:
    module = importlib.import_module(package)
    version = getattr(module, "__version__", None)
    if version is None:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
    return f"{package}=={version}"


def _external_version(node: _Node) -> str:
    packages = {"sklearn"} | {n.class_name.split(".")[0] for n in node.walk()}
    return ",".join(sorted(_package_version(p) for p in packages))


def _dependencies(external_version: str) -> str:
    lines = external_version.split(",")
    try:
        from sklearn._min_dependencies import dependent_packages
    except ImportError:  # pragma: no cover - a private module; the versions suffice without it
        return "\n".join(lines)
    for package, (minimum, tags) in sorted(dependent_packages.items()):
        if "install" in tags:
            lines.append(f"{package}>={minimum}")
    return "\n".join(lines)


def _short_name(node: _Node) -> str:
    inner = ",".join(_short_name(child) for child in node.components.values())
    base = type(node.estimator).__name__
    return f"{base}({inner})" if inner else base


def _limited_name(name: str) -> str:
    """``name`` if it fits OpenML's 1024 characters, else a prefix and a hash of the whole."""
    if len(name) <= NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return f"{name[: NAME_LIMIT - 20]}...#{digest}"


def _flow_of(node: _Node) -> FlowCreate:
    cls = type(node.estimator)
    docs = parameter_docs(cls)
    external_version = _external_version(node)
    package = node.class_name.split(".")[0]
    sklearn_version = _package_version("sklearn").replace("==", "_")
    return FlowCreate(
        name=_limited_name(node.name),
        external_version=external_version,
        class_name=node.class_name,
        custom_name=_limited_name(f"{package}.{_short_name(node)}"),
        description=class_description(cls),
        dependencies=_dependencies(external_version),
        parameters=[
            FlowParameter(
                name=key,
                data_type=docs.get(key, ("", ""))[0],
                default_value=value,
                description=docs.get(key, ("", ""))[1],
            )
            for key, value in node.parameters.items()
        ],
        components=[
            FlowComponentCreate(identifier=identifier, flow=_flow_of(child))
            for identifier, child in node.components.items()
        ],
        tags=[*TAGS, sklearn_version],
    )


def estimator_to_flow(estimator: Any) -> FlowCreate:
    """Describe ``estimator`` (fitted or not) as a flow, ready to upload.

    Args:
        estimator: any scikit-learn estimator, pipeline, ensemble or meta-estimator.

    Returns:
        The flow; its default values are ``estimator``'s own parameter values.

    Raises:
        FlowConversionError: a parameter value cannot be described (a lambda, a random number
            generator ...) or a step name shadows a parameter.

    Example:
        >>> from sklearn.linear_model import LogisticRegression
        >>> estimator_to_flow(LogisticRegression()).name
        'sklearn.linear_model._logistic.LogisticRegression'
    """
    return _flow_of(_describe(estimator))


def _settings_of(node: _Node, flow: FlowOut, path: str = "") -> list[ParameterSetting]:
    settings = [
        ParameterSetting(flow_id=flow.id, name=setting_name(path, key), value=value)
        for key, value in node.parameters.items()
    ]
    by_identifier = {component.identifier: component.flow for component in flow.components}
    for identifier, child in node.components.items():
        child_path = component_path(path, identifier)
        settings.extend(_settings_of(child, by_identifier[identifier], child_path))
    return settings


def _check_node(node: _Node, flow: Flow) -> None:
    problems = []
    if node.class_name != flow.class_name:
        problems.append(f"class {node.class_name} is not the flow's {flow.class_name}")
    flow_parameters = {p.name for p in flow.parameters}
    if set(node.parameters) != flow_parameters:
        problems.append(
            f"parameters differ: estimator only {sorted(set(node.parameters) - flow_parameters)}, "
            f"flow only {sorted(flow_parameters - set(node.parameters))}"
        )
    flow_components = {c.identifier for c in flow.components}
    if set(node.components) != flow_components:
        problems.append(
            f"components differ: estimator {sorted(node.components)}, "
            f"flow {sorted(flow_components)}"
        )
    if problems:
        raise FlowConversionError(
            f"the estimator does not match flow {flow.name}: " + "; ".join(problems)
        )
    by_identifier = {c.identifier: c.flow for c in flow.components}
    for identifier, child in node.components.items():
        _check_node(child, by_identifier[identifier])


def check_flow_matches(estimator: Any, flow: FlowOut | FlowCreate) -> None:
    """Check that ``estimator`` has the structure of ``flow``: classes, parameters, components.

    Parameter values may differ (they are the setup's business).

    Raises:
        FlowConversionError: naming the first difference found.
    """
    _check_node(_describe(estimator), flow)


def parameter_settings(estimator: Any, flow: FlowOut) -> list[ParameterSetting]:
    """The actual parameter values of ``estimator`` and its components, for a run's setup.

    Args:
        estimator: the estimator the run uses.
        flow: the uploaded flow of that estimator (ids for every component).

    Returns:
        One setting per parameter of the flow and of every place a component occurs,
        JSON-encoded as the flow's defaults are, named by its path (``clf__C``, as
        ``get_params(deep=True)``) and with the id of the (component) flow it belongs to.

    Raises:
        FlowConversionError: the estimator does not have the flow's structure.
    """
    node = _describe(estimator)
    _check_node(node, flow)
    return _settings_of(node, flow)


def _check_tree(flow: Flow, allowed: Sequence[str]) -> None:
    """Refuse a disallowed class anywhere in the flow before importing any of them."""
    check_name(flow.class_name, allowed, "class")
    for component in flow.components:
        _check_tree(component.flow, allowed)


def _setting_values(flow: Flow, settings: Sequence[ParameterSetting]) -> dict[str, str | None]:
    """The settings' values by parameter path; plain names of older setups are read too."""
    if not isinstance(flow, FlowOut):
        raise FlowConversionError("parameter settings need an uploaded flow (with ids)")
    try:
        keys = flow_parameter_keys(flow)
    except ValueError as exc:
        raise FlowConversionError(str(exc)) from exc
    values: dict[str, str | None] = {}
    unknown = []
    for setting in settings:
        try:
            values[keys.slot(setting.flow_id, setting.name).key] = setting.value
        except ValueError as exc:
            unknown.append(str(exc))
    if unknown:
        raise FlowConversionError("settings the flow does not have: " + "; ".join(unknown))
    return values


def _decode_parameter(flow: Flow, name: str, raw: str, decoder: enc.Decoder) -> Any:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FlowConversionError(f"{flow.class_name}.{name}: not JSON: {raw!r}") from exc
    return decoder.decode(data)


def _build(
    flow: Flow, values: dict[str, str | None], allowed: Sequence[str], path: str = ""
) -> Any:
    cls = load_class(flow.class_name, allowed)
    components = {
        c.identifier: _build(c.flow, values, allowed, component_path(path, c.identifier))
        for c in flow.components
    }

    def component(identifier: str) -> Any:
        if identifier not in components:
            raise FlowConversionError(f"{flow.name} refers to a missing component {identifier!r}")
        return components[identifier]

    decoder = enc.Decoder(allowed, component)
    arguments: dict[str, Any] = {}
    for parameter in flow.parameters:
        raw = values.get(setting_name(path, parameter.name), parameter.default_value)
        # No value recorded (or one the flow may not choose): the class's own default applies.
        if raw is not None and parameter.name not in _NOT_REBUILT:
            arguments[parameter.name] = _decode_parameter(flow, parameter.name, raw, decoder)
    try:
        return cls(**arguments)
    except TypeError as exc:
        raise FlowConversionError(
            f"{flow.class_name} rejects the flow's parameters: {exc}"
        ) from exc


def flow_to_estimator(
    flow: FlowOut | FlowCreate,
    settings: Sequence[ParameterSetting] | None = None,
    *,
    allowed_modules: Sequence[str] = DEFAULT_ALLOWED_MODULES,
) -> Any:
    """Rebuild an unfitted estimator from a flow (and a setup's values), never unpickling.

    Args:
        flow: the flow; its parameters' defaults are used where ``settings`` has no value.
        settings: a setup's or run's parameter settings (needs a ``FlowOut``, for the ids).
        allowed_modules: module prefixes classes and functions may be imported from. Classes
            are checked for the whole flow before anything is imported.

    Returns:
        A new, unfitted estimator equal in parameters to the one described.

    Raises:
        DisallowedImportError: the flow names a class or function outside ``allowed_modules``.
        FlowConversionError: malformed values, unknown settings, or a class rejecting them.

    Example:
        >>> from sklearn.svm import SVC
        >>> flow_to_estimator(estimator_to_flow(SVC(C=2.0)))
        SVC(C=2.0)
    """
    _check_tree(flow, allowed_modules)
    values = _setting_values(flow, settings) if settings else {}
    return _build(flow, values, allowed_modules)
