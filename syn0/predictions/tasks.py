"""The predictions domain's Celery task: an adapter only; the work is
``syn0.predictions.running.run_prediction``."""

from __future__ import annotations

from celery import Celery
from sqlalchemy.exc import OperationalError

from syn0.dispatch import PREDICT_TASK
from syn0.predictions.running import run_prediction


def register(app: Celery) -> None:
    """Register the task on ``app``; it reads its worker's context (``app.syn0``)."""

    @app.task(
        name=PREDICT_TASK,
        bind=True,
        shared=False,
        # The database was down before the prediction could be claimed: try again later.
        autoretry_for=(OperationalError,),
        retry_backoff=2,
        retry_backoff_max=60,
        max_retries=None,
    )
    def run(task, prediction_id: str) -> str:
        """Run prediction ``prediction_id``. A redelivered message finds nothing to claim,
        unless the worker that ran it died (no heartbeat for
        ``SYN0_HEARTBEAT_GRACE_SECONDS``): then it goes on from its last stored chunk."""
        worker = task.app.syn0
        grace = worker.settings.heartbeat_grace_seconds
        return run_prediction(prediction_id, worker.database.sessions, grace)
