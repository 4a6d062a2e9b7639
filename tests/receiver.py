"""A real HTTP receiver of webhooks on loopback, for the tests: a threaded
``http.server`` that records every POST and answers with the status codes it is told
(200 once they run out). It can be stopped and started again on the same port, and
speak TLS with a certificate of the tests' own."""

from __future__ import annotations

import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.services import free_port


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lowercase names
    body: bytes


class Receiver:
    def __init__(
        self,
        *replies: int,
        location: str = "http://127.0.0.1:9/elsewhere",
        tls: ssl.SSLContext | None = None,
    ):
        self.port = free_port()
        self.tls = tls
        self.replies = deque(replies)
        self.location = location  # of a 3xx reply
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}/hooks/syn0"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._lock:
                    receiver.received.append(Received(self.path, headers, body))
                    status = receiver.replies.popleft() if receiver.replies else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:  # quiet
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening: tries get "connection refused" until ``start`` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait(self, count: int, seconds: float = 30) -> list[Received]:
        """The first ``count`` POSTs, once they have arrived."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received[:count])
            time.sleep(0.05)
        raise AssertionError(f"{len(self.received)} POSTs after {seconds} s, expected {count}")

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *_) -> None:
        self.stop()
