"""SQLAlchemy tables of the metadata store (one module; repositories live beside it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            return value if dialect.name != "sqlite" else value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, datetime: UTCDateTime()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(lazy="joined")


class Blob(Base):
    """A content-addressed object known to the store (written before its row commits)."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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
    data_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    arff_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), default=None)
    arff_md5: Mapped[str | None] = mapped_column(String(32), default=None)
    number_of_rows: Mapped[int] = mapped_column(BigInteger)
    number_of_columns: Mapped[int] = mapped_column(Integer)
    forked_from_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"), default=None)
    upload_date: Mapped[datetime] = mapped_column(default=utcnow)
    processing_date: Mapped[datetime | None] = mapped_column(default=None)

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


class Quality(Base):
    __tablename__ = "dataset_qualities"
    __table_args__ = (Index("ix_dataset_qualities_name_value", "name", "value", "dataset_id"),)

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float, default=None)


class Job(Base):
    """A durable unit of background work, claimed by one worker at a time under a lease."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    subject: Mapped[str] = mapped_column(String(128), default="", index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    worker: Mapped[str | None] = mapped_column(String(128), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
