"""The jobs domain's Celery tasks: adapters only. The work is in ``syn0.jobs.training``
and ``syn0.jobs.reaper``, plain functions that tests call directly."""

from __future__ import annotations

from celery import Celery
from sqlalchemy.exc import OperationalError

from syn0.dispatch import REAP_TASK, TRAIN_TASK
from syn0.jobs.reaper import reap_once
from syn0.jobs.training import run_job


def register(app: Celery) -> None:
    """Register the tasks on ``app``; each reads its worker's context (``app.syn0``)."""

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
        """Train job ``job_id``; a redelivered or duplicate message finds nothing to claim."""
        worker = task.app.syn0
        run_job(job_id, worker.database.sessions, worker.settings)

    @app.task(name=REAP_TASK, bind=True, shared=False)
    def reap(task) -> None:
        """Requeue jobs whose worker went silent and resend jobs no worker took."""
        worker = task.app.syn0
        reap_once(worker.database.sessions, worker.settings, worker.dispatch)
