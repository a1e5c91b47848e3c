"""The model forge in a browser: the repository list, a repository (card, refs, history,
lineage graph, merge requests), a commit with its parameter-level diff, and forking."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mlhive.server.domain.access import can_write
from mlhive.server.http.deps import HiveDep, read, write
from mlhive.server.http.params import PositiveId
from mlhive.server.services.forge import browse, commits, repos
from mlhive.server.services.serving import aliases, modelci, retraining
from mlhive.server.web.pages import calls
from mlhive.server.web.pages.activity import section as activity_section
from mlhive.server.web.pages.discussions import section
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import FormActor, ViewerDep
from mlhive.wire.models import REPO_NAME_PATTERN

router = pages(tags=["pages"])
REPO = "/models/{owner}/{name}"
PAGE_SIZE = 30
LOG_SIZE = 30
GRAPH_SIZE = 40
REQUESTS_SHOWN = 20
FORK_NAME = rf"^(|{REPO_NAME_PATTERN[1:-1]})$"  # empty: keep the source's name
RefParam = Annotated[str | None, Query(min_length=1, max_length=128)]


def repo_path(full_name: str) -> str:
    """The page of a repository."""
    owner, _, name = full_name.partition("/")
    return f"/models/{quote(owner)}/{quote(name)}"


@router.get("/models", response_class=HTMLResponse)
def model_list(
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    before: Annotated[PositiveId | None, Query()] = None,
) -> HTMLResponse:
    """Every repository the viewer may see, newest first, a page at a time."""
    with read(hive) as session:
        rows = browse.summaries(session, who.actor, before=before, limit=PAGE_SIZE + 1)
    shown = rows[:PAGE_SIZE]
    next_href = f"/models?before={shown[-1].id}" if len(rows) > PAGE_SIZE else None
    context = {
        "title": "Models",
        "repos": shown,
        "next_href": next_href,
        "first_href": "/models" if before is not None else None,
    }
    return page(request, "models/list.html", context)


@router.get(REPO, response_class=HTMLResponse)
def repository(
    owner: str, name: str, request: Request, hive: HiveDep, who: ViewerDep, ref: RefParam = None
) -> HTMLResponse:
    """A repository: its model card at ``ref``, branches and tags, history, lineage, requests."""
    with read(hive) as session:
        repo = repos.get_repo(session, who.actor, owner, name)
        head = browse.head(session, repo, ref)
        described = commits.describe_commit(session, hive.store, repo, head) if head else None
        log = browse.history(session, repo, head, LOG_SIZE) if head else []
        context = {
            "title": repo.full_name,
            "repo": repos.describe_repo(session, repo),
            "path_of": repo_path(repo.full_name),
            "ref": ref or repo.default_branch,
            "head": described,
            "log": log,
            "graph": layout(browse.lineage(session, repo, GRAPH_SIZE)),
            "requests": browse.request_summaries(session, repo, REQUESTS_SHOWN),
            "aliases": aliases.list_aliases(session, repo),
            "retraining": retraining.describe_policy(session, repo),
        }
    context["discussions"] = section(hive, who, "model", f"{owner}/{name}")
    context["open_calls"] = calls.section(hive, who, "model", f"{owner}/{name}")
    context["activity"] = activity_section(hive, who, "model", f"{owner}/{name}")
    return page(request, "models/repository.html", context)


@router.get(REPO + "/commits/{sha}", response_class=HTMLResponse)
def commit_page(
    owner: str, name: str, sha: str, request: Request, hive: HiveDep, who: ViewerDep
) -> HTMLResponse:
    """One commit: message, author, parents, files, ONNX export, its model checks, the data it
    has seen and the diff to its parent."""
    with read(hive) as session:
        repo = repos.get_repo(session, who.actor, owner, name)
        commit = repos.resolve(session, repo, sha)
        parent = browse.first_parent(session, repo, commit)
        context = {
            "title": f"{commit.sha[:12]} · {repo.full_name}",
            "repo_name": repo.full_name,
            "path_of": repo_path(repo.full_name),
            "commit": commits.describe_commit(session, hive.store, repo, commit),
            "diff": commits.diff(hive.store, parent, commit) if parent else None,
            "checks": modelci.describe_results(session, repo, commit),
            "is_owner": can_write(who.actor, repo.owner_id, ("model", repo.id)),
        }
    return page(request, "models/commit.html", context)


@router.post(REPO + "/commits/{sha}/checks", response_class=HTMLResponse)
def rerun_checks(owner: str, name: str, sha: str, hive: HiveDep, actor: FormActor) -> Response:
    """Queue a commit's model checks again (the owner), then show the commit's checks."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        commit = repos.resolve(session, repo, sha)
        modelci.request_run(session, actor, repo, commit)
        target = f"{repo_path(repo.full_name)}/commits/{commit.sha}#checks"
    return RedirectResponse(target, status_code=303)


@router.post(REPO + "/fork", response_class=HTMLResponse)
def fork(
    owner: str,
    name: str,
    hive: HiveDep,
    actor: FormActor,
    fork_name: Annotated[str, Form(pattern=FORK_NAME)] = "",
) -> Response:
    """Fork a repository into the signed-in person's namespace, then show the fork."""
    with write(hive) as session:
        source = repos.get_repo(session, actor, owner, name)
        made = repos.fork(session, actor, source, fork_name or None, None)
        target = repo_path(made.full_name)
    return RedirectResponse(target, status_code=303)


# -- the lineage graph, laid out for an SVG ------------------------------------------------------

STEP, LANE, LEFT, TOP = 44, 40, 150, 30


def layout(graph: browse.Graph) -> dict[str, Any]:
    """Pixel positions for the lineage SVG: a column per commit (oldest left), a row per lane."""
    where = {n.sha: (LEFT + n.column * STEP, TOP + n.lane * LANE) for n in graph.nodes}
    nodes = [
        {
            "sha": n.sha,
            "x": where[n.sha][0],
            "y": where[n.sha][1],
            "label": f"{n.sha[:10]} — {n.message or 'no message'} ({n.author}, "
            f"{n.created_at:%Y-%m-%d %H:%M}"
            + (f"; {', '.join(n.refs)}" if n.refs else "")
            + (f"; merge of {len(n.parents)} parents" if len(n.parents) > 1 else "")
            + ")",
            "refs": n.refs,
            "merge": len(n.parents) > 1,
        }
        for n in graph.nodes
    ]
    edges = [
        {"x1": where[e.parent][0], "y1": where[e.parent][1], "x2": where[e.child][0],
         "y2": where[e.child][1], "merge": e.merge}
        for e in graph.edges
    ]  # fmt: skip
    lanes = [{"name": lane, "y": TOP + i * LANE} for i, lane in enumerate(graph.lanes)]
    width = LEFT + max(len(graph.nodes), 1) * STEP + 120
    height = TOP + max(len(graph.lanes), 1) * LANE + 10
    return {
        "nodes": nodes,
        "edges": edges,
        "lanes": lanes,
        "width": width,
        "height": height,
        "truncated": graph.truncated,
    }
