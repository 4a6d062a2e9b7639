"""``POST /v1/models/{id}/predict`` served before routing: the hot path other services call.

FastAPI's per-request machinery (middleware layers, route matching, dependency
solving) costs more than a small model's forward pass. This middleware answers
predict requests straight from the model cache and renders failures with the app's
own exception handlers, so replies are byte-for-byte those the routed endpoint
would give. The routed endpoint in ``api.models`` documents the operation in the
OpenAPI schema and serves the same function.
"""

from __future__ import annotations

import re

import anyio.to_thread
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api import predict as serving
from api.auth import Principal, allow, identify
from api.deps import Runtime

PREDICT_PATH = re.compile(r"^/v1/models/(?P<model_id>[^/]+)/predict$")


class FastPredict:
    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = PREDICT_PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            runtime = self.fastapi_app.state.runtime
            header = request.headers.get("authorization")
            principal = await anyio.to_thread.run_sync(_predictor, runtime, header)
            response = await predict_response(
                self.fastapi_app.state.models, request, principal, match["model_id"]
            )
        except Exception as exc:
            response = await self._handle(request, exc)
        await response(scope, receive, send)

    async def _handle(self, request: Request, exc: Exception) -> Response:
        handlers = self.fastapi_app.exception_handlers
        handler = next(handlers[cls] for cls in type(exc).__mro__ if cls in handlers)
        return await handler(request, exc)


def _predictor(runtime: Runtime, authorization: str | None) -> Principal:
    """The caller, if its key may predict (a database lookup, so off the event loop)."""
    with runtime.sessions() as session:
        return allow(identify(runtime, session, authorization), "predict", "train")


async def predict_response(
    cache: serving.ModelCache, request: Request, principal: Principal, model_id: str
) -> Response:
    content = await serving.respond(cache, principal.tenant_id, model_id, await request.body())
    return Response(content, media_type="application/json")
