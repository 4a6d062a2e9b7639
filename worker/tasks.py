"""Celery tasks: adapters only. The work is in ``worker.train`` and ``worker.reaper``."""

from sqlalchemy.exc import OperationalError

from worker.app import REAP_TASK, TRAIN_TASK, celery_app
from worker.reaper import reap_once
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
    """Train job ``job_id``; a redelivered or duplicate message finds nothing to claim."""
    return run_job(job_id)


@celery_app.task(name=REAP_TASK)
def reap() -> dict:
    """Requeue jobs whose worker went silent and resend jobs no worker took."""
    reaped = reap_once()
    return {"requeued": reaped.requeued, "failed": reaped.failed, "sent": list(reaped.to_send)}
