"""``mlhive login | logout | whoami | config | key``: who you are to a server, and where it is.

``login`` checks the key with the server before it saves anything, so a typo never ends up in
the config file; the file is readable by its owner only. ``config`` tells, for each setting,
the value in force and where it came from (option, environment, config file or default).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from mlhive.cli._common import (
    ApiKeyOption,
    JsonOption,
    UrlOption,
    client_from_options,
    print_json,
    print_models,
    print_table,
    with_client,
)
from mlhive.client import config as client_config

if TYPE_CHECKING:
    from mlhive.client import Client

config_app = typer.Typer(
    help="Show or change the settings the commands use (URL, API key, cache folder).",
    invoke_without_command=True,
)
key_app = typer.Typer(help="List, issue and revoke your API keys.", no_args_is_help=True)

Setting = Annotated[str, typer.Argument(help="url, api_key or cache_dir.")]
_ENVIRONMENT = {
    "url": client_config.ENV_URL,
    "api_key": client_config.ENV_API_KEY,
    "cache_dir": client_config.ENV_CACHE_DIR,
}


def masked(api_key: str | None) -> str:
    """An API key as it may be printed: its first 8 characters (the key's public prefix)."""
    return "" if not api_key else f"{api_key[:8]}…"


def login(
    url: UrlOption = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            help="The key (asked for, unechoed, when omitted; never put it in shell history).",
            envvar="MLHIVE_API_KEY",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check an API key with the server, then save the URL and the key in the config file.

    Without ``--api-key`` the key is asked for on a terminal (unechoed), or read from the first
    line of standard input when that is a pipe or a file (``mlhive login < key.txt``).
    """
    secret = api_key or _key_from_input()
    with client_from_options(url, secret) as client:
        user = client.whoami()  # an invalid key stops here: nothing is saved
        server = client.url
    path = client_config.save_config_file(client_config.config_file(), url=server, api_key=secret)
    typer.echo(f"Signed in to {server} as {user.name}; saved in {path}.")


def _key_from_input() -> str:
    if sys.stdin.isatty():
        return str(typer.prompt("API key", hide_input=True))
    secret = sys.stdin.readline().strip()
    if not secret:
        raise typer.BadParameter(
            "no API key on standard input; pipe one in (`mlhive login < key.txt`) or pass --api-key"
        )
    return secret


def logout() -> None:
    """Remove the API key from the config file (the URL stays; the key itself stays valid)."""
    path = client_config.config_file()
    if "api_key" not in client_config.read_config_file(path):
        typer.echo(f"No API key is saved in {path}.")
        return
    client_config.save_config_file(path, api_key=None)
    typer.echo(f"Removed the API key from {path} (revoke it with `mlhive key revoke ID`).")


@with_client
def whoami(client: Client, as_json: JsonOption = False) -> None:
    """Show the user your API key belongs to, on which server."""
    user = client.whoami()
    if as_json:
        print_json({"server": client.url, **user.model_dump(mode="json")})
        return
    role = "administrator" if user.is_admin else "user"
    typer.echo(f"{user.name} ({role}, {user.key_scope.value} key) on {client.url}")


def _source(ctx: typer.Context, setting: str, file: dict[str, str]) -> str:
    # --url and --api-key also read the environment: ask click which of the two it was.
    given = ctx.get_parameter_source(setting) if setting in ctx.params else None
    if given is not None and given.name == "COMMANDLINE":
        return "option"
    if os.environ.get(_ENVIRONMENT[setting]):
        return _ENVIRONMENT[setting]
    return "config file" if setting in file else "default"


@config_app.callback()
def config_show(
    ctx: typer.Context,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show each setting in force and where it came from (sub-commands change the file)."""
    if ctx.invoked_subcommand is not None:
        return
    path = client_config.config_file()
    file = client_config.read_config_file(path)
    resolved = client_config.resolve(url, api_key)
    values = {"url": resolved.url, "api_key": resolved.api_key, "cache_dir": resolved.cache_dir}
    rows = [
        {
            "setting": name,
            "value": masked(resolved.api_key) if name == "api_key" else str(values[name] or ""),
            "from": _source(ctx, name, file),
        }
        for name in client_config.SETTINGS
    ]
    if as_json:
        print_json({"config_file": str(path), "settings": rows})
        return
    print_table(rows, ["setting", "value", "from"], title=f"config file: {path}")


@config_app.command("set")
def config_set(setting: Setting, value: Annotated[str, typer.Argument()]) -> None:
    """Save a setting in the config file (``mlhive login`` checks a key first: prefer it)."""
    path = client_config.save_config_file(client_config.config_file(), **{setting: value})
    typer.echo(f"Saved {setting} in {path}.")


@config_app.command("unset")
def config_unset(setting: Setting) -> None:
    """Remove a setting from the config file (its default or environment value applies)."""
    path = client_config.save_config_file(client_config.config_file(), **{setting: None})
    typer.echo(f"Removed {setting} from {path}.")


@config_app.command("path")
def config_path() -> None:
    """Print where the config file is (``$MLHIVE_CONFIG`` moves it)."""
    typer.echo(str(client_config.config_file()))


@key_app.command("ls")
@with_client
def key_ls(client: Client, as_json: JsonOption = False) -> None:
    """List your API keys (revoked ones too); secrets are never shown again."""
    keys = client.keys.list()
    print_models(
        keys,
        ["id", "prefix", "label", "scope", "created_at", "revoked_at"],
        as_json=as_json,
        row=lambda key: {"prefix": f"{key.prefix}…"},
    )


@key_app.command("create")
@with_client
def key_create(
    client: Client,
    label: Annotated[str, typer.Option(help="A name to tell the key apart later.")] = "",
    read_only: Annotated[
        bool,
        typer.Option("--read-only", help="A key that reads all you may read and never writes."),
    ] = False,
) -> None:
    """Issue another key for yourself; its secret is printed once, on stdout."""
    new = client.keys.create(label, read_only=read_only)
    scope = new.key.scope.value
    typer.echo(f"{scope} key {new.key.id} issued; store it now, it is not shown again:", err=True)
    typer.echo(new.api_key)


@key_app.command("revoke")
@with_client
def key_revoke(
    client: Client, key_id: Annotated[int, typer.Argument(help="The key's id.")]
) -> None:
    """Revoke one of your keys: requests with it fail from now on."""
    key = client.keys.revoke(key_id)
    typer.echo(f"Revoked key {key.id} ({key.prefix}…).")
