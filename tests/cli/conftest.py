"""The ``syn0`` command run as a subprocess against a real API and worker.

The stack itself is ``syn0 serve`` on the embedded default (a SQLite file and a SQLite
broker in a temp directory): it migrates, starts a worker and serves the API, and the
teardown checks that SIGTERM stops both. The commands find it through ``SYN0_URL``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from syn0.client import Client
from tests.services import ROOT, free_port

EXAMPLES = ROOT / "examples"


@dataclass
class Result:
    code: int
    out: str
    err: str


Syn0 = Callable[..., Result]


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "syn0.cli", *args]


def server_env(directory: Path) -> dict[str, str]:
    """Settings for an embedded syn0 whose files live in ``directory``."""
    return {
        **os.environ,
        "SYN0_DATABASE_URL": f"sqlite:///{directory / 'syn0.db'}",
        "SYN0_BROKER_URL": f"sqla+sqlite:///{directory / 'broker.db'}",
        "SYN0_METRICS_FLUSH_SECONDS": "0",
        # The webhooks' receivers of the tests listen on loopback.
        "SYN0_WEBHOOKS_ALLOW_PRIVATE": "true",
        "SYN0_WEBHOOKS_INTERVAL_SECONDS": "0.2",
        "SYN0_DATA_DIR": str(directory),  # serve's metrics folder too
    }


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


@dataclass
class Served:
    url: str
    key: str  # the API key `syn0 serve` printed at its first start
    log: Path  # serve's output, its worker's included


START_SECONDS = 60  # two cores shared by a parallel run: an unloaded start takes ~7 s


def start_serve(directory: Path, env: dict[str, str], **popen) -> tuple[subprocess.Popen, str]:
    """``syn0 serve`` on a free port, run in ``directory`` (its output appended to
    ``serve.log`` there), once it answers: the process and its URL. A port taken between
    ``free_port`` and serve's bind (by a process of a parallel test) is tried again on
    another one."""
    for _ in range(3):
        port = free_port()
        log = directory / "serve.log"
        logged = log.stat().st_size if log.exists() else 0
        with log.open("ab") as output:
            server = subprocess.Popen(
                command("serve", "--port", str(port)),
                cwd=directory,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                **popen,
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_SECONDS
        while not _ready(base):
            if server.poll() is not None and b"address already in use" in _since(log, logged):
                break  # serve stopped its worker on the way out
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()  # its worker is told to stop when it dies
                server.wait()
                pytest.fail(f"syn0 serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        else:
            return server, base
    pytest.fail(f"syn0 serve found no free port in 3 tries:\n{log.read_text()}")


def _since(path: Path, offset: int) -> bytes:
    with path.open("rb") as file:
        file.seek(offset)
        return file.read()


def printed_key(directory: Path) -> str:
    """The API key `syn0 serve` printed at its first start."""
    printed = re.search(r"^  (syn0_\S+)$", (directory / "serve.log").read_text(), re.M)
    assert printed, (directory / "serve.log").read_text()
    return printed[1]


@pytest.fixture(scope="package")
def served(tmp_path_factory) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("served")
    server, base = start_serve(directory, server_env(directory))
    workers = children(server.pid)
    yield Served(base, printed_key(directory), directory / "serve.log")
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    assert workers and not any(Path(f"/proc/{pid}").exists() for pid in workers)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz").status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="package")
def url(served: Served) -> str:
    return served.url


@pytest.fixture(scope="package")
def env(served: Served) -> dict[str, str]:
    return {**os.environ, "SYN0_URL": served.url, "SYN0_API_KEY": served.key}


@pytest.fixture(scope="package")
def syn0(env: dict[str, str]) -> Syn0:
    """``syn0(*args, input=None)`` runs the command and returns its result."""

    def run(*args: str | Path, input: str | None = None) -> Result:
        done = subprocess.run(
            command(*map(str, args)),
            input=input,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=60,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture(scope="package")
def api(served: Served) -> Iterator[Client]:
    """The Python client, for setting up and checking what the commands did."""
    with Client(served.url, api_key=served.key) as client:
        yield client
