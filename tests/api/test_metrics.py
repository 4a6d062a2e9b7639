"""``GET /metrics`` on the embedded store and broker: what a Prometheus scrape reads.

Counters are the process's (the tests share it), so they are compared before and after;
the gauges read from the store and the broker are this test's alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from syn0.kit.db import session_scope
from syn0.kit.orm import new_id, utcnow
from syn0.workers import repository as workers
from tests.api.factories import (
    assert_problem,
    create_dataset,
    mlp,
    points,
    queued_job,
    train_model,
    training,
)
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "syn0.json"
TOKEN = "s3cret-scrape-token"


def scrape(client, **headers: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape: ``(name, {label: value})`` -> value."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_route_template_method_and_status(client):
    before = scrape(client)
    for _ in range(2):
        assert client.get(f"/v1/jobs/{new_id()}").status_code == 404
    assert client.get("/v1/jobs").status_code == 200
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    job = {"route": "/v1/jobs/{job_id}", "method": "GET"}
    assert grew("syn0_http_requests_total", **job, status="404") == 2
    assert grew("syn0_http_requests_total", route="/v1/jobs", method="GET", status="200") == 1
    assert grew("syn0_http_request_duration_seconds_count", **job) == 2
    assert grew("syn0_http_request_duration_seconds_bucket", **job, le="+Inf") == 2
    # no series is named after a raw path (an id in it)
    routes = {value for _, labels in after for label, value in labels if label == "route"}
    assert [route for route in routes if re.search(r"[0-9a-f]{32}", route)] == []


def test_a_path_no_route_takes_counts_as_unmatched(client):
    before = scrape(client)
    assert client.get("/no/such/page/123").status_code == 404
    after = scrape(client)
    labels = {"route": "unmatched", "method": "GET", "status": "404"}
    grew = value(after, "syn0_http_requests_total", **labels)
    assert grew - value(before, "syn0_http_requests_total", **labels) == 1


def test_predictions_are_counted_in_rows_and_timed(client, sessions):
    X, y = points(40)
    model = train_model(sessions, client, X, y, mlp(), training(epochs=5))
    before = scrape(client)
    for rows in (3, 5):
        reply = client.post(
            f"/v1/models/{model.model_id}/predict", json={"inputs": X[:rows].tolist()}
        )
        assert reply.status_code == 200, reply.text
    after = scrape(client)
    assert value(after, "syn0_predict_rows_total") - value(before, "syn0_predict_rows_total") == 8
    count = "syn0_predict_duration_seconds_count"
    assert value(after, count) - value(before, count) == 2
    assert value(after, "syn0_predict_duration_seconds_sum") > value(
        before, "syn0_predict_duration_seconds_sum"
    )


def test_jobs_by_status_and_queue_depth_are_read_from_the_store_and_broker(client):
    dataset = create_dataset(client)
    first = queued_job(client, dataset["id"])
    queued_job(client, dataset["id"])
    assert client.post(f"/v1/jobs/{first['id']}/cancel").status_code == 200
    samples = scrape(client)
    statuses = {"queued": 1, "running": 0, "succeeded": 0, "failed": 0, "cancelled": 1}
    for status, count in statuses.items():
        assert value(samples, "syn0_jobs", status=status) == count, status
    # both jobs were sent; the embedded broker keeps both messages until a worker takes them
    assert value(samples, "syn0_queue_messages", queue="celery") == 2
    assert ("syn0_queue_messages", frozenset({("queue", "gpu")})) in samples


def test_each_workers_last_report_has_an_age(client, sessions):
    with session_scope(sessions) as session:
        workers.record_sighting(session, "celery@box-1", "cpu", utcnow())
    age = value(
        scrape(client), "syn0_worker_heartbeat_age_seconds", worker="celery@box-1", device="cpu"
    )
    assert 0 <= age < 30


def test_with_a_token_a_scrape_without_it_is_refused(make_client):
    guarded = make_client(metrics_token=SecretStr(TOKEN))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        problem = assert_problem(guarded.get("/metrics", headers=headers), 401, "unauthorized")
        assert "SYN0_METRICS_TOKEN" in problem["detail"]
    assert guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    # an API key is not the metrics token
    assert guarded.get("/metrics").status_code == 401


def test_without_a_token_metrics_are_open_in_development_and_off_in_production(make_client):
    assert make_client().get("/metrics").status_code == 200
    off = make_client(environment="production").get("/metrics")
    problem = assert_problem(off, 404, "not-found")
    assert problem["detail"] == "metrics are off: set SYN0_METRICS_TOKEN to scrape /metrics"
    on = make_client(environment="production", metrics_token=SecretStr(TOKEN))
    assert on.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


@pytest.mark.parametrize(
    "panel", json.loads(DASHBOARD.read_text())["panels"], ids=lambda p: p["title"]
)
def test_every_metric_the_dashboard_queries_is_served(client, panel):
    served = set()
    for name, _ in scrape(client):
        served.add(name)
    # a labelled family with no sample yet is announced by its HELP line
    text = client.get("/metrics").text
    for family in re.findall(r"^# TYPE (\S+) (\S+)", text, re.M):
        name, kind = family
        served.add(name)
        served.update({"counter": [name + "_total"]}.get(kind, []))
        if kind == "histogram":
            served.update(name + suffix for suffix in ("_bucket", "_count", "_sum"))
    queried = {
        name
        for target in panel.get("targets", [])
        for name in re.findall(r"\bsyn0_[a-z0-9_]+", target["expr"])
    }
    assert queried, f"the panel {panel['title']!r} queries no syn0 metric"
    assert queried <= served, queried - served


def test_a_broker_that_does_not_answer_leaves_out_only_its_gauge(make_client, caplog):
    down = make_client(broker_url=f"redis://127.0.0.1:{free_port()}/0")
    samples = scrape(down)
    assert not [name for name, _ in samples if name == "syn0_queue_messages"]
    assert value(samples, "syn0_jobs", status="queued") == 0
    assert ("syn0_jobs", frozenset({("status", "queued")})) in samples
    assert "metrics: the broker did not answer" in caplog.text
