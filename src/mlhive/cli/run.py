"""``mlhive run`` (list and describe runs) and ``mlhive leaderboard`` (examples: ``--help``)."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlhive.cli._common import (
    JsonOption,
    print_json,
    print_models,
    print_pairs,
    waiting,
    with_client,
)
from mlhive.wire.flows import short_flow_name

if TYPE_CHECKING:
    from mlhive.client import Client

EXAMPLES = """Examples:

  mlhive run ls --task 1 --uploader alice
  mlhive run get 12 --json
  mlhive run upload 1 predictions.csv --flow torch.MyNet --param lr=0.01 --wait
  mlhive leaderboard 1 --measure area_under_roc_curve
  mlhive leaderboard 1 --by setup
  mlhive run reproduce 12 --tolerance 1e-6
"""

app = typer.Typer(
    help="Find, inspect and upload runs.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
)

LIST_COLUMNS = ["id", "task", "flow", "setup", "uploader", "state", "value", "tags"]
BOARD_COLUMNS = ["rank", "value", "flow", "setup", "run", "uploader"]


class Group(StrEnum):
    """What a leaderboard ranks: the best run of each flow, or of each setup."""

    flow = "flow"
    setup = "setup"


@app.command("ls")
@with_client
def ls(
    client: Client,
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
) -> None:
    """List runs, oldest first, each with its score on its task's main measure (a table, or
    one JSON object per line with --json)."""
    runs = list(
        client.runs.iter_runs(
            task=task, flow=flow, setup=setup, uploader=uploader, tag=tag, study=study, limit=limit
        )
    )
    # One measure for all (the usual case) goes in the title, keeping the table narrow.
    measures = {r.measure for r in runs if r.measure}
    same = next(iter(measures)) if len(measures) == 1 else None
    print_models(
        runs,
        LIST_COLUMNS,
        as_json=as_json,
        row=lambda r: {
            "task": r.task_id,
            "flow": f"{short_flow_name(r.flow_name)} ({r.flow_id})",
            "setup": r.setup_id,
            "value": _value(r.value, None) + ("" if same or not r.measure else f" {r.measure}"),
        },
        title=f"value: {same}" if same else "",
        keep=("value",),
    )


@app.command("get")
@with_client
def get(
    client: Client,
    run_id: Annotated[int, typer.Argument(metavar="ID", help="Run id.")],
    as_json: JsonOption = False,
) -> None:
    """Show a run: its description, then the server's evaluations."""
    run = client.runs.get(run_id)
    info = run.to_dict()
    if as_json:
        print_json(info)
        return
    skipped = {"evaluations", "parameter_settings", "fold_timings"}
    fields = {k: v for k, v in info.items() if k not in skipped}
    print_pairs(fields, title=f"run {run.id}: {short_flow_name(run.flow_name)}")
    scores = {e["measure"]: _value(e["value"], e["stdev"]) for e in info["evaluations"]}
    print_pairs(scores, ("measure", "value"))


def _value(value: float | None, stdev: float | None) -> str:
    if value is None:
        return ""
    if stdev is None or math.isnan(stdev):
        return f"{value:.4f}"
    return f"{value:.4f} ± {stdev:.4f}"


@with_client
def leaderboard(
    client: Client,
    task_id: Annotated[int, typer.Argument(metavar="TASK", help="Task id.")],
    measure: Annotated[
        str | None, typer.Option(help="The measure to rank by (default: the task's main one).")
    ] = None,
    by: Annotated[Group, typer.Option(help="Best run per flow or per setup.")] = Group.flow,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Show at most this many.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """Show the best run of each flow (or setup) on a task, best first.

    An unknown measure is refused with the task's valid measures listed.
    """
    board = client.tasks.get_leaderboard(task_id, measure=measure, limit=limit, by=by.value)
    direction = "higher" if board.higher_is_better else "lower"
    print_models(
        board.entries,
        BOARD_COLUMNS,
        as_json=as_json,
        row=lambda e: {
            "flow": f"{short_flow_name(e.flow_name)} ({e.flow_id})",
            "setup": e.setup_id,
            "run": e.run_id,
            "value": _value(e.value, e.stdev),
        },
        title=f"task {task_id}: best run per {board.by}, {board.measure} ({direction} is better)",
        keep=("value",),
    )


app.command("show", help="Same as `get`: a run's description, then its evaluations.")(get)


HEADLINE = ("predictive_accuracy", "area_under_roc_curve", "root_mean_squared_error")


def _headline(scores: dict[str, float | None]) -> str:
    """The scores a person looks at first (the rest: `mlhive run get`)."""
    shown = [m for m in HEADLINE if m in scores] or sorted(scores)[:3]
    return ", ".join(f"{m} {_value(scores[m], None)}" for m in shown)


def _parameter(text: str) -> tuple[str, object]:
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise typer.BadParameter(f"{text!r}: write a parameter as NAME=VALUE, e.g. lr=0.01")
    try:
        value: object = json.loads(raw)  # numbers, true/false, null, [lists], {objects}
    except ValueError:
        value = raw  # anything else is text: --param optimiser=adam
    return name.strip(), value


@app.command("upload")
@with_client
def upload(
    client: Client,
    task_id: Annotated[int, typer.Argument(metavar="TASK", help="Task id.")],
    predictions: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="Predictions: .parquet, .csv or OpenML .arff."
        ),
    ],
    flow: Annotated[str, typer.Option(help="Name of the method, e.g. torch.ResNet18.")],
    param: Annotated[
        list[str] | None,
        typer.Option(help="A parameter value NAME=VALUE (JSON or text; repeat)."),
    ] = None,
    flow_version: Annotated[
        str | None, typer.Option(help="Flow version (default: from the parameter names).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A tag (repeat).")] = None,
    wait: Annotated[
        bool, typer.Option("--wait", metavar="", help="Wait for the server's scores.")
    ] = False,
) -> None:
    """Upload predictions made by any tool as a run; the server scores it. Prints the run id."""
    parameters = dict(_parameter(text) for text in param or [])
    run = client.runs.upload(
        task_id, predictions, flow=flow, parameters=parameters,
        flow_version=flow_version, tags=tag or [],
    )  # fmt: skip
    if wait:
        with waiting(f"run {run.id} to be scored"):
            run.wait()
        typer.echo(f"run {run.id} {run.state}: {_headline(run.scores)}", err=True)
    typer.echo(run.id)


COMPARISON_COLUMNS = ["measure", "original", "reproduced", "abs_diff", "within"]


@app.command("reproduce")
@with_client
def reproduce(
    client: Client,
    run_id: Annotated[int, typer.Argument(metavar="ID", help="The run to reproduce.")],
    tolerance: Annotated[
        float | None,
        typer.Option(min=0, help="Largest difference per measure still reproduced (1e-9)."),
    ] = None,
    link: Annotated[
        int | None,
        typer.Option(help="Link this run of yours as the re-run instead of a server re-run."),
    ] = None,
    wait: Annotated[bool, typer.Option(help="Wait for the outcome.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Ask the server to re-run a run's setup on the same task and splits and compare every
    measure with the original; prints the outcome, largest differences first."""
    if wait:
        with waiting(f"run {run_id} to be reproduced"):
            found = client.runs.reproduce(run_id, tolerance=tolerance, rerun=link)
    else:
        found = client.runs.reproduce(run_id, tolerance=tolerance, rerun=link, wait=False)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    differs = f", {found.differing} measures differ" if found.differing else ""
    typer.echo(f"reproduction {found.id} of run {run_id}: {found.state}{differs}", err=True)
    print_models(
        found.comparison,
        COMPARISON_COLUMNS,
        as_json=False,
        row=lambda c: {
            "original": _value(c.original, None),
            "reproduced": _value(c.reproduced, None),
            "abs_diff": "" if c.abs_diff is None else f"{c.abs_diff:.3g}",
            "within": "yes" if c.within else "no",
        },
        title=f"tolerance {found.tolerance:g}",
    )
    if found.state == "failed":
        typer.echo(found.log, err=True)
        raise typer.Exit(1)


@app.command("reproductions")
@with_client
def reproductions(
    client: Client,
    run_id: Annotated[int, typer.Argument(metavar="ID", help="Run id.")],
    as_json: JsonOption = False,
) -> None:
    """List a run's reproductions, newest first: who asked, the outcome, the largest difference."""
    print_models(
        client.runs.reproductions(run_id),
        ["id", "state", "kind", "requested_by", "differing", "max_abs_diff", "tolerance"],
        as_json=as_json,
        row=lambda r: {
            "max_abs_diff": "" if r.max_abs_diff is None else f"{r.max_abs_diff:.3g}",
            "tolerance": f"{r.tolerance:g}",
        },
        title=f"reproductions of run {run_id}",
    )
