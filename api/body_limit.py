"""The request-size limit (``max_request_bytes``), enforced before a body is used.

A declared ``Content-Length`` over the limit is refused before the body is read; a
streamed (chunked) body is counted as it arrives and refused once it passes the limit.
Both are 413 problems naming the limit.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syn0.kit.problems import problem


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self, size: int | None) -> str:
        received = f"{size:,} bytes" if size is not None else "more"
        return (
            f"the request body is {received}, over the limit of {self.max_bytes:,} bytes "
            "(set by SYN0_MAX_REQUEST_BYTES)"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = problem(
                413,
                "payload-too-large",
                "Payload too large",
                self._detail(int(declared)),
                limit=self.max_bytes,
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException, so FastAPI's body parsing passes it on unchanged.
                    raise HTTPException(413, self._detail(None))
            return message

        await self.app(scope, counted, send)
