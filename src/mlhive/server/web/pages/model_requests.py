"""Merge requests in a browser: the request with its evaluation against the target and the
rule's verdict, the review thread, and the actions (comment, merge, close)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mlhive.server.domain.access import can_write
from mlhive.server.http.deps import HiveDep, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services.forge import repos
from mlhive.server.services.forge import requests as model_requests
from mlhive.server.services.social import reviews
from mlhive.server.web.pages.models import REPO, repo_path
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import FormActor, ViewerDep
from mlhive.wire.models import CommentCreate, MergeRequestOut

router = pages(tags=["pages"])
REQUEST = REPO + "/requests/{number}"


def verdict(request: MergeRequestOut) -> str:
    """Why the request may or may not be merged, in a sentence."""
    if request.state != "open":
        return f"This request is {request.state}."
    if request.mergeable and request.evaluation_state == "not_applicable":
        return "This model cannot be refitted, and no rule applies: the owner may merge it."
    if request.mergeable:
        return "The evaluation breaks no rule: the owner may merge it."
    if request.evaluation_state == "pending":
        return "The evaluation is still running; it cannot be merged yet."
    if request.evaluation_state == "failed":
        return f"The evaluation failed: {request.evaluation_error or 'unknown error'}."
    if request.violations:
        return "It cannot be merged: " + "; ".join(request.violations) + "."
    return "It cannot be merged: the rules of this repository cannot be checked for this model."


@router.get(REQUEST, response_class=HTMLResponse)
def request_page(
    owner: str, name: str, number: ObjectId, request: Request, hive: HiveDep, who: ViewerDep
) -> HTMLResponse:
    """A merge request: source and target, evaluation comparison, verdict, thread, actions."""
    with read(hive) as session:
        repo = repos.get_repo(session, who.actor, owner, name)
        found = reviews.describe_request(
            session, repo, model_requests.get_request(session, repo, number)
        )
        actor = who.actor
        is_owner = can_write(actor, repo.owner_id, ("model", repo.id))
        context = {
            "title": f"#{found.number} {found.title} · {repo.full_name}",
            "mr": found,
            "repo_name": repo.full_name,
            "path_of": repo_path(repo.full_name),
            "source_path": repo_path(found.source) if found.source else None,
            "rules": repo.rules,
            "verdict": verdict(found),
            "can_merge": is_owner and found.mergeable,
            "can_close": found.state == "open"
            and actor is not None
            and (is_owner or actor.name == found.author),
        }
    return page(request, "models/request.html", context)


def _back(owner: str, name: str, number: int) -> Response:
    return RedirectResponse(f"{repo_path(f'{owner}/{name}')}/requests/{number}", status_code=303)


@router.post(REQUEST + "/comments", response_class=HTMLResponse)
def comment(
    owner: str,
    name: str,
    number: ObjectId,
    hive: HiveDep,
    actor: FormActor,
    body: Annotated[str, Form(min_length=1, max_length=100_000)],
) -> Response:
    """Add a comment to the request's thread."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        found = model_requests.get_request(session, repo, number)
        reviews.comment(session, actor, found, CommentCreate(body=body))
    return _back(owner, name, number)


@router.post(REQUEST + "/merge", response_class=HTMLResponse)
def merge(owner: str, name: str, number: ObjectId, hive: HiveDep, actor: FormActor) -> Response:
    """Merge the request (owners, when the rules allow; otherwise a page saying why not)."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        found = model_requests.get_request(session, repo, number)
        model_requests.merge(session, hive.store, actor, repo, found)
    return _back(owner, name, number)


@router.post(REQUEST + "/close", response_class=HTMLResponse)
def close(owner: str, name: str, number: ObjectId, hive: HiveDep, actor: FormActor) -> Response:
    """Close the request without merging (its author or the owner)."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        model_requests.close(
            session, actor, repo, model_requests.get_request(session, repo, number)
        )
    return _back(owner, name, number)
