"""A multipart body with too many parts is refused 413 before the form parser sees it.

The audit posted 10 000 parts: the parser built one object, or one temporary file, per part
on the event loop until Starlette's own cap of 1000 stopped it.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mlhive.server.http.limits import multipart_boundary
from tests.conftest import UserKey

BOUNDARY = "audit-boundary"
PARTS = {
    "fields": 'Content-Disposition: form-data; name="f{i}"\r\n\r\nv\r\n',
    "files": 'Content-Disposition: form-data; name="f{i}"; filename="f{i}.csv"\r\n\r\nv\r\n',
}


def multipart(count: int, part: str) -> bytes:
    body = "".join(f"--{BOUNDARY}\r\n" + part.format(i=i) for i in range(count))
    return (body + f"--{BOUNDARY}--\r\n").encode()


HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.mark.parametrize("kind", list(PARTS))
@pytest.mark.parametrize("url", ["/api/datasets", "/api/v1/xml/data", "/datasets/1/description"])
def test_ten_thousand_parts_are_refused_naming_the_limit(
    http: TestClient, alice: UserKey, kind: str, url: str
) -> None:
    response = http.post(
        url, content=multipart(10_000, PARTS[kind]), headers={**HEADERS, **alice.headers}
    )
    assert response.status_code == 413
    problem = response.json()
    assert problem["code"] == "payload_too_large"
    assert "more than 100 parts" in problem["detail"]
    assert "max_form_parts" in problem["detail"]


def test_a_body_at_the_limit_reaches_the_route(http: TestClient, alice: UserKey) -> None:
    response = http.post(
        "/api/datasets",
        content=multipart(100, PARTS["fields"]),
        headers={**HEADERS, **alice.headers},
    )
    assert response.status_code == 422  # the route's own complaint: no file, no metadata
    assert response.json()["code"] == "invalid_input"


def test_parts_are_counted_across_body_chunks(http: TestClient, alice: UserKey) -> None:
    body = multipart(150, PARTS["fields"])
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]  # boundaries split in two
    response = http.post(
        "/api/datasets", content=iter(chunks), headers={**HEADERS, **alice.headers}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("content_type", "boundary"),
    [
        (b"multipart/form-data; boundary=abc", b"abc"),
        (b'Multipart/Form-Data; charset=utf-8; boundary="a b"', b"a b"),
        (b"application/x-www-form-urlencoded", None),
        (b"multipart/form-data", None),
    ],
)
def test_the_boundary_is_read_from_the_content_type(
    content_type: bytes, boundary: bytes | None
) -> None:
    assert multipart_boundary(content_type) == boundary
