"""Schemathesis against the native API: the OpenAPI document is what the server does.

The real app runs in process (ASGI: schemathesis' in-process client, the lifespan included)
on a real database and blob store, with two users, alice and bob, each owning a private
dataset and a private model repository (with a commit). Each test acts as one of them and
runs, for every documented operation, a bounded number of generated requests (fixed seed, no
example database: every run draws the same ones) through these checks:

- schemathesis' ``not_a_server_error``, ``status_code_conformance``,
  ``content_type_conformance`` and ``response_schema_conformance``;
- :func:`no_private_leak`: no answer to the caller names the other user's private objects;
- before the generated requests, every read of the other user's private objects by path
  answers 404 and names nothing of them.

Destructive operations run last (deletions, and revoking a key last of all), so one that
removes the caller's own key or objects cannot blind the checks of the others.
``MLHIVE_SCHEMA_EXAMPLES`` sets the examples per operation for a longer hunt.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.wiring import Hive
from tests.conftest import MakeUser, UserKey
from tests.factories import actor_of, make_repo, publish, push_tensors

EXAMPLES = int(os.environ.get("MLHIVE_SCHEMA_EXAMPLES") or 6)
SEED = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Owner:
    """A user with a key and the private objects it owns (their names or descriptions carry
    :attr:`secret`)."""

    user: UserKey
    dataset_id: int
    repo: str  # owner/name

    @property
    def secret(self) -> str:
        """A text only this user's private objects contain."""
        return f"{self.user.name}-secret"

    @property
    def headers(self) -> dict[str, str]:
        return self.user.headers


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    """The app without request budgets: hundreds of requests from one key are the point."""
    unlimited = settings.model_copy(
        update={"rate_limit_per_minute": 0, "rate_limit_writes_per_minute": 0}
    )
    app = create_app(unlimited)
    yield app
    app.state.hive.worker.stop()
    app.state.hive.engine.dispose()


def owner(hive: Hive, user: UserKey) -> Owner:
    """``user`` with a private dataset and a private model repository holding a commit."""
    actor = actor_of(hive, user)
    secret = f"{user.name}-secret"
    dataset_id = publish(
        hive, actor, name=f"{secret}-data", description=secret, visibility="private"
    )
    # The repository's name is in its paths (a 404 echoes it): only its description is secret.
    repo = make_repo(
        hive, actor, name=f"{user.name}-private-net", visibility="private", description=secret
    )
    push_tensors(hive, actor, repo)
    return Owner(user, dataset_id, repo)


@pytest.fixture
def owners(hive: Hive, make_user: MakeUser) -> dict[str, Owner]:
    return {name: owner(hive, make_user(name)) for name in ("alice", "bob")}


def no_private_leak(other: Owner) -> Callable[..., bool]:
    """A schemathesis check: no response names ``other``'s private objects, unless the
    request named them itself (a 404 may echo the path it was asked for)."""
    markers = (other.secret, other.repo)

    def check(ctx: Any, response: Any, case: Any) -> bool:
        body = response.content.decode("utf-8", "replace")
        sent = f"{case.formatted_path} {case.query} {case.body}"
        shown = [m for m in markers if m in body and m not in sent]
        assert not shown, f"{case.method} {case.formatted_path} shows {shown}"
        return True

    check.__name__ = "no_private_leak"
    return check


def path_values(other: Owner) -> dict[str, Any]:
    """Path parameters that point at ``other``'s private objects."""
    repo_owner, repo_name = other.repo.split("/")
    return {
        "dataset_id": other.dataset_id,
        "owner": repo_owner,
        "name": repo_name,
        "ref": "main",
        "filename": "model.safetensors",
        "number": 1,
        "merge_id": 1,
        "branch": "main",
        "tag": "x",
        "alias": "production",
        "upload_id": "an-upload-session",
        "a": "main",  # the diff's two refs
        "b": "main",
    }


def reads_of_private_objects(schema: Any) -> Iterator[Any]:
    """The GET operations whose path names a dataset or a model repository."""
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        if operation.method.upper() == "GET" and names & {"dataset_id", "owner"}:
            yield operation


def run_order(operation: Any) -> tuple[bool, bool, str]:
    """Reads and writes first, deletions after, revoking a key last."""
    return (operation.method.upper() == "DELETE", "/keys/" in operation.path, operation.label)


@dataclass
class Findings:
    """What one run saw: cases sent per operation, failures by operation."""

    cases: dict[str, int] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)

    def record(self, label: str, error: BaseException) -> None:
        found = getattr(error, "exceptions", None) or [error]
        self.failures.setdefault(label, []).extend(str(e).splitlines()[0] for e in found)

    def report(self) -> str:
        lines = [f"{label}: {'; '.join(sorted(set(why)))}" for label, why in self.failures.items()]
        return "\n".join(sorted(lines))


def fuzz(operation: Any, caller: Owner, leak: Callable[..., bool], findings: Findings) -> None:
    """Run the generated cases of one operation as ``caller``, recording failures."""
    label = operation.label
    findings.cases[label] = 0

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # a failure is reported as drawn, unshrunk
        suppress_health_check=list(HealthCheck),
    )
    @seed(SEED)
    def run(case: Any) -> None:
        findings.cases[label] += 1
        response = case.call(headers=caller.headers)
        case.validate_response(response, checks=[*CHECKS, leak])

    try:
        run()
    except BaseException as error:  # schemathesis' FailureGroup is a BaseExceptionGroup
        if isinstance(error, KeyboardInterrupt):
            raise
        findings.record(label, error)


@pytest.mark.parametrize(("caller_name", "other_name"), [("alice", "bob"), ("bob", "alice")])
def test_the_api_does_what_its_schema_says(
    app: FastAPI, owners: dict[str, Owner], caller_name: str, other_name: str
) -> None:
    caller, other = owners[caller_name], owners[other_name]
    leak = no_private_leak(other)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    findings = Findings()

    values = path_values(other)
    for operation in reads_of_private_objects(schema):
        wanted = {p.name: values[p.name] for p in operation.path_parameters}
        query = {p.name: values[p.name] for p in operation.query if p.is_required}
        case = operation.Case(path_parameters=wanted, query=query)
        response = case.call(headers=caller.headers)
        assert response.status_code == 404, f"{operation.label} as {caller_name}: {response.text}"
        try:
            case.validate_response(response, checks=[*CHECKS, leak])
        except BaseException as error:
            findings.record(f"{operation.label} (other's object)", error)

    operations = sorted((r.ok() for r in schema.get_all_operations()), key=run_order)
    assert len(operations) > 60, "the schema lost its operations"
    for operation in operations:
        fuzz(operation, caller, leak, findings)

    print(f"{sum(findings.cases.values())} cases over {len(operations)} operations")
    assert not findings.failures, findings.report()
    assert all(findings.cases.values()), "an operation ran no case"
