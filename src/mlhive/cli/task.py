"""``mlhive task``: create, list and describe tasks.

Examples::

    mlhive task create 1 --type classification --target species --tag demo
    mlhive task ls --type regression --json
    mlhive task get 3
    mlhive task procedures --type classification
"""

from __future__ import annotations

from typing import Annotated

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
from mlhive.cli.dataset import parse_quality

app = typer.Typer(help="Create and find tasks.", no_args_is_help=True, add_completion=False)

LIST_COLUMNS = ["id", "task_type", "dataset_id", "dataset_name", "target", "procedure", "tags"]
PROCEDURE_COLUMNS = ["id", "name", "task_type", "kind", "folds", "repeats", "stratified"]
TypeOption = Annotated[
    str | None,
    typer.Option(
        "--type", help="classification, regression, learning_curve or clustering (or full name)."
    ),
]


@app.command("create")
def create(
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
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Create a task on a dataset (or find the identical one); prints its id."""
    with cli_errors(), client_from_options(url, api_key) as client:
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
def ls(
    task_type: TypeOption = None,
    dataset: Annotated[int | None, typer.Option("--dataset", help="Only this dataset.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only tasks with this tag.")] = None,
    quality: Annotated[
        list[str] | None,
        typer.Option(help="Dataset quality range NAME:LOW..HIGH (repeatable)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 100,
    as_json: JsonOption = False,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """List tasks (a table, or one JSON object per line with --json)."""
    ranges = dict(parse_quality(item) for item in quality or [])
    with cli_errors(), client_from_options(url, api_key) as client:
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
def get(
    task_id: Annotated[int, typer.Argument(metavar="ID", help="Task id.")],
    as_json: JsonOption = False,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Show a task's description."""
    with cli_errors(), client_from_options(url, api_key) as client:
        task = client.tasks.get(task_id)
        info = task.to_dict()
        if as_json:
            print_json(info)
            return
        info["estimation_procedure"] = task.estimation_procedure.name
        fields = [{"field": key, "value": value} for key, value in info.items()]
        print_table(fields, ["field", "value"], title=f"task {task.id}")


@app.command("procedures")
def procedures(
    task_type: TypeOption = None,
    as_json: JsonOption = False,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """List the estimation procedures (ids to pass to `task create --procedure`)."""
    with cli_errors(), client_from_options(url, api_key) as client:
        records = [p.model_dump() for p in client.tasks.iter_procedures(task_type)]
        if as_json:
            for record in records:
                print_json(record)
            return
        print_table(records, PROCEDURE_COLUMNS)
