"""The commit log: newest first, only what the ref reaches, cut at the limit."""

from __future__ import annotations

from sqlalchemy import event

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.forge import ModelCommit
from mlhive.server.domain.access import Actor
from mlhive.server.services.forge import commits, repos
from mlhive.server.wiring import Hive
from tests.factories import make_repo, push_tensors


def _log(hive: Hive, actor: Actor, ref: str, limit: int) -> list[str]:
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, actor, "alice/net")
        return [c.sha for c in commits.log(session, repo, ref, limit)]


def test_the_log_follows_the_ref_newest_first_and_stops_at_the_limit(
    hive: Hive, as_alice: Actor
) -> None:
    make_repo(hive, as_alice, "net")
    main = [push_tensors(hive, as_alice, "alice/net", seed=i) for i in range(5)]
    side = push_tensors(hive, as_alice, "alice/net", seed=9, branch="side")
    assert _log(hive, as_alice, "main", 50) == main[::-1]
    assert _log(hive, as_alice, "main", 2) == main[:2:-1][:2]
    assert _log(hive, as_alice, "side", 3) == [side, main[-1], main[-2]]


def test_a_short_page_of_a_long_history_loads_only_what_it_shows(
    hive: Hive, as_alice: Actor
) -> None:
    make_repo(hive, as_alice, "net")
    for i in range(40):
        push_tensors(hive, as_alice, "alice/net", seed=i)
    loaded: list[str] = []

    def count(row: ModelCommit, context: object) -> None:
        loaded.append(row.sha)

    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, as_alice, "alice/net")
        event.listen(ModelCommit, "load", count)
        try:
            assert len(commits.log(session, repo, "main", 3)) == 3
        finally:
            event.remove(ModelCommit, "load", count)
    # The three shown and the parent waiting next: never the whole history of 40.
    assert len(loaded) <= 5
