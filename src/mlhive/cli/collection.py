"""``mlhive suite`` and ``mlhive study``: named collections of tasks and of runs.

The two nouns share one set of commands; only what they collect differs (task ids, run ids).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from mlhive.cli._common import JsonOption, print_json, print_table, waiting, with_client

if TYPE_CHECKING:
    from mlhive.client import Client
    from mlhive.client.studies import StudiesAPI, SuitesAPI
    from mlhive.wire.studies import CollectionOut
    from mlhive.wire.suite_runs import SuiteRunOut

Ref = Annotated[str, typer.Argument(metavar="ID_OR_ALIAS", help="The collection's id or alias.")]
Ids = Annotated[list[int], typer.Argument(metavar="IDS...", help="Ids to add or remove.")]
LIST_COLUMNS = ["id", "alias", "name", "status", "visibility", "creator", "members"]


def _reference(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _show(collection: CollectionOut, as_json: bool) -> None:
    if as_json:
        print_json(collection.model_dump(mode="json"))
        return
    alias = f" ({collection.alias})" if collection.alias else ""
    typer.echo(
        f"{collection.kind} {collection.id}{alias}: {collection.name} "
        f"[{collection.status}, {collection.visibility}] by {collection.creator}"
    )
    if collection.description:
        typer.echo(collection.description)
    members = collection.task_ids if collection.kind == "suite" else collection.run_ids
    noun = "tasks" if collection.kind == "suite" else "runs"
    typer.echo(f"{noun}: {', '.join(map(str, members)) or 'none'}")


def collection_app(kind: str) -> typer.Typer:
    """The commands of ``mlhive suite`` (``kind="suite"``) or ``mlhive study`` (``"study"``)."""
    member = "task" if kind == "suite" else "run"
    app = typer.Typer(
        help=f"Create and curate {kind} collections of {member}s.",
        epilog=f"Examples:\n\n  mlhive {kind} create my-{kind} --alias mine 1 2\n"
        f"  mlhive {kind} attach mine 3\n  mlhive {kind} show mine\n",
        no_args_is_help=True,
        add_completion=False,
    )

    def api(client: Client) -> SuitesAPI | StudiesAPI:
        return client.suites if kind == "suite" else client.studies

    @app.command("ls", help=f"List the {kind} collections you may see.")
    @with_client
    def ls(
        client: Client,
        status: Annotated[
            str | None, typer.Option(help="in_preparation, active or deactivated.")
        ] = None,
        limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 100,
        as_json: JsonOption = False,
    ) -> None:
        frame = api(client).list(status, limit=limit)  # type: ignore[arg-type]
        rows = [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
        if as_json:
            for row in rows:
                print_json({**row, "created_at": str(row["created_at"])})
            return
        for row in rows:
            row["members"] = len(row[f"{member}_ids"])
        print_table(rows, LIST_COLUMNS)

    @app.command("show", help=f"A {kind}: its name, status and {member}s.")
    @with_client
    def show(client: Client, ref: Ref, as_json: JsonOption = False) -> None:
        _show(api(client).get(_reference(ref)), as_json)

    @app.command("create", help=f"Create a {kind} of {member}s; prints its id.")
    @with_client
    def create(
        client: Client,
        name: Annotated[str, typer.Argument(help="Its name.")],
        ids: Annotated[list[int] | None, typer.Argument(metavar="IDS...", help="Members.")] = None,
        alias: Annotated[str | None, typer.Option(help="A unique short name.")] = None,
        description: Annotated[str, typer.Option(help="Free text.")] = "",
        private: Annotated[
            bool, typer.Option("--private", metavar="", help="Only you can see it.")
        ] = False,
    ) -> None:
        visibility: Literal["public", "private"] = "private" if private else "public"
        members = list(ids or [])
        if kind == "suite":
            made = client.suites.create(name, alias, description, members, visibility)
        else:
            made = client.studies.create(name, alias, description, members, visibility)
        typer.echo(made.id)

    @app.command("attach", help=f"Add {member}s to a {kind}.")
    @with_client
    def attach(client: Client, ref: Ref, ids: Ids) -> None:
        _show(api(client).attach(_reference(ref), ids), False)

    @app.command("detach", help=f"Remove {member}s from a {kind}.")
    @with_client
    def detach(client: Client, ref: Ref, ids: Ids) -> None:
        _show(api(client).detach(_reference(ref), ids), False)

    if kind == "suite":
        app.command("run")(run)
    return app


RUN_COLUMNS = ("task", "state", "run", "metric", "score", "seconds", "search", "error")


def _run_rows(out: SuiteRunOut) -> list[dict[str, object]]:
    return [
        {
            "task": t.task_id,
            "state": t.state,
            "run": t.run_id or "",
            "metric": t.metric or "",
            "score": "" if t.score is None else f"{t.score:.4f}",
            "seconds": "" if t.seconds is None else f"{t.seconds:.1f}",
            "search": t.automl_search_id or "",
            "error": t.error or "",
        }
        for t in out.tasks
    ]


@with_client
def run(
    client: Client,
    ref: Ref,
    flow: Annotated[
        int | None, typer.Option("--flow", help="A scikit-learn flow to refit on every task.")
    ] = None,
    setup: Annotated[
        int | None, typer.Option("--setup", help="A setup of that flow whose values to use.")
    ] = None,
    automl: Annotated[
        bool,
        typer.Option("--automl", metavar="", help="Run an AutoML search on every task instead."),
    ] = False,
    time: Annotated[
        float | None, typer.Option("--time", min=1, help="AutoML: wall-clock seconds per task.")
    ] = None,
    trials: Annotated[
        int | None, typer.Option("--trials", min=1, help="AutoML: at most this many trials.")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="AutoML: the seed.")] = 0,
    metric: Annotated[str | None, typer.Option(help="AutoML: the measure to optimise.")] = None,
    memory: Annotated[
        str | None, typer.Option("--memory", help="Per-process memory limit, e.g. 4GB.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a flow (--flow) or AutoML (--automl --time S) on every task of a suite.

    One job on the server; each task's result becomes a run, collected in a study. Prints
    each task's state, run and score.
    """
    if (flow is None) == (not automl):
        raise typer.BadParameter("give --flow FLOW_ID or --automl (with --time or --trials)")
    if automl and time is None and trials is None:
        raise typer.BadParameter("--automl needs --time SECONDS or --trials N (or both)")
    with waiting(f"suite {ref} to be run"):
        out = client.suites.run(
            _reference(ref), flow, setup_id=setup, automl=automl, time_budget=time,
            n_trials=trials, seed=seed, metric=metric, memory_limit=memory,
        )  # fmt: skip
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    what = "AutoML" if out.mode == "automl" else f"flow {out.flow_id}"
    title = (
        f"suite run {out.id} of suite {out.suite_id} ({what}): {out.done} done, "
        f"{out.failed} failed of {out.total}"
    )
    print_table(_run_rows(out), RUN_COLUMNS, title=title, keep=("score",))
    typer.echo(f"study: {out.study_id}")
