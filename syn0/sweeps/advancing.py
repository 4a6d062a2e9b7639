"""Advancing sweeps from the worker side: after each trial a worker trains (the
``task_postrun`` hook of ``syn0.sweeps.tasks``), and for every running sweep on each
pass of the reaper, the backstop for a worker that died between a trial's end and its
advance. Each call commits what it made, then sends it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from syn0.dispatch import Dispatcher
from syn0.kit.db import session_scope
from syn0.settings import Settings
from syn0.sweeps import repository as store
from syn0.sweeps import service
from syn0.sweeps.orm import Sweep

log = logging.getLogger(__name__)


def advance_and_send(
    factory: sessionmaker[Session], settings: Settings, dispatch: Dispatcher, sweep_id: str
) -> list[str]:
    """Advance one sweep; the ids of the trials made (committed, then sent)."""
    return _advance_and_send(factory, settings, dispatch, lambda s: store.lock(s, sweep_id))


def after_trial(
    factory: sessionmaker[Session], settings: Settings, dispatch: Dispatcher, job_id: str
) -> list[str]:
    """Advance the sweep of ``job_id``, if it is a trial (found and locked at once)."""
    return _advance_and_send(factory, settings, dispatch, lambda s: store.lock_of_trial(s, job_id))


def _advance_and_send(
    factory: sessionmaker[Session],
    settings: Settings,
    dispatch: Dispatcher,
    locked: Callable[[Session], Sweep | None],
) -> list[str]:
    with session_scope(factory) as session:
        sweep = locked(session)
        made = [(job.id, job.device) for job in service.advance_locked(session, sweep, settings)]
    if made:
        log.info("sweep %s: made trials %s", sweep.id, [job_id for job_id, _ in made])
    for job_id, device in made:
        try:
            dispatch.train(job_id, device)
        except Exception:  # it stays queued; the reaper sends it after queued_grace_seconds
            log.exception("could not send trial %s of sweep %s", job_id, sweep.id)
    return [job_id for job_id, _ in made]


def advance_running(
    factory: sessionmaker[Session], settings: Settings, dispatch: Dispatcher
) -> list[str]:
    """Advance every running sweep (the reaper's backstop); the trials made."""
    with session_scope(factory) as session:
        running = store.running_ids(session)
    made = []
    for sweep_id in running:
        made.extend(advance_and_send(factory, settings, dispatch, sweep_id))
    return made
