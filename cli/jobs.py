"""``syn0 jobs``: ls, show, watch, cancel, rm, resume, metrics (as a table, JSON or a
plot)."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import click

from syn0.cli import plot
from syn0.cli.common import (
    BadInput,
    State,
    console,
    dump,
    echo_json,
    json_option,
    limit_option,
    pass_state,
)
from syn0.cli.render import job_fields, metrics_line, metrics_table, show_page, when
from syn0.cli.watch import follow, outcome
from syn0.client.types import Status

STATUSES = click.Choice(get_args(Status))


@click.group()
def jobs() -> None:
    """Training jobs: list, show, watch, cancel, delete, resume, metrics."""


@jobs.command("ls")
@click.option("--status", type=STATUSES, help="Only jobs in this status.")
@click.option("--data", "dataset_id", metavar="ID", help="Only jobs on this dataset.")
@limit_option
@json_option
@pass_state
def list_jobs(
    state: State, status: str | None, dataset_id: str | None, limit: int, as_json: bool
) -> None:
    """List jobs, newest first."""
    page = state.client.jobs.list(status=status, dataset_id=dataset_id, limit=limit)
    show_page(
        page,
        as_json,
        ["id", "status", "epoch", "metrics", "created"],
        lambda job: [
            job.id,
            job.status,
            f"{job.progress.epoch}/{job.progress.epochs}",
            metrics_line(job.latest_metrics),
            when(job.created_at),
        ],
    )


@jobs.command()
@click.argument("job_id", metavar="JOB")
@json_option
@pass_state
def show(state: State, job_id: str, as_json: bool) -> None:
    """Show a job: status, progress, latest metrics, model or error, spec."""
    job = state.client.jobs.get(job_id)
    if as_json:
        echo_json(dump(job))
    else:
        console().print(job_fields(job))


@jobs.command()
@click.argument("job_id", metavar="JOB")
@json_option
@pass_state
@click.pass_context
def watch(ctx: click.Context, state: State, job_id: str, as_json: bool) -> None:
    """Follow a job until it ends (exit code 0 only if it succeeds)."""
    job = state.client.jobs.get(job_id)
    code = (
        outcome(job, as_json=as_json)
        if job.finished
        else follow(state.client, job, as_json=as_json)
    )
    ctx.exit(code)


@jobs.command()
@click.argument("job_id", metavar="JOB")
@json_option
@pass_state
def cancel(state: State, job_id: str, as_json: bool) -> None:
    """Cancel a queued job now, or a running one at its next batch."""
    job = state.client.jobs.cancel(job_id)
    if as_json:
        echo_json(dump(job))
    elif job.status == "cancelled":
        click.echo(f"job {job.id} cancelled")
    else:
        click.echo(f"job {job.id} stops at its next batch (cancel requested)")


@jobs.command()
@click.argument("job_id", metavar="JOB")
@pass_state
def rm(state: State, job_id: str) -> None:
    """Delete a finished job with its metrics and checkpoint (its model stays)."""
    state.client.jobs.delete(job_id)
    click.echo(f"job {job_id} deleted")


@jobs.command()
@click.argument("job_id", metavar="JOB")
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    required=True,
    help="The new job's total epochs, past the stopped job's checkpoint.",
)
@click.option("--max-runtime", type=click.IntRange(min=1), help="Seconds (default: the old job's).")
@json_option
@pass_state
def resume(state: State, job_id: str, epochs: int, max_runtime: int | None, as_json: bool) -> None:
    """Continue a cancelled, time-limited or failed job from its last checkpoint, as a
    new job."""
    job = state.client.jobs.resume(job_id, epochs, max_runtime_seconds=max_runtime)
    if as_json:
        echo_json(dump(job))
    else:
        click.echo(
            f"job {job.id} queued: resumes job {job_id} at epoch {job.progress.epoch} "
            f"of {job.progress.epochs}"
        )


@jobs.command()
@click.argument("job_id", metavar="JOB")
@click.option(
    "--plot",
    "plot_to",
    is_flag=False,
    flag_value="-",
    metavar="[FILE.png]",
    help="Draw the loss curves in the terminal, or to FILE.png (needs syn0[plot]).",
)
@json_option
@pass_state
def metrics(state: State, job_id: str, plot_to: str | None, as_json: bool) -> None:
    """Per-epoch metrics of a job, as a table (or JSON, or a plot)."""
    rows = state.client.jobs.metrics(job_id)
    if as_json:
        echo_json(dump(rows))
    elif plot_to is None:
        console().print(metrics_table(rows))
    elif not rows:
        raise BadInput(f"job {job_id} has no finished epoch to plot yet")
    elif plot_to == "-":
        plot.terminal(job_id, rows)
    elif not plot_to.lower().endswith(".png"):
        raise BadInput(f"--plot writes a .png file; received {plot_to!r} (put JOB before --plot)")
    else:
        plot.png(job_id, rows, Path(plot_to))
        click.echo(f"wrote {plot_to}")
