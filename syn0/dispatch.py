"""Sending tasks by name. The API and the reaper send work through this module; neither
imports the worker's Celery app or the training code. A message carries ids only."""

from __future__ import annotations

import threading

from celery import Celery
from kombu import Queue
from sqlalchemy.exc import DBAPIError

TRAIN_TASK = "jobs.train"
PREDICT_TASK = "predictions.run"  # a batch prediction over a stored dataset
DEFAULT_QUEUE = "celery"  # Celery's default queue: the CPU jobs
# CPU jobs go to Celery's default queue; GPU jobs to their own, which only GPU workers
# consume, so a GPU never waits behind a long CPU job.
GPU_QUEUE = "gpu"
BROKER_TIMEOUT_SECONDS = 2


def queue_for(device: str) -> str | None:
    """The queue of a job on ``device`` (None: Celery's default queue)."""
    return GPU_QUEUE if device == "gpu" else None


def transport_options(broker_url: str, hard_limit: int) -> dict:
    """Redis hands an unacknowledged message to another worker after its visibility
    timeout; kept above the hard limit, a job still running is never started twice."""
    if broker_url.startswith(("redis://", "rediss://")):
        return {"visibility_timeout": hard_limit + 300}
    return {}


class Dispatcher:
    """Sends tasks to the broker at ``broker_url`` through a producer-only Celery app,
    made on first use (no tasks, no worker signals)."""

    def __init__(self, broker_url: str):
        self.broker_url = broker_url
        self._app: Celery | None = None
        self._lock = threading.Lock()

    @classmethod
    def using(cls, app: Celery) -> Dispatcher:
        """Send through ``app`` (a worker's own Celery app) instead."""
        dispatcher = cls(app.conf.broker_url)
        dispatcher._app = app
        return dispatcher

    @property
    def app(self) -> Celery:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    app = Celery("syn0-dispatch", broker=self.broker_url, set_as_current=False)
                    app.conf.update(
                        task_serializer="json",
                        accept_content=["json"],
                        broker_connection_retry_on_startup=True,
                    )
                    self._app = app
        return self._app

    def prepare(self) -> None:
        """On a database broker (kombu's SQLAlchemy transport: the embedded default's
        SQLite file), make its tables and the rows of both queues now, at a process's
        start, instead of in its first send.

        Kombu makes them on first use, unlocked across processes: when the API's first
        send and a starting worker both find them missing, one of them fails
        (``UNIQUE constraint failed: kombu_queue.name``, or ``table ... already
        exists``). A send that fails so leaves its job queued until the reaper sends it
        again minutes later. Here a try that loses that race is tried again on a new
        connection, which finds what the other process made. A try is lost only to
        another process making one of four things (two tables, two queue rows) that
        every later try finds made, so five tries are enough. (A queue row whose insert
        waited out SQLite's 5 s busy timeout is left to the first send, as before: kombu
        drops that error.) No connection is left open: a prefork worker forks its pool
        after this, and a SQLite connection must not cross a fork.
        A broker server (Redis) declares queues atomically: nothing to do."""
        if not self.broker_url.startswith("sqla+"):
            return
        tries = 5
        for attempt in range(tries):
            try:
                with self.app.connection_for_write() as connection:
                    channel = connection.channel()
                    for name in (DEFAULT_QUEUE, GPU_QUEUE):
                        Queue(name, channel=channel).declare()
                    channel.session.close()
                    channel.session.bind.dispose()
                return
            except DBAPIError:  # IntegrityError, OperationalError; PostgreSQL's ProgrammingError
                if attempt == tries - 1:
                    raise

    def send(self, task: str, *args: str, queue: str | None = None) -> None:
        self.app.send_task(task, args=list(args), queue=queue)

    def train(self, job_id: str, device: str) -> None:
        """Send the train task of a committed job to its device's queue."""
        self.send(TRAIN_TASK, job_id, queue=queue_for(device))

    def ping(self) -> None:
        """Raise if the broker does not answer within ``BROKER_TIMEOUT_SECONDS``."""
        connection = self.app.connection_for_write(connect_timeout=BROKER_TIMEOUT_SECONDS)
        with connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
            )

    def queue_depths(self) -> dict[str, int]:
        """Messages waiting in each queue (the CPU and GPU queues), as the broker counts
        them: on Redis the length of the queue's lists (LLEN), on the embedded broker its
        visible rows; a message a worker has taken is no longer waiting."""
        depths = {}
        with self.app.connection_for_read(connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
            channel = connection.default_channel
            for queue in (DEFAULT_QUEUE, GPU_QUEUE):
                depths[queue] = channel.queue_declare(queue=queue).message_count
        return depths
