"""Request and response models of jobs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from typing_extensions import TypeAliasType

from syn0.core import NetworkSpec, Summary, TrainingSpec
from syn0.core.backend import Device
from syn0.jobs.orm import FINISHED, Job
from syn0.kit.schemas import In, Out, Timestamp
from syn0.models.evaluation_schemas import Evaluation

# A named component of the OpenAPI document; `x-finished` lists the final statuses.
JobStatus = TypeAliasType(
    "JobStatus",
    Annotated[
        Literal["queued", "running", "succeeded", "failed", "cancelled"],
        Field(
            description="`x-finished`: the statuses a job ends in and never leaves",
            json_schema_extra={"x-finished": list(FINISHED)},
        ),
    ],
)


class JobIn(In):
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


class JobOut(Out):
    id: str
    dataset_id: str | None
    status: JobStatus
    network: dict[str, Any]
    training: dict[str, Any]
    progress: Progress
    latest_metrics: dict[str, Any] | None = Field(
        description="the last finished epoch, keyed by MetricOut's field names"
    )
    model_id: str | None = Field(
        description="its model: a succeeded job's, or a stopped job's partial one"
    )
    resumed_from: str | None = Field(
        description="the stopped job whose last checkpoint this job continues from"
    )
    replay_of: str | None = Field(description="the model whose spec and dataset it trains again")
    sweep_id: str | None = Field(None, description="the sweep this job is a trial of")
    sweep_trial: int | None = Field(None, description="its trial number in that sweep, from 0")
    error: JobError | None
    evaluation: Evaluation | None = Field(
        description="a succeeded job with a validation split: the report of its model on "
        "that split, as POST /v1/models/{id}/evaluate gives it"
    )
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


class ResumeIn(In):
    epochs: int = Field(
        gt=0,
        le=2**31 - 1,
        description="the new job's total epochs, counted from the first: more than the "
        "checkpoint's epoch",
    )
    max_runtime_seconds: int | None = Field(
        None, gt=0, description="the new job's time limit (default: the stopped job's)"
    )


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


class MetricOut(Out):
    """One finished epoch; its fields name every metric a job reports."""

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
