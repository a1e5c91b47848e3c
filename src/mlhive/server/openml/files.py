"""The files OpenML's descriptions point at: ARFF data, Parquet data (S3-style) and splits.

``/data/v1/download/{id}/{name}.arff``: the uploaded ARFF file as it came (sparse or dense),
else mlhive's ARFF rendition, ``text/plain; charset=utf-8`` so that openml-python's MD5
check (over the text it decodes) passes on non-ASCII data. Datasets with date columns are
rendered on the fly with dates as strings, which liac-arff reads (it cannot read ``DATE``
attributes); their descriptions carry no checksum.

``/data/v1/parquet/{id}/dataset_{id}.pq``: openml-python fetches this with an anonymous MinIO
client (``HEAD`` then ``GET`` on ``/{bucket}/{key}``: bucket ``data``), so the route answers
both, with ``ETag``, ``Content-Length`` and ``Last-Modified``, and S3-style errors.

``/data/v1/splits/{task_id}/Task_{id}_splits.arff``: a task's splits in OpenML's ARFF.

``/data/v1/runs/{run_id}/predictions.arff``, ``…/trace.arff``: a run's files as uploaded.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC
from email.utils import format_datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from mlhive.formats.tables import write_arff
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import NotFound
from mlhive.server.http.files import send_blob
from mlhive.server.http.params import PositiveId
from mlhive.server.openml.common import actor, hive, read
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.server.services.datasets import catalog
from mlhive.server.services.datasets import files as dataset_files
from mlhive.server.services.datasets.files import ArffSource
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import runs, tasks
from mlhive.server.wiring import Hive

router = APIRouter()
ARFF_MEDIA = "text/plain; charset=utf-8"
PARQUET_MEDIA = "application/vnd.apache.parquet"


@router.get("/download/{dataset_id}/{filename}")
def download_arff(dataset_id: PositiveId, filename: str, request: Request) -> Response:
    """The dataset's ARFF file."""
    h = hive(request)
    with read(h) as session:
        source = _arff_source(session, actor(request), dataset_id)
    served = f"{source.name}.arff"
    _require_name(filename, served)
    if source.arff_sha256 is not None and not source.has_dates:
        return send_blob(request, h.store, source.arff_sha256, served, ARFF_MEDIA)
    path = _render(h, source.data_sha256, source.name, source.description, sparse=source.sparse)
    return FileResponse(
        path,
        media_type=ARFF_MEDIA,
        filename=served,
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


def _arff_source(session: Session, who: Actor | None, dataset_id: int) -> ArffSource:
    try:
        return dataset_files.arff_source(session, who, dataset_id)
    except NotFound:
        exists = catalog.exists(session, dataset_id)
        raise OpenMLError(112 if exists else 111) from None


def _render(h: Hive, sha256: str, name: str, description: str, *, sparse: bool = False) -> Path:
    """The ARFF text with dates as ISO strings (sparse rows for a sparse dataset), in a
    temporary file."""
    table = load_table(h.store, sha256)
    scratch = h.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".arff", delete=False) as sink:
        path = Path(sink.name)
    try:
        with path.open("wb") as out:
            write_arff(
                table,
                out,
                relation=name,
                description=description or None,
                dates="string",
                sparse=sparse,
            )
    except BaseException:  # a full disk: no partial rendition stays behind
        path.unlink(missing_ok=True)
        raise
    return path


def _require_name(filename: str, expected: str) -> None:
    """A file is served under the one name its description gives, not under any name at all
    (a wrong name is a client's mistake worth telling, and never a path)."""
    if filename != expected:
        raise OpenMLError(100, f"no file {filename!r} here; this file is {expected!r}")


def _s3_error(status: int, code: str, message: str, method: str) -> Response:
    body = (
        b""
        if method == "HEAD"
        else (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>"
        ).encode()
    )
    return Response(body, status_code=status, media_type="application/xml")


@router.api_route("/parquet/{dataset_id}/{filename}", methods=["GET", "HEAD"])
def parquet(dataset_id: PositiveId, filename: str, request: Request) -> Response:
    """The dataset's Parquet file, for an anonymous S3 client (public datasets only)."""
    h = hive(request)
    if filename != f"dataset_{dataset_id}.pq":
        return _s3_error(404, "NoSuchKey", "Object does not exist", request.method)
    with read(h) as session:
        try:
            dataset = catalog.get(session, actor(request), dataset_id)
        except NotFound:
            return _s3_error(404, "NoSuchKey", "Object does not exist", request.method)
        sha, modified = dataset.data_sha256, dataset.upload_date
    if sha is None:  # given by URL and not fetched (yet): there is no object
        return _s3_error(404, "NoSuchKey", "Object does not exist", request.method)
    headers = {
        "ETag": f'"{sha}"',
        "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True),
        "Content-Encoding": "identity",  # already compressed: no gzip on top
        "Accept-Ranges": "bytes",
    }
    path = h.store.local_path(sha)
    if path is not None:
        return FileResponse(path, media_type=PARQUET_MEDIA, headers=headers)
    headers["Content-Length"] = str(h.store.size(sha))
    if request.method == "HEAD":
        return Response(headers=headers, media_type=PARQUET_MEDIA)
    return StreamingResponse(_chunks(h, sha), media_type=PARQUET_MEDIA, headers=headers)


def _chunks(h: Hive, sha256: str) -> Iterator[bytes]:
    with h.store.open(sha256) as handle:
        while chunk := handle.read(1 << 20):
            yield chunk


@router.get("/splits/{task_id}/{filename}")
def splits(task_id: PositiveId, filename: str, request: Request) -> Response:
    """A task's splits as OpenML's ARFF."""
    _require_name(filename, f"Task_{task_id}_splits.arff")
    h = hive(request)
    with read(h) as session, codes(not_found=151):
        sha, name = tasks.splits_file(session, actor(request), task_id, "arff")
    return send_blob(request, h.store, sha, name, ARFF_MEDIA)


@router.get("/runs/{run_id}/{filename}")
def run_file(run_id: PositiveId, filename: str, request: Request) -> Response:
    """A run's predictions or trace: the ARFF file uploaded, else rendered from the table."""
    kind = filename.removesuffix(".arff")
    if kind not in ("predictions", "trace"):
        raise OpenMLError(100, f"no file {filename!r}")
    h = hive(request)
    with read(h) as session, codes(not_found=236):
        run = runs.get(session, actor(request), run_id)
        sha = run.predictions_sha256 if kind == "predictions" else run.trace_sha256
        kept = run.predictions_file_sha256 if kind == "predictions" else run.trace_file_sha256
    if sha is None:
        raise OpenMLError(572 if kind == "trace" else 236, f"run {run_id} has no {kind}")
    if kept is not None:  # uploaded as ARFF: served as it came, as OpenML does
        return send_blob(request, h.store, kept, filename, ARFF_MEDIA)
    path = _render(h, sha, f"run_{run_id}_{kind}", "")
    return FileResponse(
        path,
        media_type=ARFF_MEDIA,
        filename=filename,
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
