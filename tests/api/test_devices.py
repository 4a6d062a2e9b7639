"""Devices on the service: a job's device decided at submit, its broker queue, and the
notice of a GPU job that no GPU worker is there to train."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from syn0.kit.orm import utcnow
from syn0.workers import repository as workers
from syn0.workers.orm import Worker
from tests.api.factories import create_dataset, job_body, submit

NO_GPU_WORKER = "no GPU worker has been seen in the last 60 s"


def _gpu_worker(sessions, seen_seconds_ago: float = 0) -> None:
    with sessions.begin() as session:
        workers.record_sighting(session, "gpu@test", "gpu", utcnow())
        seen = utcnow() - timedelta(seconds=seen_seconds_ago)
        session.execute(update(Worker).where(Worker.name == "gpu@test").values(seen_at=seen))


def test_a_gpu_job_goes_to_the_gpu_queue_and_says_no_gpu_worker_is_there(client, sessions, broker):
    # given
    dataset = create_dataset(client)
    # when
    response = submit(client, job_body(dataset["id"], device="gpu"))
    # then: queued for a GPU, and the reply says nobody will take it yet
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["device"] == "gpu" and job["status"] == "queued"
    assert NO_GPU_WORKER in job["notice"] and "syn0 worker --device gpu" in job["notice"]
    assert job["id"] in broker.sent_job_ids("gpu")
    assert job["id"] not in broker.sent_job_ids("celery")
    assert NO_GPU_WORKER in client.get(f"/v1/jobs/{job['id']}").json()["notice"]
    listed = client.get("/v1/jobs", params={"status": "queued"}).json()["items"]
    assert [j["notice"] is not None for j in listed if j["id"] == job["id"]] == [True]
    # when: a GPU worker reports itself, the notice goes
    _gpu_worker(sessions)
    assert client.get(f"/v1/jobs/{job['id']}").json()["notice"] is None


def test_a_cpu_job_has_no_notice_and_goes_to_the_default_queue(client, broker):
    dataset = create_dataset(client)
    job = submit(client, job_body(dataset["id"], device="cpu")).json()
    assert (job["device"], job["notice"]) == ("cpu", None)
    assert job["id"] in broker.sent_job_ids("celery")


@pytest.mark.parametrize(
    ("threshold", "gpu_seen_seconds_ago", "device"),
    [
        (1.0, 0, "gpu"),  # a large step and a GPU worker present
        (1e12, 0, "cpu"),  # a step too small to gain from a GPU
        (1.0, None, "cpu"),  # no GPU worker ever
        (1.0, 61, "cpu"),  # the GPU worker went silent past worker_seen_seconds
    ],
)
def test_auto_takes_a_gpu_for_a_large_step_while_a_gpu_worker_is_present(
    make_client, sessions, broker, threshold, gpu_seen_seconds_ago, device
):
    # given
    client = make_client(gpu_min_step_flops=threshold)
    dataset = create_dataset(client)
    if gpu_seen_seconds_ago is not None:
        _gpu_worker(sessions, gpu_seen_seconds_ago)
    body = job_body(dataset["id"])  # device: auto, the default
    # when
    validation = client.post("/v1/jobs/validate", json=body).json()
    job = submit(client, body).json()
    # then
    assert validation["device"] == job["device"] == device
    assert job["training"]["device"] == "auto"
    assert job["notice"] is None
    queue = "gpu" if device == "gpu" else "celery"
    assert job["id"] in broker.sent_job_ids(queue)


def test_an_unknown_device_is_a_422_naming_the_field(client):
    dataset = create_dataset(client)
    response = submit(client, job_body(dataset["id"], device="tpu"))
    assert response.status_code == 422
    assert any(e["loc"] == "training.device" for e in response.json()["errors"])
