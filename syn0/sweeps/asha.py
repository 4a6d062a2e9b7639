"""Asynchronous successive halving (Li et al., "A System for Massively Parallel
Hyperparameter Tuning", MLSys 2020), decided from the store.

Rungs are at ``min_epochs * eta**k`` epochs, below the training spec's ``epochs`` (a
trial's budget). When a trial ends the epoch of a rung, its worker asks ``verdict``:
among every trial of the sweep that stored that epoch (itself included), ranked by the
sweep's metric, it goes on only while it is in the top ``n // eta`` (at least one: the
first trial to reach a rung goes on). No trial waits for a rung to fill, as in the
paper's asynchronous form; the others end ``cancelled`` with the error type
``pruned``, so that no new job status exists for them (``GET /v1/jobs`` shows them as
cancelled, with the reason).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from syn0.jobs.orm import Job
from syn0.sweeps import repository as store
from syn0.sweeps.orm import ASHA, PRUNED, RUNNING, Sweep


def rungs(min_epochs: int, eta: int, epochs: int) -> list[int]:
    """The rung epochs below ``epochs``: ``min_epochs * eta**k``."""
    found, epoch = [], min_epochs
    while epoch < epochs:
        found.append(epoch)
        epoch *= eta
    return found


def rungs_of(session: Session, job: Job) -> frozenset[int]:
    """The rung epochs of ``job`` if it is a trial of a running asha sweep, else none."""
    if job.sweep_id is None:
        return frozenset()
    sweep = session.get(Sweep, job.sweep_id)
    if sweep is None or sweep.method != ASHA or sweep.status != RUNNING:
        return frozenset()
    return frozenset(rungs(sweep.min_epochs, sweep.eta, job.epochs))


@dataclass
class Verdict:
    goes_on: bool
    error: dict | None  # the pruned trial's error, else None


def locked_sweep(session: Session, job_id: str) -> Sweep | None:
    """The sweep of trial ``job_id``, locked until the transaction ends (``verdict``)."""
    return store.lock_of_trial(session, job_id)


def verdict(session: Session, sweep: Sweep | None, job_id: str, epoch: int) -> Verdict:
    """Whether trial ``job_id``, at the end of rung ``epoch`` (its metrics of that epoch
    stored), goes on. Taken under the sweep's row lock (``locked_sweep``), so the trials
    reaching a rung at once are ranked one after the other."""
    if sweep is None or sweep.status != RUNNING:
        return Verdict(True, None)
    reached = store.rung_values(session, sweep.id, epoch, sweep.metric)
    if job_id not in reached:  # no value to rank (a metric that came out non-finite)
        return Verdict(True, None)
    sign = 1 if sweep.goal == "min" else -1
    ranked = sorted(reached, key=lambda job: (sign * reached[job][0], reached[job][1]))
    rank, keep = ranked.index(job_id) + 1, max(1, len(ranked) // sweep.eta)
    if rank <= keep:
        return Verdict(True, None)
    value = reached[job_id][0]
    return Verdict(
        False,
        {
            "type": PRUNED,
            "epoch": epoch,
            "detail": f"pruned by its asha sweep at rung epoch {epoch}: its {sweep.metric} "
            f"{value:.6g} ranked {rank} of the {len(ranked)} trials that reached it, and "
            f"only the top {keep} (1/{sweep.eta}) go on",
        },
    )
