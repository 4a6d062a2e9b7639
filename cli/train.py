"""``syn0 train SPEC --data ID [--watch]``: submit a spec file, optionally follow it."""

from __future__ import annotations

from pathlib import Path

import click

from syn0.cli import specfile
from syn0.cli.common import (
    BAD_INPUT,
    BadInput,
    State,
    console,
    dump,
    echo_json,
    json_option,
    pass_state,
    quiet_option,
    report,
)
from syn0.cli.render import listing
from syn0.cli.watch import follow
from syn0.client import Validation, ValidationFailed


@click.command()
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data", "dataset_id", required=True, metavar="ID", help="The dataset to train on.")
@click.option("--watch", is_flag=True, help="Follow the job with a progress bar until it ends.")
@click.option("--dry-run", is_flag=True, help="Only check the spec against the dataset.")
@click.option(
    "--initial-weights",
    "initial_model",
    metavar="MODEL",
    help="Start from this model's weights (same architecture): training.initial_weights.",
)
@json_option
@quiet_option
@pass_state
@click.pass_context
def train(
    ctx: click.Context,
    state: State,
    spec: Path,
    dataset_id: str,
    watch: bool,
    dry_run: bool,
    initial_model: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Train the network in SPEC (JSON or YAML: {network: ..., training: ...}).

    Errors in the spec are reported as SPEC:LINE: field: message. With --watch the exit
    code is 0 only if the job succeeds (1 if it fails or is cancelled); Ctrl-C asks
    whether to cancel the job.
    """
    try:
        parsed = specfile.load(spec)
    except specfile.SpecFileError as exc:
        raise BadInput(str(exc)) from None
    network, training = parsed.data["network"], parsed.data["training"]
    if initial_model:
        training = {**training, "initial_weights": {"model_id": initial_model}}
    jobs = state.client.jobs
    try:
        if dry_run:
            _show_validation(jobs.validate(dataset_id, network, training), as_json)
            return
        job = jobs.submit(dataset_id, network, training)
    except ValidationFailed as exc:
        report(exc, [_place(parsed, e["loc"], e["msg"]) for e in exc.errors])
        ctx.exit(BAD_INPUT)
    if watch:
        ctx.exit(follow(state.client, job, as_json=as_json))
    if as_json:
        echo_json(dump(job))
    elif quiet:
        click.echo(job.id)
    else:
        click.echo(f"job {job.id} {job.status}; follow it with: syn0 jobs watch {job.id}")


def _place(parsed: specfile.SpecFile, loc: str, msg: str) -> str:
    """``spec.yaml:7: network.layers.0.units: msg``; the dataset id came from --data."""
    if loc == "dataset_id":
        return f"--data: {msg}"
    return f"{parsed.where(loc)}: {msg}"


def _show_validation(validation: Validation, as_json: bool) -> None:
    if as_json:
        echo_json(dump(validation))
        return
    layers = validation.summary["layers"]
    rows = (
        [
            row["index"],
            row["name"],
            row["type"],
            ", ".join(row["inputs"]),
            row["output_shape"],
            f"{row['params']:,}",
            f"{row['flops']:,}",
        ]
        for row in layers
    )
    header = ["layer", "name", "type", "inputs", "output", "params", "FLOPs"]
    console().print(listing(header, rows))
    work = validation.estimated_work
    click.echo(
        f"{validation.summary['total_params']:,} parameters; "
        f"{work['total_flops']:,} FLOPs for {work['epochs']} epochs "
        f"of {work['samples']} samples"
    )
    for warning in validation.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo("the spec fits the dataset")
