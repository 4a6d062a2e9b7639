"""Helpers shared by the resource classes: paging and safe URL paths."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

from syn0.client.types import Page

Item = TypeVar("Item")


def pages(fetch: Callable[[str | None], Page[Item]]) -> Iterator[Item]:
    """Every item of a paged list: ``fetch(cursor)`` returns one page."""
    cursor = None
    while True:
        page = fetch(cursor)
        yield from page.items
        cursor = page.next_cursor
        if not cursor:
            return


def path(prefix: str, resource_id: str, suffix: str = "") -> str:
    """``/v1/jobs/{id}/metrics`` with the id quoted, so an odd id cannot change the route."""
    return f"{prefix}/{quote(resource_id, safe='')}{suffix}"


def given(params: dict[str, Any]) -> dict[str, Any]:
    """Query parameters without the unset ones."""
    return {key: value for key, value in params.items() if value is not None}
