"""``mlhive model retrain-policy`` and ``mlhive model retrain``: a repository's retraining
policy (online learning), and a retrain now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlhive.cli._common import JsonOption, print_json, waiting, with_client

if TYPE_CHECKING:
    from mlhive.client import Client

Repo = Annotated[str, typer.Argument(metavar="OWNER/NAME", help="The model repository.")]


def _show(policy: Any, as_json: bool) -> None:
    if as_json:
        print_json(policy.model_dump(mode="json"))
        return
    state = "enabled" if policy.enabled else "disabled"
    schedule = f", every {policy.interval_hours:g} h" if policy.interval_hours else ""
    typer.echo(
        f"{policy.repo} follows dataset {policy.dataset!r} ({state}{schedule}): retrains land "
        f"on {policy.branch!r}, then {policy.action.replace('_', ' ')}"
    )
    last = policy.last
    typer.echo(f"latest retrain: {last.state}" + (f" ({last.message})" if last.message else ""))
    if last.commit:
        typer.echo(f"  commit {last.commit}")
    if last.merge_request is not None:
        typer.echo(f"  merge request {last.merge_request}")


@with_client
def retrain_policy(
    client: Client,
    repo: Repo,
    dataset: Annotated[
        str | None,
        typer.Option("--dataset", help="Follow this dataset's versions (sets the policy)."),
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="The column to predict (default: the dataset's).")
    ] = None,
    time_column: Annotated[
        str | None,
        typer.Option("--time-column", help="The date column whose range the card records."),
    ] = None,
    branch: Annotated[
        str, typer.Option("--branch", help="The branch retrains land on.")
    ] = "retrain",
    promote_staging: Annotated[
        bool,
        typer.Option(
            "--promote-staging",
            help="Move @staging when the checks pass, instead of opening a merge request.",
        ),
    ] = False,
    every: Annotated[
        float | None, typer.Option("--every", metavar="HOURS", help="Also retrain on a schedule.")
    ] = None,
    disable: Annotated[
        bool, typer.Option("--disable", help="Keep the policy but stop retraining.")
    ] = False,
    delete: Annotated[bool, typer.Option("--delete", help="Remove the policy.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show the repository's retraining policy, set it with --dataset, or --delete it."""
    if delete:
        client.models.delete_retraining(repo)
        typer.echo(f"{repo}: retraining policy removed")
        return
    if dataset is None:
        _show(client.models.retraining(repo), as_json)
        return
    policy = client.models.set_retraining(
        repo,
        dataset,
        target=target,
        time_column=time_column,
        branch=branch,
        action="promote_staging" if promote_staging else "merge_request",
        interval_hours=every,
        enabled=not disable,
    )
    _show(policy, as_json)


@with_client
def retrain(
    client: Client,
    repo: Repo,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until the retrain has ended.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Retrain now on the newest version of the followed dataset. Exits 1 when the retrain
    failed or was refused."""
    policy = client.models.retrain(repo)
    if wait:
        with waiting(f"the retrain of {repo}"):
            policy = client.models.wait_retrained(repo)
    _show(policy, as_json)
    if policy.last.state in ("failed", "refused"):
        raise typer.Exit(1)
