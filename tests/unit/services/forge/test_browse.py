"""What the model pages read: repository pages with their last activity, the lineage graph of
branches, forks and merges, and the merge request list."""

from __future__ import annotations

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.services.forge import browse, repos
from mlhive.server.services.forge import requests as model_requests
from mlhive.server.wiring import Hive
from mlhive.wire.models import MergeRequestCreate
from tests.factories import fork_repo, make_repo, push_tensors


def _graph(hive: Hive, actor: Actor, full_name: str, limit: int = 40) -> browse.Graph:
    with transaction(hive.sessions) as session:
        return browse.lineage(session, repos.get_by_full_name(session, actor, full_name), limit)


def test_summaries_page_newest_first_and_hide_others_private_repositories(
    hive: Hive, as_alice: Actor, as_bob: Actor
) -> None:
    make_repo(hive, as_alice, "one")
    make_repo(hive, as_alice, "two", visibility="private")
    make_repo(hive, as_bob, "three")
    fork_repo(hive, as_bob, "alice/one")
    with transaction(hive.sessions) as session:
        seen_by_bob = browse.summaries(session, as_bob, before=None, limit=10)
        assert [r.full_name for r in seen_by_bob] == ["bob/one", "bob/three", "alice/one"]
        assert seen_by_bob[0].forked_from == "alice/one"
        anonymous = browse.summaries(session, None, before=seen_by_bob[1].id, limit=10)
        assert [r.full_name for r in anonymous] == ["alice/one"]
        owner = browse.summaries(session, as_alice, before=None, limit=2)
        assert [r.full_name for r in owner] == ["bob/one", "bob/three"]
        assert "alice/two" in [
            r.full_name for r in browse.summaries(session, as_alice, before=None, limit=9)
        ]


def test_updated_is_when_a_branch_last_moved(hive: Hive, as_alice: Actor) -> None:
    make_repo(hive, as_alice, "net")
    with transaction(hive.sessions) as session:
        (fresh,) = browse.summaries(session, as_alice, before=None, limit=5)
    push_tensors(hive, as_alice, "alice/net")
    with transaction(hive.sessions) as session:
        (pushed,) = browse.summaries(session, as_alice, before=None, limit=5)
    assert fresh.updated_at == fresh.created_at < pushed.updated_at


def test_the_lineage_puts_branches_on_lanes_and_links_merges(
    hive: Hive, as_alice: Actor, as_bob: Actor
) -> None:
    make_repo(hive, as_alice, "net")
    base = push_tensors(hive, as_alice, "alice/net", seed=1)
    side = push_tensors(hive, as_bob, "alice/net", seed=2, branch="bob/x")
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, as_alice, "alice/net")
        body = MergeRequestCreate(source_branch="bob/x", title="x")
        request = model_requests.open_request(session, as_bob, repo, body)
        request.evaluation_state = "not_applicable"  # what the job records for tensors
        merged = model_requests.merge(session, hive.store, as_alice, repo, request).sha
    graph = _graph(hive, as_alice, "alice/net")
    assert graph.lanes == ["main", "bob/x"]  # the default branch first
    lane = {n.sha: graph.lanes[n.lane] for n in graph.nodes}
    assert lane == {base: "main", side: "bob/x", merged: "main"}
    assert [n.sha for n in graph.nodes] == [base, side, merged]  # oldest first
    links = {(e.parent, e.child, e.merge) for e in graph.edges}
    assert links == {(base, side, False), (base, merged, False), (side, merged, True)}
    assert "main" in graph.nodes[-1].refs and not graph.truncated


def test_the_lineage_is_capped_and_says_so(hive: Hive, as_alice: Actor) -> None:
    make_repo(hive, as_alice, "net")
    shas = [push_tensors(hive, as_alice, "alice/net", seed=i) for i in range(4)]
    graph = _graph(hive, as_alice, "alice/net", limit=2)
    assert [n.sha for n in graph.nodes] == shas[2:] and graph.truncated
    assert graph.edges[0].parent == shas[2]


def test_request_summaries_are_newest_first_and_capped(
    hive: Hive, as_alice: Actor, as_bob: Actor
) -> None:
    make_repo(hive, as_alice, "net")
    push_tensors(hive, as_alice, "alice/net", seed=1)
    for i in range(3):
        push_tensors(hive, as_bob, "alice/net", seed=10 + i, branch=f"bob/{i}")
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, as_alice, "alice/net")
        for i in range(3):
            body = MergeRequestCreate(source_branch=f"bob/{i}", title=f"try {i}")
            model_requests.open_request(session, as_bob, repo, body)
        rows = browse.request_summaries(session, repo, 2)
    assert [(r.number, r.title, r.author, r.state) for r in rows] == [
        (3, "try 2", "bob", "open"),
        (2, "try 1", "bob", "open"),
    ]
