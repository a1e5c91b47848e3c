"""``mlhive inbox``, ``mlhive watch`` and ``mlhive activity``: your notifications, what you
watch, and a feed of what happened."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlhive.cli._common import JsonOption, print_models, with_client

if TYPE_CHECKING:
    from mlhive.client import Client
    from mlhive.wire.activity import EventOut, NotificationOut

TARGET_HELP = (
    "dataset:ID (or task, flow, run, suite, study), model:OWNER/NAME, person:NAME or team:NAME."
)
Target = Annotated[str, typer.Argument(help=TARGET_HELP)]
Limit = Annotated[int, typer.Option(min=1, max=200, help="How many to show.")]


def _event_row(event: EventOut) -> dict[str, Any]:
    return {"when": event.at.strftime("%Y-%m-%d %H:%M"), "who": event.actor, "what": event.verb}


def _notification_row(item: NotificationOut) -> dict[str, Any]:
    return {
        **_event_row(item.event),
        "subject": item.event.subject,
        "new": "" if item.read_at else "*",
    }


@with_client
def inbox(
    client: Client,
    unread: Annotated[bool, typer.Option("--unread", help="Only those not read yet.")] = False,
    mark_read: Annotated[
        bool, typer.Option("--mark-read", help="Mark the notifications shown read.")
    ] = False,
    all_read: Annotated[
        bool, typer.Option("--all-read", help="Mark every notification read (shows nothing).")
    ] = False,
    limit: Limit = 20,
    as_json: JsonOption = False,
) -> None:
    """Your notifications, newest first: mentions, runs on your tasks, comments and merge
    requests on your objects, reproductions of your runs, and what you watch."""
    if all_read:
        marked = client.notifications.read_all()
        typer.echo(f"Marked {marked.marked} notifications read.")
        return
    page = client.notifications.list(unread=unread, limit=limit)
    columns = ["id", "new", "when", "who", "what", "subject", "reason"]
    print_models(page.items, columns, as_json=as_json, row=_notification_row)
    if not as_json:
        typer.echo(f"{page.unread} unread.")
    if mark_read and page.items:
        client.notifications.read([n.id for n in page.items])


@with_client
def watch(
    client: Client,
    target: Annotated[str | None, typer.Argument(help=TARGET_HELP)] = None,
    stop: Annotated[bool, typer.Option("--stop", help="Stop watching the target.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Watch an object, a person or a team (its events reach `mlhive inbox`); without a
    target, list what you watch."""
    if target is None:
        if stop:
            raise typer.BadParameter("name what to stop watching", param_hint="TARGET")
        print_models(client.activity.watches(), ["target", "page", "since"], as_json=as_json)
        return
    if stop:
        client.activity.unwatch(target)
        typer.echo(f"No longer watching {target}.")
        return
    watched = client.activity.watch(target)
    typer.echo(f"Watching {watched.target} ({watched.page}).")


@with_client
def activity(
    client: Client,
    subject: Target,
    limit: Limit = 20,
    as_json: JsonOption = False,
) -> None:
    """What happened to an object, a team, or what a person did, newest first."""
    page = client.activity.feed(subject, limit=limit)
    columns = ["id", "when", "who", "what", "subject"]
    print_models(page.items, columns, as_json=as_json, row=_event_row)
