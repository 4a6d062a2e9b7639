"""``POST /v1/models/{id}/predict``: the hot path other services call, as a real route.

FastAPI's per-request dependency solving and body validation cost more than a small
model's forward pass, so this route's handler calls its endpoint straight: the key's
scope is checked with ``allow`` (the ``Authenticate`` middleware already found the key),
and the body is decoded by ``PredictIn`` in ``syn0.models.serving``. Everything else is
an ordinary route: matched by the router, described in the OpenAPI document from the
endpoint (``syn0.models.endpoints``), its errors rendered by the app's handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio.to_thread
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse

from syn0.api.body_limit import read_body
from syn0.models import serving
from syn0.models.loader import ModelLoader
from syn0.tenants.auth import Principal, allow

# A reply to a client that hung up mid-body; nobody reads it (nginx's "client closed").
CLIENT_CLOSED = 499


class PredictRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        endpoint = self.endpoint

        async def handle(request: Request) -> Response:
            principal = allow(request.state.principal, "predict", "train")
            try:
                return await endpoint(request.path_params["model_id"], request, principal)
            except ClientDisconnect:
                return Response(status_code=CLIENT_CLOSED)

        return handle


async def predict_response(
    loader: ModelLoader, request: Request, principal: Principal, model_id: str
) -> Response:
    body = await read_body(request)
    large = len(body) > serving.INLINE_BODY_BYTES
    if large:  # read as it is parsed: its memory goes before the forward pass
        X = await anyio.to_thread.run_sync(serving.parse_large_inputs, body)
    else:
        X = serving.parse_inputs(body.bytes())
    content = await serving.respond(loader, principal.tenant_id, model_id, X, large)
    if isinstance(content, bytes):
        return Response(content, media_type="application/json")
    return StreamingResponse(content, media_type="application/json")
