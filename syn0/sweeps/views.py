"""Sweeps as the API shows them: progress, the best trial, the leaderboard."""

from __future__ import annotations

from sqlalchemy.orm import Session

from syn0.jobs.orm import ACTIVE, CANCELLED, QUEUED, RUNNING, Job
from syn0.sweeps import repository as store
from syn0.sweeps import space
from syn0.sweeps.orm import PRUNED, Sweep
from syn0.sweeps.orm import RUNNING as SWEEP_RUNNING
from syn0.sweeps.schemas import SweepDetail, SweepOut, SweepProgress, TrialOut
from syn0.sweeps.service import best_trial, metric_of


def trial_out(sweep: Sweep, job: Job) -> TrialOut:
    pruned = job.status == CANCELLED and (job.error or {}).get("type") == PRUNED
    return TrialOut(
        trial=job.sweep_trial,
        job_id=job.id,
        parameters=space.point(
            sweep.parameters, sweep.method, sweep.seed, job.sweep_trial, sweep.max_trials
        ),
        status=PRUNED if pruned else job.status,
        metric=metric_of(job, sweep.metric),
        epochs=job.epoch,
        model_id=job.model_id,
    )


def present(sweep: Sweep, trials: list[Job]) -> SweepOut:
    best = next((t for t in trials if t.id == sweep.best_job_id), None)
    if sweep.status == SWEEP_RUNNING:
        best = best_trial(sweep, trials)
    progress = SweepProgress(
        trials=sweep.max_trials,
        created=sweep.trials_created,
        queued=sum(t.status == QUEUED for t in trials),
        running=sum(t.status == RUNNING for t in trials),
        finished=sum(t.status not in ACTIVE for t in trials),
    )
    computed = ("progress", "best")
    fields = {name: getattr(sweep, name) for name in SweepOut.model_fields if name not in computed}
    fields.update(progress=progress, best=trial_out(sweep, best) if best else None)
    return SweepOut.model_validate(fields)


def summaries(session: Session, rows: list[Sweep]) -> list[SweepOut]:
    trials = store.trials_of(session, [row.id for row in rows])
    return [present(row, [t for t in trials if t.sweep_id == row.id]) for row in rows]


def detail(session: Session, sweep: Sweep) -> SweepDetail:
    trials = store.trials(session, sweep.id)
    sign = 1 if sweep.goal == "min" else -1
    ranked = sorted(
        trials,
        key=lambda t: (
            (v := metric_of(t, sweep.metric)) is None,
            sign * v if v is not None else 0.0,
            t.sweep_trial,
        ),
    )
    leaderboard = [trial_out(sweep, trial) for trial in ranked]
    return SweepDetail(**present(sweep, trials).model_dump(), leaderboard=leaderboard)
