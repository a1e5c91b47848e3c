"""JSON encoding of scikit-learn parameter values, shared by flows (defaults) and setups.

Every parameter value is stored as a JSON string (``json.dumps``; Python's ``NaN``/``Infinity``
extension is kept, as openml-python does, because ``SimpleImputer(missing_values=np.nan)`` is a
default). Numbers, strings, booleans, ``null``, lists and string-keyed dicts are themselves.
Anything else is a marker object ``{"oml-python:serialized_object": <kind>, "value": ...}``. The
marker key and the kinds ``component_reference``, ``type`` and ``function`` are openml-python's,
with the same value shapes; ``composition_step_constant`` and ``rv_frozen`` borrow its names but
not its shapes (openml-python makes placeholder sub-flows for steps and names distributions by
class), and the rest are mlhive's:

=========================== ====================================================================
kind                        value
=========================== ====================================================================
component_reference         ``{"key": component identifier, "step_name": name or null}`` plus
                            ``"argument_1"`` (a ColumnTransformer's columns) in a step list
composition_step_constant   a step that is not an estimator: as above plus ``"constant"``:
                            ``"drop"``, ``"passthrough"`` or ``null``
type                        ``"float"``, ``"int"``, ``"bool"``, ``"str"``, ``"np.float64"``, ...
function                    ``"sklearn.feature_selection._univariate_selection.f_classif"``
rv_frozen                   ``{"dist": "loguniform", "args": [...], "kwds": {...}}`` (scipy.stats)
tuple                       ``[...]`` (JSON has no tuples; ``(1, 2)`` and ``[1, 2]`` differ)
dict                        ``[[key, value], ...]`` for dicts with non-string keys
slice                       ``[start, stop, step]``
ndarray                     ``{"dtype": "int64", "data": [...]}`` (numbers, booleans, strings)
dtype                       ``"float64"`` (a ``numpy.dtype`` instance)
object                      ``{"class_name": ..., "parameters": {...}}``: an object rebuilt by
                            calling its class with its constructor arguments, e.g. an estimator
                            inside ``param_grid``, ``KFold(5)`` or ``make_column_selector``
=========================== ====================================================================

Not supported (a clear :class:`FlowConversionError` when describing): lambdas and closures,
``numpy.random.RandomState`` instances, object arrays, and objects whose constructor arguments
are not readable as attributes of the same name.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mlhive.sklearn._imports import (
    class_path,
    function_path,
    load_class,
    load_function,
    load_type,
    type_name,
)
from mlhive.sklearn.errors import FlowConversionError

MARKER = "oml-python:serialized_object"
COMPONENT_REFERENCE = "component_reference"
STEP_CONSTANT = "composition_step_constant"
STEP_CONSTANTS = ("drop", "passthrough")

JSON = Any
ComponentLookup = Callable[[str], Any]

_ARRAY_KINDS = "biufUS"  # bool, ints, floats, strings: arrays that rebuild exactly


def dumps(value: JSON) -> str:
    """One canonical JSON text (no spaces), so equal values give equal strings."""
    return json.dumps(value, separators=(",", ":"))


def marker(kind: str, value: JSON) -> dict[str, JSON]:
    """A marker object of ``kind``."""
    return {MARKER: kind, "value": value}


def is_estimator(value: Any) -> bool:
    """Whether ``value`` is an estimator instance (has ``get_params`` and ``set_params``)."""
    return (
        not inspect.isclass(value) and hasattr(value, "get_params") and hasattr(value, "set_params")
    )


def encode_value(value: Any, where: str) -> JSON:
    """Turn a parameter value into JSON-able data (see the module docstring).

    Args:
        value: the value of a parameter.
        where: ``Class.parameter``, for error messages.

    Returns:
        Data that ``json.dumps`` accepts.

    Raises:
        FlowConversionError: the value cannot be described.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic) and not isinstance(value, np.void):
        return encode_value(value.item(), where)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, list):
        return [encode_value(item, where) for item in value]
    if isinstance(value, tuple):
        return marker("tuple", [encode_value(item, where) for item in value])
    if isinstance(value, dict):
        return _encode_dict(value, where)
    return _encode_special(value, where)


def _encode_dict(value: dict[Any, Any], where: str) -> JSON:
    if all(isinstance(key, str) for key in value) and MARKER not in value:
        return {key: encode_value(item, where) for key, item in value.items()}
    pairs = [[encode_value(key, where), encode_value(item, where)] for key, item in value.items()]
    return marker("dict", pairs)


def _encode_special(value: Any, where: str) -> JSON:
    if inspect.isclass(value):
        return marker("type", type_name(value, where))
    if isinstance(value, np.dtype):
        return marker("dtype", _simple_dtype(value, where))
    if isinstance(value, slice):
        return marker(
            "slice", [encode_value(v, where) for v in (value.start, value.stop, value.step)]
        )
    if isinstance(value, np.ndarray):
        data = [encode_value(item, where) for item in value.tolist()]
        return marker("ndarray", {"dtype": _simple_dtype(value.dtype, where), "data": data})
    if _is_frozen_distribution(value):
        return _encode_distribution(value, where)
    if is_estimator(value):
        return _encode_object(value, value.get_params(deep=False), where)
    if inspect.isroutine(value) or isinstance(value, np.ufunc):
        return marker("function", function_path(value, where))
    if isinstance(value, np.random.RandomState | np.random.Generator):
        raise FlowConversionError(
            f"{where}: a random number generator cannot be described; use an int seed or None"
        )
    return _encode_object(value, _constructor_arguments(value, where), where)


def _simple_dtype(dtype: np.dtype[Any], where: str) -> str:
    if dtype.kind not in _ARRAY_KINDS:
        raise FlowConversionError(f"{where}: numpy dtype {dtype} cannot be described")
    return str(dtype)


def _constructor_arguments(value: Any, where: str) -> dict[str, Any]:
    """An object's constructor arguments, read back from attributes of the same name."""
    signature = inspect.signature(type(value).__init__)
    names = [
        p.name
        for p in signature.parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    missing = [name for name in names if not hasattr(value, name)]
    if missing or type(value).__module__ == "builtins":
        raise FlowConversionError(
            f"{where}: a {type(value).__name__} cannot be described (its constructor arguments "
            f"{missing} are not readable as attributes)"
        )
    return {name: getattr(value, name) for name in names}


def _encode_object(value: Any, arguments: dict[str, Any], where: str) -> JSON:
    cls = type(value)
    name = class_path(cls)
    inner = f"{where}.{cls.__name__}"
    parameters = {key: encode_value(arguments[key], f"{inner}.{key}") for key in sorted(arguments)}
    return marker("object", {"class_name": name, "parameters": parameters})


def _is_frozen_distribution(value: Any) -> bool:
    return type(value).__module__.startswith("scipy.stats") and all(
        hasattr(value, attr) for attr in ("dist", "args", "kwds")
    )


def _encode_distribution(value: Any, where: str) -> JSON:
    import scipy.stats  # only needed when a flow uses distributions

    name = getattr(value.dist, "name", "")
    if getattr(scipy.stats, name, None) is None or type(getattr(scipy.stats, name)) is not type(
        value.dist
    ):
        raise FlowConversionError(f"{where}: distribution {name!r} is not in scipy.stats")
    content = {
        "dist": name,
        "args": [encode_value(a, where) for a in value.args],
        "kwds": {k: encode_value(v, where) for k, v in sorted(value.kwds.items())},
    }
    return marker("rv_frozen", content)


class Decoder:
    """Rebuild values from their JSON data, importing only from ``allowed`` modules.

    Args:
        allowed: module prefixes that classes and functions may come from.
        components: looks up an already rebuilt component by its identifier.
    """

    def __init__(self, allowed: Sequence[str], components: ComponentLookup) -> None:
        self._allowed = allowed
        self._components = components

    def decode(self, data: JSON) -> Any:
        """The value ``data`` (parsed JSON) stands for.

        Raises:
            FlowConversionError: malformed data or an unknown kind.
            DisallowedImportError: a class or function outside the allowed modules.
        """
        if isinstance(data, list):
            return [self.decode(item) for item in data]
        if isinstance(data, dict):
            if MARKER in data:
                return self._decode_marker(str(data[MARKER]), data.get("value"))
            return {key: self.decode(item) for key, item in data.items()}
        return data

    def _decode_marker(self, kind: str, value: JSON) -> Any:
        handlers: dict[str, Callable[[JSON], Any]] = {
            COMPONENT_REFERENCE: self._decode_reference,
            STEP_CONSTANT: self._decode_reference,
            "type": lambda v: load_type(str(v)),
            "dtype": lambda v: np.dtype(_checked_dtype(v)),
            "function": lambda v: load_function(str(v), self._allowed),
            "tuple": lambda v: tuple(self.decode(_as_list(v))),
            "dict": lambda v: {self._hashable(k): self.decode(x) for k, x in _pairs(v)},
            "slice": lambda v: slice(*self.decode(_as_list(v))),
            "ndarray": self._decode_array,
            "rv_frozen": self._decode_distribution,
            "object": self._decode_object,
        }
        if kind not in handlers:
            raise FlowConversionError(f"unknown serialized object kind {kind!r}")
        try:
            return handlers[kind](value)
        except (KeyError, TypeError) as exc:
            raise FlowConversionError(f"malformed {kind!r} value {value!r}: {exc}") from exc

    def _hashable(self, data: JSON) -> Any:
        key = self.decode(data)
        if isinstance(key, list):
            raise FlowConversionError(f"a list cannot be a dict key: {data!r}")
        return key

    def _decode_reference(self, value: JSON) -> Any:
        if not isinstance(value.get("key"), str):
            raise FlowConversionError(f"a component reference without key: {value!r}")
        if "constant" in value:
            step = value["constant"]
            if step is not None and step not in STEP_CONSTANTS:
                raise FlowConversionError(f"unknown step constant {step!r}")
        else:
            step = self._components(str(value["key"]))
        if value.get("step_name") is None:
            return step
        if "argument_1" in value:
            return (value["step_name"], step, self.decode(value["argument_1"]))
        return (value["step_name"], step)

    def _decode_array(self, value: JSON) -> Any:
        return np.asarray(self.decode(value["data"]), dtype=_checked_dtype(value["dtype"]))

    def _decode_distribution(self, value: JSON) -> Any:
        import scipy.stats

        name = str(value["dist"])
        dist = getattr(scipy.stats, name, None) if name.isidentifier() else None
        if not isinstance(dist, scipy.stats.rv_continuous | scipy.stats.rv_discrete):
            raise FlowConversionError(f"{name!r} is not a scipy.stats distribution")
        return dist(*self.decode(value["args"]), **self.decode(value["kwds"]))

    def _decode_object(self, value: JSON) -> Any:
        cls = load_class(str(value["class_name"]), self._allowed)
        arguments = {str(k): self.decode(v) for k, v in dict(value["parameters"]).items()}
        return cls(**arguments)


def _checked_dtype(name: JSON) -> str:
    dtype = np.dtype(str(name))
    if dtype.kind not in _ARRAY_KINDS:
        raise FlowConversionError(f"numpy dtype {name!r} is not allowed")
    return str(dtype)


def _as_list(value: JSON) -> list[Any]:
    if not isinstance(value, list):
        raise FlowConversionError(f"expected a list, got {value!r}")
    return value


def _pairs(value: JSON) -> list[tuple[JSON, JSON]]:
    return [(pair[0], pair[1]) for pair in _as_list(value)]
