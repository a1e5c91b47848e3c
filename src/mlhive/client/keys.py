"""Your API keys: list them, issue another, revoke one (``client.keys``)."""

from __future__ import annotations

from mlhive.client._http import HttpCore
from mlhive.wire.accounts import ApiKeyOut, KeyScope, NewApiKey


class KeysAPI:
    """``client.keys``: the API keys of the user the client's key belongs to.

    Example:
        >>> new = client.keys.create("laptop")  # doctest: +SKIP
        >>> new.api_key  # shown this once; store it  # doctest: +SKIP
        'mlh_...'
        >>> client.keys.revoke(new.key.id).revoked_at is not None  # doctest: +SKIP
        True
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def list(self) -> list[ApiKeyOut]:
        """Your keys, revoked ones included (their secrets are never shown again).

        Raises:
            AuthenticationError: no API key, or an invalid or revoked one.
        """
        return [ApiKeyOut.model_validate(k) for k in self._core.get_json("/api/users/me/keys")]

    def create(self, label: str = "", *, read_only: bool = False) -> NewApiKey:
        """Issue another key for yourself (this needs a write key).

        Args:
            label: a name to tell the key apart later (e.g. the machine it lives on).
            read_only: issue a key of scope ``read``: it reads all you may read and can
                never write (for dashboards, notebooks, shared machines).

        Returns:
            The new key; its ``api_key`` secret is shown only in this answer.

        Raises:
            AuthenticationError: no API key, or an invalid or revoked one.
            PermissionDeniedError: the client's own key is read-only.
        """
        scope = KeyScope.READ if read_only else KeyScope.WRITE
        body = {"label": label, "scope": scope.value}
        response = self._core.request("POST", "/api/users/me/keys", json=body)
        return NewApiKey.model_validate(response.json())

    def revoke(self, key_id: int) -> ApiKeyOut:
        """Revoke one of your keys: requests with it fail from now on.

        Args:
            key_id: the key's id (see :meth:`list`).

        Raises:
            NotFoundError: you have no key with that id.
            AuthenticationError: no API key, or an invalid or revoked one.
        """
        response = self._core.request("DELETE", f"/api/users/me/keys/{key_id}")
        return ApiKeyOut.model_validate(response.json())
