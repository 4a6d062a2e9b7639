from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from syn0.api.app import create_app
from syn0.kit.db import make_engine
from tests.api.factories import assert_problem, dataset_json


@pytest.fixture
def down_client(settings, tmp_path, key):
    """An app whose database cannot be opened (the path is a directory)."""
    engine = make_engine(f"sqlite:///{tmp_path}")
    app = create_app(settings, session_factory=sessionmaker(engine))
    with TestClient(app, headers=key.headers) as test_client:
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


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/v1/datasets", "GET, POST"),
        ("OPTIONS", "/v1/datasets/abc", "DELETE, GET"),
        ("PATCH", "/v1/datasets/generate", "POST"),
        ("GET", "/v1/models/abc/predict", "POST"),
    ],
)
def test_a_405_allows_every_documented_method_of_the_path(client, method, path, allow):
    # Starlette names only the first route's methods; /v1/datasets has two routes.
    response = client.request(method, path)

    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == allow


@pytest.mark.parametrize("path", ["/v1/jobs", "/v1/jobs/validate", "/v1/datasets/generate"])
@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
    ids=["not-utf8", "too-deep"],
)
def test_a_json_body_that_cannot_be_read_is_a_422_like_invalid_json(client, path, body, words):
    # FastAPI answers these with a bare 400; every other bad JSON body is a 422.
    response = client.post(path, content=body, headers={"content-type": "application/json"})

    problem = assert_problem(response, 422, "validation-error", loc="body")
    assert "not valid JSON" in problem["detail"] and words in problem["detail"]


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "multipart/form-data; boundary=xyz"]
)
def test_a_malformed_multipart_body_is_a_422(client, content_type):
    response = client.post(
        "/v1/datasets", content=b"garbage", headers={"content-type": content_type}
    )

    problem = assert_problem(response, 422, "validation-error", loc="body")
    assert "multipart/form-data body cannot be parsed" in problem["detail"]


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
