"""Request and response models. Separate from the ORM models in ``store.orm``; responses
are built with ``Schema.model_validate(row)`` (``from_attributes=True``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from core import NetworkSpec, Summary, TrainingSpec
from core.backend import Device
from core.datasets import KINDS
from store.orm import Job

Task = Literal["classification", "regression"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
Item = TypeVar("Item")


def _utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


Timestamp = Annotated[datetime, AfterValidator(_utc)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = Field(description="?cursor= for the next page; null at the end")


# --- datasets -----------------------------------------------------------------------------


# Printable names only: no NUL or other control characters.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"


class DatasetIn(_In):
    """A dataset as JSON. Features are ``(n, features)``, ``(n, height, width)`` or
    ``(n, channels, height, width)``; targets one value per sample (numbers or class
    labels), or one row of numbers per sample for multi-output regression."""

    name: str = Field(min_length=1, max_length=200, pattern=NAME_PATTERN)
    features: list[Any] = Field(min_length=1, description="rectangular nested list of numbers")
    targets: list[Any] = Field(min_length=1, description="one target per sample")
    task: Task | None = Field(None, description="inferred from the targets when absent")


class DatasetUpload(BaseModel):
    """Multipart upload: a CSV (header row) or an ``.npz`` holding ``X`` and ``y``."""

    file: bytes = Field(json_schema_extra={"format": "binary"})
    target: str | None = Field(None, description="the CSV's target column (required for CSV)")
    name: str | None = Field(None, description="defaults to the file name")
    task: Task | None = None


class GenerateIn(_In):
    kind: Literal[KINDS]  # type: ignore[valid-type]
    n_samples: int = Field(500, ge=2, strict=True)
    noise: float = Field(0.0, ge=0, le=1)
    seed: int = Field(0, ge=0, strict=True)
    name: str | None = Field(None, min_length=1, max_length=200, pattern=NAME_PATTERN)


class DatasetOut(_Out):
    id: str
    name: str
    task: Task
    n_samples: int
    input_shape: list[int] = Field(description="what a NetworkSpec's input_shape should be")
    n_outputs: int = Field(description="number of classes, or of regression target columns")
    classes: list[Any] | None
    sha256: str
    created_at: Timestamp


# --- jobs ---------------------------------------------------------------------------------


class JobIn(_In):
    dataset_id: str = Field(min_length=1, max_length=32)
    network: NetworkSpec
    training: TrainingSpec
    max_runtime_seconds: int | None = Field(
        None,
        gt=0,
        description="fail the job as time-limit after this long (default and "
        "ceiling: the server's SYN0_MAX_RUNTIME_SECONDS)",
    )


class EstimatedWork(BaseModel):
    flops_per_sample: int = Field(description="forward FLOPs per sample")
    samples: int
    epochs: int
    total_flops: int = Field(description="flops_per_sample x samples x epochs")
    step_flops: float = Field(description="one training step: 3 x forward FLOPs x batch")


class Validation(BaseModel):
    valid: Literal[True] = True
    dataset_id: str
    summary: Summary
    estimated_work: EstimatedWork
    device: Device = Field(description="where the job would train (``auto`` decided)")
    warnings: list[str]


class Progress(BaseModel):
    epoch: int
    epochs: int
    fraction: float
    eta_seconds: float | None = Field(description="from the last epoch's time; null if unknown")


class JobError(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    detail: str
    epoch: int | None = None
    last_finite_loss: float | None = None


class JobOut(_Out):
    id: str
    dataset_id: str | None
    status: JobStatus
    network: dict[str, Any]
    training: dict[str, Any]
    progress: Progress
    latest_metrics: dict[str, Any] | None
    model_id: str | None
    error: JobError | None
    attempts: int
    history: list[dict[str, Any]] | None = Field(
        description="one entry per attempt: started_at, ended_at, outcome"
    )
    max_runtime_seconds: int | None
    cancel_requested: bool
    device: Device = Field(description="where it trains: the training spec's device, decided")
    notice: str | None = Field(
        None, description="why a queued job may wait, e.g. no GPU worker has been seen"
    )
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        if not isinstance(data, Job):
            return data
        computed = ("progress", "notice")
        fields = {name: getattr(data, name) for name in cls.model_fields if name not in computed}
        return {**fields, "progress": progress_of(data)}


def progress_of(job: Job) -> Progress:
    """``fraction = epoch / epochs``; the ETA is the last epoch's time x epochs left."""
    remaining = max(job.epochs - job.epoch, 0)
    seconds = (job.latest_metrics or {}).get("seconds")
    eta = None
    if job.status == "running" and isinstance(seconds, int | float):
        eta = round(seconds * remaining, 3)
    # An early-stopped job ends before its last epoch; it is still all done.
    done = job.status == "succeeded"
    fraction = 1.0 if done else (job.epoch / job.epochs if job.epochs else 0.0)
    return Progress(epoch=job.epoch, epochs=job.epochs, fraction=fraction, eta_seconds=eta)


class MetricOut(_Out):
    epoch: int
    loss: float
    val_loss: float | None
    accuracy: float | None
    val_accuracy: float | None
    mae: float | None
    val_mae: float | None
    r2: float | None
    val_r2: float | None
    penalty: float
    learning_rate: float
    seconds: float


class Metrics(BaseModel):
    job_id: str
    items: list[MetricOut] = Field(description="one row per finished epoch, in order")
    next_after: int | None = Field(description="pass as `after` for the next page; null: done")


# --- models -------------------------------------------------------------------------------


class ModelOut(_Out):
    id: str
    job_id: str
    dataset_id: str | None
    network: dict[str, Any]
    training: dict[str, Any]
    task: Task
    classes: list[Any] | None
    metrics: dict[str, Any] = Field(description="the final (or best, with early stopping) epoch")
    n_params: int
    sha256: str = Field(description="sha256 of the weights file")
    created_at: Timestamp


class PredictIn(BaseModel):
    inputs: list[Any] = Field(description="(n, *input_shape) nested list of numbers")


class PredictOut(BaseModel):
    model_id: str
    outputs: list[Any]
    labels: list[Any] | None = Field(None, description="classifiers: the user's class values")
    probabilities: list[list[float]] | None = Field(None, description="classifiers only")


# --- ops ----------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    database: Literal["ok"] = "ok"
    broker: Literal["ok"] = "ok"


# --- errors (for the OpenAPI document; api.errors renders them) ---------------------------


class FieldError(BaseModel):
    loc: str = Field(description='dotted field path, e.g. "network.layers.3"')
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details, served as ``application/problem+json``."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="stable URI, e.g. https://syn0.dev/problems/not-found")
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


_PROBLEM_DESCRIPTIONS = {
    401: "Missing, unknown or revoked API key",
    403: "The API key lacks the scope, or the tenant's storage quota is used up",
    404: "Not found",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input, spec or limit",
    429: "Too many requests or jobs; retry after Retry-After seconds",
    500: "Stored data is corrupt",
    503: "Database or broker unavailable, or too many large bodies at once",
}

_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
_PROBLEM_HEADERS = {429: _RETRY_AFTER, 503: _RETRY_AFTER}


def keyed(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``problems`` of an operation that needs an API key: 401, 403 and 429 too."""
    return problems(401, 403, 429, *statuses)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem replies a route can give."""
    return {
        status: {
            "model": Problem,
            "description": _PROBLEM_DESCRIPTIONS[status],
            **({"headers": _PROBLEM_HEADERS[status]} if status in _PROBLEM_HEADERS else {}),
        }
        for status in statuses
    }
