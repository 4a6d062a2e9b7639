"""``syn0 data``: upload, generate, images, ls, show, rm."""

from __future__ import annotations

from pathlib import Path

import click

from syn0.cli.common import (
    BadInput,
    State,
    console,
    dump,
    echo_json,
    json_option,
    limit_option,
    pass_state,
    quiet_option,
)
from syn0.cli.render import dataset_fields, dataset_line, show_page, when
from syn0.client import Dataset

TASKS = click.Choice(["classification", "regression"])
# The server's generators (core.datasets.KINDS, then IMAGE_KINDS), spelled out so
# `syn0 --help` stays fast.
KINDS = ("circle", "gauss", "moons", "plane", "regress_gauss", "spiral", "xor", "glyphs")


@click.group()
def data() -> None:
    """Datasets: upload files, generate toy sets, list them."""


def _created(dataset: Dataset, as_json: bool, quiet: bool) -> None:
    if as_json:
        echo_json(dump(dataset))
    elif quiet:
        click.echo(dataset.id)
    else:
        click.echo(f"dataset {dataset.id}  {dataset_line(dataset)}")


@data.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--target", metavar="COL", help="The CSV's label column (required for CSV).")
@click.option("--name", help="Defaults to the file name.")
@click.option("--task", type=TASKS, help="Inferred from the targets when absent.")
@json_option
@quiet_option
@pass_state
def upload(
    state: State,
    file: Path,
    target: str | None,
    name: str | None,
    task: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Upload FILE: a CSV with a header row (give --target), or an .npz holding X and y."""
    datasets = state.client.datasets
    if file.suffix.lower() == ".npz":
        dataset = datasets.upload_npz(file, name=name, task=task)
    elif target is None:
        raise BadInput(f"{file} is uploaded as CSV: give --target naming its label column")
    else:
        dataset = datasets.upload_csv(file, target=target, name=name, task=task)
    _created(dataset, as_json, quiet)


@data.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--samples", default=500, show_default=True, help="Number of samples.")
@click.option("--noise", default=0.0, show_default=True, help="Noise, a fraction in [0, 1].")
@click.option("--seed", default=0, show_default=True)
@click.option("--name", help="Defaults to a description of the parameters.")
@click.option("--channels", type=int, help="glyphs: 1 (grey, the default) or 3 (colour).")
@click.option("--image-size", type=int, help="glyphs: height and width, 8-32 (default 16).")
@json_option
@quiet_option
@pass_state
def generate(
    state: State,
    kind: str,
    samples: int,
    noise: float,
    seed: int,
    name: str | None,
    channels: int | None,
    image_size: int | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Generate a toy dataset on the server: the TensorFlow Playground's 2-D sets, moons,
    or glyphs (ten digit-like classes of images, for convolutional networks)."""
    dataset = state.client.datasets.generate(
        kind, samples, noise, seed, name, channels=channels, image_size=image_size
    )
    _created(dataset, as_json, quiet)


@data.command()
@click.option("--kind", type=click.Choice(["bars", "shapes"]), default="bars", show_default=True)
@click.option("--samples", default=400, show_default=True)
@click.option("--size", default=12, show_default=True, help="Image height and width.")
@click.option("--noise", default=0.1, show_default=True, help="Pixel noise (std).")
@click.option("--seed", default=0, show_default=True)
@click.option("--name", help="Defaults to a description of the parameters.")
@json_option
@quiet_option
@pass_state
def images(
    state: State,
    kind: str,
    samples: int,
    size: int,
    noise: float,
    seed: int,
    name: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Make small one-channel images locally (core.datasets.images) and upload them.

    bars: 4 classes (horizontal, vertical, diagonal, anti-diagonal lines); shapes: 3
    (filled square, hollow square, cross). For convolutional networks such as
    examples/lenet.yaml.
    """
    from syn0.core.datasets import images as make_images

    try:
        X, y = make_images(samples, size=size, noise=noise, seed=seed, kind=kind)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    name = name or f"{kind} images ({samples}, {size}x{size}, noise {noise:g}, seed {seed})"
    _created(state.client.datasets.upload_arrays(X, y, name=name), as_json, quiet)


@data.command("ls")
@limit_option
@json_option
@pass_state
def list_datasets(state: State, limit: int, as_json: bool) -> None:
    """List datasets, newest first."""
    page = state.client.datasets.list(limit=limit)
    show_page(
        page,
        as_json,
        ["id", "name", "task", "samples", "input", "outputs", "created"],
        lambda d: [
            d.id,
            d.name,
            d.task,
            d.n_samples,
            d.input_shape,
            d.n_outputs,
            when(d.created_at),
        ],
    )


@data.command()
@click.argument("dataset_id", metavar="ID")
@json_option
@pass_state
def show(state: State, dataset_id: str, as_json: bool) -> None:
    """Show one dataset."""
    dataset = state.client.datasets.get(dataset_id)
    if as_json:
        echo_json(dump(dataset))
    else:
        console().print(dataset_fields(dataset))


@data.command()
@click.argument("dataset_id", metavar="ID")
@pass_state
def rm(state: State, dataset_id: str) -> None:
    """Delete a dataset (refused while a queued or running job uses it)."""
    state.client.datasets.delete(dataset_id)
    click.echo(f"dataset {dataset_id} deleted")
