"""Job rows: atomic claim, fenced writes, one metrics row per epoch, cancellation."""

import numpy as np
import pytest
from sqlalchemy.exc import IntegrityError

from syn0.datasets import repository as datasets
from syn0.jobs import attempts
from syn0.jobs import repository as jobs
from syn0.jobs.orm import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED, JobMetric
from syn0.kit import blobs
from syn0.models.orm import Model
from tests import tenancy


def _job(session, key=None):
    dataset = datasets.add_dataset(
        session,
        tenant_id=tenancy.tenant_id(session),
        name="d",
        task="classification",
        X=np.zeros((4, 2), np.float32),
        y=np.array([0, 1, 0, 1]),
        classes=[0, 1],
        n_outputs=2,
    )
    return jobs.create_job(
        session,
        tenant_id=tenancy.tenant_id(session),
        dataset_id=dataset.id,
        network={},
        training={},
        epochs=3,
        idempotency_key=key,
    )


def _row(epoch):
    return {
        "epoch": epoch,
        "loss": 1.0 / epoch,
        "penalty": 0.0,
        "learning_rate": 0.1,
        "seconds": 0.01,
        "accuracy": 0.5,
    }


def test_claim_happens_once(factory):
    with factory.begin() as session:
        job_id = _job(session).id
    with factory.begin() as session:
        assert attempts.claim_job(session, job_id) == 1
    with factory.begin() as session:
        assert attempts.claim_job(session, job_id) is None
        assert tenancy.job(session, job_id).status == RUNNING


def test_writes_of_a_stale_attempt_are_refused(factory):
    with factory.begin() as session:
        job_id = _job(session).id
        attempt = attempts.claim_job(session, job_id)
    with factory.begin() as session:
        assert not attempts.record_metrics(session, job_id, attempt + 1, [_row(1)])
        assert attempts.record_metrics(session, job_id, attempt, [_row(1), _row(2)])
    with factory.begin() as session:
        job = tenancy.job(session, job_id)
        assert job.epoch == 2 and job.latest_metrics["loss"] == 0.5
        assert [m.epoch for m in tenancy.metrics(session, job_id)] == [1, 2]
        assert not attempts.finish_unsuccessful(session, job_id, attempt + 1, FAILED, None)


def test_metrics_are_unique_per_job_and_epoch(factory):
    with factory.begin() as session:
        job_id = _job(session).id
        attempt = attempts.claim_job(session, job_id)
        attempts.record_metrics(session, job_id, attempt, [_row(1)])
    with pytest.raises(IntegrityError), factory.begin() as session:
        session.add(JobMetric(job_id=job_id, **_row(1)))


def test_epochs_sent_again_replace_their_rows(factory):
    # given: epochs 1-2 stored, then sent again with epoch 3 (a commit whose reply was lost)
    with factory.begin() as session:
        job_id = _job(session).id
        attempt = attempts.claim_job(session, job_id)
        attempts.record_metrics(session, job_id, attempt, [_row(1), _row(2)])
    with factory.begin() as session:
        again = [{**_row(2), "loss": 0.25}, _row(3)]
        assert attempts.record_metrics(session, job_id, attempt, again)
    # then: one row per epoch, the latest values
    with factory() as session:
        rows = tenancy.metrics(session, job_id)
    assert [(m.epoch, m.loss) for m in rows] == [(1, 1.0), (2, 0.25), (3, 1 / 3)]


def test_success_writes_the_model_and_the_status_together(factory):
    with factory.begin() as session:
        job = _job(session)
        attempt = attempts.claim_job(session, job.id)
    weights = blobs.pack(params=np.ones(3))
    model = Model(
        tenant_id=job.tenant_id,
        job_id=job.id,
        dataset_id=job.dataset_id,
        network={},
        training={},
        task="classification",
        classes=[0, 1],
        metrics={"loss": 0.1},
        n_params=3,
        sha256=blobs.sha256(weights),
        weights=weights,
    )
    with factory.begin() as session:
        assert attempts.finish_succeeded(session, job.id, attempt, model)
    with factory.begin() as session:
        stored = tenancy.job(session, job.id)
        assert stored.status == SUCCEEDED and stored.model_id == model.id
        assert stored.finished_at is not None


def test_cancel_queued_at_once_running_by_flag_finished_never(factory):
    with factory.begin() as session:
        queued, running, done = _job(session), _job(session), _job(session)
        attempts.claim_job(session, running.id)
        attempt = attempts.claim_job(session, done.id)
        attempts.finish_unsuccessful(session, done.id, attempt, FAILED, {"type": "x"})
    with factory.begin() as session:
        assert jobs.cancel_job(session, queued.tenant_id, queued.id)
        assert jobs.cancel_job(session, running.tenant_id, running.id)
        assert not jobs.cancel_job(session, done.tenant_id, done.id)
    with factory.begin() as session:
        assert tenancy.job(session, queued.id).status == CANCELLED
        assert tenancy.job(session, running.id).status == RUNNING
        assert jobs.cancel_requested(session, running.id)
        assert tenancy.job(session, done.id).status == FAILED


def test_dataset_in_use_only_while_a_job_is_active(factory):
    with factory.begin() as session:
        job = _job(session)
        assert datasets.dataset_in_use(session, job.dataset_id)
        jobs.cancel_job(session, job.tenant_id, job.id)
        assert not datasets.dataset_in_use(session, job.dataset_id)


def test_idempotency_key_is_unique(factory):
    with factory.begin() as session:
        job = _job(session, key="k1")
        assert jobs.job_by_idempotency_key(session, job.tenant_id, "k1").id == job.id
    with pytest.raises(IntegrityError), factory.begin() as session:
        _job(session, key="k1")


def test_list_pages_newest_first(factory):
    with factory.begin() as session:
        ids = [_job(session).id for _ in range(5)]
    seen, cursor = [], None
    with factory() as session:
        while True:
            tenant = tenancy.tenant_id(session)
            rows, cursor = jobs.list_jobs(session, tenant, 2, cursor, status=QUEUED)
            seen += [row.id for row in rows]
            if cursor is None:
                break
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    assert seen == sorted(seen, key=lambda i: ids.index(i), reverse=True)


def test_dataset_blob_is_checked_on_load(factory):
    with factory.begin() as session:
        dataset = datasets.add_dataset(
            session,
            tenant_id=tenancy.tenant_id(session),
            name="d",
            task="regression",
            X=np.ones((3, 2), np.float32),
            y=np.ones(3),
            classes=None,
            n_outputs=1,
        )
        dataset.sha256 = "0" * 64
    with factory() as session, pytest.raises(blobs.CorruptBlob, match="sha256"):
        datasets.load_arrays(session, dataset.tenant_id, dataset.id)
