"""``mlhive model promote|rollback|aliases``: move a repository's aliases, read their trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlhive.cli._common import JsonOption, print_json, print_models, with_client

if TYPE_CHECKING:
    from mlhive.client import Client

Repo = Annotated[str, typer.Argument(metavar="OWNER/NAME", help="The model repository.")]
Alias = Annotated[
    str, typer.Argument(help="The alias: production, staging or one you name (@ optional).")
]


def _event_row(event: Any) -> dict[str, Any]:
    return {
        "from": event.from_commit[:12] if event.from_commit else "",
        "to": event.to_commit[:12],
        "when": event.created_at.isoformat(timespec="seconds"),
        "checks": ", ".join(c.name for c in event.checks if c.passed) or "none",
    }


def _alias_row(alias: Any) -> dict[str, Any]:
    return {"commit": alias.commit[:12]}


def _print_event(event: Any, as_json: bool) -> None:
    if as_json:
        print_json(event.model_dump(mode="json"))
        return
    before = event.from_commit[:12] if event.from_commit else "(unset)"
    typer.echo(f"@{event.alias}: {before} → {event.to_commit}")


@with_client
def promote(
    client: Client,
    repo: Repo,
    commit: Annotated[str, typer.Argument(help="Branch, tag or commit id to promote.")],
    alias: Alias = "production",
    as_json: JsonOption = False,
) -> None:
    """Point an alias at a commit; deployments following it answer with it from then on."""
    _print_event(client.models.promote(repo, commit, alias), as_json)


@with_client
def rollback(
    client: Client, repo: Repo, alias: Alias = "production", as_json: JsonOption = False
) -> None:
    """Move an alias back to the commit before its latest promotion."""
    _print_event(client.models.rollback(repo, alias), as_json)


@with_client
def aliases(
    client: Client,
    repo: Repo,
    history: Annotated[
        str | None, typer.Option("--history", help="Show this alias's audit trail instead.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List a repository's aliases, or one alias's moves (newest first) with --history."""
    if history is None:
        found = client.models.aliases(repo)
        print_models(found, ["name", "commit", "updated_at"], as_json=as_json, row=_alias_row)
        return
    events = client.models.alias_history(repo, history)
    columns = ["action", "actor", "from", "to", "when", "checks"]
    print_models(events, columns, as_json=as_json, row=_event_row)
