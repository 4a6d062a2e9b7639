"""One real stack (uvicorn API + Celery worker, embedded default) for the client tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syn0.client import Client
from tests.e2e.conftest import Stack


@pytest.fixture(scope="package")
def stack(tmp_path_factory) -> Iterator[Stack]:
    running = Stack("embedded", tmp_path_factory.mktemp("client-stack"))
    yield running
    # The stack is thrown away: no need for Celery's warm shutdown (seconds on SQLite).
    running.processes[0].kill()
    running.stop()


@pytest.fixture(scope="package")
def syn0(stack: Stack) -> Iterator[Client]:
    with Client(stack.url, api_key=stack.key) as client:
        yield client
