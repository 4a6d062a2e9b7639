"""Server-sent events through the app on SQLite: a finished job's whole stream, resume
after any event id with no gap and no repeat (also across a requeued attempt that
trains epochs again), 404s, bad ids, and the per-process cap on open streams."""

from __future__ import annotations

import numpy as np
import pytest

from syn0.events import service
from syn0.jobs import attempts
from syn0.kit import blobs
from syn0.kit.db import session_scope
from syn0.models.orm import Model
from tests.api.factories import assert_problem, create_dataset, queued_job
from tests.api.sse import read_all


def _row(epoch: int, loss: float) -> dict:
    return {"epoch": epoch, "loss": loss, "penalty": 0.0, "learning_rate": 0.1, "seconds": 0.01}


def _model(session, job_id: str) -> Model:
    job = attempts.claimed_job(session, job_id)
    weights = blobs.pack(params=np.ones(1))
    return Model(
        tenant_id=job.tenant_id,
        job_id=job_id,
        dataset_id=job.dataset_id,
        network=job.network,
        training=job.training,
        task="classification",
        classes=[0, 1],
        metrics={"loss": 0.1},
        n_params=1,
        sha256=blobs.sha256(weights),
        weights=weights,
    )


def _stream(client, job_id: str, **headers: str):
    response = client.get(f"/v1/jobs/{job_id}/events", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return read_all(response.text), response.text


@pytest.fixture
def job_id(client) -> str:
    return queued_job(client, create_dataset(client)["id"])["id"]


def _succeed(sessions, job_id: str, epochs: int = 3) -> None:
    """The worker's writes: claim, one metrics row per epoch, succeeded."""
    with session_scope(sessions) as session:
        attempt = attempts.claim_job(session, job_id)
    for epoch in range(1, epochs + 1):
        with session_scope(sessions) as session:
            assert attempts.record_metrics(session, job_id, attempt, [_row(epoch, 1 / epoch)])
    with session_scope(sessions) as session:
        assert attempts.finish_succeeded(session, job_id, attempt, _model(session, job_id))


def test_a_finished_jobs_stream_replays_everything_then_ends(client, sessions, job_id):
    _succeed(sessions, job_id)
    events, text = _stream(client, job_id)
    assert "retry: 2000" in text
    assert [(e.event, e.data.get("type") or e.data.get("epoch")) for e in events] == [
        ("status", "job.queued"),
        ("status", "job.running"),
        ("epoch", 1),
        ("epoch", 2),
        ("epoch", 3),
        ("status", "job.succeeded"),
        ("end", None),
    ]
    queued, running, *_, succeeded, end = events
    assert queued.data["data"]["status"] == "queued" and queued.data["job_id"] == job_id
    assert running.data["data"]["from_epoch"] == 0
    assert events[3].data["loss"] == 0.5 and events[3].id == f"{running.data['id']}-2"
    assert succeeded.data["data"]["model_id"] is not None
    assert end.data["status"] == "succeeded" and end.data["id"] == job_id
    assert end.id == succeeded.id == f"{succeeded.data['id']}-3"
    assert client.app.state.runtime.streams.open == 0  # the slot is given back


def test_resuming_after_any_event_gives_the_rest_exactly(client, sessions, job_id):
    _succeed(sessions, job_id)
    events, _ = _stream(client, job_id)
    for i, seen in enumerate(events[:-1]):
        rest, _ = _stream(client, job_id, **{"Last-Event-ID": seen.id})
        assert rest == events[i + 1 :], seen.id
    # ?after= is the same for clients that cannot send headers; the header wins
    rest = read_all(client.get(f"/v1/jobs/{job_id}/events?after={events[2].id}").text)
    assert rest == events[3:]
    both = client.get(
        f"/v1/jobs/{job_id}/events?after=0-0", headers={"Last-Event-ID": events[4].id}
    )
    assert read_all(both.text) == events[5:]


def test_a_requeued_attempt_sends_its_retrained_epochs_again(client, sessions, key, job_id):
    # given: attempt 1 trains epochs 1-4 (checkpoint at 2), its worker shuts down
    with session_scope(sessions) as session:
        first = attempts.claim_job(session, job_id)
    with session_scope(sessions) as session:
        rows = [_row(epoch, 10.0 + epoch) for epoch in range(1, 5)]
        assert attempts.record_metrics(session, job_id, first, rows)
        assert attempts.save_checkpoint(session, job_id, first, 2, b"checkpoint")
    live = _live(sessions, key.tenant_id, job_id, epoch=4)
    with session_scope(sessions) as session:
        assert attempts.requeue(session, job_id, first)
    # when: attempt 2 resumes from epoch 2 and trains 3-5 again, with other numbers
    with session_scope(sessions) as session:
        second = attempts.claim_job(session, job_id)
    with session_scope(sessions) as session:
        rows = [_row(epoch, 20.0 + epoch) for epoch in range(3, 6)]
        assert attempts.record_metrics(session, job_id, second, rows)
    with session_scope(sessions) as session:
        assert attempts.finish_succeeded(session, job_id, second, _model(session, job_id))
    # then: a reader that saw epoch 4 of attempt 1 gets the new attempt's 3-5
    rest, _ = _stream(client, job_id, **{"Last-Event-ID": live[-1].id})
    assert [(e.event, e.data.get("type") or e.data.get("loss")) for e in rest] == [
        ("status", "job.queued"),
        ("status", "job.running"),
        ("epoch", 23.0),
        ("epoch", 24.0),
        ("epoch", 25.0),
        ("status", "job.succeeded"),
        ("end", None),
    ]
    assert rest[1].data["data"]["from_epoch"] == 2
    # and the whole replay shows what the store kept: attempt 1's epochs 1-2 (before
    # its checkpoint), then attempt 2's
    whole, _ = _stream(client, job_id)
    losses = [e.data["loss"] for e in whole if e.event == "epoch"]
    assert losses == [11.0, 12.0, 23.0, 24.0, 25.0]
    assert len({e.id for e in whole[:-1]}) == len(whole) - 1  # every id names one event


def _live(sessions, tenant_id: str, job_id: str, epoch: int) -> list:
    """What a reader of the running job has seen once it stored ``epoch``: the events
    the stream's poll gives (the test client reads whole responses only)."""
    batch, _ = service.poll_job(sessions, tenant_id, job_id, service.Cursor(), 100)
    assert not batch.ended and batch.items[-1].data["epoch"] == epoch
    return batch.items


def test_an_unknown_or_foreign_job_is_a_404(client, make_key, job_id):
    assert_problem(client.get("/v1/jobs/" + "0" * 32 + "/events"), 404, "not-found")
    other = make_key("globex")
    response = client.get(f"/v1/jobs/{job_id}/events", headers=other.headers)
    assert_problem(response, 404, "not-found")
    assert client.get(f"/v1/jobs/{job_id}/events", headers={"Authorization": ""}).status_code == 401


def test_a_bad_event_id_is_a_422_naming_it(client, job_id):
    response = client.get(f"/v1/jobs/{job_id}/events", headers={"Last-Event-ID": "seven"})
    problem = assert_problem(response, 422, "validation-error", "header.Last-Event-ID")
    assert "`<event>-<epoch>`" in problem["detail"] and "'seven'" in problem["detail"]
    assert_problem(client.get("/v1/events?after=x"), 422, "validation-error", "query.after")


def test_streams_past_the_cap_are_a_503_with_retry_after(client, sessions, job_id):
    _succeed(sessions, job_id)
    streams = client.app.state.runtime.streams
    held = [streams.take() for _ in range(streams.limit)]
    response = client.get(f"/v1/jobs/{job_id}/events")
    problem = assert_problem(response, 503, "service-unavailable")
    assert response.headers["Retry-After"] == "5"
    assert problem["detail"] == (
        "this API process has 100 event streams open, the limit (set by "
        "SYN0_EVENTS_MAX_STREAMS); retry after 5 s, or poll the job"
    )
    assert_problem(client.get("/v1/events"), 503, "service-unavailable")
    held.pop()()
    events, _ = _stream(client, job_id)
    assert events[-1].event == "end"
    assert streams.open == streams.limit - 1


def test_a_long_job_streams_whole_across_pages(client, sessions, job_id):
    # given: more epochs than a poll reads (100), the last ones in the final transaction
    with session_scope(sessions) as session:
        attempt = attempts.claim_job(session, job_id)
    for start in range(1, 201, 50):
        with session_scope(sessions) as session:
            rows = [_row(epoch, 1 / epoch) for epoch in range(start, start + 50)]
            assert attempts.record_metrics(session, job_id, attempt, rows)
    with session_scope(sessions) as session:
        rows = [_row(epoch, 1 / epoch) for epoch in range(201, 251)]
        assert attempts.record_metrics(session, job_id, attempt, rows)
        assert attempts.finish_succeeded(session, job_id, attempt, _model(session, job_id))
    # then
    events, _ = _stream(client, job_id)
    assert [e.data["epoch"] for e in events if e.event == "epoch"] == list(range(1, 251))
    assert [e.event for e in events[-2:]] == ["status", "end"]
    rest, _ = _stream(client, job_id, **{"Last-Event-ID": events[150].id})
    assert rest == events[151:]
