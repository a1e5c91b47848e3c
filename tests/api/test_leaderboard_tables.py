"""Leaderboards read from the best rows kept as evaluations land and go, and evaluation lists
answered from rows straight to JSON: both say exactly what the full computation over every
run says (ties, lower-is-better measures, runs without a value, deletions, re-evaluations,
private tasks), in the same JSON as the wire models."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select

from mlhive.server.db.engine import transaction
from mlhive.server.db.migrate import alembic_config, upgrade
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.experiments import (
    Evaluation,
    Flow,
    LeaderboardBest,
    Run,
    Setup,
    Task,
)
from mlhive.server.services.experiments import insights, leaderboards, scoring
from mlhive.server.wiring import Hive
from mlhive.wire.runs import EvaluationOut, EvaluationPage
from tests.api.experiments import upload_flow
from tests.conftest import UserKey
from tests.factories import actor_of
from tests.web.experiment_data import classification_setup

# Few distinct values, so that ties within and across flows and setups are common.
ACCURACIES = (0.5, 0.75, 0.75, 0.9, None, 0.5, 0.9, 0.625)
LOSSES = (0.25, 0.125, 0.25, None, 0.5, 0.125, 1.0, 0.25)


def strict(raw: str | bytes) -> Any:
    """Parsed JSON in which 1 and 1.0 differ (a float field must stay a float)."""
    return json.loads(raw, parse_int=lambda s: ("int", int(s)), parse_float=lambda s: float(s))


def _results(accuracy: float | None, loss: float | None) -> dict[str, dict[str, Any]]:
    def measure(value: float | None) -> dict[str, Any]:
        per_fold = None if value is None else [[value, value]]
        return {
            "value": value,
            "stdev": None if value is None else 0.0,
            "per_fold": per_fold,
            "per_sample": None,
            "curve": None,
            "array_data": None,
        }

    return {"predictive_accuracy": measure(accuracy), "log_loss": measure(loss)}


def _score(
    hive: Hive, task_id: int, flow_id: int, setup_id: int, uploader_id: int, values: Any
) -> int:
    """A run scored through the server's own write path (``store_evaluations``)."""
    with transaction(hive.sessions) as session:
        run = Run(task_id=task_id, flow_id=flow_id, setup_id=setup_id, uploader_id=uploader_id)
        session.add(run)
        session.flush()
        spec = scoring.ScoringSpec(
            predictions_sha256="",
            splits_sha256="",
            data_sha256="",
            task_type="supervised_classification",
            target=None,
            class_labels=None,
            task_id=task_id,
            flow_id=flow_id,
            setup_id=setup_id,
            uploader_id=uploader_id,
        )
        scoring.store_evaluations(session, run.id, spec, _results(*values))
        return run.id


@pytest.fixture
def world(
    hive: Hive, http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> dict[str, Any]:
    """A public task with two real runs and many scored ones over three flows (two setups
    each), by two uploaders, and a private task of alice's with a run."""
    made = classification_setup(http, alice, run_jobs, accuracies=(0.8, 0.6))
    hidden = classification_setup(
        http, alice, run_jobs, visibility="private", accuracies=(0.7,), flow_name="test.Hidden"
    )
    flows = [*made["flows"], upload_flow(http, bob, name="test.Third")["id"]]
    users = [actor_of(hive, alice).id, actor_of(hive, bob).id]
    with transaction(hive.sessions) as session:
        setups = []
        for flow_id in flows:
            for n in range(2):
                setup = Setup(flow_id=flow_id, signature=f"leaderboard-test-{flow_id}-{n}")
                session.add(setup)
                session.flush()
                setups.append((flow_id, setup.id))
    scored = []
    for i in range(24):
        flow_id, setup_id = setups[i % len(setups)]
        values = (ACCURACIES[i % len(ACCURACIES)], LOSSES[(i * 3) % len(LOSSES)])
        scored.append(_score(hive, made["task"], flow_id, setup_id, users[i % 2], values))
    return {"task": made["task"], "private": hidden["task"], "scored": scored, "setups": setups}


def expected_board(
    hive: Hive, task_id: int, measure: str, by: str, limit: int = 100
) -> list[dict[str, Any]]:
    """The leaderboard computed in Python from every evaluation of the task."""
    higher = leaderboards.higher_is_better(measure)
    with transaction(hive.sessions) as session:
        rows = session.execute(
            select(Evaluation, User.name)
            .join(User, User.id == Evaluation.uploader_id)
            .where(Evaluation.task_id == task_id, Evaluation.measure == measure)
        ).all()
        flow_names = dict(
            session.execute(
                select(Run.id, Flow.name)
                .join(Flow, Flow.id == Run.flow_id)
                .where(Run.task_id == task_id)
            ).all()
        )
        groups: dict[int, list[tuple[Evaluation, str]]] = {}
        for evaluation, uploader in rows:
            if evaluation.value is not None:
                key = evaluation.flow_id if by == "flow" else evaluation.setup_id
                groups.setdefault(key, []).append((evaluation, uploader))
        bests = []
        for members in groups.values():
            best, uploader = min(
                members, key=lambda m: (-m[0].value if higher else m[0].value, m[0].run_id)
            )
            bests.append((best, uploader, len(members)))
        bests.sort(key=lambda b: (-b[0].value if higher else b[0].value, b[0].run_id))
        return [
            {
                "rank": rank,
                "flow_id": best.flow_id,
                "flow_name": flow_names[best.run_id],
                "run_id": best.run_id,
                "setup_id": best.setup_id,
                "uploader": uploader,
                "value": best.value,
                "stdev": best.stdev,
                "runs_of_flow": count,
            }
            for rank, (best, uploader, count) in enumerate(bests[:limit], start=1)
        ]


def expected_page(
    hive: Hive, run_ids: list[int] | None, measure: str, per_fold: bool
) -> list[dict[str, Any]]:
    """Evaluations as the wire model says them (what the route answered before rows went
    straight to JSON), sorted by value then run, best last."""
    with transaction(hive.sessions) as session:
        stmt = select(Evaluation, Run, Task).join(Run, Run.id == Evaluation.run_id)
        stmt = stmt.join(Task, Task.id == Run.task_id).where(Evaluation.measure == measure)
        if run_ids is not None:
            stmt = stmt.where(Evaluation.run_id.in_(run_ids))
        items = [
            EvaluationOut(
                run_id=e.run_id,
                task_id=e.task_id,
                flow_id=e.flow_id,
                setup_id=e.setup_id,
                flow_name=run.flow.name,
                dataset_id=task.dataset_id,
                uploader=run.uploader.name,
                upload_time=run.upload_time,
                measure=e.measure,
                value=e.value,
                stdev=e.stdev,
                array_data=e.array_data,
                per_fold=e.per_fold if per_fold else None,
                per_sample=e.per_sample if per_fold else None,
                curve=e.curve,
            )
            for e, run, task in session.execute(stmt).all()
            if e.value is not None
        ]
    items.sort(key=lambda item: (item.value, item.run_id))
    return items


def walk(http: TestClient, params: dict[str, Any], headers: dict[str, str]) -> list[Any]:
    """Every page of a list, following its cursors; each page checked against its model."""
    pages, cursor = [], None
    while True:
        answer = http.get("/api/evaluations", params={**params, "cursor": cursor}, headers=headers)
        assert answer.status_code == 200, answer.text
        EvaluationPage.model_validate_json(answer.content)  # the declared shape
        pages.append(strict(answer.content))
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return pages


def assert_boards(http: TestClient, hive: Hive, task_id: int) -> None:
    for measure in ("predictive_accuracy", "log_loss"):
        for by in ("flow", "setup"):
            for limit in (100, 2):
                board = http.get(
                    f"/api/tasks/{task_id}/leaderboard",
                    params={"measure": measure, "by": by, "limit": limit},
                ).json()
                assert board["by"] == by and board["measure"] == measure
                assert board["entries"] == expected_board(hive, task_id, measure, by, limit)


def test_leaderboards_match_the_full_computation_through_ties_and_both_directions(
    http: TestClient, hive: Hive, world: dict[str, Any]
) -> None:
    assert_boards(http, hive, world["task"])
    board = http.get(
        f"/api/tasks/{world['task']}/leaderboard", params={"measure": "log_loss"}
    ).json()
    assert board["higher_is_better"] is False
    values = [e["value"] for e in board["entries"]]
    assert values == sorted(values)  # lowest loss first
    ties = [e for e in board["entries"] if values.count(e["value"]) > 1]
    assert ties and [e["run_id"] for e in ties] == sorted(e["run_id"] for e in ties)
    # The suite pages' table of best scores per task and flow reads the same rows.
    for measure in ("predictive_accuracy", "log_loss"):
        with transaction(hive.sessions) as session:
            cells = insights.best_by_task_and_flow(session, None, [world["task"]], measure)
        expected = sorted(
            (world["task"], e["flow_id"], e["flow_name"], e["value"])
            for e in expected_board(hive, world["task"], measure, "flow")
        )
        assert [(c.task_id, c.flow_id, c.flow_name, c.value) for c in cells] == expected


def test_deleting_and_rescoring_runs_moves_the_best_rows(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, world: dict[str, Any]
) -> None:
    board = http.get(f"/api/tasks/{world['task']}/leaderboard").json()
    leader = board["entries"][0]
    owner = alice if leader["uploader"] == "alice" else bob
    assert http.delete(f"/api/runs/{leader['run_id']}", headers=owner.headers).status_code == 204
    after = http.get(f"/api/tasks/{world['task']}/leaderboard").json()
    assert leader["run_id"] not in [e["run_id"] for e in after["entries"]]
    assert_boards(http, hive, world["task"])
    # A rescored run takes its new values (here the worst accuracy, then the best).
    victim = next(r for r in world["scored"] if r != leader["run_id"])
    with transaction(hive.sessions) as session:
        run = session.get_one(Run, victim)
        spec = scoring.ScoringSpec(
            "", "", "", "supervised_classification", None, None,
            run.task_id, run.flow_id, run.setup_id, run.uploader_id,
        )  # fmt: skip
    for values in ((0.0, 9.0), (1.0, 0.0)):
        with transaction(hive.sessions) as session:
            scoring.store_evaluations(session, victim, spec, _results(*values))
        assert_boards(http, hive, world["task"])
    top = http.get(f"/api/tasks/{world['task']}/leaderboard").json()["entries"][0]
    assert top["run_id"] == victim and top["value"] == 1.0
    # Deleting every run of a setup empties its rows.
    _, setup_id = world["setups"][0]
    with transaction(hive.sessions) as session:
        ids = session.scalars(select(Run.id).where(Run.setup_id == setup_id)).all()
        owners = {
            r.id: r.uploader.name for r in session.scalars(select(Run).where(Run.id.in_(ids)))
        }
    for run_id in ids:
        key = alice if owners[run_id] == "alice" else bob
        assert http.delete(f"/api/runs/{run_id}", headers=key.headers).status_code == 204
    per_setup = http.get(f"/api/tasks/{world['task']}/leaderboard", params={"by": "setup"}).json()
    assert setup_id not in [e["setup_id"] for e in per_setup["entries"]]
    assert_boards(http, hive, world["task"])
    with transaction(hive.sessions) as session:
        assert (
            session.scalar(
                select(LeaderboardBest.runs).where(
                    LeaderboardBest.grouped_by == "setup", LeaderboardBest.group_id == setup_id
                )
            )
            is None
        )


def test_the_kept_rows_are_what_a_rebuild_and_the_migration_make_from_the_evaluations(
    http: TestClient, hive: Hive, alice: UserKey, world: dict[str, Any]
) -> None:
    http.delete(f"/api/runs/{world['scored'][1]}", headers=alice.headers)

    def snapshot() -> list[tuple[Any, ...]]:
        with transaction(hive.sessions) as session:
            return [
                tuple(row)
                for row in session.execute(
                    select(
                        LeaderboardBest.task_id,
                        LeaderboardBest.measure,
                        LeaderboardBest.grouped_by,
                        LeaderboardBest.group_id,
                        LeaderboardBest.run_id,
                        LeaderboardBest.value,
                        LeaderboardBest.sort_key,
                        LeaderboardBest.runs,
                    ).order_by(
                        LeaderboardBest.task_id,
                        LeaderboardBest.measure,
                        LeaderboardBest.grouped_by,
                        LeaderboardBest.group_id,
                    )
                )
            ]

    kept = snapshot()
    assert len(kept) > 20
    with transaction(hive.sessions) as session:
        leaderboards.rebuild(session)
    assert snapshot() == kept
    config = alembic_config(hive.engine)
    command.downgrade(config, "0023")  # the table goes, the evaluations stay
    upgrade(hive.engine)  # ... and 0024 fills it from them
    assert snapshot() == kept


def test_evaluation_lists_say_what_the_wire_models_say_page_by_page(
    http: TestClient, hive: Hive, alice: UserKey, world: dict[str, Any]
) -> None:
    with transaction(hive.sessions) as session:
        public = session.scalars(select(Run.id).where(Run.task_id == world["task"])).all()
    for per_fold in (False, True):
        for measure in ("predictive_accuracy", "log_loss", "area_under_roc_curve"):
            expected = expected_page(hive, list(public), measure, per_fold)
            for sort, limit in (("desc", 5), ("asc", 3), ("desc", 1000)):
                params = {
                    "task": world["task"],
                    "measure": measure,
                    "sort": sort,
                    "limit": limit,
                    "per_fold": per_fold,
                }
                pages = walk(http, params, {})
                got = [item for page in pages for item in page["items"]]
                ordered = expected if sort == "asc" else expected[::-1]
                assert got == [strict(item.model_dump_json()) for item in ordered]
                assert all(len(page["items"]) <= limit for page in pages)
    # A real run's evaluations (confusion matrix, per-fold values) in run order, unsorted.
    answer = http.get(
        "/api/evaluations", params={"task": world["task"], "per_fold": True, "limit": 10_000}
    )
    listed = strict(answer.content)["items"]
    matrix = [e for e in listed if e["measure"] == "confusion_matrix"]
    assert matrix and all(
        isinstance(v, float) for e in matrix for row in e["array_data"] for v in row
    )
    assert [(e["run_id"], e["measure"]) for e in listed] == sorted(
        (e["run_id"], e["measure"]) for e in listed
    )


def test_private_tasks_keep_their_leaderboards_and_evaluations_to_those_who_may_see_them(
    http: TestClient,
    hive: Hive,
    alice: UserKey,
    bob: UserKey,
    admin: UserKey,
    world: dict[str, Any],
) -> None:
    url = f"/api/tasks/{world['private']}/leaderboard"
    assert http.get(url).status_code == 404
    assert http.get(url, headers=bob.headers).status_code == 404
    for who in (alice, admin):
        board = http.get(url, headers=who.headers).json()
        assert [e["flow_name"] for e in board["entries"]] == ["test.Hidden0"]
        assert board["entries"] == expected_board(
            hive, world["private"], "predictive_accuracy", "flow"
        )
    query = {"measure": "predictive_accuracy", "sort": "desc"}
    for who, sees in ((None, False), (bob, False), (alice, True), (admin, True)):
        headers = who.headers if who else {}
        mine = walk(http, {**query, "task": world["private"]}, headers)
        assert bool(mine[0]["items"]) is sees
        everything = [i for p in walk(http, query, headers) for i in p["items"]]
        tasks_seen = {i["task_id"][1] for i in everything}
        assert tasks_seen == ({world["task"], world["private"]} if sees else {world["task"]})
