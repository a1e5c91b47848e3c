"""Run pages: the list, runs side by side, and one run with its scores, setup, flow and
predictions (a confusion matrix or a predicted-vs-true sample)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments import measure_names
from mlhive.server.http.deps import HiveDep, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services.automl import reproductions
from mlhive.server.services.experiments import flows, insights, runs, scoring, tasks
from mlhive.server.web import charts
from mlhive.server.web.pages.discussions import section
from mlhive.server.web.pages.experiment_views import (
    PAGE_SIZE,
    fold_rows,
    folds_of,
    href,
    measure_title,
    readable_flow,
    short_name,
)
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import FormActor, ViewerDep
from mlhive.wire.reproductions import ReproductionCreate
from mlhive.wire.runs import RunOut

router = pages(tags=["pages"])
Measure = Annotated[str | None, Query(max_length=64)]
FOLD_COLUMNS = 20
REPRODUCTIONS = 20


@router.get("/runs", response_class=HTMLResponse)
def run_list(
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    task: ObjectId | None = None,
    flow: ObjectId | None = None,
    uploader: Annotated[str | None, Query(max_length=64)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    after: ObjectId | None = None,
) -> HTMLResponse:
    """Runs by id, newest last, filtered by task, flow, uploader or tag, a page at a time."""
    query = runs.RunQuery(
        task_ids=(task,) if task is not None else (),
        flow_ids=(flow,) if flow is not None else (),
        uploader=uploader or None,
        tag=tag or None,
        limit=PAGE_SIZE,
        cursor=after,
    )
    with read(hive) as session:
        found = runs.summaries(session, query, who.actor)
        scores = insights.headline_scores(session, [r.id for r in found.items])
    filters = {"task": task, "flow": flow, "uploader": uploader, "tag": tag}
    context = {
        "title": "Runs",
        "runs": found.items,
        "scores": scores,
        "names": {r.flow_id: readable_flow(r.flow_name) for r in found.items},
        "filters": filters,
        "measure_title": measure_title,
        "next_href": href("/runs", **filters, after=found.next_cursor)
        if found.next_cursor
        else None,
        "first_href": href("/runs", **filters) if after is not None else None,
    }
    return page(request, "experiments/runs.html", context)


@router.get("/runs/compare", response_class=HTMLResponse)
def compare(
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    run: Annotated[list[ObjectId], Query(max_length=50)] = [],  # noqa: B006 - FastAPI copies it
    measure: Measure = None,
) -> HTMLResponse:
    """Two to ten runs side by side: parameters (differences marked), measures, folds."""
    with read(hive) as session:
        found = insights.compare(session, who.actor, run, measure)
    rows = [row for r in found.runs for row in fold_rows(f"run {r.id}", found.per_fold.get(r.id))]
    spec = charts.lines_by_step(
        f"{measure_title(found.measure)} per fold",
        rows,
        step="fold",
        value="value",
        series="series",
        step_title="Fold",
        value_title=measure_title(found.measure),
        series_title="Run",
    )
    context = {
        "title": "Compare runs " + ", ".join(str(r.id) for r in found.runs),
        "cmp": found,
        "names": {r.flow_id: readable_flow(r.flow_name) for r in found.runs},
        "chart": spec if rows else None,
        "measure_title": measure_title,
        "differing": sum(1 for p in found.parameters if p.differs),
    }
    return page(request, "experiments/compare.html", context)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: ObjectId, request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """A run: its task, flow, setup, scores per fold and what its predictions look like."""
    with read(hive) as session:
        found = runs.get(session, who.actor, run_id)
        out = scoring.describe(session, found)
        task = tasks.get(session, who.actor, out.task_id)
        task_out = tasks.describe(task, [])
        flow = flows.describe(session, flows.get(session, out.flow_id))
        setup = flows.setup_view(session, out.setup_id)
        matrix = insights.confusion(session, hive.store, who.actor, run_id)
        pairs = insights.scatter(session, hive.store, who.actor, run_id)
        repros = [
            reproductions.describe(session, row)
            for row in reproductions.list_for(session, who.actor, run_id)[:REPRODUCTIONS]
        ]
    headline = measure_names.default_measure(task.task_type)
    context: dict[str, Any] = {
        "title": f"Run {out.id}",
        "run": out,
        "task": task_out,
        "flow": flow,
        "flow_label": readable_flow(out.flow_name),
        "setup": setup,
        "scores": _score_rows(out),
        "fold_count": _fold_count(out),
        "fold_columns": FOLD_COLUMNS,
        "fold_chart": _fold_chart(out, headline),
        "confusion": _confusion_chart(matrix) if matrix else None,
        "matrix": matrix,
        "scatter": _scatter_chart(pairs) if pairs and pairs.points else None,
        "scatter_info": pairs,
        "measure_title": measure_title,
        "short_name": short_name,
        "discussions": section(hive, who, "run", run_id),
        "reproductions": repros,
        "reproductions_shown": REPRODUCTIONS,
    }
    return page(request, "experiments/run.html", context)


@router.post("/runs/{run_id}/reproductions")
def reproduce(
    run_id: ObjectId,
    actor: FormActor,
    hive: HiveDep,
    tolerance: Annotated[str, Form(max_length=32)] = "",
) -> RedirectResponse:
    """Ask the server to reproduce the run (anyone signed in who can see it)."""
    try:
        body = ReproductionCreate.model_validate(
            {"tolerance": tolerance.strip() or None}, strict=False
        )
    except ValidationError as exc:
        message = exc.errors()[0]["msg"]
        raise InvalidInput(
            f"tolerance: {message}; give a number such as 1e-6, or leave it empty for 1e-9",
            field="tolerance",
        ) from None
    with write(hive) as session:
        reproductions.request(session, actor, run_id, body)
    return RedirectResponse(f"/runs/{run_id}#reproductions", status_code=303)


def _score_rows(run: RunOut) -> list[dict[str, Any]]:
    return [
        {
            "measure": e.measure,
            "value": e.value,
            "stdev": e.stdev,
            "folds": [v for repeat in e.per_fold or [] for v in repeat],
        }
        for e in run.evaluations
        if e.array_data is None or e.value is not None
    ]


def _fold_count(run: RunOut) -> int:
    return max((len(folds_of(e.per_fold)) for e in run.evaluations), default=0)


def _fold_chart(run: RunOut, measure: str) -> dict[str, Any] | None:
    chosen = next((e for e in run.evaluations if e.measure == measure), None)
    rows = fold_rows(f"run {run.id}", chosen.per_fold if chosen else None)
    if not rows:
        return None
    return charts.lines_by_step(
        f"{measure_title(measure)} per fold",
        rows,
        step="fold",
        value="value",
        series="series",
        step_title="Fold",
        value_title=measure_title(measure),
        series_title="Run",
        height=160,
    )


def _confusion_chart(matrix: insights.Confusion) -> dict[str, Any]:
    rows = [
        {"truth": truth, "predicted": predicted, "count": count}
        for truth, counts in zip(matrix.labels, matrix.counts, strict=True)
        for predicted, count in zip(matrix.labels, counts, strict=True)
    ]
    return charts.heat_map(
        "Confusion matrix",
        rows,
        x="predicted",
        y="truth",
        value="count",
        x_title="Predicted class",
        y_title="True class",
        value_title="Test rows",
    )


def _scatter_chart(pairs: insights.Scatter) -> dict[str, Any]:
    rows = [{"truth": t, "predicted": p} for t, p in pairs.points]
    return charts.true_vs_predicted(
        "Predicted against true values",
        rows,
        truth="truth",
        predicted="predicted",
        truth_title="True value",
        predicted_title="Predicted value",
    )
