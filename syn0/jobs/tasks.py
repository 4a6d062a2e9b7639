"""The jobs domain's Celery task: an adapter only. The work is in ``syn0.jobs.training``,
plain functions that tests call directly. (The reaper is no task: every worker runs it
in a thread, ``syn0.jobs.reaper.reap_forever``, so it never waits behind training.)"""

from __future__ import annotations

from celery import Celery
from celery.signals import worker_shutting_down
from sqlalchemy.exc import OperationalError

from syn0.dispatch import TRAIN_TASK
from syn0.jobs.orm import QUEUED
from syn0.jobs.shutdown import SHUTDOWN
from syn0.jobs.training import run_job


def _stop_training(**_) -> None:
    """Warm shutdown (SIGTERM, a first Ctrl-C) waits for the running task: ask the job
    this process trains (the embedded worker's solo pool trains in its main process) to
    stop at the end of its epoch. Runs inside the signal handler, so it only sets a time."""
    SHUTDOWN.request()


def register(app: Celery) -> None:
    """Register the task on ``app``; it reads its worker's context (``app.syn0``)."""

    @app.task(
        name=TRAIN_TASK,
        bind=True,
        shared=False,  # this app's task, not every app's
        # The database was down before the job could be claimed: try again later.
        autoretry_for=(OperationalError,),
        retry_backoff=2,
        retry_backoff_max=60,
        max_retries=None,
    )
    def train(task, job_id: str) -> None:
        """Train job ``job_id``; a redelivered or duplicate message finds nothing to claim.

        A worker shutting down gives its job back to the queue (``syn0.jobs.training``) and
        leaves a job it has not claimed yet (the solo pool takes one more message once a
        warm shutdown began); either way a copy of the message goes back to the broker for
        the next worker.
        """
        worker = task.app.syn0
        if not SHUTDOWN.requested():
            status = run_job(job_id, worker.database.sessions, worker.settings)
            if status != QUEUED:
                return
        raise task.retry(countdown=0)

    worker_shutting_down.connect(_stop_training, weak=False, dispatch_uid="syn0.stop_training")
