"""Retraining (online learning): a repository follows a dataset's versions and retrains itself.

The owner writes a policy (:class:`RetrainingPolicyIn`): the dataset name to follow, the
target, the branch retrains land on and what happens once the model checks have run (open a
merge request into the default branch, or move @staging when they pass). When a new version
of the dataset has been processed (:func:`on_dataset_processed`, called by the datasets
capability), on the policy's schedule (:func:`queue_due`, the worker's idle sweep) or when
the owner asks (:func:`request_retrain`), the ``serving_retrain`` job runs in the worker:

1. :func:`plan` reads the default branch's head, its pipeline (the flow and setup on its
   card, never its pickle) and the dataset version, and refuses what cannot be done;
2. :func:`fit` rebuilds the estimator from the flow and setup and fits it on the version's
   rows (in a child process, bounded by ``job_time_limit_seconds``);
3. the model is pushed to the policy's branch with a card whose ``data_seen`` is the parent's
   list plus this version (id, version, rows, time range of its time column);
4. its ONNX export and model checks run as for any push; once they have (:func:`after_checks`)
   or at once when the repository has no checks, :func:`finish` opens the merge request
   carrying the check results, or moves @staging.

Private data stays private: a public repository never retrains on a private dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.datasets import Dataset, Feature
from mlhive.server.db.tables.experiments import Setup
from mlhive.server.db.tables.forge import MergeRequest, ModelCommit, ModelRepo
from mlhive.server.db.tables.serving import ModelCheckConfig, RetrainingPolicy
from mlhive.server.domain.access import Actor, require_owner
from mlhive.server.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from mlhive.server.jobs import queue
from mlhive.server.services.datasets import catalog, processing
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import flows
from mlhive.server.services.forge import repos, requests
from mlhive.server.services.serving import aliases, modelci
from mlhive.server.storage import BlobStore
from mlhive.wire.flows import FlowOut, ParameterSetting
from mlhive.wire.models import DataSeen, MergeRequestCreate
from mlhive.wire.serving import (
    CommitChecksOut,
    RetrainingPolicyIn,
    RetrainingPolicyOut,
    RetrainOutcome,
)

RETRAIN_JOB = "serving_retrain"
STAGING = "staging"
ACTIVE_STATES = ("queued", "running", "checking")


def _subject(repo_id: int) -> str:
    return f"retrain:{repo_id}"


def _where(repo: ModelRepo) -> str:
    return f"model repository {repo.full_name}"


def _owner(session: Session, repo: ModelRepo) -> Actor:
    user = session.get_one(User, repo.owner_id)
    return Actor(id=user.id, name=user.name, is_admin=user.is_admin)


# -- the policy --------------------------------------------------------------------------------


def find_policy(session: Session, repo: ModelRepo) -> RetrainingPolicy | None:
    """The repository's policy row, if it has one."""
    return session.get(RetrainingPolicy, repo.id)


def get_policy(session: Session, repo: ModelRepo) -> RetrainingPolicy:
    """The repository's policy.

    Raises:
        NotFound: the repository has no retraining policy.
    """
    row = find_policy(session, repo)
    if row is None:
        raise NotFound(f"{repo.full_name} has no retraining policy")
    return row


def describe(session: Session, repo: ModelRepo, row: RetrainingPolicy) -> RetrainingPolicyOut:
    """The wire form of a policy and its latest retrain."""
    head = _head(session, repo)
    job = queue.latest_for(session, _subject(repo.id))
    commit = session.get(ModelCommit, row.last_commit_id) if row.last_commit_id else None
    return RetrainingPolicyOut(
        repo=repo.full_name,
        dataset=row.dataset_name,
        target=row.target,
        time_column=row.time_column,
        branch=row.branch,
        action=row.action,
        interval_hours=row.interval_hours,
        enabled=row.enabled,
        source_commit=head.sha if head else None,
        updated_at=row.updated_at,
        last=RetrainOutcome(
            state=row.last_state,
            message=row.last_message,
            dataset_id=row.last_dataset_id,
            commit=commit.sha if commit else None,
            merge_request=row.last_request_number,
            started_at=row.last_started_at,
            finished_at=row.last_finished_at,
        ),
        job_id=job.id if job else None,
    )


def describe_policy(session: Session, repo: ModelRepo) -> RetrainingPolicyOut | None:
    """The repository's policy in wire form, or None when it has none (for its page)."""
    row = find_policy(session, repo)
    return describe(session, repo, row) if row is not None else None


def _head(session: Session, repo: ModelRepo) -> ModelCommit | None:
    ref = repos.find_ref(session, repo, "branch", repo.default_branch)
    return session.get(ModelCommit, ref.commit_id) if ref else None


def _versions(session: Session, actor: Actor, name: str) -> list[Dataset]:
    """The processed versions of dataset ``name`` the actor may see, newest first."""
    rows = session.scalars(
        select(Dataset)
        .where(Dataset.name == name, Dataset.processing == "done")
        .order_by(Dataset.version.desc())
    )
    visible = []
    for row in rows:
        try:
            visible.append(catalog.get(session, actor, row.id))
        except NotFound:
            continue
    return visible


def _columns(session: Session, dataset: Dataset) -> dict[str, str]:
    """A processed dataset's columns and their types, in order."""
    rows = session.scalars(
        select(Feature).where(Feature.dataset_id == dataset.id).order_by(Feature.index)
    )
    return {row.name: row.data_type for row in rows}


def _pipeline_of(commit: ModelCommit) -> dict[str, Any] | None:
    pipeline = (commit.card or {}).get("pipeline")
    return pipeline if isinstance(pipeline, dict) else None


def _rebuildable(session: Session, repo: ModelRepo, commit: ModelCommit | None) -> ModelCommit:
    """Refuse a source commit whose pipeline the server cannot rebuild, saying what to push.

    Raises:
        InvalidInput: no head, not a scikit-learn model, no flow and setup on its card, or a
            flow the server cannot rebuild.
    """
    how = (
        "push a scikit-learn model whose card names the run it was evaluated in "
        "(card.lineage.run_id) or its flow and setup (card.pipeline)"
    )
    if commit is None:
        raise InvalidInput(
            f"{repo.full_name} has no commit on {repo.default_branch!r} to retrain; {how}"
        )
    if commit.format != "skops":
        raise InvalidInput(
            f"the head of {repo.default_branch!r} ({commit.sha[:12]}) is a {commit.format} "
            f"model; only scikit-learn pipelines can be retrained: {how}"
        )
    pipeline = _pipeline_of(commit)
    if pipeline is None:
        raise InvalidInput(
            f"the head of {repo.default_branch!r} ({commit.sha[:12]}) does not record the flow "
            f"and setup it was built from, so the server cannot rebuild it; {how}"
        )
    _rebuild_inputs(session, pipeline)
    return commit


def _rebuild_inputs(
    session: Session, pipeline: dict[str, Any]
) -> tuple[FlowOut, list[ParameterSetting]]:
    from mlhive.sklearn import flow_to_estimator
    from mlhive.sklearn.errors import FlowConversionError

    setup = session.get(Setup, pipeline["setup_id"])
    if setup is None:
        raise InvalidInput(f"setup {pipeline['setup_id']} of the pipeline does not exist any more")
    flow = flows.describe(session, flows.get(session, pipeline["flow_id"]))
    settings = flows.setup_parameters(session, setup.id)
    try:
        flow_to_estimator(flow, settings)
    except (FlowConversionError, ImportError) as exc:
        raise InvalidInput(f"flow {flow.id} cannot be rebuilt on this server: {exc}") from None
    return flow, settings


def _check_data(
    session: Session,
    repo: ModelRepo,
    dataset: Dataset,
    target: str | None,
    time_column: str | None,
) -> tuple[str, str | None]:
    """The target and time column to use on ``dataset``; refuses private data for a public
    repository and columns the version does not have.

    Raises:
        InvalidInput: naming the field (``dataset``, ``target``, ``time_column``).
    """
    where = f"dataset {dataset.name!r} version {dataset.version} (id {dataset.id})"
    if repo.visibility != "private" and dataset.visibility == "private":
        raise InvalidInput(
            f"dataset: {where} is private and {repo.full_name} is public: a public model "
            "would reveal what it learnt from private data; make the repository private or "
            "follow a public dataset",
            field="dataset",
        )
    columns = _columns(session, dataset)
    chosen = target or dataset.default_target_attribute
    if not chosen:
        raise InvalidInput(
            f"target: {where} has no default target; name the column to predict",
            field="target",
        )
    if columns and chosen not in columns:
        raise InvalidInput(
            f"target: {where} has no column {chosen!r}; use one of {', '.join(columns)}",
            field="target",
        )
    if time_column is not None:
        if columns and columns.get(time_column) != "date":
            dates = [c for c, kind in columns.items() if kind == "date"] or ["none"]
            raise InvalidInput(
                f"time_column: {where} has no date column {time_column!r}; its date columns: "
                f"{', '.join(dates)}",
                field="time_column",
            )
        return chosen, time_column
    dates = [c for c, kind in columns.items() if kind == "date" and c != chosen]
    return chosen, dates[0] if dates else None


def set_policy(
    session: Session, actor: Actor, repo: ModelRepo, body: RetrainingPolicyIn
) -> RetrainingPolicyOut:
    """Create or replace the repository's retraining policy (its owner or an administrator).

    Raises:
        PermissionDenied: not the owner.
        InvalidInput: the branch is the default branch, the dataset is unknown (or private for
            a public repository), a column is missing, or the default branch's head carries no
            pipeline the server can rebuild.
    """
    require_owner(actor, repo.owner_id, _where(repo))
    if body.branch == repo.default_branch:
        raise InvalidInput(
            f"branch: retrains land on their own branch, not on {repo.default_branch!r}; "
            "name another (the default is 'retrain')",
            field="branch",
        )
    owner = _owner(session, repo)
    versions = _versions(session, owner, body.dataset)
    if not versions:
        raise InvalidInput(
            f"dataset: there is no processed dataset named {body.dataset!r} the owner of "
            f"{repo.full_name} can see; publish it first (or wait for its processing)",
            field="dataset",
        )
    _check_data(session, repo, versions[0], body.target, body.time_column)
    _rebuildable(session, repo, _head(session, repo))
    if body.action == "promote_staging" and session.get(ModelCheckConfig, repo.id) is None:
        raise InvalidInput(
            "action: promote_staging moves @staging only when the model checks pass, and "
            f"{repo.full_name} has none; configure them first (PUT /api/models/"
            f"{repo.full_name}/checks) or open merge requests",
            field="action",
        )
    row = find_policy(session, repo)
    values = {
        "dataset_name": body.dataset,
        "target": body.target,
        "time_column": body.time_column,
        "branch": body.branch,
        "action": body.action,
        "interval_hours": body.interval_hours,
        "enabled": body.enabled,
        "updated_by": actor.id,
        "updated_at": utcnow(),
    }
    if row is None:
        row = RetrainingPolicy(repo_id=repo.id, last_state="never", last_message="", **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.flush()
    return describe(session, repo, row)


def delete_policy(session: Session, actor: Actor, repo: ModelRepo) -> None:
    """Remove the repository's policy (its owner or an administrator); commits it made stay.

    Raises:
        PermissionDenied: not the owner.
        NotFound: no policy.
    """
    require_owner(actor, repo.owner_id, _where(repo))
    session.delete(get_policy(session, repo))
    session.flush()


# -- triggers ------------------------------------------------------------------------------------


def _enqueue(session: Session, row: RetrainingPolicy, dataset_id: int, why: str) -> None:
    row.last_state, row.last_message = "queued", why
    row.last_dataset_id, row.last_commit_id, row.last_request_number = dataset_id, None, None
    row.last_started_at, row.last_finished_at = utcnow(), None
    repo = session.get_one(ModelRepo, row.repo_id)
    queue.enqueue(
        session,
        RETRAIN_JOB,
        {"repo_id": row.repo_id, "dataset_id": dataset_id},
        subject=_subject(row.repo_id),
        owner=repo.owner_id,
    )


def request_retrain(session: Session, actor: Actor, repo: ModelRepo) -> RetrainingPolicyOut:
    """Queue a retrain on the newest version of the followed dataset now (the owner).

    Raises:
        PermissionDenied: not the owner.
        NotFound: no policy.
        Conflict: a retrain is already under way.
        InvalidInput: the followed dataset has no version the owner can see.
    """
    require_owner(actor, repo.owner_id, _where(repo))
    row = get_policy(session, repo)
    if _busy(session, row):
        raise Conflict(
            f"a retrain of {repo.full_name} is already {row.last_state}; wait for it to finish"
        )
    versions = _versions(session, _owner(session, repo), row.dataset_name)
    if not versions:
        raise InvalidInput(
            f"dataset: no version of {row.dataset_name!r} is visible to the owner any more",
            field="dataset",
        )
    _enqueue(session, row, versions[0].id, f"asked for by {actor.name}")
    session.flush()
    return describe(session, repo, row)


def _busy(session: Session, row: RetrainingPolicy) -> bool:
    """Whether a retrain is under way: its job waits or runs, or its commit's checks do (a
    state the work behind it no longer backs, say checks removed meanwhile, is not busy)."""
    if row.last_state not in ACTIVE_STATES:
        return False
    if row.last_state in ("queued", "running"):
        job = queue.latest_for(session, _subject(row.repo_id))
        return job is not None and job.state in ("queued", "running")
    commit = session.get(ModelCommit, row.last_commit_id) if row.last_commit_id else None
    if commit is None:
        return False
    repo = session.get_one(ModelRepo, row.repo_id)
    return modelci.describe_results(session, repo, commit).state in ("queued", "running")


def _catch_up(session: Session, row: RetrainingPolicy) -> None:
    """Queue the next retrain when a newer version arrived while this one was under way."""
    if not row.enabled:
        return
    repo = session.get_one(ModelRepo, row.repo_id)
    versions = _versions(session, _owner(session, repo), row.dataset_name)
    if versions and versions[0].version > _newest_applied(session, row):
        newest = versions[0]
        _enqueue(session, row, newest.id, f"version {newest.version} of {newest.name} arrived")


def _newest_applied(session: Session, row: RetrainingPolicy) -> int:
    last = session.get(Dataset, row.last_dataset_id) if row.last_dataset_id else None
    return last.version if last is not None and last.name == row.dataset_name else 0


def on_dataset_processed(session: Session, dataset: Dataset) -> None:
    """Queue a retrain for every enabled policy following ``dataset``'s name, when this
    version is newer than the last one it retrained on (called as processing finishes)."""
    if dataset.status == "deactivated":
        return
    rows = session.scalars(
        select(RetrainingPolicy).where(
            RetrainingPolicy.dataset_name == dataset.name, RetrainingPolicy.enabled.is_(True)
        )
    )
    for row in list(rows):
        if dataset.version <= _newest_applied(session, row) or _busy(session, row):
            continue
        repo = session.get_one(ModelRepo, row.repo_id)
        try:
            catalog.get(session, _owner(session, repo), dataset.id)
        except NotFound:  # someone else's private version: not for this repository
            continue
        _enqueue(session, row, dataset.id, f"version {dataset.version} of {dataset.name} arrived")


def queue_due(session: Session) -> int:
    """Queue the retrains whose schedule is due (on the newest version); returns how many."""
    now = utcnow()
    rows = session.scalars(
        select(RetrainingPolicy).where(
            RetrainingPolicy.enabled.is_(True), RetrainingPolicy.interval_hours.is_not(None)
        )
    )
    count = 0
    for row in list(rows):
        if row.interval_hours is None or _busy(session, row):
            continue
        since = row.last_started_at or row.updated_at
        if since.tzinfo is None:
            since = since.replace(tzinfo=now.tzinfo)
        if now - since < timedelta(hours=row.interval_hours):
            continue
        repo = session.get_one(ModelRepo, row.repo_id)
        versions = _versions(session, _owner(session, repo), row.dataset_name)
        if versions:
            _enqueue(session, row, versions[0].id, f"scheduled every {row.interval_hours:g} h")
            count += 1
    return count


processing.PROCESSED_HOOKS.append(on_dataset_processed)


# -- the job's phases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FitInput:
    """What fitting needs, copied out of a transaction (picklable: it crosses to a child)."""

    flow: FlowOut
    settings: list[ParameterSetting]
    data_sha256: str
    target: str
    features: tuple[str, ...]  # the model's input columns, in order
    classification: bool
    time_column: str | None


@dataclass(frozen=True)
class Fitted:
    model: bytes  # skops
    rows: int
    time_from: str | None
    time_to: str | None


@dataclass
class Plan:
    repo_id: int
    dataset_id: int
    dataset_name: str
    dataset_version: int
    owner: Actor
    branch: str
    source_sha: str
    pipeline: dict[str, Any]
    card: dict[str, Any]
    parent_seen: list[dict[str, Any]]
    fit: FitInput
    notes: list[str] = field(default_factory=list)


def plan(session: Session, repo_id: int, dataset_id: int) -> Plan | None:
    """Read what a retrain needs and mark it running; None when the policy is gone.

    Raises:
        InvalidInput: the data or the source commit cannot be used (the reason is recorded).
    """
    row = session.get(RetrainingPolicy, repo_id)
    repo = session.get(ModelRepo, repo_id)
    if row is None or repo is None:
        return None
    row.last_state, row.last_started_at, row.last_dataset_id = "running", utcnow(), dataset_id
    owner = _owner(session, repo)
    try:
        dataset = catalog.get(session, owner, dataset_id)
    except NotFound:
        raise InvalidInput(f"dataset {dataset_id} is gone or not visible to the owner") from None
    target, time_column = _check_data(session, repo, dataset, row.target, row.time_column)
    source = _rebuildable(session, repo, _head(session, repo))
    pipeline = dict(_pipeline_of(source) or {})
    flow, settings = _rebuild_inputs(session, pipeline)
    columns = _columns(session, dataset)
    schema = [f["name"] for f in source.card.get("input_schema") or []]
    dropped = {target, dataset.row_id_attribute, *dataset.ignore_attributes} - {None}
    features = schema or [c for c in columns if c not in dropped]
    missing = [c for c in features if columns and c not in columns]
    if missing:
        raise InvalidInput(
            f"version {dataset.version} of {dataset.name} lacks the model's input columns "
            f"{', '.join(missing)}: the pipeline of {source.sha[:12]} cannot be refitted on it"
        )
    branch_ref = repos.find_ref(session, repo, "branch", row.branch)
    parent = session.get(ModelCommit, branch_ref.commit_id) if branch_ref else source
    task_type = source.card.get("task_type", "other")
    classification = task_type == "supervised_classification" or (
        task_type == "other" and columns.get(target) == "nominal"
    )
    return Plan(
        repo_id=repo.id,
        dataset_id=dataset.id,
        dataset_name=dataset.name,
        dataset_version=dataset.version,
        owner=owner,
        branch=row.branch,
        source_sha=source.sha,
        pipeline=pipeline,
        card=dict(source.card),
        parent_seen=list((parent.card if parent else {}).get("data_seen") or []),
        fit=FitInput(
            flow=flow,
            settings=settings,
            data_sha256=catalog.require_data(dataset),
            target=target,
            features=tuple(features),
            classification=classification,
            time_column=time_column,
        ),
    )


def fit(store: BlobStore, job: FitInput) -> Fitted:
    """Rebuild the estimator from its flow and setup and fit it on the version's rows with a
    target; no database access (it runs in a child process)."""
    import skops.io as sio  # type: ignore[import-untyped]  # the forge extra

    from mlhive.sklearn import flow_to_estimator

    frame = load_table(store, job.data_sha256).to_pandas()
    frame = frame[frame[job.target].notna()]
    if frame.empty:
        raise InvalidInput(f"no row has a value in the target column {job.target!r}")
    y = frame[job.target]
    y = y.astype(str) if job.classification else y.astype(np.float64)
    estimator = flow_to_estimator(job.flow, job.settings)
    estimator.fit(frame[list(job.features)], y)
    time_from = time_to = None
    if job.time_column is not None and job.time_column in frame.columns:
        times = pd.to_datetime(frame[job.time_column], errors="coerce", utc=True).dropna()
        if not times.empty:
            time_from, time_to = times.min().isoformat(), times.max().isoformat()
    data: bytes = sio.dumps(estimator)
    return Fitted(model=data, rows=len(frame), time_from=time_from, time_to=time_to)


def applied(plan_: Plan, fitted: Fitted) -> list[DataSeen]:
    """The new commit's data seen: the parent's list, then the version just fitted on."""
    seen = [DataSeen.model_validate(entry) for entry in plan_.parent_seen]
    seen.append(
        DataSeen(
            dataset_id=plan_.dataset_id,
            name=plan_.dataset_name,
            version=plan_.dataset_version,
            rows=fitted.rows,
            time_column=plan_.fit.time_column if fitted.time_from else None,
            time_from=fitted.time_from,
            time_to=fitted.time_to,
            applied_at=utcnow(),
            source="server",
        )
    )
    return seen


def card_of(plan_: Plan, fitted: Fitted) -> dict[str, Any]:
    """The retrained commit's card: the source's descriptions, its pipeline, the new data."""
    keep = ("task_type", "licence", "intended_use", "limitations")
    card = {k: plan_.card[k] for k in keep if plan_.card.get(k)}
    card["lineage"] = {"dataset_id": plan_.dataset_id}
    card["pipeline"] = plan_.pipeline
    card["text"] = (
        f"Retrained by the server on version {plan_.dataset_version} of dataset "
        f"{plan_.dataset_name} (id {plan_.dataset_id}, {fitted.rows} rows with a target in "
        f"{plan_.fit.target!r}), from the pipeline of {plan_.source_sha[:12]} (flow "
        f"{plan_.pipeline['flow_id']}, setup {plan_.pipeline['setup_id']}), by its "
        "retraining policy."
    )
    return card


def after_push(session: Session, store: BlobStore, repo_id: int, commit: ModelCommit) -> None:
    """Record the retrain's commit; finish now when the repository has no checks to wait for."""
    row = session.get(RetrainingPolicy, repo_id)
    if row is None:
        return
    row.last_commit_id, row.last_state = commit.id, "checking"
    row.last_message = f"committed {commit.sha[:12]} to {row.branch!r}; running the model checks"
    if session.get(ModelCheckConfig, repo_id) is None:
        finish(session, store, row, commit)


def after_checks(session: Session, store: BlobStore, commit_id: int) -> None:
    """Finish the retrain waiting for ``commit_id``'s model checks, if there is one."""
    row = session.scalar(
        select(RetrainingPolicy).where(
            RetrainingPolicy.last_commit_id == commit_id, RetrainingPolicy.last_state == "checking"
        )
    )
    commit = session.get(ModelCommit, commit_id)
    if row is not None and commit is not None:
        finish(session, store, row, commit, from_job=True)


def checks_markdown(out: CommitChecksOut) -> str:
    """A commit's check results as a Markdown table, for a merge request's description."""
    if out.state == "not_configured":
        return "The repository configures no model checks."
    if out.state != "done":
        return f"The model checks did not finish: {out.state}" + (
            f" ({out.error})" if out.error else ""
        )
    verdict = "passed" if out.passed else "failed"
    lines = [
        f"Model checks {verdict}.",
        "",
        "| check | result | figure | detail |",
        "|---|---|---|---|",
    ]
    for r in out.results:
        figure = "" if r.figure is None else f"{r.figure:.6g}"
        detail = r.detail.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {r.name} | {'passed' if r.passed else 'failed'} | {figure} | {detail} |")
    lines += [f"| {name} | missing | | no result |" for name in out.missing]
    return "\n".join(lines)


def finish(
    session: Session,
    store: BlobStore,
    row: RetrainingPolicy,
    commit: ModelCommit,
    *,
    from_job: bool = False,
) -> None:
    """Open the merge request (carrying the check results) or move @staging, record it, and
    queue the next retrain if a newer version arrived meanwhile.

    ``from_job``: called by the checks' job as it records the results.
    """
    _finish(session, store, row, commit, from_job)
    _catch_up(session, row)


def _finish(
    session: Session,
    store: BlobStore,
    row: RetrainingPolicy,
    commit: ModelCommit,
    from_job: bool,
) -> None:
    repo = session.get_one(ModelRepo, row.repo_id)
    owner = _owner(session, repo)
    results = modelci.describe_results(session, repo, commit, from_job=from_job)
    dataset = session.get(Dataset, row.last_dataset_id) if row.last_dataset_id else None
    what = f"{dataset.name} version {dataset.version}" if dataset else "new data"
    row.last_finished_at = utcnow()
    if row.action == "promote_staging":
        try:
            gate = modelci.gate(session, store, repo, commit, from_job=from_job)
            aliases.promote_checked(session, owner, repo, STAGING, commit, gate)
        except DomainError as exc:
            row.last_state = "refused"
            row.last_message = f"@{STAGING} was not moved to {commit.sha[:12]}: {exc.detail}"
            return
        row.last_state = "done"
        row.last_message = f"retrained on {what}; @{STAGING} now points at {commit.sha[:12]}"
        return
    body = MergeRequestCreate(
        source_branch=row.branch,
        target_branch=repo.default_branch,
        title=f"Retrain on {what}"[:256],
        description=(
            f"{(commit.card or {}).get('text', '')}\n\n## Model checks of {commit.sha[:12]}\n\n"
            f"{checks_markdown(results)}\n"
        ),
    )
    try:
        request = _open_or_refresh(session, owner, repo, body)
    except DomainError as exc:
        row.last_state, row.last_message = "failed", f"no merge request opened: {exc.detail}"
        return
    verdict = {True: "passed", False: "failed", None: results.state}[results.passed]
    row.last_state, row.last_request_number = "done", request.number
    row.last_message = f"retrained on {what}: merge request {request.number} (checks {verdict})"


def _open_or_refresh(
    session: Session, owner: Actor, repo: ModelRepo, body: MergeRequestCreate
) -> MergeRequest:
    """The retrain branch's open merge request, pointed at the new commit and evaluated again,
    or a new one: one request per branch, not one per retrain."""
    waiting = session.scalar(
        select(MergeRequest).where(
            MergeRequest.repo_id == repo.id,
            MergeRequest.source_repo_id == repo.id,
            MergeRequest.source_branch == body.source_branch,
            MergeRequest.target_branch == body.target_branch,
            MergeRequest.state == "open",
        )
    )
    if waiting is None:
        return requests.open_request(session, owner, repo, body)
    waiting.title, waiting.description = body.title, body.description
    return requests.refresh(session, owner, repo, waiting)


def mark_failed(session: Session, repo_id: int, exc: BaseException) -> None:
    """Record why a retrain stopped."""
    row = session.get(RetrainingPolicy, repo_id)
    if row is None:
        return
    detail = exc.detail if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
    row.last_state, row.last_message = "failed", detail[:4000]
    row.last_finished_at = utcnow()
    if isinstance(exc, DomainError):  # final (the worker retries other failures itself)
        _catch_up(session, row)
