"""Following a job: a live progress bar until it finishes; Ctrl-C offers to cancel it."""

from __future__ import annotations

import contextlib

import click
from rich.progress import BarColumn, Progress, TextColumn

from syn0.cli.common import DETACHED, JOB_UNSUCCESSFUL, OK, console, dump, echo_json
from syn0.cli.render import eta, metrics_line
from syn0.client import Client, Conflict, Job

POLL_SECONDS = 0.25


def follow(client: Client, job: Job, *, as_json: bool = False) -> int:
    """Watch ``job`` to its end and report it; the exit code is 0 only on ``succeeded``."""
    try:
        final = _with_progress_bar(client, job)
    except KeyboardInterrupt:
        final = _interrupted(client, job.id)
        if final is None:
            return DETACHED
    return outcome(final, as_json=as_json)


def _with_progress_bar(client: Client, job: Job) -> Job:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("epoch {task.completed:.0f}/{task.total:.0f}"),
        TextColumn("{task.fields[metrics]}"),
        TextColumn("ETA {task.fields[eta]}"),
    )
    # On stderr, so that stdout holds only the result (and --json stays parseable).
    # Redrawn on each update (nothing in the bar changes between two), with no refresh
    # thread of rich's beside this one.
    with Progress(*columns, console=console(stderr=True), auto_refresh=False) as bar:
        task = bar.add_task(_label(job), total=job.progress.epochs, metrics="", eta="-")
        noticed: set[str] = set()

        def update(snapshot: Job) -> None:
            if snapshot.notice and snapshot.notice not in noticed:  # once, above the bar
                noticed.add(snapshot.notice)
                bar.console.print(f"note: {snapshot.notice}", markup=False, highlight=False)
            bar.update(
                task,
                completed=snapshot.progress.epoch,
                description=_label(snapshot),
                metrics=metrics_line(snapshot.latest_metrics),
                eta=eta(snapshot.progress.eta_seconds),
                refresh=True,
            )

        return client.jobs.wait(job.id, update, poll_interval=POLL_SECONDS)


def _label(job: Job) -> str:
    return f"job {job.id[:8]} {job.status}"


def _interrupted(client: Client, job_id: str) -> Job | None:
    """Ctrl-C: cancel the job and wait for it to stop, or leave it running (None)."""
    if not click.confirm(f"\nCancel job {job_id}?", default=False, err=True):
        click.echo(f"job {job_id} goes on; follow it with: syn0 jobs watch {job_id}", err=True)
        return None
    with contextlib.suppress(Conflict):  # it finished meanwhile; the wait reports how
        client.jobs.cancel(job_id)
    click.echo("cancel requested; waiting for the job to stop", err=True)
    return client.jobs.wait(job_id, poll_interval=POLL_SECONDS)


def outcome(job: Job, *, as_json: bool) -> int:
    """Report a finished job: the model on success, the reason on failure."""
    if as_json:
        echo_json(dump(job))
    if job.status == "succeeded":
        seconds = (
            (job.finished_at - job.started_at).total_seconds()
            if job.started_at and job.finished_at
            else 0.0
        )
        epochs = job.progress.epoch
        click.echo(
            f"job {job.id} succeeded in {seconds:.1f} s ({epochs} epochs): "
            f"{metrics_line(job.latest_metrics)}\nmodel {job.model_id}",
            err=as_json,
        )
        return OK
    if job.status == "failed":
        error = job.error
        reason = f"{error.type}: {error.detail}" if error else "no reason recorded"
        click.echo(f"job {job.id} failed: {reason}", err=True)
    else:
        click.echo(f"job {job.id} {job.status}", err=True)
    return JOB_UNSUCCESSFUL
