"""One typed ``Settings``, read once from ``SYN0_*`` environment variables.

The API, the worker, the store and the migrations all read this object, so a
deployment is configured in one place. Outside ``development`` it refuses the
embedded defaults (a SQLite file and a broker on SQLite) so a production stack
never starts on them by accident.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, NonNegativeFloat, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from syn0.core.backend import GPU_MIN_STEP_FLOPS

# Standard Webhooks' (Svix's) schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (a day and
# a bit in all), then the delivery is failed.
WEBHOOK_RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)


def default_data_dir() -> Path:
    """The user's data folder for syn0 (``~/.local/share/syn0`` on Linux): the same from
    any working directory. ``make run`` passes the checkout's ``var/`` instead."""
    return Path(user_data_dir("syn0", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYN0_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    # The embedded default's files (the SQLite database and broker) live
    # in one folder, made absolute once, here: a command works the same from any folder.
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = Field("", description="default: sqlite:///<data_dir>/syn0.db")
    broker_url: str = Field("", description="default: sqla+sqlite:///<data_dir>/broker.db")

    # Who may call: API keys on every /v1 request (docs/security.md).
    auth: bool = Field(True, description="False: no keys, one tenant; local experiments only")
    admin_key: SecretStr | None = Field(
        None, description="stored at start as an admin key of the tenant 'admin' (bootstrap)"
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="origins allowed to call from a browser; none: off"
    )
    key_cache_seconds: float = Field(
        1.0, ge=0, description="a verified key is trusted this long per process; 0: never"
    )
    tenant_max_active_jobs: int = Field(100, gt=0, description="queued + running, per tenant")
    tenant_max_stored_bytes: int = Field(
        2 * 2**30, gt=0, description="datasets + model weights, per tenant"
    )
    tenant_requests_per_minute: int = Field(
        60_000, gt=0, description="per tenant and API process (429 past it)"
    )
    key_failures_per_minute: int = Field(
        30, gt=0, description="unknown keys per client address and API process (429 past it)"
    )

    # Limits, enforced before any work starts and reported with their value.
    max_request_bytes: int = Field(64 * 2**20, gt=0)
    max_body_bytes_in_flight: int = Field(
        256 * 2**20,
        gt=0,
        description="bodies over 256 KiB handled at once per API process (503 past it)",
    )
    max_header_bytes: int = Field(
        16 * 2**10, gt=0, description="request line and headers (431 past it)"
    )
    max_dataset_cells: int = Field(20_000_000, gt=0, description="rows x features")
    max_parameters: int = Field(20_000_000, gt=0)
    max_epoch_samples: int = Field(200_000_000, gt=0, description="epochs x samples")
    max_classes: int = Field(1000, gt=1, description="distinct labels of one dataset")
    max_label_chars: int = Field(200, gt=0, description="characters of one class label")
    explain_max_values: int = Field(
        2_000_000, gt=0, description="numbers in one explain reply (weights, gradients, values)"
    )
    page_size_max: int = Field(100, gt=0)
    predict_cache_size: int = Field(32, gt=0, description="models kept loaded per process")
    registry_cache_seconds: float = Field(
        1.0, ge=0, description="an alias's version is trusted this long per process; 0: never"
    )
    metrics_flush_seconds: float = Field(1.0, ge=0, description="batching of metric writes")
    # Server-sent events: each open stream polls the store (never one process's memory).
    events_poll_seconds: float = Field(0.5, gt=0, description="how often a stream reads the store")
    events_heartbeat_seconds: float = Field(
        15.0, gt=0, description="a comment line this often keeps proxies from closing a stream"
    )
    events_max_streams: int = Field(100, gt=0, description="open event streams per API process")
    cancel_poll_seconds: float = Field(0.5, ge=0)
    max_queued_jobs: int = Field(1000, gt=0, description="queued + running jobs (429 past it)")
    sweep_max_trials: int = Field(1000, gt=0, description="trials of one sweep (a grid's points)")

    # Recovery: heartbeats, the reaper, checkpoints, attempts and time limits.
    heartbeat_seconds: float = Field(5.0, gt=0, description="a running job's heartbeat period")
    heartbeat_grace_seconds: float = Field(
        60.0, gt=0, description="no heartbeat for this long: the reaper requeues the job"
    )
    queued_grace_seconds: float = Field(
        120.0, gt=0, description="queued this long without a worker: the reaper sends it again"
    )
    reap_interval_seconds: float = Field(
        15.0, gt=0, description="how often each worker runs the reaper (in a thread of its own)"
    )
    max_attempts: int = Field(3, gt=0, description="attempts before a lost job is failed")
    checkpoint_every_epochs: int = Field(5, gt=0)
    checkpoint_min_seconds: float = Field(
        2.0, ge=0, description="and at most this often, so tiny epochs do not write constantly"
    )
    max_runtime_seconds: int = Field(
        6 * 3600, gt=0, description="ceiling of a job's max_runtime_seconds (and its default)"
    )
    db_retry_seconds: float = Field(
        120.0, ge=0, description="how long a worker retries writes while the database is down"
    )
    worker_dataset_cache_bytes: int = Field(
        256 * 2**20, ge=0, description="dataset arrays a training process keeps; 0: none"
    )
    worker_blas_threads: int | None = Field(
        None, gt=0, description="BLAS threads per training process (unset: CPUs / processes)"
    )

    # Devices: where a worker trains, and where ``device: auto`` sends a job.
    worker_device: Literal["cpu", "gpu"] = Field(
        "cpu", description="a gpu worker trains on CuPy and takes only the gpu queue"
    )
    gpu_min_step_flops: float = Field(
        GPU_MIN_STEP_FLOPS, gt=0, description="auto sends a job to a GPU from this step size"
    )
    worker_seen_seconds: float = Field(
        60.0, gt=0, description="a worker silent for this long no longer counts as present"
    )

    # Webhooks: who may be called, how long a try may take, when a failed one is retried.
    webhooks_allow_private: bool = Field(
        False,
        description="allow webhook URLs on loopback, private or link-local addresses (tests)",
    )
    webhooks_timeout_seconds: float = Field(
        10.0, gt=0, description="one delivery try: connect, send and read the reply"
    )
    webhooks_retry_schedule: list[NonNegativeFloat] = Field(
        default_factory=lambda: list(WEBHOOK_RETRY_SCHEDULE),
        min_length=1,
        description="seconds before each retry of a failed delivery (JSON list); then failed",
    )
    webhooks_interval_seconds: float = Field(
        1.0, gt=0, description="how often each worker fans events out and sends due deliveries"
    )
    webhooks_max_per_tenant: int = Field(20, gt=0, description="webhooks of one tenant")
    events_retention_days: float = Field(
        30.0, gt=0, description="events and ended webhook deliveries are kept this long"
    )

    # Operations: Prometheus metrics and logs.
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token of GET /metrics; unset: open in development, 404 otherwise",
    )
    metrics_dir: Path | None = Field(
        None, description="a folder the processes of a machine share: /metrics sums them all"
    )
    log_format: Literal["text", "json"] = Field("text", description="json: one object a line")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        """``SYN0_METRICS_TOKEN=`` (docker-compose's default) means no token, never ``""``."""
        return None if value == "" else value

    @model_validator(mode="after")
    def _files_in_the_data_dir(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        self.database_url = self.database_url or f"sqlite:///{self.data_dir / 'syn0.db'}"
        self.broker_url = self.broker_url or f"sqla+sqlite:///{self.data_dir / 'broker.db'}"
        return self

    @model_validator(mode="after")
    def _no_embedded_defaults_in_production(self) -> Settings:
        if self.environment == "production":
            if not self.auth:
                raise ValueError("SYN0_AUTH=false is for local experiments, not production")
            if self.database_url.startswith("sqlite"):
                raise ValueError("SYN0_DATABASE_URL must name a server database in production")
            if self.broker_url.startswith("sqla+"):
                raise ValueError("SYN0_BROKER_URL must name a broker server in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
