"""Datasets given by URL: the server downloads the file in a job, guarded against SSRF.

Every hop of the download is checked by :mod:`mlhive.server.domain.datasets.urls`: the host is
resolved here, every address it resolves to must be public (or the host allowed by the
operator), and the connection goes to the checked address itself (the original name travels
in the Host header and as the TLS server name), so a second, different DNS answer cannot
redirect it. Redirects are followed by hand, each one checked again, at most
:data:`~mlhive.server.domain.datasets.urls.MAX_REDIRECTS`. The body is streamed to a scratch
file under a size cap and a total time limit.

The phases of the ``fetch_dataset`` job: :func:`download` (network, no transaction),
:func:`prepare` (parse and store blobs, no transaction), :func:`attach` (one short
transaction); the handler is :func:`mlhive.server.services.datasets.jobs.fetch_dataset`.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
from sqlalchemy.orm import Session

from mlhive.formats.arff import is_sparse_arff
from mlhive.server.config import Settings
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.domain.datasets import urls
from mlhive.server.domain.datasets.shape import check_shape
from mlhive.server.domain.errors import InvalidInput, PayloadTooLarge
from mlhive.server.services.blobs import keep_upload, remember_blob, store_table
from mlhive.server.services.datasets.catalog import check_columns
from mlhive.server.services.datasets.reading import overrides_of, read_data
from mlhive.server.storage import BlobInfo, BlobStore
from mlhive.wire.errors import ErrorCode

CHUNK = 1 << 16
USER_AGENT = "mlhive-dataset-fetch"


def failed(detail: str) -> InvalidInput:
    """The error a URL that gave no usable file gets (``url_fetch_failed``)."""
    return InvalidInput(f"url: {detail}", code=ErrorCode.URL_FETCH_FAILED, field="url")


class _Clock:
    """The total time a download may take, shared by its resolutions, hops and reads."""

    def __init__(self, url: str, seconds: float) -> None:
        self.url, self.seconds = url, seconds
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self.expired()
        return remaining

    def expired(self) -> InvalidInput:
        return failed(
            f"downloading {self.url} took longer than {self.seconds:g} s "
            "(MLHIVE_URL_FETCH_SECONDS); offer a faster source or a smaller file"
        )


def _resolve(target: urls.Target, clock: _Clock) -> list[urls.IPAddress]:
    """The addresses of the target's host (an address stands for itself)."""
    if target.literal is not None:
        return [target.literal]
    # getaddrinfo has no timeout of its own: wait for it on a helper thread.
    pool = ThreadPoolExecutor(1, thread_name_prefix="mlhive-resolve")
    try:
        future = pool.submit(socket.getaddrinfo, target.host, target.port, 0, socket.SOCK_STREAM)
        try:
            infos = future.result(timeout=clock.left())
        except FutureTimeout:
            raise clock.expired() from None
        except (socket.gaierror, UnicodeError) as exc:
            raise failed(f"the host name {target.host!r} does not resolve ({exc})") from None
    finally:
        pool.shutdown(wait=False)
    found = dict.fromkeys(urls.ip(str(info[4][0])) for info in infos)
    return [address for address in found if address is not None]


def _checked_addresses(
    target: urls.Target,
    allowed: frozenset[str],
    clock: _Clock,
    setting: str = urls.URL_FETCH_SETTING,
) -> list[urls.IPAddress]:
    """The addresses to connect to; every address of the host must pass, or none is used
    (a name with one private among public answers is refused)."""
    addresses = _resolve(target, clock)
    if not addresses:
        raise failed(f"the host name {target.host!r} has no address")
    for address in addresses:
        urls.check_address(target, address, allowed, setting)
    return addresses


def checked_addresses(
    target: urls.Target, allowed: frozenset[str], seconds: float, setting: str
) -> list[urls.IPAddress]:
    """The addresses of ``target``'s host, all public or the host on ``allowed`` (the list
    the operator's ``setting`` holds), resolved within ``seconds``: the guard other outgoing
    requests (webhooks) share with dataset URLs. Connect to one of these addresses, never to
    the name again, so that a second DNS answer cannot redirect the request.

    Raises:
        InvalidInput: ``url_refused`` (a private address), ``url_fetch_failed`` (no address,
            or resolving took too long).
    """
    return _checked_addresses(target, allowed, _Clock(target.url, seconds), setting)


def _send(
    client: httpx.Client, target: urls.Target, addresses: list[urls.IPAddress], clock: _Clock
) -> httpx.Response:
    """GET ``target`` from the first of ``addresses`` that accepts a connection, keeping the
    original name as Host and TLS name; the caller closes the (streamed) response."""
    url = httpx.URL(target.url)
    extensions: dict[str, Any] = {}
    if target.scheme == "https" and target.literal is None:
        extensions["sni_hostname"] = target.host  # and the certificate is checked against it
    for address in addresses[:-1]:
        try:
            return _send_to(client, url, address, extensions, clock)
        except httpx.ConnectError:  # e.g. ::1 first but the host listens on IPv4 only
            continue
    return _send_to(client, url, addresses[-1], extensions, clock)


def _send_to(
    client: httpx.Client,
    url: httpx.URL,
    address: urls.IPAddress,
    extensions: dict[str, Any],
    clock: _Clock,
) -> httpx.Response:
    request = client.build_request(
        "GET",
        url.copy_with(host=str(address)),
        headers={"Host": url.netloc.decode("ascii"), "User-Agent": USER_AGENT},
        extensions=extensions,
        timeout=httpx.Timeout(clock.left()),
    )
    return client.send(request, stream=True)


def _save(
    response: httpx.Response, target: urls.Target, limit: int, clock: _Clock, scratch: Path
) -> Path:
    """Stream the body into a scratch file, refusing it once it passes ``limit`` bytes."""
    too_big = PayloadTooLarge(
        f"url: {target.url} delivers more than {limit} bytes (MLHIVE_MAX_URL_DOWNLOAD_BYTES)",
        field="url",
    )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".download", delete=False) as sink:
        path = Path(sink.name)
        try:
            size = 0
            # Decoded bytes are counted, so a compressed body cannot inflate past the cap.
            for chunk in response.iter_bytes(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise too_big
                sink.write(chunk)
                clock.left()
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return path


@dataclass(frozen=True)
class Downloaded:
    """A fetched file in scratch space, and the URL it finally came from."""

    path: Path
    final_url: str


def download(settings: Settings, url: str, scratch: Path) -> Downloaded:
    """Fetch ``url`` into a scratch file, checking every hop (see the module's docstring).

    Raises:
        InvalidInput: ``url_refused`` (a hop the server must not fetch, too many redirects),
            ``url_fetch_failed`` (no answer, an error status, too slow) or
            ``payload_too_large``.
    """
    allowed = settings.url_fetch_allowed_host_names
    clock = _Clock(url, settings.url_fetch_seconds)
    current = url
    # No environment proxies: the checked address must be the one connected to.
    with httpx.Client(trust_env=False, follow_redirects=False) as client:
        for _ in range(urls.MAX_REDIRECTS + 1):
            target = urls.check(current, allowed)
            addresses = _checked_addresses(target, allowed, clock)
            try:
                with contextlib.closing(_send(client, target, addresses, clock)) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        if not location:
                            raise failed(f"{current} redirects without a Location")
                        current = urljoin(current, location)
                        continue
                    if response.status_code != 200:
                        raise failed(f"{current} answered HTTP {response.status_code}")
                    path = _save(response, target, settings.url_download_limit, clock, scratch)
                    return Downloaded(path, current)
            except httpx.TimeoutException:
                raise clock.expired() from None
            except httpx.HTTPError as exc:
                raise failed(f"could not fetch {current}: {exc or type(exc).__name__}") from None
    raise urls.refused(f"{url} redirects more than {urls.MAX_REDIRECTS} times")


@dataclass(frozen=True)
class Prepared:
    """A downloaded file read and stored: the canonical Parquet blob, maybe the ARFF one."""

    data: BlobInfo
    arff: tuple[BlobInfo, str] | None
    columns: list[str]
    rows: int
    notes: dict[str, Any] | None = None  # the reader's notes per column (type report)
    sparse: bool = False  # every data row of the ARFF file is sparse


def prepare(store: BlobStore, settings: Settings, path: Path, payload: dict[str, Any]) -> Prepared:
    """Read the downloaded file as the format the job was given and store its blobs.

    Raises:
        InvalidInput: the file is not a valid table of that format.
    """
    table, notes = read_data(path, payload["format"], overrides_of(payload))
    check_shape(
        table.num_rows,
        table.num_columns,
        max_columns=settings.max_columns,
        max_cells=settings.max_cells,
    )
    info = store_table(store, table, settings.data_dir / "tmp")
    arff = keep_upload(store, path) if payload["format"] == "arff" else None
    sparse = payload["format"] == "arff" and is_sparse_arff(path)
    return Prepared(info, arff, table.column_names, table.num_rows, notes, sparse)


def attach(session: Session, dataset_id: int, prepared: Prepared) -> bool:
    """Point the dataset at its fetched data; False when it was deleted meanwhile.

    Raises:
        InvalidInput: the target, row-id or ignored attributes name no column of the data.
    """
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        return False
    check_columns(prepared.columns, dataset)
    remember_blob(session, prepared.data)
    dataset.data_sha256 = prepared.data.sha256
    if prepared.arff is not None:
        remember_blob(session, prepared.arff[0])
        dataset.arff_sha256, dataset.arff_md5 = prepared.arff[0].sha256, prepared.arff[1]
    dataset.sparse = prepared.sparse
    dataset.number_of_rows = prepared.rows
    dataset.number_of_columns = len(prepared.columns)
    dataset.type_notes = prepared.notes
    session.flush()
    return True
