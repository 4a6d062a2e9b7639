"""The models table: a trained network's spec, metrics and weights."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

import syn0.jobs.orm  # noqa: F401  (the tables its foreign keys name)
from syn0.kit.orm import Base, blob_column, new_id, tenant_column, utcnow


class Model(Base):
    __tablename__ = "models"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    # None: imported (POST /v1/models/import), not trained by a job.
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id"), unique=True)
    dataset_id: Mapped[str | None] = mapped_column(String(32))
    network: Mapped[dict[str, Any]] = mapped_column(JSON)
    training: Mapped[dict[str, Any]] = mapped_column(JSON)
    task: Mapped[str] = mapped_column(String(16))
    classes: Mapped[list[Any] | None] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    n_params: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    weights: Mapped[bytes] = blob_column()
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
