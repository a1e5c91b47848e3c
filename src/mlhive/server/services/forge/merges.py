"""Server-side merges: tensor merges (average, task arithmetic, TIES) and scikit-learn ensembles
(voting, stacking), run by the ``forge_merge`` job. A merge ends in one commit on the chosen
branch whose parents are the branch's head and every source (and base) commit.

The job (:func:`mlhive.server.services.forge.jobs.run_merge`) runs :func:`carry_out` in one
transaction, so a merge that fails leaves no partial commit, then :func:`mark_failed`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.forge import ModelCommit, ModelMerge, ModelRepo
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import DomainError, InvalidInput, NotFound
from mlhive.server.domain.forge.merge import check_same_architecture, merge_tensor
from mlhive.server.domain.forge.sklearn import card_facts, compose_ensemble
from mlhive.server.domain.forge.tensors import FileRecord, Manifest
from mlhive.server.jobs import queue
from mlhive.server.services import accounts
from mlhive.server.services.experiments import tasks
from mlhive.server.services.forge import content
from mlhive.server.services.forge import repos as models
from mlhive.server.services.forge.commits import queue_checks, queue_export
from mlhive.server.services.forge.evaluation import features_and_target, task_spec
from mlhive.server.storage import BlobStore
from mlhive.wire.models import MergeCreate, MergeOut, MergeSource, ModelCard

MERGE_JOB = "forge_merge"
TENSOR_METHODS = ("average", "task_arithmetic", "ties")


def import_history(session: Session, target: ModelRepo, commit: ModelCommit) -> None:
    """Copy ``commit`` and its ancestors into ``target`` where missing (forks, cross-repo
    merges), so the target's history can be walked and any commit pulled from it."""
    present = set(session.scalars(select(ModelCommit.sha).where(ModelCommit.repo_id == target.id)))
    source = {
        c.sha: c
        for c in session.scalars(select(ModelCommit).where(ModelCommit.repo_id == commit.repo_id))
    }
    pending, skip = [commit.sha], {"id", "repo_id"}
    while pending:
        sha = pending.pop()
        if sha in present or sha not in source:
            continue
        original = source[sha]
        values = {c.key: getattr(original, c.key) for c in ModelCommit.__table__.columns}
        session.add(
            ModelCommit(repo_id=target.id, **{k: v for k, v in values.items() if k not in skip})
        )
        present.add(sha)
        pending += list(original.parents)
    session.flush()


def _resolve_source(
    session: Session, actor: Actor, repo: ModelRepo, source: MergeSource, where: str
) -> ModelCommit:
    try:
        origin = (
            repo if source.repo is None else models.get_by_full_name(session, actor, source.repo)
        )
        return models.resolve(session, origin, source.ref)
    except NotFound as exc:
        raise InvalidInput(f"{where}: {exc.detail}", field=where) from None


def request_merge(session: Session, actor: Actor, repo: ModelRepo, body: MergeCreate) -> ModelMerge:
    """Check a merge request's sources now and queue the merge.

    Raises:
        PermissionDenied: the actor may not push to the branch.
        InvalidInput: unknown sources, wrong formats, or an ensemble without a task.
    """
    models.require_push(actor, repo, body.branch)
    sources = [
        _resolve_source(session, actor, repo, s, f"sources.{i}") for i, s in enumerate(body.sources)
    ]
    base = _resolve_source(session, actor, repo, body.base, "base") if body.base else None
    wanted = "safetensors" if body.method in TENSOR_METHODS else "skops"
    for index, commit in enumerate([*sources, *([base] if base else [])]):
        if commit.format != wanted:
            raise InvalidInput(
                f"sources: commit {commit.sha[:12]} is {commit.format}; {body.method} merges "
                f"need {wanted} models",
                field=f"sources.{index}",
            )
    task_id = body.task_id
    if task_id is None and repo.task_ids:
        task_id = repo.task_ids[0]
    if wanted == "skops":
        if task_id is None:
            raise InvalidInput(f"task_id: a {body.method} ensemble is fitted on a task's data")
        tasks.get(session, actor, task_id)
    spec = {
        **body.model_dump(mode="json"),
        "task_id": task_id,
        "source_ids": [c.id for c in sources],
        "base_id": base.id if base else None,
    }
    merge = ModelMerge(
        repo_id=repo.id, author_id=actor.id, method=body.method, branch=body.branch, spec=spec
    )
    session.add(merge)
    session.flush()
    queue.enqueue(
        session,
        MERGE_JOB,
        {"merge_id": merge.id},
        subject=f"model_merge:{merge.id}",
        owner=actor.id,
    )
    return merge


def describe_merge(session: Session, merge: ModelMerge) -> MergeOut:
    """The wire description of a merge."""
    repo = session.get_one(ModelRepo, merge.repo_id)
    commit = session.get(ModelCommit, merge.commit_id) if merge.commit_id else None
    job = queue.latest_for(session, f"model_merge:{merge.id}")
    return MergeOut(
        id=merge.id,
        repo=repo.full_name,
        method=merge.method,
        branch=merge.branch,
        state=merge.state,
        error=merge.error,
        commit=commit.sha if commit else None,
        job_id=job.id if job else None,
    )


def get_merge(session: Session, actor: Actor | None, repo: ModelRepo, merge_id: int) -> ModelMerge:
    """A merge of a visible repository."""
    merge = session.get(ModelMerge, merge_id)
    if merge is None or merge.repo_id != repo.id:
        raise NotFound(f"{repo.full_name} has no merge {merge_id}")
    return merge


def _tensor_merge(
    store: BlobStore,
    session: Session,
    spec: Mapping[str, Any],
    commits: list[ModelCommit],
    base: ModelCommit | None,
) -> Manifest:
    manifests = [content.manifest_of(store, c) for c in commits]
    base_manifest = content.manifest_of(store, base) if base else None
    labels = [c.sha[:12] for c in commits]
    check_same_architecture(
        manifests + ([base_manifest] if base_manifest else []),
        labels + ([base.sha[:12]] if base else []),
    )
    base_tensors = base_manifest.by_name() if base_manifest else {}
    records = []
    for record in manifests[0].tensors:
        arrays = [content.load_tensor(store, m.by_name()[record.name]) for m in manifests]
        origin = content.load_tensor(store, base_tensors[record.name]) if base_tensors else None
        merged = merge_tensor(
            spec["method"],
            record.dtype,
            arrays,
            base=origin,
            weights=spec.get("weights"),
            density=spec["density"],
        )
        records.append(content.store_tensor(session, store, record.name, record.dtype, merged))
    return Manifest("safetensors", tensors=records, metadata=dict(manifests[0].metadata))


def _ensemble(
    store: BlobStore, session: Session, spec: Mapping[str, Any], commits: list[ModelCommit]
) -> tuple[Manifest, dict[str, Any]]:
    import skops.io as sio  # type: ignore[import-untyped]

    members = [
        (f"m{i}_{c.sha[:8]}", content.load_estimator(store, c)) for i, c in enumerate(commits)
    ]
    spec_task = task_spec(session, spec["task_id"])
    ensemble = compose_ensemble(spec["method"], members, spec_task.task_type, spec["voting"])
    features, y = features_and_target(store, spec_task)
    ensemble.fit(features, y)
    sha = content.put_bytes(session, store, sio.dumps(ensemble))
    size = store.size(sha)
    manifest = Manifest("skops", files={content.FILE_NAMES["skops"]: FileRecord(sha, size)})
    return manifest, card_facts(ensemble)


def _card(
    spec: Mapping[str, Any],
    commits: list[ModelCommit],
    facts: dict[str, Any],
    repos: dict[int, str],
) -> dict[str, Any]:
    weights = spec.get("weights") or [
        1.0 / len(commits) if spec["method"] == "average" else 1.0
    ] * len(commits)
    card: dict[str, Any] = {
        **{k: (v.model_dump() if hasattr(v, "model_dump") else v) for k, v in facts.items()},
        "base_models": [
            {"repo": repos[c.repo_id], "commit": c.sha, "coefficient": w}
            for c, w in zip(commits, weights, strict=True)
        ],
        "merge": {"method": spec["method"], "coefficients": weights, "options": {}},
    }
    if spec["method"] == "ties":
        card["merge"]["options"] = {"density": spec["density"]}
    if spec["method"] in ("voting", "stacking"):
        card["merge"]["options"] = {"task_id": spec["task_id"], "voting": spec["voting"]}
        card["lineage"] = {"task_id": spec["task_id"]}
    if isinstance(card.get("input_schema"), list):
        card["input_schema"] = [
            f.model_dump() if hasattr(f, "model_dump") else f for f in card["input_schema"]
        ]
    return card


def carry_out(session: Session, store: BlobStore, merge_id: int) -> None:
    """Carry out a pending merge: compute the merged model, commit it and move the branch.

    Raises:
        NotFound: a source commit is gone (its repository was deleted meanwhile).
        DomainError: the sources do not fit together (e.g. different architectures).
    """
    merge = session.get(ModelMerge, merge_id)
    if merge is None or merge.state != "pending":
        return
    repo = session.get_one(ModelRepo, merge.repo_id)
    author = session.get_one(User, merge.author_id)
    spec = merge.spec
    sources = [_source_commit(session, commit_id) for commit_id in spec["source_ids"]]
    base = session.get(ModelCommit, spec["base_id"]) if spec.get("base_id") else None
    facts: dict[str, Any] = {"library": "safetensors"}
    if spec["method"] in TENSOR_METHODS:
        manifest = _tensor_merge(store, session, spec, sources, base)
    else:
        manifest, facts = _ensemble(store, session, spec, sources)
    names = _repo_names(session, sources)
    parents = _parents(session, repo, merge.branch, sources, base)
    for commit in [*sources, *([base] if base else [])]:
        import_history(session, repo, commit)
    card = ModelCard.model_validate(_card(spec, sources, facts, names))
    message = spec.get("message") or f"{spec['method']} merge of " + ", ".join(
        c.sha[:12] for c in sources
    )
    commit = content.record_commit(
        session,
        store,
        repo,
        accounts.actor_of(session, author),
        manifest,
        parents=parents,
        card=card.model_dump(mode="json"),
        message=message,
    )
    models.move_branch(session, repo, merge.branch, commit)
    if manifest.format == "skops":
        queue_export(session, commit)
    else:
        queue_checks(session, commit)
    merge.state, merge.commit_id = "done", commit.id


def _source_commit(session: Session, commit_id: int) -> ModelCommit:
    commit = session.get(ModelCommit, commit_id)
    if commit is None:
        raise NotFound(f"source commit {commit_id} no longer exists (its repository was deleted)")
    return commit


def _repo_names(session: Session, commits: list[ModelCommit]) -> dict[int, str]:
    query = select(ModelRepo).where(ModelRepo.id.in_({c.repo_id for c in commits}))
    return {r.id: r.full_name for r in session.scalars(query)}


def _parents(
    session: Session,
    repo: ModelRepo,
    branch: str,
    sources: list[ModelCommit],
    base: ModelCommit | None,
) -> list[str]:
    """The branch's head, then every source and the base, each once."""
    head_ref = models.find_ref(session, repo, "branch", branch)
    head = session.get(ModelCommit, head_ref.commit_id) if head_ref else None
    shas = [*(x.sha for x in [head] if x), *(c.sha for c in sources), *(b.sha for b in [base] if b)]
    return list(dict.fromkeys(shas))


def mark_failed(session: Session, merge_id: int, error: Exception) -> None:
    """Record why a merge failed (a domain error's detail, else the exception), unless gone."""
    detail = error.detail if isinstance(error, DomainError) else f"{type(error).__name__}: {error}"
    merge = session.get(ModelMerge, merge_id)
    if merge is not None:
        merge.state, merge.error = "failed", detail[:5000]
