"""An unexpected failure is answered, not re-raised: a 500 document in each face's own form,
with the traceback in the log and nothing of it in the answer. (That the connection stays
usable is proven against a real server in ``tests/live/test_keep_alive_and_logs.py``.)"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount


class PlannedFailure(RuntimeError):
    """What the extra route raises: a bug, as far as the application can tell."""


def _fail() -> None:
    raise PlannedFailure("secret internals")


@pytest.fixture
def failing(app: FastAPI) -> FastAPI:
    """The real application with one extra route, on each face, that fails."""
    app.add_api_route("/api/test-failure", _fail)
    face = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/api/v1/xml")
    face.app.add_api_route("/test-failure", _fail)  # type: ignore[attr-defined]
    return app


def test_the_api_answers_an_unexpected_failure_with_a_problem_document(
    failing: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(failing) as http, caplog.at_level(logging.ERROR, "mlhive.api"):
        response = http.get("/api/test-failure")
        after = http.get("/api/health")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["code"] == "internal"
    assert "secret internals" not in response.text
    assert after.status_code == 200
    [record] = [r for r in caplog.records if r.name == "mlhive.api"]
    assert record.getMessage() == "unhandled error on GET /api/test-failure"
    assert record.exc_info is not None and record.exc_info[0] is PlannedFailure


def test_the_openml_face_answers_an_unexpected_failure_with_an_oml_error(
    failing: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(failing) as http, caplog.at_level(logging.ERROR, "mlhive.openml"):
        response = http.get("/api/v1/xml/test-failure")
    assert response.status_code == 500
    error = ET.fromstring(response.text)
    assert error.tag == "{http://openml.org/openml}error"
    assert "secret internals" not in response.text
    logged = [r for r in caplog.records if r.name.startswith("mlhive")]
    assert [r.name for r in logged] == ["mlhive.openml"]  # once, by the face
    assert logged[0].exc_info is not None and logged[0].exc_info[0] is PlannedFailure
