"""Keep API keys out of the logs, in every form a client may send them.

uvicorn's access log prints each request's path with its raw query string, where OpenML's
clients put the key (``?api_key=…``); Starlette decodes parameter names, so ``?api%5Fkey=…``
authenticates as well. :class:`KeyMask` rewrites every record it sees so that

- the value of every parameter whose name, percent-decoded and lower-cased, is ``api_key``
  (``api_key``, ``API_KEY``, ``api%5Fkey``, ``api%255Fkey``…) becomes ``***``, however often
  it is repeated;
- the credentials after ``Bearer`` (an ``Authorization`` header's value) become ``***``;
- anything shaped like an mlhive key (``mlh_`` and URL-safe characters, percent-encoded or
  not) becomes ``mlh_***``, wherever it stands (a path, a message, a traceback).

``mlhive serve`` and ``mlhive worker`` put the filter on every handler (:func:`logging_config`),
so it sees every line; :func:`install_key_mask` (called by ``create_app``) puts it on uvicorn's
request loggers and on mlhive's own, for servers started any other way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote_plus

MASK = "***"
KEY_NAMES = frozenset({"api_key"})

_PARAMETER = re.compile(r"(?P<name>[^\s?&=;\"'<>]+)=(?P<value>[^&\s\"'<>]*)")
_BEARER = re.compile(r"(?i)\b(bearer(?:\s+|%20|\+))[^\s\"',;]+")
_SHAPED = re.compile(
    r"(?:m|%6[dD])(?:l|%6[cC])(?:h|%68)(?:_|%5[fF])(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2}){16,}"
)
_PLAIN = (str, int, float, bool, type(None))


def _decoded_name(name: str) -> str:
    # Decoding repeatedly unmasks double encoding (api%255Fkey) too; three rounds suffice.
    for _ in range(3):
        decoded = unquote_plus(name)
        if decoded == name:
            break
        name = decoded
    return name.strip().lower()


def _parameter(match: re.Match[str]) -> str:
    if match["value"] and _decoded_name(match["name"]) in KEY_NAMES:
        return f"{match['name']}={MASK}"
    return match[0]


def mask_keys(text: str) -> str:
    """``text`` with every API key in it replaced (see the module docstring).

    Example:
        >>> mask_keys("GET /api/v1/xml/data/list?API%5Fkey=abc&limit=5")
        'GET /api/v1/xml/data/list?API%5Fkey=***&limit=5'
    """
    if "=" in text:
        text = _PARAMETER.sub(_parameter, text)
    text = _BEARER.sub(rf"\g<1>{MASK}", text)
    return _SHAPED.sub(f"mlh_{MASK}", text)


def _masked(value: object) -> object:
    if isinstance(value, str):
        return mask_keys(value)
    if isinstance(value, _PLAIN):
        return value
    text = str(value)
    masked = mask_keys(text)
    return value if masked == text else masked


class KeyMask(logging.Filter):
    """Log filter: mask API keys in a record's message, arguments and traceback.

    The arguments keep their places (uvicorn's access formatter reads them one by one).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_keys(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_masked(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_keys(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_keys(record.stack_info)
        return True


OWN_LOGGERS = ("uvicorn.access", "uvicorn.error", "mlhive", "mlhive.api", "mlhive.openml",
               "mlhive.worker")  # fmt: skip
"""The loggers that print request lines (uvicorn's) and mlhive's own."""


def install_key_mask(logger_names: Sequence[str] = OWN_LOGGERS) -> None:
    """Attach :class:`KeyMask` once to each named logger, whatever server runs the app.

    A logger's filter sees only the records logged on that very logger; other loggers' records
    are masked where a handler has the filter (as :func:`logging_config` sets up)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, KeyMask) for f in logger.filters):
            logger.addFilter(KeyMask())


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for the server's processes (and uvicorn's
    ``log_config``): one line format, every handler masking API keys."""
    line = "%(asctime)s %(levelname)s %(name)s %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"keys": {"()": KeyMask}},
        "formatters": {
            "plain": {"format": line},
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(asctime)s %(levelname)s %(name)s %(client_addr)s - "%(request_line)s" '
                "%(status_code)s",
                "use_colors": False,
            },
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["keys"],
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "filters": ["keys"],
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
        },
        "root": {"handlers": ["default"], "level": level},
    }
