"""Limits kept before any endpoint runs: the size of a request's head (431), on a real
uvicorn process with syn0's protocol, as `syn0 serve` and the Dockerfile run it; and the
unknown keys one address may send (429)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from syn0.api.server import PROTOCOL
from tests.api.factories import assert_problem
from tests.services import ROOT, api_command, free_port

LIMIT = 16 * 1024


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log

    def rss_bytes(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(line.split()[1]) * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("uvicorn") / "api.log"
    port = free_port()
    env = {**os.environ, "SYN0_MAX_HEADER_BYTES": str(LIMIT)}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            api_command(port, "--http", PROTOCOL), cwd=ROOT, env=env, stdout=out, stderr=out
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"uvicorn did not start:\n{log.read_text()}")
    yield Server(process, port, log)
    process.terminate()
    process.wait(10)


def _request(authorization: bytes) -> bytes:
    return b"GET /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + authorization


def _read_reply(sock: socket.socket, seconds: float = 10) -> bytes:
    """Everything the server sends until it closes the connection (or ``seconds``)."""
    sock.settimeout(seconds)
    reply = b""
    try:
        while chunk := sock.recv(65536):
            reply += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return reply


def _problem(reply: bytes) -> dict:
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower(), head
    return json.loads(body)


def test_a_head_within_the_limit_is_served(server):
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 15_000 + b"\r\n\r\n")
        reply = _read_reply(sock, seconds=5)
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]


def test_a_head_over_the_limit_is_431(server):
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(_request(b"k" * 20_000) + b"\r\n\r\n")
        reply = _read_reply(sock)
    assert reply.startswith(b"HTTP/1.1 431 "), reply[:200]
    problem = _problem(reply)
    assert (problem["status"], problem["limit"]) == (431, LIMIT)
    assert problem["type"].endswith("/request-header-fields-too-large")
    assert "SYN0_MAX_HEADER_BYTES" in problem["detail"]
    assert time.monotonic() - started < 5


def test_a_50_mb_header_is_refused_without_being_read(server):
    # found by attack: four 50 MB Authorization headers added 540 MB and took 10 s each
    rss_before = server.rss_bytes()
    sent, total = 0, 50 * 2**20
    sock = socket.create_connection(("127.0.0.1", server.port))

    def send() -> None:
        nonlocal sent
        chunk = b"k" * 2**20
        try:
            sock.sendall(_request(b""))
            while sent < total:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the server closed the connection: what we wanted

    sender = threading.Thread(target=send, daemon=True)
    started = time.monotonic()
    sender.start()
    reply = _read_reply(sock)
    sender.join(10)
    sock.close()

    assert reply.startswith(b"HTTP/1.1 431 "), reply[:200]
    assert time.monotonic() - started < 10
    assert sent < total, "the server read the whole 50 MB header"
    assert server.rss_bytes() - rss_before < 20 * 2**20
    assert httpx.get(f"http://127.0.0.1:{server.port}/healthz").status_code == 200


def test_unknown_keys_from_one_address_are_429_past_the_limit(make_client):
    # given: an address that may send 3 unknown keys a minute
    client = make_client(key=None, key_failures_per_minute=3)
    guess = {"Authorization": "Bearer syn0_000000000000_" + "x" * 43}

    # when
    replies = [client.get("/v1/jobs", headers=guess) for _ in range(4)]

    # then
    for reply in replies[:3]:
        assert_problem(reply, 401, "unauthorized")
    problem = assert_problem(replies[3], 429, "rate-limited")
    assert "SYN0_KEY_FAILURES_PER_MINUTE" in problem["detail"]
    assert int(replies[3].headers["retry-after"]) >= 1
