"""Tables of jobs: the job, its metrics per epoch and its latest checkpoint; the
statuses a job goes through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import syn0.datasets.orm  # noqa: F401  (the tables its foreign keys name)
from syn0.kit.orm import Base, blob_column, new_id, tenant_column, utcnow

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
ACTIVE = (QUEUED, RUNNING)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)  # a job in one never changes again
CPU, GPU = "cpu", "gpu"


class Job(Base):
    __tablename__ = "jobs"
    # An Idempotency-Key names one request of one tenant.
    # A sweep's trial ``sweep_trial`` is one job: two processes advancing the sweep at
    # once cannot both make it.
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        UniqueConstraint("sweep_id", "sweep_trial"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    dataset_id: Mapped[str | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), index=True
    )
    network: Mapped[dict[str, Any]] = mapped_column(JSON)
    training: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True, default=QUEUED)
    epochs: Mapped[int] = mapped_column(Integer)
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    max_runtime_seconds: Mapped[int | None] = mapped_column(Integer)
    # Where it trains, resolved at submit (``auto`` is decided then): its broker queue.
    device: Mapped[str] = mapped_column(String(8), default=CPU, server_default=CPU)
    # One entry per attempt: {attempt, started_at, ended_at, outcome}.
    history: Mapped[list[Any] | None] = mapped_column(JSON)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    latest_metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A succeeded job's report on its validation split (syn0.core.evaluation).
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    model_id: Mapped[str | None] = mapped_column(String(32))
    # The stopped job this one continues from the checkpoint of (``POST .../resume``).
    resumed_from: Mapped[str | None] = mapped_column(String(32))
    # The model whose spec and dataset this job trains again (``POST .../replay``).
    replay_of: Mapped[str | None] = mapped_column(String(32))
    # The sweep this job is trial number ``sweep_trial`` of (``syn0.sweeps``).
    sweep_id: Mapped[str | None] = mapped_column(String(32), index=True)
    sweep_trial: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobMetric(Base):
    __tablename__ = "job_metrics"
    __table_args__ = (UniqueConstraint("job_id", "epoch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    epoch: Mapped[int] = mapped_column(Integer)
    loss: Mapped[float] = mapped_column(Float)
    val_loss: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    val_accuracy: Mapped[float | None] = mapped_column(Float)
    mae: Mapped[float | None] = mapped_column(Float)
    val_mae: Mapped[float | None] = mapped_column(Float)
    r2: Mapped[float | None] = mapped_column(Float)
    val_r2: Mapped[float | None] = mapped_column(Float)
    penalty: Mapped[float] = mapped_column(Float)
    learning_rate: Mapped[float] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)


METRIC_FIELDS = (
    "loss",
    "val_loss",
    "accuracy",
    "val_accuracy",
    "mae",
    "val_mae",
    "r2",
    "val_r2",
    "penalty",
    "learning_rate",
    "seconds",
)


class JobCheckpoint(Base):
    """The latest checkpoint of a job (one row per job, replaced as training goes on)."""

    __tablename__ = "checkpoints"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer)
    epoch: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = blob_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
