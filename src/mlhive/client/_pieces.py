"""A model file described piece by piece, so that a push sends only what the server lacks.

A safetensors file is described by its JSON header and the sha256 of every piece of every
tensor, in file order (each tensor cut into pieces of ``UPLOAD_CHUNK_BYTES``, the server's
chunks): pieces the server holds already (an unchanged tensor of the previous commit) are not
sent again. Any other file is one piece. Hashing reads the file through a memory map.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlhive.wire.models import UPLOAD_CHUNK_BYTES, ChunkRef

MAX_HEADER_BYTES = 100 * 1024**2
HASHERS = 4
"""Pieces hashed at once (at most one per CPU)."""


@dataclass(frozen=True)
class Described:
    """A file's description for an upload session and where each piece is in the file."""

    size: int
    header: str | None
    chunks: list[ChunkRef]
    offsets: dict[str, int]
    """Where each distinct piece starts in the file."""


@contextmanager
def mapped(path: Path) -> Iterator[memoryview]:
    """The file's bytes, memory-mapped read-only."""
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        view = memoryview(mm)
        try:
            yield view
        finally:
            view.release()


def _tensor_ranges(data: memoryview) -> tuple[str, list[tuple[int, int]]] | None:
    """A safetensors file's header text and its tensors' byte ranges in file order, or None
    when the file does not look like one (the server then inspects it whole)."""
    if len(data) < 10:
        return None
    length = int.from_bytes(data[:8], "little")
    if not 2 <= length <= MAX_HEADER_BYTES or 8 + length > len(data) or data[8] != ord("{"):
        return None
    raw = bytes(data[8 : 8 + length])
    try:
        text = raw.decode()
        header: Any = json.loads(text)
        ranges = sorted(
            (8 + length + int(spec["data_offsets"][0]), 8 + length + int(spec["data_offsets"][1]))
            for name, spec in header.items()
            if name != "__metadata__"
        )
    except (UnicodeDecodeError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None  # malformed: sent whole, the server's inspection names the problem
    if any(start > end or end > len(data) for start, end in ranges):
        return None
    return text, ranges


def piece_ranges(start: int, end: int, chunk: int = UPLOAD_CHUNK_BYTES) -> list[tuple[int, int]]:
    """A tensor's pieces: full ones, the rest last; one empty piece for an empty tensor."""
    if start == end:
        return [(start, start)]
    return [(a, min(a + chunk, end)) for a in range(start, end, chunk)]


def describe(path: Path) -> Described:
    """Hash a model file piece by piece (a file other than safetensors: whole)."""
    size = path.stat().st_size
    if size == 0:
        empty = hashlib.sha256().hexdigest()
        return Described(0, None, [ChunkRef(sha256=empty, size=0)], {empty: 0})
    with mapped(path) as data:
        found = _tensor_ranges(data)
        if found is None:
            whole = hashlib.sha256(data).hexdigest()
            return Described(size, None, [ChunkRef(sha256=whole, size=size)], {whole: 0})
        text, ranges = found
        spans = [span for start, end in ranges for span in piece_ranges(start, end)]
        workers = min(HASHERS, os.cpu_count() or 1, len(spans))
        with ThreadPoolExecutor(workers, thread_name_prefix="mlhive-hash") as pool:
            # hashlib releases the GIL on large buffers: pieces are hashed side by side
            shas = list(
                pool.map(lambda span: hashlib.sha256(data[span[0] : span[1]]).hexdigest(), spans)
            )
    chunks = [ChunkRef(sha256=sha, size=b - a) for sha, (a, b) in zip(shas, spans, strict=True)]
    offsets: dict[str, int] = {}
    for sha, (a, _) in zip(shas, spans, strict=True):
        offsets.setdefault(sha, a)
    return Described(size, text, chunks, offsets)


SMALL_PIECE = 1024**2
"""Pieces smaller than this travel together (larger ones alone, several requests at once)…"""
BATCH_BYTES = UPLOAD_CHUNK_BYTES
"""…in requests of at most this many bytes…"""
BATCH_PIECES = 64
"""…and at most this many pieces (the server's limit per request)."""


def batches(missing: list[str], sizes: dict[str, int]) -> list[list[str]]:
    """The pieces to send grouped into requests, in order: a large piece alone, small ones
    together."""
    grouped: list[list[str]] = [[sha] for sha in missing if sizes[sha] >= SMALL_PIECE]
    current: list[str] = []
    total = 0
    for sha in (sha for sha in missing if sizes[sha] < SMALL_PIECE):
        size = sizes[sha]
        if current and (total + size > BATCH_BYTES or len(current) == BATCH_PIECES):
            grouped.append(current)
            current, total = [], 0
        current.append(sha)
        total += size
    if current:
        grouped.append(current)
    return grouped
