"""Sweep rows and their trials (jobs with the sweep's id), scoped by tenant for the API;
``lock`` and ``running_ids`` serve the processes that advance sweeps."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from syn0.jobs.orm import ACTIVE, Job, JobMetric
from syn0.jobs.orm import RUNNING as RUNNING_JOB
from syn0.kit.lookups import owned
from syn0.kit.paging import page
from syn0.sweeps.orm import PRUNED, RUNNING, Sweep


def add(session: Session, sweep: Sweep) -> Sweep:
    session.add(sweep)
    session.flush()
    return sweep


def get(session: Session, tenant_id: str, sweep_id: str, *, lock: bool = False) -> Sweep | None:
    return owned(session, Sweep, tenant_id, sweep_id, lock=lock)


def lock(session: Session, sweep_id: str) -> Sweep | None:
    """The sweep, ``FOR UPDATE`` until the transaction ends (PostgreSQL; SQLite has one
    writer at a time): the advances of one sweep never interleave."""
    query = select(Sweep).where(Sweep.id == sweep_id).with_for_update()
    return session.scalar(query.execution_options(populate_existing=True))


def lock_of_trial(session: Session, job_id: str) -> Sweep | None:
    """The sweep of trial ``job_id`` (None for a job of no sweep), locked as ``lock``
    does: one statement, where a lookup of the job's sweep and then its lock were two."""
    of_trial = select(Job.sweep_id).where(Job.id == job_id).scalar_subquery()
    query = select(Sweep).where(Sweep.id == of_trial).with_for_update()
    return session.scalar(query.execution_options(populate_existing=True))


def list_sweeps(session: Session, tenant_id: str, limit: int, cursor: str | None):
    return page(session, select(Sweep).where(Sweep.tenant_id == tenant_id), Sweep, limit, cursor)


def trials(session: Session, sweep_id: str) -> list[Job]:
    """The sweep's jobs in trial order (a trial the client deleted is absent)."""
    query = select(Job).where(Job.sweep_id == sweep_id).order_by(Job.sweep_trial)
    return list(session.scalars(query.execution_options(populate_existing=True)))


def count_active(session: Session, sweep_id: str) -> int:
    """The sweep's trials still queued or running."""
    query = select(func.count()).where(Job.sweep_id == sweep_id, Job.status.in_(ACTIVE))
    return session.scalar(query)


def trials_of(session: Session, sweep_ids: list[str]) -> list[Job]:
    query = select(Job).where(Job.sweep_id.in_(sweep_ids)).order_by(Job.sweep_trial)
    return list(session.scalars(query))


def running_ids(session: Session) -> list[str]:
    """Every tenant's running sweeps (the reaper's backstop advances them)."""
    return list(session.scalars(select(Sweep.id).where(Sweep.status == RUNNING)))


class Reached(NamedTuple):
    """A trial that stored a rung's epoch: its value there, number and status, and the
    rung it was pruned at, if it was (demoted ones too, while they stop)."""

    value: float
    trial: int
    status: str
    pruned_at: int | None


def rung_values(session: Session, sweep_id: str, epoch: int, metric: str) -> dict[str, Reached]:
    """The sweep's trials that stored that epoch with a value of ``metric``, by job id."""
    column = getattr(JobMetric, metric)
    rows = session.execute(
        select(Job.id, column, Job.sweep_trial, Job.status, Job.error)
        .join(JobMetric, JobMetric.job_id == Job.id)
        .where(Job.sweep_id == sweep_id, JobMetric.epoch == epoch, column.is_not(None))
    )
    return {
        job_id: Reached(value, trial, status, _pruned_at(error))
        for job_id, value, trial, status, error in rows
    }


def _pruned(error: dict | None) -> dict | None:
    """A job's error if it is an asha pruning (its rung's ``epoch`` in it), else None."""
    return error if isinstance(error, dict) and error.get("type") == PRUNED else None


def _pruned_at(error: dict | None) -> int | None:
    pruned = _pruned(error)
    return None if pruned is None else pruned.get("epoch")


def demote(session: Session, job_id: str, error: dict) -> None:
    """Ask a running trial to stop as pruned: its cancel flag, with the reason it ends
    with (read by its worker's next poll, ``syn0.jobs.running``)."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == RUNNING_JOB, Job.cancel_requested.is_(False))
        .values(cancel_requested=True, error=error)
    )


def demotion(session: Session, job_id: str) -> dict | None:
    """The reason ``demote`` stored with a trial's cancel flag, if that is what set it."""
    return _pruned(session.scalar(select(Job.error).where(Job.id == job_id)))
