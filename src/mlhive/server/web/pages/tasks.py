"""Task pages: the list, and one task with its splits, leaderboard and score chart."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mlhive.server.domain.experiments import measure_names
from mlhive.server.http.deps import HiveDep, read
from mlhive.server.http.params import ObjectId
from mlhive.server.services.experiments import evaluations, insights, tasks
from mlhive.server.web import charts
from mlhive.server.web.pages import calls
from mlhive.server.web.pages.discussions import section
from mlhive.server.web.pages.experiment_views import (
    CHART_RUNS,
    PAGE_SIZE,
    href,
    measure_title,
    readable_flow,
    spread_rows,
)
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import ViewerDep
from mlhive.wire.tasks import TaskType

router = pages(tags=["pages"])
Tag = Annotated[str | None, Query(max_length=64)]


@router.get("/tasks", response_class=HTMLResponse)
def task_list(
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    type: TaskType | None = None,
    dataset: ObjectId | None = None,
    tag: Tag = None,
    after: ObjectId | None = None,
) -> HTMLResponse:
    """Tasks by id, filtered by type, dataset or tag, a page at a time."""
    query = tasks.TaskQuery(
        task_type=type, dataset_id=dataset, tag=tag or None, limit=PAGE_SIZE, cursor=after
    )
    with read(hive) as session:
        rows, next_id = tasks.list_page(session, query, who.actor)
        tags = tasks.tags_of(session, [t.id for t in rows])
        items = [tasks.describe(t, tags[t.id]) for t in rows]
    filters = {"type": type, "dataset": dataset, "tag": tag}
    context = {
        "title": "Tasks",
        "tasks": items,
        "filters": filters,
        "types": [
            "supervised_classification",
            "supervised_regression",
            "learning_curve",
            "clustering",
        ],
        "next_href": href("/tasks", **filters, after=next_id) if next_id else None,
        "first_href": href("/tasks", **filters) if after is not None else None,
    }
    return page(request, "experiments/tasks.html", context)


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def task_page(
    task_id: ObjectId,
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    measure: Annotated[str | None, Query(max_length=64)] = None,
    reproduced: bool = False,
) -> HTMLResponse:
    """A task: its data and procedure, split sizes, the best run per flow (optionally only
    reproduced runs) and every run's score."""
    with read(hive) as session:
        task = tasks.get(session, who.actor, task_id)
        out = tasks.describe(task, tasks.tags_of(session, [task.id])[task.id])
        chosen = measure_names.checked_measure(task.task_type, measure)
        board = evaluations.leaderboard(
            session, who.actor, task.id, chosen, limit=100, reproduced=reproduced
        )
        scored, _ = evaluations.list_page(
            session,
            evaluations.EvaluationQuery(
                measure=chosen,
                task_ids=(task.id,),
                sort="desc" if board.higher_is_better else "asc",
                per_fold=True,
                limit=CHART_RUNS,
            ),
            who.actor,
        )
        splits = insights.split_summary(session, hive.store, who.actor, task.id)
    rows = spread_rows(scored)
    spec = charts.dots_with_spread(
        f"Every run's {measure_title(chosen)}",
        rows,
        group="flow",
        value="value",
        low="low",
        high="high",
        item="run",
        group_title="Flow",
        value_title=measure_title(chosen),
        item_title="run",
    )
    context = {
        "title": f"Task {out.id}: {out.dataset_name}",
        "task": out,
        "measure": chosen,
        "measures": measure_names.scalar_measures(task.task_type),
        "board": board,
        "names": {e.flow_id: readable_flow(e.flow_name) for e in board.entries},
        "chart": spec if rows else None,
        "charted": len(rows),
        "chart_cap": CHART_RUNS,
        "splits": splits,
        "measure_title": measure_title,
        "discussions": section(hive, who, "task", task_id),
        "open_calls": calls.section(hive, who, "task", task_id),
    }
    return page(request, "experiments/task.html", context)
