"""A running attempt of a job as the training loop sees it: the callbacks that write
metrics, heartbeats and checkpoints, each fenced by the attempt number of the claim
(``syn0.jobs.attempts``), and retried while the database is down."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from syn0.core import Checkpoint
from syn0.jobs import attempts
from syn0.jobs import repository as jobs
from syn0.jobs.shutdown import SHUTDOWN
from syn0.kit import metrics as counted
from syn0.kit.db import session_scope
from syn0.settings import Settings
from syn0.sweeps import asha

log = logging.getLogger(__name__)


# An asha trial that went on past a rung reads its cancel flag at the end of an epoch this
# often (else every ``cancel_poll_seconds``, between batches): later arrivals at the rung
# may demote it (``syn0.sweeps.asha``), and a short trial would otherwise train to its
# end before it looked. One small read per epoch for epochs longer than this.
PAST_RUNG_POLL_SECONDS = 0.02


class LostOwnership(RuntimeError):
    """Another attempt owns the job now (or it was finished elsewhere): stop writing."""


class TimeLimit(RuntimeError):
    """The job ran past its ``max_runtime_seconds``."""


@dataclass
class Attempt:
    """One attempt's writes: metrics (buffered), heartbeats, cancel checks, checkpoints."""

    factory: sessionmaker[Session]
    job_id: str
    number: int
    settings: Settings
    deadline: float
    rows: list[dict] = field(default_factory=list)
    flushed_at: float = field(default_factory=time.monotonic)
    beat_at: float = field(default_factory=time.monotonic)
    polled_at: float = field(default_factory=time.monotonic)
    cancelled: bool = False
    stopped_for_time: bool = False
    stopped_for_shutdown: bool = False
    saved_epoch: int = 0
    # The first checkpoint too is stored only ``checkpoint_min_seconds`` into the attempt:
    # a short job (most of a sweep's trials) ends before it, and would store one only to
    # delete it when it ends; a worker lost before it retrains those seconds.
    saved_at: float = field(default_factory=time.monotonic)
    # The last checkpoint fit handed over, stored or not: what a stopped job keeps.
    latest: Checkpoint | None = None
    # An asha trial's rung epochs, where it asks whether it goes on (``syn0.sweeps.asha``),
    # whether it went on past one (and may be demoted since), and the error it ends with
    # once pruned.
    rungs: frozenset[int] = frozenset()
    past_rung: bool = False
    pruned: dict | None = None

    def _write(self, action: Callable[[Session], bool]) -> bool:
        """Run a fenced write; False while the database is down (it is tried again later)."""
        try:
            with session_scope(self.factory) as session:
                if not action(session):
                    raise LostOwnership(self.job_id)
        except OperationalError as exc:
            log.warning("job %s: database unavailable, will retry: %s", self.job_id, exc.orig)
            return False
        return True

    # --- fit's callbacks ---------------------------------------------------------------

    def on_epoch_end(self, metrics: dict) -> None:
        device = self.settings.worker_device
        counted.EPOCHS.labels(device=device).inc()
        counted.TRAINING_SECONDS.labels(device=device).inc(metrics.get("seconds", 0.0))
        self.rows.append(finite(metrics))
        if metrics.get("epoch") in self.rungs:
            self._at_rung(metrics["epoch"])
            return
        now = time.monotonic()
        if now - self.flushed_at >= self.settings.metrics_flush_seconds:
            self.flush()
        if self.past_rung and now - self.polled_at >= PAST_RUNG_POLL_SECONDS:
            self.polled_at = now
            self._write(self._poll)

    def _at_rung(self, epoch: int) -> None:
        """Store the epochs so far and ask the sweep whether this trial goes on past the
        rung, in one transaction; pruned, it stops before the next batch. While the
        database is down it goes on (the next rung asks again). The sweep's row is
        locked first, before the metrics' write locks the job's: the order of a sweep's
        cancel (sweep, then its jobs), so the two never wait on each other."""
        rows, verdict = self.rows, None

        def judge(session: Session) -> bool:
            nonlocal verdict
            sweep = asha.locked_sweep(session, self.job_id)
            if not attempts.record_metrics(session, self.job_id, self.number, rows):
                return False
            verdict = asha.verdict(session, sweep, self.job_id, epoch)
            return True

        if self._write(judge):  # else no verdict: its rung's value is not stored
            self.rows, self.flushed_at = [], time.monotonic()
            self.pruned = self.pruned or verdict.error
            self.past_rung = verdict.goes_on

    def checkpoint_due(self, epoch: int) -> bool:
        """Whether the checkpoint fit made (every ``checkpoint_every_epochs``) is stored: at
        most every ``checkpoint_min_seconds``, counted from the attempt's start (a fast
        job would otherwise write one a second), and always for a shutdown."""
        recent = time.monotonic() - self.saved_at < self.settings.checkpoint_min_seconds
        return not recent or SHUTDOWN.requested()

    def on_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Keeps the latest checkpoint made, every ``checkpoint_every_epochs``: a stopped
        job's model comes from it, and ``_stop`` stores it if it is newer than the one
        stored. Stores it now if it is due; the metrics go first, so a stored checkpoint
        is never ahead of the stored epochs."""
        self.latest = checkpoint
        if not self.checkpoint_due(checkpoint.epoch):
            return
        data = checkpoint.to_bytes()

        def save(session: Session) -> bool:
            return attempts.save_checkpoint(
                session, self.job_id, self.number, checkpoint.epoch, data
            )

        if self._write_with_metrics(save):
            self.saved_epoch, self.saved_at = checkpoint.epoch, time.monotonic()

    def should_stop(self) -> bool:
        """Asked between batches: the time limit, a heartbeat every ``heartbeat_seconds``,
        the cancel flag every ``cancel_poll_seconds``, and a shutdown whose epoch did not
        end in time (``worker.shutdown``)."""
        if self.pruned is not None:
            return True
        now = time.monotonic()
        if now >= self.deadline:
            self.stopped_for_time = True
            return True
        if now - self.beat_at >= self.settings.heartbeat_seconds:
            self.beat_at = self.polled_at = now
            self._write(self._beat)
        elif now - self.polled_at >= self.settings.cancel_poll_seconds:
            self.polled_at = now
            self._write(self._poll)
        if not self.cancelled:
            self.stopped_for_shutdown = SHUTDOWN.overdue(now)
        return self.cancelled or self.stopped_for_shutdown

    def _beat(self, session: Session) -> bool:
        owner, cancelled = attempts.heartbeat(session, self.job_id, self.number)
        self._note_cancel(session, cancelled)
        return owner

    def _poll(self, session: Session) -> bool:
        self._note_cancel(session, jobs.cancel_requested(session, self.job_id))
        return True

    def _note_cancel(self, session: Session, cancelled: bool) -> None:
        """The cancel flag of an asha trial may be its sweep's demotion: it then ends
        pruned, with the reason the sweep stored beside the flag."""
        self.cancelled = cancelled
        if cancelled and self.rungs and self.pruned is None:
            self.pruned = asha.demotion(session, self.job_id)

    # --- writes ------------------------------------------------------------------------

    def flush(self) -> None:
        if self._write_with_metrics():
            self.flushed_at = time.monotonic()

    def _write_with_metrics(self, action: Callable[[Session], bool] | None = None) -> bool:
        """The buffered rows and ``action`` in one fenced transaction. The rows leave the
        buffer only once it commits: a commit the outage breaks keeps them for the next try."""
        rows = self.rows

        def write(session: Session) -> bool:
            ok = attempts.record_metrics(session, self.job_id, self.number, rows)
            return ok and (action is None or action(session))

        if not self._write(write):
            return False
        self.rows = []
        return True

    def finish(self, outcome: Callable[[Session], bool]) -> None:
        """The outcome and the last metrics in one transaction, retried while the
        database is down (up to ``db_retry_seconds``; after that the reaper takes over)."""
        give_up = time.monotonic() + self.settings.db_retry_seconds
        delay = 0.5
        while not self._write_with_metrics(outcome):
            if time.monotonic() > give_up:
                raise StoreUnavailable(self.job_id, self.settings.db_retry_seconds)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)


class StoreUnavailable(Exception):
    """The database stayed down past ``db_retry_seconds`` while a job was finishing; the
    job is left ``running`` for the reaper to requeue once its heartbeat is stale."""

    def __init__(self, job_id: str, seconds: float):
        super().__init__(f"job {job_id}: the database stayed down for {seconds} s")


def finite(metrics: dict) -> dict:
    """Metrics as JSON can hold them: a non-finite value (an overflowing validation
    loss, say) becomes None; PostgreSQL's JSON refuses NaN and Infinity. Metrics that are
    all finite come back as they are (no copy: this runs once an epoch)."""
    if all(math.isfinite(v) for v in metrics.values() if isinstance(v, float)):
        return metrics
    return {
        k: v if not isinstance(v, float) or math.isfinite(v) else None for k, v in metrics.items()
    }
