"""Commits: push (inspect, store, validate the card), history, descriptions and diffs.

A push runs in three phases so that SQLite's write lock is held for milliseconds, not for as
long as the upload takes to store: :func:`check_push` refuses what cannot succeed (reads only),
:func:`ingest` parses and stores the file's blobs outside any transaction, and :func:`push`
records the blob rows, the commit and the branch in one short write transaction.
"""

from __future__ import annotations

import heapq
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.tables.datasets import Feature
from mlhive.server.db.tables.experiments import Evaluation, Run, Setup
from mlhive.server.db.tables.forge import ModelCommit, ModelRepo
from mlhive.server.db.tables.jobs import Job
from mlhive.server.db.tables.serving import ModelCheckConfig
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound
from mlhive.server.domain.forge import formats
from mlhive.server.domain.forge.sklearn import estimator_diff
from mlhive.server.domain.forge.tensors import change_stats, diff_manifests
from mlhive.server.jobs import queue
from mlhive.server.services import activity
from mlhive.server.services.blobs import remember_blobs
from mlhive.server.services.datasets import catalog
from mlhive.server.services.experiments import runs, tasks
from mlhive.server.services.forge import content, repos
from mlhive.server.storage import BlobStore
from mlhive.wire.models import (
    BaseModelRef,
    CardMetric,
    CommitCreate,
    CommitOut,
    DataSeen,
    DiffOut,
    ModelCard,
    OnnxExport,
    OutputSchema,
    TensorChange,
)

EXPORT_JOB = "forge_export_onnx"
CHECKS_JOB = "serving_model_checks"
"""The repository's model checks of a commit (model CI: :mod:`mlhive.server.services.serving`)."""


def _card_error(where: str, detail: str) -> InvalidInput:
    return InvalidInput(f"card.{where}: {detail}", field=f"card.{where}")


def _lineage(session: Session, actor: Actor, card: dict[str, Any]) -> list[CardMetric]:
    """Check the lineage ids and fill in what they imply; returns the server's metrics."""
    lineage = card["lineage"]
    if lineage.get("run_id") is not None:
        try:
            run = runs.get(session, actor, lineage["run_id"])
        except NotFound:
            raise _card_error("lineage.run_id", f"run {lineage['run_id']} not found") from None
        if lineage.get("task_id") not in (None, run.task_id):
            raise _card_error("lineage.run_id", f"run {run.id} is not on task {lineage['task_id']}")
        lineage["task_id"] = run.task_id
    if lineage.get("task_id") is not None:
        try:
            task = tasks.get(session, actor, lineage["task_id"])
        except NotFound:
            raise _card_error("lineage.task_id", f"task {lineage['task_id']} not found") from None
        if lineage.get("dataset_id") not in (None, task.dataset_id):
            raise _card_error(
                "lineage.dataset_id", f"task {task.id} is on dataset {task.dataset_id}"
            )
        lineage["dataset_id"] = task.dataset_id
        if card["output_schema"].get("class_labels") is None and task.class_labels:
            card["output_schema"]["class_labels"] = list(task.class_labels)
    if lineage.get("dataset_id") is not None:
        try:
            dataset = catalog.get(session, actor, lineage["dataset_id"])
        except NotFound:
            raise _card_error(
                "lineage.dataset_id", f"dataset {lineage['dataset_id']} not found"
            ) from None
        if lineage.get("dataset_version") not in (None, dataset.version):
            raise _card_error(
                "lineage.dataset_version", f"dataset {dataset.id} is version {dataset.version}"
            )
        lineage["dataset_version"] = dataset.version
    if lineage.get("run_id") is None:
        return []
    rows = session.scalars(
        select(Evaluation)
        .where(Evaluation.run_id == lineage["run_id"], Evaluation.value.is_not(None))
        .order_by(Evaluation.measure)
    )
    return [
        CardMetric(
            name=e.measure, value=e.value, task_id=e.task_id, run_id=e.run_id, source="server"
        )
        for e in rows
    ]


def _base_models(session: Session, actor: Actor, refs: list[BaseModelRef]) -> list[dict[str, Any]]:
    resolved = []
    for index, ref in enumerate(refs):
        try:
            repo = repos.get_by_full_name(session, actor, ref.repo)
            commit = repos.resolve(session, repo, ref.commit or repo.default_branch)
        except (NotFound, InvalidInput) as exc:
            raise _card_error(f"base_models.{index}", exc.detail) from None
        resolved.append({**ref.model_dump(), "commit": commit.sha})
    return resolved


def _pipeline(session: Session, data: dict[str, Any]) -> None:
    """Fill in the card's flow and setup from its lineage run, or check the ones it names."""
    pipeline, run_id = data.get("pipeline"), data["lineage"].get("run_id")
    if run_id is not None:
        run = session.get_one(Run, run_id)  # _lineage checked that it exists and is visible
        found = {"flow_id": run.flow_id, "setup_id": run.setup_id}
        if pipeline is not None and pipeline != found:
            raise _card_error(
                "pipeline",
                f"run {run_id} has flow {run.flow_id} and setup {run.setup_id}; "
                "leave pipeline out or give those",
            )
        data["pipeline"] = found
        return
    if pipeline is None:
        return
    setup = session.get(Setup, pipeline["setup_id"])
    if setup is None:
        raise _card_error("pipeline.setup_id", f"setup {pipeline['setup_id']} not found")
    if setup.flow_id != pipeline["flow_id"]:
        raise _card_error(
            "pipeline.setup_id",
            f"setup {setup.id} is a setup of flow {setup.flow_id}, not {pipeline['flow_id']}",
        )


def _data_seen(
    session: Session, actor: Actor, data: dict[str, Any], repo: ModelRepo | None
) -> None:
    """Check what the uploader says the model was trained on and fill in names and versions;
    a card that says nothing but names a dataset in its lineage has seen that dataset. A
    public repository's card never names a private dataset."""
    public = repo is None or repo.visibility != "private"
    entries = data["data_seen"]
    derived = not entries and data["lineage"].get("dataset_id") is not None
    if derived:
        entries = [{"dataset_id": data["lineage"]["dataset_id"]}]
    checked = []
    for index, entry in enumerate(entries):
        where = f"data_seen.{index}"
        try:
            dataset = catalog.get(session, actor, entry["dataset_id"])
        except NotFound:
            raise _card_error(
                f"{where}.dataset_id", f"dataset {entry['dataset_id']} not found"
            ) from None
        if public and dataset.visibility == "private":
            if derived:
                continue
            raise _card_error(
                f"{where}.dataset_id",
                f"dataset {dataset.id} is private and this repository is public; leave it "
                "out or make the repository private",
            )
        if entry.get("version") not in (None, dataset.version):
            raise _card_error(
                f"{where}.version", f"dataset {dataset.id} is version {dataset.version}"
            )
        if entry.get("rows") is not None and entry["rows"] > dataset.number_of_rows:
            raise _card_error(
                f"{where}.rows",
                f"dataset {dataset.id} has {dataset.number_of_rows} rows, not {entry['rows']}",
            )
        column = entry.get("time_column")
        if column is not None and column not in _column_names(session, dataset.id):
            raise _card_error(
                f"{where}.time_column", f"dataset {dataset.id} has no column {column!r}"
            )
        checked.append(
            {**entry, "name": dataset.name, "version": dataset.version, "source": "uploader"}
        )
    data["data_seen"] = checked


def _column_names(session: Session, dataset_id: int) -> set[str]:
    return set(session.scalars(select(Feature.name).where(Feature.dataset_id == dataset_id)))


def build_card(
    session: Session,
    actor: Actor,
    card: ModelCard,
    facts: dict[str, Any],
    repo: ModelRepo | None = None,
    applied: list[DataSeen] | None = None,
) -> ModelCard:
    """Validate a pushed card against this server and complete it from the file and the hive.

    What the file says (library, model type, task type, schemas when missing) wins over the
    uploader; lineage ids must exist and agree; a card without lineage in a repository that
    links exactly one task gets that task (and its dataset); uploaded metrics are marked
    ``uploader`` and the server's evaluations of the lineage run are added as ``server`` metrics.
    The data the model has seen is ``applied`` when the server trained it (a retrain, AutoML),
    else what the uploader says (checked against the catalog), else the lineage's dataset; the
    pipeline (flow and setup) comes from the lineage run when there is one.

    Raises:
        InvalidInput: naming the card field (``card.lineage.task_id`` ...).
    """
    data = card.model_dump(mode="json")
    lineage = data["lineage"]
    if repo is not None and len(repo.task_ids) == 1 and not any(lineage.values()):
        lineage["task_id"] = repo.task_ids[0]
    for key in ("library", "library_version", "model_type"):
        if facts.get(key):
            data[key] = facts[key]
    if facts.get("task_type", "other") != "other":
        data["task_type"] = facts["task_type"]
    if not data["input_schema"] and facts.get("input_schema"):
        data["input_schema"] = [f.model_dump() for f in facts["input_schema"]]
    output = facts.get("output_schema")
    if isinstance(output, OutputSchema) and data["output_schema"].get("class_labels") is None:
        data["output_schema"] = output.model_dump(mode="json")
    server_metrics = _lineage(session, actor, data)
    _pipeline(session, data)
    if applied is None:
        _data_seen(session, actor, data, repo)
    else:
        data["data_seen"] = [entry.model_dump(mode="json") for entry in applied]
    data["base_models"] = _base_models(session, actor, card.base_models)
    data["metrics"] = [{**m, "source": "uploader"} for m in data["metrics"]] + [
        m.model_dump() for m in server_metrics
    ]
    return ModelCard.model_validate(data)


def _parent(session: Session, repo: ModelRepo, meta: CommitCreate) -> ModelCommit | None:
    """The commit a push builds on: the branch's head, else the default branch's.

    Raises:
        Conflict: ``expected_head`` is not the branch's head any more.
    """
    head_ref = repos.find_ref(session, repo, "branch", meta.branch)
    start = head_ref or repos.find_ref(session, repo, "branch", repo.default_branch)
    head = session.get(ModelCommit, start.commit_id) if start else None
    if meta.expected_head is not None and (
        head_ref is None or head is None or not head.sha.startswith(meta.expected_head)
    ):
        raise Conflict(f"branch {meta.branch!r} has moved; pull and push again")
    return head


def check_push(session: Session, actor: Actor, repo: ModelRepo, meta: CommitCreate) -> None:
    """Refuse, before the file is stored, a push that cannot succeed (reads only).

    Raises:
        PermissionDenied: the actor may not push to the branch.
        Conflict: ``expected_head`` is not the branch's head any more.
        InvalidInput: the card names lineage or base models this server does not know.
    """
    repos.require_push(actor, repo, meta.branch)
    _parent(session, repo, meta)
    build_card(session, actor, meta.card, {}, repo)


def ingest(
    store: BlobStore, path: Path, filename: str | None, meta: CommitCreate, max_tensors: int
) -> content.Ingested:
    """Inspect an upload and store its blobs; no database is touched.

    Raises:
        PayloadTooLarge: a safetensors file with more than ``max_tensors`` tensors (code
            ``too_many_tensors``), refused before anything is stored.
        InvalidInput: an unsafe or malformed file.
    """
    fmt = formats.sniff(path, filename, meta.format)
    return content.ingest(store, fmt, path, max_tensors=max_tensors)


def push(
    session: Session,
    actor: Actor,
    repo: ModelRepo,
    ingested: content.Ingested,
    meta: CommitCreate,
    applied: list[DataSeen] | None = None,
) -> ModelCommit:
    """Commit an ingested upload on a branch: the blob rows in bulk, the commit, the branch.

    A new branch starts from the default branch's head. A scikit-learn commit is queued for
    ONNX export. Everything slow happened in :func:`ingest`, so this holds the write lock
    briefly; the checks of :func:`check_push` are repeated, as the repository may have changed.
    ``applied`` is the data the server itself trained the model on (see :func:`build_card`).

    Raises:
        PermissionDenied: the actor may not push to the branch.
        InvalidInput: an invalid card.
        Conflict: ``expected_head`` is not the branch's head any more, or the file's format
            differs from the head's without ``allow_format_change``.
    """
    repos.require_push(actor, repo, meta.branch)
    card = build_card(session, actor, meta.card, ingested.facts, repo, applied)
    head = _parent(session, repo, meta)
    fmt = ingested.manifest.format
    if head is not None and head.format != fmt and not meta.allow_format_change:
        raise Conflict(
            f"this commit would follow {head.sha[:12]}, a {head.format} model, with a {fmt} "
            "file: the commits of a history stay comparable. Push it to another repository, "
            "or set allow_format_change (mlhive model push --allow-format-change) to switch "
            "formats on purpose"
        )
    remember_blobs(session, ingested.blobs)
    commit = content.insert_commit(
        session,
        repo,
        actor,
        ingested.manifest,
        ingested.manifest_sha,
        parents=[head.sha] if head else [],
        card=card.model_dump(mode="json"),
        message=meta.message,
    )
    repos.move_branch(session, repo, meta.branch, commit)
    if ingested.manifest.format == "skops":
        queue_export(session, commit)  # its handler queues the checks once the export is done
    else:
        queue_checks(session, commit)
    activity.record(
        session,
        actor.id,
        "model.pushed",
        "model",
        repo.id,
        extra={"sha": commit.sha, "branch": meta.branch, "name": repo.full_name},
    )
    return commit


def queue_export(session: Session, commit: ModelCommit) -> None:
    """Queue the ONNX export (and parity check) of a scikit-learn commit."""
    commit.onnx_state = "pending"
    queue.enqueue(
        session,
        EXPORT_JOB,
        {"commit_id": commit.id},
        subject=f"model_commit:{commit.id}",
        owner=commit.author_id,
    )


def queue_checks(session: Session, commit: ModelCommit) -> Job | None:
    """Queue the model checks of ``commit`` when its repository configures any.

    Returns:
        The queued job (one already waiting for this commit is not queued twice), or None
        when the repository has no checks.
    """
    if session.get(ModelCheckConfig, commit.repo_id) is None:
        return None
    subject = f"model_checks:{commit.id}"
    waiting = queue.latest_for(session, subject)
    if waiting is not None and waiting.state == "queued":
        return waiting  # not started yet: it will read the configuration as it is then
    return queue.enqueue(
        session,
        CHECKS_JOB,
        {"commit_id": commit.id},
        subject=subject,
        owner=commit.author_id,
    )


def describe_commit(
    session: Session, store: BlobStore, repo: ModelRepo, commit: ModelCommit
) -> CommitOut:
    """The wire description of a commit."""
    manifest = content.manifest_of(store, commit)
    export = None
    if commit.onnx_state is not None:
        report = {
            k: v for k, v in (commit.onnx_report or {}).items() if k in OnnxExport.model_fields
        }
        export = OnnxExport.model_validate({**report, "state": commit.onnx_state})
    return CommitOut(
        id=commit.sha,
        repo=repo.full_name,
        parents=list(commit.parents),
        author=commit.author.name,
        message=commit.message,
        created_at=commit.created_at,
        format=commit.format,
        card=ModelCard.model_validate(commit.card),
        files=content.files_of(manifest, commit),
        tensors=commit.n_tensors,
        onnx_export=export,
    )


def log(session: Session, repo: ModelRepo, ref: str, limit: int) -> list[ModelCommit]:
    """The newest ``limit`` commits reachable from ``ref``, newest first.

    A walk from the head that always takes the newest commit not yet shown: parents are loaded
    as the walk reaches them, so a page costs about ``limit`` small lookups whatever the length
    of the history.
    """
    start = repos.resolve(session, repo, ref)
    frontier: list[tuple[float, int, str]] = []
    waiting: dict[str, ModelCommit] = {}
    seen: set[str] = set()

    def reach(found: list[ModelCommit]) -> None:
        for commit in found:
            if commit.sha not in seen:
                seen.add(commit.sha)
                waiting[commit.sha] = commit
                # Newest first: a max-heap on (created_at, id) through negated keys.
                key = (-commit.created_at.timestamp(), -commit.id, commit.sha)
                heapq.heappush(frontier, key)

    reach([start])
    ordered: list[ModelCommit] = []
    while frontier and len(ordered) < limit:
        commit = waiting.pop(heapq.heappop(frontier)[2])
        ordered.append(commit)
        unseen = [sha for sha in commit.parents if sha not in seen]
        if unseen:
            stmt = select(ModelCommit).where(
                ModelCommit.repo_id == repo.id, ModelCommit.sha.in_(unseen)
            )
            reach(list(session.scalars(stmt)))
    return ordered


def diff(store: BlobStore, a: ModelCommit, b: ModelCommit) -> DiffOut:
    """What changed from commit ``a`` to commit ``b``.

    Tensors are compared by content hash; for changed tensors of the same shape the L2 norm of
    the difference and the fraction of changed entries are computed. scikit-learn models list
    changed hyper-parameters and fitted attributes.
    """
    if a.format != b.format:
        return DiffOut(a=a.sha, b=b.sha, format="mixed")
    if a.format == "skops":
        params, attributes = estimator_diff(
            content.load_estimator(store, a), content.load_estimator(store, b)
        )
        return DiffOut(
            a=a.sha,
            b=b.sha,
            format="skops",
            changed_parameters=params,
            changed_attributes=attributes,
        )
    left, right = content.manifest_of(store, a), content.manifest_of(store, b)
    if a.format == "onnx":
        same = left.files == right.files
        return DiffOut(
            a=a.sha, b=b.sha, format="onnx", unchanged=int(same),
            changed=[] if same else [TensorChange(name="model.onnx")],
        )  # fmt: skip
    result = diff_manifests(left, right)
    changes = [_tensor_change(store, before, after) for before, after in result.changed]
    return DiffOut(
        a=a.sha,
        b=b.sha,
        format="safetensors",
        added=result.added,
        removed=result.removed,
        changed=changes,
        unchanged=result.unchanged,
    )


def _tensor_change(store: BlobStore, before: Any, after: Any) -> TensorChange:
    change = TensorChange(
        name=before.name,
        dtype_before=before.dtype,
        dtype_after=after.dtype,
        shape_before=list(before.shape),
        shape_after=list(after.shape),
    )
    if before.shape == after.shape:
        try:
            norm, fraction = change_stats(
                content.load_tensor(store, before), content.load_tensor(store, after)
            )
        except InvalidInput:  # float8: no numbers, the hashes still say it changed
            return change
        change.norm_of_difference, change.fraction_changed = norm, fraction
    return change
