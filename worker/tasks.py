"""Celery tasks: adapters only. The work is in ``worker.train`` and ``worker.reaper``."""

from celery.signals import worker_shutting_down
from sqlalchemy.exc import OperationalError

from store.orm import QUEUED
from worker.app import REAP_TASK, TRAIN_TASK, celery_app
from worker.reaper import reap_once
from worker.shutdown import SHUTDOWN
from worker.train import run_job


@celery_app.task(
    name=TRAIN_TASK,
    # The database was down before the job could be claimed: try again later.
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=None,
)
def train(job_id: str) -> str:
    """Train job ``job_id``; a redelivered or duplicate message finds nothing to claim.

    A worker shutting down gives its job back to the queue (``worker.train``) and leaves a
    job it has not claimed yet (the solo pool takes one more message once a warm shutdown
    began); either way a copy of the message goes back to the broker for the next worker.
    """
    if not SHUTDOWN.requested():
        status = run_job(job_id)
        if status != QUEUED:
            return status
    raise train.retry(countdown=0)


@celery_app.task(name=REAP_TASK)
def reap() -> dict:
    """Requeue jobs whose worker went silent and resend jobs no worker took."""
    reaped = reap_once()
    return {"requeued": reaped.requeued, "failed": reaped.failed, "sent": list(reaped.to_send)}


@worker_shutting_down.connect
def _stop_training(**_) -> None:
    """Warm shutdown (SIGTERM, a first Ctrl-C) waits for the running task: ask the job
    this process trains (the embedded worker's solo pool trains in its main process) to
    stop at the end of its epoch. Runs inside the signal handler, so it only sets a time."""
    SHUTDOWN.request()
