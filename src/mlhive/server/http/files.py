"""Sending stored blobs: local files directly, remote ones streamed, always with an ETag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi import Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from mlhive.server.services.datasets.files import Download, render_csv
from mlhive.server.storage import BlobStore

CHUNK = 1 << 20


def _chunks(store: BlobStore, sha256: str) -> Iterator[bytes]:
    with store.open(sha256) as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def send_blob(
    request: Request, store: BlobStore, sha256: str, filename: str, media_type: str
) -> Response:
    """A download response for a blob; 304 when the client's copy is current."""
    etag = f'"{sha256}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    headers = {"ETag": etag, "Cache-Control": "private, max-age=0, must-revalidate"}
    if media_type == "application/vnd.apache.parquet":
        headers["Content-Encoding"] = "identity"  # already compressed: no gzip on top
    path = store.local_path(sha256)
    if path is not None:
        return FileResponse(path, media_type=media_type, headers=headers, filename=filename)
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    headers["Content-Length"] = str(store.size(sha256))
    return StreamingResponse(_chunks(store, sha256), media_type=media_type, headers=headers)


def send_download(request: Request, store: BlobStore, item: Download, scratch: Path) -> Response:
    """A dataset download (see ``services.datasets.files.download``): a stored file as it is,
    or a CSV rendered into ``scratch`` for this response and deleted after it was sent."""
    if not item.rendered:
        return send_blob(request, store, item.sha256, item.filename, item.media_type)
    if request.headers.get("if-none-match") == item.etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": item.etag})
    path = render_csv(store, item, scratch)
    return FileResponse(
        path,
        media_type=item.media_type,
        headers={"ETag": item.etag, "Cache-Control": "private, max-age=0, must-revalidate"},
        filename=item.filename,
        background=BackgroundTask(Path.unlink, path),
    )
