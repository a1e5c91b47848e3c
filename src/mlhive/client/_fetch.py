"""Small helpers the experiment resources share: cached blob downloads, cursor paging, frames."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from pydantic import BaseModel, ValidationError

from mlhive.client._http import HttpCore
from mlhive.client._transfer import content_length, iter_body, progress_bar
from mlhive.client._upload import input_error
from mlhive.client.cache import Cache

Model = TypeVar("Model", bound=BaseModel)


def cached_blob(
    core: HttpCore,
    cache: Cache,
    sha256: str,
    path: str,
    *,
    params: Mapping[str, str] | None = None,
    label: str = "download",
    progress: bool = False,
) -> Path:
    """A server file in the local cache under its content hash, downloaded only when missing.

    Args:
        core: the HTTP core.
        cache: the local cache.
        sha256: the announced hash of the file (verified after download).
        path: the API path that serves the file.
        params: query parameters of the request.
        label: the progress bar's text.
        progress: draw a progress bar on stderr.

    Returns:
        The cached file's path.

    Raises:
        CorruptDownloadError: the bytes do not match ``sha256`` (nothing is kept).
        NotFoundError, ConnectionFailedError: as :meth:`HttpCore.request`.
    """
    if cache.has_blob(sha256):
        return cache.blob_path(sha256)
    # Parquet is already compressed: gzip on the wire would only cost CPU.
    headers = {"Accept-Encoding": "identity"}
    with (
        core.stream("GET", path, params=params, headers=headers) as response,
        progress_bar(progress, label, content_length(response)) as advance,
    ):
        return cache.put_blob(sha256, iter_body(response, advance))


def paginate(
    core: HttpCore, path: str, params: Mapping[str, Any], *, limit: int, page_size: int
) -> Iterator[dict[str, Any]]:
    """The items of a cursor-paged list (``{"items": [...], "next_cursor": ...}``), lazily.

    Args:
        core: the HTTP core.
        path: the list's API path.
        params: the filters (None values and empty lists are left out).
        limit: the most items to yield.
        page_size: items per request.

    Yields:
        The raw JSON items, at most ``limit``.

    Raises:
        InvalidInputError: a bad filter. ConnectionFailedError: the server is unreachable.
    """
    base = {key: value for key, value in params.items() if value is not None and value != []}
    cursor: str | None = None
    remaining = limit
    while remaining > 0:
        page_params = {**base, "limit": min(remaining, page_size)}
        if cursor:
            page_params["cursor"] = cursor
        page = core.get_json(path, page_params)
        items: list[dict[str, Any]] = page["items"][:remaining]
        yield from items
        remaining -= len(items)
        cursor = page.get("next_cursor")
        if not cursor or not items:
            return


def frame(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame of ``rows`` with exactly ``columns`` (also when there are no rows)."""
    data = [{column: row.get(column) for column in columns} for row in rows]
    if not data:
        return pd.DataFrame(columns=list(columns))
    return pd.DataFrame(data, columns=list(columns))


def ids(values: int | Iterable[int] | None) -> list[int]:
    """One id or several as a list for a repeatable query parameter (None: no filter)."""
    if values is None:
        return []
    if isinstance(values, int):
        return [values]
    return [int(v) for v in values]


def checked(model: type[Model], **fields: Any) -> Model:
    """Build a request body, checked locally so a bad value fails before anything is sent.

    Raises:
        InvalidInputError: naming the first offending field (also a ValueError).
    """
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or model.__name__
        raise input_error(f"{where}: {first['msg']}") from None
