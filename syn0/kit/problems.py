"""The one set of handlers that renders every error.

Services raise the exceptions of ``syn0.kit.errors`` (never ``HTTPException``); the
handlers turn them, and everything else that can go wrong, into
``application/problem+json`` (RFC 9457):
``type`` (a stable URI), ``title``, ``status``, ``detail`` and, for input errors, an
``errors`` array of ``{loc, msg}`` naming the failing field paths (``"network.layers.3"``).
No stack trace ever leaves the server.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.responses import Response

from syn0.core import SpecError
from syn0.kit.blobs import CorruptBlob
from syn0.kit.errors import (
    ApiError,
    CorruptData,
    InvalidInput,
    InvalidSpec,
    NotFound,
    ServiceUnavailable,
    UnsupportedMediaType,
    field_path,
)
from syn0.kit.paging import BadCursor

log = logging.getLogger(__name__)

PROBLEMS = "https://syn0.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemResponse(Response):
    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# --- domain exceptions --------------------------------------------------------------------


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
    return await _api_error(request, InvalidSpec.from_core(exc))


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
