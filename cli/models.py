"""``syn0 predict`` and ``syn0 models``: ls, show, download, export, import, rm, replay."""

from __future__ import annotations

import csv
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from syn0.cli import specfile
from syn0.cli.common import (
    BAD_INPUT,
    JOB_UNSUCCESSFUL,
    BadInput,
    CommandError,
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
from syn0.cli.csvrows import arrange, read_table, shaped
from syn0.cli.render import metrics_line, model_fields, show_page, when
from syn0.client import Model, Prediction, ValidationFailed

if TYPE_CHECKING:  # imported by the one command that needs it, so the others start faster
    pass


@click.command()
@click.argument("model_id", metavar="MODEL")
@click.argument("file", type=click.File("r"), metavar="FILE.csv|-", required=False)
@click.option(
    "--dataset",
    "dataset_id",
    metavar="ID",
    help="Predict a stored dataset through the queue instead of a file (waits for it).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --dataset: write the result here (default: stdout).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default="csv",
    show_default=True,
    help="With --dataset: CSV with a row column, or JSON lines.",
)
@json_option
@pass_state
def predict(
    state: State,
    model_id: str,
    file: TextIO | None,
    dataset_id: str | None,
    output: Path | None,
    fmt: str,
    as_json: bool,
) -> None:
    """Predict the rows of a CSV (FILE, or - for stdin); CSV to stdout.

    A header row is matched by name to the model's features (any order; its target
    column, if there, is ignored with a notice); a missing or unknown name is refused.
    Without a header, the columns are taken in the model's order. Images are rows of
    channels x height x width pixels. Classifiers print the label and one probability
    column per class; regressions one column per output.

    With --dataset ID, the model predicts a stored dataset on a worker; the result
    (every row, numbered) goes to -o or stdout.
    """
    if dataset_id is not None:
        if file is not None:
            raise BadInput("give either FILE or --dataset, not both")
        _predict_dataset(state, model_id, dataset_id, output, fmt)
        return
    if file is None:
        raise BadInput("give a CSV FILE (or - for stdin), or --dataset ID")
    model = state.client.models.get(model_id)
    header, rows = read_table(file)
    prediction = state.client.models.predict(
        model_id, shaped(arrange(header, rows, model, file.name), model)
    )
    if as_json:
        echo_json(prediction.to_reply())
    else:
        write_rows(model, prediction, sys.stdout)


def _predict_dataset(
    state: State, model_id: str, dataset_id: str, output: Path | None, fmt: str
) -> None:
    predictions = state.client.predictions
    submitted = predictions.submit(model_id, dataset_id)
    click.echo(f"prediction {submitted.id}: {submitted.n_rows:,} rows queued", err=True)
    done = predictions.wait(submitted.id, poll_interval=0.5)
    if done.status != "succeeded":
        detail = done.error.detail if done.error else done.status
        raise Unsuccessful(f"prediction {done.id} {done.status}: {detail}")
    if output is not None:
        predictions.download(done.id, output, fmt)  # type: ignore[arg-type]
        click.echo(f"wrote {output} ({done.n_rows:,} rows)", err=True)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = predictions.download(done.id, Path(folder) / "result", fmt)  # type: ignore[arg-type]
        with path.open("rb") as result:
            shutil.copyfileobj(result, sys.stdout.buffer)


class Unsuccessful(CommandError):
    """The prediction failed on the worker: exit code 1, as for a failed job."""

    exit_code = JOB_UNSUCCESSFUL


def write_rows(model: Model, prediction: Prediction, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    if prediction.labels is not None and prediction.probabilities is not None:
        writer.writerow(["label", *(f"p_{c}" for c in model.classes or [])])
        for label, proba in zip(prediction.labels, prediction.probabilities, strict=True):
            writer.writerow([label, *(f"{p:.6g}" for p in proba)])
        return
    outputs = prediction.outputs.reshape(len(prediction.outputs), -1)
    width = outputs.shape[1]
    writer.writerow(["output"] if width == 1 else [f"output_{i}" for i in range(width)])
    writer.writerows([f"{v:.6g}" for v in row] for row in outputs)


@click.group()
def models() -> None:
    """Trained models: list, show, download the weights, export, import, delete, replay."""


@models.command("ls")
@limit_option
@json_option
@pass_state
def list_models(state: State, limit: int, as_json: bool) -> None:
    """List models, newest first."""
    page = state.client.models.list(limit=limit)
    show_page(
        page,
        as_json,
        ["id", "task", "params", "metrics", "created"],
        lambda m: [m.id, m.task, f"{m.n_params:,}", metrics_line(m.metrics), when(m.created_at)],
    )


@models.command()
@click.argument("model_id", metavar="MODEL")
@json_option
@pass_state
def show(state: State, model_id: str, as_json: bool) -> None:
    """Show a model: task, classes, parameters, final metrics, spec."""
    model = state.client.models.get(model_id)
    if as_json:
        echo_json(dump(model))
    else:
        console().print(model_fields(model))


@models.command()
@click.argument("model_id", metavar="MODEL")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="model-ID.npz"
)
@pass_state
def download(state: State, model_id: str, output: Path | None) -> None:
    """Save the weights (.npz, read by core.Network.from_bytes)."""
    path = state.client.models.download(model_id, output or Path(f"model-{model_id}.npz"))
    click.echo(f"wrote {path}")


@models.command()
@click.argument("model_id", metavar="MODEL")
@click.option("--format", "format_", default="onnx", show_default=True, help="The file's format.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="model-ID.onnx"
)
@pass_state
def export(state: State, model_id: str, format_: str, output: Path | None) -> None:
    """Save the model for other runtimes (ONNX: serve it with onnxruntime)."""
    content = state.client.models.export(model_id, format_)
    path = output or Path(f"model-{model_id}.{format_}")
    path.write_bytes(content)
    click.echo(f"wrote {path} ({len(content):,} bytes)")


@models.command()
@click.argument("model_id", metavar="MODEL")
@pass_state
def rm(state: State, model_id: str) -> None:
    """Delete a model and its weights (the job that trained it stays)."""
    state.client.models.delete(model_id)
    click.echo(f"model {model_id} deleted")


@models.command()
@click.argument("model_id", metavar="MODEL")
@json_option
@pass_state
def replay(state: State, model_id: str, as_json: bool) -> None:
    """Train the model's spec on its dataset again, as a new job; its model says
    whether the weights came out identical (`syn0 models show`)."""
    job = state.client.models.replay(model_id)
    if as_json:
        echo_json(dump(job))
    else:
        click.echo(f"job {job.id} queued: replays model {model_id}")


@models.command("import")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("weights", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@quiet_option
@pass_state
@click.pass_context
def import_model(
    ctx: click.Context, state: State, spec: Path, weights: Path, as_json: bool, quiet: bool
) -> None:
    """Make a model from the network in SPEC (a spec file, as for `syn0 train`, or the
    network alone) and WEIGHTS (.npz, as `syn0 models download` writes): it predicts and
    can start a job (`syn0 train SPEC --data ID --initial-weights MODEL`)."""
    try:
        parsed = specfile.load(spec)
    except specfile.SpecFileError as exc:
        raise BadInput(str(exc)) from None
    whole = "network" in parsed.data
    try:
        model = state.client.models.import_(
            parsed.data["network"] if whole else parsed.data, weights
        )
    except ValidationFailed as exc:
        lines = []
        for error in exc.errors:
            loc = error["loc"] if whole else error["loc"].removeprefix("network.")
            place = f"{weights}" if loc == "file" else parsed.where(loc)
            lines.append(f"{place}: {error['msg']}")
        report(exc, lines)
        ctx.exit(BAD_INPUT)
    if as_json:
        echo_json(dump(model))
    elif quiet:
        click.echo(model.id)
    else:
        click.echo(f"model {model.id} imported ({model.n_params:,} parameters)")
