"""API keys never reach a log line: every form a client may send a key in is masked."""

from __future__ import annotations

import logging
import logging.config
import sys

import pytest

from mlhive.server.http.logs import KeyMask, logging_config, mask_keys

KEY = "mlh_6i-HIbWyFlEKpVreFERm5B4aXpjj8J92HKDWS9O-gR4"
ENCODED = "".join(f"%{byte:02X}" for byte in KEY.encode())


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (f"GET /api/v1/xml/data/1?api_key={KEY}&x=1", "GET /api/v1/xml/data/1?api_key=***&x=1"),
        (f"GET /d?api%5Fkey={KEY}", "GET /d?api%5Fkey=***"),
        (f"GET /d?api%5fkey={KEY}", "GET /d?api%5fkey=***"),
        (f"GET /d?API_KEY={KEY}&Api_Key={KEY}", "GET /d?API_KEY=***&Api_Key=***"),
        (f"GET /d?%61pi_key={ENCODED}", "GET /d?%61pi_key=***"),
        ("GET /d?api%255Fkey=not-an-mlhive-key", "GET /d?api%255Fkey=***"),
        (f"GET /d?api_key={KEY}&api_key={KEY} HTTP/1.1", "GET /d?api_key=***&api_key=*** HTTP/1.1"),
        (f"api_key={KEY}&name=iris", "api_key=***&name=iris"),  # a form body
        (f"Authorization: Bearer {KEY}", "Authorization: Bearer ***"),
        (f"{{'authorization': 'Bearer {KEY}'}}", "{'authorization': 'Bearer ***'}"),
        (f"GET /api/datasets/{KEY}", "GET /api/datasets/mlh_***"),
        (f"GET /d?q={ENCODED}", "GET /d?q=mlh_***"),
        ("GET /api/v1/xml/data/list/limit/5?x=1", "GET /api/v1/xml/data/list/limit/5?x=1"),
    ],
)
def test_every_form_of_a_key_is_masked(line: str, masked: str) -> None:
    assert mask_keys(line) == masked


def _record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, message, args, info)


def test_the_filter_masks_arguments_in_place_and_tracebacks() -> None:
    record = _record(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", f"/d?api_key={KEY}", "1.1", 200
    )
    assert KeyMask().filter(record)
    assert record.args == ("127.0.0.1:5", "GET", "/d?api_key=***", "1.1", 200)
    try:
        raise ValueError(f"bad key {KEY}")
    except ValueError as exc:
        failed = _record("failed on %s", ValueError(KEY), exc=exc)
    assert KeyMask().filter(failed)
    assert KEY not in logging.Formatter().format(failed)
    assert "ValueError: bad key mlh_***" in logging.Formatter().format(failed)


def test_the_server_s_logging_config_masks_every_logger(capfd: pytest.CaptureFixture[str]) -> None:
    saved = {name: logging.getLogger(name) for name in ("", "uvicorn", "uvicorn.access")}
    state = {name: (lg.handlers[:], lg.level, lg.propagate) for name, lg in saved.items()}
    try:
        logging.config.dictConfig(logging_config())
        logging.getLogger("mlhive.api").error("failed on /d?api_key=%s", KEY)
        logging.getLogger("sqlalchemy.engine").warning("Bearer %s", KEY)
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", f"/d?API%5FKEY={KEY}", "1.1", 200
        )
        sys.stderr.flush()
    finally:
        for name, (handlers, level, propagate) in state.items():
            saved[name].handlers[:] = handlers
            saved[name].setLevel(level)
            saved[name].propagate = propagate
    out, err = capfd.readouterr()
    assert KEY not in out + err
    assert "failed on /d?api_key=***" in err and "Bearer ***" in err
    assert '"GET /d?API%5FKEY=*** HTTP/1.1" 200' in out
