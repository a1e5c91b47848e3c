"""Native REST routes of a repository's retraining policy (online learning): read, replace,
remove, and retrain now. Only the owner (or an administrator) writes; whoever may see the
repository reads the policy and its latest outcome."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.services.forge import repos
from mlhive.server.services.serving import retraining
from mlhive.wire.serving import RetrainingPolicyIn, RetrainingPolicyOut

router = APIRouter(prefix="/models", tags=["models"])
POLICY = "/{owner}/{name}/retraining"


@router.get(POLICY)
def get_policy(owner: str, name: str, actor: MaybeActor, hive: HiveDep) -> RetrainingPolicyOut:
    """The repository's retraining policy and how its latest retrain ended."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return retraining.describe(session, repo, retraining.get_policy(session, repo))


@router.put(POLICY)
def set_policy(
    owner: str, name: str, body: RetrainingPolicyIn, actor: RequiredActor, hive: HiveDep
) -> RetrainingPolicyOut:
    """Create or replace the retraining policy (owner or admin). Refused when the default
    branch's head does not record the flow and setup it was built from, or when a public
    repository would follow a private dataset."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return retraining.set_policy(session, actor, repo, body)


@router.delete(POLICY, status_code=status.HTTP_204_NO_CONTENT)
def delete_policy(owner: str, name: str, actor: RequiredActor, hive: HiveDep) -> Response:
    """Remove the retraining policy (owner or admin); the commits it made stay."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        retraining.delete_policy(session, actor, repo)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(POLICY + "/run", status_code=status.HTTP_202_ACCEPTED)
def retrain_now(owner: str, name: str, actor: RequiredActor, hive: HiveDep) -> RetrainingPolicyOut:
    """Queue a retrain on the newest version of the followed dataset now (owner or admin)."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return retraining.request_retrain(session, actor, repo)
