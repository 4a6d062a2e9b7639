"""Domain exceptions and the one set of handlers that renders every error.

Services raise the exceptions below (never ``HTTPException``); the handlers turn them,
and everything else that can go wrong, into ``application/problem+json`` (RFC 9457):
``type`` (a stable URI), ``title``, ``status``, ``detail`` and, for input errors, an
``errors`` array of ``{loc, msg}`` naming the failing field paths (``"network.layers.3"``).
No stack trace ever leaves the server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any, get_args

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.responses import Response

from core import SpecError
from core.spec import LAYER_TYPES, OPTIMIZER_TYPES, SCHEDULE_TYPES
from store.blobs import CorruptBlob
from store.paging import BadCursor

log = logging.getLogger(__name__)

PROBLEMS = "https://syn0.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemResponse(Response):
    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# --- domain exceptions --------------------------------------------------------------------


class ApiError(Exception):
    """Base of the domain exceptions: a status, a stable problem slug and a human title."""

    status = 500
    slug = "internal-error"
    title = "Internal server error"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, *, errors: Sequence[dict] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.extra = extra


class NotFound(ApiError):
    status, slug, title = 404, "not-found", "Resource not found"


class Conflict(ApiError):
    status, slug, title = 409, "conflict", "Conflict with the resource's current state"


class InvalidInput(ApiError):
    """Request data that cannot be used; ``loc`` names the field when there is one."""

    status, slug, title = 422, "validation-error", "Invalid request"

    def __init__(self, detail: str, loc: str | None = None, **extra: Any):
        errors = [{"loc": loc, "msg": detail}] if loc else None
        super().__init__(detail, errors=errors, **extra)


class InvalidSpec(InvalidInput):
    status, slug, title = 422, "invalid-spec", "Invalid network or training spec"


class LimitExceeded(InvalidInput):
    """A configured limit; the reply carries the ``limit``, the ``value`` and the setting."""

    status, slug, title = 422, "limit-exceeded", "Limit exceeded"

    def __init__(self, what: str, value: int, limit: int, setting: str, loc: str):
        detail = (
            f"{what} is {value:,}, over the limit of {limit:,} "
            f"(set by SYN0_{setting.upper()}); make the request smaller"
        )
        super().__init__(detail, loc, limit=limit, value=value, setting=setting)


class TooManyJobs(ApiError):
    """``max_queued_jobs`` (or a tenant's ``tenant_max_active_jobs``) queued or running:
    try again later (429 with Retry-After)."""

    status, slug, title = 429, "too-many-jobs", "Too many jobs"

    def __init__(self, active: int, limit: int, retry_after: int, setting: str = "max_queued_jobs"):
        whose = "of this tenant " if setting.startswith("tenant_") else ""
        super().__init__(
            f"{active:,} jobs {whose}are queued or running, the limit is {limit:,} (set by "
            f"SYN0_{setting.upper()}); retry after {retry_after} s, or cancel a job",
            limit=limit,
            value=active,
        )
        self.headers = {"Retry-After": str(retry_after)}


class Unauthorized(ApiError):
    """No API key, or one the store does not know (or has revoked)."""

    status, slug, title = 401, "unauthorized", "Missing or invalid API key"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": 'Bearer realm="syn0"'}


class Forbidden(ApiError):
    """A valid key without the scope the operation needs."""

    status, slug, title = 403, "forbidden", "The API key lacks a scope"


class QuotaExceeded(ApiError):
    """A tenant's stored bytes (``tenant_max_stored_bytes``)."""

    status, slug, title = 403, "quota-exceeded", "Storage quota exceeded"


class RateLimited(ApiError):
    """Events per minute past a limit: a tenant's requests (``tenant_requests_per_minute``),
    an address's unknown keys (``key_failures_per_minute``). 429 + Retry-After."""

    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, limit: int, retry_after: int, what: str, setting: str):
        super().__init__(
            f"{what} are over the limit of {limit:,} a minute (set by "
            f"SYN0_{setting.upper()}); retry after {retry_after} s",
            limit=limit,
        )
        self.headers = {"Retry-After": str(retry_after)}


class UnsupportedMediaType(ApiError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class CorruptData(ApiError):
    """Stored bytes that fail their checksum: the store's fault, never the client's."""

    status, slug, title = 500, "corrupt-data", "Stored data is corrupt"


class ServiceUnavailable(ApiError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[dict] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    """A problem+json response; ``slug`` is appended to the problem-type base URI."""
    body: dict[str, Any] = {
        "type": slug if slug == "about:blank" else PROBLEMS + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update({key: _json_number(value) for key, value in extra.items()})
    return ProblemResponse(body, status_code=status, headers=headers)


def _json_number(value: Any) -> Any:
    """An integer past 64 bits (a limit's ``value`` for an absurd request) as a float:
    JSON has no bound, but the encoder does."""
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        return float(value)
    return value


def field_path(loc: Iterable[str | int]) -> str:
    """``("body", "network", "layers", 3, "dense", "units")`` -> ``"network.layers.3.units"``:
    the path in the request's JSON, without pydantic's discriminated-union tags."""
    parts: list[str] = []
    for part in loc:
        if part in UNION_TAGS and parts and (parts[-1].isdigit() or parts[-1] in TAGGED_FIELDS):
            continue
        parts.append(str(part))
    if parts[:1] == ["body"]:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _tags(*unions: Any) -> set[str]:
    return {member.model_fields["type"].default for union in unions for member in get_args(union)}


# Pydantic puts the chosen member's tag into the error path of a discriminated union.
UNION_TAGS = _tags(LAYER_TYPES, OPTIMIZER_TYPES, SCHEDULE_TYPES)
TAGGED_FIELDS = {"optimizer", "lr_schedule"}


# --- handlers -----------------------------------------------------------------------------


async def render(app: FastAPI, request: Request, exc: Exception) -> Response:
    """The reply the app's own handlers give to ``exc``, for middleware that answers
    before routing (so its replies are those a route would give)."""
    handlers = app.exception_handlers
    handler = next(handlers[cls] for cls in type(exc).__mro__ if cls in handlers)
    return await handler(request, exc)


async def _api_error(request: Request, exc: ApiError) -> Response:
    if exc.status >= 500:
        level = logging.WARNING if exc.status == 503 else logging.ERROR
        log.log(level, "%s %s: %s", request.method, request.url.path, exc.detail)
    return problem(
        exc.status, exc.slug, exc.title, exc.detail, exc.errors, headers=exc.headers, **exc.extra
    )


def _validation_message(error: dict) -> str:
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error") or error.get("msg", "")
        return f"the request body is not valid JSON: {reason}"
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")


def validation_errors(raw: Sequence[dict]) -> list[dict]:
    """Pydantic/FastAPI errors as ``{loc, msg}`` with dotted field paths."""
    errors = []
    for error in raw:
        loc = ("body",) if error.get("type") == "json_invalid" else error.get("loc", ())
        errors.append({"loc": field_path(loc), "msg": _validation_message(error)})
    return errors


async def _request_validation(request: Request, exc: RequestValidationError) -> Response:
    errors = validation_errors(exc.errors())
    first = errors[0] if errors else {"loc": "body", "msg": "invalid request"}
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    detail = f"{first['loc']}: {first['msg']}{more}"
    return problem(422, "validation-error", InvalidInput.title, detail, errors)


async def _spec_error(request: Request, exc: SpecError) -> Response:
    errors = [{"loc": field_path(exc.loc) if exc.loc else "body", "msg": exc.message}]
    return problem(422, InvalidSpec.slug, InvalidSpec.title, exc.message, errors)


async def _bad_cursor(request: Request, exc: BadCursor) -> Response:
    detail = f"{exc}; pass a next_cursor from a previous page, or none for the first page"
    return problem(
        422,
        "validation-error",
        InvalidInput.title,
        detail,
        [{"loc": "query.cursor", "msg": detail}],
    )


async def _corrupt_blob(request: Request, exc: CorruptBlob) -> Response:
    return await _api_error(request, CorruptData(f"{exc}; the operators must restore it"))


async def _database_down(request: Request, exc: OperationalError) -> Response:
    reason = getattr(exc, "orig", None) or exc
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, reason)
    detail = "the database is unavailable; retry later"
    return problem(
        503, ServiceUnavailable.slug, ServiceUnavailable.title, detail, headers={"Retry-After": "5"}
    )


_HTTP_PROBLEMS = {
    400: ("bad-request", "Bad request"),
    404: (NotFound.slug, NotFound.title),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("payload-too-large", "Payload too large"),
    415: (UnsupportedMediaType.slug, UnsupportedMediaType.title),
    503: (ServiceUnavailable.slug, ServiceUnavailable.title),
}


async def _http_error(request: Request, exc: HTTPException) -> Response:
    unreadable = _unreadable_body(exc)
    if unreadable is not None:
        errors = [{"loc": "body", "msg": unreadable}]
        return problem(422, "validation-error", InvalidInput.title, unreadable, errors)
    phrase = HTTPStatus(exc.status_code).phrase
    slug, title = _HTTP_PROBLEMS.get(exc.status_code, ("about:blank", phrase))
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = _allowed_methods(request, exc) if exc.status_code == 405 else exc.headers
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no endpoint at {request.url.path}"
    return problem(exc.status_code, slug, title, detail, headers=headers)


def _unreadable_body(exc: HTTPException) -> str | None:
    """The detail for a body the framework could not read, which it reports as a bare 400:
    FastAPI's JSON that is not text or nests too deeply, Starlette's malformed multipart.
    They are answered like any invalid JSON, a 422 naming the body."""
    if exc.status_code != 400:
        return None
    if isinstance(exc.__context__, MultiPartException):
        return f"the multipart/form-data body cannot be parsed: {exc.__context__.message}"
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return f"the request body is not valid JSON: it is not UTF-8 text ({cause.reason})"
    if isinstance(cause, RecursionError):
        return "the request body is not valid JSON: it is nested too deeply"
    return None


def _allowed_methods(request: Request, exc: HTTPException) -> dict[str, str] | None:
    """A 405's ``Allow``: every method documented on the refusing route's path (Starlette
    names only that route's own, and ``/v1/datasets`` has a GET and a POST route)."""
    path = getattr(request.scope.get("route"), "path_format", None)
    operations = request.app.openapi()["paths"].get(path)
    if not operations:
        return exc.headers
    return {**(exc.headers or {}), "Allow": ", ".join(sorted(map(str.upper, operations)))}


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        500,
        "internal-error",
        ApiError.title,
        "an unexpected error occurred; it has been logged for the operators",
    )


def install(app: FastAPI) -> None:
    """Register every handler: the only place errors become responses."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(SpecError, _spec_error)
    app.add_exception_handler(BadCursor, _bad_cursor)
    app.add_exception_handler(CorruptBlob, _corrupt_blob)
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(PoolTimeout, _database_down)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
