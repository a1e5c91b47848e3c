"""Datasets: versions, tags, edits, status changes, features and qualities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mlhive.server.db.base import Base, utcnow
from mlhive.server.db.tables.accounts import User


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        Index("ix_datasets_status_id", "status", "id"),
        Index("ix_datasets_uploader_id", "uploader_id", "id"),
        # Lists filter on status and page by (sort key, id): these serve any page in order.
        Index("ix_datasets_status_name_id", "status", "name", "id"),
        Index("ix_datasets_status_upload_date_id", "status", "upload_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    status: Mapped[str] = mapped_column(String(24), default="in_preparation")
    processing: Mapped[str] = mapped_column(String(16), default="pending")
    processing_error: Mapped[str | None] = mapped_column(Text, default=None)
    upload_format: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(String(128), default="")
    creator: Mapped[list[str]] = mapped_column(default=list)
    contributor: Mapped[list[str]] = mapped_column(default=list)
    citation: Mapped[str] = mapped_column(Text, default="")
    collection_date: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(64), default="")
    original_url: Mapped[str] = mapped_column(String(1024), default="")
    paper_url: Mapped[str] = mapped_column(String(1024), default="")
    default_target_attribute: Mapped[str | None] = mapped_column(String(256), default=None)
    row_id_attribute: Mapped[str | None] = mapped_column(String(256), default=None)
    ignore_attributes: Mapped[list[str]] = mapped_column(default=list)
    # None only for a dataset given by URL until its job has fetched the data.
    data_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    source_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    arff_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), default=None)
    arff_md5: Mapped[str | None] = mapped_column(String(32), default=None)
    # Every data row of the ARFF file is sparse: OpenML's ``sparse_arff`` format.
    sparse: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    number_of_rows: Mapped[int] = mapped_column(BigInteger)
    number_of_columns: Mapped[int] = mapped_column(Integer)
    forked_from_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"), default=None)
    upload_date: Mapped[datetime] = mapped_column(default=utcnow)
    processing_date: Mapped[datetime | None] = mapped_column(default=None)
    # What the reader saw per column (mlhive.formats.inference.ColumnNote.to_json), from which
    # processing explains each feature's type; None for datasets read before it was kept.
    type_notes: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)

    uploader: Mapped[User] = relationship(lazy="joined")


class DatasetTag(Base):
    __tablename__ = "dataset_tags"
    __table_args__ = (Index("ix_dataset_tags_tag", "tag", "dataset_id"),)

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    tagger_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DatasetEdit(Base):
    """One metadata edit: the values of the changed fields before and after."""

    __tablename__ = "dataset_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    before: Mapped[dict[str, Any]] = mapped_column()
    after: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DatasetStatusChange(Base):
    __tablename__ = "dataset_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feature(Base):
    __tablename__ = "dataset_features"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    data_type: Mapped[str] = mapped_column(String(16))
    nominal_values: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    number_of_missing_values: Mapped[int] = mapped_column(BigInteger)
    number_of_distinct_values: Mapped[int] = mapped_column(BigInteger)
    minimum: Mapped[float | None] = mapped_column(Float, default=None)
    maximum: Mapped[float | None] = mapped_column(Float, default=None)
    mean: Mapped[float | None] = mapped_column(Float, default=None)
    stdev: Mapped[float | None] = mapped_column(Float, default=None)
    is_target: Mapped[bool] = mapped_column(Boolean, default=False)
    is_ignore: Mapped[bool] = mapped_column(Boolean, default=False)
    is_row_identifier: Mapped[bool] = mapped_column(Boolean, default=False)
    # The value distribution the dataset page charts (domain.datasets.distributions); None for
    # datasets processed before it was computed, until a page view fills it in.
    distribution: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), default=None
    )
    # Why the column has its type, in words (domain.datasets.type_report), and the values read
    # as missing in it with their counts ([{"value": ..., "count": ...}], most frequent first).
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    dirty_values: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSON(none_as_null=True), default=None
    )


class Quality(Base):
    __tablename__ = "dataset_qualities"
    __table_args__ = (Index("ix_dataset_qualities_name_value", "name", "value", "dataset_id"),)

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float, default=None)


class DatasetTopic(Base):
    """A topic an administrator filed a dataset under (OpenML's ``data/topicadd``)."""

    __tablename__ = "dataset_topics"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(256), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeatureOntology(Base):
    """An ontology URL attached to one column of a dataset (``data/feature/ontology/add``).

    Keyed by the column's index rather than pointing at the feature row: features are
    recomputed when a dataset is processed again, ontologies stay.
    """

    __tablename__ = "dataset_feature_ontologies"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    ontology: Mapped[str] = mapped_column(String(256), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MetaFeatureGeneration(Base):
    """One row counting changes to the datasets' meta-features (qualities, datasets added
    or removed): caches of them (the similar-datasets matrix) rebuild when it moves.

    Bumped with ``UPDATE ... SET value = value + 1`` inside the changing transaction, so the
    row lock orders the bumps as the commits: a reader that sees value N sees every change
    up to N.
    """

    __tablename__ = "dataset_meta_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class MetaFeatureChange(Base):
    """Which dataset each generation of :class:`MetaFeatureGeneration` changed: the
    similar-datasets index reads the datasets changed since its generation and patches only
    their rows, instead of re-reading every dataset's qualities.

    No foreign key: a deleted dataset's change must outlive it (the index drops its row).
    """

    __tablename__ = "dataset_meta_changes"

    generation: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    dataset_id: Mapped[int] = mapped_column(Integer)
