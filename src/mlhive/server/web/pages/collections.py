"""Benchmark suites (a task x flow matrix of best scores) and studies (their runs)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments import measure_names
from mlhive.server.http.deps import HiveDep, read
from mlhive.server.http.params import ObjectId
from mlhive.server.services.automl import suite_runs
from mlhive.server.services.experiments import evaluations, insights, runs, studies, tasks
from mlhive.server.web import charts
from mlhive.server.web.pages.discussions import section
from mlhive.server.web.pages.experiment_views import PAGE_SIZE, href, measure_title, readable_flow
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import Viewer, ViewerDep
from mlhive.server.wiring import Hive

router = pages(tags=["pages"])
LISTED = 200
SUITE_TASKS = 200
SUITE_FLOWS = 25
SUITE_RUNS = 10


def _listing(
    request: Request, hive: Hive, who: Viewer, kind: Literal["suite", "study"]
) -> HTMLResponse:
    with read(hive) as session:
        listed = studies.list_all(session, who.actor, kind, None, limit=LISTED)
        found = [studies.describe(session, c, who.actor) for c in listed]
    title = "Benchmark suites" if kind == "suite" else "Studies"
    context = {"title": title, "kind": kind, "items": found, "listed": LISTED}
    return page(request, "experiments/collections.html", context)


@router.get("/suites", response_class=HTMLResponse)
def suite_list(request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """Every suite the viewer may see."""
    return _listing(request, hive, who, "suite")


@router.get("/studies", response_class=HTMLResponse)
def study_list(request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """Every study the viewer may see."""
    return _listing(request, hive, who, "study")


@router.get("/suites/{ref}", response_class=HTMLResponse)
def suite_page(
    ref: str,
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    measure: Annotated[str | None, Query(max_length=64)] = None,
    sort: Annotated[str | None, Query(max_length=20, pattern=r"^(task|\d{1,18})$")] = None,
) -> HTMLResponse:
    """A suite: the best score of every flow on every task, as a heat map and a table."""
    with read(hive) as session:
        suite = studies.describe(session, studies.get(session, who.actor, "suite", ref), who.actor)
        ids = tuple(suite.task_ids[:SUITE_TASKS])
        query = tasks.TaskQuery(ids=ids, status=None, limit=max(len(ids), 1))
        shown = [tasks.describe(t, []) for t in tasks.list_page(session, query, who.actor)[0]]
        chosen = _suite_measure(sorted({t.task_type for t in shown}), measure)
        cells = insights.best_by_task_and_flow(session, who.actor, [t.id for t in shown], chosen)
        hive_runs = (
            [
                suite_runs.describe(session, row)
                for row in suite_runs.list_for(session, who.actor, suite.id, limit=SUITE_RUNS)
            ]
            if who.actor is not None
            else []
        )
    better = evaluations.higher_is_better(chosen)
    task_label = {t.id: f"{t.dataset_name} (task {t.id})" for t in shown}
    coverage: dict[int, int] = {}
    for cell in cells:
        coverage[cell.flow_id] = coverage.get(cell.flow_id, 0) + 1
    flow_ids = sorted(coverage, key=lambda f: (-coverage[f], f))[:SUITE_FLOWS]
    flow_label = {c.flow_id: readable_flow(c.flow_name, 40) for c in cells}
    grid = {(c.task_id, c.flow_id): c.value for c in cells}
    rows = [t.id for t in shown]
    if sort is not None and sort != "task":
        rows = _sorted_by_flow(rows, grid, int(sort), better)
    chart_rows = [
        {"task": task_label[c.task_id], "flow": flow_label[c.flow_id], "value": c.value}
        for c in cells
        if c.flow_id in flow_ids
    ]
    spec = charts.heat_map(
        f"Best {measure_title(chosen)} per task and flow",
        chart_rows,
        x="flow",
        y="task",
        value="value",
        x_title="Flow",
        y_title="Task",
        value_title=measure_title(chosen),
        reverse=not better,
    )
    context = {
        "title": suite.name,
        "suite": suite,
        "tasks": shown,
        "rows": rows,
        "task_label": task_label,
        "flow_ids": flow_ids,
        "flow_label": flow_label,
        "grid": grid,
        "measure": chosen,
        "measures": sorted({m for t in shown for m in measure_names.scalar_measures(t.task_type)}),
        "better": better,
        "sort": sort or "task",
        "chart": spec if chart_rows else None,
        "measure_title": measure_title,
        "capped": len(suite.task_ids) > SUITE_TASKS or len(coverage) > SUITE_FLOWS,
        "discussions": section(hive, who, "suite", suite.id),
        "suite_runs": hive_runs,
    }
    return page(request, "experiments/suite.html", context)


def _sorted_by_flow(
    rows: list[int], grid: dict[tuple[int, int], float], flow_id: int, better: bool
) -> list[int]:
    """Tasks by one flow's score, best first; tasks the flow has no score on last."""

    def key(task_id: int) -> tuple[int, float, int]:
        value = grid.get((task_id, flow_id))
        if value is None:
            return (1, 0.0, task_id)
        return (0, -value if better else value, task_id)

    return sorted(rows, key=key)


def _suite_measure(task_types: list[str], measure: str | None) -> str:
    if not task_types:
        return measure or "predictive_accuracy"
    if measure is None:
        return measure_names.default_measure(task_types[0])
    valid = sorted({m for t in task_types for m in measure_names.scalar_measures(t)})
    if measure not in valid:
        raise InvalidInput(
            f"measure: {measure!r} is not a measure of this suite's tasks; use one of "
            + ", ".join(valid),
            field="measure",
        )
    return measure


@router.get("/studies/{ref}", response_class=HTMLResponse)
def study_page(
    ref: str,
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    after: ObjectId | None = None,
) -> HTMLResponse:
    """A study: what it is about and its runs, a page at a time."""
    with read(hive) as session:
        collection = studies.get(session, who.actor, "study", ref)
        study = studies.describe(session, collection, who.actor)
        found = runs.summaries(
            session,
            runs.RunQuery(study_id=collection.id, limit=PAGE_SIZE, cursor=after),
            who.actor,
        )
        scores = insights.headline_scores(session, [r.id for r in found.items])
    base = f"/studies/{ref}"
    context = {
        "title": study.name,
        "study": study,
        "runs": found.items,
        "scores": scores,
        "names": {r.flow_id: readable_flow(r.flow_name, 60) for r in found.items},
        "measure_title": measure_title,
        "next_href": href(base, after=found.next_cursor) if found.next_cursor else None,
        "first_href": base if after is not None else None,
        "discussions": section(hive, who, "study", study.id),
    }
    return page(request, "experiments/study.html", context)
