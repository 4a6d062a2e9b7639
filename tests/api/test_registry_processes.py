"""An alias moved through one API process reaches another within the documented bound
(``SYN0_REGISTRY_CACHE_SECONDS``): two uvicorn processes on one store, on the embedded
default (a SQLite file) and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import sessionmaker

from syn0.kit.db import make_engine
from syn0.tenants.repository import new_key
from tests.api.factories import mlp, points, train_model, training
from tests.services import (
    ROOT,
    api_command,
    free_port,
    migrate,
    private_schema,
    require_postgres,
)

BOUND = 1.0  # SYN0_REGISTRY_CACHE_SECONDS for both processes
MARGIN = 1.0  # a request's own time on a busy machine
PREDICT = {"inputs": [[0.5, -1.0]]}


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, httpx.Client]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(api_command(port), cwd=ROOT, env=env, stdout=out, stderr=out)
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {env['SYN0_ADMIN_KEY']}"},
        timeout=30,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if client.get("/readyz").status_code == 200:
                return process, client
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"uvicorn did not start:\n{log.read_text()}")


@pytest.fixture(params=["sqlite", "postgresql"])
def two_apis(request, tmp_path) -> Iterator[tuple[httpx.Client, httpx.Client, sessionmaker]]:
    """API processes A and B on one store, and the store's sessions."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'syn0.db'}"
        else:
            url = stack.enter_context(private_schema(require_postgres()))
        migrate(url)
        env = {
            **os.environ,
            "SYN0_DATABASE_URL": url,
            "SYN0_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.db'}",
            "SYN0_ADMIN_KEY": new_key(),
            "SYN0_REGISTRY_CACHE_SECONDS": str(BOUND),
        }
        clients = []
        for name in ("a", "b"):
            process, client = _serve(env, tmp_path / f"{name}.log")
            stack.callback(process.wait, 10)
            stack.callback(process.terminate)
            stack.callback(client.close)
            clients.append(client)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        yield clients[0], clients[1], sessionmaker(engine, expire_on_commit=False)


def test_an_alias_moved_through_one_process_reaches_the_other_within_the_bound(two_apis):
    # given: two versions, `production` at v1, and B serving v1 (so B has it cached)
    a, b, sessions = two_apis
    X, y = points(40)
    models = [
        train_model(sessions, a, X, y, mlp(), training(epochs=e, seed=e)).model_id for e in (3, 6)
    ]
    a.put("/v1/registry/churn", json={})
    for model_id in models:
        assert a.post("/v1/registry/churn/versions", json={"model_id": model_id}).is_success
    a.put("/v1/registry/churn/aliases/production", json={"version": 1})
    predict = "/v1/registry/churn/predict?alias=production"
    assert b.post(predict, json=PREDICT).json()["version"] == 1
    # when: A moves it to v2
    assert a.put("/v1/registry/churn/aliases/production", json={"version": 2}).is_success
    moved = time.monotonic()
    # then: A answers with v2 at once, B within the bound (never an error meanwhile)
    assert a.post(predict, json=PREDICT).headers["syn0-model-version"] == "2"
    seen = []
    while time.monotonic() - moved < BOUND + MARGIN:
        reply = b.post(predict, json=PREDICT)
        assert reply.status_code == 200, reply.text
        seen.append(reply.json()["version"])
        if seen[-1] == 2:
            break
        time.sleep(0.02)
    assert seen[-1] == 2, f"B still answered v1 {time.monotonic() - moved:.2f} s after the move"
    assert reply.json()["model_id"] == models[1] and set(seen) <= {1, 2}
