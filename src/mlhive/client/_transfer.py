"""Streaming uploads and downloads with an optional progress bar (drawn on stderr)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

Advance = Callable[[int], None]
CHUNK = 1 << 20


def _ignore(_: int) -> None:
    """Progress callback when no bar is shown."""


@contextmanager
def progress_bar(enabled: bool, description: str, total: int | None) -> Iterator[Advance]:
    """Yield a callback that advances a byte-count progress bar on stderr.

    Args:
        enabled: draw the bar; when False the callback does nothing.
        description: the text before the bar.
        total: the expected number of bytes, or None when unknown.
    """
    if not enabled:
        yield _ignore
        return
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


Report = Callable[[int, int], None]


def _ignore_count(done: int, total: int) -> None:
    """Count callback when no bar is shown."""


@contextmanager
def count_bar(enabled: bool, description: str) -> Iterator[Report]:
    """Yield a ``(done, total)`` callback that moves a "3/10" progress bar on stderr.

    Args:
        enabled: draw the bar; when False the callback does nothing.
        description: the text before the bar (e.g. ``folds``).
    """
    if not enabled:
        yield _ignore_count
        return
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(description, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


class ProgressFile(io.RawIOBase):
    """A read-only view of a binary file that reports every read to a callback.

    httpx streams multipart file fields chunk by chunk from ``read``; ``fileno``/``seek`` are
    passed through so httpx can still compute the Content-Length.
    """

    def __init__(self, raw: BinaryIO, advance: Advance) -> None:
        super().__init__()
        self._raw = raw
        self._advance = advance

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._raw.seekable()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self._advance(len(data))
        return len(data)


def content_length(response: httpx.Response) -> int | None:
    """The response's declared body size (None when it is not declared, e.g. gzip-encoded)."""
    declared = response.headers.get("content-length")
    if declared is None or not declared.isdigit() or response.headers.get("content-encoding"):
        return None
    return int(declared)


def iter_body(response: httpx.Response, advance: Advance) -> Iterator[bytes]:
    """The decoded body of a streamed response, reporting progress as bytes arrive."""
    seen = 0
    for chunk in response.iter_bytes(CHUNK):
        yield chunk
        now = response.num_bytes_downloaded
        advance(now - seen)
        seen = now
