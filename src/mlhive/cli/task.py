"""``mlhive task``: create, list and describe tasks (examples: ``mlhive task --help``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mlhive.cli._common import (
    JsonOption,
    print_json,
    print_models,
    print_pairs,
    with_client,
)
from mlhive.cli.dataset import parse_quality

if TYPE_CHECKING:
    from mlhive.client import Client

EXAMPLES = """Examples:

  mlhive task create 1 --type classification --target species --tag demo
  mlhive task ls --type regression --json
  mlhive task get 3
  mlhive task procedures --type classification
"""

app = typer.Typer(
    help="Create and find tasks.", epilog=EXAMPLES, no_args_is_help=True, add_completion=False
)

LIST_COLUMNS = ["id", "task_type", "dataset_id", "dataset_name", "target", "procedure", "tags"]
PROCEDURE_COLUMNS = ["id", "name", "task_type", "kind", "folds", "repeats", "stratified"]
TypeOption = Annotated[
    str | None,
    typer.Option(
        "--type", help="classification, regression, learning_curve or clustering (or full name)."
    ),
]


@app.command("create")
@with_client
def create(
    client: Client,
    dataset_id: Annotated[int, typer.Argument(metavar="DATASET_ID", help="The dataset's id.")],
    task_type: TypeOption = None,
    target: Annotated[
        str | None, typer.Option(help="Target column (default: the dataset's).")
    ] = None,
    procedure: Annotated[
        int | None,
        typer.Option("--procedure", help="Estimation procedure id (see `task procedures`)."),
    ] = None,
    measure: Annotated[
        list[str] | None, typer.Option("--measure", help="An evaluation measure (repeatable).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
) -> None:
    """Create a task on a dataset (or find the identical one); prints its id."""
    task = client.tasks.create(
        dataset_id,
        task_type or "supervised_classification",
        target=target,
        estimation_procedure=procedure,
        evaluation_measures=measure or [],
        tags=tag or [],
    )
    typer.echo(
        f"task {task.id}: {task.task_type} on dataset {task.dataset_id} "
        f"({task.estimation_procedure.name})",
        err=True,
    )
    typer.echo(task.id)


@app.command("ls")
@with_client
def ls(
    client: Client,
    task_type: TypeOption = None,
    dataset: Annotated[int | None, typer.Option("--dataset", help="Only this dataset.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only tasks with this tag.")] = None,
    quality: Annotated[
        list[str] | None,
        typer.Option(help="Dataset quality range NAME:LOW..HIGH (repeatable)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """List tasks (a table, or one JSON object per line with --json)."""
    ranges = dict(parse_quality(item) for item in quality or [])
    tasks = client.tasks.iter_tasks(
        task_type=task_type, dataset_id=dataset, tag=tag, qualities=ranges, limit=limit
    )
    print_models(
        tasks,
        LIST_COLUMNS,
        as_json=as_json,
        row=lambda t: {"procedure": t.estimation_procedure.name},
    )


@app.command("get")
@with_client
def get(
    client: Client,
    task_id: Annotated[int, typer.Argument(metavar="ID", help="Task id.")],
    as_json: JsonOption = False,
) -> None:
    """Show a task's description."""
    task = client.tasks.get(task_id)
    info = task.to_dict()
    if as_json:
        print_json(info)
        return
    print_pairs(
        {**info, "estimation_procedure": task.estimation_procedure.name}, title=f"task {task.id}"
    )


@app.command("procedures")
@with_client
def procedures(
    client: Client,
    task_type: TypeOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the estimation procedures (ids to pass to `task create --procedure`)."""
    print_models(client.tasks.iter_procedures(task_type), PROCEDURE_COLUMNS, as_json=as_json)
