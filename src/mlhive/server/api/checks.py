"""Native REST routes of model checks (model CI): a repository's configuration, and a
commit's results and re-runs.

The configuration lives at ``/api/models/{owner}/{name}/checks``; a commit's results at
``/api/models/{owner}/{name}/commits/{ref}/checks`` (this router is included before the
forge's, whose ``commits/{ref}`` takes any ref).
"""

from __future__ import annotations

from fastapi import APIRouter, status

from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.services.forge import repos
from mlhive.server.services.serving import modelci
from mlhive.wire.serving import CommitChecksOut, ModelChecksConfig, ModelChecksOut

router = APIRouter(prefix="/models", tags=["models"])
REPO = "/{owner}/{name}"


@router.get(REPO + "/checks")
def get_checks(owner: str, name: str, actor: MaybeActor, hive: HiveDep) -> ModelChecksOut:
    """The checks every candidate commit must pass before promotion (empty: none)."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return modelci.describe_config(repo, modelci.config_of(session, repo))


@router.put(REPO + "/checks")
def set_checks(
    owner: str, name: str, body: ModelChecksConfig, actor: RequiredActor, hive: HiveDep
) -> ModelChecksOut:
    """Replace the repository's checks (owner or admin). Commits checked under the previous
    configuration must be checked again before they can be promoted."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return modelci.set_config(session, actor, repo, body)


@router.get(REPO + "/commits/{ref:path}/checks")
def commit_checks(
    owner: str, name: str, ref: str, actor: MaybeActor, hive: HiveDep
) -> CommitChecksOut:
    """A commit's check results: each check, passed or failed, and why."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return modelci.describe_results(session, repo, repos.resolve(session, repo, ref))


@router.post(REPO + "/commits/{ref:path}/checks", status_code=status.HTTP_202_ACCEPTED)
def run_checks(
    owner: str, name: str, ref: str, actor: RequiredActor, hive: HiveDep
) -> CommitChecksOut:
    """Queue a commit's checks again (owner or admin); the worker runs them."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        commit = repos.resolve(session, repo, ref)
        modelci.request_run(session, actor, repo, commit)
        return modelci.describe_results(session, repo, commit)
