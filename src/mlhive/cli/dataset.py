"""``mlhive dataset``: push, pull, list and describe datasets on a server (examples: ``--help``)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlhive.cli._common import (
    JsonOption,
    ParentsOption,
    check_output_folder,
    print_json,
    print_models,
    print_pairs,
    show_progress,
    waiting,
    with_client,
)

if TYPE_CHECKING:
    from mlhive.client import Client
    from mlhive.client.datasets import QualityBounds

EXAMPLES = """Examples:

  mlhive dataset push iris.csv --name iris --target class --tag uci --wait
  mlhive dataset ls --tag uci --quality NumberOfInstances:100..1000
  mlhive dataset push survey.csv --name survey --target churned --nominal churned --missing n/a
  mlhive dataset get 1 --json
  mlhive dataset features 1
  mlhive dataset pull 1 --format csv -o iris.csv
  mlhive dataset edit 1 --description "Fisher's irises" --licence CC0-1.0
  mlhive dataset status 1 deactivated
"""

app = typer.Typer(
    help="Publish, find and download datasets.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
)

LIST_COLUMNS = ["id", "name", "version", "status", "uploader", "rows", "columns", "tags"]


class Format(StrEnum):
    """A data file format."""

    parquet = "parquet"
    csv = "csv"
    arff = "arff"


class Status(StrEnum):
    """A life-cycle status to list (``all`` for any)."""

    active = "active"
    in_preparation = "in_preparation"
    deactivated = "deactivated"
    all = "all"


def parse_quality(text: str) -> tuple[str, QualityBounds]:
    """Parse ``NAME:LOW..HIGH`` (either bound may be empty) or ``NAME:VALUE``.

    Args:
        text: the ``--quality`` option's value.

    Returns:
        ``(name, (low, high))`` with None for an open bound.

    Raises:
        typer.BadParameter: the text does not have that shape.

    Example:
        >>> parse_quality("NumberOfInstances:100..")
        ('NumberOfInstances', (100.0, None))
    """
    from mlhive.wire.datasets import parse_quality_range  # pydantic: only when the option is used

    try:
        name, low, high = parse_quality_range(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return name, (low, high)


@app.command("push")
@with_client
def push(
    client: Client,
    file: Annotated[Path, typer.Argument(help="A CSV, Parquet or ARFF file.", show_default=False)],
    name: Annotated[str, typer.Option("--name", "-n", help="Dataset name.", show_default=False)],
    target: Annotated[str | None, typer.Option(help="Default target column.")] = None,
    description: Annotated[str, typer.Option(help="Free-text description.")] = "",
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
    private: Annotated[
        bool, typer.Option("--private", help="Only you (or the owning team) can see it.")
    ] = False,
    owner: Annotated[
        str | None, typer.Option(help="A team you write to that will own it (default: you).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="A column that is not a feature.")
    ] = None,
    row_id: Annotated[str | None, typer.Option("--row-id", help="Row identifier column.")] = None,
    fmt: Annotated[
        Format | None, typer.Option("--format", help="File format (default: by extension).")
    ] = None,
    nominal: Annotated[
        list[str] | None,
        typer.Option(
            "--nominal", help="A column to read as nominal, e.g. a 0/1 class (repeatable)."
        ),
    ] = None,
    numeric: Annotated[
        list[str] | None,
        typer.Option(
            "--numeric", help="A column to read as numbers (others refused) (repeatable)."
        ),
    ] = None,
    date: Annotated[
        list[str] | None,
        typer.Option("--date", help="A column to read as ISO dates (repeatable)."),
    ] = None,
    string: Annotated[
        list[str] | None,
        typer.Option("--string", help="A column to keep as free text (repeatable)."),
    ] = None,
    missing: Annotated[
        list[str] | None,
        typer.Option("--missing", help="A value meaning 'missing', e.g. n/a (repeatable)."),
    ] = None,
    allow_duplicate: Annotated[
        bool,
        typer.Option(
            "--allow-duplicate", help="A new version even if you uploaded the same data before."
        ),
    ] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until it is processed.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds --wait waits at most.")] = 600,
) -> None:
    """Upload a data file as a new dataset (or a new version of NAME); prints the new id
    (the existing one when you already uploaded identical data under NAME).

    Each column's type and why it was chosen: ``mlhive dataset features ID``.
    """
    dataset = client.datasets.publish(
        file,
        name=name,
        target=target,
        description=description,
        tags=tag or [],
        visibility="private" if private else "public",
        owner=owner,
        ignore_attributes=ignore or [],
        row_id_attribute=row_id,
        format=fmt.value if fmt else None,
        nominal_attributes=nominal or [],
        numeric_attributes=numeric or [],
        date_attributes=date or [],
        string_attributes=string or [],
        missing_values=missing or [],
        allow_duplicate=allow_duplicate,
        progress=show_progress(),
    )
    if dataset.duplicate_of is not None:
        typer.echo(
            f"identical to your dataset {dataset.id} ({dataset.name} version {dataset.version}):"
            " nothing new was stored; --allow-duplicate makes a new version anyway",
            err=True,
        )
    if wait:
        with waiting(f"dataset {dataset.id} to be processed"):
            dataset = client.datasets.wait_processed(dataset.id, timeout=timeout)
        typer.echo(
            f"dataset {dataset.id} processed: {dataset.number_of_rows} rows, "
            f"{dataset.number_of_columns} columns, status {dataset.status}",
            err=True,
        )
    typer.echo(dataset.id)


@app.command("pull")
@with_client
def pull(
    client: Client,
    dataset_id: Annotated[int, typer.Argument(metavar="ID", help="Dataset id.")],
    fmt: Annotated[Format, typer.Option("--format", help="File format to write.")] = Format.parquet,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File or folder (default: NAME-vVERSION.FORMAT)."),
    ] = None,
    parents: ParentsOption = False,
) -> None:
    """Download a dataset's data to a file; prints the path written.

    A missing output folder is refused unless ``--parents`` is given (then it is created and
    named on stderr).
    """
    check_output_folder(output, parents)
    path = client.datasets.download(
        dataset_id, output, format=fmt.value, progress=show_progress(), parents=parents
    )
    typer.echo(str(path))


@app.command("ls")
@with_client
def ls(
    client: Client,
    tag: Annotated[str | None, typer.Option(help="Only datasets with this tag.")] = None,
    status: Annotated[
        Status, typer.Option(help="Life-cycle status ('all' for any).")
    ] = Status.active,
    uploader: Annotated[str | None, typer.Option(help="Uploader's user name.")] = None,
    name: Annotated[str | None, typer.Option(help="Exact dataset name.")] = None,
    q: Annotated[str | None, typer.Option("--q", help="Text in name or description.")] = None,
    quality: Annotated[
        list[str] | None,
        typer.Option(help="Quality range NAME:LOW..HIGH, e.g. NumberOfInstances:100.. (repeat)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """List datasets you may see (a table, or one JSON object per line with --json)."""
    ranges = dict(parse_quality(item) for item in quality or [])
    summaries = client.datasets.iter_summaries(
        name=name,
        tag=tag,
        status=status.value,
        uploader=uploader,
        q=q,
        qualities=ranges,
        limit=limit,
    )
    print_models(
        summaries,
        LIST_COLUMNS,
        as_json=as_json,
        row=lambda d: {"rows": d.number_of_rows, "columns": d.number_of_columns},
    )


@app.command("get")
@with_client
def get(
    client: Client,
    dataset_id: Annotated[int, typer.Argument(metavar="ID", help="Dataset id.")],
    as_json: JsonOption = False,
) -> None:
    """Show a dataset's description and qualities."""
    dataset = client.datasets.get(dataset_id)
    info, qualities = dataset.to_dict(), dataset.qualities
    if as_json:
        print_json({**info, "qualities": qualities})
        return
    print_pairs(info, title=f"dataset {dataset_id}: {dataset.name}")
    print_pairs(qualities, ("quality", "value"))


Id = Annotated[int, typer.Argument(metavar="ID", help="Dataset id.")]

FEATURE_COLUMNS = ["index", "name", "type", "missing", "reason"]


@app.command("features")
@with_client
def features(client: Client, dataset_id: Id, as_json: JsonOption = False) -> None:
    """Show each column's type and why it was chosen (empty until processed)."""
    from mlhive.wire.datasets import FeatureOut  # pydantic: only when the command runs

    frame = client.datasets.get(dataset_id).features
    items = [FeatureOut.model_validate(row) for row in frame.to_dict("records")]
    print_models(
        items,
        FEATURE_COLUMNS,
        as_json=as_json,
        row=lambda f: {
            "type": f.data_type + (" (target)" if f.is_target else ""),
            "missing": f.number_of_missing_values,
        },
        title=f"dataset {dataset_id}: features",
    )


@app.command("edit")
@with_client
def edit(
    client: Client,
    dataset_id: Id,
    description: Annotated[str | None, typer.Option(help="Free text (Markdown).")] = None,
    licence: Annotated[str | None, typer.Option(help="e.g. CC-BY-4.0.")] = None,
    citation: Annotated[str | None, typer.Option(help="How to cite it.")] = None,
    language: Annotated[str | None, typer.Option(help="Language of the data.")] = None,
    collection_date: Annotated[str | None, typer.Option("--collection-date")] = None,
    original_url: Annotated[str | None, typer.Option("--original-url")] = None,
    paper_url: Annotated[str | None, typer.Option("--paper-url")] = None,
    target: Annotated[
        str | None, typer.Option(help="Default target column (the dataset is reprocessed).")
    ] = None,
    row_id: Annotated[str | None, typer.Option("--row-id", help="Row-id column.")] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="A column models must ignore (repeat).")
    ] = None,
    creator: Annotated[list[str] | None, typer.Option(help="A creator (repeat).")] = None,
    contributor: Annotated[list[str] | None, typer.Option(help="A contributor (repeat).")] = None,
) -> None:
    """Change a dataset's description (owner or administrator); old values stay in history."""
    given = {
        "description": description, "licence": licence, "citation": citation,
        "language": language, "collection_date": collection_date,
        "original_url": original_url, "paper_url": paper_url,
        "default_target_attribute": target, "row_id_attribute": row_id,
        "ignore_attributes": ignore, "creator": creator, "contributor": contributor,
    }  # fmt: skip
    fields = {name: value for name, value in given.items() if value is not None}
    if not fields:
        raise typer.BadParameter("give at least one field to change, e.g. --description TEXT")
    client.datasets.edit(dataset_id, **fields)
    typer.echo(f"dataset {dataset_id}: changed {', '.join(sorted(fields))}")


class NewStatus(StrEnum):
    """A life-cycle status to set."""

    active = "active"
    in_preparation = "in_preparation"
    deactivated = "deactivated"


@app.command("status")
@with_client
def status(
    client: Client,
    dataset_id: Id,
    new_status: Annotated[NewStatus, typer.Argument(metavar="STATUS", help="The new status.")],
) -> None:
    """Activate or deactivate a dataset (owner or administrator)."""
    dataset = client.datasets.set_status(dataset_id, new_status.value)
    typer.echo(f"dataset {dataset_id}: {dataset.status}")


@app.command("delete")
@with_client
def delete(
    client: Client,
    dataset_id: Id,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", metavar="", help="Do not ask for confirmation.")
    ] = False,
) -> None:
    """Delete a dataset for good (owner or administrator; not while others forked it)."""
    name = client.datasets.get(dataset_id).name
    if not yes:
        typer.confirm(f"Delete dataset {dataset_id} ({name}) and its files?", abort=True)
    client.datasets.delete(dataset_id)
    typer.echo(f"dataset {dataset_id} ({name}) deleted")


@app.command("tag")
@with_client
def tag(client: Client, dataset_id: Id, name: Annotated[str, typer.Argument()]) -> None:
    """Tag a dataset; prints all its tags."""
    typer.echo(", ".join(client.datasets.tag(dataset_id, name)))


@app.command("untag")
@with_client
def untag(client: Client, dataset_id: Id, name: Annotated[str, typer.Argument()]) -> None:
    """Remove a tag (its tagger, the owner or an administrator); prints the other tags."""
    typer.echo(", ".join(client.datasets.untag(dataset_id, name)))
