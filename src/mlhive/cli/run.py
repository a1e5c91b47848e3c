"""``mlhive run`` (list and describe runs) and ``mlhive leaderboard``.

Examples::

    mlhive run ls --task 1 --uploader alice
    mlhive run get 12 --json
    mlhive leaderboard 1 --measure area_under_roc_curve
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

import typer

from mlhive.cli._common import (
    ApiKeyOption,
    JsonOption,
    UrlOption,
    cli_errors,
    client_from_options,
    print_json,
    print_models,
    print_table,
)

app = typer.Typer(help="Find and inspect runs.", no_args_is_help=True, add_completion=False)

LIST_COLUMNS = ["id", "task", "flow", "setup", "uploader", "state", "tags"]
BOARD_COLUMNS = ["rank", "flow", "run", "value", "uploader"]
_DOTTED = re.compile(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)")


def short_flow_name(name: str) -> str:
    """A flow name without module paths, to keep tables readable (``--json`` has the full name).

    Example:
        >>> short_flow_name("sklearn.pipeline.Pipeline(clf=sklearn.svm._classes.SVC)")
        'Pipeline(clf=SVC)'
    """
    return _DOTTED.sub(r"\1", name)


@app.command("ls")
def ls(
    task: Annotated[list[int] | None, typer.Option("--task", help="Task id (repeatable).")] = None,
    flow: Annotated[list[int] | None, typer.Option("--flow", help="Flow id (repeatable).")] = None,
    setup: Annotated[
        list[int] | None, typer.Option("--setup", help="Setup id (repeatable).")
    ] = None,
    uploader: Annotated[str | None, typer.Option(help="Uploader's user name.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only runs with this tag.")] = None,
    study: Annotated[int | None, typer.Option(help="Only runs in this study.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 100,
    as_json: JsonOption = False,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """List runs, oldest first (a table, or one JSON object per line with --json)."""
    with cli_errors(), client_from_options(url, api_key) as client:
        runs = client.runs.iter_runs(
            task=task, flow=flow, setup=setup, uploader=uploader, tag=tag, study=study, limit=limit
        )
        print_models(
            runs,
            LIST_COLUMNS,
            as_json=as_json,
            row=lambda r: {
                "task": r.task_id,
                "flow": f"{short_flow_name(r.flow_name)} ({r.flow_id})",
                "setup": r.setup_id,
            },
        )


@app.command("get")
def get(
    run_id: Annotated[int, typer.Argument(metavar="ID", help="Run id.")],
    as_json: JsonOption = False,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Show a run: its description, then the server's evaluations."""
    with cli_errors(), client_from_options(url, api_key) as client:
        run = client.runs.get(run_id)
        info = run.to_dict()
        if as_json:
            print_json(info)
            return
        skipped = {"evaluations", "parameter_settings", "fold_timings"}
        fields = [{"field": k, "value": v} for k, v in info.items() if k not in skipped]
        print_table(
            fields, ["field", "value"], title=f"run {run.id}: {short_flow_name(run.flow_name)}"
        )
        scores = [
            {"measure": e["measure"], "value": _value(e["value"], e["stdev"])}
            for e in info["evaluations"]
        ]
        if scores:
            print_table(scores, ["measure", "value"])


def _value(value: float | None, stdev: float | None) -> str:
    if value is None:
        return ""
    if stdev is None or math.isnan(stdev):
        return f"{value:.4f}"
    return f"{value:.4f} ± {stdev:.4f}"


def leaderboard(
    task_id: Annotated[int, typer.Argument(metavar="TASK", help="Task id.")],
    measure: Annotated[str, typer.Option(help="The measure to rank by.")] = "predictive_accuracy",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Show at most this many.")] = 100,
    as_json: JsonOption = False,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Show the best run of each flow on a task, best first."""
    with cli_errors(), client_from_options(url, api_key) as client:
        board = client.tasks.get_leaderboard(task_id, measure=measure, limit=limit)
        if as_json:
            for entry in board.entries:
                print_json(entry.model_dump(mode="json"))
            return
        rows: list[dict[str, Any]] = [
            {
                "rank": e.rank,
                "flow": f"{short_flow_name(e.flow_name)} ({e.flow_id})",
                "run": e.run_id,
                "value": _value(e.value, e.stdev),
                "uploader": e.uploader,
            }
            for e in board.entries
        ]
        direction = "higher" if board.higher_is_better else "lower"
        title = f"task {task_id}: {measure} ({direction} is better)"
        print_table(rows, BOARD_COLUMNS, title=title)
