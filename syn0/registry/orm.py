"""Tables of the registry: registered models (a tenant's names), their versions (1, 2,
... per name, each one a model), the aliases that point at versions, and every move
of an alias (set, rollback, delete), kept for good."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import syn0.models.orm  # noqa: F401  (the tables its foreign keys name)
from syn0.kit.orm import Base, new_id, tenant_column, utcnow

NAME_CHARS, ALIAS_CHARS = 100, 63
SET, ROLLBACK, DELETE = "set", "rollback", "delete"  # what moved an alias


class RegisteredModel(Base):
    """A name of a tenant's. ``latest_version`` is the last version number handed out;
    it is raised under the row's lock, so concurrent registrations get 1, 2, 3, ..."""

    __tablename__ = "registered_models"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    name: Mapped[str] = mapped_column(String(NAME_CHARS))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ModelVersion(Base):
    """Version ``version`` of a registered model: a model, once per name. A model that
    is a version cannot be deleted (the foreign key restricts it)."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "registered_model_id"),)

    registered_model_id: Mapped[str] = mapped_column(
        ForeignKey("registered_models.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="RESTRICT"))
    created_by: Mapped[str | None] = mapped_column(String(16))  # the key's prefix
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ModelAlias(Base):
    """Where an alias points now."""

    __tablename__ = "model_aliases"
    __table_args__ = (
        ForeignKeyConstraint(
            ["registered_model_id", "version"],
            ["model_versions.registered_model_id", "model_versions.version"],
            ondelete="CASCADE",
        ),
    )

    registered_model_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    alias: Mapped[str] = mapped_column(String(ALIAS_CHARS), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AliasMove(Base):
    """One move of an alias: ``from_version`` is null when it was made, ``to_version``
    when it was deleted. Ids grow with time, so they order the moves."""

    __tablename__ = "alias_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registered_model_id: Mapped[str] = mapped_column(
        ForeignKey("registered_models.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(ALIAS_CHARS))
    action: Mapped[str] = mapped_column(String(16))
    from_version: Mapped[int | None] = mapped_column(Integer)
    to_version: Mapped[int | None] = mapped_column(Integer)
    moved_by: Mapped[str | None] = mapped_column(String(16))  # the key's prefix
    moved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
