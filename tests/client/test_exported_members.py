"""The public surface: every name ``mlhive`` and ``mlhive.client`` export exists and has help."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import mlhive
import mlhive.client


def exported(module: ModuleType) -> list[tuple[str, Any]]:
    return [(name, getattr(module, name, None)) for name in module.__all__]


def public_members(cls: type) -> list[str]:
    """The methods and properties a class itself defines for its users."""
    return [
        name
        for name, member in vars(cls).items()
        if not name.startswith(("_", "model_"))
        and (inspect.isfunction(member) or isinstance(member, property | classmethod))
    ]


@pytest.mark.parametrize("module", [mlhive, mlhive.client], ids=lambda m: m.__name__)
def test_every_exported_name_exists_and_is_documented(module: ModuleType) -> None:
    assert len(module.__all__) == len(set(module.__all__))
    for name, value in exported(module):
        if name == "__version__":
            assert isinstance(value, str) and value[0].isdigit()
            continue
        assert inspect.isclass(value) or inspect.isfunction(value), f"{module.__name__}.{name}"
        assert (value.__doc__ or "").strip(), f"{module.__name__}.{name} has no docstring"
        if inspect.isclass(value):
            undocumented = [
                member
                for member in public_members(value)
                if not (inspect.getdoc(getattr(value, member)) or "").strip()
            ]
            assert undocumented == [], f"{name}: {undocumented}"


def test_the_client_exports_the_api_behind_every_client_attribute(cache_dir: Path) -> None:
    with mlhive.Client("http://127.0.0.1:1", cache_dir=cache_dir) as client:
        kinds = {type(value).__name__ for value in vars(client).values()}
    apis = {name for name in kinds if name.endswith("API")}
    assert "ModelsAPI" in apis
    assert apis <= set(mlhive.client.__all__)


def test_connection_failed_keeps_its_old_name() -> None:
    assert mlhive.ConnectionFailed is mlhive.ConnectionFailedError
    assert issubclass(mlhive.ConnectionFailedError, mlhive.MlhiveError)
