"""``mlhive call open | list | show | respond | accept | decline | revoke | close``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from mlhive.cli._common import JsonOption, print_json, print_models, with_client

if TYPE_CHECKING:
    from mlhive.client import Client
    from mlhive.wire.calls import CallDetail

EXAMPLES = """Examples:

  mlhive call open dataset:12 "Try gradient boosting?" --skill "gradient boosting"
  mlhive call list --skill gradient-boosting
  mlhive call respond 3 "I can try LightGBM" --volunteer     # bob, with his key
  mlhive call show 3                                         # the responses and their ids
  mlhive call accept 3 7                                     # bob now writes dataset 12
  mlhive call revoke 3 7                                     # and no longer does
"""

app = typer.Typer(
    help="Open calls: ask for help on a dataset, task or model; accept collaborators.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
)
CallId = Annotated[int, typer.Argument(help="The call's id.")]
ResponseId = Annotated[int, typer.Argument(help="The response's id (see `mlhive call show`).")]
COLUMNS = ["id", "subject", "title", "author", "skills", "access", "state", "responses"]


def _show(call: CallDetail, as_json: bool) -> None:
    if as_json:
        print_json(call.model_dump(mode="json"))
        return
    print_models([call], COLUMNS, as_json=False)
    print_models(
        call.response_list,
        ["id", "user", "kind", "state", "message"],
        as_json=False,
        title="responses",
    )


@app.command("open")
@with_client
def open_call(
    client: Client,
    subject: Annotated[str, typer.Argument(help="dataset:ID, task:ID or model:owner/name.")],
    title: Annotated[str, typer.Argument(help="One line: what you are looking for.")],
    body: Annotated[str, typer.Option(help="More detail (Markdown).")] = "",
    skill: Annotated[
        list[str] | None, typer.Option(help="A skill wanted (repeat the option).")
    ] = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Accepted collaborators only see the subject.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Open a call on an object you own; accepted collaborators get write on it (or read)."""
    call = client.calls.open(
        subject, title, body, skills=skill or [], access="read" if read_only else "write"
    )
    if as_json:
        print_json(call.model_dump(mode="json"))
        return
    typer.echo(f"Opened call {call.id} on {call.subject} (collaborators get {call.access}).")


@app.command("list")
@with_client
def list_calls(
    client: Client,
    state: Annotated[str, typer.Option(help="open, closed or all.")] = "open",
    skill: Annotated[str | None, typer.Option(help="A skill wanted.")] = None,
    subject: Annotated[str | None, typer.Option(help="dataset:ID, task:ID, model:o/n.")] = None,
    author: Annotated[str | None, typer.Option(help="Who opened them.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Calls on objects you may see, newest first."""
    if state not in ("open", "closed", "all"):
        raise typer.BadParameter("use open, closed or all", param_hint="--state")
    chosen: Literal["open", "closed", "all"] = state  # type: ignore[assignment]
    found = client.calls.list(state=chosen, skill=skill, subject=subject, author=author)
    print_models(found, COLUMNS, as_json=as_json)


@app.command("show")
@with_client
def show(client: Client, call_id: CallId, as_json: JsonOption = False) -> None:
    """A call and its responses."""
    _show(client.calls.get(call_id), as_json)


@app.command("respond")
@with_client
def respond(
    client: Client,
    call_id: CallId,
    message: Annotated[str, typer.Argument(help="Your answer or offer (Markdown).")],
    volunteer: Annotated[
        bool, typer.Option("--volunteer", help="Offer to do the work (else: an answer).")
    ] = False,
) -> None:
    """Answer a call, or volunteer for it."""
    sent = client.calls.respond(call_id, message, kind="volunteer" if volunteer else "answer")
    typer.echo(f"Sent response {sent.id} ({sent.kind}) to call {call_id}; it is {sent.state}.")


def _decision(name: str, past: str, summary: str) -> None:
    @app.command(name, help=summary)
    @with_client
    def decide(client: Client, call_id: CallId, response_id: ResponseId) -> None:
        response = getattr(client.calls, name)(call_id, response_id)
        typer.echo(f"Response {response.id} by {response.user} {past}.")


_decision("accept", "accepted", "Accept a response: its author gets the call's access.")
_decision("decline", "declined", "Decline a pending response.")
_decision("revoke", "revoked", "Revoke an acceptance: the access it gave ends now.")


@app.command("close")
@with_client
def close(client: Client, call_id: CallId) -> None:
    """Close a call: no more responses or acceptances (granted access stays until revoked)."""
    call = client.calls.close(call_id)
    typer.echo(f"Closed call {call.id}; collaborators: {', '.join(call.collaborators) or 'none'}.")
