"""Every request, outermost: its ``X-Request-ID``, one log line, its metrics.

The id is the client's ``X-Request-ID`` when it is sane (1 to 128 characters of letters,
digits and ``._:+/=@-``), else a new one; it is returned on every response (errors and
refusals by the inner middleware too; not on a 500 from an unhandled exception, which
Starlette renders outside every middleware, though its log line carries the id) and put
on every log line of the request (``syn0.kit.logs.REQUEST_ID``). When the reply ends:
one ``syn0.http`` log line (method, route template, path, status, duration, request id,
tenant), and the counters ``syn0_http_requests_total`` and
``syn0_http_request_duration_seconds`` by route template, never the raw path (ids would
make a series each).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syn0.kit import metrics
from syn0.kit.logs import REQUEST_ID

log = logging.getLogger("syn0.http")
HEADER = b"x-request-id"
SANE_ID = re.compile(rb"[A-Za-z0-9._:+/=@-]{1,128}")
UNMATCHED = "unmatched"  # the route label of a request no route took (404s, preflights)


class Observe:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # unless a reply starts: an exception escaped the app

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # The 500 is rendered (and logged) by Starlette's outermost middleware, after
            # this one: the id stays set for that log line (the request's task ends next).
            _record(scope, status, time.perf_counter() - started, request_id)
            raise
        _record(scope, status, time.perf_counter() - started, request_id)
        REQUEST_ID.reset(token)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER and SANE_ID.fullmatch(value):
            return value.decode()
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The path the matched route was declared with (``/v1/jobs/{job_id}``)."""
    route = scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED


def _record(scope: Scope, status: int, seconds: float, request_id: str) -> None:
    route, method = route_template(scope), scope["method"]
    metrics.HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    metrics.HTTP_SECONDS.labels(route=route, method=method).observe(seconds)
    principal = scope.get("state", {}).get("principal")
    tenant = getattr(principal, "tenant_id", None)
    if log.isEnabledFor(logging.INFO):
        log.info(
            "%s %s %d %.1f ms",
            method,
            scope["path"],
            status,
            seconds * 1000,
            extra={
                "method": method,
                "route": route,
                "path": scope["path"],
                "status": status,
                "duration_seconds": round(seconds, 6),
                "request_id": request_id,
                "tenant": tenant,
            },
        )
