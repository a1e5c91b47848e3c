"""The :class:`Dataset` object the client returns: a description plus lazy features and data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from pydantic import PrivateAttr

from mlhive.client._entity import Entity
from mlhive.formats.tables import read_parquet, to_pandas
from mlhive.wire.datasets import DatasetOut

if TYPE_CHECKING:
    from mlhive.client.datasets import DatasetsAPI


class Dataset(DatasetOut, Entity):
    """One dataset version on an mlhive server.

    Its attributes are the fields of the server's description (:class:`~mlhive.wire.datasets.
    DatasetOut`): ``id``, ``name``, ``version``, ``status``, ``processing``,
    ``default_target_attribute``, ``data_sha256``, ... Features, qualities and the data are
    fetched on first use; the data is cached locally by content hash.

    Example:
        >>> ds = client.datasets.get(1)  # doctest: +SKIP
        >>> X, y = ds.get_data()  # doctest: +SKIP
        >>> ds.qualities["NumberOfInstances"]  # doctest: +SKIP
        150.0
    """

    _api: DatasetsAPI = PrivateAttr()
    _features: pd.DataFrame | None = None
    _qualities: dict[str, float | None] | None = None

    def __repr__(self) -> str:
        return (
            f"Dataset(id={self.id}, name={self.name!r}, version={self.version}, "
            f"status={self.status!r}, processing={self.processing!r}, "
            f"rows={self.number_of_rows}, columns={self.number_of_columns})"
        )

    @property
    def meta(self) -> DatasetOut:
        """The description as its wire model (which this object is)."""
        return self

    @property
    def features(self) -> pd.DataFrame:
        """Per-column summaries: one row per column (``name``, ``data_type``,
        ``nominal_values``, ``number_of_missing_values``, ``is_target``, ...), with the type
        report: ``reason`` (why the column has its type, in words) and ``dirty_values``
        (the non-empty values read as missing, as ``{"value", "count"}`` dicts).

        Empty until the server has processed the dataset (see ``processing``).

        Raises:
            ConnectionFailedError: the server is unreachable and nothing is cached.
        """
        if self._features is None:
            features = self._api._features(self.id, cache=self.processing == "done")
            if self.processing != "done":
                return features
            self._features = features
        return self._features

    @property
    def qualities(self) -> dict[str, float | None]:
        """OpenML's meta-features by name (``NumberOfInstances``, ``NumberOfClasses``, ...).

        Empty until the server has processed the dataset.

        Raises:
            ConnectionFailedError: the server is unreachable and nothing is cached.
        """
        if self._qualities is None:
            qualities = self._api._qualities(self.id, cache=self.processing == "done")
            if self.processing != "done":
                return qualities
            self._qualities = qualities
        return dict(self._qualities)

    def to_pandas(self, *, progress: bool = False) -> pd.DataFrame:
        """The data as a DataFrame (downloaded once, then read from the local cache).

        Nominal columns are ``category`` (categories in declared order), strings use pandas'
        string dtype, dates ``datetime64``; integer columns with missing values are float64.

        Args:
            progress: draw a progress bar on stderr while downloading.

        Returns:
            A new DataFrame with every column of the dataset.

        Raises:
            ConnectionFailedError: the data is not cached and the server is unreachable.
            CorruptDownloadError: the downloaded bytes do not match ``data_sha256``.
        """
        path = self._api._blob(self, progress=progress)
        return to_pandas(read_parquet(path))

    def get_data(
        self, target: str | None = None
    ) -> tuple[pd.DataFrame, pd.Series | pd.DataFrame | None]:
        """The data split into features and target, ready for scikit-learn.

        Args:
            target: the target column (several: comma-separated); defaults to
                ``default_target_attribute``.

        Returns:
            ``(X, y)``: ``X`` without the target, the row id and the ignored attributes;
            ``y`` a Series (a DataFrame for several targets), or None when there is no target.

        Raises:
            KeyError: ``target`` is not a column of the data.
            ConnectionFailedError, CorruptDownloadError: as :meth:`to_pandas`.

        Example:
            >>> X, y = client.datasets.get(1).get_data(target="class")  # doctest: +SKIP
        """
        df = self.to_pandas()
        chosen = target if target is not None else self.default_target_attribute
        targets = [t.strip() for t in chosen.split(",")] if chosen else []
        missing = [t for t in targets if t not in df.columns]
        if missing:
            raise KeyError(f"{missing[0]!r} is not a column of dataset {self.id}")
        dropped = set(targets) | set(self.ignore_attributes)
        if self.row_id_attribute:
            dropped.add(self.row_id_attribute)
        X = df[[c for c in df.columns if c not in dropped]]  # noqa: N806 - scikit-learn style
        y: pd.Series | pd.DataFrame | None = None
        if len(targets) == 1:
            y = df[targets[0]]
        elif targets:
            y = df[targets]
        return X, y

    def refresh(self) -> Dataset:
        """Fetch the description again (e.g. after processing finished).

        Returns:
            This object, updated.

        Raises:
            NotFoundError: the dataset was deleted.
            ConnectionFailedError: the server is unreachable (and nothing is cached).
        """
        self._replace(self._api._describe(self.id))
        self._features = None
        self._qualities = None
        return self
