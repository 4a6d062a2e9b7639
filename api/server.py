"""The HTTP server's side of the limits: uvicorn's httptools protocol with a bound on
each request's head (the request line and headers, ``SYN0_MAX_HEADER_BYTES``).

httptools, the parser ``uvicorn[standard]`` picks, has no such bound: it gathers a
header of any length before the app sees a byte, so a 50 MB ``Authorization`` header
was read whole. This protocol feeds the parser at most the limit's worth of a head; a
longer one is answered 431 (problem+json) and the connection closed, the rest of it
never parsed or kept.
Run it with ``--http syn0.api.server:HeadLimitedHttpTools`` (``syn0 serve``, the Dockerfile
and docker-compose.yml do).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from syn0.kit.problems import PROBLEM_MEDIA_TYPE, PROBLEMS
from syn0.settings import get_settings

log = logging.getLogger(__name__)
PROTOCOL = "syn0.api.server:HeadLimitedHttpTools"  # uvicorn's --http
# After a 431: what is still read (and dropped) before the connection is closed. Closing
# with unread bytes makes the kernel send a reset, which can destroy the reply before
# the client reads it; a short drain lets it arrive (a "lingering close").
LINGER_SECONDS = 1.0
LINGER_BYTES = 256 * 2**10


class HeadLimitedHttpTools(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_head_bytes = get_settings().max_header_bytes
        self._in_head = True  # until the current request's headers are complete
        self._head_bytes = 0  # of the current head, fed to the parser so far
        self._heads = 0  # heads completed on this connection
        self._linger: int | None = None  # bytes left to drop after a refusal

    def data_received(self, data: bytes) -> None:
        if self._linger is not None:  # refused: drop what is still arriving
            self._linger -= len(data)
            if self._linger < 0:
                self.transport.close()
            return
        if not self._in_head:
            super().data_received(data)
            return
        room = self.max_head_bytes - self._head_bytes
        head, rest = (data, b"") if len(data) <= room else (data[:room], data[room:])
        heads = self._heads
        if head:
            super().data_received(head)
        if self._heads == heads:  # no head completed: every byte fed belongs to one
            self._head_bytes += len(head)
            if rest:
                self._refuse()
        elif rest and not self.transport.is_closing():
            self.data_received(rest)

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        self._heads += 1
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head = True
        super().on_message_complete()

    def _refuse(self) -> None:
        """431, then close: the rest of the head is never parsed or kept."""
        log.warning(
            "refused a request head over %d bytes from %s", self.max_head_bytes, self.client
        )
        body = orjson.dumps(
            {
                "type": PROBLEMS + "request-header-fields-too-large",
                "title": "Request header fields too large",
                "status": 431,
                "detail": f"the request line and headers are over the limit of "
                f"{self.max_head_bytes:,} bytes (set by SYN0_MAX_HEADER_BYTES)",
                "limit": self.max_head_bytes,
            }
        )
        head = (
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: " + PROBLEM_MEDIA_TYPE.encode() + b"\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n"
        )
        self.transport.write(head + body)
        self._linger = LINGER_BYTES
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
