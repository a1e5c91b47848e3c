"""``mlhive people suggested | helpers``: finding collaborators, and who could help."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mlhive.cli._common import JsonOption, print_models, with_client

if TYPE_CHECKING:
    from mlhive.client import Client
    from mlhive.wire.suggestions import Suggestion

EXAMPLES = """Examples:

  mlhive people suggested             # people whose work overlaps with yours
  mlhive people suggested alice --limit 5
  mlhive people helpers --task 31     # the best on this task and on similar datasets
  mlhive people helpers --dataset 7 --json
"""

app = typer.Typer(
    help="Finding collaborators: suggested people and helpers, with the reasons.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
)

LimitOption = Annotated[int, typer.Option(min=1, max=50, help="How many (1 to 50).")]


def _print(found: list[Suggestion], as_json: bool, title: str) -> None:
    print_models(
        found,
        ("name", "score", "why"),
        as_json=as_json,
        row=lambda s: {"why": "; ".join(r.text for r in s.reasons)},
        title=title,
        keep=("score",),
    )


@app.command("suggested")
@with_client
def suggested(
    client: Client,
    name: Annotated[str | None, typer.Argument(help="For whom (default: you).")] = None,
    limit: LimitOption = 10,
    as_json: JsonOption = False,
) -> None:
    """People whose work overlaps (shared tasks, similar datasets, forks and merge
    requests, interests), strongest first, counted over what you may see."""
    who = name or client.whoami().name
    _print(client.people.suggested(who, limit), as_json, f"suggested for {who}")


@app.command("helpers")
@with_client
def helpers(
    client: Client,
    task: Annotated[int | None, typer.Option(help="A task's id.")] = None,
    dataset: Annotated[int | None, typer.Option(help="A dataset's id.")] = None,
    limit: LimitOption = 10,
    as_json: JsonOption = False,
) -> None:
    """Who could help: the best results on a task (or a dataset's tasks) and on tasks of
    similar datasets. Give exactly one of --task and --dataset."""
    if (task is None) == (dataset is None):
        raise typer.BadParameter("give exactly one of --task and --dataset")
    found = client.people.helpers(task=task, dataset=dataset, limit=limit)
    _print(found, as_json, f"helpers for {'task ' + str(task) if task else f'dataset {dataset}'}")
