"""The models table: a trained network's spec, metrics and weights, whether a stopped job
left it (``partial``), and its lineage: the dataset's sha256, the syn0 version, and
for a replay the model it replays and whether the weights came out the same."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

import syn0.jobs.orm  # noqa: F401  (the tables its foreign keys name)
from syn0.kit.orm import Base, blob_column, new_id, tenant_column, utcnow


class Model(Base):
    __tablename__ = "models"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    # None: imported (POST /v1/models/import), or its job was deleted: the model keeps
    # everything needed to predict and its lineage; only the link to the job's metrics goes.
    job_id: Mapped[str | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), unique=True
    )
    dataset_id: Mapped[str | None] = mapped_column(String(32))
    network: Mapped[dict[str, Any]] = mapped_column(JSON)
    training: Mapped[dict[str, Any]] = mapped_column(JSON)
    task: Mapped[str] = mapped_column(String(16))
    classes: Mapped[list[Any] | None] = mapped_column(JSON)
    # Its dataset's feature names as given (null: x0, x1, ..., or images) and target column.
    feature_names: Mapped[list[str] | None] = mapped_column(JSON)
    target_name: Mapped[str | None] = mapped_column(String(200))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    n_params: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    weights: Mapped[bytes] = blob_column()
    # True: a cancelled or time-limited job's model, from its last checkpoint.
    partial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    epoch: Mapped[int | None] = mapped_column(Integer)  # the epoch whose weights these are
    dataset_sha256: Mapped[str | None] = mapped_column(String(64))
    syn0_version: Mapped[str | None] = mapped_column(String(32))
    replay_of: Mapped[str | None] = mapped_column(String(32))
    replay_identical: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
