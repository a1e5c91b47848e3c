"""The client's one door to the server: auth headers, retries, error mapping.

Every resource module goes through :class:`HttpCore`; none of them touches httpx errors or
status codes directly. Idempotent requests (GET, HEAD, PUT, DELETE) are retried with exponential
back-off on transport errors and on 502/503/504; uploads (POST) are never retried because their
body may already be consumed. A 429 (rate limited) is answered before the server reads anything,
so every request whose body can be sent again (no file or stream) is retried after the server's
``Retry-After``, when that is at most ``max_retry_after`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from mlhive._version import __version__
from mlhive.errors import ConnectionFailedError, raise_for_status

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})
RATE_LIMITED = 429


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds a 429 asks to wait (``Retry-After`` in seconds; dates are not used)."""
    value = response.headers.get("Retry-After", "")
    return float(value) if value.strip().isdigit() else None


def _replayable(kwargs: Mapping[str, Any]) -> bool:
    """Whether a request's body can be sent a second time (no files, no stream)."""
    content = kwargs.get("content")
    return "files" not in kwargs and (content is None or isinstance(content, bytes | str))


class HttpCore:
    """Sends requests to the mlhive API and turns failures into :mod:`mlhive.errors` exceptions.

    Args:
        http: the httpx client; paths are relative to its ``base_url``.
        api_key: sent as ``Authorization: Bearer <key>`` when given.
        retries: how many times an idempotent request is retried (and a rate-limited one).
        backoff: seconds before the first retry (doubled each time).
        max_retry_after: the longest ``Retry-After`` of a 429 waited for; a longer one raises
            :class:`~mlhive.errors.RateLimitedError` at once.
        sleep: waits the given seconds between attempts (tests pass one that returns at once).
        owns_client: close ``http`` in :meth:`close` (only when this object created it).
    """

    def __init__(
        self,
        http: httpx.Client,
        api_key: str | None,
        *,
        retries: int = 2,
        backoff: float = 0.5,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        owns_client: bool = False,
    ) -> None:
        self.http = http
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self._owns_client = owns_client
        self._headers = {"User-Agent": f"mlhive-python/{__version__}"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    @property
    def base_url(self) -> str:
        """The server's base URL (e.g. ``http://127.0.0.1:8000``)."""
        return str(self.http.base_url).rstrip("/")

    def close(self) -> None:
        """Close the underlying httpx client if this object created it."""
        if self._owns_client:
            self.http.close()

    def _failed(self, exc: httpx.TransportError) -> ConnectionFailedError:
        return ConnectionFailedError(f"cannot reach the mlhive server at {self.base_url}: {exc}")

    def _build(
        self, method: str, path: str, headers: Mapping[str, str] | None, **kwargs: Any
    ) -> httpx.Request:
        merged = {**self._headers, **(headers or {})}
        return self.http.build_request(method, path, headers=merged, **kwargs)

    def _send(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
        *,
        stream: bool,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send, retrying as the module docstring says; the last answer is returned as it is."""

        def send() -> httpx.Response:
            # A new request per attempt: the previous one's body stream may be consumed.
            return self.http.send(self._build(method, path, headers, **kwargs), stream=stream)

        idempotent = method.upper() in IDEMPOTENT
        replayable = idempotent or _replayable(kwargs)
        for attempt in range(self.retries if replayable else 0):
            backoff = self.backoff * 2**attempt
            try:
                response = send()
            except httpx.TransportError as exc:
                if not idempotent:  # the server may have acted on it: never send it twice
                    raise self._failed(exc) from exc
                self.sleep(backoff)
                continue
            wait = self._wait(response, idempotent=idempotent)
            if wait is None:
                return response
            response.close()
            self.sleep(wait or backoff)
        try:
            return send()
        except httpx.TransportError as exc:
            raise self._failed(exc) from exc

    def _wait(self, response: httpx.Response, *, idempotent: bool) -> float | None:
        """None to keep ``response``; else seconds to wait before a retry (0: the back-off)."""
        if response.status_code == RATE_LIMITED:
            seconds = _retry_after(response)
            if seconds is None or seconds > self.max_retry_after:
                return None
            return seconds
        if idempotent and response.status_code in RETRY_STATUSES:
            return 0.0
        return None

    def request(
        self, method: str, path: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send a request, read the whole answer, and raise for error statuses.

        Args:
            method: the HTTP method.
            path: the path under the base URL, e.g. ``/api/datasets/1``.
            headers: extra headers.
            **kwargs: passed to ``httpx.Client.build_request`` (``params``, ``json``, ``files``,
                ``data``, ``content``).

        Returns:
            The successful (2xx or 304) response, body read.

        Raises:
            ConnectionFailedError: the server could not be reached (after the retries).
            APIError: (a subclass of) for 4xx/5xx answers.
        """
        response = self._send(method, path, headers, stream=False, **kwargs)
        raise_for_status(response)
        return response

    def get_json(self, path: str, params: Any = None) -> Any:
        """GET ``path`` and return the decoded JSON body.

        Raises:
            ConnectionFailedError, APIError: as :meth:`request`.
        """
        return self.request("GET", path, params=params).json()

    @contextmanager
    def stream(
        self, method: str, path: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> Iterator[httpx.Response]:
        """Send a request and yield the response before its body is read (for downloads).

        Only opening the connection is retried; a failure mid-body raises
        :class:`~mlhive.errors.ConnectionFailedError`.

        Raises:
            ConnectionFailedError, APIError: as :meth:`request` (the error body is read first).
        """
        response = self._send(method, path, headers, stream=True, **kwargs)
        try:
            if not response.is_success and response.status_code != 304:
                response.read()
                raise_for_status(response)
            yield response
        except httpx.TransportError as exc:
            raise self._failed(exc) from exc
        finally:
            response.close()
