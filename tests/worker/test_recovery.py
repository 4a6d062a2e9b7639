"""Recovery without killing processes: the reaper's decisions, resuming a lost attempt
from its checkpoint (bitwise equal to an uninterrupted run), and the time limit."""

import os
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from syn0.core import Checkpoint, Network, NetworkSpec, TrainingSpec, datasets, fit
from syn0.jobs import attempts
from syn0.jobs import repository as jobs
from syn0.jobs.orm import Job
from syn0.jobs.recovery import reap
from syn0.jobs.shutdown import SHUTDOWN, SHUTDOWN_EPOCH_WAIT_SECONDS
from syn0.jobs.training import run_job
from syn0.kit.blobs import CorruptBlob
from syn0.kit.db import make_engine
from syn0.kit.orm import utcnow
from syn0.models.orm import Model
from syn0.settings import get_settings
from syn0.workers.orm import Worker
from tests import tenancy
from tests.services import ROOT, migrate
from tests.worker.rows import spiral_dataset

NETWORK = {
    "input_shape": [2],
    "layers": [
        {"type": "dense", "units": 16, "activation": "tanh"},
        {"type": "dense", "units": 2, "activation": "softmax"},
    ],
}
TRAINING = {
    "loss": "cross_entropy",
    "epochs": 6,
    "batch_size": 16,
    "optimizer": {"type": "adam", "learning_rate": 0.01},
    "validation_split": 0.2,
    "augmentation": {"gaussian_noise": 0.05},
}


def _submit(factory, training=TRAINING, max_attempts=3, max_runtime_seconds=None, device="cpu"):
    with factory.begin() as session:
        dataset = spiral_dataset(session)
        return jobs.create_job(
            session,
            tenant_id=tenancy.tenant_id(session),
            dataset_id=dataset.id,
            network=NETWORK,
            training=training,
            epochs=training["epochs"],
            idempotency_key=None,
            max_attempts=max_attempts,
            max_runtime_seconds=max_runtime_seconds,
            device=device,
        ).id


def _weights(factory, job_id):
    with factory() as session:
        model_id = tenancy.job(session, job_id).model_id
        return Network.from_bytes(tenancy.weights(session, model_id)).params


def _final_metrics(factory, job_id):
    """The model's metrics but the epoch's time."""
    with factory() as session:
        model_id = tenancy.job(session, job_id).model_id
        metrics = session.get_one(Model, model_id).metrics
    return {k: v for k, v in metrics.items() if k != "seconds"}


def test_the_stored_epochs_read_back_as_fit_reported_them(factory):
    # given: an attempt that stored three epochs of a classifier with a validation split
    job_id = _submit(factory)
    with factory.begin() as session:
        attempt = attempts.claim_job(session, job_id)
    X, y = datasets.spiral(200, noise=0.1, seed=0)
    spec = TrainingSpec.model_validate({**TRAINING, "epochs": 3})
    net = Network(NetworkSpec.model_validate(NETWORK), seed=spec.seed)
    history = fit(net, X, y, spec, task="classification")
    with factory.begin() as session:
        assert attempts.record_metrics(session, job_id, attempt, history.epochs)
    # when / then: the rows up to an epoch are that history's
    with factory() as session:
        assert attempts.metrics_until(session, job_id, 2) == history.epochs[:2]


def _reap_later(factory, seconds=120):
    with factory.begin() as session:
        return reap(session, utcnow() + timedelta(seconds=seconds), 60, 60, present_within=10)


def _reap_now(factory):
    with factory.begin() as session:
        return reap(session, utcnow(), 60, 60, present_within=10)


def _age(factory, job_id, seconds, column=Job.queued_at):
    """Move the job's ``column`` (its last send, by default) ``seconds`` into the past."""
    with factory.begin() as session:
        past = utcnow() - timedelta(seconds=seconds)
        session.execute(update(Job).where(Job.id == job_id).values({column: past}))


def _worker_up(factory, name="w1@host", device="cpu", seconds=3600, silent=0):
    """A worker on ``device`` that started ``seconds`` ago and last reported itself
    ``silent`` seconds ago."""
    with factory.begin() as session:
        now = utcnow()
        started, seen = now - timedelta(seconds=seconds), now - timedelta(seconds=silent)
        session.add(Worker(name=name, device=device, started_at=started, seen_at=seen))


def _lose_an_attempt(factory, job_id, epochs_done):
    """What a worker killed mid-training leaves: a running attempt with metrics and
    checkpoints up to ``epochs_done`` and one more epoch of metrics past its checkpoint."""
    with factory.begin() as session:
        attempt = attempts.claim_job(session, job_id)
    X, y = datasets.spiral(200, noise=0.1, seed=0)
    spec = TrainingSpec.model_validate({**TRAINING, "epochs": epochs_done + 1})
    saved = []
    history = fit(
        Network(NetworkSpec.model_validate(NETWORK), seed=spec.seed),
        X,
        y,
        spec,
        task="classification",
        on_checkpoint=saved.append,
    )
    with factory.begin() as session:
        assert attempts.record_metrics(session, job_id, attempt, history.epochs)
        ckpt = saved[epochs_done - 1]
        assert attempts.save_checkpoint(session, job_id, attempt, ckpt.epoch, ckpt.to_bytes())
    return attempt


def test_a_lost_attempt_resumes_from_its_checkpoint_to_the_same_weights(factory):
    # given: the job run without interruption, and the same job whose worker was lost
    clean = _submit(factory)
    assert run_job(clean, factory) == "succeeded"
    lost = _submit(factory)
    _lose_an_attempt(factory, lost, epochs_done=3)
    # when: the reaper notices the silence and the job runs again
    reaped = _reap_later(factory)
    assert reaped.requeued == [lost] and reaped.to_send == {lost: "cpu"}
    assert run_job(lost, factory) == "succeeded"
    # then: the same weights, and the same final metrics (the epochs before the
    # checkpoint come from the stored rows)
    assert _weights(factory, lost).tobytes() == _weights(factory, clean).tobytes()
    assert _final_metrics(factory, lost) == _final_metrics(factory, clean)
    with factory() as session:
        job = tenancy.job(session, lost)
        assert [m.epoch for m in tenancy.metrics(session, lost)] == [1, 2, 3, 4, 5, 6]
        assert job.attempts == 2
        assert [h["outcome"].split(":")[0] for h in job.history] == ["lost", "succeeded"]


def test_a_shutdown_gives_the_job_back_at_its_epoch_and_it_resumes_to_the_same_weights(
    factory, monkeypatch
):
    # given: the job run without interruption, and the same job on a worker shutting down
    clean = _submit(factory)
    assert run_job(clean, factory) == "succeeded"
    job_id = _submit(factory, max_attempts=1)
    monkeypatch.setattr(SHUTDOWN, "requested_at", time.monotonic())
    # when
    assert run_job(job_id, factory) == "queued"
    # then: queued again after its first epoch, with that epoch's checkpoint (checkpoints
    # come every 5 epochs otherwise), and the attempt does not count against max_attempts
    with factory() as session:
        job = tenancy.job(session, job_id)
        assert (job.status, job.epoch, job.attempts, job.max_attempts) == ("queued", 1, 1, 2)
        assert [h["outcome"] for h in job.history] == ["worker-shutdown"]
        assert [m.epoch for m in tenancy.metrics(session, job_id)] == [1]
        assert Checkpoint.from_bytes(attempts.load_checkpoint(session, job_id)).epoch == 1
    # when: the next worker takes it
    monkeypatch.setattr(SHUTDOWN, "requested_at", None)
    assert run_job(job_id, factory) == "succeeded"
    # then
    assert _weights(factory, job_id).tobytes() == _weights(factory, clean).tobytes()
    with factory() as session:
        job = tenancy.job(session, job_id)
        assert [m.epoch for m in tenancy.metrics(session, job_id)] == [1, 2, 3, 4, 5, 6]
        assert [h["outcome"] for h in job.history] == ["worker-shutdown", "succeeded"]


def test_a_shutdown_stops_an_epoch_that_does_not_end_in_time(factory, monkeypatch):
    # given: a shutdown asked longer ago than an epoch may run on
    job_id = _submit(factory)
    asked = time.monotonic() - SHUTDOWN_EPOCH_WAIT_SECONDS
    monkeypatch.setattr(SHUTDOWN, "requested_at", asked)
    # when / then: it stops at the first batch, and the job is queued with no epoch done
    assert run_job(job_id, factory) == "queued"
    with factory() as session:
        job = tenancy.job(session, job_id)
        assert (job.status, job.epoch) == ("queued", 0)
        assert attempts.load_checkpoint(session, job_id) is None


def test_a_job_lost_max_attempts_times_fails_with_its_history(factory):
    job_id = _submit(factory, max_attempts=2)
    for _ in range(2):
        with factory.begin() as session:
            attempts.claim_job(session, job_id)
        _reap_later(factory)
    with factory() as session:
        job = tenancy.job(session, job_id)
    assert job.status == "failed" and job.error["type"] == "max-attempts"
    assert [entry["attempt"] for entry in job.error["attempts"]] == [1, 2]
    assert "lost in each of its 2 attempts" in job.error["detail"]


def test_a_lost_job_that_was_being_cancelled_ends_cancelled(factory):
    job_id = _submit(factory)
    with factory.begin() as session:
        attempts.claim_job(session, job_id)
        jobs.cancel_job(session, tenancy.job(session, job_id).tenant_id, job_id)
    assert _reap_later(factory).cancelled == [job_id]


def test_a_lost_job_that_was_being_cancelled_keeps_the_model_of_its_checkpoint(factory):
    # given: a worker lost after storing the checkpoint of epoch 3, and a cancel
    job_id = _submit(factory)
    _lose_an_attempt(factory, job_id, epochs_done=3)
    with factory.begin() as session:
        jobs.cancel_job(session, tenancy.job(session, job_id).tenant_id, job_id)
    # when
    assert _reap_later(factory).cancelled == [job_id]
    # then
    with factory() as session:
        job = tenancy.job(session, job_id)
        model = session.get_one(Model, job.model_id)
        params = Network.from_bytes(tenancy.weights(session, model.id)).params
        kept = Checkpoint.from_bytes(attempts.load_checkpoint(session, job_id))
    assert job.status == "cancelled"
    assert (model.partial, model.epoch, model.metrics["epoch"]) == (True, 3, 3)
    assert kept.epoch == 3 and params.tobytes() == kept.params.tobytes()


def test_queued_jobs_an_idle_worker_did_not_take_are_sent_again_once_per_grace(factory):
    _worker_up(factory)
    job_id = _submit(factory)
    _age(factory, job_id, 10)
    assert _reap_now(factory).to_send == {}
    _age(factory, job_id, 120)
    assert _reap_now(factory).to_send == {job_id: "cpu"}
    with factory() as session:
        assert tenancy.job(session, job_id).status == "queued"
    assert _reap_now(factory).to_send == {}


def test_the_reaper_sends_each_job_back_to_its_own_device_queue(factory):
    # given: idle workers on both devices, a CPU and a GPU job queued long ago, and a GPU
    # job whose worker went silent
    _worker_up(factory, "cpu@host", "cpu")
    _worker_up(factory, "gpu@host", "gpu")
    on_cpu, on_gpu = _submit(factory), _submit(factory, device="gpu")
    lost_gpu = _submit(factory, device="gpu")
    with factory.begin() as session:
        attempts.claim_job(session, lost_gpu)
    for job_id in (on_cpu, on_gpu):
        _age(factory, job_id, 120)
    _age(factory, lost_gpu, 120, column=Job.heartbeat_at)
    # when
    reaped = _reap_now(factory)
    # then
    assert reaped.requeued == [lost_gpu]
    assert reaped.to_send == {lost_gpu: "gpu", on_cpu: "cpu", on_gpu: "gpu"}


def test_a_live_attempt_is_left_alone(factory):
    job_id = _submit(factory)
    with factory.begin() as session:
        attempt = attempts.claim_job(session, job_id)
        assert attempts.heartbeat(session, job_id, attempt) == (True, False)
    assert _reap_now(factory).requeued == []


def test_the_time_limit_fails_the_job_and_keeps_its_checkpoint(factory, monkeypatch):
    monkeypatch.setenv("SYN0_CHECKPOINT_EVERY_EPOCHS", "1")
    monkeypatch.setenv("SYN0_CHECKPOINT_MIN_SECONDS", "0")
    get_settings.cache_clear()
    try:
        long = {**TRAINING, "epochs": 100_000, "validation_split": 0.0}
        job_id = _submit(factory, training=long, max_runtime_seconds=1)
        assert run_job(job_id, factory) == "failed"
    finally:
        get_settings.cache_clear()
    with factory() as session:
        job = tenancy.job(session, job_id)
        kept = attempts.load_checkpoint(session, job_id)
    assert job.error["type"] == "time-limit" and job.error["epoch"] >= 1
    assert f"epoch {job.error['epoch']}" in job.error["detail"]
    assert kept is not None


def test_metrics_survive_commits_the_database_breaks(factory, monkeypatch):
    # given: a job flushing every epoch, on a database that, once the job is claimed and
    # its data read, breaks every second commit: once before it lands, once after it (the
    # reply lost on the way back)
    monkeypatch.setenv("SYN0_METRICS_FLUSH_SECONDS", "0")
    monkeypatch.setenv("SYN0_CHECKPOINT_EVERY_EPOCHS", "2")
    monkeypatch.setenv("SYN0_CHECKPOINT_MIN_SECONDS", "0")
    get_settings.cache_clear()
    job_id = _submit(factory, training={**TRAINING, "epochs": 12})
    dialect = factory.kw["bind"].dialect
    real_commit, commits = dialect.do_commit, 0

    def flaky_commit(dbapi_connection) -> None:
        nonlocal commits
        commits += 1
        if commits > 2 and commits % 4 == 1:
            raise sqlite3.OperationalError("server closed the connection before the commit")
        real_commit(dbapi_connection)
        if commits > 2 and commits % 4 == 3:
            raise sqlite3.OperationalError("server closed the connection after the commit")

    monkeypatch.setattr(dialect, "do_commit", flaky_commit)
    # when
    try:
        assert run_job(job_id, factory) == "succeeded"
    finally:
        get_settings.cache_clear()
    # then: every epoch once, and the job's model
    assert commits > 12
    with factory() as session:
        job = tenancy.job(session, job_id)
        assert [m.epoch for m in tenancy.metrics(session, job_id)] == list(range(1, 13))
    assert job.status == "succeeded" and job.attempts == 1 and job.model_id


def test_a_database_lost_while_a_claimed_job_reads_its_data_leaves_the_job_queued(
    factory, monkeypatch
):
    # given: a database that breaks while the worker reads the job's dataset, in the
    # transaction of its claim
    job_id = _submit(factory)
    dialect = factory.kw["bind"].dialect
    real_execute, broken = dialect.do_execute, []

    def breaks_on_the_data(cursor, statement, parameters, context=None) -> None:
        if "datasets.data" in statement and not broken:
            broken.append(statement)
            raise sqlite3.OperationalError("server closed the connection unexpectedly")
        real_execute(cursor, statement, parameters, context)

    monkeypatch.setattr(dialect, "do_execute", breaks_on_the_data)

    # when / then: the task sees the outage (Celery retries it), and the claim is undone
    with pytest.raises(OperationalError):
        run_job(job_id, factory)
    with factory() as session:
        job = tenancy.job(session, job_id)
        assert job.status == "queued" and job.attempts == 0 and job.history in (None, [])

    # when: the retry, with the database back
    assert run_job(job_id, factory) == "succeeded"
    with factory() as session:
        job = tenancy.job(session, job_id)
    assert broken and job.attempts == 1 and [h["outcome"] for h in job.history] == ["succeeded"]


def test_every_flipped_byte_of_stored_weights_is_detected(factory):
    job_id = _submit(factory)
    run_job(job_id, factory)
    with factory() as session:
        model_id = tenancy.job(session, job_id).model_id
        original = tenancy.weights(session, model_id)
    detected = 0
    for position in range(len(original)):
        flipped = bytearray(original)
        flipped[position] ^= 0x01
        with factory.begin() as session:
            session.execute(
                update(Model).where(Model.id == model_id).values(weights=bytes(flipped))
            )
        with factory() as session:
            try:
                tenancy.weights(session, model_id)
            except CorruptBlob:
                detected += 1
    assert detected == len(original)


def test_the_reaper_runs_by_hand(tmp_path):
    # given: a store with a job queued long ago that an idle worker did not take
    url = f"sqlite:///{tmp_path / 'hand.db'}"
    migrate(url)
    factory = sessionmaker(make_engine(url), expire_on_commit=False)
    _worker_up(factory)
    job_id = _submit(factory)
    _age(factory, job_id, 3600)
    env = {
        **os.environ,
        "SYN0_DATABASE_URL": url,
        "SYN0_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.db'}",
        "SYN0_HEARTBEAT_SECONDS": "60",  # the worker's sighting counts for two minutes
    }
    # when
    done = subprocess.run(
        [sys.executable, "-m", "syn0.jobs.reaper"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "requeued 0, failed 0, cancelled 0, sent 1"
