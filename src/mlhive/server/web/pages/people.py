"""Profiles: who a person (or a team) is (bio, affiliation, interests), what they contributed
and did lately, and their open calls (only what the viewer may see); a team's page lists its
members, a person's the teams they are in. The person (a team's admins) edits it here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mlhive.server.http.deps import HiveDep, read, write
from mlhive.server.services import accounts, teams
from mlhive.server.services.datasets import listing
from mlhive.server.services.experiments import overview as experiment_overview
from mlhive.server.services.forge import overview as forge_overview
from mlhive.server.services.forge import repos
from mlhive.server.services.social import calls, profiles
from mlhive.server.web.pages.calls import split_tags, valid
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import FormActor, ViewerDep
from mlhive.wire.profiles import ProfileUpdate

router = pages(tags=["pages"])
SHOWN = 50
ACTIVITY = 20


@dataclass(frozen=True)
class Event:
    """One line of a person's activity: when, what they did, and where it links."""

    at: datetime
    verb: str
    label: str
    href: str


def activity(
    datasets: list[Any], tasks: list[Any], runs: list[Any], commits: list[Any]
) -> list[Event]:
    """The newest of everything a person shared, newest first."""
    events = [
        Event(d.upload_date, "uploaded dataset", d.name, f"/datasets/{d.id}") for d in datasets
    ]
    events += [
        Event(t.created_at, "created task", f"task {t.id} on {t.dataset_name}", f"/tasks/{t.id}")
        for t in tasks
    ]
    events += [
        Event(r.upload_time, "uploaded run", f"run {r.id} on task {r.task_id}", f"/runs/{r.id}")
        for r in runs
    ]
    events += [
        Event(
            c.created_at,
            f"committed to {c.repo}",
            c.message or c.sha[:10],
            f"/models/{c.repo}/commits/{c.sha}",
        )
        for c in commits
    ]
    return sorted(events, key=lambda e: e.at, reverse=True)[:ACTIVITY]


@router.get("/people/{name}", response_class=HTMLResponse)
def profile(name: str, request: Request, hive: HiveDep, who: ViewerDep) -> HTMLResponse:
    """A person's page: their datasets, tasks, models, latest runs and activity; a team's page
    also lists its members, a person's the teams they are in."""
    with read(hive) as session:
        user = accounts.get_user(session, name)
        datasets = listing.summaries(
            session,
            who.actor,
            listing.DatasetSearch(uploader=name, status=None, sort="-upload_date", limit=SHOWN),
        ).items
        tasks = experiment_overview.tasks_by(session, who.actor, user.id, SHOWN)
        models = [
            repos.describe_repo(session, repo)
            for repo in repos.list_repos(session, who.actor, name, SHOWN, 0)
        ]
        runs = experiment_overview.latest_runs(session, who.actor, SHOWN, uploader_id=user.id)
        commits = forge_overview.latest_commits(session, who.actor, ACTIVITY, author_id=user.id)
        is_team = user.kind == "team"
        about = profiles.profile(session, who.actor, name)
        their_calls = calls.list_calls(
            session, who.actor, calls.CallSearch(state="open", author_id=user.id, limit=SHOWN)
        )
        may_edit = profiles.may_edit(who.actor, user)
        context = {
            "title": user.name,
            "person": {
                "name": user.name,
                "since": user.created_at,
                "is_admin": user.is_admin and accounts.sees_role(who.actor, user),
                "is_team": is_team,
            },
            "members": [(m.user.name, m.role) for m in teams.members(session, user)]
            if is_team
            else [],
            "teams": [] if is_team else teams.teams_of(session, user.id),
            "datasets": datasets,
            "tasks": tasks,
            "models": models,
            "runs": runs,
            "activity": activity(datasets, tasks, runs, commits),
            "about": about,
            "calls": their_calls,
            "may_edit": may_edit,
        }
    return page(request, "people/profile.html", context)


@router.post("/people/{name}/profile", response_class=HTMLResponse)
def edit_profile(
    name: str,
    hive: HiveDep,
    actor: FormActor,
    bio: Annotated[str, Form(max_length=20_000)] = "",
    affiliation: Annotated[str, Form(max_length=200)] = "",
    interests: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Replace the bio, affiliation and interests (comma-separated) of one's own profile."""
    patch = valid(ProfileUpdate, bio=bio, affiliation=affiliation, interests=split_tags(interests))
    with write(hive) as session:
        profiles.update(session, actor, name, patch)
    return RedirectResponse(f"/people/{name}", status_code=303)
