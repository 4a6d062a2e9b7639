"""The Celery app of the workers, built by ``create_celery`` (``syn0 worker``, tests);
nothing here is built at import time. The tasks are the domains' (``syn0.jobs.tasks``,
``syn0.predictions.tasks``, ``syn0.sweeps.tasks``)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from celery import Celery, current_app
from celery.concurrency import ALIASES
from celery.signals import (
    setup_logging,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)
from kombu import Queue

from syn0.dispatch import GPU_QUEUE, Dispatcher, transport_options
from syn0.jobs import tasks
from syn0.kit import logs, metrics
from syn0.kit.db import Database
from syn0.predictions import tasks as prediction_tasks
from syn0.settings import Settings, get_settings
from syn0.sweeps import tasks as sweep_tasks

log = logging.getLogger(__name__)

# Celery's own time limits back up the per-job limit that the training loop enforces.
TIME_LIMIT_MARGIN_SECONDS = 60


@dataclass
class WorkerContext:
    """What the tasks of one worker process use: settings, the store, the dispatcher."""

    settings: Settings
    database: Database
    dispatch: Dispatcher
    blas_threads: int | None = None  # per training process, chosen as the worker starts


def create_celery(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    metrics.configure(settings.metrics_dir)  # before the first metric is made
    soft_limit = settings.max_runtime_seconds + TIME_LIMIT_MARGIN_SECONDS
    hard_limit = soft_limit + TIME_LIMIT_MARGIN_SECONDS
    app = Celery("syn0", broker=settings.broker_url)
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
        broker_transport_options=transport_options(settings.broker_url, hard_limit),
        broker_connection_retry_on_startup=True,
    )
    if settings.worker_device == "gpu":
        app.conf.task_queues = (Queue(GPU_QUEUE),)  # what a worker consumes without -Q
    app.syn0 = WorkerContext(settings, Database(settings.database_url), Dispatcher.using(app))
    tasks.register(app)
    prediction_tasks.register(app)
    sweep_tasks.register(app)
    worker_init.connect(_choose_blas_threads, weak=False, dispatch_uid="syn0.blas_threads")
    worker_init.connect(_prepare_broker, weak=False, dispatch_uid="syn0.prepare_broker")
    worker_process_init.connect(_fresh_process, weak=False, dispatch_uid="syn0.fresh_process")
    worker_ready.connect(_announce, weak=False, dispatch_uid="syn0.announce")
    for exited in (worker_process_shutdown, worker_shutdown):  # a pool child; the main process
        exited.connect(_exited, weak=False, dispatch_uid="syn0.metrics_exited")

    def configure_logging(loglevel: int | str | None = None, **_) -> None:
        """Instead of Celery's own: syn0's format; the level of ``--loglevel``."""
        logs.configure(settings.log_format, loglevel or settings.log_level)

    setup_logging.connect(configure_logging, weak=False, dispatch_uid="syn0.logging")
    return app


def context(app: Celery | None = None) -> WorkerContext:
    """The context of ``app`` (default: the app this process runs)."""
    return (app or current_app).syn0


def blas_threads(setting: int | None, processes: int, cpus: int) -> int:
    """BLAS threads per training process: ``setting`` (``SYN0_WORKER_BLAS_THREADS``), else
    the machine's ``cpus`` shared among the worker's ``processes``, at least one each."""
    return setting or max(1, cpus // processes)


def _training_processes(pool: type | str, concurrency: int | str) -> int:
    """How many processes of this worker train at once: a prefork pool's ``concurrency``
    (``auto``: one per CPU), else one (the solo pool trains in the main process)."""
    path = ALIASES.get(pool, pool) if isinstance(pool, str) else pool.__module__
    if "celery.concurrency.prefork" not in str(path):
        return 1
    return concurrency if isinstance(concurrency, int) else _cpus()


def _cpus() -> int:
    """The CPUs this process may run on (its affinity, as OpenBLAS counts them)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _choose_blas_threads(sender, **_) -> None:
    """In the worker's main process, before its pool starts (``worker_init``): bound the
    BLAS threads of every process that trains. The solo pool trains in this process and
    never sends ``worker_process_init``; prefork children set the bound again. Unbounded,
    OpenBLAS starts a thread per core in each process, and on a small machine the
    processes' threads then spin against each other: two processes on two cores spent
    twice the CPU for no faster training (``bench/sweep.py``, docs/benchmarks.md)."""
    worker = context(sender.app)
    processes = _training_processes(sender.pool_cls, sender.concurrency)
    worker.blas_threads = blas_threads(worker.settings.worker_blas_threads, processes, _cpus())
    _bound_blas(worker.blas_threads)


def _prepare_broker(sender, **_) -> None:
    """Before the pool starts and the consumer first declares its queues
    (``worker_init``): make a database broker's tables and queues, safe against an API
    starting at the same moment (``Dispatcher.prepare``)."""
    context(sender.app).dispatch.prepare()


def _bound_blas(threads: int | None) -> None:
    from threadpoolctl import threadpool_limits

    if threads:
        threadpool_limits(threads)


def _fresh_process(**_) -> None:
    """In each pool child: database connections of its own (never the parent's, across a
    fork), and the BLAS bound chosen as the worker started (``_choose_blas_threads``)."""
    worker = context()
    worker.database.after_fork()
    _bound_blas(worker.blas_threads)


def _exited(**_) -> None:
    metrics.process_exited()


def _announce(sender, **_) -> None:
    """In the worker's main process: report this worker (and its device) to the store
    every heartbeat period, run the reaper every reap interval, and fan out and send
    webhooks every webhooks interval, in threads beside the consumer (a prefork main
    process never trains)."""
    from syn0.jobs.reaper import reap_forever
    from syn0.webhooks.delivery import deliver_forever
    from syn0.workers.sightings import report_forever

    worker = context(sender.app)
    log.info("BLAS threads per training process: %s", worker.blas_threads)
    report_forever(sender.hostname, worker.settings, worker.database.sessions)
    reap_forever(worker.database.sessions, worker.settings, worker.dispatch)
    deliver_forever(worker.database.sessions, worker.settings)
