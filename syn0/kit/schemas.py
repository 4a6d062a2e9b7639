"""Schemas every domain shares: timestamps, pages and the problem+json replies in the
OpenAPI document (``syn0.kit.errors`` renders them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Item = TypeVar("Item")


def _utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


Timestamp = Annotated[datetime, AfterValidator(_utc)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = Field(description="?cursor= for the next page; null at the end")


class FieldError(BaseModel):
    loc: str = Field(description='dotted field path, e.g. "network.layers.3"')
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details, served as ``application/problem+json``."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="stable URI, e.g. https://syn0.dev/problems/not-found")
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


_PROBLEM_DESCRIPTIONS = {
    401: "Missing, unknown or revoked API key",
    403: "The API key lacks the scope, or the tenant's storage quota is used up",
    404: "Not found",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input, spec or limit",
    429: "Too many requests or jobs; retry after Retry-After seconds",
    500: "Stored data is corrupt",
    503: "Database or broker unavailable, or too many large bodies at once",
}

_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
_PROBLEM_HEADERS = {429: _RETRY_AFTER, 503: _RETRY_AFTER}


def keyed(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``problems`` of an operation that needs an API key: 401, 403 and 429 too."""
    return problems(401, 403, 429, *statuses)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem replies a route can give."""
    return {
        status: {
            "model": Problem,
            "description": _PROBLEM_DESCRIPTIONS[status],
            **({"headers": _PROBLEM_HEADERS[status]} if status in _PROBLEM_HEADERS else {}),
        }
        for status in statuses
    }
