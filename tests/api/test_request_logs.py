"""``X-Request-ID`` on every reply, and the JSON line logged for each request and for
each change of a job's status made by one."""

from __future__ import annotations

import json
import re

import pytest

from tests.api.factories import create_dataset, job_body

NEW_ID = re.compile(r"[0-9a-f]{32}")


def json_lines(capfd) -> list[dict]:
    """The JSON objects written to stderr so far (other lines, if any, are not ours)."""
    lines = capfd.readouterr().err.splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.mark.parametrize("sent", ["abc-123", "req_7f:2/x+y=z@edge.1", "a" * 128])
def test_a_sane_request_id_is_echoed(client, sent):
    reply = client.get("/v1/jobs", headers={"X-Request-ID": sent})
    assert reply.status_code == 200
    assert reply.headers["X-Request-ID"] == sent


@pytest.mark.parametrize("sent", ["a" * 129, "two words", 'quote"d', "semi;colon", ""])
def test_an_insane_or_missing_request_id_is_replaced_by_a_new_one(client, sent):
    reply = client.get("/v1/jobs", headers={"X-Request-ID": sent})
    assert NEW_ID.fullmatch(reply.headers["X-Request-ID"])
    assert NEW_ID.fullmatch(client.get("/v1/jobs").headers["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_errors_and_refusals_carry_the_request_id_too(make_client, client):
    anonymous = make_client(key=None)
    small = make_client(max_request_bytes=100)
    replies = {
        401: anonymous.get("/v1/jobs", headers={"X-Request-ID": "r-401"}),
        404: client.get("/v1/jobs/nope", headers={"X-Request-ID": "r-404"}),
        413: small.post("/v1/datasets", content=b"x" * 200, headers={"X-Request-ID": "r-413"}),
        422: client.get("/v1/jobs?limit=0", headers={"X-Request-ID": "r-422"}),
    }
    for status, reply in replies.items():
        assert reply.status_code == status
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.headers["X-Request-ID"] == f"r-{status}"


def test_one_json_line_per_request_with_its_route_status_and_tenant(make_client, key, capfd):
    logged = make_client(log_format="json")
    capfd.readouterr()
    reply = logged.get("/v1/jobs/nope", headers={"X-Request-ID": "trace-1"})
    assert reply.status_code == 404
    [line] = [line for line in json_lines(capfd) if line["logger"] == "syn0.http"]
    assert line["level"] == "INFO"
    assert line["message"].startswith("GET /v1/jobs/nope 404 ")
    assert {k: line[k] for k in ("method", "route", "path", "status", "request_id", "tenant")} == {
        "method": "GET",
        "route": "/v1/jobs/{job_id}",
        "path": "/v1/jobs/nope",
        "status": 404,
        "request_id": "trace-1",
        "tenant": key.tenant_id,
    }
    assert 0 < line["duration_seconds"] < 30
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", line["time"])


def test_a_request_refused_before_routing_is_logged_without_a_tenant(make_client, capfd):
    logged = make_client(key=None, log_format="json")
    capfd.readouterr()
    assert logged.get("/v1/jobs", headers={"X-Request-ID": "anon"}).status_code == 401
    [line] = [line for line in json_lines(capfd) if line["logger"] == "syn0.http"]
    assert (line["status"], line["tenant"], line["request_id"]) == (401, None, "anon")


def test_a_submit_and_a_cancel_log_the_jobs_transitions_with_the_request_id(make_client, capfd):
    logged = make_client(log_format="json")
    dataset = create_dataset(logged)
    capfd.readouterr()
    reply = logged.post(
        "/v1/jobs", json=job_body(dataset["id"]), headers={"X-Request-ID": "submit-1"}
    )
    job = reply.json()
    [created] = [line for line in json_lines(capfd) if line["logger"] == "syn0.jobs"]
    assert {k: created[k] for k in ("job_id", "from_status", "to_status", "request_id")} == {
        "job_id": job["id"],
        "from_status": None,
        "to_status": "queued",
        "request_id": "submit-1",
    }
    assert created["message"].startswith(f"job {job['id']}: new -> queued: created by tenant ")
    reply = logged.post(f"/v1/jobs/{job['id']}/cancel", headers={"X-Request-ID": "cancel-1"})
    assert reply.status_code == 200
    [line] = [line for line in json_lines(capfd) if line["logger"] == "syn0.jobs"]
    assert {k: line[k] for k in ("job_id", "from_status", "to_status", "request_id")} == {
        "job_id": job["id"],
        "from_status": "queued",
        "to_status": "cancelled",
        "request_id": "cancel-1",
    }


def test_text_format_shows_the_request_id(make_client, capfd):
    logged = make_client(log_format="text")
    capfd.readouterr()
    logged.get("/v1/jobs", headers={"X-Request-ID": "plain-1"})
    err = capfd.readouterr().err
    assert re.search(r" INFO syn0\.http \[plain-1\] GET /v1/jobs 200 [\d.]+ ms$", err, re.M), err


def test_an_unhandled_error_is_logged_with_the_request_id(make_client, capfd):
    logged = make_client(log_format="json")

    def boom() -> None:
        raise RuntimeError("boom")

    logged.app.add_api_route("/boom", boom)
    capfd.readouterr()
    reply = logged.get("/boom", headers={"X-Request-ID": "req-500"})
    assert reply.status_code == 500
    lines = {line["logger"]: line for line in json_lines(capfd)}
    assert (lines["syn0.http"]["status"], lines["syn0.http"]["request_id"]) == (500, "req-500")
    assert lines["syn0.kit.problems"]["request_id"] == "req-500"
    assert "RuntimeError: boom" in lines["syn0.kit.problems"]["exc_info"]
