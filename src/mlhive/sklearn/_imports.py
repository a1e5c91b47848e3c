"""Resolve dotted names from a flow to classes and functions, only inside allowed modules.

A flow is data from other people: its ``class_name`` and any function it names decide what gets
imported. Names are checked for syntax and against the allowed module prefixes *before* anything
is imported, and the object found must itself be defined in an allowed module (so a re-export such
as ``sklearn.some_module.os`` cannot smuggle in a foreign object).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mlhive.sklearn.errors import DisallowedImportError, FlowConversionError

DEFAULT_ALLOWED_MODULES: tuple[str, ...] = ("sklearn",)

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")

_BUILTIN_TYPES: dict[str, type] = {
    "bool": bool,
    "complex": complex,
    "float": float,
    "int": int,
    "object": object,
    "str": str,
}


# Inside scikit-learn, but never reachable from a flow: their functions read or write files or
# the network (``sklearn.datasets.dump_svmlight_file`` as a FunctionTransformer's ``func`` would
# write wherever the flow's ``kw_args`` say), or exist for tests and vendoring.
REFUSED_MODULES: tuple[str, ...] = (
    "sklearn.datasets",
    "sklearn.experimental",
    "sklearn.externals",
    "sklearn.utils",
)


def _inside(module: str, prefixes: Sequence[str]) -> bool:
    for prefix in prefixes:
        root = prefix.rstrip(".")
        if root and (module == root or module.startswith(root + ".")):
            return True
    return False


def is_allowed(module: str, allowed: Sequence[str]) -> bool:
    """Whether ``module`` is inside one of ``allowed`` (``"sklearn."`` = ``"sklearn"``).

    Modules in :data:`REFUSED_MODULES` are never allowed.
    """
    return _inside(module, allowed) and not _inside(module, REFUSED_MODULES)


def check_name(path: str, allowed: Sequence[str], what: str) -> tuple[str, str]:
    """Split ``path`` into (module, attribute) after checking it may be imported.

    Raises:
        DisallowedImportError: the name is malformed, private, or outside ``allowed``.
    """
    if not _DOTTED.match(path):
        raise DisallowedImportError(f"{what} {path!r} is not a dotted Python name")
    module, _, attribute = path.rpartition(".")
    if attribute.startswith("_"):
        raise DisallowedImportError(f"{what} {path!r} names a private object; refused")
    if not is_allowed(module, allowed):
        raise DisallowedImportError(
            f"{what} {path!r} is outside the allowed modules {list(allowed)}; refused without "
            "importing it (pass allowed_modules=... to trust more packages)"
        )
    return module, attribute


def _load(path: str, allowed: Sequence[str], what: str) -> Any:
    module_name, attribute = check_name(path, allowed, what)
    try:
        module = importlib.import_module(module_name)
        obj = getattr(module, attribute)
    except (ImportError, AttributeError) as exc:
        raise FlowConversionError(f"{what} {path!r} cannot be found: {exc}") from exc
    defined_in = getattr(obj, "__module__", None) or ""
    if not is_allowed(defined_in, allowed):
        raise DisallowedImportError(
            f"{what} {path!r} is defined in {defined_in!r}, outside the allowed modules"
        )
    return obj


def load_class(path: str, allowed: Sequence[str]) -> type[Any]:
    """Import the class ``path`` (``module.Class``) if allowed.

    Raises:
        DisallowedImportError: outside ``allowed`` (nothing was imported).
        FlowConversionError: no such class.
    """
    obj = _load(path, allowed, "class")
    if not inspect.isclass(obj):
        raise FlowConversionError(f"{path!r} is not a class")
    return obj


def load_function(path: str, allowed: Sequence[str]) -> Callable[..., Any]:
    """Import the module-level function ``path`` if allowed (classes are not functions).

    Raises:
        DisallowedImportError: outside ``allowed`` (nothing was imported).
        FlowConversionError: no such function.
    """
    obj = _load(path, allowed, "function")
    if inspect.isclass(obj) or not callable(obj):
        raise FlowConversionError(f"{path!r} is not a function")
    return obj  # type: ignore[no-any-return]


def function_path(func: Any, where: str) -> str:
    """The dotted name under which ``func`` can be imported again.

    Raises:
        FlowConversionError: a lambda, a nested function or anything not importable by name.
    """
    module = getattr(func, "__module__", None)
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    if not module or not name or "<" in name or "." in name:
        raise FlowConversionError(
            f"{where}: {func!r} is not a module-level function; lambdas, closures and methods "
            "cannot be described (use a function defined at the top of an importable module)"
        )
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise FlowConversionError(f"{where}: {module}.{name} is not importable") from exc
    if found is not func:
        raise FlowConversionError(f"{where}: {module}.{name} does not name {func!r}")
    return f"{module}.{name}"


def class_path(cls: type[Any]) -> str:
    """``module.Class`` of a class (its import path, as ``class_name`` in a flow)."""
    return f"{cls.__module__}.{cls.__qualname__}"


def type_name(value: type[Any], where: str) -> str:
    """The name of a builtin or numpy scalar type, as OpenML writes it (``np.float64``).

    Raises:
        FlowConversionError: any other class.
    """
    for name, builtin in _BUILTIN_TYPES.items():
        if value is builtin:
            return name
    if issubclass(value, np.generic) and getattr(np, value.__name__, None) is value:
        return f"np.{value.__name__}"
    raise FlowConversionError(f"{where}: the class {value!r} cannot be described as a value")


def load_type(name: str) -> type[Any]:
    """The type ``type_name`` wrote: a builtin or a numpy scalar type, nothing else.

    Raises:
        FlowConversionError: an unknown name.
    """
    if name in _BUILTIN_TYPES:
        return _BUILTIN_TYPES[name]
    if name.startswith("np."):
        found = getattr(np, name[3:], None)
        if inspect.isclass(found) and issubclass(found, np.generic):
            return found
    raise FlowConversionError(f"unknown type {name!r}")
