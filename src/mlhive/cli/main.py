"""The ``mlhive`` command: one sub-command per noun, plus ``serve``, ``worker`` and ``demo``.

Errors are displayed in one place: the top-level group runs every command inside
:func:`~mlhive.cli._common.cli_errors`, so commands raise and never catch for display.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from mlhive._version import __version__
from mlhive.cli import account, server
from mlhive.cli import activity as activity_cli
from mlhive.cli._common import cli_errors
from mlhive.cli.automl import automl
from mlhive.cli.call import app as call_app
from mlhive.cli.collection import collection_app
from mlhive.cli.dataset import app as dataset_app
from mlhive.cli.deployment import app as deployment_app
from mlhive.cli.deployment import deploy, predict
from mlhive.cli.flow import app as flow_app
from mlhive.cli.model import app as model_app
from mlhive.cli.people import app as people_app
from mlhive.cli.profile import app as profile_app
from mlhive.cli.run import app as run_app
from mlhive.cli.run import leaderboard
from mlhive.cli.task import app as task_app
from mlhive.cli.team import app as team_app


class _Mlhive(TyperGroup):
    """The ``mlhive`` group: the error boundary around whichever command runs.

    The boundary sits here rather than around ``app()`` so that everything invoking the app (the
    console script, ``python -m mlhive.cli.main``, click's test runner) shows errors the same way.
    """

    def invoke(self, ctx: Any) -> Any:  # Any: typer's context type lives in a private module
        with cli_errors():
            return super().invoke(ctx)


app = typer.Typer(
    cls=_Mlhive,
    name="mlhive",
    help="mlhive: a self-hosted ML commons (datasets, tasks, runs, models).\n\n"
    "Commands talk to the server at --url, else MLHIVE_URL, else the config file that "
    "`mlhive login` writes (`mlhive config path` prints where it is).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

WORK, ACCOUNT, SERVER = "Work with a hive", "Your account", "Run a hive"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"mlhive {__version__}")
        raise typer.Exit


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            metavar="",
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """The options of ``mlhive`` itself (its help is the Typer's)."""


app.add_typer(dataset_app, name="dataset", rich_help_panel=WORK)
app.add_typer(task_app, name="task", rich_help_panel=WORK)
app.add_typer(run_app, name="run", rich_help_panel=WORK)
app.command("leaderboard", rich_help_panel=WORK)(leaderboard)
app.command("automl", rich_help_panel=WORK)(automl)
app.add_typer(flow_app, name="flow", rich_help_panel=WORK)
app.add_typer(collection_app("suite"), name="suite", rich_help_panel=WORK)
app.add_typer(collection_app("study"), name="study", rich_help_panel=WORK)
app.add_typer(model_app, name="model", rich_help_panel=WORK)
app.command("deploy", rich_help_panel=WORK)(deploy)
app.command("predict", rich_help_panel=WORK)(predict)
app.add_typer(deployment_app, name="deployment", rich_help_panel=WORK)
app.add_typer(team_app, name="team", rich_help_panel=ACCOUNT)
app.add_typer(profile_app, name="profile", rich_help_panel=ACCOUNT)
app.add_typer(people_app, name="people", rich_help_panel=ACCOUNT)
app.add_typer(call_app, name="call", rich_help_panel=WORK)
app.command("activity", rich_help_panel=WORK)(activity_cli.activity)
app.command("watch", rich_help_panel=ACCOUNT)(activity_cli.watch)
app.command("inbox", rich_help_panel=ACCOUNT)(activity_cli.inbox)
app.command("login", rich_help_panel=ACCOUNT)(account.login)
app.command("logout", rich_help_panel=ACCOUNT)(account.logout)
app.command("whoami", rich_help_panel=ACCOUNT)(account.whoami)
app.add_typer(account.config_app, name="config", rich_help_panel=ACCOUNT)
app.add_typer(account.key_app, name="key", rich_help_panel=ACCOUNT)
app.command("serve", rich_help_panel=SERVER)(server.serve)
app.command("serve-models", rich_help_panel=SERVER)(server.serve_models)
app.command("worker", rich_help_panel=SERVER)(server.worker)
app.command("demo", rich_help_panel=SERVER)(server.demo)
app.add_typer(server.db_app, name="db", rich_help_panel=SERVER)
app.add_typer(server.user_app, name="user", rich_help_panel=SERVER)


def main() -> None:
    """Run the ``mlhive`` command line (the console script; also ``python -m mlhive.cli.main``).

    A failing command prints one line, ``error: ...``, on stderr and exits with code 1; a usage
    error exits with code 2, after click's message.
    """
    try:
        try:
            app()
        finally:
            sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
    except BrokenPipeError:
        # The reader went away (`mlhive dataset ls --json | head -1`): stop quietly, as a Unix
        # tool killed by SIGPIPE does, and keep the interpreter from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)


if __name__ == "__main__":  # pragma: no cover
    main()
