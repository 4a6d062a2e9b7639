"""The reaper sends a queued job again only once its queue has moved past it, and it
runs in a thread of each worker, beside the training: never behind it."""

import os
import subprocess
import sys
import time

from celery import Celery
from sqlalchemy.orm import sessionmaker

from syn0.dispatch import Dispatcher
from syn0.jobs import attempts
from syn0.jobs import repository as jobs
from syn0.jobs.orm import Job
from syn0.jobs.reaper import reap_forever
from syn0.jobs.training import run_job
from syn0.kit.db import make_engine
from syn0.settings import Settings, get_settings
from tests import tenancy
from tests.services import migrate
from tests.worker.test_recovery import TRAINING, _age, _reap_now, _submit, _worker_up


def _claim(factory, job_id):
    with factory.begin() as session:
        return attempts.claim_job(session, job_id)


def _status(factory, job_id):
    with factory() as session:
        return tenancy.job(session, job_id).status


def test_a_job_waiting_behind_a_busy_worker_is_not_sent_again(factory):
    # given: the one worker trains a job sent long ago; another has waited long behind it
    _worker_up(factory)
    training, waiting = _submit(factory), _submit(factory)
    _age(factory, training, 600)
    _claim(factory, training)
    _age(factory, waiting, 300)
    # when
    reaped = _reap_now(factory)
    # then: its message is still in the queue; sending it again would deliver it twice
    assert reaped.to_send == {}
    assert _status(factory, waiting) == "queued"


def test_a_job_no_worker_can_take_now_is_not_sent_again(factory):
    # given: a GPU job queued long ago; a CPU worker, a GPU worker that started 30 s ago
    # (it may not have fetched its first message yet) and one silent for 30 s (gone)
    _worker_up(factory, "cpu@a", "cpu")
    _worker_up(factory, "gpu@b", "gpu", seconds=30)
    _worker_up(factory, "gpu@c", "gpu", silent=30)
    gpu = _submit(factory, device="gpu")
    _age(factory, gpu, 300)
    # when / then: nothing is sent to a queue no worker takes from now
    assert _reap_now(factory).to_send == {}


def test_a_job_the_queue_moved_past_is_sent_again(factory):
    # given: the one worker trains a job sent 100 s after `lost` (taken first, so `lost`
    # is not in the queue) but only 30 s after `close` (the two sends may have raced)
    _worker_up(factory)
    lost, close, later = _submit(factory), _submit(factory), _submit(factory)
    _age(factory, lost, 300)
    _age(factory, close, 230)
    _age(factory, later, 200)
    _claim(factory, later)
    # when
    reaped = _reap_now(factory)
    # then
    assert reaped.to_send == {lost: "cpu"}
    assert _reap_now(factory).to_send == {}  # at most once per grace


def test_a_job_is_sent_again_once_a_free_worker_left_it_for_the_grace(factory):
    # given: two workers, one training a job sent long ago, the other done with a job
    # 10 s ago (it may be fetching the next message right now), and a job queued since
    _worker_up(factory, "w1@host")
    _worker_up(factory, "w2@host")
    training, finished, waiting = _submit(factory), _submit(factory), _submit(factory)
    _age(factory, training, 600)
    _claim(factory, training)
    with factory.begin() as session:
        jobs.cancel_job(session, tenancy.job(session, finished).tenant_id, finished)
    _age(factory, finished, 10, column=Job.finished_at)
    _age(factory, waiting, 300)
    # when / then: not yet
    assert _reap_now(factory).to_send == {}
    # when: the free worker has taken nothing for the grace
    _age(factory, finished, 120, column=Job.finished_at)
    # then: the job is not in the queue
    assert _reap_now(factory).to_send == {waiting: "cpu"}


def test_the_reaper_thread_reaps_while_its_process_trains(factory, monkeypatch):
    # given: a job whose worker died while it was being cancelled, and a long job that
    # this process trains itself (as the embedded worker's one process does)
    monkeypatch.setenv("SYN0_HEARTBEAT_SECONDS", "0.1")
    get_settings.cache_clear()
    dead = _submit(factory)
    _claim(factory, dead)
    with factory.begin() as session:
        jobs.cancel_job(session, tenancy.job(session, dead).tenant_id, dead)
    # Trains for 5 s whatever the machine's speed, then fails for its time limit.
    long = _submit(factory, training={**TRAINING, "epochs": 10**6}, max_runtime_seconds=5)
    settings = Settings(heartbeat_grace_seconds=2, reap_interval_seconds=0.1)
    # when
    stop = reap_forever(factory, settings, Dispatcher(settings.broker_url))
    try:
        assert run_job(long, factory) == "failed"
    finally:
        stop.set()
        get_settings.cache_clear()
    # then: reaped during the training, not after it
    with factory() as session:
        reaped, trained = tenancy.job(session, dead), tenancy.job(session, long)
    assert reaped.status == "cancelled"
    assert trained.error["type"] == "time-limit"
    assert reaped.finished_at < trained.finished_at


def _wait(condition, seconds, log):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not so after {seconds} s\n{log.read_text(errors='replace')}")
        time.sleep(0.05)


def test_the_embedded_worker_requeues_a_dead_job_while_it_trains(tmp_path):
    # given: `syn0 worker` on the embedded store and broker (one process: it trains and
    # reaps), training a long job
    url, broker = f"sqlite:///{tmp_path / 'syn0.db'}", f"sqla+sqlite:///{tmp_path / 'broker.db'}"
    migrate(url)
    factory = sessionmaker(make_engine(url), expire_on_commit=False)
    long = _submit(factory, training={**TRAINING, "epochs": 20_000})
    sender = Celery(broker=broker)
    sender.send_task("jobs.train", args=[long])
    sender.close()
    grace, interval = 2.0, 0.5
    env = {
        **os.environ,
        "SYN0_DATABASE_URL": url,
        "SYN0_BROKER_URL": broker,
        "SYN0_HEARTBEAT_SECONDS": "0.5",
        "SYN0_HEARTBEAT_GRACE_SECONDS": str(grace),
        "SYN0_REAP_INTERVAL_SECONDS": str(interval),
    }
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "syn0.cli", "worker", "--quiet", "-l", "INFO"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: _status(factory, long) == "running", 60, log)
        # when: another worker's job goes silent
        dead = _submit(factory)
        _claim(factory, dead)
        claimed = time.monotonic()
        _wait(lambda: _status(factory, dead) == "queued", 30, log)
        requeued_after = time.monotonic() - claimed
        # then: requeued within the grace and one interval, while the long job trains
        assert _status(factory, long) == "running", log.read_text()
        assert requeued_after <= grace + interval + 3, requeued_after
    finally:
        worker.kill()
        worker.wait(timeout=30)
