"""Signing in from a browser: cookies, form tokens, origins, sign-out and revocation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from tests.conftest import UserKey
from tests.web.conftest import FORM_TOKEN, SignIn, csrf_of


def test_signing_in_sets_a_locked_down_session_cookie(http: TestClient, alice: UserKey) -> None:
    form = http.get("/sign-in")
    token = FORM_TOKEN.search(form.text)
    assert token
    answer = http.post(
        "/sign-in",
        data={"api_key": alice.key, "form_token": token.group(1), "next": "/people/alice"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/people/alice"
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("mlhive_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http on loopback; https marks it Secure
    assert alice.key not in cookie  # the cookie is a session token, not the API key
    home = http.get("/")
    assert 'href="/people/alice"' in home.text
    assert "Sign out" in home.text


def test_a_wrong_key_is_refused_and_explained(http: TestClient) -> None:
    form = http.get("/sign-in")
    token = FORM_TOKEN.search(form.text)
    assert token
    answer = http.post("/sign-in", data={"api_key": "mlh_wrong", "form_token": token.group(1)})
    assert answer.status_code == 401
    assert "unknown or revoked" in answer.text
    assert "mlhive_session" not in http.cookies


def test_sign_in_without_its_form_token_is_refused(http: TestClient, alice: UserKey) -> None:
    answer = http.post("/sign-in", data={"api_key": alice.key, "form_token": "forged"})
    assert answer.status_code == 403
    assert "reload the page" in answer.text
    assert "mlhive_session" not in http.cookies


def test_after_sign_in_only_same_site_paths_are_followed(http: TestClient, alice: UserKey) -> None:
    token = FORM_TOKEN.search(http.get("/sign-in").text)
    assert token
    answer = http.post(
        "/sign-in",
        data={"api_key": alice.key, "form_token": token.group(1), "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_a_post_from_another_site_is_refused(
    http: TestClient, alice: UserKey, signed_in: SignIn
) -> None:
    signed_in(alice)
    csrf = csrf_of(http)
    answer = http.post("/sign-out", data={"csrf": csrf}, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
    assert "another site" in answer.text
    assert 'href="/people/alice"' in http.get("/").text  # still signed in


def test_a_post_without_the_form_token_is_refused(
    http: TestClient, alice: UserKey, signed_in: SignIn
) -> None:
    signed_in(alice)
    answer = http.post("/sign-out", data={"csrf": "0" * 40})
    assert answer.status_code == 403
    assert 'href="/people/alice"' in http.get("/").text


def test_signing_out_ends_the_session_on_the_server(
    http: TestClient, alice: UserKey, signed_in: SignIn
) -> None:
    signed_in(alice)
    stolen = http.cookies["mlhive_session"]
    answer = http.post("/sign-out", data={"csrf": csrf_of(http)}, follow_redirects=False)
    assert answer.status_code == 303
    # A copy of the cookie taken before sign-out no longer works.
    http.cookies.set("mlhive_session", stolen)
    assert "Sign in" in http.get("/").text
    assert 'href="/people/alice"' not in http.get("/").text


def test_revoking_the_key_ends_its_sessions(
    http: TestClient, alice: UserKey, signed_in: SignIn
) -> None:
    signed_in(alice)
    key_id = http.get("/api/users/me/keys", headers=alice.headers).json()[0]["id"]
    assert http.delete(f"/api/users/me/keys/{key_id}", headers=alice.headers).status_code == 200
    assert 'href="/people/alice"' not in http.get("/").text


def test_the_api_ignores_the_session_cookie(
    http: TestClient, alice: UserKey, signed_in: SignIn
) -> None:
    """Writes through the API need a key; a browser cookie can never stand in for one."""
    signed_in(alice)
    assert http.get("/api/users/me").status_code == 401


def test_a_cross_site_post_with_only_the_session_cookie_changes_nothing(
    http: TestClient, alice: UserKey, signed_in: SignIn
) -> None:
    """What a page on another site can make a signed-in browser send: the cookie, no key."""
    signed_in(alice)
    assert http.cookies, "the browser holds a session cookie"
    evil = {"Origin": "https://evil.example"}
    posted = [
        http.post("/api/suites", json={"name": "planted"}, headers=evil),
        http.post("/api/users/me/keys", json={"label": "stolen"}, headers=evil),
        http.post("/api/models", json={"name": "planted"}, headers=evil),
    ]
    assert [r.status_code for r in posted] == [401, 401, 401]
    assert {r.json()["code"] for r in posted} == {"unauthenticated"}
    openml = http.post("/api/v1/xml/study", data={"description": "<x/>"}, headers=evil)
    assert "<oml:code>102</oml:code>" in openml.text  # OpenML: "no authentication"
    assert http.get("/api/suites").json()["items"] == []
    assert len(http.get("/api/users/me/keys", headers=alice.headers).json()) == 1


def test_behind_an_https_proxy_the_cookie_is_secure_and_origins_are_the_public_ones(
    settings: Settings, alice: UserKey
) -> None:
    app = create_app(settings.model_copy(update={"public_url": "https://hive.example.org"}))
    with TestClient(app) as http:
        form = http.get("/sign-in")
        token = FORM_TOKEN.search(form.text)
        assert token
        assert "Secure" in form.headers["set-cookie"]
        # The browser talks https to the proxy (so it sends Secure cookies back) and names the
        # public origin; the backend behind the proxy is reached over plain http.
        back = {"Cookie": f"mlhive_signin={token.group(1)}", "Origin": "https://hive.example.org"}
        answer = http.post(
            "/sign-in",
            data={"api_key": alice.key, "form_token": token.group(1)},
            headers=back,
            follow_redirects=False,
        )
        assert answer.status_code == 303
        cookie = next(
            c for c in answer.headers.get_list("set-cookie") if c.startswith("mlhive_session=")
        )
        assert "Secure" in cookie
        refused = http.post(
            "/sign-in",
            data={"api_key": alice.key, "form_token": token.group(1)},
            headers={**back, "Origin": "http://testserver"},
        )
        assert refused.status_code == 403
    app.state.hive.engine.dispose()
