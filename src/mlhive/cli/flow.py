"""``mlhive flow``: find flows and read one's parameters and components."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlhive.cli._common import JsonOption, print_json, print_table, with_client

if TYPE_CHECKING:
    from mlhive.client import Client
    from mlhive.client.flows import Flow

EXAMPLES = """Examples:

  mlhive flow ls --tag demo
  mlhive flow show 3
  mlhive flow show 3 --json
"""

app = typer.Typer(
    help="Find flows (pipeline descriptions) and read their parameters.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
)

LIST_COLUMNS = ["id", "name", "external_version", "uploader", "upload_date", "tags"]


@app.command("ls")
@with_client
def ls(
    client: Client,
    tag: Annotated[str | None, typer.Option(help="Only flows with this tag.")] = None,
    name: Annotated[str | None, typer.Option(help="Only flows with exactly this name.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Show at most this many.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """List flows, oldest first."""
    frame = client.flows.list(tag=tag, name=name, limit=limit)
    rows = [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
    if as_json:
        for row in rows:
            print_json({**row, "upload_date": str(row["upload_date"])})
        return
    print_table(rows, LIST_COLUMNS)


def _component_rows(flow: Flow, path: str = "") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for component in flow.components:
        where = f"{path}{component.identifier}"
        rows.append({"component": where, "flow": component.flow.id, "name": component.flow.name})
        rows += _component_rows(component.flow, f"{where}/")  # type: ignore[arg-type]
    return rows


@app.command("show")
@with_client
def show(
    client: Client,
    flow_id: Annotated[int, typer.Argument(metavar="FLOW_ID", help="The flow's id.")],
    as_json: JsonOption = False,
) -> None:
    """A flow: its identity, its parameters with their defaults, and its components."""
    flow = client.flows.get(flow_id)
    if as_json:
        print_json(flow.model_dump(mode="json"))
        return
    typer.echo(f"flow {flow.id}: {flow.name} ({flow.external_version})")
    typer.echo(f"uploaded by {flow.uploader} on {flow.upload_date:%Y-%m-%d}")
    if flow.tags:
        typer.echo(f"tags: {', '.join(flow.tags)}")
    print_table(
        [p.model_dump() for p in flow.parameters],
        ["name", "default_value", "data_type"],
        title="parameters",
    )
    components = _component_rows(flow)
    if components:
        print_table(components, ["component", "flow", "name"], title="components")
