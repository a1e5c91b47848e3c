"""``client.models``: the model forge — push, pull, history, diffs, merges, merge requests.

Needs the ``forge`` extra (safetensors, skops, onnxruntime) for pushing and pulling models.
Repositories are named ``owner/name``; refs are branches, tags or commit ids. A merge source
is a ref of the same repository or ``owner/name:ref``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import numpy as np

from mlhive.client import _pieces
from mlhive.client._aliases import AliasesMixin
from mlhive.client._checks import ChecksMixin
from mlhive.client._http import HttpCore
from mlhive.client._retraining import RetrainingMixin
from mlhive.client._transfer import ProgressFile, progress_bar
from mlhive.errors import (
    JobFailedError,
    MlhiveError,
    NotFoundError,
    RateLimitedError,
    WaitTimeoutError,
)
from mlhive.wire.models import (
    SKOPS_TRUSTED_TYPES,
    CommentOut,
    CommitCreate,
    CommitOut,
    DiffOut,
    MergeOut,
    MergeRequestOut,
    MergeRule,
    ModelCard,
    RefOut,
    RepoOut,
    UploadCreate,
    UploadOut,
    refused_skops_reasons,
    untrusted_skops_types,
)

PUT_AT_ONCE = 4
"""Requests of pieces in flight at once during a push."""
RATE_LIMITED_ROUNDS = 10
"""How many times a request of pieces waits out the server's write budget before failing."""
FILE_FOR = {"safetensors": "model.safetensors", "skops": "model.skops", "onnx": "model.onnx"}
EXPORT = "model.export.onnx"
Source = str | tuple[str, str]


class UnsafeModelError(MlhiveError, ValueError):
    """A downloaded scikit-learn file names types outside the allowlist; it was not loaded."""


def _source(item: Source) -> dict[str, str | None]:
    if isinstance(item, tuple):
        return {"repo": item[0], "ref": item[1]}
    repo, colon, ref = item.partition(":")
    return {"repo": repo, "ref": ref} if colon else {"repo": None, "ref": item}


def _is_estimator(model: Any) -> bool:
    return hasattr(model, "get_params") and hasattr(model, "fit")


def _serialize(model: Any, folder: Path) -> Path:
    """Write ``model`` to a file in a safe format and return its path."""
    if isinstance(model, str | os.PathLike):
        return Path(model)
    if _is_estimator(model):
        import skops.io as sio  # type: ignore[import-untyped]

        _require_fitted(model)
        path = folder / FILE_FOR["skops"]
        sio.dump(model, path)
        return path
    if isinstance(model, Mapping):
        from safetensors.numpy import save_file

        path = folder / FILE_FOR["safetensors"]
        save_file({str(k): _tensor(str(k), v) for k, v in model.items()}, str(path))
        return path
    if hasattr(model, "SerializeToString") and hasattr(model, "graph"):
        path = folder / FILE_FOR["onnx"]
        path.write_bytes(model.SerializeToString())
        return path
    raise TypeError(
        "push a scikit-learn estimator, a dict of numpy arrays, an onnx.ModelProto or a file "
        f"path, not {type(model).__name__}"
    )


def _tensor(name: str, value: Any) -> np.ndarray[Any, Any]:
    """A dict entry as a tensor: numpy arrays only, so that nothing is guessed."""
    if not isinstance(value, np.ndarray):
        hint = f"np.asarray({value!r})" if isinstance(value, int | float | bool) else "an array"
        raise TypeError(
            f"tensor {name!r} is of type {type(value).__name__}, not a numpy array: safetensors "
            f"files hold arrays (pass {hint}; a PyTorch tensor: .numpy())"
        )
    if value.dtype == object:
        raise TypeError(f"tensor {name!r} has dtype object: tensors hold numbers only")
    return np.ascontiguousarray(value)


def _require_fitted(estimator: Any) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise ValueError(
            f"{type(estimator).__name__} is not fitted: call fit() before pushing (the forge "
            "stores trained models; to share an untrained pipeline, client.flows.publish it)"
        ) from None


def load_skops_safely(data: bytes) -> Any:
    """Load skops bytes with the same allowlist the server uses.

    Raises:
        UnsafeModelError: the file names a type outside the allowlist (nothing was loaded).
    """
    import skops.io as sio

    refused = untrusted_skops_types(list(sio.get_untrusted_types(data=data)))
    if refused:
        raise UnsafeModelError(f"the model references untrusted types: {', '.join(refused)}")
    try:
        reasons = refused_skops_reasons(data)
    except ValueError as exc:
        raise UnsafeModelError(str(exc)) from None
    if reasons:
        raise UnsafeModelError("; ".join(reasons))
    return sio.loads(data, trusted=sorted(SKOPS_TRUSTED_TYPES))


def onnx_session(data: bytes) -> Any:
    """An onnxruntime inference session (CPU) for ONNX bytes."""
    import onnxruntime as ort  # type: ignore[import-untyped]

    return ort.InferenceSession(data, providers=["CPUExecutionProvider"])


class ModelsAPI(AliasesMixin, ChecksMixin, RetrainingMixin):
    """``client.models``: model repositories on the server.

    Example:
        >>> client.models.create("iris-clf", task_ids=[1])  # doctest: +SKIP
        >>> client.models.push("alice/iris-clf", fitted_pipeline, message="first")  # doctest: +SKIP
        >>> model = client.models.pull("alice/iris-clf")  # doctest: +SKIP
        >>> client.models.set_checks("alice/iris-clf", degenerate=True)  # doctest: +SKIP
        >>> client.models.wait_checked("alice/iris-clf", "main").passed  # doctest: +SKIP
        >>> client.models.promote("alice/iris-clf", "main", "production")  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore, poll_interval: float = 0.5) -> None:
        self._core = core
        self.poll_interval = poll_interval

    def _url(self, repo: str, tail: str = "") -> str:
        owner, slash, name = repo.partition("/")
        if not slash or not owner or not name:
            raise ValueError(f"repo must be 'owner/name', not {repo!r}")
        return f"/api/models/{owner}/{name}{tail}"

    # -- repositories -------------------------------------------------------------------------

    def create(
        self,
        name: str,
        *,
        description: str = "",
        visibility: Literal["public", "private"] = "public",
        task_ids: Iterable[int] = (),
        rules: Iterable[MergeRule | Mapping[str, Any]] = (),
        owner: str | None = None,
    ) -> RepoOut:
        """Create a repository owned by you (or by a team you write to).

        Args:
            name: the repository's name (it becomes ``<you>/<name>``, or ``<owner>/<name>``).
            description: free text.
            visibility: ``private`` repositories are invisible to others.
            task_ids: tasks merge requests are evaluated on.
            rules: merge-request gates, e.g. ``{"measure": "predictive_accuracy", "max_drop":
                0.005}``.
            owner: a team you write to that will own the repository (by default you do).

        Returns:
            The new repository.

        Raises:
            ConflictError: you already have one of that name.
            InvalidInputError: a bad name or an unknown task.
        """
        body = {
            "name": name,
            "description": description,
            "visibility": visibility,
            "task_ids": list(task_ids),
            "rules": [MergeRule.model_validate(r).model_dump() for r in rules],
        }
        if owner is not None:
            body["owner"] = owner
        return RepoOut.model_validate(self._core.request("POST", "/api/models", json=body).json())

    def get(self, repo: str) -> RepoOut:
        """A repository with its branches and tags. Raises NotFoundError."""
        return RepoOut.model_validate(self._core.get_json(self._url(repo)))

    def update(self, repo: str, **fields: Any) -> RepoOut:
        """Edit ``description``, ``visibility``, ``task_ids`` or ``rules`` (owner only)."""
        response = self._core.request("PATCH", self._url(repo), json=fields)
        return RepoOut.model_validate(response.json())

    def fork(self, repo: str, name: str | None = None, visibility: str | None = None) -> RepoOut:
        """Fork a repository into your namespace (lineage recorded)."""
        body = {"name": name, "visibility": visibility}
        response = self._core.request("POST", self._url(repo, "/fork"), json=body)
        return RepoOut.model_validate(response.json())

    # -- commits ------------------------------------------------------------------------------

    def push(
        self,
        repo: str,
        model: Any,
        *,
        message: str = "",
        card: ModelCard | Mapping[str, Any] | None = None,
        branch: str = "main",
        expected_head: str | None = None,
        allow_format_change: bool = False,
        progress: bool = False,
    ) -> CommitOut:
        """Commit a model on a branch, sending only what the server lacks.

        The file is hashed piece by piece (each tensor of a safetensors file in pieces of
        16 MiB, any other file whole); the server answers which pieces it does not hold, and
        only those are sent, so a commit that changed 10 % of a checkpoint's tensors sends
        about 10 % of its bytes. If the push is interrupted, pushing again sends only the
        pieces that did not arrive. A server without upload sessions gets the whole file.

        Args:
            repo: ``owner/name``.
            model: a fitted scikit-learn estimator (sent as skops), a dict of numpy arrays
                (sent as safetensors), an ``onnx.ModelProto``, or the path of a .safetensors,
                .skops or .onnx file.
            message: the commit message.
            card: the model card (fields the server reads from the file are filled in).
            branch: the branch to commit on (others' repositories: ``<you>/...``).
            expected_head: refuse if the branch has moved past this commit.
            allow_format_change: commit a format other than the parent commit's (e.g. ONNX
                after safetensors); refused without it.
            progress: draw an upload progress bar on stderr.

        Returns:
            The new commit.

        Raises:
            InvalidInputError: an unsafe or malformed file, or an invalid card (the message
                names the field).
            PayloadTooLargeError: the file exceeds the server's upload limit, or holds more
                tensors than its ``max_tensors_per_file`` (code ``too_many_tensors``).
            PermissionDeniedError: you may not push to that branch.
            ConflictError: ``expected_head`` is stale, or the format differs from the parent
                commit's without ``allow_format_change``.
            TypeError: ``model`` is none of the accepted kinds, or a dict holds something
                other than numpy arrays.
            ValueError: an unfitted scikit-learn estimator.
        """
        meta = CommitCreate.model_validate(
            {
                "message": message,
                "branch": branch,
                "card": ModelCard.model_validate(card or {}),
                "expected_head": expected_head,
                "allow_format_change": allow_format_change,
            }
        )
        with tempfile.TemporaryDirectory(prefix="mlhive-model-") as scratch:
            path = _serialize(model, Path(scratch))
            sent = self._push_pieces(repo, path, meta, progress)
            if sent is not None:
                return sent
            size = path.stat().st_size
            with (
                path.open("rb") as raw,
                progress_bar(progress, f"push {path.name}", size) as advance,
            ):
                response = self._core.request(
                    "POST",
                    self._url(repo, "/commits"),
                    files={
                        "file": (path.name, ProgressFile(raw, advance), "application/octet-stream")
                    },
                    data={"metadata": meta.model_dump_json()},
                )
        return CommitOut.model_validate(response.json())

    def _push_pieces(
        self, repo: str, path: Path, meta: CommitCreate, progress: bool
    ) -> CommitOut | None:
        """Push through an upload session: send only the pieces the server lacks.

        Returns:
            The new commit, or None when the server has no upload sessions (an older server:
            the caller pushes the whole file instead) or the file is empty.
        """
        described = _pieces.describe(path)
        if described.size == 0:
            return None  # the whole-file push answers with the server's own refusal
        body = UploadCreate(
            metadata=meta,
            filename=path.name,
            size=described.size,
            header=described.header,
            chunks=described.chunks,
        )
        try:
            response = self._core.request(
                "POST", self._url(repo, "/uploads"), json=body.model_dump(mode="json")
            )
        except NotFoundError:
            self.get(repo)  # a missing repository raises here; else the route is missing
            return None
        upload = UploadOut.model_validate(response.json())
        sizes = {chunk.sha256: chunk.size for chunk in described.chunks}
        offsets = described.offsets
        base = self._url(repo, f"/uploads/{upload.id}")
        with (
            _pieces.mapped(path) as data,
            progress_bar(progress, f"push {path.name}", upload.missing_bytes) as advance,
            ThreadPoolExecutor(PUT_AT_ONCE, thread_name_prefix="mlhive-put") as pool,
        ):

            def send(batch: list[str]) -> None:
                pieces = [
                    (sha, bytes(data[offsets[sha] : offsets[sha] + sizes[sha]])) for sha in batch
                ]
                if len(pieces) == 1:
                    ((sha, piece),) = pieces
                    self._send_piece(
                        f"{base}/chunks/{sha}",
                        content=piece,
                        headers={"Content-Type": "application/octet-stream"},
                    )
                else:
                    parts = [
                        ("chunk", (sha, piece, "application/octet-stream")) for sha, piece in pieces
                    ]
                    self._send_piece(f"{base}/chunks", files=parts)
                advance(sum(len(piece) for _, piece in pieces))

            # a few at once: the server's disk flushes overlapping writes together
            batches = _pieces.batches(upload.missing, sizes)
            for sent in [pool.submit(send, batch) for batch in batches]:
                sent.result()  # the first failure is raised; the rest finish or fail too
        done = self._core.request("POST", f"{base}/commit")
        return CommitOut.model_validate(done.json())

    def _send_piece(self, path: str, **kwargs: Any) -> None:
        """PUT pieces (idempotent), waiting out the write budget a long push may exhaust."""
        for attempt in range(RATE_LIMITED_ROUNDS):
            try:
                self._core.request("PUT", path, **kwargs)
                return
            except RateLimitedError as exc:
                if attempt == RATE_LIMITED_ROUNDS - 1:
                    raise
                self._core.sleep(float(exc.retry_after or 1))

    def commit(self, repo: str, ref: str = "main") -> CommitOut:
        """One commit by branch, tag or id."""
        return CommitOut.model_validate(self._core.get_json(self._url(repo, f"/commits/{ref}")))

    def log(self, repo: str, ref: str = "main", limit: int = 100) -> list[CommitOut]:
        """The history reachable from ``ref``, newest first."""
        rows = self._core.get_json(self._url(repo, "/commits"), {"ref": ref, "limit": limit})
        return [CommitOut.model_validate(r) for r in rows]

    def download(self, repo: str, ref: str = "main", filename: str | None = None) -> bytes:
        """The bytes of a commit's model file (default: its main file)."""
        name = filename or FILE_FOR[self.commit(repo, ref).format]
        response = self._core.request("GET", self._url(repo, f"/files/{name}"), params={"ref": ref})
        return response.content

    def pull(self, repo: str, ref: str = "main", *, onnx: bool = False) -> Any:
        """A usable model from a commit.

        Args:
            repo: ``owner/name``.
            ref: branch, tag or commit id.
            onnx: return an onnxruntime session (for scikit-learn models: of the server's ONNX
                export).

        Returns:
            A scikit-learn estimator (loaded through the allowlist), a dict of numpy arrays
            (safetensors), or an ``onnxruntime.InferenceSession`` (ONNX).

        Raises:
            NotFoundError: no such repository/ref, or no ONNX export (yet) for ``onnx=True``.
            JobFailedError: ``onnx=True`` and the export failed or is unsupported (the
                message gives the server's reason).
            UnsafeModelError: the file names types outside the allowlist.
        """
        commit = self.commit(repo, ref)
        if onnx and commit.format == "skops":
            export = commit.onnx_export
            if export is not None and export.state in ("failed", "unsupported"):
                raise JobFailedError(
                    f"commit {commit.id[:12]} has no ONNX export ({export.state}): {export.detail}"
                )
            return onnx_session(self.download(repo, commit.id, EXPORT))
        data = self.download(repo, commit.id, FILE_FOR[commit.format])
        if commit.format == "skops":
            return load_skops_safely(data)
        if commit.format == "onnx":
            return onnx_session(data)
        from safetensors.numpy import load

        return load(data)

    def card(self, repo: str, ref: str = "main", *, markdown: bool = False) -> ModelCard | str:
        """The model card as a :class:`ModelCard`, or as Markdown with YAML front matter."""
        params = {"ref": ref, "format": "md" if markdown else "json"}
        response = self._core.request("GET", self._url(repo, "/card"), params=params)
        return response.text if markdown else ModelCard.model_validate(response.json())

    def diff(self, repo: str, a: str, b: str) -> DiffOut:
        """What changed from ref ``a`` to ref ``b`` (tensors, or hyper-parameters/attributes)."""
        return DiffOut.model_validate(
            self._core.get_json(self._url(repo, "/diff"), {"a": a, "b": b})
        )

    def branch(self, repo: str, name: str, ref: str) -> RefOut:
        """Create a branch at ``ref``."""
        body = {"name": name, "ref": ref}
        return RefOut.model_validate(
            self._core.request("POST", self._url(repo, "/branches"), json=body).json()
        )

    def tag(self, repo: str, name: str, ref: str) -> RefOut:
        """Create a tag at ``ref`` (tags never move)."""
        body = {"name": name, "ref": ref}
        return RefOut.model_validate(
            self._core.request("POST", self._url(repo, "/tags"), json=body).json()
        )

    # -- merges -------------------------------------------------------------------------------

    def merge(
        self,
        repo: str,
        method: Literal["average", "task_arithmetic", "ties", "voting", "stacking"],
        sources: Sequence[Source],
        *,
        weights: Sequence[float] | None = None,
        base: Source | None = None,
        density: float = 0.2,
        task_id: int | None = None,
        voting: Literal["soft", "hard"] = "soft",
        branch: str = "main",
        message: str = "",
        wait: bool = True,
        timeout: float = 600,
    ) -> MergeOut:
        """Merge models on the server into a new commit on ``branch``.

        Args:
            repo: the repository that receives the merge commit.
            method: ``average`` (weighted), ``task_arithmetic``, ``ties`` (tensors), or
                ``voting``/``stacking`` ensembles of scikit-learn models.
            sources: refs, or ``"owner/name:ref"`` / ``(owner/name, ref)`` of other repositories.
            weights: averaging weights, or the λ of task arithmetic/TIES (one per source).
            base: the base model of task arithmetic and TIES.
            density: the fraction of each task vector TIES keeps.
            task_id: the task whose data ensembles are fitted on (default: the repo's first).
            voting: soft or hard voting.
            branch: where the merge commit goes.
            message: its message.
            wait: poll until the merge is done.
            timeout: seconds to wait at most.

        Returns:
            The merge; ``commit`` is the new commit id once ``state`` is ``done``.

        Raises:
            InvalidInputError: bad sources or parameters.
            JobFailedError: the merge failed (e.g. different architectures).
            WaitTimeoutError: it did not finish within ``timeout``.
        """
        body = {
            "method": method,
            "sources": [_source(s) for s in sources],
            "weights": list(weights) if weights is not None else None,
            "base": _source(base) if base is not None else None,
            "density": density,
            "task_id": task_id,
            "voting": voting,
            "branch": branch,
            "message": message,
        }
        merge = MergeOut.model_validate(
            self._core.request("POST", self._url(repo, "/merges"), json=body).json()
        )
        if not wait:
            return merge
        deadline = time.monotonic() + timeout
        while merge.state == "pending":
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(f"merge {merge.id} still pending after {timeout:g} s")
            time.sleep(self.poll_interval)
            merge = MergeOut.model_validate(
                self._core.get_json(self._url(repo, f"/merges/{merge.id}"))
            )
        if merge.state == "failed":
            raise JobFailedError(f"merge {merge.id} failed: {merge.error}")
        return merge

    # -- merge requests -----------------------------------------------------------------------

    def open_merge_request(
        self,
        repo: str,
        source_branch: str,
        *,
        title: str,
        source_repo: str | None = None,
        target_branch: str = "main",
        description: str = "",
    ) -> MergeRequestOut:
        """Open a merge request from a branch (or a fork's branch); the server evaluates it.

        Raises:
            InvalidInputError: unknown branches, or a source repository that is not a fork.
        """
        body = {
            "source_branch": source_branch,
            "source_repo": source_repo,
            "target_branch": target_branch,
            "title": title,
            "description": description,
        }
        response = self._core.request("POST", self._url(repo, "/merge-requests"), json=body)
        return MergeRequestOut.model_validate(response.json())

    def merge_request(self, repo: str, number: int) -> MergeRequestOut:
        """A merge request with its evaluation, verdict and comments."""
        return MergeRequestOut.model_validate(
            self._core.get_json(self._url(repo, f"/merge-requests/{number}"))
        )

    def merge_requests(self, repo: str, state: str | None = None) -> list[MergeRequestOut]:
        """A repository's merge requests, newest first."""
        rows = self._core.get_json(
            self._url(repo, "/merge-requests"), {"state": state} if state else None
        )
        return [MergeRequestOut.model_validate(r) for r in rows]

    def wait_evaluated(self, repo: str, number: int, timeout: float = 600) -> MergeRequestOut:
        """Poll until a request's evaluation is no longer pending.

        Raises:
            WaitTimeoutError: still pending after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while (request := self.merge_request(repo, number)).evaluation_state == "pending":
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(f"merge request {number} still pending after {timeout:g} s")
            time.sleep(self.poll_interval)
        return request

    def close_merge_request(self, repo: str, number: int) -> MergeRequestOut:
        """Close a merge request without merging it (its author or the repository's owner).

        Raises:
            NotFoundError: no such request. PermissionDeniedError: neither author nor owner.
            ConflictError: it is already merged or closed.
        """
        path = self._url(repo, f"/merge-requests/{number}/close")
        return MergeRequestOut.model_validate(self._core.request("POST", path).json())

    def accept_merge_request(self, repo: str, number: int) -> MergeRequestOut:
        """Merge a request (owner only). Raises ConflictError when the rules forbid it."""
        response = self._core.request("POST", self._url(repo, f"/merge-requests/{number}/merge"))
        return MergeRequestOut.model_validate(response.json())

    def comment(
        self,
        repo: str,
        number: int,
        body: str,
        *,
        reply_to: int | None = None,
        tensor: str | None = None,
    ) -> CommentOut:
        """Comment on a merge request, or reply in a review thread."""
        payload = {"body": body, "reply_to": reply_to, "tensor": tensor}
        response = self._core.request(
            "POST", self._url(repo, f"/merge-requests/{number}/comments"), json=payload
        )
        return CommentOut.model_validate(response.json())

    # Defined last: inside the class body ``list`` would shadow the builtin in annotations.
    def list(
        self, owner: str | None = None, *, search: str | None = None, limit: int = 100
    ) -> list[RepoOut]:
        """Repositories you may see, oldest first.

        Args:
            owner: only this user's repositories.
            search: only those whose name or description contains this text (any case).
            limit: the most repositories to return (at most 1 000).

        Raises:
            InvalidInputError: a bad filter. ConnectionFailedError: the server is unreachable.
        """
        params = {"owner": owner, "q": search, "limit": limit}
        params = {key: value for key, value in params.items() if value is not None}
        return [RepoOut.model_validate(r) for r in self._core.get_json("/api/models", params)]
