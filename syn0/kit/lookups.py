"""The one tenant-scoped lookup (``owned``: a row by id that belongs to the tenant) and
the one not-found reply (``found``).

Another tenant's id and an id that does not exist read the same ("no model with id
..."), so replies never tell one tenant what another has."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from syn0.kit.errors import NotFound
from syn0.kit.orm import is_id

Row = TypeVar("Row")


def owned(
    session: Session, table: type[Row], tenant_id: str, row_id: str, *, lock: bool = False
) -> Row | None:
    """The row ``row_id`` of ``table`` if it belongs to ``tenant_id``, else None (also
    for a string that is not an id at all); ``lock``: ``FOR UPDATE`` until the
    transaction ends (PostgreSQL)."""
    if not is_id(row_id):
        return None
    query = select(table).where(table.id == row_id, table.tenant_id == tenant_id)
    return session.scalar(query.with_for_update() if lock else query)


def found(row: Row | None, what: str, key: str, name: str = "id") -> Row:
    """``row``, or ``NotFound("no {what} with {name} {key!r}")`` when there is none."""
    if row is None:
        raise NotFound(f"no {what} with {name} {key!r}")
    return row
