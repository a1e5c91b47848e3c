"""``mlhive deploy``, ``mlhive predict`` and ``mlhive deployment ls|show|metrics``: serve
models and watch them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from mlhive.cli._common import (
    JsonOption,
    print_json,
    print_models,
    print_pairs,
    print_table,
    with_client,
)

if TYPE_CHECKING:
    from mlhive.client import Client

EXAMPLES = """Examples:

  mlhive model promote alice/iris-clf main production
  mlhive deploy iris alice/iris-clf --alias production --public
  mlhive predict iris --input rows.csv > predictions.csv
  mlhive deployment show iris
  mlhive deployment metrics iris
"""

app = typer.Typer(
    help="Deployments: served models and their counts.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
)
Name = Annotated[str, typer.Argument(help="The deployment's name.")]
COLUMNS = ["name", "repo", "alias", "commit", "visibility", "requests", "errors"]


def _row(deployment: Any) -> dict[str, Any]:
    return {"commit": deployment.commit[:12] if deployment.commit else ""}


@with_client
def deploy(
    client: Client,
    name: Name,
    repo: Annotated[str, typer.Argument(metavar="OWNER/NAME", help="The model repository.")],
    alias: Annotated[
        str | None, typer.Option("--alias", help="Follow this alias (e.g. production).")
    ] = None,
    commit: Annotated[
        str | None, typer.Option("--commit", help="Pin this branch, tag or commit instead.")
    ] = None,
    public: Annotated[bool, typer.Option("--public", help="Anyone may call it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Deploy a repository's alias (followed as it moves) or one fixed commit."""
    visibility: Literal["public", "private"] = "public" if public else "private"
    made = client.deployments.create(name, repo, alias=alias, commit=commit, visibility=visibility)
    if as_json:
        print_json(made.model_dump(mode="json"))
        return
    typer.echo(made.name)


def read_rows(path: Path) -> Any:
    """The rows of a CSV file (a DataFrame) or a JSON file (a list of row objects).

    Raises:
        typer.BadParameter: another kind of file.
    """
    if path.suffix.lower() == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    if path.suffix.lower() in (".csv", ".txt"):
        import pandas as pd

        return pd.read_csv(path)
    raise typer.BadParameter(f"{path.name}: give a .csv or a .json file", param_hint="--input")


@with_client
def predict(
    client: Client,
    name: Name,
    rows_file: Annotated[
        Path,
        typer.Option(
            "--input", "-i", exists=True, dir_okay=False, help="Rows to predict: CSV or JSON."
        ),
    ],
    probabilities: Annotated[
        bool, typer.Option("--probabilities", help="Add class probability columns.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Predict the rows of a file; prints one prediction per line (CSV), the commit on stderr."""
    answer = client.deployments.predict(name, read_rows(rows_file), probabilities=probabilities)
    if as_json:
        print_json(answer.model_dump(mode="json"))
        return
    typer.echo(f"answered by {answer.repo}@{answer.commit}", err=True)
    import pandas as pd

    table = pd.DataFrame({"prediction": answer.predictions})
    if answer.probabilities is not None:
        classes = answer.classes or [str(i) for i in range(len(answer.probabilities[0]))]
        for index, label in enumerate(classes):
            table[f"p_{label}"] = [row[index] for row in answer.probabilities]
    table.to_csv(sys.stdout, index=False)


@app.command("ls")
@with_client
def ls(
    client: Client,
    repo: Annotated[str | None, typer.Option(help="Only deployments of OWNER/NAME.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the deployments you may see, by name."""
    print_models(client.deployments.list(repo), COLUMNS, as_json=as_json, row=_row)


@app.command("show")
@with_client
def show(client: Client, name: Name, as_json: JsonOption = False) -> None:
    """A deployment: what it serves, the commit answering now, calls and failed calls."""
    found = client.deployments.get(name)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    print_pairs({key: getattr(found, key) for key in COLUMNS})


@app.command("metrics")
@with_client
def metrics(client: Client, name: Name, as_json: JsonOption = False) -> None:
    """Calls, failed calls, latency percentiles, and the inputs per column next to the
    training data's (missing share, mean, shift in training standard deviations)."""
    found = client.deployments.metrics(name)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    latency = found.latency
    print_pairs(
        {
            "deployment": found.deployment,
            "commit": found.commit,
            "requests": found.requests,
            "errors": found.errors,
            "p50 ms": latency.p50_ms,
            "p90 ms": latency.p90_ms,
            "p99 ms": latency.p99_ms,
            "training dataset": found.training_dataset,
        }
    )
    rows = [
        {
            "column": f.name,
            "values": f.values,
            "missing": f.missing_share,
            "training missing": f.training_missing_share,
            "mean": f.mean,
            "training mean": f.training_mean,
            "shift": f.mean_shift,
        }
        for f in found.features
    ]
    if rows:
        print_table(rows, list(rows[0]), title="inputs next to the training data")
