"""Native REST routes of model aliases: list, promote, roll back, audit trail.

An alias lives under its repository, ``/api/models/{owner}/{name}/aliases/{alias}``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.services.forge import repos
from mlhive.server.services.serving import aliases
from mlhive.wire.serving import AliasEventOut, AliasMove, AliasOut

router = APIRouter(prefix="/models", tags=["models"])
ALIASES = "/{owner}/{name}/aliases"


@router.get(ALIASES)
def list_aliases(owner: str, name: str, actor: MaybeActor, hive: HiveDep) -> list[AliasOut]:
    """A repository's aliases (``staging``, ``production`` …) and their commits."""
    with read(hive) as session:
        return aliases.list_aliases(session, repos.get_repo(session, actor, owner, name))


@router.post(ALIASES + "/{alias}")
def promote(
    owner: str, name: str, alias: str, body: AliasMove, actor: RequiredActor, hive: HiveDep
) -> AliasEventOut:
    """Point an alias at a commit (owner or admin); the move is audited and passes the
    repository's model checks first. Deployments following the alias answer with the new
    commit from their next call on."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return aliases.promote(session, hive.store, actor, repo, alias, body.commit)


@router.post(ALIASES + "/{alias}/rollback")
def rollback(
    owner: str, name: str, alias: str, actor: RequiredActor, hive: HiveDep
) -> AliasEventOut:
    """Move an alias back to the commit before its latest promotion (audited too)."""
    with write(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return aliases.rollback(session, hive.store, actor, repo, alias)


@router.get(ALIASES + "/{alias}/history")
def history(
    owner: str,
    name: str,
    alias: str,
    actor: MaybeActor,
    hive: HiveDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AliasEventOut]:
    """Every move of an alias, newest first: who, when, from, to and the checks passed."""
    with read(hive) as session:
        repo = repos.get_repo(session, actor, owner, name)
        return aliases.history(session, repo, alias, limit)
