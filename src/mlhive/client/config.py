"""Where the client connects and caches: explicit arguments > environment > config file > defaults.

The config file is ``<user config dir>/mlhive/config.toml`` (see :func:`config_file`)::

    url = "https://mlhive.example.org"
    api_key = "mlh_..."
    cache_dir = "/data/mlhive-cache"   # optional
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import tomli_w

DEFAULT_URL = "http://127.0.0.1:8000"
ENV_URL = "MLHIVE_URL"
ENV_API_KEY = "MLHIVE_API_KEY"
ENV_CACHE_DIR = "MLHIVE_CACHE_DIR"
ENV_CONFIG = "MLHIVE_CONFIG"


@dataclass(frozen=True)
class ClientConfig:
    """The resolved connection settings of a :class:`~mlhive.Client`.

    Attributes:
        url: the server's base URL, without a trailing slash.
        api_key: the API key, or None for anonymous (read-only) access.
        cache_dir: the folder of the local download cache.
    """

    url: str
    api_key: str | None
    cache_dir: Path

    def __repr__(self) -> str:
        # Never print a secret into logs or tracebacks.
        key = "None" if self.api_key is None else "'***'"
        return f"ClientConfig(url={self.url!r}, api_key={key}, cache_dir={self.cache_dir!r})"


def config_file(environ: Mapping[str, str] | None = None) -> Path:
    """The config file's path: ``$MLHIVE_CONFIG`` or ``<user config dir>/mlhive/config.toml``.

    Args:
        environ: the environment to read (``os.environ`` when omitted).

    Returns:
        The path (the file need not exist).
    """
    env = os.environ if environ is None else environ
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG]).expanduser()
    return Path(platformdirs.user_config_dir("mlhive")) / "config.toml"


def read_config_file(path: Path) -> dict[str, str]:
    """The string settings of a config file (``{}`` when it does not exist).

    Args:
        path: a TOML file.

    Returns:
        Its top-level string values (``url``, ``api_key``, ``cache_dir``).

    Raises:
        ValueError: when the file is not valid TOML (the message names the file).
    """
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"invalid mlhive config file {path}: {exc}") from None
    return {key: value for key, value in data.items() if isinstance(value, str)}


SETTINGS = ("url", "api_key", "cache_dir")


def save_config_file(path: Path, **values: str | None) -> Path:
    """Set (a string) or remove (None) settings in a config file, keeping the others.

    The file is written whole to a temporary file beside it, then renamed over it, readable by
    its owner only (it holds an API key); missing parent folders are created.

    Args:
        path: the config file (see :func:`config_file`).
        **values: ``url``, ``api_key`` or ``cache_dir``.

    Returns:
        ``path``.

    Raises:
        ValueError: a setting that is not one of :data:`SETTINGS`, or an existing file that is
            not valid TOML.

    Example:
        >>> save_config_file(tmp / "config.toml", url="http://hive:8000")  # doctest: +SKIP
    """
    unknown = sorted(set(values) - set(SETTINGS))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown}: a config file holds {list(SETTINGS)}")
    settings: dict[str, str] = dict(read_config_file(path))
    for key, value in values.items():
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            tomli_w.dump(settings, handle)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def resolve(
    url: str | None = None,
    api_key: str | None = None,
    cache_dir: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Resolve the settings: explicit arguments > environment > config file > defaults.

    Args:
        url: the server URL, if given explicitly.
        api_key: the API key, if given explicitly (``""`` forces anonymous access).
        cache_dir: the cache folder, if given explicitly.
        environ: the environment to read (``os.environ`` when omitted).

    Returns:
        The resolved :class:`ClientConfig`.

    Raises:
        ValueError: when the config file is not valid TOML.

    Example:
        >>> resolve("http://hive:8000", environ={}).url
        'http://hive:8000'
    """
    env = os.environ if environ is None else environ
    needs_file = url is None and not env.get(ENV_URL)
    needs_file |= api_key is None and not env.get(ENV_API_KEY)
    needs_file |= cache_dir is None and not env.get(ENV_CACHE_DIR)
    file = read_config_file(config_file(env)) if needs_file else {}

    def pick(explicit: str | Path | None, env_name: str, key: str) -> str | None:
        if explicit is not None:
            return str(explicit)
        return env.get(env_name) or file.get(key) or None

    resolved_url = pick(url, ENV_URL, "url") or DEFAULT_URL
    resolved_cache = pick(cache_dir, ENV_CACHE_DIR, "cache_dir")
    return ClientConfig(
        url=resolved_url.rstrip("/"),
        api_key=pick(api_key, ENV_API_KEY, "api_key") or None,
        cache_dir=Path(resolved_cache).expanduser()
        if resolved_cache
        else Path(platformdirs.user_cache_dir("mlhive")),
    )
