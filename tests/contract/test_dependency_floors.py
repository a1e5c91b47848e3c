"""No install the project admits can carry a dependency below its security fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
# package -> the first release with every known fix for code it runs on uploads
SECURITY_FLOORS = {"python-multipart": "0.0.31", "skops": "0.13"}


def _declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    return {req.name: req for req in map(Requirement, lines)}


def _locked() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        name, sep, version = line.partition("==")
        if sep and not line.startswith((" ", "#")):
            pins[name.strip().lower()] = Version(version.split()[0].rstrip("\\"))
    return pins


@pytest.mark.parametrize(("name", "floor"), sorted(SECURITY_FLOORS.items()))
def test_a_security_floor_is_declared_and_the_lock_meets_it(name: str, floor: str) -> None:
    requirement = _declared()[name]
    *major, last = Version(floor).release
    below = ".".join(map(str, (*major, last - 1)))  # the release just before the fix
    assert not requirement.specifier.contains(below), f"{requirement} admits {name} {below}"
    assert requirement.specifier.contains(floor), f"{requirement} refuses the fixed {floor}"
    assert requirement.specifier.contains(_locked()[name]), "the lock pins an admitted version"
