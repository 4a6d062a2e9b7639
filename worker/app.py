"""The Celery app, configured from Settings. The API imports only this module, to send
tasks by name; it never imports training code."""

from __future__ import annotations

from celery import Celery

from store.settings import get_settings

TRAIN_TASK = "jobs.train"


def make_celery() -> Celery:
    settings = get_settings()
    app = Celery("syn0", broker=settings.broker_url, include=["worker.tasks"])
    app.conf.update(
        # Results live in SQL; the broker only carries job ids.
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # Acknowledge after the task ran, so a message whose worker died is delivered
        # again; the conditional claim makes a second delivery harmless. (Resuming a
        # job that was already running when its worker died is not implemented yet: the
        # redelivered message finds it running and leaves it.)
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One long CPU job at a time per process: no prefetched jobs waiting behind it.
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
    )
    return app


celery_app = make_celery()


def enqueue_training(job_id: str) -> None:
    """Send the train task for a committed job; the message carries only its id."""
    celery_app.send_task(TRAIN_TASK, args=[job_id])
