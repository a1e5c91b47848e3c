"""Merge requests called directly: opening one (from a branch or a fork), comments, closing,
re-evaluating, and who may merge what when.

Every model here is a small safetensors file: the evaluation job finds nothing it can refit
and marks the request ``not_applicable``, which merges only in a repository without rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy.orm import Session

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.forge import MergeRequest, ModelRepo
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mlhive.server.services.forge import repos, requests
from mlhive.server.services.social import reviews
from mlhive.server.wiring import Hive
from mlhive.wire.models import CommentCreate, MergeRequestCreate, MergeRequestOut, RefOut
from tests.conftest import MakeUser
from tests.factories import actor_of, fork_repo, make_repo, push_tensors
from tests.unit.services.race import interleave

T = TypeVar("T")
Action = Callable[[Session, ModelRepo, MergeRequest], T]
Jobs = Callable[[], int]


@pytest.fixture
def as_carol(hive: Hive, make_user: MakeUser) -> Actor:
    return actor_of(hive, make_user("carol"))


@pytest.fixture
def shas(hive: Hive, as_alice: Actor, as_bob: Actor) -> dict[str, str]:
    """alice/net with a commit on main, and bob's change on the branch ``bob/tweak``."""
    make_repo(hive, as_alice, "net")
    main = push_tensors(hive, as_alice, "alice/net", seed=0)
    tweak = push_tensors(hive, as_bob, "alice/net", seed=1, branch="bob/tweak")
    return {"main": main, "bob/tweak": tweak}


def _open_in(session: Session, actor: Actor, repo: str, fields: dict[str, Any]) -> MergeRequest:
    body = MergeRequestCreate.model_validate(
        {"source_branch": "bob/tweak", "title": "tweak", **fields}
    )
    return requests.open_request(session, actor, repos.get_by_full_name(session, actor, repo), body)


def _open(hive: Hive, actor: Actor, repo: str = "alice/net", **fields: Any) -> int:
    """Open a request on ``repo`` (from ``bob/tweak`` unless told); its number."""
    with transaction(hive.sessions) as session:
        return _open_in(session, actor, repo, fields).number


def _on(
    hive: Hive, actor: Actor | None, number: int, action: Action[T], repo: str = "alice/net"
) -> T:
    """Run ``action`` on request ``number`` of ``repo`` in one transaction, as ``actor``."""
    with transaction(hive.sessions) as session:
        target = repos.get_by_full_name(session, actor, repo)
        return action(session, target, requests.get_request(session, target, number))


def _seen(hive: Hive, number: int, repo: str = "alice/net") -> MergeRequestOut:
    """The request as anyone reads it."""
    return _on(hive, None, number, reviews.describe_request, repo)


def _close(hive: Hive, actor: Actor, number: int) -> None:
    _on(hive, actor, number, lambda s, repo, request: requests.close(s, actor, repo, request))


def _merge(hive: Hive, actor: Actor, number: int) -> str:
    """Merge as ``actor``; the merge commit's id."""
    return _on(
        hive,
        actor,
        number,
        lambda s, repo, request: requests.merge(s, hive.store, actor, repo, request).sha,
    )


def _refresh(hive: Hive, actor: Actor, number: int) -> None:
    _on(hive, actor, number, lambda s, repo, request: requests.refresh(s, actor, repo, request))


def _branches(hive: Hive, repo: str = "alice/net") -> dict[str, str]:
    with transaction(hive.sessions) as session:
        refs: list[RefOut] = repos.list_refs(session, repos.get_by_full_name(session, None, repo))
        return {r.name: r.commit for r in refs if r.kind == "branch"}


def test_an_opened_request_names_both_commits_and_waits_for_its_evaluation(
    hive: Hive, as_bob: Actor, shas: dict[str, str]
) -> None:
    number = _open(hive, as_bob, description="smaller weights")
    seen = _seen(hive, number)
    assert (seen.number, seen.author, seen.source, seen.title) == (1, "bob", "alice/net", "tweak")
    assert (seen.source_commit, seen.target_commit) == (shas["bob/tweak"], shas["main"])
    assert (seen.state, seen.evaluation_state, seen.mergeable) == ("open", "pending", False)
    assert seen.job_id is not None


@pytest.mark.usefixtures("shas")
def test_requests_are_numbered_per_repository(hive: Hive, as_bob: Actor) -> None:
    make_repo(hive, as_bob, "other")
    push_tensors(hive, as_bob, "bob/other", seed=2)
    push_tensors(hive, as_bob, "bob/other", seed=3, branch="bob/tweak")
    assert [_open(hive, as_bob), _open(hive, as_bob), _open(hive, as_bob, "bob/other")] == [1, 2, 1]
    _close(hive, as_bob, 1)
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, None, "alice/net")
        assert [r.number for r in requests.list_requests(session, repo, None)] == [2, 1]
        assert [r.number for r in requests.list_requests(session, repo, "open")] == [2]
        with pytest.raises(NotFound):
            requests.get_request(session, repo, 3)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"source_branch": "bob/none"}, "source_branch"),
        ({"target_branch": "release"}, "target_branch"),
        ({"source_branch": "main"}, "source_branch"),  # nothing to merge: the same commit
    ],
)
def test_a_request_needs_two_existing_different_branches(
    hive: Hive, as_bob: Actor, shas: dict[str, str], fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        _open(hive, as_bob, **fields)
    assert raised.value.extra["field"] == field
    assert _branches(hive) == shas  # nothing moved, nothing opened
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, None, "alice/net")
        assert requests.list_requests(session, repo, None) == []


@pytest.mark.usefixtures("shas")
def test_a_request_from_another_repository_must_come_from_a_fork(hive: Hive, as_bob: Actor) -> None:
    make_repo(hive, as_bob, "unrelated")
    push_tensors(hive, as_bob, "bob/unrelated", seed=4)
    with pytest.raises(InvalidInput) as raised:
        _open(hive, as_bob, source_repo="bob/unrelated", source_branch="main")
    assert raised.value.extra["field"] == "source_repo"
    assert "is not a fork of alice/net" in raised.value.detail


def test_a_request_from_a_fork_brings_the_forks_commit_into_the_target_when_merged(
    hive: Hive, as_alice: Actor, as_bob: Actor, shas: dict[str, str], run_jobs: Jobs
) -> None:
    fork_repo(hive, as_bob, "alice/net")
    candidate = push_tensors(hive, as_bob, "bob/net", seed=5)
    number = _open(hive, as_bob, source_repo="bob/net", source_branch="main")
    assert _seen(hive, number).source == "bob/net"
    run_jobs()
    merged = _merge(hive, as_alice, number)
    with transaction(hive.sessions) as session:
        target = repos.get_by_full_name(session, None, "alice/net")
        assert repos.resolve(session, target, candidate).sha == candidate
        assert repos.resolve(session, target, "main").parents == [shas["main"], candidate]
    assert _branches(hive)["main"] == merged


@pytest.mark.usefixtures("shas")
def test_comments_thread_on_their_own_request_only(
    hive: Hive, as_alice: Actor, as_bob: Actor
) -> None:
    first, second = _open(hive, as_bob), _open(hive, as_bob)

    def comment(actor: Actor, number: int, body: CommentCreate) -> int:
        return _on(hive, actor, number, lambda s, _, r: reviews.comment(s, actor, r, body).id)

    question = comment(as_alice, first, CommentCreate(body="why?", tensor="layer.weight"))
    comment(as_bob, first, CommentCreate(body="noise", reply_to=question))
    with pytest.raises(InvalidInput) as raised:
        comment(as_bob, second, CommentCreate(body="lost", reply_to=question))
    assert raised.value.extra["field"] == "reply_to"
    thread = [(c.author, c.body, c.reply_to, c.tensor) for c in _seen(hive, first).comments]
    assert thread == [
        ("alice", "why?", None, "layer.weight"),
        ("bob", "noise", question, None),
    ]
    assert _seen(hive, second).comments == []


@pytest.mark.usefixtures("shas")
def test_only_the_author_or_the_owner_closes_and_a_closed_request_stays_closed(
    hive: Hive, as_alice: Actor, as_bob: Actor, as_carol: Actor
) -> None:
    by_author, by_owner = _open(hive, as_bob), _open(hive, as_bob)
    with pytest.raises(PermissionDenied):
        _close(hive, as_carol, by_author)
    assert _seen(hive, by_author).state == "open"
    _close(hive, as_bob, by_author)
    _close(hive, as_alice, by_owner)
    assert [_seen(hive, n).state for n in (by_author, by_owner)] == ["closed", "closed"]
    for again in (_close, _refresh):
        with pytest.raises(Conflict) as raised:
            again(hive, as_bob, by_author)
        assert raised.value.detail == "merge request 1 is closed"
    with pytest.raises(Conflict, match="cannot be merged"):
        _merge(hive, as_alice, by_author)
    assert not _seen(hive, by_author).mergeable


def test_only_owners_merge_an_evaluated_request_and_only_once(
    hive: Hive, as_alice: Actor, as_bob: Actor, shas: dict[str, str], run_jobs: Jobs
) -> None:
    number = _open(hive, as_bob)
    with pytest.raises(Conflict) as pending:
        _merge(hive, as_alice, number)
    assert pending.value.detail.endswith("cannot be merged: evaluation is pending")
    run_jobs()
    seen = _seen(hive, number)
    assert (seen.evaluation_state, seen.mergeable) == ("not_applicable", True)
    with pytest.raises(PermissionDenied):
        _merge(hive, as_bob, number)  # the author, not an owner
    merged = _merge(hive, as_alice, number)
    seen = _seen(hive, number)
    assert (seen.state, seen.merged_commit, seen.mergeable) == ("merged", merged, False)
    assert _branches(hive) == {"main": merged, "bob/tweak": shas["bob/tweak"]}
    with transaction(hive.sessions) as session:
        head = repos.resolve(session, repos.get_by_full_name(session, None, "alice/net"), "main")
        assert head.parents == [shas["main"], shas["bob/tweak"]]
        assert head.message == "Merge request #1: tweak"
    with pytest.raises(Conflict):
        _merge(hive, as_alice, number)


def test_an_evaluated_request_merges_only_without_violations(
    hive: Hive, as_alice: Actor, as_bob: Actor, shas: dict[str, str]
) -> None:
    number = _open(hive, as_bob)

    def evaluated(violations: list[str]) -> None:
        """Record an outcome as the evaluation job does once it has compared both models."""

        def record(_: Session, __: ModelRepo, request: MergeRequest) -> None:
            request.evaluation_state, request.violations = "done", violations

        _on(hive, as_alice, number, record)

    evaluated(["predictive_accuracy: 0.61 is below 0.7"])
    assert not _seen(hive, number).mergeable
    with pytest.raises(Conflict) as raised:
        _merge(hive, as_alice, number)
    assert raised.value.detail == (
        "merge request 1 cannot be merged: predictive_accuracy: 0.61 is below 0.7"
    )
    assert _branches(hive)["main"] == shas["main"]
    evaluated([])
    assert _seen(hive, number).mergeable
    merged = _merge(hive, as_alice, number)
    assert _branches(hive)["main"] == merged


def test_rules_block_a_request_whose_model_cannot_be_evaluated(
    hive: Hive, as_alice: Actor, as_bob: Actor, run_jobs: Jobs
) -> None:
    make_repo(hive, as_alice, "net", rules=[{"measure": "predictive_accuracy", "min": 0.7}])
    main = push_tensors(hive, as_alice, "alice/net", seed=0)
    push_tensors(hive, as_bob, "alice/net", seed=1, branch="bob/tweak")
    number = _open(hive, as_bob)
    run_jobs()
    seen = _seen(hive, number)
    assert seen.evaluation_state == "not_applicable" and not seen.mergeable
    assert seen.violations == ["predictive_accuracy: cannot be evaluated for this model"]
    with pytest.raises(Conflict) as raised:
        _merge(hive, as_alice, number)
    assert "predictive_accuracy: cannot be evaluated" in raised.value.detail
    assert _branches(hive)["main"] == main


@pytest.mark.usefixtures("shas")
def test_a_target_that_moved_needs_a_fresh_evaluation_before_merging(
    hive: Hive,
    as_alice: Actor,
    as_bob: Actor,
    as_carol: Actor,
    run_jobs: Jobs,
) -> None:
    number = _open(hive, as_bob)
    run_jobs()
    moved = push_tensors(hive, as_alice, "alice/net", seed=6)
    with pytest.raises(Conflict, match="moved since the evaluation"):
        _merge(hive, as_alice, number)
    with pytest.raises(PermissionDenied):
        _refresh(hive, as_carol, number)
    _refresh(hive, as_bob, number)
    seen = _seen(hive, number)
    assert (seen.target_commit, seen.evaluation_state, seen.mergeable) == (moved, "pending", False)
    run_jobs()
    merged = _merge(hive, as_alice, number)
    assert _seen(hive, number).merged_commit == merged
    assert _branches(hive)["main"] == merged


@pytest.mark.usefixtures("shas")
def test_a_request_opened_meanwhile_on_the_same_repository_takes_the_next_number(
    hive: Hive, as_bob: Actor, as_carol: Actor
) -> None:
    push_tensors(hive, as_carol, "alice/net", seed=7, branch="carol/idea")

    def carols(other: Session) -> int:
        return _open_in(other, as_carol, "alice/net", {"source_branch": "carol/idea"}).number

    with (
        transaction(hive.sessions) as session,
        interleave(session, hive, reading=MergeRequest, then=carols) as rivals,
    ):
        mine = _open_in(session, as_bob, "alice/net", {}).number
    assert (rivals, mine) == ([1], 2)
