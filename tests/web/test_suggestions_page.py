"""The suggested-collaborators page: reasons, escaping, and nothing private for others."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.forge import make_repo
from tests.conftest import MakeUser, UserKey
from tests.web.conftest import sign_in


def test_the_page_lists_suggestions_with_reasons_and_hides_private_ones(
    http: TestClient, make_user: MakeUser, alice: UserKey, bob: UserKey
) -> None:
    carol = make_user("carol")
    make_repo(http, alice, "net")
    for user, visibility in ((bob, "public"), (carol, "private")):
        forked = http.post(
            "/api/models/alice/net/fork", json={"visibility": visibility}, headers=user.headers
        )
        assert forked.status_code == 201, forked.text
    edit = {"interests": ["<b>trees</b>"]}
    assert http.patch("/api/users/bob/profile", json=edit, headers=bob.headers).status_code == 422

    html = http.get("/people/alice/suggested").text
    assert 'href="/people/bob"' in html and "forked alice&#39;s model net" in html
    assert "carol" not in html  # her fork is private
    sign_in(http, carol)
    mine = http.get("/people/alice/suggested").text
    assert 'href="/people/carol"' in mine
    http.cookies.clear()
    sign_in(http, alice)
    own = http.get("/people/alice/suggested").text
    assert "forked your model net" in own and "carol" not in own
    profile = http.get("/people/alice").text
    assert 'href="/people/alice/suggested"' in profile
    assert http.get("/people/nobody/suggested").status_code == 404
    http.cookies.clear()
