"""The ``mlhive`` command: one sub-command per noun, plus ``serve``, ``worker`` and ``demo``."""

from __future__ import annotations

import typer

from mlhive.cli import server
from mlhive.cli.dataset import app as dataset_app
from mlhive.cli.model import app as model_app
from mlhive.cli.run import app as run_app
from mlhive.cli.run import leaderboard
from mlhive.cli.task import app as task_app

app = typer.Typer(
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


if __name__ == "__main__":  # pragma: no cover
    app()
