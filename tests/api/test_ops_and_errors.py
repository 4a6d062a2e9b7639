from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from api.app import create_app
from store.db import make_engine
from tests.api.factories import assert_problem, dataset_json


@pytest.fixture
def down_client(settings, tmp_path):
    """An app whose database cannot be opened (the path is a directory)."""
    engine = make_engine(f"sqlite:///{tmp_path}")
    app = create_app(settings, session_factory=sessionmaker(engine))
    with TestClient(app) as test_client:
        yield test_client
    engine.dispose()


def test_healthz(client):
    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_checks_the_database_and_the_broker(client):
    response = client.get("/readyz")

    assert (response.status_code, response.json()) == (200, {"database": "ok", "broker": "ok"})


def test_readyz_and_routes_are_503_while_the_database_is_down(down_client):
    ready = down_client.get("/readyz")
    listing = down_client.get("/v1/datasets")

    problem = assert_problem(ready, 503, "service-unavailable")
    assert problem["checks"] == {"database": "unavailable", "broker": "ok"}
    problem = assert_problem(listing, 503, "service-unavailable")
    assert problem["detail"] == "the database is unavailable; retry later"


def test_body_over_the_limit_is_413_before_it_is_read(make_client):
    client = make_client(max_request_bytes=1000)

    response = client.post("/v1/datasets", json=dataset_json(n=100))

    problem = assert_problem(response, 413, "payload-too-large")
    assert problem["limit"] == 1000 and "1,000 bytes" in problem["detail"]


def test_streamed_body_over_the_limit_is_413(make_client):
    client = make_client(max_request_bytes=1000)
    chunks = (b'{"name": "x", "features": [' + b"[1, 2]," * 50 for _ in range(10))

    response = client.post("/v1/jobs", content=chunks, headers={"content-type": "application/json"})

    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload-too-large")


def test_unknown_route_and_method(client):
    assert_problem(client.get("/v1/nothing"), 404, "not-found")
    assert_problem(client.put("/v1/datasets"), 405, "method-not-allowed")


def test_an_unexpected_error_is_a_500_without_details(make_client):
    client = make_client()

    def boom() -> None:
        raise RuntimeError("secret internals")

    client.app.add_api_route("/boom", boom)

    response = client.get("/boom")

    problem = assert_problem(response, 500, "internal-error")
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert problem["detail"].startswith("an unexpected error occurred")


def test_openapi_documents_problems(client):
    schema = client.get("/openapi.json").json()

    submit = schema["paths"]["/v1/jobs"]["post"]
    assert "Problem" in schema["components"]["schemas"]
    assert list(submit["responses"]["422"]["content"]) == ["application/problem+json"]
    assert "NetworkSpec" in schema["components"]["schemas"]
    assert client.get("/docs").status_code == 200
