"""A run two jobs score at once (a merge request's evaluation scores the runs it submits while
their queued scoring may already be running): the second scoring waits for the first, then
replaces its rows; neither fails and the run has one set of evaluations."""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mlhive.server.db.tables.experiments import Evaluation
from mlhive.server.services.experiments import scoring
from mlhive.server.wiring import Hive
from tests.api.experiments import one_of_each
from tests.conftest import UserKey


def test_two_scorings_of_a_run_at_once_store_it_once_and_neither_fails(
    http: TestClient, hive: Hive, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    run_id = one_of_each(http, alice, run_jobs)["run"]
    with hive.sessions() as session:  # both jobs read the run before either stored
        spec = scoring.read_spec(session, run_id)
    assert spec is not None
    results = scoring.compute(hive.store, spec)
    failures: list[BaseException] = []

    def late() -> None:
        try:
            with hive.sessions() as session, session.begin():
                scoring.store_evaluations(session, run_id, spec, results)
        except BaseException as exc:  # reported below, with the test's own assertion
            failures.append(exc)

    with hive.sessions() as session, session.begin():
        scoring.store_evaluations(session, run_id, spec, results)  # not committed yet
        second = threading.Thread(target=late)
        second.start()
        second.join(timeout=1)  # it waits for the first one's transaction
        assert second.is_alive()
    second.join(timeout=30)
    assert failures == []
    with hive.sessions() as session:
        count = session.scalar(
            select(func.count()).select_from(Evaluation).where(Evaluation.run_id == run_id)
        )
    assert count == len(results)
    run = http.get(f"/api/runs/{run_id}").json()
    assert run["state"] == "evaluated"
    assert {e["measure"] for e in run["evaluations"]} == set(results)
