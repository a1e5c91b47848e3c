"""Users and API keys."""

from __future__ import annotations

from fastapi import APIRouter, status

from mlhive.server.http.deps import HiveDep, MaybeActor, RequiredActor, read, write
from mlhive.server.http.params import ObjectId
from mlhive.server.services import accounts
from mlhive.server.services.social import profiles
from mlhive.wire.accounts import (
    ApiKeyCreate,
    ApiKeyOut,
    MeOut,
    NewApiKey,
    ProfileOut,
    UserCreate,
    UserOut,
)
from mlhive.wire.profiles import PersonProfile, ProfileUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, actor: RequiredActor, hive: HiveDep) -> NewApiKey:
    """Create a user and its first API key (administrators only)."""
    with write(hive) as session:
        accounts.require_admin(actor)
        user = accounts.create_user(session, body.name, is_admin=body.is_admin)
        key, secret = accounts.issue_key(session, user, "initial")
        return NewApiKey(
            user=UserOut.model_validate(user), key=ApiKeyOut.model_validate(key), api_key=secret
        )


@router.get("/me")
def me(actor: RequiredActor, hive: HiveDep) -> MeOut:
    """The user the API key belongs to, and the key's scope (``read`` keys cannot write)."""
    with read(hive) as session:
        user = UserOut.model_validate(accounts.user_by_id(session, actor.id))
        return MeOut(**user.model_dump(), key_scope=actor.scope)


@router.get("/me/keys")
def my_keys(actor: RequiredActor, hive: HiveDep) -> list[ApiKeyOut]:
    """The caller's API keys (secrets are never shown again)."""
    with read(hive) as session:
        keys = accounts.list_keys(session, actor.id)
        return [ApiKeyOut.model_validate(k) for k in keys]


@router.post("/me/keys", status_code=status.HTTP_201_CREATED)
def new_key(body: ApiKeyCreate, actor: RequiredActor, hive: HiveDep) -> NewApiKey:
    """Issue another key for the caller: ``scope`` ``read`` for a key that can never write.

    Only a write key issues keys, so a read key cannot raise itself to a write key."""
    with write(hive) as session:
        user = accounts.user_by_id(session, actor.id)
        key, secret = accounts.issue_key(session, user, body.label, body.scope)
        return NewApiKey(
            user=UserOut.model_validate(user), key=ApiKeyOut.model_validate(key), api_key=secret
        )


@router.delete("/me/keys/{key_id}")
def revoke_key(key_id: ObjectId, actor: RequiredActor, hive: HiveDep) -> ApiKeyOut:
    """Revoke a key; requests with it fail from now on."""
    with write(hive) as session:
        return ApiKeyOut.model_validate(accounts.revoke_key(session, actor, key_id))


@router.get("/{name}")
def get_user(name: str, hive: HiveDep, actor: MaybeActor) -> UserOut | ProfileOut:
    """A user's public profile; ``is_admin`` only for the user themselves and administrators."""
    with read(hive) as session:
        return accounts.profile(session, actor, name)


@router.get("/{name}/profile")
def get_profile(name: str, hive: HiveDep, actor: MaybeActor) -> PersonProfile:
    """A person's (or team's) profile: bio, affiliation, interests, and contributions counted
    over what the caller may see."""
    with read(hive) as session:
        return profiles.profile(session, actor, name)


@router.patch("/{name}/profile")
def update_profile(
    name: str, body: ProfileUpdate, hive: HiveDep, actor: RequiredActor
) -> PersonProfile:
    """Edit your profile (a team's admins edit the team's); ``interests`` replaces the list."""
    with write(hive) as session:
        return profiles.update(session, actor, name, body)
