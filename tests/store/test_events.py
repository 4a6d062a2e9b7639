"""The outbox: each job status change and alias move commits exactly one event in its
own transaction, a rolled-back change leaves none, and readers never see ids out of
order (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select, update

from syn0.datasets import repository as datasets
from syn0.events import repository as events
from syn0.events import service
from syn0.events.orm import Event
from syn0.jobs import attempts, recovery
from syn0.jobs import repository as jobs
from syn0.jobs.orm import CANCELLED, FAILED, Job, JobMetric
from syn0.kit import blobs
from syn0.kit.orm import utcnow
from syn0.models.orm import Model
from syn0.registry import service as registry
from syn0.registry.schemas import RegisteredIn
from syn0.tenants.keycache import Principal
from tests import tenancy


@pytest.fixture(params=["sqlite", "postgresql"])
def any_factory(request):
    return request.getfixturevalue("factory" if request.param == "sqlite" else "postgres_factory")


def _dataset(session) -> str:
    return datasets.add_dataset(
        session,
        tenant_id=tenancy.tenant_id(session),
        name="d",
        task="regression",
        X=np.zeros((2, 1), np.float32),
        y=np.zeros(2),
        classes=None,
        n_outputs=1,
    ).id


def _job(session, dataset_id: str | None = None) -> str:
    return jobs.create_job(
        session,
        tenant_id=tenancy.tenant_id(session),
        dataset_id=dataset_id or _dataset(session),
        network={},
        training={},
        epochs=3,
        idempotency_key=None,
    ).id


def _model(session, job_id: str) -> Model:
    weights = blobs.pack(params=np.ones(1))
    job = tenancy.job(session, job_id)
    return Model(
        tenant_id=job.tenant_id,
        job_id=job_id,
        dataset_id=job.dataset_id,
        network={"input_shape": [1], "layers": []},  # what a signature reads
        training={},
        task="regression",
        classes=None,
        metrics={"loss": 0.5},
        n_params=1,
        sha256=blobs.sha256(weights),
        weights=weights,
    )


def _types(factory, job_id: str | None = None) -> list[str]:
    with factory() as session:
        rows = events.after(session, tenancy.tenant_id(session), 0, 100, job_id=job_id)
        return [row.type for row in rows]


def test_a_submit_commits_one_queued_event_with_the_jobs_summary(factory):
    with factory.begin() as session:
        job_id = _job(session)
    with factory() as session:
        (row,) = events.after(session, tenancy.tenant_id(session), 0, 10)
    assert (row.type, row.job_id) == ("job.queued", job_id)
    assert row.data == {
        "id": job_id,
        "status": "queued",
        "epoch": 0,
        "epochs": 3,
        "attempts": 0,
        "model_id": None,
        "error": None,
    }


def test_a_rolled_back_change_leaves_no_event(factory):
    with factory.begin() as session:
        dataset_id = _dataset(session)
    with factory() as session:
        _job(session, dataset_id)
        session.rollback()
    with factory.begin() as session:
        job_id = _job(session, dataset_id)
    with factory() as session:
        assert attempts.claim_job(session, job_id) == 1
        session.rollback()
    with factory() as session:
        _job(session, dataset_id)
        session.close()  # ends without a commit
    assert _types(factory) == ["job.queued"]


def test_a_job_that_succeeds_tells_each_change_once(factory):
    with factory.begin() as session:
        job_id = _job(session)
    with factory.begin() as session:
        attempt = attempts.claim_job(session, job_id)
    with factory.begin() as session:
        assert attempts.claim_job(session, job_id) is None  # no change, no event
    with factory.begin() as session:
        assert not attempts.finish_succeeded(session, job_id, attempt + 1, _model(session, job_id))
        session.rollback()  # as the worker does: its model row goes too
    with factory.begin() as session:
        model = _model(session, job_id)
        assert attempts.finish_succeeded(session, job_id, attempt, model)
    assert _types(factory, job_id) == ["job.queued", "job.running", "job.succeeded"]
    with factory() as session:
        last = events.after(session, tenancy.tenant_id(session), 2, 10)[-1]
    assert last.data["model_id"] == model.id and last.data["status"] == "succeeded"


def test_failures_cancels_and_requeues_are_events(factory):
    with factory.begin() as session:
        dataset_id = _dataset(session)
        failing, cancelled, queued = (_job(session, dataset_id) for _ in range(3))
    with factory.begin() as session:
        one = attempts.claim_job(session, failing)
        attempts.finish_unsuccessful(session, failing, one, FAILED, {"type": "diverged"})
        tenant_id = tenancy.tenant_id(session)
        assert jobs.cancel_job(session, tenant_id, cancelled)  # queued: cancelled now
    with factory.begin() as session:
        attempt = attempts.claim_job(session, queued)
        assert jobs.cancel_job(session, tenant_id, queued)  # running: only flagged
        assert attempts.requeue(session, queued, attempt)
    assert _types(factory, failing) == ["job.queued", "job.running", "job.failed"]
    assert _types(factory, cancelled) == ["job.queued", "job.cancelled"]
    assert _types(factory, queued) == ["job.queued", "job.running", "job.queued"]
    with factory() as session:
        failed = events.after(session, tenant_id, 0, 100, job_id=failing)[-1]
    assert failed.data["error"] == {"type": "diverged"}


def test_a_stopped_job_tells_its_partial_model(factory):
    with factory.begin() as session:
        job_id = _job(session)
    with factory.begin() as session:
        attempt = attempts.claim_job(session, job_id)
        model = _model(session, job_id)
        model.partial, model.epoch = True, 1
        assert attempts.finish_stopped(session, job_id, attempt, CANCELLED, None, None, model)
    with factory() as session:
        last = events.after(session, tenancy.tenant_id(session), 0, 100)[-1]
    assert (last.type, last.data["model_id"]) == ("job.cancelled", model.id)


def test_the_reaper_requeues_and_fails_with_events(factory):
    with factory.begin() as session:
        dataset_id = _dataset(session)
        again, lost = _job(session, dataset_id), _job(session, dataset_id)
    long_ago = utcnow() - timedelta(hours=1)
    with factory.begin() as session:
        for job_id in (again, lost):
            attempts.claim_job(session, job_id)
        session.execute(update(Job).values(heartbeat_at=long_ago))
        session.execute(update(Job).where(Job.id == lost).values(max_attempts=1))
    with factory.begin() as session:
        reaped = recovery.reap(session, utcnow(), 60, 60, present_within=30)
    assert (reaped.requeued, reaped.failed) == ([again], [lost])
    assert _types(factory, again) == ["job.queued", "job.running", "job.queued"]
    assert _types(factory, lost) == ["job.queued", "job.running", "job.failed"]


def test_alias_moves_are_events(factory):
    with factory.begin() as session:
        job_id = _job(session)
        attempt = attempts.claim_job(session, job_id)
        model_id = _model(session, job_id)
        attempts.finish_succeeded(session, job_id, attempt, model_id)
        principal = Principal(tenancy.tenant_id(session), frozenset({"train"}), "k1")
        registry.put(session, principal.tenant_id, "churn", RegisteredIn())
        registry.register(session, principal, "churn", model_id.id)
    with factory.begin() as session:
        registry.set_alias(session, principal, "churn", "production", 1)
        registry.set_alias(session, principal, "churn", "production", 1)  # no move
    with factory.begin() as session:
        registry.unalias(session, principal, "churn", "production")
    with factory() as session:
        moves = [r for r in events.after(session, principal.tenant_id, 0, 100) if not r.job_id]
    assert [(m.type, m.data) for m in moves] == [
        (
            "model.alias_moved",
            {
                "name": "churn",
                "alias": "production",
                "action": "set",
                "version": 1,
                "previous": None,
                "moved_by": "k1",
            },
        ),
        (
            "model.alias_moved",
            {
                "name": "churn",
                "alias": "production",
                "action": "delete",
                "version": None,
                "previous": 1,
                "moved_by": "k1",
            },
        ),
    ]


def test_an_unknown_type_is_refused(factory):
    with factory() as session, pytest.raises(ValueError, match=r"unknown event type 'job\.x'"):
        events.record(session, tenant_id="t", type="job.x", data={})


def test_a_reader_never_sees_ids_out_of_order(any_factory):
    """Writers commit events from many threads while a reader pages after its last id:
    it sees every event exactly once, in order (an id committed after a higher one
    became visible would be skipped)."""
    writers, per_writer = 6, 8
    with any_factory.begin() as session:
        tenant_id = tenancy.tenant_id(session)
        dataset_id = _dataset(session)
    done = threading.Event()
    seen: list[int] = []

    def read() -> None:
        last = 0
        while True:
            finished = done.is_set()
            with any_factory() as session:
                rows = events.after(session, tenant_id, last, 5)
            seen.extend(row.id for row in rows)
            last = rows[-1].id if rows else last
            if finished and not rows:
                return

    def write() -> None:
        for _ in range(per_writer):
            with any_factory.begin() as session:
                _job(session, dataset_id)

    reader = threading.Thread(target=read)
    threads = [threading.Thread(target=write) for _ in range(writers)]
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    with any_factory() as session:
        stored = session.scalars(select(Event.id).order_by(Event.id)).all()
        assert session.scalar(select(func.count()).select_from(Event)) == writers * per_writer
    assert seen == list(stored)


def _event(event_id: int, type: str, **data) -> Event:
    return Event(id=event_id, type=type, job_id="j", data=data, created_at=utcnow())


def _metric(epoch: int) -> JobMetric:
    return JobMetric(epoch=epoch, loss=1.0, penalty=0.0, learning_rate=0.1, seconds=0.1)


def test_rows_of_a_claim_not_yet_read_wait_for_its_running_event():
    # given: the reader saw epoch 7 of attempt 1 (after event 2); attempt 2 was claimed
    # from the checkpoint of epoch 5 after the reader's status events were read
    cursor = service.Cursor(2, 7)
    batch, after = service.merge(cursor, [], [_metric(8)], truncated=False, later=5)
    # then: nothing is sent yet (epoch 8 belongs after attempt 2's running event)
    assert (batch.items, after) == ([], cursor)
    # when: the next poll reads the requeue and the claim
    news = [_event(3, "job.queued"), _event(4, "job.running", from_epoch=5)]
    rows = [_metric(6), _metric(7), _metric(8)]
    batch, after = service.merge(cursor, news, rows, truncated=False, later=None)
    # then: the events, then the epochs attempt 2 trains again, ids resuming exactly
    assert [(item.name, item.id) for item in batch.items] == [
        ("status", "3-7"),
        ("status", "4-5"),
        ("epoch", "4-6"),
        ("epoch", "4-7"),
        ("epoch", "4-8"),
    ]
    assert after == service.Cursor(4, 8)


def test_a_full_page_of_rows_holds_the_events_after_it_back():
    news = [_event(5, "job.succeeded")]
    rows = [_metric(epoch) for epoch in range(11, 14)]
    batch, after = service.merge(service.Cursor(4, 10), news, rows, truncated=True, later=None)
    assert [item.id for item in batch.items] == ["4-11", "4-12", "4-13"] and batch.more
    assert after == service.Cursor(4, 13)
