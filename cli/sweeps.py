"""``syn0 sweep``: run a sweep from a spec file (``--watch``: a live leaderboard), list,
show, cancel, register its best model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.live import Live
from rich.table import Table

from syn0.cli import specfile
from syn0.cli.common import (
    BAD_INPUT,
    DETACHED,
    JOB_UNSUCCESSFUL,
    OK,
    BadInput,
    State,
    console,
    dump,
    echo_json,
    json_option,
    limit_option,
    pass_state,
    quiet_option,
    report,
)
from syn0.cli.render import listing, number, show_page, when
from syn0.client import SweepDetail, ValidationFailed

SWEEP_SECTIONS = (
    "dataset_id",
    "parameters",
    "method",
    "metric",
    "goal",
    "max_trials",
    "max_parallel",
    "seed",
    "min_epochs",
    "eta",
    "max_runtime_seconds",
)
POLL_SECONDS = 0.5


@click.group()
def sweep() -> None:
    """Hyperparameter sweeps: many jobs over a search space, ranked by a metric."""


@sweep.command()
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data", "dataset_id", metavar="ID", help="The dataset (else the file's).")
@click.option("--watch", is_flag=True, help="Show a live leaderboard until the sweep ends.")
@json_option
@quiet_option
@pass_state
@click.pass_context
def run(
    ctx: click.Context,
    state: State,
    spec: Path,
    dataset_id: str | None,
    watch: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Start the sweep in SPEC (YAML or JSON: network, training, parameters, method,
    metric, max_trials, max_parallel, ...). With --watch the exit code is 0 only if the
    sweep succeeds; Ctrl-C stops watching (the sweep goes on)."""
    try:
        parsed = specfile.load(spec, also=SWEEP_SECTIONS)
    except specfile.SpecFileError as exc:
        raise BadInput(str(exc)) from None
    data = dict(parsed.data)
    dataset = dataset_id or data.pop("dataset_id", None)
    data.pop("dataset_id", None)
    if not dataset:
        raise BadInput("give the dataset with --data ID (or `dataset_id` in the spec file)")
    network, training = data.pop("network"), data.pop("training")
    parameters = data.pop("parameters", None)
    if not parameters:
        raise BadInput(f"{spec}: a sweep's spec file needs `parameters`: path -> domain")
    try:
        made = state.client.sweeps.create(dataset, network, training, parameters, **data)
    except ValidationFailed as exc:
        report(exc, [f"{_place(parsed, e['loc'])}: {e['msg']}" for e in exc.errors])
        ctx.exit(BAD_INPUT)
    if watch:
        ctx.exit(_watch(state, made, as_json))
    if as_json:
        echo_json(dump(made))
    elif quiet:
        click.echo(made.id)
    else:
        click.echo(f"sweep {made.id} {made.status}; follow it with: syn0 sweep show {made.id}")


def _place(parsed: specfile.SpecFile, loc: str) -> str:
    """``spec.yaml:7: parameters.network.layers[0].units``: a path is one key there."""
    if loc == "dataset_id":
        return "--data"
    if loc.startswith("parameters."):
        line = parsed.key_line("parameters", loc.removeprefix("parameters."))
        return f"{parsed.path}:{line}: {loc}" if line else f"{parsed.path}: {loc}"
    return parsed.where(loc)


def _watch(state: State, made: SweepDetail, as_json: bool) -> int:
    try:
        with Live(board(made), console=console(stderr=True), auto_refresh=False) as live:

            def update(snapshot: SweepDetail) -> None:
                live.update(board(snapshot), refresh=True)

            final = state.client.sweeps.wait(made.id, update, poll_interval=POLL_SECONDS)
    except KeyboardInterrupt:
        click.echo(f"stopped watching; sweep {made.id} goes on", err=True)
        return DETACHED
    if as_json:
        echo_json(dump(final))
    else:
        console().print(board(final))
    return OK if final.status == "succeeded" else JOB_UNSUCCESSFUL


def board(sweep: SweepDetail) -> Table:
    """The leaderboard: best first, one row per trial made."""
    p = sweep.progress
    title = (
        f"sweep {sweep.id[:8]} {sweep.status} ({sweep.method}): {p.finished}/{p.trials} "
        f"finished, {p.running} running, {p.queued} queued; {sweep.metric} ({sweep.goal})"
    )
    paths = list(sweep.parameters)
    rows = (
        [
            trial.trial,
            trial.status,
            trial.epochs,
            number(trial.metric) if trial.metric is not None else "-",
            *(_value(trial.parameters.get(path)) for path in paths),
        ]
        for trial in sweep.leaderboard
    )
    table = listing(["trial", "status", "epochs", sweep.metric, *paths], rows)
    table.title = title
    return table


def _value(value: Any) -> str:
    return number(value) if isinstance(value, float) else str(value)


@sweep.command("ls")
@limit_option
@json_option
@pass_state
def list_sweeps(state: State, limit: int, as_json: bool) -> None:
    """List sweeps, newest first."""
    page = state.client.sweeps.list(limit=limit)
    show_page(
        page,
        as_json,
        ["id", "status", "method", "finished", "best", "created"],
        lambda s: [
            s.id,
            s.status,
            s.method,
            f"{s.progress.finished}/{s.progress.trials}",
            number(s.best.metric) if s.best and s.best.metric is not None else "-",
            when(s.created_at),
        ],
    )


@sweep.command()
@click.argument("sweep_id", metavar="ID")
@json_option
@pass_state
def show(state: State, sweep_id: str, as_json: bool) -> None:
    """Sweep ID with its leaderboard."""
    found = state.client.sweeps.get(sweep_id)
    if as_json:
        echo_json(dump(found))
        return
    console().print(board(found))
    if found.best:
        click.echo(f"best: trial {found.best.trial}, model {found.best.model_id}")


@sweep.command()
@click.argument("sweep_id", metavar="ID")
@pass_state
def cancel(state: State, sweep_id: str) -> None:
    """Cancel sweep ID and its queued or running trials."""
    done = state.client.sweeps.cancel(sweep_id)
    click.echo(f"sweep {done.id} {done.status}")


@sweep.command()
@click.argument("sweep_id", metavar="ID")
@click.argument("name")
@json_option
@pass_state
def register(state: State, sweep_id: str, name: str, as_json: bool) -> None:
    """Register the best model of sweep ID as the next version of NAME."""
    version = state.client.sweeps.register(sweep_id, name)
    if as_json:
        echo_json(dump(version))
        return
    click.echo(f"{name} version {version.version}: model {version.model_id}")
