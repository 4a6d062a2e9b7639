"""Asynchronous successive halving (Li et al., "A System for Massively Parallel
Hyperparameter Tuning", MLSys 2020), decided from the store.

Rungs are at ``min_epochs * eta**k`` epochs, below the training spec's ``epochs`` (a
trial's budget). When a trial ends the epoch of a rung, its worker asks ``verdict``:
ranked by the sweep's metric among the trials numbered up to it that stored that epoch
(itself included), it goes on only while it is in the top ``n // eta`` (at least one:
trial 0 always goes on). No trial waits for a rung to fill, as in the paper's
asynchronous form; the others end ``cancelled`` with the error type ``pruned``, so that
no new job status exists for them (``GET /v1/jobs`` shows them as cancelled, with the
reason).

Ranking among the trials numbered up to it, not among those that happened to arrive
first, brings the verdicts close to those of one worker running the trials in order,
however many workers run them. With several, a later trial may reach a rung before an
earlier one does: it goes on meanwhile, and is demoted as it trains once the earlier
trial arrives and ranks it out (its cancel flag set with the reason;
``syn0.jobs.running`` polls it). They still differ where a trial is ranked before some
earlier trials reach the rung: it may be pruned where, ranked with them too, it would
have gone on; and a trial that ended before an earlier one arrived keeps its outcome.
Ranked among the arrivals instead, the first trials of two workers each went on as the
first to reach a rung: half the sweeps of the sweep benchmark (``bench/sweep.py``)
trained 31 % more epochs on two workers than on one. Demoting by the arrivals' ranks
could prune every trial in turn; trial 0 is never pruned.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from syn0.jobs.orm import RUNNING as JOB_RUNNING
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
    stored), goes on: ranked among the trials numbered up to it that reached the rung.
    Later trials that went on before it arrived, still running and now ranked out, are
    demoted (``demote``). Taken under the sweep's row lock (``locked_sweep``), so the
    trials reaching a rung at once are ranked one after the other.

    A trial pruned at a lower rung (a demoted one that trained on past this rung before
    it read its flag) counts at no rung above it, and one demoted but not yet stopped
    ends with its demotion."""
    if sweep is None or sweep.status != RUNNING:
        return Verdict(True, None)
    stored = store.rung_values(session, sweep.id, epoch, sweep.metric)
    mine = stored.get(job_id)
    if mine is None:  # no value to rank (a metric that came out non-finite)
        return Verdict(True, None)
    if mine.pruned_at is not None:  # demoted; it reached this rung before it read its flag
        return Verdict(False, store.demotion(session, job_id))
    reached = {
        job: row for job, row in stored.items() if row.pruned_at is None or row.pruned_at >= epoch
    }
    for other, row in reached.items():
        if row.trial > mine.trial and row.status == JOB_RUNNING and row.pruned_at is None:
            ranking = _standing(sweep, reached, other)
            if ranking is not None:
                why = f"{ranking}; it had gone on before trial {mine.trial} reached that rung"
                store.demote(session, other, _pruned(sweep, epoch, why))
    ranking = _standing(sweep, reached, job_id)
    return (
        Verdict(True, None) if ranking is None else Verdict(False, _pruned(sweep, epoch, ranking))
    )


def _standing(sweep: Sweep, reached: dict[str, store.Reached], job_id: str) -> str | None:
    """None while trial ``job_id`` is in the top ``n // eta`` (at least one) of the ``n``
    trials numbered up to it that reached the rung; else why it is not."""
    mine = reached[job_id]
    peers = [job for job, row in reached.items() if row.trial <= mine.trial]
    sign = 1 if sweep.goal == "min" else -1
    peers.sort(key=lambda job: (sign * reached[job].value, reached[job].trial))
    rank, keep = peers.index(job_id) + 1, max(1, len(peers) // sweep.eta)
    if rank <= keep:
        return None
    return (
        f"its {sweep.metric} {mine.value:.6g} ranked {rank} of the {len(peers)} trials "
        f"numbered up to {mine.trial} that reached it, and only the top {keep} "
        f"(1/{sweep.eta}) go on"
    )


def demotion(session: Session, job_id: str) -> dict | None:
    """Why the cancel flag of trial ``job_id`` is set, if its sweep demoted it."""
    return store.demotion(session, job_id)


def _pruned(sweep: Sweep, epoch: int, ranking: str) -> dict:
    return {
        "type": PRUNED,
        "epoch": epoch,
        "detail": f"pruned by its asha sweep at rung epoch {epoch}: {ranking}",
    }
