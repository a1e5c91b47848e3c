"""Fair claims (#15 finding 4): one user with many queued jobs cannot starve the others."""

from __future__ import annotations

from mlhive.server.db.engine import transaction
from mlhive.server.jobs import queue
from mlhive.server.wiring import Hive

ALICE, BOB, CAROL = 1, 2, 3


def _enqueue(hive: Hive, owner: int | None, n: int = 1) -> list[int]:
    with transaction(hive.sessions) as session:
        return [queue.enqueue(session, "echo", {}, owner=owner).id for _ in range(n)]


def _claim(hive: Hive, worker: str = "w1") -> tuple[int, int | None]:
    with transaction(hive.sessions) as session:
        job = queue.claim(session, worker, lease_seconds=600)
        assert job is not None
        return job.id, job.owner


def _finish(hive: Hive, job_id: int, worker: str = "w1") -> None:
    with transaction(hive.sessions) as session:
        assert queue.finish(session, job_id, worker)


def test_b_s_one_job_is_claimed_second_after_a_s_five(hive: Hive) -> None:
    a_jobs = _enqueue(hive, ALICE, 5)
    (b_job,) = _enqueue(hive, BOB)
    order = []
    for _ in range(6):
        job_id, _owner = _claim(hive)
        _finish(hive, job_id)
        order.append(job_id)
    assert order == [a_jobs[0], b_job, *a_jobs[1:]]


def test_an_owner_with_a_job_running_waits_for_the_others(hive: Hive) -> None:
    _enqueue(hive, ALICE, 3)
    _enqueue(hive, BOB, 2)
    assert _claim(hive, "w1")[1] == ALICE  # oldest job first when nobody was served yet
    assert _claim(hive, "w2")[1] == BOB  # Alice has one running: Bob's turn
    first_carol = _enqueue(hive, CAROL)[0]
    assert _claim(hive, "w3") == (first_carol, CAROL)  # never served, nothing running
    assert _claim(hive, "w4")[1] == ALICE  # all have one running; Alice's last start is oldest


def test_jobs_without_an_owner_take_one_turn_like_a_user(hive: Hive) -> None:
    server = _enqueue(hive, None, 2)
    (alice,) = _enqueue(hive, ALICE)
    first, _ = _claim(hive)
    _finish(hive, first)
    second, _ = _claim(hive)
    assert (first, second) == (server[0], alice)
