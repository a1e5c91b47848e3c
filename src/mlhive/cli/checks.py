"""``mlhive model checks``: a repository's model checks (model CI) and a commit's results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlhive.cli._common import JsonOption, print_json, print_models, waiting, with_client

if TYPE_CHECKING:
    from mlhive.client import Client

Repo = Annotated[str, typer.Argument(metavar="OWNER/NAME", help="The model repository.")]


def _row(record: Any) -> dict[str, Any]:
    figure = "" if record.figure is None else f"{record.figure:.4g}"
    return {"result": "passed" if record.passed else "FAILED", "figure": figure}


def _read_config(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path}: the configuration must be a JSON object")
    return document


@with_client
def checks(
    client: Client,
    repo: Repo,
    commit: Annotated[
        str | None,
        typer.Argument(help="Branch, tag or commit id whose results to show (default main)."),
    ] = None,
    set_file: Annotated[
        Path | None,
        typer.Option(
            "--set",
            metavar="FILE.json",
            help="Replace the repository's checks with this JSON configuration.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    config: Annotated[
        bool, typer.Option("--config", help="Show the repository's configured checks.")
    ] = False,
    run: Annotated[bool, typer.Option("--run", help="Queue the commit's checks again.")] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until the checks have finished.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show a commit's model checks (each passed or failed, and why); configure them with
    --set. Exits 1 when a check failed or has no result, so CI scripts can gate on it."""
    if set_file is not None or config:
        found = (
            client.models.set_checks(repo, _read_config(set_file))
            if set_file is not None
            else client.models.check_config(repo)
        )
        if as_json:
            print_json(found.model_dump(mode="json"))
        else:
            names = ", ".join(found.checks) or "none (promotion is not gated)"
            typer.echo(f"{found.repo} checks (revision {found.revision}): {names}")
        if commit is None and not run:
            return
    ref = commit or "main"
    if run:
        client.models.run_checks(repo, ref)
    if wait:
        with waiting(f"the checks of {ref}"):
            result = client.models.wait_checked(repo, ref)
    else:
        result = client.models.checks(repo, ref)
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        typer.echo(f"{result.commit}: checks {result.state}")
        print_models(
            result.results,
            ["name", "result", "figure", "detail"],
            as_json=False,
            row=_row,
            keep=["result"],
        )
        for name in result.missing:
            typer.echo(f"{name}: no result yet")
        if result.error:
            typer.echo(f"the check run failed: {result.error}")
    if result.state == "not_configured":
        return
    if result.passed is not True and result.state not in ("queued", "running"):
        raise typer.Exit(1)
