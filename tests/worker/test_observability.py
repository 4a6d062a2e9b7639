"""What a worker counts and logs: epochs and training seconds, the reaper's actions, and
one line per committed change of a job's status (none for a change rolled back)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import timedelta

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import update

from syn0.core import datasets
from syn0.datasets import repository as dataset_rows
from syn0.dispatch import Dispatcher
from syn0.jobs import attempts
from syn0.jobs import repository as jobs
from syn0.jobs.orm import Job
from syn0.jobs.reaper import reap_once
from syn0.jobs.training import run_job
from syn0.kit import logs
from syn0.kit.orm import utcnow
from syn0.settings import Settings
from tests import tenancy

NETWORK = {
    "input_shape": [2],
    "layers": [
        {"type": "dense", "units": 8, "activation": "tanh"},
        {"type": "dense", "units": 2, "activation": "softmax"},
    ],
}
TRAINING = {"loss": "cross_entropy", "epochs": 4, "batch_size": 32}


def _submit(factory) -> str:
    X, y = datasets.spiral(100, noise=0.1, seed=0)
    with factory.begin() as session:
        tenant = tenancy.tenant_id(session)
        dataset = dataset_rows.add_dataset(
            session, tenant_id=tenant, name="d", task="classification", X=X, y=y,
            classes=[0, 1], n_outputs=2,
        )  # fmt: skip
        return jobs.create_job(
            session, tenant_id=tenant, dataset_id=dataset.id, network=NETWORK,
            training=TRAINING, epochs=TRAINING["epochs"], idempotency_key=None,
            max_attempts=3, max_runtime_seconds=None, device="cpu",
        ).id  # fmt: skip


def _counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _transitions(caplog, job_id: str) -> list[tuple]:
    return [
        (r.from_status, r.to_status, r.attempt, r.reason)
        for r in caplog.records
        if r.name == "syn0.jobs" and getattr(r, "job_id", None) == job_id
    ]


def test_a_trained_job_counts_its_epochs_and_logs_each_transition(factory, caplog):
    job_id = _submit(factory)
    caplog.clear()  # its creation's line
    epochs = _counted("syn0_epochs_trained_total", device="cpu")
    seconds = _counted("syn0_training_seconds_total", device="cpu")
    with caplog.at_level(logging.INFO, logger="syn0.jobs"):
        assert run_job(job_id, factory, Settings(metrics_flush_seconds=0)) == "succeeded"
    assert _counted("syn0_epochs_trained_total", device="cpu") - epochs == 4
    assert _counted("syn0_training_seconds_total", device="cpu") > seconds
    assert _transitions(caplog, job_id) == [
        ("queued", "running", 1, None),
        ("running", "succeeded", 1, None),
    ]
    # as the JSON formatter writes it
    record = next(r for r in caplog.records if getattr(r, "to_status", None) == "succeeded")
    line = json.loads(logs.formatter("json").format(record))
    assert {k: line[k] for k in ("logger", "level", "job_id", "from_status", "to_status")} == {
        "logger": "syn0.jobs",
        "level": "INFO",
        "job_id": job_id,
        "from_status": "running",
        "to_status": "succeeded",
    }
    assert (
        line["attempt"] == 1
        and line["message"] == f"job {job_id}: running -> succeeded (attempt 1)"
    )


def test_the_reaper_counts_what_it_did_and_logs_the_requeue(factory, caplog, tmp_path):
    # given: a running job whose heartbeat stopped two minutes ago
    job_id = _submit(factory)
    with factory.begin() as session:
        attempts.claim_job(session, job_id)
        past = utcnow() - timedelta(seconds=120)
        session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=past))
    requeued, sent = (
        _counted("syn0_reaper_actions_total", action="requeued"),
        _counted("syn0_reaper_actions_total", action="sent"),
    )
    settings = Settings(heartbeat_grace_seconds=60)
    caplog.clear()  # the lines of the job's creation and claim
    # when
    with caplog.at_level(logging.INFO, logger="syn0.jobs"):
        reaped = reap_once(factory, settings, Dispatcher(f"sqla+sqlite:///{tmp_path / 'b.db'}"))
    # then
    assert reaped.requeued == [job_id]
    assert _counted("syn0_reaper_actions_total", action="requeued") - requeued == 1
    assert _counted("syn0_reaper_actions_total", action="sent") - sent == 1
    [(source, target, attempt, reason)] = _transitions(caplog, job_id)
    assert (source, target, attempt) == ("running", "queued", 1)
    assert reason.startswith("lost: no heartbeat since ")


def test_a_transition_rolled_back_is_not_logged(factory, caplog):
    job_id = _submit(factory)
    caplog.clear()  # its creation's line
    with caplog.at_level(logging.INFO, logger="syn0.jobs"):
        with factory() as session:
            assert attempts.claim_job(session, job_id) == 1
            session.rollback()
        with factory() as session:  # closed without a commit
            assert attempts.claim_job(session, job_id) == 1
    assert _transitions(caplog, job_id) == []
    with factory() as session:
        assert tenancy.job(session, job_id).status == "queued"


def test_a_process_counts_into_the_folder_it_chose_first(tmp_path):
    probe = """
import os, socket, sys
from pathlib import Path
from syn0.kit import metrics
metrics.configure(Path(sys.argv[1]))
metrics.configure(Path(sys.argv[1]))  # the same again: nothing to do
metrics.EPOCHS.labels(device="cpu").inc(3)
try:
    metrics.configure(None)
except RuntimeError as exc:
    print(exc)
print(f"{socket.gethostname()}-{os.getpid()}")
"""
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "m")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    refusal, writer = done.stdout.splitlines()
    assert refusal == (
        f"metrics already count in files under {tmp_path / 'm'}; "
        "cannot switch to in this process in the same process"
    )
    files = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert files == [f"counter_{writer}.db", f"histogram_{writer}.db"]
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(tmp_path / "m"))
    assert registry.get_sample_value("syn0_epochs_trained_total", {"device": "cpu"}) == 3
