"""Merge requests: open (from a branch or a fork), evaluate on the repository's tasks, merge
(owners, when the rules allow) or close. Their review threads are discussions
(:mod:`mlhive.server.services.social.reviews`).

The ``forge_evaluate_request`` job runs the candidate and the target scikit-learn models on each
linked task as server-side runs (see :mod:`mlhive.server.services.forge.evaluation`), compares
the task's evaluation measures and applies the repository's rules; its handler is
:func:`mlhive.server.services.forge.jobs.evaluate_request`. Models that cannot be refitted
(tensors, ONNX) are ``not_applicable``: with rules they cannot be merged through a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.queries import numbering
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.forge import MergeRequest, ModelCommit, ModelRepo
from mlhive.server.domain.access import Actor, require_owner
from mlhive.server.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from mlhive.server.domain.experiments.metrics import MEASURES
from mlhive.server.domain.forge.cards import rule_violations
from mlhive.server.jobs import queue
from mlhive.server.services import accounts, activity
from mlhive.server.services.forge import content, repos
from mlhive.server.services.forge.commits import queue_checks
from mlhive.server.services.forge.evaluation import TaskSpec, measures_of, task_spec
from mlhive.server.services.forge.merges import import_history
from mlhive.server.storage import BlobStore
from mlhive.wire.models import (
    CommentOut,
    MeasureComparison,
    MergeRequestCreate,
    MergeRequestOut,
    MergeRule,
)

EVALUATE_REQUEST_JOB = "forge_evaluate_request"


def _actor(session: Session, user: User) -> Actor:
    return accounts.actor_of(session, user)


def open_request(
    session: Session, actor: Actor, repo: ModelRepo, body: MergeRequestCreate
) -> MergeRequest:
    """Open a merge request and queue its evaluation (anyone with a key who can see both)."""
    source_repo = (
        repo
        if body.source_repo is None
        else repos.get_by_full_name(session, actor, body.source_repo)
    )
    if source_repo.id != repo.id and source_repo.forked_from_id != repo.id:
        raise InvalidInput(
            f"source_repo: {source_repo.full_name} is not a fork of {repo.full_name}",
            field="source_repo",
        )
    source = _branch_head(session, source_repo, body.source_branch, "source_branch")
    target = _branch_head(session, repo, body.target_branch, "target_branch")
    if source.sha == target.sha:
        raise InvalidInput(
            "source_branch: nothing to merge, it is the target's commit", field="source_branch"
        )
    request = numbering.insert_next(
        session,
        MergeRequest.number,
        MergeRequest.repo_id == repo.id,
        lambda number: MergeRequest(
            repo_id=repo.id,
            number=number,
            source_repo_id=source_repo.id,
            source_branch=body.source_branch,
            target_branch=body.target_branch,
            source_commit_id=source.id,
            target_commit_id=target.id,
            author_id=actor.id,
            title=body.title,
            description=body.description,
        ),
    )
    if request is None:
        raise Conflict(f"could not number a merge request on {repo.full_name}; please retry")
    queue_evaluation(session, request)
    activity.record(
        session,
        actor.id,
        "merge_request.opened",
        "model",
        repo.id,
        extra={"number": request.number, "title": request.title, "name": repo.full_name},
    )
    return request


def _branch_head(session: Session, repo: ModelRepo, branch: str, field: str) -> ModelCommit:
    ref = repos.find_ref(session, repo, "branch", branch)
    if ref is None:
        raise InvalidInput(f"{field}: {repo.full_name} has no branch {branch!r}", field=field)
    return session.get_one(ModelCommit, ref.commit_id)


def queue_evaluation(session: Session, request: MergeRequest) -> None:
    """(Re-)queue the evaluation of a request."""
    request.evaluation_state, request.evaluation_error = "pending", None
    request.comparison, request.violations = [], []
    queue.enqueue(
        session,
        EVALUATE_REQUEST_JOB,
        {"request_id": request.id},
        subject=f"model_mr:{request.id}",
        owner=request.author_id,
    )


def refresh(session: Session, actor: Actor, repo: ModelRepo, request: MergeRequest) -> MergeRequest:
    """Point an open request at its branches' current heads and evaluate it again."""
    if actor.id != request.author_id:
        require_owner(
            actor, repo.owner_id, f"model repository {repo.full_name}", ("model", repo.id)
        )
    if request.state != "open":
        raise Conflict(f"merge request {request.number} is {request.state}")
    source_repo = session.get_one(ModelRepo, request.source_repo_id)
    request.source_commit_id = _branch_head(
        session, source_repo, request.source_branch, "source_branch"
    ).id
    request.target_commit_id = _branch_head(
        session, repo, request.target_branch, "target_branch"
    ).id
    queue_evaluation(session, request)
    session.flush()
    return request


def get_request(session: Session, repo: ModelRepo, number: int) -> MergeRequest:
    """A merge request of a repository by its number."""
    request = session.scalar(
        select(MergeRequest).where(MergeRequest.repo_id == repo.id, MergeRequest.number == number)
    )
    if request is None:
        raise NotFound(f"{repo.full_name} has no merge request {number}")
    return request


def list_requests(session: Session, repo: ModelRepo, state: str | None) -> list[MergeRequest]:
    """A repository's merge requests, newest first."""
    stmt = select(MergeRequest).where(MergeRequest.repo_id == repo.id)
    if state is not None:
        stmt = stmt.where(MergeRequest.state == state)
    return list(session.scalars(stmt.order_by(MergeRequest.number.desc())))


def is_mergeable(request: MergeRequest, rules: list[dict[str, Any]]) -> bool:
    """Open, evaluated and breaking no rule (or, without rules, nothing to evaluate)."""
    if request.state != "open":
        return False
    if request.evaluation_state == "done":
        return not request.violations
    return request.evaluation_state == "not_applicable" and not rules


def describe_request(
    session: Session,
    repo: ModelRepo,
    request: MergeRequest,
    comments: Sequence[CommentOut] = (),
) -> MergeRequestOut:
    """The wire description of a merge request, with ``comments`` (its review thread, which
    lives in the discussion tables: see :mod:`mlhive.server.services.social.reviews`)."""
    sha = {
        c.id: c.sha
        for c in session.scalars(
            select(ModelCommit).where(
                ModelCommit.id.in_(
                    [
                        i
                        for i in (
                            request.source_commit_id,
                            request.target_commit_id,
                            request.merged_commit_id,
                        )
                        if i
                    ]
                )
            )
        )
    }
    source_repo = session.get(ModelRepo, request.source_repo_id)
    job = queue.latest_for(session, f"model_mr:{request.id}")
    return MergeRequestOut(
        number=request.number,
        repo=repo.full_name,
        title=request.title,
        description=request.description,
        author=request.author.name,
        source=source_repo.full_name if source_repo else "",
        source_branch=request.source_branch,
        target_branch=request.target_branch,
        source_commit=sha[request.source_commit_id],
        target_commit=sha[request.target_commit_id],
        state=request.state,
        evaluation_state=request.evaluation_state,
        evaluation_error=request.evaluation_error,
        comparison=[MeasureComparison.model_validate(c) for c in request.comparison],
        violations=list(request.violations),
        mergeable=is_mergeable(request, repo.rules),
        merged_commit=sha.get(request.merged_commit_id) if request.merged_commit_id else None,
        created_at=request.created_at,
        comments=list(comments),
        job_id=job.id if job else None,
    )


def close(session: Session, actor: Actor, repo: ModelRepo, request: MergeRequest) -> None:
    """Close an open request (its author or the repository's owner)."""
    if actor.id != request.author_id:
        require_owner(
            actor, repo.owner_id, f"model repository {repo.full_name}", ("model", repo.id)
        )
    if request.state != "open":
        raise Conflict(f"merge request {request.number} is {request.state}")
    request.state = "closed"


def merge(
    session: Session, store: Any, actor: Actor, repo: ModelRepo, request: MergeRequest
) -> ModelCommit:
    """Merge an evaluated request (owners only): a commit with the target and the candidate as
    parents and the candidate's content, on the target branch.

    Raises:
        PermissionDenied: not the owner; Conflict: not mergeable, or the target moved.
    """
    require_owner(actor, repo.owner_id, f"model repository {repo.full_name}", ("model", repo.id))
    if not is_mergeable(request, repo.rules):
        reason = "; ".join(request.violations) or f"evaluation is {request.evaluation_state}"
        raise Conflict(f"merge request {request.number} cannot be merged: {reason}")
    target = _branch_head(session, repo, request.target_branch, "target_branch")
    if target.id != request.target_commit_id:
        raise Conflict(f"{request.target_branch!r} moved since the evaluation; re-evaluate first")
    candidate = session.get_one(ModelCommit, request.source_commit_id)
    import_history(session, repo, candidate)
    manifest = content.manifest_of(store, candidate)
    commit = content.record_commit(
        session, store, repo, actor, manifest,
        parents=[target.sha, candidate.sha],
        card=dict(candidate.card),
        message=f"Merge request #{request.number}: {request.title}",
    )  # fmt: skip
    commit.onnx_state, commit.onnx_sha256, commit.onnx_report = (
        candidate.onnx_state,
        candidate.onnx_sha256,
        candidate.onnx_report,
    )
    repos.move_branch(session, repo, request.target_branch, commit)
    queue_checks(session, commit)
    request.state, request.merged_commit_id = "merged", commit.id
    session.flush()
    activity.record(
        session,
        actor.id,
        "merge_request.merged",
        "model",
        repo.id,
        extra={"number": request.number, "title": request.title, "name": repo.full_name},
        owners=[request.author_id],
    )
    return commit


# -- the phases of the evaluation job ------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationPlan:
    """What evaluating a request needs, read in one transaction: per side, a model and a user."""

    specs: list[TaskSpec]
    estimators: dict[str, Any]  # "target" / "candidate" → estimator
    actors: dict[str, Actor]  # who the server-side runs are submitted as
    rules: list[MergeRule]
    label: str  # tags the server-side runs


def plan_evaluation(session: Session, store: BlobStore, request_id: int) -> EvaluationPlan | None:
    """Load both models and the linked tasks of an open request.

    Returns:
        None when there is nothing to run: the request is gone or no longer open, or it cannot
        be evaluated (not two scikit-learn models, or no linked task), which is recorded.
    """
    request = session.get(MergeRequest, request_id)
    if request is None or request.state != "open":
        return None
    repo = session.get_one(ModelRepo, request.repo_id)
    commits = {
        "target": session.get(ModelCommit, request.target_commit_id),
        "candidate": session.get(ModelCommit, request.source_commit_id),
    }
    rules = [MergeRule.model_validate(r) for r in repo.rules]
    if any(c is None or c.format != "skops" for c in commits.values()) or not repo.task_ids:
        request.evaluation_state = "not_applicable"
        request.violations = [f"{r.measure}: cannot be evaluated for this model" for r in rules]
        return None
    return EvaluationPlan(
        specs=[task_spec(session, t) for t in repo.task_ids],
        estimators={side: content.load_estimator(store, c) for side, c in commits.items() if c},
        actors={
            "target": _actor(session, repo.owner),
            "candidate": _actor(session, request.author),
        },
        rules=rules,
        label=f"mr-{repo.id}-{request.number}",
    )


def compare(session: Session, spec: TaskSpec, run_ids: dict[str, int]) -> list[dict[str, Any]]:
    """The task's measures of the target's and the candidate's runs, side by side."""
    target = measures_of(session, run_ids["target"])
    candidate = measures_of(session, run_ids["candidate"])
    return [
        MeasureComparison(
            task_id=spec.task_id,
            measure=name,
            target=target.get(name),
            candidate=candidate.get(name),
            higher_is_better=MEASURES[name].higher_is_better if name in MEASURES else True,
            target_run_id=run_ids["target"],
            candidate_run_id=run_ids["candidate"],
        ).model_dump()
        for name in spec.measures
    ]


def record_evaluation(
    session: Session, request_id: int, rules: list[MergeRule], comparison: list[dict[str, Any]]
) -> None:
    """Store the comparison and the rules it violates, unless the request is gone."""
    violations = rule_violations(rules, [MeasureComparison.model_validate(c) for c in comparison])
    request = session.get(MergeRequest, request_id)
    if request is not None:
        request.comparison, request.violations, request.evaluation_state = (
            comparison,
            violations,
            "done",
        )


def mark_evaluation_failed(session: Session, request_id: int, error: Exception) -> None:
    """Record why the evaluation failed (a domain error's detail, else the exception)."""
    detail = error.detail if isinstance(error, DomainError) else f"{type(error).__name__}: {error}"
    request = session.get(MergeRequest, request_id)
    if request is not None:
        request.evaluation_state, request.evaluation_error = "failed", detail[:5000]
