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
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from syn0.api.body_limit import read_body
from syn0.kit.problems import render
from syn0.models import serving
from syn0.tenants.auth import Principal, allow

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
            principal = allow(request.state.principal, "predict", "train")
            response = await predict_response(
                self.fastapi_app.state.models, request, principal, match["model_id"]
            )
        except ClientDisconnect:
            return  # the client went away mid-body: there is no one to answer
        except Exception as exc:
            response = await render(self.fastapi_app, request, exc)
        await response(scope, receive, send)


async def predict_response(
    cache: serving.ModelCache, request: Request, principal: Principal, model_id: str
) -> Response:
    body = await read_body(request)
    large = len(body) > serving.INLINE_BODY_BYTES
    if large:  # read as it is parsed: its memory goes before the forward pass
        X = await anyio.to_thread.run_sync(serving.parse_large_inputs, body)
    else:
        X = serving.parse_inputs(body.bytes())
    content = await serving.respond(cache, principal.tenant_id, model_id, X, large)
    if isinstance(content, bytes):
        return Response(content, media_type="application/json")
    return StreamingResponse(content, media_type="application/json")
