"""``client.datasets``: publish, find, read, edit and download datasets."""

from __future__ import annotations

import shutil
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from os import PathLike
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import pandas as pd

from mlhive.client._http import HttpCore
from mlhive.client._transfer import content_length, iter_body, progress_bar
from mlhive.client._upload import frame_as_parquet, upload_file, validate_metadata
from mlhive.client.cache import Cache, atomic_writer
from mlhive.client.dataset import Dataset
from mlhive.errors import (
    CachedDataWarning,
    ConflictError,
    ConnectionFailedError,
    JobFailedError,
    WaitTimeoutError,
)
from mlhive.wire.automl import SimilarDataset
from mlhive.wire.datasets import (
    DatasetOut,
    DatasetPage,
    DatasetSummary,
    FeatureOut,
    HistoryEntry,
)
from mlhive.wire.errors import ErrorCode

DownloadFormat = Literal["parquet", "csv", "arff"]
QualityBounds = tuple[float | None, float | None]
SUMMARY_COLUMNS = [
    "id", "name", "version", "uploader", "status", "visibility",
    "number_of_rows", "number_of_columns", "upload_date", "tags",
]  # fmt: skip
FEATURE_COLUMNS = list(FeatureOut.model_fields)
SIMILAR_COLUMNS = list(SimilarDataset.model_fields)


def _quality_params(qualities: Mapping[str, QualityBounds] | None) -> list[str]:
    def bound(value: float | None) -> str:
        return "" if value is None else repr(float(value))

    return [f"{name}:{bound(lo)}..{bound(hi)}" for name, (lo, hi) in (qualities or {}).items()]


class DatasetsAPI:
    """``client.datasets``: every dataset operation of the native API.

    Example:
        >>> ds = client.datasets.publish(df, name="iris", target="class")  # doctest: +SKIP
        >>> client.datasets.wait_processed(ds.id).qualities["NumberOfClasses"]  # doctest: +SKIP
        3.0
    """

    def __init__(self, core: HttpCore, cache: Cache, poll_interval: float = 0.5) -> None:
        self._core = core
        self._cache = cache
        self.poll_interval = poll_interval

    # -- publishing ---------------------------------------------------------------------------

    def publish(
        self,
        data: pd.DataFrame | str | PathLike[str],
        *,
        name: str,
        target: str | None = None,
        description: str = "",
        licence: str = "",
        creator: Iterable[str] = (),
        contributor: Iterable[str] = (),
        citation: str = "",
        collection_date: str = "",
        language: str = "",
        original_url: str = "",
        paper_url: str = "",
        row_id_attribute: str | None = None,
        ignore_attributes: Iterable[str] = (),
        tags: Iterable[str] = (),
        visibility: Literal["public", "private"] = "public",
        owner: str | None = None,
        format: Literal["csv", "parquet", "arff"] | None = None,
        nominal_attributes: Iterable[str] = (),
        string_attributes: Iterable[str] = (),
        numeric_attributes: Iterable[str] = (),
        date_attributes: Iterable[str] = (),
        missing_values: Iterable[str] = (),
        allow_duplicate: bool = False,
        progress: bool = False,
    ) -> Dataset:
        """Upload a dataset; the server then computes its features and qualities in the background.

        Args:
            data: a DataFrame (sent as Parquet) or the path of a CSV, Parquet or ARFF file
                (streamed from disk, never read into memory whole).
            name: the dataset's name; uploading an existing name makes a new version.
            target: the default target column (several: comma-separated).
            description, licence, creator, contributor, citation, collection_date, language,
                original_url, paper_url: descriptive metadata.
            row_id_attribute: a column that identifies rows (left out of ``get_data``'s X).
            ignore_attributes: columns that are not features.
            tags: tags to attach.
            visibility: ``public`` or ``private`` (only you and administrators see it; for a
                team's dataset, its members too).
            owner: a team you write to that will own the dataset (by default you do).
            format: the file's format when its extension does not tell.
            nominal_attributes: columns to read as nominal whatever they hold (an integer
                0/1 target you want to classify on).
            string_attributes: columns to keep as free text.
            numeric_attributes: columns to read as numbers; a value that is not a number
                (nor missing) is refused with the values named.
            date_attributes: columns to read as ISO dates or date-times.
            missing_values: values that mean "missing" in every column (e.g. ``["n/a"]``),
                besides the empty field, ``?``, ``NA``, ``NaN``, ``NULL`` and ``None``.
                Why each column got its type is in ``dataset.features["reason"]``.
            allow_duplicate: make a new version even when you already uploaded the same data
                (with the same target, row id, ignored attributes and visibility) under this
                name. By default that version is returned instead, with ``duplicate_of`` set
                to its id.
            progress: draw an upload progress bar on stderr.

        Returns:
            The new dataset (``processing == "pending"`` until the server's job has run), or
            your identical existing version (``duplicate_of`` is then its id).

        Raises:
            InvalidInputError: invalid metadata (checked before uploading), an unreadable file,
                or a target/ignored/row-id column that is not in the data (``detail`` names it).
            PayloadTooLargeError: the file exceeds the server's upload limit.
            AuthenticationError: no or an invalid API key.
            FileNotFoundError: ``data`` is a path that does not exist.
            ConnectionFailedError: the server could not be reached.

        Example:
            >>> ds = client.datasets.publish("iris.csv", name="iris", target="class",
            ...                               tags=["uci"])  # doctest: +SKIP
        """
        fields: dict[str, Any] = {
            "name": name, "default_target_attribute": target, "description": description,
            "licence": licence, "creator": list(creator), "contributor": list(contributor),
            "citation": citation, "collection_date": collection_date, "language": language,
            "original_url": original_url, "paper_url": paper_url,
            "row_id_attribute": row_id_attribute, "ignore_attributes": list(ignore_attributes),
            "tags": list(tags), "visibility": visibility, "owner": owner, "format": format,
            "nominal_attributes": list(nominal_attributes),
            "string_attributes": list(string_attributes),
            "numeric_attributes": list(numeric_attributes),
            "date_attributes": list(date_attributes),
            "missing_values": list(missing_values),
            "allow_duplicate": allow_duplicate,
        }  # fmt: skip
        if isinstance(data, pd.DataFrame):
            meta = validate_metadata({**fields, "format": "parquet"})
            with frame_as_parquet(data, meta.name) as path:
                return self._dataset(upload_file(self._core, path, meta, progress))
        path = Path(data)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        meta = validate_metadata(fields)
        return self._dataset(upload_file(self._core, path, meta, progress))

    # -- reading ------------------------------------------------------------------------------

    def _dataset(self, raw: dict[str, Any]) -> Dataset:
        meta = DatasetOut.model_validate(raw)
        # duplicate_of belongs to the upload's answer, not to the description kept offline
        self._cache.save_json(meta.id, "description", {**raw, "duplicate_of": None})
        return Dataset._of(self, meta)

    def _describe(self, dataset_id: int) -> DatasetOut:
        try:
            raw = self._core.get_json(f"/api/datasets/{dataset_id}")
        except ConnectionFailedError as exc:
            cached = self._cache.load_json(dataset_id, "description")
            if cached is None:
                raise
            warnings.warn(
                f"{exc}; using the cached description of dataset {dataset_id}",
                CachedDataWarning,
                stacklevel=3,
            )
            return DatasetOut.model_validate(cached)
        self._cache.save_json(dataset_id, "description", raw)
        return DatasetOut.model_validate(raw)

    def get(self, dataset_id: int) -> Dataset:
        """A dataset's description (features, qualities and data load on first use).

        When the server is unreachable, the last description seen is used instead, with a
        :class:`~mlhive.errors.CachedDataWarning`, so cached data stays usable offline.

        Args:
            dataset_id: the dataset's id.

        Returns:
            The dataset.

        Raises:
            NotFoundError: no such dataset, or another user's private one.
            ConnectionFailedError: the server is unreachable and the description was never cached.

        Example:
            >>> df = client.datasets.get(61).to_pandas()  # doctest: +SKIP
        """
        return Dataset._of(self, self._describe(dataset_id))

    def _cached_or_fetch(self, dataset_id: int, kind: str, cache: bool) -> Any:
        try:
            value = self._core.get_json(f"/api/datasets/{dataset_id}/{kind}")
        except ConnectionFailedError as exc:
            cached = self._cache.load_json(dataset_id, kind)
            if cached is None:
                raise
            warnings.warn(
                f"{exc}; using the cached {kind} of dataset {dataset_id}",
                CachedDataWarning,
                stacklevel=4,
            )
            return cached
        if cache:
            self._cache.save_json(dataset_id, kind, value)
        return value

    def _features(self, dataset_id: int, *, cache: bool) -> pd.DataFrame:
        rows = self._cached_or_fetch(dataset_id, "features", cache)
        features = [FeatureOut.model_validate(row).model_dump() for row in rows]
        return pd.DataFrame(features, columns=FEATURE_COLUMNS)

    def _qualities(self, dataset_id: int, *, cache: bool) -> dict[str, float | None]:
        qualities: dict[str, float | None] = self._cached_or_fetch(dataset_id, "qualities", cache)
        return qualities

    def iter_summaries(
        self,
        *,
        name: str | None = None,
        tag: str | None = None,
        status: Literal["in_preparation", "active", "deactivated", "all"] = "active",
        uploader: str | None = None,
        q: str | None = None,
        qualities: Mapping[str, QualityBounds] | None = None,
        sort: str = "id",
        limit: int = 1000,
        page_size: int = 500,
    ) -> Iterator[DatasetSummary]:
        """Iterate over matching datasets, fetching pages lazily (see :meth:`list`).

        Yields:
            One :class:`~mlhive.wire.datasets.DatasetSummary` per dataset, at most ``limit``.

        Raises:
            InvalidInputError: a bad filter (e.g. an unknown sort key).
            ConnectionFailedError: the server could not be reached.
        """
        params: dict[str, Any] = {
            "name": name, "tag": tag, "status": status, "uploader": uploader, "q": q,
            "quality": _quality_params(qualities), "sort": sort,
        }  # fmt: skip
        params = {key: value for key, value in params.items() if value not in (None, [])}
        cursor: str | None = None
        remaining = limit
        while remaining > 0:
            page_params = {**params, "limit": min(remaining, page_size)}
            if cursor:
                page_params["cursor"] = cursor
            page = DatasetPage.model_validate(self._core.get_json("/api/datasets", page_params))
            yield from page.items[:remaining]
            remaining -= len(page.items)
            cursor = page.next_cursor
            if not cursor or not page.items:
                return

    def history(self, dataset_id: int) -> list[HistoryEntry]:
        """Every metadata edit and status change of a dataset, oldest first.

        Raises:
            NotFoundError: no such dataset (or not visible to you).
            ConnectionFailedError: the server could not be reached.
        """
        raw = self._core.get_json(f"/api/datasets/{dataset_id}/history")
        return [HistoryEntry.model_validate(entry) for entry in raw]

    def similar(self, dataset_id: int, k: int = 10) -> pd.DataFrame:
        """The ``k`` datasets you may see that are most similar by their meta-features.

        Args:
            dataset_id: the dataset to find neighbours of (it must be processed).
            k: how many neighbours, 1 to 100.

        Returns:
            One row per neighbour, near-duplicates first, then nearest first: ``id``, ``name``,
            ``version``, ``status``, ``distance``, ``shared_qualities``, ``near_duplicate``,
            ``reason`` (why it is a near-duplicate, else None) and ``closest``: the qualities
            on which the two differ least, as ``{name: (value, neighbour_value)}``.

        Raises:
            InvalidInputError: ``k`` outside 1..100.
            NotFoundError: no such dataset (or not visible to you).
            ConflictError: the dataset has no qualities yet (``not_processed``).
            ConnectionFailedError: the server could not be reached.

        Example:
            >>> client.datasets.similar(61, k=5)[["id", "name", "distance"]]  # doctest: +SKIP
        """
        raw = self._core.get_json(f"/api/datasets/{dataset_id}/similar", params={"k": k})
        rows = [SimilarDataset.model_validate(entry).model_dump() for entry in raw]
        for row in rows:
            row["closest"] = {q["name"]: (q["value"], q["neighbour_value"]) for q in row["closest"]}
        return pd.DataFrame(rows, columns=SIMILAR_COLUMNS)

    # -- changing -----------------------------------------------------------------------------

    def edit(self, dataset_id: int, **fields: Any) -> Dataset:
        """Change descriptive metadata (owner or administrator); old values stay in history.

        Args:
            dataset_id: the dataset's id.
            **fields: fields of :class:`~mlhive.wire.datasets.DatasetUpdate`, e.g.
                ``description``, ``licence``, ``default_target_attribute``.

        Returns:
            The updated dataset (changing target/ignore/row-id reprocesses it).

        Raises:
            InvalidInputError: an unknown field, a bad value or an unknown column.
            PermissionDeniedError: not your dataset. NotFoundError: no such dataset.

        Example:
            >>> client.datasets.edit(5, description="Fisher's iris data")  # doctest: +SKIP
        """
        return self._dataset(
            self._core.request("PATCH", f"/api/datasets/{dataset_id}", json=fields).json()
        )

    def set_status(
        self, dataset_id: int, status: Literal["in_preparation", "active", "deactivated"]
    ) -> Dataset:
        """Activate or deactivate a dataset (owner or administrator).

        Raises:
            ConflictError: a transition OpenML does not allow (e.g. activating unprocessed data).
            PermissionDeniedError, NotFoundError: as :meth:`edit`.
        """
        path = f"/api/datasets/{dataset_id}/status"
        return self._dataset(self._core.request("POST", path, json={"status": status}).json())

    def fork(
        self,
        dataset_id: int,
        name: str | None = None,
        visibility: Literal["public", "private"] | None = None,
    ) -> Dataset:
        """Copy a dataset into a new one you own (the data is stored once on the server).

        Args:
            dataset_id: the dataset to fork.
            name: the new name (default: the same name, as a new version).
            visibility: the new visibility (default: the source's).

        Returns:
            The new dataset.

        Raises:
            NotFoundError: no such dataset. InvalidInputError: a bad name.
        """
        body = {k: v for k, v in {"name": name, "visibility": visibility}.items() if v is not None}
        path = f"/api/datasets/{dataset_id}/fork"
        return self._dataset(self._core.request("POST", path, json=body).json())

    def tag(self, dataset_id: int, tag: str) -> list[str]:
        """Add a tag; returns all the dataset's tags.

        Raises:
            InvalidInputError: a malformed tag. NotFoundError: no such dataset.
        """
        path = f"/api/datasets/{dataset_id}/tags"
        tags: list[str] = self._core.request("POST", path, json={"tag": tag}).json()
        return tags

    def untag(self, dataset_id: int, tag: str) -> list[str]:
        """Remove a tag (its tagger, the owner or an administrator may); returns the rest.

        Raises:
            NotFoundError: no such dataset or tag. PermissionDeniedError: not allowed.
        """
        path = f"/api/datasets/{dataset_id}/tags/{quote(tag, safe='')}"
        tags: list[str] = self._core.request("DELETE", path).json()
        return tags

    def delete(self, dataset_id: int) -> None:
        """Delete a dataset (owner or administrator) and forget its cached description.

        Raises:
            ConflictError: other datasets were forked from it.
            PermissionDeniedError, NotFoundError: as :meth:`edit`.
        """
        self._core.request("DELETE", f"/api/datasets/{dataset_id}")
        self._cache.forget(dataset_id)

    def wait_processed(self, dataset_id: int, timeout: float = 600) -> Dataset:
        """Poll until the server has computed the dataset's features and qualities.

        Args:
            dataset_id: the dataset's id.
            timeout: seconds to wait at most.

        Returns:
            The processed dataset.

        Raises:
            JobFailedError: processing failed (the message holds the server's reason).
            WaitTimeoutError: still pending after ``timeout`` seconds.
            NotFoundError, ConnectionFailedError: as :meth:`get`.
        """
        deadline = time.monotonic() + timeout
        while True:
            dataset = self.get(dataset_id)
            if dataset.processing == "done":
                return dataset
            if dataset.processing == "failed":
                raise JobFailedError(
                    f"processing dataset {dataset_id} failed: {dataset.processing_error}"
                )
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(f"dataset {dataset_id} still pending after {timeout:g} s")
            time.sleep(self.poll_interval)

    # -- data ---------------------------------------------------------------------------------

    def _blob(self, meta: DatasetOut, *, progress: bool = False) -> Path:
        """The dataset's canonical Parquet file in the cache, downloaded if needed."""
        if meta.data_sha256 is None:  # given by URL: maybe fetched since it was described
            meta = self._describe(meta.id)
        sha256 = meta.data_sha256
        if sha256 is None:
            why = meta.processing_error or f"it is still being fetched from {meta.source_url}"
            raise ConflictError(
                409, ErrorCode.NOT_PROCESSED, f"dataset {meta.id} has no data: {why}"
            )
        if self._cache.has_blob(sha256):
            return self._cache.blob_path(sha256)
        path = f"/api/datasets/{meta.id}/data"
        # Parquet is already compressed: gzip on the wire would only cost CPU.
        headers = {"Accept-Encoding": "identity"}
        with self._core.stream("GET", path, params={"format": "parquet"}, headers=headers) as resp:
            label = f"download {meta.name}-v{meta.version}"
            with progress_bar(progress, label, content_length(resp)) as advance:
                return self._cache.put_blob(sha256, iter_body(resp, advance))

    def download(
        self,
        dataset_id: int,
        path: str | PathLike[str] | None = None,
        format: DownloadFormat = "parquet",
        *,
        progress: bool = False,
        parents: bool = False,
    ) -> Path:
        """Save a dataset's data to a file.

        Args:
            dataset_id: the dataset's id.
            path: the file to write, or a folder to write ``<name>-v<version>.<format>`` into
                (default: the current folder).
            format: ``parquet`` (the canonical form, served from the local cache when there),
                ``csv`` or ``arff``.
            progress: draw a progress bar on stderr.
            parents: create the file's missing folders (like ``mkdir -p``); by default a
                missing folder is refused, so a typo never scatters folders around.

        Returns:
            The path written.

        Raises:
            FileNotFoundError: the file's folder does not exist and ``parents`` is False.
            ConflictError: ``arff`` before the server has processed the dataset.
            NotFoundError: no such dataset. ConnectionFailedError: the server is unreachable.
            CorruptDownloadError: the Parquet bytes do not match the dataset's hash.

        Example:
            >>> client.datasets.download(61, "iris.csv", format="csv")  # doctest: +SKIP
            PosixPath('iris.csv')
        """
        meta = self._describe(dataset_id)
        target = Path(path) if path is not None else Path.cwd()
        if target.is_dir():
            target = target / f"{meta.name}-v{meta.version}.{format}"
        if not target.parent.is_dir():
            if not parents:
                raise FileNotFoundError(
                    f"folder {str(target.parent)!r} does not exist: create it first, or pass "
                    "parents=True to create it"
                )
            target.parent.mkdir(parents=True, exist_ok=True)
        if format == "parquet":
            blob = self._blob(meta, progress=progress)
            with blob.open("rb") as source, atomic_writer(target) as out:
                shutil.copyfileobj(source, out)
            return target
        url = f"/api/datasets/{dataset_id}/data"
        with self._core.stream("GET", url, params={"format": format}) as resp:
            label = f"download {target.name}"
            with (
                progress_bar(progress, label, content_length(resp)) as advance,
                atomic_writer(target) as out,
            ):
                for chunk in iter_body(resp, advance):
                    out.write(chunk)
        return target

    # Defined last: inside the class body the name ``list`` would shadow the builtin in
    # the annotations of the methods after it.
    def list(
        self,
        *,
        name: str | None = None,
        tag: str | None = None,
        status: Literal["in_preparation", "active", "deactivated", "all"] = "active",
        uploader: str | None = None,
        q: str | None = None,
        qualities: Mapping[str, QualityBounds] | None = None,
        sort: str = "id",
        limit: int = 1000,
        page_size: int = 500,
    ) -> pd.DataFrame:
        """Find datasets you may see, as a table.

        Args:
            name: exact dataset name.
            tag: datasets carrying this tag.
            status: ``active`` (default), ``in_preparation``, ``deactivated`` or ``all``.
            uploader: the uploader's user name.
            q: text to look for in names and descriptions.
            qualities: ranges of meta-features, inclusive; None leaves a side open, e.g.
                ``{"NumberOfInstances": (100, 10_000), "NumberOfClasses": (2, None)}``.
            sort: ``id``, ``name``, ``upload_date`` or ``version``.
            limit: the most rows to return (pages are followed until then).
            page_size: rows per request.

        Returns:
            One row per dataset: ``id``, ``name``, ``version``, ``uploader``, ``status``,
            ``visibility``, ``number_of_rows``, ``number_of_columns``, ``upload_date``, ``tags``,
            then one column per quality the server lists (NaN where unknown).

        Raises:
            InvalidInputError: a bad filter.
            ConnectionFailedError: the server could not be reached.

        Example:
            >>> client.datasets.list(tag="uci", qualities={"NumberOfInstances": (100, None)})
            ... # doctest: +SKIP
        """
        summaries = self.iter_summaries(
            name=name, tag=tag, status=status, uploader=uploader, q=q, qualities=qualities,
            sort=sort, limit=limit, page_size=page_size,
        )  # fmt: skip
        rows = [{**s.model_dump(include=set(SUMMARY_COLUMNS)), **s.qualities} for s in summaries]
        df = pd.DataFrame(rows)
        if df.empty:
            return pd.DataFrame(columns=SUMMARY_COLUMNS)
        return df
