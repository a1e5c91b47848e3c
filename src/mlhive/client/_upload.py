"""Dataset uploads: metadata checked before sending, files streamed from disk, frames as Parquet."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from mlhive.client._http import HttpCore
from mlhive.client._transfer import ProgressFile, progress_bar
from mlhive.errors import InvalidInputError
from mlhive.formats.tables import FormatError, from_pandas, write_parquet
from mlhive.wire.datasets import DatasetCreate
from mlhive.wire.errors import ErrorCode


def input_error(detail: str, code: ErrorCode | str = ErrorCode.INVALID_INPUT) -> InvalidInputError:
    """An input error found before anything is sent, shaped like the server's own 422 answer."""
    return InvalidInputError(422, code, detail, {"code": str(code), "detail": detail})


def validate_metadata(fields: dict[str, Any]) -> DatasetCreate:
    """Check upload metadata locally, so a bad name does not cost a 1 GB upload.

    Raises:
        InvalidInputError: naming the first offending field (``metadata.<field>``).
    """
    try:
        return DatasetCreate.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "metadata"
        raise input_error(f"metadata.{where}: {first['msg']}") from None


@contextmanager
def frame_as_parquet(df: pd.DataFrame, stem: str) -> Iterator[Path]:
    """Yield a temporary Parquet file holding ``df`` in the canonical form.

    Raises:
        InvalidInputError: a frame that cannot become a dataset (duplicate or blank column
            names, mixed-type or unsupported columns).
    """
    try:
        # pandas' metadata tells the server which columns were str/object text, typed on
        # upload exactly as the same column of a CSV file would be.
        table = from_pandas(df, keep_pandas_metadata=True)
    except FormatError as exc:
        raise input_error(exc.detail, exc.code) from None
    with tempfile.TemporaryDirectory(prefix="mlhive-upload-") as scratch:
        path = Path(scratch) / f"{stem}.parquet"
        write_parquet(table, path)
        yield path


def upload_file(core: HttpCore, path: Path, meta: DatasetCreate, progress: bool) -> dict[str, Any]:
    """POST a file and its metadata as multipart, streaming the file in chunks.

    Returns:
        The server's JSON description of the new dataset.

    Raises:
        APIError, ConnectionFailedError: as :meth:`HttpCore.request` (uploads are not retried).
    """
    size = path.stat().st_size
    with path.open("rb") as raw, progress_bar(progress, f"upload {path.name}", size) as advance:
        response = core.request(
            "POST",
            "/api/datasets",
            files={"file": (path.name, ProgressFile(raw, advance), "application/octet-stream")},
            data={"metadata": meta.model_dump_json()},
        )
    body: dict[str, Any] = response.json()
    return body
