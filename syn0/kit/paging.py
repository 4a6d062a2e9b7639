"""Cursor paging, newest first: the cursor is the (created_at, id) of the last row seen."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_

from syn0.kit.orm import is_id


class BadCursor(ValueError):
    """A cursor that this server did not hand out."""


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = f"{created_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, row_id = raw.split("|", 1)
        if not is_id(row_id):
            raise ValueError(row_id)
        return datetime.fromisoformat(stamp), row_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor(f"invalid cursor {cursor!r}") from exc


def page(session, query: Select, model: Any, limit: int, cursor: str | None):
    """Run ``query`` newest first from ``cursor``; return (rows, next cursor or None)."""
    if cursor:
        stamp, row_id = decode_cursor(cursor)
        query = query.where(
            or_(model.created_at < stamp, and_(model.created_at == stamp, model.id < row_id))
        )
    query = query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
    rows = list(session.scalars(query))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.created_at, last.id)
