"""The datasets table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

import syn0.tenants.orm  # noqa: F401  (the tables its foreign keys name)
from syn0.kit.orm import Base, blob_column, new_id, tenant_column, utcnow


class Dataset(Base):
    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    name: Mapped[str] = mapped_column(String(200))
    task: Mapped[str] = mapped_column(String(16))
    n_samples: Mapped[int] = mapped_column(Integer)
    input_shape: Mapped[list[Any]] = mapped_column(JSON)
    n_outputs: Mapped[int] = mapped_column(Integer)
    classes: Mapped[list[Any] | None] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    # The names of flat features as given (a CSV's header, `feature_names`); null: none
    # given (they read as x0, x1, ...) or images.
    feature_names: Mapped[list[str] | None] = mapped_column(JSON)
    target_name: Mapped[str | None] = mapped_column(String(200))  # a CSV's target column
    # {kind, n_samples, noise, seed} for a generated dataset; null for an upload.
    generator: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    data: Mapped[bytes] = blob_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
