"""Users and API keys on the wire."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from mlhive.wire.common import WireModel


class KeyScope(StrEnum):
    """What an API key may do: ``read`` keys read all their user may read and write nothing;
    ``write`` keys (the default) do both."""

    READ = "read"
    WRITE = "write"


class ProfileOut(WireModel):
    """A user as anyone sees them: whether they administer the server is not public."""

    id: int
    name: str
    created_at: datetime


class UserOut(ProfileOut):
    """A user as they themselves and administrators see them."""

    is_admin: bool


class UserCreate(WireModel):
    name: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    is_admin: bool = False


class MeOut(UserOut):
    """The caller (``GET /api/users/me``), with the scope of the key the request carried."""

    key_scope: KeyScope


class ApiKeyOut(WireModel):
    id: int
    prefix: str
    label: str
    scope: KeyScope
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreate(WireModel):
    label: str = Field(default="", max_length=200)
    scope: KeyScope = Field(
        default=KeyScope.WRITE,
        description="`read`: the key reads all its user may read and can write nothing; "
        "`write` (default): it may also write.",
    )


class NewApiKey(WireModel):
    """A freshly issued key: the only time its secret is ever shown."""

    user: UserOut
    key: ApiKeyOut
    api_key: str
