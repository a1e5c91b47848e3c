"""Server-side commands: serve, worker, db, user, demo. They need the ``server`` extra."""

from __future__ import annotations

import contextlib
import functools
import json
import logging.config
import os
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

db_app = typer.Typer(help="Manage the metadata database.", no_args_is_help=True)
user_app = typer.Typer(
    help="Manage users and API keys (directly on the database).", no_args_is_help=True
)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data folder (SQLite file, local blobs).",
        envvar="MLHIVE_DATA_DIR",
        show_envvar=True,
    ),
]


DEMO_AUTOML_BUDGET = 30
"""Seconds of AutoML `mlhive demo` gives each dataset it processes (MLHIVE_AUTO_AUTOML_BUDGET)."""
# Listening on every interface names no host; MLHIVE_TRUSTED_HOSTS or MLHIVE_PUBLIC_URL must.
WILDCARDS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names, not a bind


def _settings(data_dir: Path | None, **overrides: Any) -> Any:
    try:
        from mlhive.server.config import Settings
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        typer.echo("the server commands need: pip install 'mlhive[server]'", err=True)
        raise typer.Exit(2) from exc
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    return Settings(**overrides)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    data_dir: DataDir = None,
    workers: Annotated[int, typer.Option(help="In-process job workers (0 = none).")] = 1,
) -> None:
    """Run the server (migrating the database first)."""
    import uvicorn

    from mlhive.server.app import create_app
    from mlhive.server.http.logs import logging_config

    settings = _settings(data_dir, **({} if workers else {"worker": "off"}))
    if host not in WILDCARDS:  # the bound name is one clients use: trust it
        trusted = f"{settings.trusted_hosts},{host}"
        settings = settings.model_copy(update={"trusted_hosts": trusted})
    log_config = logging_config()  # every handler masks API keys
    logging.config.dictConfig(log_config)
    typer.echo(f"mlhive serving http://{host}:{port}/  (data: {settings.data_dir})", err=True)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_config=log_config,
        timeout_graceful_shutdown=10,
    )


def serve_models(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8001,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes answering calls (uvicorn workers).")
    ] = 2,
    data_dir: DataDir = None,
) -> None:
    """Serve only the deployments' calls (predict, invocations) and health, in several
    processes, beside the main server on the same database and store."""
    import os

    import uvicorn

    from mlhive.server.app import build_hive
    from mlhive.server.db.migrate import upgrade
    from mlhive.server.http.logs import logging_config

    settings = _settings(data_dir, worker="off")
    if host not in WILDCARDS:  # the bound name is one clients use: trust it
        settings = settings.model_copy(update={"trusted_hosts": f"{settings.trusted_hosts},{host}"})
    hive = build_hive(settings)  # migrate once here, not in every worker
    try:
        upgrade(hive.engine)
    finally:
        hive.engine.dispose()
    # The workers are new processes: they read their settings from the environment.
    os.environ["MLHIVE_DATA_DIR"] = str(settings.data_dir)
    os.environ["MLHIVE_TRUSTED_HOSTS"] = settings.trusted_hosts
    log_config = logging_config()
    logging.config.dictConfig(log_config)
    typer.echo(
        f"mlhive serving deployments on http://{host}:{port}/api/deployments/{{name}}/predict "
        f"with {workers} worker(s)  (data: {settings.data_dir})",
        err=True,
    )
    uvicorn.run(
        "mlhive.server.app:create_serving_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config,
        timeout_graceful_shutdown=10,
    )


def worker(data_dir: DataDir = None) -> None:
    """Run a job worker in the foreground (any number may run beside the server)."""
    from mlhive.server.app import build_hive
    from mlhive.server.db.migrate import upgrade
    from mlhive.server.http.logs import logging_config

    hive = build_hive(_settings(data_dir))
    upgrade(hive.engine)
    logging.config.dictConfig(logging_config())
    typer.echo(f"mlhive worker {hive.worker.name} polling {hive.settings.data_dir}", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        hive.worker.run_forever()


@db_app.command("upgrade")
def db_upgrade(
    data_dir: DataDir = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply database migrations."""
    from mlhive.server.db.engine import make_engine
    from mlhive.server.db.migrate import current_revision, upgrade

    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine, revision)
    typer.echo(f"database at revision {current_revision(engine)}")


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="User name.")],
    admin: Annotated[
        bool, typer.Option("--admin", metavar="", help="Grant administrator rights.")
    ] = False,
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", metavar="", help="Print JSON.")] = False,
) -> None:
    """Create a user and print its first API key (shown only once)."""
    from mlhive.server.app import build_hive
    from mlhive.server.db.engine import transaction
    from mlhive.server.db.migrate import upgrade
    from mlhive.server.domain.errors import DomainError
    from mlhive.server.services import accounts

    hive = build_hive(_settings(data_dir))
    upgrade(hive.engine)
    try:
        with transaction(hive.sessions) as session:
            user = accounts.create_user(session, name, is_admin=admin)
            _, secret = accounts.issue_key(session, user, "cli")
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({"name": name, "is_admin": admin, "api_key": secret}))
    else:
        typer.echo(secret)


@user_app.command("ls")
def user_ls(
    search: Annotated[
        str, typer.Option("--search", "-s", help="Text in the user name (any case).")
    ] = "",
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 1000,
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", metavar="", help="Print JSON.")] = False,
) -> None:
    """List the users, by name (from the database: run it where the server's data is)."""
    from mlhive.cli._common import print_json, print_table
    from mlhive.server.app import build_hive
    from mlhive.server.db.engine import transaction
    from mlhive.server.db.migrate import upgrade
    from mlhive.server.services import accounts

    hive = build_hive(_settings(data_dir))
    upgrade(hive.engine)
    with transaction(hive.sessions) as session:
        rows = [
            {
                "name": user.name,
                "is_admin": user.is_admin,
                "created_at": user.created_at.isoformat(timespec="seconds"),
            }
            for user in accounts.search_users(session, search, limit)
        ]
    if as_json:
        for row in rows:
            print_json(row)
    else:
        print_table(rows, ["name", "is_admin", "created_at"])


def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Data folder.")] = Path(
        "mlhive-demo"
    ),
    load_only: Annotated[
        bool, typer.Option("--load-only", metavar="", help="Load, then exit.")
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Load only this demo dataset (repeat), e.g. iris."),
    ] = None,
) -> None:
    """Serve at once and load demo content (real datasets shipped in installed packages).

    The content loads in the background, step by step on the terminal; what a previous start
    loaded is kept as it is (nothing is fitted twice), and nothing the demo did not make is
    touched.
    """
    from mlhive.server.demo.datasets import DEMO_DATASETS, load_content, prepare_demo

    known = [spec.name for spec in DEMO_DATASETS]
    unknown = sorted(set(only or []) - set(known))
    if unknown:
        raise typer.BadParameter(
            f"no demo dataset {unknown}; the demo has {known}", param_hint="--only"
        )
    # In the demo every new dataset arrives with a leaderboard (an operator's choice elsewhere).
    os.environ.setdefault("MLHIVE_AUTO_AUTOML_BUDGET", str(DEMO_AUTOML_BUDGET))
    settings = _settings(data_dir)
    key = prepare_demo(settings)
    url = f"http://{host}:{port}"
    typer.echo(f"\nmlhive demo: open {url}/ in a browser", err=True)
    typer.echo(f"admin API key: {key}  (sign in with it; API docs at /api/docs)", err=True)
    typer.echo(f"  mlhive login --url {url}    (paste the key when asked)\n", err=True)
    load = functools.partial(load_content, settings, only or None, report=_demo_progress)
    if load_only:
        load()
        return
    loader = threading.Thread(target=_load_demo, args=(load,), name="demo-loader", daemon=True)
    loader.start()
    serve(host=host, port=port, data_dir=data_dir, workers=1)


def _demo_progress(message: str) -> None:
    typer.echo(f"[demo] {message}", err=True)


def _load_demo(load: Callable[[], None]) -> None:
    """Load the demo content beside the running server; a failure is reported, not raised."""
    _demo_progress("loading the demo content in the background; the pages fill as it lands")
    try:
        load()
    except Exception:  # the server keeps serving what has loaded
        _demo_progress("loading stopped:\n" + traceback.format_exc())
        return
    _demo_progress("ready: every demo dataset, task, run and model is loaded")
