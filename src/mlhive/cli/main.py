"""The ``mlhive`` command: one sub-command per noun, plus ``serve``, ``worker`` and ``demo``.

Errors are displayed in one place: the top-level group runs every command inside
:func:`~mlhive.cli._common.cli_errors`, so commands raise and never catch for display.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from mlhive.cli import server
from mlhive.cli._common import cli_errors
from mlhive.cli.dataset import app as dataset_app
from mlhive.cli.model import app as model_app
from mlhive.cli.run import app as run_app
from mlhive.cli.run import leaderboard
from mlhive.cli.task import app as task_app


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
    help="mlhive: a self-hosted ML commons (datasets, tasks, runs, models).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(dataset_app, name="dataset")
app.add_typer(task_app, name="task")
app.add_typer(run_app, name="run")
app.command("leaderboard")(leaderboard)
app.add_typer(model_app, name="model")
app.add_typer(server.db_app, name="db")
app.add_typer(server.user_app, name="user")
app.command("serve")(server.serve)
app.command("worker")(server.worker)
app.command("demo")(server.demo)


def main() -> None:
    """Run the ``mlhive`` command line (the console script; also ``python -m mlhive.cli.main``).

    A failing command prints one line, ``error: ...``, on stderr and exits with code 1; a usage
    error exits with code 2, after click's message.
    """
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
