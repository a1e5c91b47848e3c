"""The checked-in classification of every route ``create_app`` serves: who may call it.

A route that is not in :data:`ROUTES` fails ``test_route_inventory.py`` until someone decides,
here, which class it belongs to; a classified route that no longer exists fails it too.

The classes:

- ``PUBLIC``: anyone may read it; no key is looked at (health, docs, static files, flows and
  setups, which are public by design, and vocabularies).
- ``OPTIONAL``: anyone may read it; a key (or a session, on pages) shows the caller's private
  objects too, and a key that is given must be valid.
- ``KEYED``: a write (or a read of the caller's own account) that needs a valid key.
- ``ADMIN``: needs the key of an administrator.
- ``FORM``: a page's form action: needs a signed-in session and the session's form token.
- ``SIGN_IN``: the sign-in form itself: needs the form's double-submit token.
"""

from __future__ import annotations

from enum import Enum


class Access(Enum):
    """Who may call a route (see the module docstring)."""

    PUBLIC = "public read"
    OPTIONAL = "key-optional read"
    KEYED = "keyed write"
    ADMIN = "admin-only"
    FORM = "form + csrf page action"
    SIGN_IN = "sign-in form"


PUBLIC, OPTIONAL, KEYED, ADMIN, FORM = (
    Access.PUBLIC,
    Access.OPTIONAL,
    Access.KEYED,
    Access.ADMIN,
    Access.FORM,
)

_NATIVE: dict[str, Access] = {
    "GET /api/openapi.json": PUBLIC,
    "GET /api/docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /api/health": OPTIONAL,
    "GET /api/jobs/{job_id}": OPTIONAL,
    "POST /api/users": ADMIN,
    "GET /api/users/me": KEYED,
    "GET /api/users/me/keys": KEYED,
    "POST /api/users/me/keys": KEYED,
    "DELETE /api/users/me/keys/{key_id}": KEYED,
    "GET /api/users/{name}": OPTIONAL,
    "GET /api/users/{name}/profile": OPTIONAL,
    "GET /api/people/{name}/suggested": OPTIONAL,
    "PATCH /api/users/{name}/profile": KEYED,
    "POST /api/teams": KEYED,
    "GET /api/teams/{name}": OPTIONAL,
    "POST /api/teams/{name}/invitations": KEYED,
    "PATCH /api/teams/{name}/members/{user}": KEYED,
    "DELETE /api/teams/{name}/members/{user}": KEYED,
    "POST /api/invitations/{token}/accept": KEYED,
    "POST /api/invitations/{token}/decline": KEYED,
    "POST /api/datasets": KEYED,
    "GET /api/datasets": OPTIONAL,
    "GET /api/datasets/{dataset_id}": OPTIONAL,
    "PATCH /api/datasets/{dataset_id}": KEYED,
    "GET /api/datasets/{dataset_id}/history": OPTIONAL,
    "POST /api/datasets/{dataset_id}/status": KEYED,
    "POST /api/datasets/{dataset_id}/fork": KEYED,
    "POST /api/datasets/{dataset_id}/tags": KEYED,
    "DELETE /api/datasets/{dataset_id}/tags/{tag}": KEYED,
    "DELETE /api/datasets/{dataset_id}": KEYED,
    "GET /api/datasets/{dataset_id}/features": OPTIONAL,
    "GET /api/datasets/{dataset_id}/automation": OPTIONAL,
    "GET /api/datasets/{dataset_id}/qualities": OPTIONAL,
    "GET /api/datasets/{dataset_id}/similar": OPTIONAL,
    "GET /api/datasets/{dataset_id}/helpers": OPTIONAL,
    "GET /api/tasks/{task_id}/recommendations": OPTIONAL,
    "POST /api/automl": KEYED,
    # A search is its owner's: reading one needs the key it belongs to.
    "GET /api/automl/{search_id}": KEYED,
    "GET /api/datasets/{dataset_id}/data": OPTIONAL,
    "GET /api/estimation-procedures": PUBLIC,
    "POST /api/tasks": KEYED,
    "GET /api/tasks": OPTIONAL,
    "GET /api/tasks/{task_id}": OPTIONAL,
    "GET /api/tasks/{task_id}/helpers": OPTIONAL,
    "GET /api/tasks/{task_id}/splits": OPTIONAL,
    "POST /api/tasks/{task_id}/tags": KEYED,
    "DELETE /api/tasks/{task_id}/tags/{tag}": KEYED,
    "POST /api/flows": KEYED,
    "GET /api/flows/exists": PUBLIC,
    "GET /api/flows": PUBLIC,
    "GET /api/flows/{flow_id}": PUBLIC,
    "POST /api/flows/{flow_id}/tags": KEYED,
    "DELETE /api/flows/{flow_id}/tags/{tag}": KEYED,
    "GET /api/setups/{setup_id}": PUBLIC,
    "POST /api/runs": KEYED,
    "GET /api/runs": OPTIONAL,
    "GET /api/runs/compare": OPTIONAL,
    "GET /api/runs/{run_id:int}": OPTIONAL,
    "GET /api/runs/{run_id}/predictions": OPTIONAL,
    "GET /api/runs/{run_id}/trace": OPTIONAL,
    "POST /api/runs/{run_id}/tags": KEYED,
    "DELETE /api/runs/{run_id}/tags/{tag}": KEYED,
    "POST /api/runs/{run_id}/reproductions": KEYED,
    "GET /api/runs/{run_id}/reproductions": OPTIONAL,
    "GET /api/reproductions/{reproduction_id}": OPTIONAL,
    "DELETE /api/runs/{run_id:int}": KEYED,
    "GET /api/evaluations": OPTIONAL,
    "GET /api/tasks/{task_id}/leaderboard": OPTIONAL,
    "POST /api/models": KEYED,
    "GET /api/models": OPTIONAL,
    "GET /api/models/{owner}/{name}": OPTIONAL,
    "PATCH /api/models/{owner}/{name}": KEYED,
    "POST /api/models/{owner}/{name}/fork": KEYED,
    "POST /api/models/{owner}/{name}/commits": KEYED,
    "POST /api/models/{owner}/{name}/uploads": KEYED,
    "GET /api/models/{owner}/{name}/uploads/{upload_id}": KEYED,
    "PUT /api/models/{owner}/{name}/uploads/{upload_id}/chunks/{sha256}": KEYED,
    "PUT /api/models/{owner}/{name}/uploads/{upload_id}/chunks": KEYED,
    "POST /api/models/{owner}/{name}/uploads/{upload_id}/commit": KEYED,
    "GET /api/models/{owner}/{name}/commits": OPTIONAL,
    "GET /api/models/{owner}/{name}/commits/{ref:path}": OPTIONAL,
    "GET /api/models/{owner}/{name}/card": OPTIONAL,
    "GET /api/models/{owner}/{name}/files/{filename}": OPTIONAL,
    "GET /api/models/{owner}/{name}/diff": OPTIONAL,
    "POST /api/models/{owner}/{name}/branches": KEYED,
    "DELETE /api/models/{owner}/{name}/branches/{branch:path}": KEYED,
    "POST /api/models/{owner}/{name}/tags": KEYED,
    "POST /api/models/{owner}/{name}/merges": KEYED,
    "GET /api/models/{owner}/{name}/merges/{merge_id}": OPTIONAL,
    "POST /api/models/{owner}/{name}/merge-requests": KEYED,
    "GET /api/models/{owner}/{name}/merge-requests": OPTIONAL,
    "GET /api/models/{owner}/{name}/merge-requests/{number}": OPTIONAL,
    "POST /api/models/{owner}/{name}/merge-requests/{number}/comments": KEYED,
    "POST /api/models/{owner}/{name}/merge-requests/{number}/merge": KEYED,
    "POST /api/models/{owner}/{name}/merge-requests/{number}/close": KEYED,
    "POST /api/models/{owner}/{name}/merge-requests/{number}/evaluate": KEYED,
    "GET /api/models/{owner}/{name}/aliases": OPTIONAL,
    "GET /api/models/{owner}/{name}/checks": OPTIONAL,
    "PUT /api/models/{owner}/{name}/checks": KEYED,
    "GET /api/models/{owner}/{name}/commits/{ref:path}/checks": OPTIONAL,
    "POST /api/models/{owner}/{name}/commits/{ref:path}/checks": KEYED,
    "GET /api/models/{owner}/{name}/retraining": OPTIONAL,
    "PUT /api/models/{owner}/{name}/retraining": KEYED,
    "DELETE /api/models/{owner}/{name}/retraining": KEYED,
    "POST /api/models/{owner}/{name}/retraining/run": KEYED,
    "POST /api/models/{owner}/{name}/aliases/{alias}": KEYED,
    "POST /api/models/{owner}/{name}/aliases/{alias}/rollback": KEYED,
    "GET /api/models/{owner}/{name}/aliases/{alias}/history": OPTIONAL,
    "POST /api/deployments": KEYED,
    "GET /api/deployments": OPTIONAL,
    "GET /api/deployments/{name}": OPTIONAL,
    "GET /api/deployments/{name}/metrics": OPTIONAL,
    "POST /api/deployments/{name}/predict": OPTIONAL,
    "POST /api/deployments/{name}/invocations": OPTIONAL,
}

_COLLECTIONS: dict[str, Access] = {}
for _kind in ("suites", "studies"):
    _COLLECTIONS |= {
        f"POST /api/{_kind}": KEYED,
        f"GET /api/{_kind}": OPTIONAL,
        f"GET /api/{_kind}/{{ref}}": OPTIONAL,
        f"POST /api/{_kind}/{{ref}}/attach": KEYED,
        f"POST /api/{_kind}/{{ref}}/detach": KEYED,
        f"POST /api/{_kind}/{{ref}}/status": KEYED,
        f"DELETE /api/{_kind}/{{ref}}": KEYED,
    }
# A suite run is its owner's, like an AutoML search: starting and reading one needs a key.
_COLLECTIONS |= {
    "POST /api/suites/{ref}/runs": KEYED,
    "GET /api/suites/{ref}/runs": KEYED,
    "GET /api/suites/{ref}/runs/{run_id}": KEYED,
}

_DISCUSSIONS: dict[str, Access] = {
    "GET /api/discussions": OPTIONAL,
    "GET /api/discussions/{thread_id}": OPTIONAL,
    "POST /api/discussions/{thread_id}/replies": KEYED,
    "PATCH /api/discussions/{thread_id}/posts/{post_id}": KEYED,
    "GET /api/discussions/{thread_id}/posts/{post_id}/history": OPTIONAL,
    "GET /api/models/{owner}/{name}/discussions": OPTIONAL,
    "POST /api/models/{owner}/{name}/discussions": KEYED,
}
for _action in ("close", "reopen", "pin", "unpin", "lock", "unlock"):
    _DISCUSSIONS[f"POST /api/discussions/{{thread_id}}/{_action}"] = KEYED
for _noun, _kind in (
    ("datasets", "dataset"),
    ("tasks", "task"),
    ("flows", "flow"),
    ("runs", "run"),
    ("suites", "suite"),
    ("studies", "study"),
):
    _DISCUSSIONS[f"GET /api/{_noun}/{{{_kind}_id}}/discussions"] = OPTIONAL
    _DISCUSSIONS[f"POST /api/{_noun}/{{{_kind}_id}}/discussions"] = KEYED

_CALLS: dict[str, Access] = {
    "POST /api/calls": KEYED,
    "GET /api/calls": OPTIONAL,
    "GET /api/calls/{call_id}": OPTIONAL,
    "POST /api/calls/{call_id}/responses": KEYED,
    "POST /api/calls/{call_id}/close": KEYED,
}
for _decision in ("accept", "decline", "revoke"):
    _CALLS[f"POST /api/calls/{{call_id}}/responses/{{response_id}}/{_decision}"] = KEYED
_DISCUSSIONS |= _CALLS

_ACTIVITY: dict[str, Access] = {
    "GET /api/users/{name}/activity": OPTIONAL,
    "GET /api/teams/{name}/activity": OPTIONAL,
    "GET /api/models/{owner}/{name}/activity": OPTIONAL,
    "GET /api/notifications": KEYED,
    "POST /api/notifications/read": KEYED,
    "GET /api/watches": KEYED,
    "PUT /api/watches": KEYED,
    "DELETE /api/watches": KEYED,
    "POST /api/webhooks": KEYED,
    "GET /api/webhooks": KEYED,
    "DELETE /api/webhooks/{webhook_id}": KEYED,
    "GET /api/webhooks/{webhook_id}/deliveries": KEYED,
}
for _noun, _kind in (
    ("datasets", "dataset"),
    ("tasks", "task"),
    ("flows", "flow"),
    ("runs", "run"),
    ("suites", "suite"),
    ("studies", "study"),
):
    _ACTIVITY[f"GET /api/{_noun}/{{{_kind}_id}}/activity"] = OPTIONAL
_DISCUSSIONS |= _ACTIVITY

# OpenML's face: every GET is key-optional, everything else needs a key (its codes 102/103).
_OPENML_READS = (
    "data/list{filters:path}",
    "data/qualities/list",
    "data/{dataset_id}",
    "data/features/{dataset_id}",
    "data/qualities/{dataset_id}",
    "estimationprocedure/list",
    "task/list{filters:path}",
    "task/{task_id}",
    "flow/exists/{name}/{external_version}",
    "flow/list{filters:path}",
    "flow/{flow_id}",
    "setup/list{filters:path}",
    "setup/{setup_id}",
    "run/list{filters:path}",
    "run/{run_id}",
    "run/trace/{run_id}",
    "evaluation/list{filters:path}",
    "evaluationmeasure/list",
    "user/list{filters:path}",
    "study/list{filters:path}",
    "study/{ref}",
)
_OPENML_WRITES = (
    "POST data",
    "POST data/status/update",
    "POST data/edit",
    "POST data/fork",
    "POST data/tag",
    "POST data/untag",
    "POST data/topicadd",
    "POST data/topicdelete",
    "POST data/feature/ontology/add",
    "POST data/feature/ontology/remove",
    "DELETE data/{dataset_id}",
    "POST task",
    "POST task/tag",
    "POST task/untag",
    "DELETE task/{task_id}",
    "POST flow",
    "POST flow/exists",
    "POST flow/tag",
    "POST flow/untag",
    "DELETE flow/{flow_id}",
    "POST setup/exists",
    "POST run",
    "POST run/tag",
    "POST run/untag",
    "DELETE run/{run_id}",
    "POST study",
    "POST study/{study_id}/attach",
    "POST study/{study_id}/detach",
    "POST study/status/update",
    "DELETE study/{study_id}",
)
_OPENML: dict[str, Access] = {f"GET /api/v1/xml/{path}": OPTIONAL for path in _OPENML_READS}
for _route in _OPENML_WRITES:
    _method, _, _path = _route.partition(" ")
    _OPENML[f"{_method} /api/v1/xml/{_path}"] = KEYED

# OpenML's v2 JSON face: reads only; a key (``?api_key=``) shows the caller's private objects.
# The list routes take their filters as a JSON body on POST: reads too.
_V2: dict[str, Access] = {
    "GET /api/v2/datasets/list": OPTIONAL,
    "POST /api/v2/datasets/list": OPTIONAL,
    "GET /api/v2/datasets/qualities/list": PUBLIC,
    "GET /api/v2/datasets/qualities/{dataset_id}": OPTIONAL,
    "GET /api/v2/datasets/features/{dataset_id}": OPTIONAL,
    "GET /api/v2/datasets/{dataset_id}": OPTIONAL,
    "GET /api/v2/tasks/list": OPTIONAL,
    "POST /api/v2/tasks/list": OPTIONAL,
    "GET /api/v2/tasks/{task_id}": OPTIONAL,
    "GET /api/v2/tasktype/list": PUBLIC,
    "GET /api/v2/tasktype/{task_type_id}": PUBLIC,
    "GET /api/v2/estimationprocedure/list": PUBLIC,
    "GET /api/v2/evaluationmeasure/list": PUBLIC,
    "GET /api/v2/flows/exists/{name}/{external_version}": PUBLIC,
    "GET /api/v2/flows/{flow_id}": PUBLIC,
    "GET /api/v2/setup/{setup_id}": PUBLIC,
    "GET /api/v2/run/trace/{run_id}": OPTIONAL,
    "GET /api/v2/run/{run_id}": OPTIONAL,
    "GET /api/v2/studies/{alias_or_id}": OPTIONAL,
}

_FILES: dict[str, Access] = {
    "GET /data/v1/download/{dataset_id}/{filename}": OPTIONAL,
    "GET /data/v1/parquet/{dataset_id}/{filename}": OPTIONAL,
    "GET /data/v1/splits/{task_id}/{filename}": OPTIONAL,
    "GET /data/v1/runs/{run_id}/{filename}": OPTIONAL,
}

_PAGES: dict[str, Access] = {
    "GET /static/{path}": PUBLIC,
    "GET /": OPTIONAL,
    "GET /search": OPTIONAL,
    "GET /sign-in": PUBLIC,
    "POST /sign-in": Access.SIGN_IN,
    "POST /sign-out": FORM,
    "GET /people/{name}": OPTIONAL,
    "GET /people/{name}/suggested": OPTIONAL,
    "POST /people/{name}/profile": FORM,
    "GET /people/{name}/activity": OPTIONAL,
    "GET /inbox": OPTIONAL,
    "POST /inbox/read": FORM,
    "POST /watches": FORM,
    "GET /calls": OPTIONAL,
    "GET /calls/{call_id}": OPTIONAL,
    "POST /calls": FORM,
    "POST /calls/{call_id}/responses": FORM,
    "POST /calls/{call_id}/responses/{response_id}/{decision}": FORM,
    "POST /calls/{call_id}/close": FORM,
    "GET /datasets": OPTIONAL,
    "GET /datasets/{dataset_id}": OPTIONAL,
    "GET /datasets/{dataset_id}/download/{fmt}": OPTIONAL,
    "POST /datasets/{dataset_id}/tags": FORM,
    "POST /runs/{run_id}/reproductions": FORM,
    "POST /datasets/{dataset_id}/tags/remove": FORM,
    "POST /datasets/{dataset_id}/description": FORM,
    "POST /datasets/{dataset_id}/status": FORM,
    "POST /datasets/{dataset_id}/fork": FORM,
    "POST /datasets/{dataset_id}/tasks": FORM,
    "GET /tasks": OPTIONAL,
    "GET /tasks/{task_id}": OPTIONAL,
    "GET /runs": OPTIONAL,
    "GET /runs/compare": OPTIONAL,
    "GET /runs/{run_id}": OPTIONAL,
    "GET /flows": OPTIONAL,
    "GET /flows/{flow_id}": OPTIONAL,
    "GET /suites": OPTIONAL,
    "GET /studies": OPTIONAL,
    "GET /suites/{ref}": OPTIONAL,
    "GET /studies/{ref}": OPTIONAL,
    "GET /models": OPTIONAL,
    "GET /models/{owner}/{name}": OPTIONAL,
    "GET /models/{owner}/{name}/commits/{sha}": OPTIONAL,
    "POST /models/{owner}/{name}/fork": FORM,
    "POST /models/{owner}/{name}/commits/{sha}/checks": FORM,
    "GET /models/{owner}/{name}/requests/{number}": OPTIONAL,
    "POST /models/{owner}/{name}/requests/{number}/comments": FORM,
    "POST /models/{owner}/{name}/requests/{number}/merge": FORM,
    "POST /models/{owner}/{name}/requests/{number}/close": FORM,
    "GET /deployments": OPTIONAL,
    "GET /deployments/{name}": OPTIONAL,
    "GET /discussions/{thread_id}": OPTIONAL,
    "POST /discussions": FORM,
    "POST /discussions/{thread_id}/replies": FORM,
    "POST /discussions/{thread_id}/posts/{post_id}/edit": FORM,
    "POST /discussions/{thread_id}/{action}": FORM,
}

ROUTES: dict[str, Access] = _NATIVE | _COLLECTIONS | _DISCUSSIONS | _OPENML | _V2 | _FILES | _PAGES
"""``"METHOD /path"`` → who may call it, for every route of ``create_app(settings)``."""
