"""Native REST routes of the model forge: thin adapters onto the ``models*`` services.

Repositories live under ``/api/models/{owner}/{name}``; refs (which may contain ``/``) are
query parameters or the last path segment.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, StreamingResponse

from mlhive.server.api.openapi import file_responses
from mlhive.server.api.params import parse_form_json
from mlhive.server.domain.errors import NotFound
from mlhive.server.domain.forge.cards import card_markdown
from mlhive.server.domain.forge.tensors import checkout_size
from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.files import send_blob
from mlhive.server.http.params import ObjectId, Offset
from mlhive.server.services.forge import commits as models_commits
from mlhive.server.services.forge import content, repos, uploads
from mlhive.server.services.forge import merges as models_merge
from mlhive.server.services.forge import requests as models_requests
from mlhive.server.services.social import reviews
from mlhive.server.wiring import Hive
from mlhive.wire.models import (
    SHA256_PATTERN,
    CommentCreate,
    CommentOut,
    CommitCreate,
    CommitOut,
    DiffOut,
    ForkRequest,
    MergeCreate,
    MergeOut,
    MergeRequestCreate,
    MergeRequestOut,
    ModelCard,
    RefCreate,
    RefOut,
    RepoCreate,
    RepoOut,
    RepoUpdate,
    UploadCreate,
    UploadOut,
)

router = APIRouter(prefix="/models", tags=["models"])
REPO = "/{owner}/{name}"
MEDIA = {
    "model.safetensors": "application/octet-stream",
    "model.skops": "application/zip",
    "model.onnx": "application/onnx",
    content.EXPORT_NAME: "application/onnx",
}


@contextmanager
def local_copy(hive: Hive, upload: UploadFile) -> Iterator[Path]:
    """The upload as a real file (inspection needs a path), removed afterwards."""
    scratch = hive.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, prefix="model-", delete=False) as tmp:
        path = Path(tmp.name)
    try:  # also when copying fails (a full disk): no partial copy stays behind
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out, 1 << 20)
        yield path
    finally:
        path.unlink(missing_ok=True)


# -- repositories -----------------------------------------------------------------------------


@router.post("", status_code=status.HTTP_201_CREATED)
def create_repo(body: RepoCreate, actor: RequiredActor, hive: HiveDep) -> RepoOut:
    """Create an empty model repository owned by the caller."""
    with write(hive) as session:
        return repos.describe_repo(session, repos.create_repo(session, actor, body))


@router.get("")
def list_repos(
    actor: MaybeActor,
    hive: HiveDep,
    owner: str | None = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the name or the description.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[RepoOut]:
    """Repositories the caller may see."""
    with read(hive) as session:
        rows = repos.list_repos(session, actor, owner, limit, offset, text=q)
        return [repos.describe_repo(session, r) for r in rows]


@router.get(REPO)
def get_repo(owner: str, name: str, actor: MaybeActor, hive: HiveDep) -> RepoOut:
    """A repository with its branches and tags."""
    with read(hive) as session:
        return repos.describe_repo(session, repos.get_repo(session, actor, owner, name))


@router.patch(REPO)
def update_repo(
    owner: str, name: str, body: RepoUpdate, actor: RequiredActor, hive: HiveDep
) -> RepoOut:
    """Edit description, visibility, linked tasks and merge rules (owner or admin)."""
    with write(hive) as session:
        repo = repos.update_repo(session, actor, repos.get_repo(session, actor, owner, name), body)
        return repos.describe_repo(session, repo)


@router.post(REPO + "/fork", status_code=status.HTTP_201_CREATED)
def fork_repo(
    owner: str, name: str, body: ForkRequest, actor: RequiredActor, hive: HiveDep
) -> RepoOut:
    """A copy owned by the caller, recording where it was forked from."""
    with write(hive) as session:
        source = repos.get_repo(session, actor, owner, name)
        return repos.describe_repo(
            session, repos.fork(session, actor, source, body.name, body.visibility)
        )


# -- commits ----------------------------------------------------------------------------------


@router.post(REPO + "/commits", status_code=status.HTTP_201_CREATED)
def push(
    owner: str,
    name: str,
    file: Annotated[UploadFile, File(description="safetensors, skops or ONNX")],
    metadata: Annotated[str, Form(min_length=1, description="JSON object: see CommitCreate")],
    actor: RequiredActor,
    hive: HiveDep,
) -> CommitOut:
    """Commit a model file on a branch; unsafe formats are refused without being loaded.

    The file is stored before the write transaction opens, which then only records rows.
    """
    meta = parse_form_json(CommitCreate, metadata, "metadata")
    with local_copy(hive, file) as path:
        with read(hive) as session:
            repo = repos.get_repo(session, actor, owner, name)
            models_commits.check_push(session, actor, repo, meta)
        limit = hive.settings.max_tensors_per_file
        ingested = models_commits.ingest(hive.store, path, file.filename, meta, limit)
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        commit = models_commits.push(session, actor, repo, ingested, meta)
        return models_commits.describe_commit(session, hive.store, repo, commit)


# -- upload sessions: commits that send only what the server lacks -------------------------


@router.post(REPO + "/uploads", status_code=status.HTTP_201_CREATED)
def open_upload(
    owner: str, name: str, body: UploadCreate, actor: RequiredActor, hive: HiveDep
) -> UploadOut:
    """Describe a model file piece by piece; the answer lists the pieces to send.

    The push is checked as a whole-file push would be (branch rights, expected head, card,
    the safetensors header) before any piece is sent. ``GET`` the session again to resume.
    """
    settings = hive.settings
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        upload = uploads.open_upload(
            session,
            actor,
            repo,
            body,
            max_tensors=settings.max_tensors_per_file,
            max_bytes=settings.max_upload_bytes,
        )
        return uploads.describe(session, hive.store, repo, upload)


@router.get(REPO + "/uploads/{upload_id}")
def get_upload(
    owner: str, name: str, upload_id: str, actor: RequiredActor, hive: HiveDep
) -> UploadOut:
    """One of your upload sessions, with the pieces the server still lacks."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        upload = uploads.get(session, actor, repo, upload_id)
        return uploads.describe(session, hive.store, repo, upload)


CHUNK_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.put(
    REPO + "/uploads/{upload_id}/chunks/{sha256}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    openapi_extra=CHUNK_BODY,
)
async def put_chunk(
    owner: str,
    name: str,
    upload_id: str,
    sha256: Annotated[str, PathParam(pattern=SHA256_PATTERN)],
    request: Request,
    actor: RequiredActor,
    hive: HiveDep,
) -> Response:
    """Send one piece of a session's file (the raw bytes). They are hashed as they are
    stored: bytes whose sha256 is not ``sha256`` are refused (``corrupted_chunk``) and not kept.
    Sending a piece the server holds already changes nothing."""

    def expected() -> int:
        with read(hive) as session:
            repo = repos.get_repo(session, actor, owner, name)
            upload = uploads.get(session, actor, repo, upload_id)
            return uploads.piece_size(actor, repo, upload, sha256)

    size = await run_in_threadpool(expected)
    scratch = hive.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, prefix="chunk-", delete=False) as out:
        path = Path(out.name)
        try:
            received, digest = 0, hashlib.sha256()
            async for block in request.stream():
                received += len(block)
                if received > size:
                    raise uploads.corrupted(sha256, f"more than the piece's {size} bytes arrived")
                digest.update(block)
                out.write(block)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    await run_in_threadpool(uploads.store_piece, hive.store, sha256, size, path, digest.hexdigest())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    REPO + "/uploads/{upload_id}/chunks",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
def put_chunks(
    owner: str,
    name: str,
    upload_id: str,
    chunk: Annotated[
        list[UploadFile],
        File(description="pieces (at most 64), each part's filename the piece's sha256"),
    ],
    actor: RequiredActor,
    hive: HiveDep,
) -> Response:
    """Send several pieces of a session's file in one multipart request. Each is checked
    against its sha256 first: if one is corrupted (``corrupted_chunk``), none is stored."""
    parts = [(part.filename or "", part.file) for part in chunk]
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        upload = uploads.get(session, actor, repo, upload_id)
        uploads.check_pieces(actor, repo, upload, parts)
    uploads.store_pieces(hive.store, parts)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(REPO + "/uploads/{upload_id}/commit", status_code=status.HTTP_201_CREATED)
def finish_upload(
    owner: str, name: str, upload_id: str, actor: RequiredActor, hive: HiveDep
) -> CommitOut:
    """Make the session's commit once every piece has arrived (409 naming what is missing).

    The commit is the one a whole-file push of the same file would have made.
    """
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        request = uploads.request_of(uploads.get(session, actor, repo, upload_id))
        models_commits.check_push(session, actor, repo, request.metadata)
        known = uploads.recorded(session, request)
    scratch = hive.settings.data_dir / "tmp"
    limit = hive.settings.max_tensors_per_file
    ingested = uploads.assemble(hive.store, request, scratch, limit, known)
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        upload = uploads.get(session, actor, repo, upload_id)
        commit = models_commits.push(session, actor, repo, ingested, request.metadata)
        uploads.close(session, upload)
        return models_commits.describe_commit(session, hive.store, repo, commit)


@router.get(REPO + "/commits")
def log(
    owner: str,
    name: str,
    actor: MaybeActor,
    hive: HiveDep,
    ref: str = "main",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[CommitOut]:
    """The history reachable from ``ref``, newest first."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        rows = models_commits.log(session, repo, ref, limit)
        return [models_commits.describe_commit(session, hive.store, repo, c) for c in rows]


@router.get(REPO + "/commits/{ref:path}")
def get_commit(owner: str, name: str, ref: str, actor: MaybeActor, hive: HiveDep) -> CommitOut:
    """One commit, by branch, tag or commit id."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return models_commits.describe_commit(
            session, hive.store, repo, repos.resolve(session, repo, ref)
        )


@router.get(
    REPO + "/card",
    response_model=None,
    responses={200: {"model": ModelCard, **file_responses("text/markdown", json=True)[200]}},
)
def get_card(
    owner: str,
    name: str,
    actor: MaybeActor,
    hive: HiveDep,
    ref: str = "main",
    format: Literal["json", "md"] = "json",
) -> ModelCard | PlainTextResponse:
    """The model card as JSON or as Markdown with YAML front matter."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        commit = repos.resolve(session, repo, ref)
        card = ModelCard.model_validate(commit.card)
        if format == "json":
            return card
        text = card_markdown(card, repo.full_name, commit.sha)
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


@router.get(
    REPO + "/files/{filename}",
    response_class=Response,
    responses=file_responses(*sorted(set(MEDIA.values()))),
)
def download(
    owner: str,
    name: str,
    filename: str,
    request: Request,
    actor: MaybeActor,
    hive: HiveDep,
    ref: str = "main",
) -> Response:
    """A commit's model file: the checked-out safetensors file, the skops/ONNX file, or the
    ONNX export of a scikit-learn model."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        commit = repos.resolve(session, repo, ref)
        manifest = content.manifest_of(hive.store, commit)
        if filename not in content.files_of(manifest, commit):
            raise NotFound(f"commit {commit.sha[:12]} has no file {filename!r}")
    # files_of lists the export only once it exists, so an export name here has its blob.
    export = commit.onnx_sha256 if filename == content.EXPORT_NAME else None
    if export is not None:
        return send_blob(request, hive.store, export, filename, MEDIA[filename])
    if filename in manifest.files:
        return send_blob(
            request, hive.store, manifest.files[filename].sha256, filename, MEDIA[filename]
        )
    etag = f'"{commit.manifest_sha256}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    headers = {
        "ETag": etag,
        "Content-Length": str(checkout_size(manifest)),
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Encoding": "identity",
    }
    return StreamingResponse(
        content.checkout_chunks(hive.store, manifest), media_type=MEDIA[filename], headers=headers
    )


@router.get(REPO + "/diff")
def diff(owner: str, name: str, a: str, b: str, actor: MaybeActor, hive: HiveDep) -> DiffOut:
    """What changed from ref ``a`` to ref ``b``."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        left, right = repos.resolve(session, repo, a), repos.resolve(session, repo, b)
    return models_commits.diff(hive.store, left, right)


# -- refs -------------------------------------------------------------------------------------


@router.post(REPO + "/branches", status_code=status.HTTP_201_CREATED)
def create_branch(
    owner: str, name: str, body: RefCreate, actor: RequiredActor, hive: HiveDep
) -> RefOut:
    """A new branch at a ref."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return repos.create_ref(session, actor, repo, "branch", body.name, body.ref)


@router.delete(REPO + "/branches/{branch:path}", status_code=status.HTTP_204_NO_CONTENT)
def delete_branch(
    owner: str, name: str, branch: str, actor: RequiredActor, hive: HiveDep
) -> Response:
    """Delete a branch (not the default one)."""
    with write(hive) as session:
        repos.delete_branch(session, actor, repos.get_repo(session, actor, owner, name), branch)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(REPO + "/tags", status_code=status.HTTP_201_CREATED)
def create_tag(
    owner: str, name: str, body: RefCreate, actor: RequiredActor, hive: HiveDep
) -> RefOut:
    """A tag at a ref (owner only); tags never move."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return repos.create_ref(session, actor, repo, "tag", body.name, body.ref)


# -- merges -----------------------------------------------------------------------------------


@router.post(REPO + "/merges", status_code=status.HTTP_202_ACCEPTED)
def merge(
    owner: str, name: str, body: MergeCreate, actor: RequiredActor, hive: HiveDep
) -> MergeOut:
    """Queue a server-side merge; it ends in a commit on ``branch``."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return models_merge.describe_merge(
            session, models_merge.request_merge(session, actor, repo, body)
        )


@router.get(REPO + "/merges/{merge_id}")
def get_merge(
    owner: str, name: str, merge_id: ObjectId, actor: MaybeActor, hive: HiveDep
) -> MergeOut:
    """A merge's state and, once done, its commit."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return models_merge.describe_merge(
            session, models_merge.get_merge(session, actor, repo, merge_id)
        )


# -- merge requests ---------------------------------------------------------------------------


@router.post(REPO + "/merge-requests", status_code=status.HTTP_201_CREATED)
def open_request(
    owner: str, name: str, body: MergeRequestCreate, actor: RequiredActor, hive: HiveDep
) -> MergeRequestOut:
    """Open a merge request from a branch or a fork; its evaluation is queued."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        request = models_requests.open_request(session, actor, repo, body)
        return reviews.describe_request(session, repo, request)


@router.get(REPO + "/merge-requests")
def list_requests(
    owner: str, name: str, actor: MaybeActor, hive: HiveDep,
    state: Literal["open", "merged", "closed"] | None = None,
) -> list[MergeRequestOut]:  # fmt: skip
    """A repository's merge requests, newest first."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        rows = models_requests.list_requests(session, repo, state)
        return [reviews.describe_request(session, repo, r) for r in rows]


@router.get(REPO + "/merge-requests/{number}")
def get_request(
    owner: str, name: str, number: ObjectId, actor: MaybeActor, hive: HiveDep
) -> MergeRequestOut:
    """A merge request with its evaluation, verdict and comments."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return reviews.describe_request(
            session, repo, models_requests.get_request(session, repo, number)
        )


@router.post(REPO + "/merge-requests/{number}/comments", status_code=status.HTTP_201_CREATED)
def add_comment(
    owner: str,
    name: str,
    number: ObjectId,
    body: CommentCreate,
    actor: RequiredActor,
    hive: HiveDep,
) -> CommentOut:
    """Comment on a request, or reply in a review thread."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        request = models_requests.get_request(session, repo, number)
        return reviews.comment(session, actor, request, body)


@router.post(REPO + "/merge-requests/{number}/merge")
def merge_request(
    owner: str, name: str, number: ObjectId, actor: RequiredActor, hive: HiveDep
) -> MergeRequestOut:
    """Merge a request the rules allow (owner only)."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        request = models_requests.get_request(session, repo, number)
        models_requests.merge(session, hive.store, actor, repo, request)
        return reviews.describe_request(session, repo, request)


@router.post(REPO + "/merge-requests/{number}/close")
def close_request(
    owner: str, name: str, number: ObjectId, actor: RequiredActor, hive: HiveDep
) -> MergeRequestOut:
    """Close a request without merging."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        request = models_requests.get_request(session, repo, number)
        models_requests.close(session, actor, repo, request)
        return reviews.describe_request(session, repo, request)


@router.post(REPO + "/merge-requests/{number}/evaluate", status_code=status.HTTP_202_ACCEPTED)
def reevaluate(
    owner: str, name: str, number: ObjectId, actor: RequiredActor, hive: HiveDep
) -> MergeRequestOut:
    """Evaluate again against the branches' current heads (author or owner)."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        request = models_requests.refresh(
            session, actor, repo, models_requests.get_request(session, repo, number)
        )
        return reviews.describe_request(session, repo, request)
