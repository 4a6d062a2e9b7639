"""Celery tasks: adapters only. The work is in ``worker.train``."""

from sqlalchemy.exc import OperationalError

from worker.app import TRAIN_TASK, celery_app
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
