"""Celery tasks: adapters only. The work is in ``worker.train``."""

from worker.app import TRAIN_TASK, celery_app
from worker.train import run_job


@celery_app.task(name=TRAIN_TASK)
def train(job_id: str) -> str:
    """Train job ``job_id``; a redelivered or duplicate message finds nothing to claim."""
    return run_job(job_id)
