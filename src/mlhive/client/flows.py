"""``client.flows`` and ``client.setups``: pipeline descriptions and their parameter values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd
from pydantic import PrivateAttr

from mlhive.client._entity import Entity
from mlhive.client._fetch import frame
from mlhive.client._http import HttpCore
from mlhive.errors import NotFoundError
from mlhive.wire.flows import (
    FlowCreate,
    FlowOut,
    FlowSummary,
    ParameterSetting,
    SetupOut,
)

if TYPE_CHECKING:
    from mlhive.client.run import Run

FLOW_COLUMNS = list(FlowSummary.model_fields)


class SetupsAPI:
    """``client.setups``: a flow with the value of every parameter (shared by equal runs).

    Example:
        >>> setup = client.setups.get(run.setup_id)  # doctest: +SKIP
        >>> client.flows.get(setup.flow_id).to_estimator(setup)  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def get(self, setup_id: int) -> SetupOut:
        """A setup: its flow and the JSON-encoded value of each parameter.

        Raises:
            NotFoundError: no such setup. ConnectionFailedError: the server is unreachable.
        """
        return SetupOut.model_validate(self._core.get_json(f"/api/setups/{setup_id}"))


class Flow(FlowOut, Entity):
    """An uploaded flow: the description of a pipeline, its parameters and components.

    Its attributes are the fields of :class:`~mlhive.wire.flows.FlowOut`: ``id``, ``name``,
    ``external_version``, ``class_name``, ``parameters``, ``components``, ``tags`` ...

    Example:
        >>> flow = client.flows.get(5)  # doctest: +SKIP
        >>> model = flow.to_estimator(client.setups.get(12))  # doctest: +SKIP
    """

    _api: FlowsAPI = PrivateAttr()

    def __repr__(self) -> str:
        return f"Flow(id={self.id}, name={self.name!r}, external_version={self.external_version!r})"

    @property
    def meta(self) -> FlowOut:
        """The description as its wire model (which this object is)."""
        return self

    def _settings(self, setup: Any) -> list[ParameterSetting] | None:
        from mlhive.client.run import Run

        if setup is None:
            return None
        if isinstance(setup, int):
            setup = self._api._setups.get(setup)
        if isinstance(setup, Run):
            if setup.flow_id != self.id:
                raise ValueError(f"run {setup.id} used flow {setup.flow_id}, not flow {self.id}")
            return list(setup.parameter_settings)
        if isinstance(setup, SetupOut):
            if setup.flow_id != self.id:
                raise ValueError(f"setup {setup.id} belongs to flow {setup.flow_id}, not {self.id}")
            return list(setup.parameters)
        return list(setup)

    def to_estimator(
        self,
        setup: SetupOut | int | Run | Sequence[ParameterSetting] | None = None,
        *,
        allowed_modules: Sequence[str] | None = None,
    ) -> Any:
        """Rebuild an unfitted scikit-learn estimator from the flow, never unpickling anything.

        Args:
            setup: the parameter values to use: a setup (or its id), a run of this flow, or a
                list of settings; default: the flow's own default values.
            allowed_modules: module prefixes classes may come from (default: scikit-learn's
                estimator modules only).

        Returns:
            A new estimator with the setup's parameter values.

        Raises:
            ValueError: the setup or run belongs to another flow.
            FlowConversionError: a malformed flow or values (``DisallowedImportError``: the flow
                names a class outside ``allowed_modules``, refused before importing anything).
            ImportError: scikit-learn is not installed (``pip install mlhive[sklearn]``).

        Example:
            >>> model = client.flows.get(run.flow_id).to_estimator(run)  # doctest: +SKIP
        """
        from mlhive.sklearn import flow_to_estimator

        settings = self._settings(setup)
        if allowed_modules is None:
            return flow_to_estimator(self, settings)
        return flow_to_estimator(self, settings, allowed_modules=allowed_modules)


class FlowsAPI:
    """``client.flows``: upload and find flows (pipeline descriptions).

    Example:
        >>> from sklearn.ensemble import RandomForestClassifier
        >>> flow = client.flows.publish(RandomForestClassifier())  # doctest: +SKIP
        >>> client.flows.exists(flow.name, flow.external_version) == flow.id  # doctest: +SKIP
        True
    """

    def __init__(self, core: HttpCore, setups: SetupsAPI) -> None:
        self._core = core
        self._setups = setups

    def _flow(self, raw: dict[str, Any]) -> Flow:
        return Flow._of(self, FlowOut.model_validate(raw))

    def publish(self, estimator_or_flow: Any) -> Flow:
        """Upload a flow; a flow with the same name and external version is returned as it is.

        Args:
            estimator_or_flow: a scikit-learn estimator (described with
                :func:`mlhive.sklearn.estimator_to_flow`) or a ready
                :class:`~mlhive.wire.flows.FlowCreate`.

        Returns:
            The uploaded (or existing) flow, with ids for it and every component.

        Raises:
            FlowConversionError: the estimator cannot be described (e.g. a lambda parameter).
            InvalidInputError: a malformed flow. AuthenticationError: no or an invalid key.
        """
        if isinstance(estimator_or_flow, FlowCreate):
            body = estimator_or_flow
        else:
            from mlhive.sklearn import estimator_to_flow

            body = estimator_to_flow(estimator_or_flow)
        payload = body.model_dump(mode="json")
        return self._flow(self._core.request("POST", "/api/flows", json=payload).json())

    def get(self, flow_id: int) -> Flow:
        """A flow with its components, recursively.

        Raises:
            NotFoundError: no such flow. ConnectionFailedError: the server is unreachable.
        """
        return self._flow(self._core.get_json(f"/api/flows/{flow_id}"))

    def exists(self, name: str, external_version: str) -> int | None:
        """The id of the flow with this identity, or None when there is none.

        Raises:
            ConnectionFailedError: the server is unreachable.
        """
        params = {"name": name, "external_version": external_version}
        try:
            raw = self._core.get_json("/api/flows/exists", params)
        except NotFoundError:
            return None
        return int(raw["id"])

    def tag(self, flow_id: int, tag: str) -> list[str]:
        """Add a tag; returns all the flow's tags.

        Raises:
            InvalidInputError: a malformed tag. NotFoundError: no such flow.
        """
        return list(
            self._core.request("POST", f"/api/flows/{flow_id}/tags", json={"tag": tag}).json()
        )

    def untag(self, flow_id: int, tag: str) -> list[str]:
        """Remove a tag; returns the remaining tags.

        Raises:
            NotFoundError: no such flow or tag. PermissionDeniedError: not allowed.
        """
        path = f"/api/flows/{flow_id}/tags/{quote(tag, safe='')}"
        return list(self._core.request("DELETE", path).json())

    # Defined last: inside the class body ``list`` would shadow the builtin in annotations.
    def list(
        self, *, tag: str | None = None, name: str | None = None, limit: int = 1000, offset: int = 0
    ) -> pd.DataFrame:
        """Find flows, oldest first.

        Args:
            tag: only flows with this tag.
            name: only flows with exactly this name.
            limit: the most rows to return.
            offset: rows to skip.

        Returns:
            One row per flow: ``id``, ``name``, ``external_version``, ``uploader``,
            ``upload_date``, ``tags``.

        Raises:
            InvalidInputError: a bad filter. ConnectionFailedError: the server is unreachable.
        """
        params = {"tag": tag, "name": name, "limit": limit, "offset": offset}
        params = {key: value for key, value in params.items() if value is not None}
        rows = self._core.get_json("/api/flows", params)
        return frame((FlowSummary.model_validate(row).model_dump() for row in rows), FLOW_COLUMNS)
