"""``client.deployments``: serve a model repository's alias (or a fixed commit) and call it.

A deployment follows ``repo@alias``: after ``client.models.promote(repo, commit, alias)`` its
next answer comes from the new commit. Every answer names the commit that computed it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from mlhive.client._http import HttpCore
from mlhive.wire.serving import DeploymentMetrics, DeploymentOut, PredictOut


def _cell(value: Any) -> Any:
    """A JSON cell: numpy scalars as Python values, NaN (pandas' missing value) as null."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def rows_body(rows: Any) -> dict[str, Any]:
    """The prediction request for ``rows``: a pandas DataFrame, ``{column: [values]}``, a list
    of ``{column: value}`` objects, or a list of value lists (a model without column names).

    Raises:
        TypeError: anything else.
    """
    if hasattr(rows, "columns") and hasattr(rows, "itertuples"):  # a pandas DataFrame
        data = [[_cell(v) for v in row] for row in rows.itertuples(index=False, name=None)]
        return {"columns": [str(c) for c in rows.columns], "data": data}
    if isinstance(rows, Mapping):
        names = [str(name) for name in rows]
        columns = [list(values) for values in rows.values()]
        data = [[_cell(v) for v in row] for row in zip(*columns, strict=True)]
        return {"columns": names, "data": data}
    if isinstance(rows, Sequence) and not isinstance(rows, str):
        items = list(rows)
        if all(isinstance(item, Mapping) for item in items):
            return {"rows": [{str(k): _cell(v) for k, v in item.items()} for item in items]}
        return {"inputs": [[_cell(v) for v in item] for item in items]}
    raise TypeError(
        "rows must be a pandas DataFrame, a dict of columns, a list of row dicts or a list of "
        f"value lists, not {type(rows).__name__}"
    )


class DeploymentsAPI:
    """``client.deployments``: endpoints that serve a repository's alias or a fixed commit.

    Example:
        >>> client.models.promote("alice/clf", "main", "production")  # doctest: +SKIP
        >>> client.deployments.create("clf", "alice/clf", alias="production")  # doctest: +SKIP
        >>> client.deployments.predict("clf", frame).predictions  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def create(
        self,
        name: str,
        repo: str,
        *,
        alias: str | None = None,
        commit: str | None = None,
        visibility: Literal["public", "private"] = "private",
    ) -> DeploymentOut:
        """Deploy ``repo@alias`` (it follows the alias) or one fixed ``commit``.

        Args:
            name: the deployment's name (unique on the server; it is in its URL).
            repo: the model repository, ``owner/name``.
            alias: the alias to follow (``production``, ``staging`` …); a leading ``@`` is
                dropped.
            commit: a branch, tag or commit id to pin instead.
            visibility: ``private`` deployments answer your key only; ``public`` ones anyone.

        Returns:
            The new deployment.

        Raises:
            InvalidInputError: neither or both of alias and commit, or an unservable commit.
            ConflictError: the name is taken.
        """
        body = {
            "name": name,
            "repo": repo,
            "alias": alias.removeprefix("@") if alias else None,
            "commit": commit,
            "visibility": visibility,
        }
        response = self._core.request("POST", "/api/deployments", json=body)
        return DeploymentOut.model_validate(response.json())

    def get(self, name: str) -> DeploymentOut:
        """A deployment: its alias, the commit answering now, its call and error counts.

        Raises:
            NotFoundError: no such deployment (or another user's private one).
        """
        return DeploymentOut.model_validate(self._core.get_json(f"/api/deployments/{name}"))

    def metrics(self, name: str) -> DeploymentMetrics:
        """A deployment's monitoring: calls, failed calls, answer-time percentiles, and per
        input column the share of missing values and the mean or value shares of what it was
        given, next to the same figures of its commit's training data.

        Raises:
            NotFoundError: no such deployment (or another user's private one).
        """
        found = self._core.get_json(f"/api/deployments/{name}/metrics")
        return DeploymentMetrics.model_validate(found)

    def predict(self, name: str, rows: Any, *, probabilities: bool = False) -> PredictOut:
        """Predict ``rows`` with the deployment's current commit.

        Args:
            name: the deployment.
            rows: a pandas DataFrame, ``{column: [values]}``, a list of ``{column: value}``
                rows, or a list of value lists (models fitted without column names).
            probabilities: also return class probabilities (classifiers).

        Returns:
            The predictions in row order, and the commit that computed them.

        Raises:
            InvalidInputError: a missing, unknown or mistyped column (the message names it).
            NotFoundError: no such deployment, or a private one that is not yours.
        """
        body = rows_body(rows)
        if probabilities:
            body["probabilities"] = True
        response = self._core.request("POST", f"/api/deployments/{name}/predict", json=body)
        return PredictOut.model_validate(response.json())

    # Defined last: inside the class body ``list`` would shadow the builtin in annotations.
    def list(self, repo: str | None = None, *, limit: int = 100) -> list[DeploymentOut]:
        """Deployments you may see, by name; ``repo`` (``owner/name``) narrows them.

        Raises:
            InvalidInputError: a bad filter.
        """
        params: dict[str, Any] = {"limit": limit}
        if repo is not None:
            params["repo"] = repo
        found = self._core.get_json("/api/deployments", params)
        return [DeploymentOut.model_validate(d) for d in found]
