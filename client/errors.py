"""Typed exceptions for the API's ``application/problem+json`` replies (RFC 9457).

Every error carries the problem's fields: ``status``, ``type``, ``title``, ``detail`` and,
for input errors, ``errors`` (``[{"loc": "network.layers.0.units", "msg": ...}]``). Any
other members of the problem (``limit``, ``value``, ``job_status``, ...) are in ``extra``.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

PROBLEMS = "https://syn0.dev/problems/"


class Syn0Error(Exception):
    """An error reply from the API, or no reply at all (``ConnectionFailed``)."""

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        type: str = "about:blank",
        title: str = "",
        errors: list[dict[str, str]] | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.type = type
        self.title = title
        self.errors = errors or []
        self.extra = extra or {}
        self.retry_after = retry_after  # seconds, from a 429's or 503's Retry-After

    def __str__(self) -> str:
        prefix = f"{self.status} {self.title}: " if self.status else ""
        return prefix + self.detail


class Unauthorized(Syn0Error):
    """401: no API key was sent, or the server does not know it (or it was revoked)."""


class Forbidden(Syn0Error):
    """403: the key lacks the scope (``extra["scope"]``), or the tenant's storage quota
    is used up (type ``quota-exceeded``)."""


class NotFound(Syn0Error):
    """404: no such dataset, job, model or endpoint."""


class Conflict(Syn0Error):
    """409: e.g. cancelling a finished job, deleting a dataset a job uses."""


class ValidationFailed(Syn0Error):
    """422: the request, the spec or its fit to the dataset is wrong; see ``errors``."""


class LimitExceeded(ValidationFailed):
    """422 ``limit-exceeded``: a configured limit; ``limit``, ``value`` and ``setting``."""

    @property
    def limit(self) -> int | None:
        return self.extra.get("limit")

    @property
    def value(self) -> int | None:
        return self.extra.get("value")

    @property
    def setting(self) -> str | None:
        return self.extra.get("setting")


class PayloadTooLarge(Syn0Error):
    """413: the request body is over the server's ``SYN0_MAX_REQUEST_BYTES``."""


class TooManyJobs(Syn0Error):
    """429: the server's queue is full (``SYN0_MAX_QUEUED_JOBS``); submit again after
    ``retry_after`` seconds. Not retried automatically: the queue drains at training
    speed, so the caller decides whether to wait."""


class RateLimited(Syn0Error):
    """429 ``rate-limited``: the tenant's requests per minute; wait ``retry_after``."""


class ServerError(Syn0Error):
    """5xx: a bug or corrupt stored data; the server logged it."""


class ServiceUnavailable(ServerError):
    """503: the database or the broker is down (retried before it is raised)."""


class ConnectionFailed(Syn0Error):
    """The server could not be reached (retried before it is raised); ``status`` is None."""


_BY_STATUS: dict[int, type[Syn0Error]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationFailed,
    429: TooManyJobs,
    503: ServiceUnavailable,
}


def from_response(response: httpx.Response) -> Syn0Error:
    """The exception for an error reply; a body that is not a problem keeps its text."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "detail" not in body:
        text = response.text.strip()[:500] or response.reason_phrase
        body = {"title": response.reason_phrase, "detail": text}
    kind = str(body.get("type", "about:blank"))
    if kind == PROBLEMS + "limit-exceeded":
        cls: type[Syn0Error] = LimitExceeded
    elif kind == PROBLEMS + "rate-limited":
        cls = RateLimited
    else:
        cls = _BY_STATUS.get(status, ServerError if status >= 500 else Syn0Error)
    known = {"type", "title", "status", "detail", "errors"}
    return cls(
        str(body["detail"]),
        status=status,
        type=kind,
        title=str(body.get("title", response.reason_phrase)),
        errors=[e for e in body.get("errors") or [] if isinstance(e, dict)],
        extra={key: value for key, value in body.items() if key not in known},
        retry_after=retry_after_seconds(response),
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None
