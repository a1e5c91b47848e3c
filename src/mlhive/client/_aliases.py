"""The alias part of ``client.models``: promote a commit, roll back, list, audit trail."""

from __future__ import annotations

from mlhive.client._http import HttpCore
from mlhive.wire.serving import AliasEventOut, AliasOut


class AliasesMixin:
    """Aliases (``staging``, ``production`` …) of a repository's commits."""

    _core: HttpCore

    def _url(self, repo: str, tail: str = "") -> str:
        raise NotImplementedError

    def promote(self, repo: str, commit: str, alias: str = "production") -> AliasEventOut:
        """Point ``alias`` of ``repo`` at ``commit`` (owner only); deployments following the
        alias answer with it from their next call on.

        Args:
            repo: ``owner/name``.
            commit: a branch, tag or commit id.
            alias: the alias (a leading ``@`` is dropped).

        Returns:
            The audited move: who, when, from which commit to which, the checks passed.

        Raises:
            InvalidInputError: an invalid alias name. PermissionDeniedError: not the owner.
            NotFoundError: no such commit. ConflictError: the commit failed a model check.
        """
        path = self._url(repo, f"/aliases/{alias.removeprefix('@')}")
        response = self._core.request("POST", path, json={"commit": commit})
        return AliasEventOut.model_validate(response.json())

    def rollback(self, repo: str, alias: str = "production") -> AliasEventOut:
        """Move ``alias`` back to the commit before its latest promotion (audited).

        Raises:
            ConflictError: there is no earlier commit. NotFoundError: the alias is not set.
        """
        path = self._url(repo, f"/aliases/{alias.removeprefix('@')}/rollback")
        return AliasEventOut.model_validate(self._core.request("POST", path).json())

    def aliases(self, repo: str) -> list[AliasOut]:
        """A repository's aliases and the commits they point at."""
        return [
            AliasOut.model_validate(a) for a in self._core.get_json(self._url(repo, "/aliases"))
        ]

    def alias_history(self, repo: str, alias: str = "production") -> list[AliasEventOut]:
        """Every move of ``alias``, newest first. Raises NotFoundError if it was never set."""
        path = self._url(repo, f"/aliases/{alias.removeprefix('@')}/history")
        return [AliasEventOut.model_validate(e) for e in self._core.get_json(path)]
