"""The :class:`Task` object the client returns: a description plus lazy dataset and splits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from pydantic import PrivateAttr

from mlhive.client._entity import Entity
from mlhive.client.dataset import Dataset
from mlhive.formats.splits import iter_splits, read_splits, split_indices, splits_shape
from mlhive.wire.runs import LeaderboardGroup
from mlhive.wire.tasks import TaskOut

if TYPE_CHECKING:
    from mlhive.client.tasks import TasksAPI

IntArray = npt.NDArray[np.int64]


class Fold(NamedTuple):
    """One train/test split with its numbers: what each predicted row of a run names.

    Attributes:
        repeat, fold, sample: the split's numbers (``sample`` is 0 but for learning curves).
        train, test: int64 arrays of 0-based dataset rows, ready for ``X.iloc``.
    """

    repeat: int
    fold: int
    sample: int
    train: IntArray
    test: IntArray


class Task(TaskOut, Entity):
    """One task on an mlhive server: a dataset, a target and fixed train/test splits.

    Its attributes are the fields of the server's description (:class:`~mlhive.wire.tasks.
    TaskOut`): ``id``, ``task_type``, ``dataset_id``, ``target``, ``estimation_procedure``,
    ``class_labels``, ``splits_sha256`` ... The dataset and the splits load on first use; the
    splits file is cached locally by content hash, like dataset data.

    Example:
        >>> task = client.tasks.get(1)  # doctest: +SKIP
        >>> X, y = task.get_X_and_y()  # doctest: +SKIP
        >>> for train, test in task.iterate_splits():  # doctest: +SKIP
        ...     model.fit(X.iloc[train], y.iloc[train])
    """

    _api: TasksAPI = PrivateAttr()
    _dataset: Dataset | None = None
    _splits: pa.Table | None = None

    def __repr__(self) -> str:
        return (
            f"Task(id={self.id}, task_type={self.task_type!r}, dataset_id={self.dataset_id}, "
            f"target={self.target!r}, procedure={self.estimation_procedure.name!r})"
        )

    @property
    def meta(self) -> TaskOut:
        """The description as its wire model (which this object is)."""
        return self

    @property
    def dataset(self) -> Dataset:
        """The task's dataset (fetched once).

        Raises:
            NotFoundError: the dataset is gone. ConnectionFailedError: the server is unreachable.
        """
        if self._dataset is None:
            self._dataset = self._api._datasets.get(self.dataset_id)
        return self._dataset

    @property
    def splits_table(self) -> pa.Table:
        """The canonical splits table (``type``, ``rowid``, ``repeat``, ``fold``, ``sample``).

        Downloaded once, then read from the local cache (verified against ``splits_sha256``).

        Raises:
            ConnectionFailedError: not cached and the server is unreachable.
            CorruptDownloadError: the download does not match ``splits_sha256``.
        """
        if self._splits is None:
            self._splits = read_splits(self._api._splits_file(self), "parquet")
        return self._splits

    @property
    def splits(self) -> pd.DataFrame:
        """The splits as a DataFrame: one row per use of a dataset row (see :attr:`splits_table`).

        ``type`` is ``TRAIN`` or ``TEST``; ``rowid`` is the 0-based row of the dataset.
        """
        df: pd.DataFrame = self.splits_table.to_pandas()
        df["type"] = df["type"].astype(str)
        return df

    @property
    def shape(self) -> tuple[int, int, int]:
        """How many repeats, folds and (learning-curve) samples the splits have."""
        return splits_shape(self.splits_table)

    def iterate_splits(self, repeat: int | None = None) -> Iterator[tuple[IntArray, IntArray]]:
        """Every train/test split in OpenML's order: repeat, then fold, then sample.

        Args:
            repeat: only this repeat (default: all of them).

        Yields:
            ``(train, test)``: int64 arrays of 0-based dataset rows, ready for ``X.iloc``.

        Raises:
            ValueError: the splits have no such repeat.
        """
        found = False
        for rep, _fold, _sample, train, test in iter_splits(self.splits_table):
            if repeat is None or rep == repeat:
                found = True
                yield train, test
        if not found and repeat is not None:
            raise ValueError(f"task {self.id} has no repeat {repeat} (it has {self.shape[0]})")

    def iter_folds(self) -> Iterator[Fold]:
        """Every split with its numbers, in OpenML's order: for predictions made by any tool.

        Yields:
            :class:`Fold` tuples ``(repeat, fold, sample, train, test)``.

        Example:
            >>> rows = []  # doctest: +SKIP
            >>> for f in task.iter_folds():  # doctest: +SKIP
            ...     predicted = my_model(X.iloc[f.train], y.iloc[f.train]).predict(X.iloc[f.test])
            ...     rows.append(pd.DataFrame({"repeat": f.repeat, "fold": f.fold,
            ...                               "row_id": f.test, "prediction": predicted}))
            >>> client.runs.upload(task, pd.concat(rows), flow="my.Model")  # doctest: +SKIP
        """
        for repeat, fold, sample, train, test in iter_splits(self.splits_table):
            yield Fold(repeat, fold, sample, train, test)

    def get_train_test_split_indices(
        self, fold: int = 0, repeat: int = 0, sample: int = 0
    ) -> tuple[IntArray, IntArray]:
        """The train and test rows of one split.

        Args:
            fold: the fold, 0-based.
            repeat: the repeat, 0-based.
            sample: the learning-curve sample, 0-based (0 for other tasks).

        Returns:
            ``(train, test)``: int64 arrays of 0-based dataset rows, ascending.

        Raises:
            ValueError: naming the repeat, fold or sample the task does not have.
        """
        return split_indices(self.splits_table, repeat=repeat, fold=fold, sample=sample)

    def get_X_and_y(self) -> tuple[pd.DataFrame, pd.Series | None]:  # noqa: N802 - OpenML's name
        """The task's data: the features and the task's target, one row per dataset row.

        The dataset's row-id and ignored attributes are left out of ``X``; so is the target (for
        clustering tasks without a target: the dataset's default target, as OpenML does).

        Returns:
            ``(X, y)``; ``y`` is None for a task without a target.

        Raises:
            ValueError: the target names several columns (``get_data`` splits it at commas).
            ConnectionFailedError, CorruptDownloadError: as :meth:`Dataset.to_pandas`.
        """
        X, y = self.dataset.get_data(target=self.target)  # noqa: N806 - scikit-learn style
        if self.target is None:
            return X, None
        if not isinstance(y, pd.Series):
            raise ValueError(f"task {self.id}: target {self.target!r} is not one column")
        return X, y

    def leaderboard(
        self, measure: str | None = None, limit: int = 100, by: LeaderboardGroup = "flow"
    ) -> pd.DataFrame:
        """The best run of each flow (or setup) on this task (see :meth:`TasksAPI.leaderboard`)."""
        return self._api.leaderboard(self.id, measure=measure, limit=limit, by=by)

    def refresh(self) -> Task:
        """Fetch the description again (e.g. after tagging); returns this object, updated.

        Raises:
            NotFoundError: the task is no longer visible. ConnectionFailedError: unreachable server.
        """
        self._replace(self._api._describe(self.id))
        self._dataset = None
        self._splits = None
        return self
