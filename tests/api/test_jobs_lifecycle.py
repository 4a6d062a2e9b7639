from __future__ import annotations

from syn0.jobs import attempts
from syn0.jobs.orm import FAILED, SUCCEEDED
from syn0.kit.db import session_scope
from tests.api.factories import assert_problem, create_dataset, queued_job

# --- read ---------------------------------------------------------------------------------


def test_progress_metrics_and_eta_of_a_running_job(client, sessions):
    # given
    dataset = create_dataset(client)
    job = queued_job(client, dataset["id"], epochs=10)
    rows = [_metrics(epoch, seconds=0.5) for epoch in (1, 2)]
    with session_scope(sessions) as session:
        attempt = attempts.claim_job(session, job["id"])
        attempts.record_metrics(session, job["id"], attempt, rows)

    # when
    running = client.get(f"/v1/jobs/{job['id']}").json()
    metrics = client.get(f"/v1/jobs/{job['id']}/metrics").json()

    # then
    assert running["status"] == "running" and running["attempts"] == 1
    assert running["started_at"]
    assert running["progress"] == {"epoch": 2, "epochs": 10, "fraction": 0.2, "eta_seconds": 4.0}
    assert running["latest_metrics"]["loss"] == rows[-1]["loss"]
    assert metrics["job_id"] == job["id"]
    assert [row["epoch"] for row in metrics["items"]] == [1, 2]
    assert metrics["items"][0] == {
        **rows[0],
        "val_loss": None,
        "val_accuracy": None,
        "mae": None,
        "val_mae": None,
        "r2": None,
        "val_r2": None,
    }


def test_a_failed_job_reports_why(client, sessions):
    dataset = create_dataset(client)
    job = queued_job(client, dataset["id"])
    error = {
        "type": "diverged",
        "detail": "Training diverged in epoch 3",
        "epoch": 3,
        "last_finite_loss": 12.5,
    }
    with session_scope(sessions) as session:
        attempt = attempts.claim_job(session, job["id"])
        attempts.finish_unsuccessful(session, job["id"], attempt, FAILED, error)

    failed = client.get(f"/v1/jobs/{job['id']}").json()

    assert failed["status"] == "failed" and failed["finished_at"]
    assert failed["error"] == error
    assert failed["progress"]["eta_seconds"] is None


def test_list_filters_and_pages(client):
    # given
    one, two = create_dataset(client), create_dataset(client)
    a = queued_job(client, one["id"])
    b = queued_job(client, two["id"])
    c = queued_job(client, two["id"])
    client.post(f"/v1/jobs/{c['id']}/cancel")

    # when
    page = client.get("/v1/jobs", params={"limit": 2}).json()
    rest = client.get("/v1/jobs", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    queued = client.get("/v1/jobs", params={"status": "queued"}).json()
    of_two = client.get("/v1/jobs", params={"dataset_id": two["id"]}).json()

    # then
    assert [j["id"] for j in page["items"] + rest["items"]] == [c["id"], b["id"], a["id"]]
    assert rest["next_cursor"] is None
    assert [j["id"] for j in queued["items"]] == [b["id"], a["id"]]
    assert [j["id"] for j in of_two["items"]] == [c["id"], b["id"]]
    assert_problem(
        client.get("/v1/jobs?status=paused"), 422, "validation-error", loc="query.status"
    )


def test_unknown_job_ids(client):
    for response in (
        client.get("/v1/jobs/nope"),
        client.get("/v1/jobs/nope/metrics"),
        client.post("/v1/jobs/nope/cancel"),
    ):
        assert_problem(response, 404, "not-found")


# --- cancel -------------------------------------------------------------------------------


def test_cancel_a_queued_job_at_once_then_refuse_a_second_cancel(client):
    dataset = create_dataset(client)
    job = queued_job(client, dataset["id"])

    cancelled = client.post(f"/v1/jobs/{job['id']}/cancel")
    again = client.post(f"/v1/jobs/{job['id']}/cancel")

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["finished_at"]
    problem = assert_problem(again, 409, "conflict")
    assert "'cancelled'" in problem["detail"]


def test_cancel_a_running_job_asks_it_to_stop(client, sessions):
    dataset = create_dataset(client)
    job = queued_job(client, dataset["id"])
    with session_scope(sessions) as session:
        attempts.claim_job(session, job["id"])

    response = client.post(f"/v1/jobs/{job['id']}/cancel")

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "running"
    assert response.json()["cancel_requested"] is True


def test_cancel_a_succeeded_job_is_a_conflict(client, sessions):
    dataset = create_dataset(client)
    job = queued_job(client, dataset["id"])
    with session_scope(sessions) as session:
        attempt = attempts.claim_job(session, job["id"])
        attempts.finish_unsuccessful(session, job["id"], attempt, SUCCEEDED, None)

    response = client.post(f"/v1/jobs/{job['id']}/cancel")

    problem = assert_problem(response, 409, "conflict")
    assert problem["job_status"] == "succeeded"


def _metrics(epoch: int, seconds: float) -> dict:
    return {
        "epoch": epoch,
        "loss": 1.0 / epoch,
        "accuracy": 0.5 + epoch / 10,
        "penalty": 0.0,
        "learning_rate": 0.01,
        "seconds": seconds,
    }


def test_metrics_come_a_page_at_a_time(client, sessions):
    # given: a running job with 7 finished epochs
    job = queued_job(client, create_dataset(client)["id"], epochs=10)
    with session_scope(sessions) as session:
        attempt = attempts.claim_job(session, job["id"])
        rows = [_metrics(epoch, seconds=0.1) for epoch in range(1, 8)]
        attempts.record_metrics(session, job["id"], attempt, rows)
    url = f"/v1/jobs/{job['id']}/metrics"
    # when: pages of 3
    seen, after, pages = [], 0, 0
    while after is not None:
        page = client.get(url, params={"after": after, "limit": 3}).json()
        seen += [row["epoch"] for row in page["items"]]
        after, pages = page["next_after"], pages + 1
    # then
    assert (seen, pages) == ([1, 2, 3, 4, 5, 6, 7], 3)
    assert [r["epoch"] for r in client.get(url, params={"after": 5}).json()["items"]] == [6, 7]
    assert_problem(
        client.get(url, params={"limit": 10_001}), 422, "validation-error", loc="query.limit"
    )
