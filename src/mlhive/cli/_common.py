"""Helpers shared by the client-side commands: connection options, output, error display.

Conventions: data goes to stdout (tables, JSON lines, ids, paths); progress bars, warnings and
errors go to stderr. A failure prints one line (``error: ...``) and exits with code 1.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Concatenate

import typer
from rich.console import Console
from rich.table import Table

from mlhive.errors import CachedDataWarning, MlhiveError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from mlhive.client import Client

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Server URL (else the config file, else http://127.0.0.1:8000).",
        envvar="MLHIVE_URL",
        show_envvar=True,
    ),
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        help="API key (else the config file; reading public data needs none).",
        envvar="MLHIVE_API_KEY",
        show_envvar=True,
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", metavar="", help="Print JSON instead of a table.")
]

ClientFactory = Callable[[str | None, str | None], "Client"]


def _default_factory(url: str | None, api_key: str | None) -> Client:
    from mlhive.client import Client  # pandas and pyarrow load only when a command needs them

    return Client(url, api_key)


#: Builds the client every command uses. Tests replace it to talk to an in-process app.
client_factory: ClientFactory = _default_factory


ParentsOption = Annotated[
    bool, typer.Option("--parents", "-p", help="Create the output's missing folders.")
]


def check_output_folder(output: Path | None, parents: bool) -> None:
    """Refuse to write into a folder that does not exist, unless ``--parents`` asks for it.

    With ``--parents`` the folder is created, and named on stderr.
    """
    folder = output.parent if output is not None and not output.is_dir() else None
    if folder is None or folder.is_dir():
        return
    if not parents:
        typer.echo(
            f"error: folder {str(folder)!r} does not exist: create it, or pass --parents", err=True
        )
        raise typer.Exit(1)
    typer.echo(f"creating folder {str(folder)!r}", err=True)
    folder.mkdir(parents=True, exist_ok=True)


def show_progress() -> bool:
    """Whether to draw progress bars: only for a person watching a terminal on stderr."""
    return sys.stderr.isatty()


@contextmanager
def waiting(what: str) -> Iterator[None]:
    """Tell, on stderr, what a command is waiting for: a spinner on a terminal, else one line.

    Args:
        what: e.g. ``"dataset 5 to be processed"``.
    """
    if not show_progress():
        typer.echo(f"waiting for {what}…", err=True)
        yield
        return
    with Console(stderr=True).status(f"waiting for {what}…"):
        yield


#: The width of tables written to a pipe or a file: wide enough that no cell is ever folded.
PIPE_WIDTH = 100_000


def stdout() -> Console:
    """A rich console on the current stdout (looked up per call, so test runners capture it).

    On a terminal, tables fit its width; into a pipe or a file they keep their natural width, so
    that ``grep``, ``cut`` and ``awk`` see every cell whole on one line.
    """
    width = None if sys.stdout.isatty() else PIPE_WIDTH
    return Console(highlight=False, soft_wrap=False, width=width)


@contextmanager
def client_from_options(url: str | None, api_key: str | None) -> Iterator[Client]:
    """Yield a client for the ``--url``/``--api-key`` options, closing it afterwards.

    Args:
        url: the ``--url`` option (or ``MLHIVE_URL``).
        api_key: the ``--api-key`` option (or ``MLHIVE_API_KEY``).
    """
    client = client_factory(url, api_key)
    try:
        yield client
    finally:
        client.close()


def with_client(command: Callable[Concatenate[Client, ...], None]) -> Callable[..., None]:
    """Give a command the ``--url`` and ``--api-key`` options and call it with their client.

    The command's first parameter is the :class:`~mlhive.client.Client` (closed afterwards);
    typer sees the command's other parameters, then ``--url`` and ``--api-key``.

    Example:
        >>> @app.command("get")  # doctest: +SKIP
        ... @with_client
        ... def get(client: Client, dataset_id: int) -> None:
        ...     typer.echo(client.datasets.get(dataset_id).name)
    """
    signature = inspect.signature(command)
    connection = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=option)
        for name, option in (("url", UrlOption), ("api_key", ApiKeyOption))
    ]
    # The client parameter's annotation is left unevaluated: Client is imported only for type
    # checking, so that `--help` never loads pandas.
    options = [_evaluated(p, command) for p in list(signature.parameters.values())[1:]]
    parameters = [*options, *connection]

    @functools.wraps(command)
    def run(*args: Any, url: str | None = None, api_key: str | None = None, **kwargs: Any) -> None:
        with client_from_options(url, api_key) as client:
            command(client, *args, **kwargs)

    # typer reads the options from the signature and, for the other parameters, the annotations.
    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    return run


def _evaluated(parameter: inspect.Parameter, command: Callable[..., Any]) -> inspect.Parameter:
    """``parameter`` with its string annotation evaluated in the command's module."""
    if not isinstance(parameter.annotation, str):
        return parameter
    namespace = vars(inspect.getmodule(command))
    annotation = eval(parameter.annotation, namespace)  # noqa: S307 - our own source's annotation
    return parameter.replace(annotation=annotation)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    typer.echo(f"warning: {message}", err=True)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn client errors into a one-line message on stderr and exit code 1.

    The ``mlhive`` group runs every command inside it (:mod:`mlhive.cli.main`).

    Client warnings (e.g. :class:`~mlhive.errors.CachedDataWarning`) are printed as one
    ``warning: ...`` line on stderr instead of Python's two-line format.

    Raises:
        typer.Exit: with code 1 after printing the message.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("always", CachedDataWarning)
        warnings.showwarning = _show_warning
        try:
            yield
        except BrokenPipeError:
            raise  # the reader closed the pipe: main() ends quietly
        except (MlhiveError, OSError, ValueError) as exc:
            # OSError: unreadable input or unwritable output; ValueError: a bad config file.
            # Plain echo, not rich: the message must stay one line whatever the terminal width.
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None


def jsonable(value: Any) -> Any:
    """``value`` with NaN replaced by None (JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    """Print one JSON document on one line to stdout."""
    sys.stdout.write(json.dumps(jsonable(value), ensure_ascii=False, default=str) + "\n")


def print_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    title: str = "",
    keep: Sequence[str] = (),
) -> None:
    """Print rows as a rich table to stdout.

    Args:
        rows: one mapping per row.
        columns: the keys to show, in order (missing keys show empty).
        title: an optional caption above the table.
        keep: columns printed whole however narrow the terminal (the others fold), e.g. a
            score that must never be squeezed into ``0.8…``.
    """
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    table = Table(title=title or None, show_lines=False)
    for index, column in enumerate(columns):
        if column in keep:
            width = max([len(column), *(len(line[index]) for line in cells)])
            table.add_column(column, no_wrap=True, min_width=width)
        else:
            table.add_column(column, overflow="fold")
    for line in cells:
        table.add_row(*line)
    stdout().print(table)


def print_models(
    items: Iterable[BaseModel],
    columns: Sequence[str],
    *,
    as_json: bool,
    row: Callable[[Any], Mapping[str, Any]] | None = None,
    title: str = "",
    keep: Sequence[str] = (),
) -> None:
    """Print wire objects: one JSON object per line with ``--json``, else a table.

    Args:
        items: the objects (pydantic models), in display order.
        columns: the table's columns.
        as_json: the ``--json`` flag.
        row: extra or reshaped cells of an item's table row (its fields are always there).
        title: the table's caption (not printed with ``--json``).
        keep: columns never folded (see :func:`print_table`).
    """
    if as_json:
        for item in items:
            print_json(item.model_dump(mode="json"))
        return
    rows = [{**item.model_dump(), **(row(item) if row else {})} for item in items]
    print_table(rows, columns, title=title, keep=keep)


def print_pairs(
    pairs: Mapping[str, Any], columns: tuple[str, str] = ("field", "value"), title: str = ""
) -> None:
    """Print a mapping as a two-column table to stdout (nothing when it is empty).

    Args:
        pairs: the keys and values, in display order.
        columns: the two column headers.
        title: an optional caption above the table.
    """
    if pairs:
        key, value = columns
        print_table([{key: k, value: v} for k, v in pairs.items()], columns, title=title)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
