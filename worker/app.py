"""The Celery app, configured from Settings. The API imports only this module, to send
tasks by name; it never imports training code."""

from __future__ import annotations

from celery import Celery
from celery.signals import worker_process_init, worker_ready
from kombu import Queue

from store.settings import get_settings

TRAIN_TASK = "jobs.train"
# CPU jobs go to Celery's default queue; GPU jobs to their own, which only GPU workers
# consume, so a GPU never waits behind a long CPU job. The reaper is no task: each
# worker runs it in a thread (worker.reaper), so it never waits behind training.
GPU_QUEUE = "gpu"
# Celery's own time limits back up the per-job limit that the training loop enforces.
TIME_LIMIT_MARGIN_SECONDS = 60


def make_celery() -> Celery:
    settings = get_settings()
    soft_limit = settings.max_runtime_seconds + TIME_LIMIT_MARGIN_SECONDS
    hard_limit = soft_limit + TIME_LIMIT_MARGIN_SECONDS
    app = Celery("syn0", broker=settings.broker_url, include=["worker.tasks"])
    app.conf.update(
        # Results live in SQL; the broker only carries job ids, as JSON.
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # Acknowledge a message after its task ran, so one whose worker died is
        # delivered again instead of lost; the conditional claim makes that harmless.
        task_acks_late=True,
        # Without this a pool child killed by SIGKILL (or the OOM killer) counts as a
        # finished task: the message is acknowledged and the job is lost.
        task_reject_on_worker_lost=True,
        # One long CPU job at a time per process, none prefetched behind it: a free
        # worker takes the next job (fair scheduling, Celery's default since 5.0).
        worker_prefetch_multiplier=1,
        # The soft limit raises inside the task, which keeps its last checkpoint and
        # fails the job as "time-limit"; the hard limit kills a task that ignores it.
        task_soft_time_limit=soft_limit,
        task_time_limit=hard_limit,
        broker_transport_options=_transport_options(settings.broker_url, hard_limit),
        broker_connection_retry_on_startup=True,
    )
    if settings.worker_device == "gpu":
        app.conf.task_queues = (Queue(GPU_QUEUE),)  # what a worker consumes without -Q
    return app


def _transport_options(broker_url: str, hard_limit: int) -> dict:
    """Redis hands an unacknowledged message to another worker after its visibility
    timeout; kept above the hard limit, a job still running is never started twice."""
    if broker_url.startswith(("redis://", "rediss://")):
        return {"visibility_timeout": hard_limit + 300}
    return {}


celery_app = make_celery()


@worker_process_init.connect
def _fresh_process(**_) -> None:
    """In each pool child: database connections of its own (never the parent's, across a
    fork), and BLAS threads bounded so concurrent jobs do not oversubscribe the cores."""
    from threadpoolctl import threadpool_limits

    from store.db import engine

    engine().dispose(close=False)
    threads = get_settings().worker_blas_threads
    if threads:
        threadpool_limits(threads)


@worker_ready.connect
def _announce(sender, **_) -> None:
    """In the worker's main process: report this worker (and its device) to the store
    every heartbeat period, and run the reaper every reap interval, in threads beside
    the consumer (a prefork main process never trains)."""
    from worker.reaper import reap_forever
    from worker.sightings import report_forever

    report_forever(sender.hostname, get_settings())
    reap_forever(get_settings())


def queue_for(device: str) -> str | None:
    """The queue of a job on ``device`` (None: Celery's default queue)."""
    return GPU_QUEUE if device == "gpu" else None


def enqueue_training(job_id: str, device: str) -> None:
    """Send the train task for a committed job to its device's queue; the message
    carries only the job's id."""
    celery_app.send_task(TRAIN_TASK, args=[job_id], queue=queue_for(device))
