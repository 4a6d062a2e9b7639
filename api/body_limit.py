"""Request bodies: their size limit (``max_request_bytes``), enforced before a body is
used, and how many bytes of large bodies one process handles at once
(``max_body_bytes_in_flight``).

A declared ``Content-Length`` over the limit is refused before the body is read; a
streamed (chunked) body is counted as it arrives and refused once it passes the limit.
Both are 413 problems naming the limit.

A large body (over ``LARGE_BODY_BYTES``) holds memory while it is read, parsed and
stored: its own bytes and its arrays, up to a few times its size. Such bodies share a
per-process budget, so a burst of large uploads is refused (503 with Retry-After) rather
than exhausting the machine's memory; small requests never wait on it.
"""

from __future__ import annotations

from collections import deque

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syn0.kit.errors import ServiceUnavailable
from syn0.kit.json_stream import STREAM_BODY_BYTES
from syn0.kit.problems import problem

LARGE_BODY_BYTES = STREAM_BODY_BYTES
RETRY_AFTER_SECONDS = 2


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, max_in_flight: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_in_flight = max_in_flight
        self.in_flight = 0  # bytes of large bodies being handled (one event loop: no lock)

    def _detail(self, size: int | None) -> str:
        received = f"{size:,} bytes" if size is not None else "more"
        return (
            f"the request body is {received}, over the limit of {self.max_bytes:,} bytes "
            "(set by SYN0_MAX_REQUEST_BYTES)"
        )

    def _busy(self, size: int) -> ServiceUnavailable:
        refusal = ServiceUnavailable(
            f"this server is handling {self.in_flight:,} bytes of large request bodies; "
            f"{size:,} more would pass the limit of {self.max_in_flight:,} (set by "
            f"SYN0_MAX_BODY_BYTES_IN_FLIGHT); retry after {RETRY_AFTER_SECONDS} s",
            limit=self.max_in_flight,
        )
        refusal.headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return refusal

    def _admits(self, size: int, own: int = 0) -> bool:
        """Room for ``size`` more bytes of a body holding ``own`` already; a body is
        always admitted when no other is in flight."""
        return self.in_flight == own or self.in_flight + size <= self.max_in_flight

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        size = int(declared) if declared.isdigit() else None
        if size is not None and size > self.max_bytes:
            response = problem(
                413,
                "payload-too-large",
                "Payload too large",
                self._detail(size),
                limit=self.max_bytes,
            )
            await response(scope, receive, send)
            return
        if size is not None and size <= LARGE_BODY_BYTES:
            # The server delivers no more than the declared length: nothing to count.
            await self.app(scope, receive, send)
            return
        held = size if size is not None else 0
        if held and not self._admits(held):
            busy = self._busy(held)
            response = problem(
                503, busy.slug, busy.title, busy.detail, headers=busy.headers, **busy.extra
            )
            await response(scope, receive, send)
            return
        self.in_flight += held
        received = 0

        async def counted() -> Message:
            nonlocal received, held
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException, so FastAPI's body parsing passes it on unchanged.
                    raise HTTPException(413, self._detail(None))
                if received > max(held, LARGE_BODY_BYTES):  # a chunked body: held as it grows
                    grown = received - held
                    if not self._admits(grown, held):
                        busy = self._busy(grown)
                        raise HTTPException(503, busy.detail, busy.headers)
                    self.in_flight += grown
                    held = received
            return message

        try:
            await self.app(scope, counted, send)
        finally:
            self.in_flight -= held


class Body:
    """A request body as the chunks it arrived in: never copied whole on the event loop
    (a growing buffer is, each time it grows) and, read as a file, let go of as it is
    read, so a streamed parse holds only what is still unparsed."""

    def __init__(self) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._at = 0  # read so far of the first chunk

    def __len__(self) -> int:
        return self._size

    def append(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._size += len(chunk)

    def bytes(self) -> bytes:
        """The whole body at once (for the one-shot parsers of small bodies)."""
        return b"".join(self._chunks)

    def read(self, size: int = -1) -> bytes:
        """The next ``size`` bytes at most, dropped from the body once read."""
        if size == 0:  # what a reader asks first, to learn bytes from text
            return b""
        while self._chunks:
            chunk = self._chunks[0]
            end = len(chunk) if size < 0 else self._at + size
            piece = chunk[self._at : end]
            self._at += len(piece)
            if self._at >= len(chunk):
                self._chunks.popleft()
                self._at = 0
            if piece:
                return piece
        return b""


async def read_body(request: Request) -> Body:
    """The body, unlike Starlette's ``request.body()`` neither joined (twice the body
    at that moment) nor cached on the request, where it would outlive its parsing.
    ``ClientDisconnect`` if the client hangs up first."""
    body = Body()
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            body.append(chunk)
        if not message.get("more_body", False):
            return body
