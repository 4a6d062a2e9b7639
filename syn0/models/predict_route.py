"""``POST /v1/models/{id}/predict``: the hot path other services call, as a real route.

FastAPI's per-request dependency solving and body validation cost more than a small
model's forward pass, so this route's ASGI app calls its endpoint straight: the key's
scope is checked with ``allow`` (the ``Authenticate`` middleware already found the key),
and the body is decoded by ``PredictIn`` in ``syn0.models.serving``. Everything else is
an ordinary route: matched by the router, described in the OpenAPI document from the
endpoint (``syn0.models.endpoints``), its errors rendered by the app's handlers.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from syn0.api.body_limit import read_body
from syn0.kit import csv_io
from syn0.models import serving
from syn0.models.loader import ModelLoader
from syn0.tenants.auth import Principal, allow


class PredictRoute(APIRoute):
    """An ``APIRoute`` whose ASGI app calls the endpoint ``(model_id, request, principal)``
    straight: no dependency solving, no body validation by FastAPI, no per-request exit
    stacks (the endpoint has no dependencies to close). Its errors reach the app's
    exception handlers like any route's. ``path_param``: the path parameter passed first
    (the registry's predict passes the name)."""

    path_param = "model_id"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.app = self._serve

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        principal = allow(request.state.principal, "predict", "train")
        try:
            response = await self.endpoint(
                scope["path_params"][self.path_param], request, principal
            )
        except ClientDisconnect:
            return  # the client went away mid-body: there is no one to answer
        await response(scope, receive, send)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def predict_response(
    loader: ModelLoader,
    request: Request,
    principal: Principal,
    model_id: str,
    fields: dict[str, Any] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> Response:
    """The reply of the model ``model_id``; ``fields`` follow ``model_id`` in it (the
    registry's version and alias), ``headers`` (encoded, lowercase) go with it."""
    body = await read_body(request)
    large = len(body) > serving.INLINE_BODY_BYTES
    if _media_type(request) == csv_io.MEDIA_TYPE:  # named columns: the model's names first
        loaded = await loader.get(principal.tenant_id, model_id)
        X = await anyio.to_thread.run_sync(serving.parse_csv, body, loaded)
    elif large:  # read as it is parsed: its memory goes before the forward pass
        X = await anyio.to_thread.run_sync(serving.parse_large_inputs, body)
    else:
        X = serving.parse_inputs(body.bytes())
    as_csv = csv_io.MEDIA_TYPE in request.headers.get("accept", "")
    media_type = csv_io.MEDIA_TYPE if as_csv else "application/json"
    content = await serving.respond(loader, principal.tenant_id, model_id, X, large, fields, as_csv)
    if isinstance(content, bytes):
        response = Response(content, media_type=media_type)
    else:
        response = StreamingResponse(content, media_type=media_type)
    if headers:
        response.raw_headers.extend(headers)
    return response
