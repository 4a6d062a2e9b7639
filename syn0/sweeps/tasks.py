"""The sweeps domain on the worker: once a ``jobs.train`` task ends in this process, its
job's sweep (if it is a trial) is advanced from the store (``syn0.sweeps.advancing``),
so the next trial is made and sent without waiting behind queued training messages.
A redelivered or duplicate message advances again, which makes nothing new."""

from __future__ import annotations

import logging

from celery import Celery
from celery.signals import task_postrun

from syn0.dispatch import TRAIN_TASK
from syn0.sweeps.advancing import after_trial

log = logging.getLogger(__name__)


def register(app: Celery) -> None:
    """Advance sweeps after the train tasks of ``app``; reads its context (``app.syn0``)."""

    def advance(sender=None, args=None, **_) -> None:
        if sender is None or sender.name != TRAIN_TASK or sender.app is not app or not args:
            return
        worker = app.syn0
        try:
            after_trial(worker.database.sessions, worker.settings, worker.dispatch, args[0])
        except Exception:  # the reaper's pass advances the sweep instead
            log.exception("could not advance the sweep of job %s", args[0])

    task_postrun.connect(advance, weak=False, dispatch_uid=f"syn0.sweeps.advance.{id(app)}")
