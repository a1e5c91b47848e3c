"""Server settings, read from ``MLHIVE_*`` environment variables (never at import time)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class Settings(BaseSettings):
    """Everything the server needs to know about its environment.

    Build one with ``Settings()`` (environment) or ``Settings(data_dir=...)`` (explicit);
    :func:`mlhive.server.app.create_app` wires the whole application from it.
    """

    model_config = SettingsConfigDict(env_prefix="MLHIVE_", frozen=True, extra="ignore")

    data_dir: Path = Field(default=Path("mlhive-data"), description="SQLite file and local blobs.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = SQLite in data_dir.")
    storage_url: str = Field(
        default="", description="Blob store: empty = data_dir/storage, or s3://…"
    )
    storage_options: dict[str, object] = Field(default_factory=dict)
    request_busy_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long a request waits for SQLite's write lock before it answers 503 "
        "(background jobs wait up to 30 s).",
    )
    max_upload_bytes: int = Field(default=5 * 1024**3, ge=1)
    max_form_parts: int = Field(
        default=100,
        ge=1,
        description="Parts (fields and files) one multipart request may have.",
    )
    max_tensors_per_file: int = Field(
        default=10_000,
        ge=1,
        description="Tensors one pushed safetensors file may hold (each becomes a blob).",
    )
    # Each column becomes a feature row and a distribution; OpenML's catalogue has few datasets
    # beyond a few thousand features, and 10 000 columns process in seconds. A 5 GiB upload of
    # one-digit values is about 2.5 billion cells; a billion float cells is 8 GB in memory.
    max_columns: int = Field(
        default=10_000, ge=1, description="Columns (attributes) one dataset may have."
    )
    max_cells: int = Field(
        default=1_000_000_000, ge=1, description="Values (rows x columns) one dataset may hold."
    )
    worker: Literal["inline", "off"] = Field(
        default="inline", description="inline: jobs run in a thread of the server process."
    )
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    dask_scheduler: str = Field(
        default="",
        description="Address of a Dask scheduler (tcp://host:8786): AutoML trials and "
        "benchmark-suite runs are then submitted to that cluster (the dask extra); empty = "
        "local processes of the worker.",
    )
    job_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A running job's lease, renewed by its worker every third of it: a killed "
        "worker's job runs again about this long after.",
    )
    job_max_attempts: int = Field(default=3, ge=1)
    # The largest upload processes in minutes; a quarter of an hour is a backstop that only
    # pathological inputs reach, and it frees the worker for everyone else's jobs.
    job_time_limit_seconds: float = Field(
        default=900.0,
        ge=0,
        description="How long a job's heavy phase (dataset processing, run scoring) may run "
        "before its process is killed and the job fails; 0 = no limit (and no child process).",
    )
    migrate_on_start: bool = True
    auto_activate: bool = Field(
        default=True, description="Processed datasets become active without an admin's review."
    )
    landmarker_sample_rows: int = Field(default=5000, ge=50)
    auto_automl_budget: float = Field(
        default=0.0,
        ge=0,
        description="Seconds of AutoML every newly processed dataset with a default target "
        "gets: the hive makes its standard task, runs baselines and queues an AutoML search "
        "with this budget, all owned by the uploader; 0 = off (`mlhive demo` turns it on).",
    )
    url_fetch_allowed_hosts: str = Field(
        default="",
        description="Host names or addresses (comma-separated, as written in the URL) that "
        "datasets given by URL may be fetched from even when they are loopback, private or "
        "link-local; every other host must resolve to public addresses only.",
    )
    webhook_allowed_hosts: str = Field(
        default="",
        description="Host names or addresses (comma-separated, as written in the URL) that "
        "webhooks may be delivered to even when they are loopback, private or link-local; "
        "every other webhook host must resolve to public addresses only.",
    )
    webhook_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="How long one webhook delivery (resolving, connecting, the answer) may take.",
    )
    webhook_retry_seconds: float = Field(
        default=30.0,
        ge=0,
        description="The wait before a failed webhook delivery's first retry; each further "
        "retry waits four times longer.",
    )
    webhook_max_attempts: int = Field(
        default=5,
        ge=1,
        le=20,
        description="Delivery attempts per event and webhook before the server gives up.",
    )
    max_url_download_bytes: int = Field(
        default=0,
        ge=0,
        description="Largest file a dataset URL may deliver; 0 = max_upload_bytes.",
    )
    url_fetch_seconds: float = Field(
        default=300.0,
        gt=0,
        description="Time a dataset URL's download may take in all (redirects included).",
    )
    public_url: str = Field(
        default="",
        description="Base URL the server is reached at; absolute URLs in pages and OpenML "
        "documents are built from it (and the Host header is then not checked).",
    )
    trusted_hosts: str = Field(
        default=",".join(LOOPBACK_HOSTS),
        description="Without public_url: the Host names (comma-separated) the server answers; "
        "any other gets 400. `mlhive serve --host NAME` adds NAME; '*' trusts any host.",
    )
    session_days: float = Field(
        default=14.0, gt=0, le=366, description="How long a browser stays signed in."
    )
    # Budgets per API key (an address gets rate_limit_address_factor times as much), counted
    # in memory by each server process and, when shared, settled through the database every
    # half second so that several servers keep one budget; 0 requests a minute = no limit.
    rate_limit_per_minute: int = Field(
        default=1200, ge=0, description="Reads (GET/HEAD) a key may send a minute; 0 = off."
    )
    rate_limit_burst: int = Field(default=300, ge=1, description="Reads a key may send at once.")
    rate_limit_writes_per_minute: int = Field(
        default=300, ge=0, description="Writes (POST/PUT/PATCH/DELETE) a key may send a minute."
    )
    rate_limit_writes_burst: int = Field(default=100, ge=1)
    rate_limit_address_factor: int = Field(
        default=10,
        ge=1,
        description="An address's budget in keys' budgets: people behind one NAT share it.",
    )
    rate_limit_shared: bool | None = Field(
        default=None,
        description="Settle the budgets with the other server processes on the database "
        "(unset: on for PostgreSQL, where several servers share a hive; off for SQLite).",
    )

    @property
    def rate_limits_shared(self) -> bool:
        """:attr:`rate_limit_shared`, or whether the database is PostgreSQL when unset."""
        if self.rate_limit_shared is not None:
            return self.rate_limit_shared
        return self.resolved_database_url.startswith("postgresql")

    @property
    def trusted_host_names(self) -> frozenset[str]:
        """:attr:`trusted_hosts` as a set of lower-case names."""
        names = (name.strip().lower() for name in self.trusted_hosts.split(","))
        return frozenset(name for name in names if name)

    @property
    def url_fetch_allowed_host_names(self) -> frozenset[str]:
        """:attr:`url_fetch_allowed_hosts` as a set of lower-case names (IPv6 without [])."""
        names = (
            name.strip().lower().strip("[]") for name in self.url_fetch_allowed_hosts.split(",")
        )
        return frozenset(name for name in names if name)

    @property
    def webhook_allowed_host_names(self) -> frozenset[str]:
        """:attr:`webhook_allowed_hosts` as a set of lower-case names (IPv6 without [])."""
        names = (name.strip().lower().strip("[]") for name in self.webhook_allowed_hosts.split(","))
        return frozenset(name for name in names if name)

    @property
    def url_download_limit(self) -> int:
        """The size cap in force for dataset URLs (:attr:`max_url_download_bytes` or else
        :attr:`max_upload_bytes`)."""
        return self.max_url_download_bytes or self.max_upload_bytes

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL in force: the configured one, or SQLite under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'mlhive.sqlite3').resolve()}"

    @property
    def resolved_storage_url(self) -> str:
        """The blob store URL in force: the configured one, or a folder under ``data_dir``."""
        return self.storage_url or str((self.data_dir / "storage").resolve())
