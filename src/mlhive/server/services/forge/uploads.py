"""Upload sessions: a commit that sends only the pieces of its file the server lacks.

1. :func:`open_upload` checks the client's description of its file (header and piece hashes,
   :func:`~mlhive.server.domain.forge.uploads.plan_upload`) and the push itself (branch rights,
   expected head, card), then keeps the description as a session;
   :func:`describe` lists the pieces the blob store does not hold yet. Asking again later lists
   only what is still missing, so an interrupted upload resumes where it stopped.
2. :func:`store_piece` stores one piece the session names, after hashing what arrived: bytes
   that are not the piece they claim to be are refused (``corrupted_chunk``) and not kept;
   :func:`check_pieces` and :func:`store_pieces` do the same for a batch of small pieces sent
   in one request (a checkpoint of 2 000 small tensors is not 2 000 requests).
   Pieces are blobs named by their verified sha256; a tensor's pieces are its chunks.
3. :func:`assemble` (no database: the pieces with blob rows, :func:`recorded`, are looked up
   first) checks every piece is stored with its size and gives the
   same :class:`~mlhive.server.services.forge.content.Ingested` as a whole-file push; the
   caller then commits it with :func:`~mlhive.server.services.forge.commits.push`, so the
   commit, its card and the checks it queues are the same as a single-request push's.

Sessions last :data:`SESSION_TTL`; opening one deletes the expired ones. A piece stored by a
session that never committed has no ``blobs`` row: it is unreferenced, and a collector may
delete every blob with no row that is older than :data:`SESSION_TTL` (no live session can
still name it) — the same rule that covers blobs written before a push's transaction failed.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.forge import ModelRepo, ModelUpload
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from mlhive.server.domain.forge.uploads import Plan, plan_upload
from mlhive.server.services.blobs import WRITERS, recorded_sizes
from mlhive.server.services.forge import commits, content, repos
from mlhive.server.storage import BlobInfo, BlobStore
from mlhive.server.storage.base import CHUNK_SIZE
from mlhive.wire.errors import ErrorCode
from mlhive.wire.models import UploadCreate, UploadOut

SESSION_TTL = timedelta(hours=24)
"""How long an upload session can be resumed."""


def open_upload(
    session: Session,
    actor: Actor,
    repo: ModelRepo,
    body: UploadCreate,
    *,
    max_tensors: int,
    max_bytes: int,
) -> ModelUpload:
    """Open a session for a push whose file the client describes piece by piece.

    Raises:
        PermissionDenied: the actor may not push to the branch.
        Conflict: ``expected_head`` is stale.
        InvalidInput: an invalid card, a malformed header or pieces that do not fit it.
        PayloadTooLarge: a file over ``max_bytes`` or with more than ``max_tensors`` tensors.
    """
    commits.check_push(session, actor, repo, body.metadata)
    if body.size > max_bytes:
        raise PayloadTooLarge(
            f"size: {body.size} bytes, more than the {max_bytes} this server accepts "
            "(setting max_upload_bytes)",
            field="size",
        )
    plan_upload(body, max_tensors)
    now = utcnow()
    session.execute(delete(ModelUpload).where(ModelUpload.expires_at < now))
    upload = ModelUpload(
        id=secrets.token_urlsafe(32),
        repo_id=repo.id,
        actor_id=actor.id,
        request=body.model_dump(mode="json"),
        created_at=now,
        expires_at=now + SESSION_TTL,
    )
    session.add(upload)
    session.flush()
    return upload


def get(session: Session, actor: Actor, repo: ModelRepo, upload_id: str) -> ModelUpload:
    """The actor's own live session on ``repo``.

    Raises:
        NotFound: no such session, another user's, or expired.
    """
    upload = session.get(ModelUpload, upload_id)
    if (
        upload is None
        or upload.repo_id != repo.id
        or upload.actor_id != actor.id
        or upload.expires_at < utcnow()
    ):
        raise NotFound(
            f"upload session {upload_id} not found on {repo.full_name} (sessions last "
            f"{SESSION_TTL.total_seconds() / 3600:.0f} hours; open a new one)"
        )
    return upload


def request_of(upload: ModelUpload) -> UploadCreate:
    """The session's description of its file and commit."""
    return UploadCreate.model_validate(upload.request)


def _plan(upload: ModelUpload) -> Plan:
    return plan_upload(request_of(upload))


def recorded(session: Session, request: UploadCreate) -> dict[str, int]:
    """The sizes of the session's pieces that have blob rows (stored for another commit)."""
    return recorded_sizes(session, (chunk.sha256 for chunk in request.chunks))


def missing(store: BlobStore, plan: Plan, known: dict[str, int]) -> list[str]:
    """The pieces the store does not hold yet, in the client's order.

    Pieces in ``known`` (they have blob rows) are stored; only the others are looked up in
    the store (one request each on S3), so a commit that changed 10 % of a checkpoint looks
    up about 10 % of its pieces.
    """
    return [sha for sha in plan.pieces if sha not in known and not store.exists(sha)]


def describe(session: Session, store: BlobStore, repo: ModelRepo, upload: ModelUpload) -> UploadOut:
    """The wire form of a session, with the pieces still missing."""
    request = request_of(upload)
    plan = plan_upload(request)
    lacking = missing(store, plan, recorded(session, request))
    return UploadOut(
        id=upload.id,
        repo=repo.full_name,
        expires_at=upload.expires_at,
        missing=lacking,
        missing_bytes=sum(plan.pieces[sha] for sha in lacking),
        total_bytes=plan.total_bytes,
    )


def piece_size(actor: Actor, repo: ModelRepo, upload: ModelUpload, sha256: str) -> int:
    """The size of a piece the session names (the most bytes a PUT of it may carry).

    Raises:
        PermissionDenied: the actor may no longer push to the session's branch.
        NotFound: the session names no such piece.
    """
    request = request_of(upload)
    repos.require_push(actor, repo, request.metadata.branch)
    size = plan_upload(request).pieces.get(sha256)
    if size is None:
        raise NotFound(f"upload session {upload.id} has no piece {sha256}")
    return size


def corrupted(sha256: str, detail: str) -> InvalidInput:
    """The refusal of a piece whose bytes are not the ones its name promises."""
    return InvalidInput(
        f"corrupted chunk {sha256}: {detail}; nothing was stored — hash the piece again and "
        "send it again",
        code=ErrorCode.CORRUPTED_CHUNK,
        field="body",
        sha256=sha256,
    )


def store_piece(store: BlobStore, sha256: str, size: int, path: Path, received: str) -> BlobInfo:
    """Store a received piece after checking its bytes against its name.

    Args:
        sha256: the piece's name in the session.
        size: its size in the session.
        path: the received bytes (a scratch file, consumed: moved into the store or deleted).
        received: the sha256 of those bytes, computed as they arrived.

    Raises:
        InvalidInput: code ``corrupted_chunk``: another size or another sha256.
    """
    try:
        arrived = path.stat().st_size
        if arrived != size:
            raise corrupted(sha256, f"{arrived} bytes arrived, the piece has {size}")
        if received != sha256:
            raise corrupted(sha256, f"the bytes that arrived hash to {received}")
        if store.exists(sha256):
            return BlobInfo(sha256, size)
        return store.put_file(path, move=True)
    finally:
        path.unlink(missing_ok=True)


MAX_PIECES_PER_REQUEST = 64
"""Pieces one batched request may carry (small tensors travel together)."""


def check_pieces(
    actor: Actor, repo: ModelRepo, upload: ModelUpload, parts: list[tuple[str, BinaryIO]]
) -> None:
    """Check a batch of received pieces against the session before any is stored.

    Args:
        parts: ``(sha256, file)`` per piece, as the request's parts name them.

    Raises:
        PermissionDenied: the actor may no longer push to the session's branch.
        InvalidInput: too many pieces, or one is not a sha256 (naming the part).
        NotFound: the session names no such piece.
        InvalidInput: code ``corrupted_chunk``: a piece of another size or sha256; then none
            of the batch is stored.
    """
    if len(parts) > MAX_PIECES_PER_REQUEST:
        raise InvalidInput(
            f"chunk: {len(parts)} pieces, more than {MAX_PIECES_PER_REQUEST} in one request; "
            "send them in several",
            field="chunk",
        )
    request = request_of(upload)
    repos.require_push(actor, repo, request.metadata.branch)
    pieces = plan_upload(request).pieces
    for index, (sha, handle) in enumerate(parts):
        if sha not in pieces:
            raise NotFound(f"chunk.{index}: upload session {upload.id} has no piece {sha!r}")
        handle.seek(0)
        digest, arrived = hashlib.sha256(), 0
        while block := handle.read(CHUNK_SIZE):
            digest.update(block)
            arrived += len(block)
            if arrived > pieces[sha]:
                raise corrupted(sha, f"more than the piece's {pieces[sha]} bytes arrived")
        if arrived != pieces[sha]:
            raise corrupted(sha, f"{arrived} bytes arrived, the piece has {pieces[sha]}")
        if digest.hexdigest() != sha:
            raise corrupted(sha, f"the bytes that arrived hash to {digest.hexdigest()}")


def store_pieces(store: BlobStore, parts: list[tuple[str, BinaryIO]]) -> None:
    """Store checked pieces (:func:`check_pieces`), a few at once so their fsyncs overlap."""

    def put(part: tuple[str, BinaryIO]) -> None:
        sha, handle = part
        if not store.exists(sha):
            handle.seek(0)
            store.put(handle)

    with ThreadPoolExecutor(WRITERS, thread_name_prefix="mlhive-piece-put") as pool:
        list(pool.map(put, parts))


@contextmanager
def _blob_file(store: BlobStore, sha256: str, scratch: Path) -> Iterator[Path]:
    """A stored blob as a local file (the store's own, or a scratch copy)."""
    local = store.local_path(sha256)
    if local is not None:
        yield local
        return
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, prefix="upload-", delete=False) as tmp:
        copy = Path(tmp.name)
    try:
        with store.open(sha256) as source, copy.open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK_SIZE)
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def assemble(
    store: BlobStore,
    request: UploadCreate,
    scratch: Path,
    max_tensors: int,
    known: dict[str, int],
) -> content.Ingested:
    """The session's content as a whole-file push would have ingested it (no database).

    A safetensors file's manifest comes from its header and pieces (the pieces are its
    tensors' chunks, stored already); another file is inspected as it would be on a push.

    Args:
        known: the sizes of the pieces that have blob rows (:func:`recorded`).

    Raises:
        Conflict: pieces have not arrived (naming how many and the first), or a stored piece
            has another size than the session says.
        InvalidInput: a file that fails inspection.
    """
    plan = plan_upload(request, max_tensors)
    lacking = missing(store, plan, known)
    if lacking:
        raise Conflict(
            f"{len(lacking)} piece(s) of this upload have not arrived (first: {lacking[0]}); "
            "PUT them, then commit"
        )
    for sha, size in plan.pieces.items():
        stored = known[sha] if sha in known else store.size(sha)
        if stored != size:
            raise Conflict(f"piece {sha} is stored with {stored} bytes, not {size}")
    if plan.manifest is not None:
        blobs = {sha: BlobInfo(sha, size) for sha, size in plan.pieces.items()}
        return content.stored(store, plan.manifest, blobs, {"library": "safetensors"})
    (sha,) = plan.pieces
    with _blob_file(store, sha, scratch) as path:
        meta = request.metadata
        return commits.ingest(store, path, request.filename, meta, max_tensors)


def close(session: Session, upload: ModelUpload) -> None:
    """End a session once its commit is recorded."""
    session.delete(upload)
    session.flush()
