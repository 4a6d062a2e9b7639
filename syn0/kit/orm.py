"""The ORM base every table derives from, ids and the clock. Blobs (dataset arrays,
weights) are deferred and raise if loaded by accident, so list queries never drag
megabytes out of the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    LargeBinary,
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """Random, not sequential: ids reveal nothing about other users' objects."""
    return uuid.uuid4().hex


def is_id(value: str) -> bool:
    """True for a string shaped like an id this store hands out (32 lowercase hex digits).

    Anything else can name no row, so lookups answer "not found" without asking the
    database (which may refuse odd bytes such as NUL outright)."""
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def blob_column() -> Any:
    return mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)


def tenant_column() -> Any:
    return mapped_column(ForeignKey("tenants.id"), index=True)
