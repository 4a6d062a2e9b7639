"""The sweeps table. A sweep's trials are ordinary jobs carrying its id and their
number (``jobs.sweep_id``, ``jobs.sweep_trial``); the sweep keeps its search space and
how many trials it has made, so whichever process advances it next needs nothing in
memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

import syn0.datasets.orm  # noqa: F401  (the tables its foreign keys name)
from syn0.kit.orm import Base, new_id, tenant_column, utcnow

RUNNING, SUCCEEDED, FAILED, CANCELLED = "running", "succeeded", "failed", "cancelled"
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
GRID, RANDOM, ASHA = "grid", "random", "asha"
PRUNED = "pruned"  # the error type of an ASHA trial stopped at a rung (status cancelled)


class Sweep(Base):
    __tablename__ = "sweeps"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    dataset_id: Mapped[str | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), index=True
    )
    network: Mapped[dict[str, Any]] = mapped_column(JSON)
    training: Mapped[dict[str, Any]] = mapped_column(JSON)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(8))
    metric: Mapped[str] = mapped_column(String(16))
    goal: Mapped[str] = mapped_column(String(8))
    max_trials: Mapped[int] = mapped_column(Integer)
    max_parallel: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    # ASHA only: the first rung's epochs and the reduction factor.
    min_epochs: Mapped[int | None] = mapped_column(Integer)
    eta: Mapped[int | None] = mapped_column(Integer)
    max_runtime_seconds: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True, default=RUNNING)
    # Trials 0 .. trials_created - 1 exist (as jobs); raised under the row's lock.
    trials_created: Mapped[int] = mapped_column(Integer, default=0)
    best_job_id: Mapped[str | None] = mapped_column(String(32))
    best_value: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
