"""Page tests over the real app in-process: sign a TestClient in as a browser would."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import UserKey

SignIn = Callable[[UserKey], TestClient]
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_in(http: TestClient, user: UserKey) -> TestClient:
    """Sign ``http`` in through the sign-in form; the cookie jar then holds the session."""
    form = http.get("/sign-in")
    token = FORM_TOKEN.search(form.text)
    assert token, "the sign-in form carries a form token"
    answer = http.post(
        "/sign-in",
        data={"api_key": user.key, "form_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return http


def csrf_of(http: TestClient, path: str = "/") -> str:
    """The form token a signed-in page carries."""
    found = CSRF.search(http.get(path).text)
    assert found, f"{path} carries a form token"
    return found.group(1)


@pytest.fixture
def signed_in(http: TestClient) -> SignIn:
    """Factory: ``signed_in(alice)`` signs the app's TestClient in as alice."""
    return lambda user: sign_in(http, user)
