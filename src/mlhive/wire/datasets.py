"""Datasets on the wire: upload metadata, descriptions, features, listings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator

from mlhive.wire.common import WireModel

DatasetStatus = Literal["in_preparation", "active", "deactivated"]
Visibility = Literal["public", "private"]
DataFormat = Literal["csv", "parquet", "arff"]
Processing = Literal["pending", "done", "failed"]

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.()\-]*$"
TAG_PATTERN = r"^[A-Za-z0-9_.\-]+$"
# A tag as every object takes it: letters, digits, '_', '-', '.'.
Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=TAG_PATTERN)]
# Bounds on list fields, so that one request cannot store megabytes in a name list.
Person = Annotated[str, Field(max_length=1024)]
Column = Annotated[str, Field(max_length=1024)]
MAX_PEOPLE = 256
MAX_MISSING_VALUES = 100
MissingValue = Annotated[str, Field(min_length=1, max_length=256)]
MAX_COLUMNS = 100_000
MAX_TAGS = 256


class DatasetEditable(WireModel):
    """Descriptive metadata: may be changed after upload (each edit is kept in history)."""

    description: str = Field(default="", max_length=100_000)
    licence: str = Field(default="", max_length=128)
    creator: list[Person] = Field(default_factory=list, max_length=MAX_PEOPLE)
    contributor: list[Person] = Field(default_factory=list, max_length=MAX_PEOPLE)
    citation: str = Field(default="", max_length=10_000)
    collection_date: str = Field(default="", max_length=64)
    language: str = Field(default="", max_length=64)
    original_url: str = Field(default="", max_length=1024)
    paper_url: str = Field(default="", max_length=1024)
    default_target_attribute: str | None = Field(default=None, max_length=256)
    row_id_attribute: str | None = Field(default=None, max_length=256)
    ignore_attributes: list[Column] = Field(default_factory=list, max_length=MAX_COLUMNS)

    @field_validator("creator", "contributor", "ignore_attributes")
    @classmethod
    def _no_blank_entries(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("entries must be non-empty strings")
        return value


class DatasetCreate(DatasetEditable):
    """Metadata sent with an upload (the ``metadata`` part of the multipart request)."""

    name: str = Field(min_length=1, max_length=128, pattern=NAME_PATTERN)
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    visibility: Visibility = "public"
    owner: str | None = Field(
        default=None,
        max_length=64,
        description="A team (you write to) that will own it; by default you do.",
    )
    format: DataFormat | None = None
    nominal_attributes: list[Column] = Field(
        default_factory=list,
        max_length=MAX_COLUMNS,
        description="Columns to read as nominal whatever they hold (e.g. an integer 0/1 class).",
    )
    string_attributes: list[Column] = Field(
        default_factory=list,
        max_length=MAX_COLUMNS,
        description="Columns to keep as free text.",
    )
    numeric_attributes: list[Column] = Field(
        default_factory=list,
        max_length=MAX_COLUMNS,
        description="Columns to read as numbers; a value that is not a number (nor missing) "
        "is refused, naming it.",
    )
    date_attributes: list[Column] = Field(
        default_factory=list,
        max_length=MAX_COLUMNS,
        description="Columns to read as ISO dates or date-times; other values are refused.",
    )
    missing_values: list[MissingValue] = Field(
        default_factory=list,
        max_length=MAX_MISSING_VALUES,
        description="Values that mean 'missing' in every column (besides the empty field, "
        "'?', 'NA', 'N/A', 'NaN', 'nan', 'NULL', 'null' and 'None'), e.g. ['n/a', '-'].",
    )
    allow_duplicate: bool = Field(
        default=False,
        description="Make a new version even when you already uploaded identical data (and "
        "target, row id, ignored attributes, visibility) under this name; by default that "
        "version is answered instead (200, with `duplicate_of`).",
    )
    url: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="Instead of a file: an http(s) URL the server downloads the data from "
        "(in a job; the format is `format` or the URL's file extension).",
    )


class DatasetUpdate(WireModel):
    """A partial edit: only the fields given are changed."""

    description: str | None = Field(default=None, max_length=100_000)
    licence: str | None = Field(default=None, max_length=128)
    creator: list[Person] | None = Field(default=None, max_length=MAX_PEOPLE)
    contributor: list[Person] | None = Field(default=None, max_length=MAX_PEOPLE)
    citation: str | None = Field(default=None, max_length=10_000)
    collection_date: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=64)
    original_url: str | None = Field(default=None, max_length=1024)
    paper_url: str | None = Field(default=None, max_length=1024)
    default_target_attribute: str | None = Field(default=None, max_length=256)
    row_id_attribute: str | None = Field(default=None, max_length=256)
    ignore_attributes: list[Column] | None = Field(default=None, max_length=MAX_COLUMNS)


class DatasetOut(DatasetEditable):
    id: int
    name: str
    version: int
    uploader: str
    visibility: Visibility
    status: DatasetStatus
    processing: Processing
    processing_error: str | None
    upload_format: DataFormat
    tags: list[str]
    data_sha256: str | None = Field(
        description="None while a dataset given by URL is not fetched yet (or failed)."
    )
    source_url: str | None = Field(default=None, description="The URL the data came from.")
    arff_md5: str | None
    sparse: bool = Field(
        default=False,
        description="Every data row of the uploaded ARFF file is sparse (OpenML's sparse_arff "
        "format): the ARFF file is served back sparse.",
    )
    number_of_rows: int
    number_of_columns: int
    forked_from_id: int | None
    upload_date: datetime
    processing_date: datetime | None
    job_id: int | None = None
    topics: list[str] = Field(
        default_factory=list, description="subjects an administrator filed the dataset under"
    )
    duplicate_of: int | None = Field(
        default=None,
        description="In the answer to an upload only: the id of your existing version with "
        "identical data and roles, answered instead of a new version (see allow_duplicate).",
    )


class DatasetSummary(WireModel):
    id: int
    name: str
    version: int
    uploader: str
    status: DatasetStatus
    visibility: Visibility
    number_of_rows: int
    number_of_columns: int
    upload_date: datetime
    tags: list[str]
    qualities: dict[str, float | None] = Field(default_factory=dict)


class DatasetPage(WireModel):
    items: list[DatasetSummary]
    next_cursor: str | None


class DirtyValue(WireModel):
    """A value read as missing in a column, and how many times it occurs."""

    value: str
    count: int


class FeatureOut(WireModel):
    index: int
    name: str
    data_type: Literal["numeric", "nominal", "string", "date"]
    nominal_values: list[str] | None
    number_of_missing_values: int
    number_of_distinct_values: int
    minimum: float | None
    maximum: float | None
    mean: float | None
    stdev: float | None
    is_target: bool
    is_ignore: bool
    is_row_identifier: bool
    reason: str | None = Field(
        default=None,
        description="Why the column has its type, in words (None for datasets processed "
        "before type reports existed).",
    )
    dirty_values: list[DirtyValue] = Field(
        default_factory=list,
        description="Non-empty values read as missing (markers such as '?', declared "
        "missing values, values that were not numbers or dates), most frequent first.",
    )

    @field_validator("dirty_values", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return [] if value is None else value


class StatusUpdate(WireModel):
    status: DatasetStatus


class ForkRequest(WireModel):
    name: str | None = Field(default=None, min_length=1, max_length=128, pattern=NAME_PATTERN)
    visibility: Visibility | None = None


class TagRequest(WireModel):
    tag: str = Field(min_length=1, max_length=64, pattern=TAG_PATTERN)


class HistoryEntry(WireModel):
    kind: Literal["edit", "status"]
    user: str | None
    created_at: datetime
    before: dict[str, object] | None = None
    after: dict[str, object] | None = None
    status: DatasetStatus | None = None


def parse_quality_range(text: str) -> tuple[str, float | None, float | None]:
    """Parse a quality filter ``NAME:LOW..HIGH`` (either bound may be empty) or ``NAME:VALUE``.

    Args:
        text: e.g. ``"NumberOfInstances:100..10000"``.

    Returns:
        ``(name, low, high)`` with None for an open bound.

    Raises:
        ValueError: the text does not have that shape; the message says why.

    Example:
        >>> parse_quality_range("NumberOfInstances:100..")
        ('NumberOfInstances', 100.0, None)
    """
    name, sep, bounds = text.partition(":")
    if not sep or not name.strip():
        raise ValueError(f"quality filter {text!r}: expected NAME:LOW..HIGH")
    low_text, dots, high_text = bounds.partition("..")
    if not dots:
        high_text = low_text
    try:
        low = float(low_text) if low_text.strip() else None
        high = float(high_text) if high_text.strip() else None
    except ValueError:
        raise ValueError(f"quality filter {text!r}: bounds must be numbers") from None
    return name.strip(), low, high
