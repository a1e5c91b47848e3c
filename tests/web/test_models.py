"""The model pages over the real app: the list, a repository with its card, history and
lineage, a commit's parameter-level diff, merge requests and their actions, and forks."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from mlhive.server.wiring import Hive
from tests.conftest import UserKey
from tests.factories import CLASSIFICATION_CSV, actor_of, fork_repo, make_repo, push_tensors
from tests.web.conftest import csrf_of, sign_in
from tests.web.forge import classification_task, open_request, push_arrays, push_estimator

FRAME = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
X, Y = FRAME[["x1", "x2"]], FRAME["label"].astype(str)
SCRIPT = "<script>alert(1)</script>"
RULES = [{"measure": "predictive_accuracy", "max_drop": 0.005}]


def _weights(scale: float, *, width: int = 4) -> dict[str, np.ndarray]:
    return {
        "decoder.weight": np.full((2, width), scale, dtype=np.float32),
        "encoder.weight": np.ones(6, dtype=np.float32),
    }


@pytest.fixture
def net(hive: Hive, alice: UserKey) -> dict[str, str]:
    """alice/net: two commits on main (the decoder changes), one on branch exp, a tag v1."""
    actor = actor_of(hive, alice)
    card = {
        "text": "# The net\n\nSmall **weights**. " + SCRIPT,
        "licence": "CC-BY-4.0",
        "input_schema": [{"name": "pixels", "dtype": "float32", "shape": [None, 4]}],
        "metrics": [{"name": "predictive_accuracy", "value": 0.875}],
    }
    make_repo(hive, actor, "net", description="A tiny network " + SCRIPT)
    first = push_arrays(hive, actor, "alice/net", _weights(1.0), message="first", card=card)
    second = push_arrays(hive, actor, "alice/net", _weights(2.0), message="decoder x2", card=card)
    side = push_arrays(
        hive, actor, "alice/net", _weights(1.0, width=5), message="wider", branch="exp"
    )
    return {"first": first, "second": second, "side": side}


def test_the_list_shows_public_repositories_and_the_owners_private_ones(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    actor = actor_of(hive, alice)
    make_repo(hive, actor, "open-net", description="everyone sees this")
    make_repo(hive, actor, "secret-net", visibility="private")
    anonymous = http.get("/models")
    assert anonymous.status_code == 200
    assert "alice/open-net" in anonymous.text and "everyone sees this" in anonymous.text
    assert "secret-net" not in anonymous.text
    sign_in(http, bob)
    assert "secret-net" not in http.get("/models").text
    http.cookies.clear()
    sign_in(http, alice)
    assert "alice/secret-net" in http.get("/models").text


def test_the_list_pages_by_keyset_and_refuses_a_bad_cursor(
    http: TestClient, hive: Hive, alice: UserKey
) -> None:
    actor = actor_of(hive, alice)
    for i in range(32):
        make_repo(hive, actor, f"m{i:02d}")
    first = http.get("/models").text
    assert "alice/m31" in first and "alice/m01" not in first
    assert 'rel="next"' in first
    cursor = first.split('href="/models?before=')[1].split('"')[0]
    second = http.get(f"/models?before={cursor}").text
    assert "alice/m01" in second and "alice/m00" in second and "alice/m31" not in second
    bad = http.get("/models?before=soon")
    assert bad.status_code == 422
    assert "before" in bad.text


def test_a_repository_page_renders_the_card_refs_history_and_lineage(
    http: TestClient, net: dict[str, str]
) -> None:
    page = http.get("/models/alice/net")
    assert page.status_code == 200
    text = page.text
    assert "<h1>The net</h1>" in text and "<strong>weights</strong>" in text  # card Markdown
    assert "CC-BY-4.0" in text and "pixels" in text and "0.8750" in text  # card tables
    assert "decoder x2" in text and "first" in text and "wider" not in text.split("History")[1]
    assert "?ref=exp" in text
    assert '<svg role="group"' in text and '<title id="lineage-title">Lineage of alice/net' in text
    assert text.count('<circle class="commit') == 3
    other = http.get("/models/alice/net?ref=exp").text
    assert "wider" in other.split("History")[1]


def test_user_text_on_model_pages_stays_inert(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, net: dict[str, str]
) -> None:
    push_tensors(hive, actor_of(hive, bob), "alice/net", seed=4, branch="bob/x")
    open_request(hive, actor_of(hive, bob), "alice/net", source_branch="bob/x", title=SCRIPT)
    for path in ("/models", "/models/alice/net", "/models/alice/net/requests/1"):
        text = http.get(path).text
        assert "<script>alert" not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path


def test_an_unknown_ref_or_commit_is_a_404_page(http: TestClient, net: dict[str, str]) -> None:
    for path in ("/models/alice/net?ref=nope", "/models/alice/net/commits/0123456789abc"):
        answer = http.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
    assert http.get("/models/alice/nothing").status_code == 404


def test_a_private_repository_is_hidden_from_everyone_but_its_owner(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    actor = actor_of(hive, alice)
    make_repo(hive, actor, "hidden", visibility="private")
    sha = push_tensors(hive, actor, "alice/hidden")
    for path in ("/models/alice/hidden", f"/models/alice/hidden/commits/{sha}"):
        assert http.get(path).status_code == 404
    sign_in(http, bob)
    assert http.get("/models/alice/hidden").status_code == 404
    http.cookies.clear()
    sign_in(http, alice)
    assert http.get("/models/alice/hidden").status_code == 200
    assert http.get(f"/models/alice/hidden/commits/{sha}").status_code == 200


def test_a_commit_page_lists_the_changed_tensors_with_their_norms(
    http: TestClient, net: dict[str, str]
) -> None:
    page = http.get(f"/models/alice/net/commits/{net['second']}")
    assert page.status_code == 200
    text = page.text
    assert "decoder x2" in text and net["first"][:12] in text  # message and parent
    changed = text.split("Changed tensors")[1]
    assert "decoder.weight" in changed and "encoder.weight" not in changed
    assert "2.8284" in changed  # the difference is 1 in 8 entries: sqrt(8)
    assert "100 %" in changed
    assert "model.safetensors" in text
    first = http.get(f"/models/alice/net/commits/{net['first']}").text
    assert "nothing to compare with" in first


def test_a_commit_page_shows_changed_shapes(http: TestClient, net: dict[str, str]) -> None:
    text = http.get(f"/models/alice/net/commits/{net['side']}").text
    assert '[2, 4]</span> → <span class="diff-add">[2, 5]' in text


def test_a_scikit_learn_commit_lists_changed_hyper_parameters_and_its_export(
    http: TestClient, hive: Hive, alice: UserKey
) -> None:
    actor = actor_of(hive, alice)
    make_repo(hive, actor, "clf")
    push_estimator(hive, actor, "alice/clf", LogisticRegression(C=0.5).fit(X, Y), message="a")
    sha = push_estimator(hive, actor, "alice/clf", LogisticRegression(C=2.0).fit(X, Y))
    text = http.get(f"/models/alice/clf/commits/{sha}").text
    params = text.split("Hyper-parameters")[1].split("Fitted attributes")[0]
    assert "<code>C</code>" in params and "0.5" in params and "2.0" in params
    assert "coef_" in text.split("Fitted attributes")[1]
    assert "pending" in text  # the ONNX export is queued
    hive.worker.drain()
    assert "unchecked" in http.get(f"/models/alice/clf/commits/{sha}").text


@pytest.fixture
def gated(hive: Hive, alice: UserKey, bob: UserKey) -> int:
    """alice/clf gated on accuracy; bob's better model on bob/lr, evaluated: request #1."""
    owner = actor_of(hive, alice)
    task = classification_task(hive, owner)
    make_repo(hive, owner, "clf", task_ids=[task], rules=RULES)
    push_estimator(hive, owner, "alice/clf", DummyClassifier(strategy="most_frequent").fit(X, Y))
    other = actor_of(hive, bob)
    push_estimator(hive, other, "alice/clf", LogisticRegression().fit(X, Y), branch="bob/lr")
    number = open_request(hive, other, "alice/clf", source_branch="bob/lr", title="better")
    hive.worker.drain()
    return number


def test_a_request_page_compares_the_measures_and_says_it_may_be_merged(
    http: TestClient, gated: int
) -> None:
    page = http.get(f"/models/alice/clf/requests/{gated}")
    assert page.status_code == 200
    text = page.text
    assert "predictive_accuracy" in text and "bob/lr" in text
    assert "breaks no rule" in text
    assert ">Merge</button>" not in text  # visitors get no buttons
    assert "Sign in</a> to comment" in text


def test_comments_need_a_form_token_and_then_appear_in_the_thread(
    http: TestClient, bob: UserKey, gated: int
) -> None:
    path = f"/models/alice/clf/requests/{gated}"
    sign_in(http, bob)
    refused = http.post(path + "/comments", data={"body": "nice"}, follow_redirects=False)
    assert refused.status_code == 403
    token = csrf_of(http, path)
    posted = http.post(
        path + "/comments", data={"body": "**nice** " + SCRIPT, "csrf": token},
        follow_redirects=False,
    )  # fmt: skip
    assert posted.status_code == 303 and posted.headers["location"] == path
    text = http.get(path).text
    assert "<strong>nice</strong>" in text and "<script>alert" not in text
    empty = http.post(path + "/comments", data={"body": "", "csrf": token})
    assert empty.status_code == 422


def test_only_the_owner_merges_and_the_request_then_reads_merged(
    http: TestClient, alice: UserKey, bob: UserKey, gated: int
) -> None:
    path = f"/models/alice/clf/requests/{gated}"
    sign_in(http, bob)
    assert ">Merge</button>" not in http.get(path).text
    denied = http.post(path + "/merge", data={"csrf": csrf_of(http, path)})
    assert denied.status_code == 403
    http.cookies.clear()
    sign_in(http, alice)
    assert ">Merge</button>" in http.get(path).text
    merged = http.post(path + "/merge", data={"csrf": csrf_of(http, path)}, follow_redirects=False)
    assert merged.status_code == 303
    text = http.get(path).text
    assert '<dd class="mr-state">merged</dd>' in text and "Merged as" in text
    assert ">Merge</button>" not in text
    assert "Merge request #1: better" in http.get("/models/alice/clf").text


def test_a_request_that_breaks_the_rule_is_refused_with_the_reason(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, gated: int
) -> None:
    sign_in(http, alice)
    first = f"/models/alice/clf/requests/{gated}"
    http.post(first + "/merge", data={"csrf": csrf_of(http, first)})  # main is now the better one
    worse = DummyClassifier(strategy="constant", constant="yes").fit(X, Y)
    push_estimator(hive, actor_of(hive, bob), "alice/clf", worse, branch="bob/worse")
    number = open_request(
        hive, actor_of(hive, bob), "alice/clf", source_branch="bob/worse", title="worse"
    )
    hive.worker.drain()
    path = f"/models/alice/clf/requests/{number}"
    text = http.get(path).text
    assert "cannot be merged" in text and "is worse by" in text
    assert ">Merge</button>" not in text
    refused = http.post(path + "/merge", data={"csrf": csrf_of(http, path)})
    assert refused.status_code == 409
    assert "is worse by" in refused.text
    closed = http.post(path + "/close", data={"csrf": csrf_of(http, path)}, follow_redirects=False)
    assert closed.status_code == 303
    assert '<dd class="mr-state">closed</dd>' in http.get(path).text


def test_forking_from_the_page_makes_a_copy_that_links_back(
    http: TestClient, bob: UserKey, net: dict[str, str]
) -> None:
    sign_in(http, bob)
    token = csrf_of(http, "/models/alice/net")
    refused = http.post("/models/alice/net/fork", data={"fork_name": "x y", "csrf": token})
    assert refused.status_code == 422 and "fork_name" in refused.text
    made = http.post(
        "/models/alice/net/fork", data={"fork_name": "", "csrf": token}, follow_redirects=False
    )
    assert made.status_code == 303 and made.headers["location"] == "/models/bob/net"
    text = http.get("/models/bob/net").text
    assert 'Forked from <a href="/models/alice/net">alice/net</a>' in text
    assert "decoder x2" in text
    again = http.post("/models/alice/net/fork", data={"csrf": token})
    assert again.status_code == 409


def test_forking_needs_a_signed_in_person(http: TestClient, net: dict[str, str]) -> None:
    assert http.post("/models/alice/net/fork", data={}).status_code == 401
    assert "Fork</button>" not in http.get("/models/alice/net").text


def test_a_fork_shows_in_the_list_with_its_source(
    http: TestClient, hive: Hive, bob: UserKey, net: dict[str, str]
) -> None:
    fork_repo(hive, actor_of(hive, bob), "alice/net")
    assert "fork of alice/net" in http.get("/models").text
