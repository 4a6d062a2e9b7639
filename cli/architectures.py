"""``syn0 architectures [NAME]``: the landmark families, or one's network for your images
as a spec file for ``syn0 train``."""

from __future__ import annotations

import click
import yaml

from syn0.cli.common import BadInput, State, console, dump, echo_json, json_option, pass_state
from syn0.cli.render import listing
from syn0.client import Architecture, Knob, Template, ValidationFailed

KNOBS = ("width", "depth")  # the columns of the list: every family has both


@click.command()
@click.argument("name", required=False)
@click.option("--input-shape", metavar="C,H,W", help="The images' channels,height,width.")
@click.option("--classes", type=int, metavar="K", help="The number of classes.")
@click.option("--data", "dataset_id", metavar="ID", help="Take both from this dataset.")
@click.option("--width", type=int, help="The family's width knob (see the list).")
@click.option("--depth", type=int, help="The family's depth knob (see the list).")
@json_option
@pass_state
def architectures(
    state: State,
    name: str | None,
    input_shape: str | None,
    classes: int | None,
    dataset_id: str | None,
    width: int | None,
    depth: int | None,
    as_json: bool,
) -> None:
    """List the architectures, or print NAME's network for your images as a spec file.

    Without NAME: each family, the idea it introduced and its knobs. With NAME: a spec
    file (YAML) for `syn0 train`, the network scaled to images of --input-shape and
    --classes (or those of the dataset --data):

    \b
        syn0 architectures resnet --data ID > resnet.yaml
        syn0 train resnet.yaml --data ID --watch
    """
    client = state.client.architectures
    if name is None:
        if any(option is not None for option in (input_shape, classes, dataset_id, width, depth)):
            raise BadInput("--input-shape, --classes, --data, --width and --depth need a NAME")
        _show_catalog(client.list(), as_json)
        return
    if dataset_id is not None:
        input_shape, classes = _dataset_shape(state, dataset_id, input_shape, classes)
    if input_shape is None or classes is None:
        raise BadInput(
            f"{name}'s network is scaled to your images: give --input-shape C,H,W and "
            "--classes K, or --data ID"
        )
    try:
        template = client.get(name, input_shape, classes, width=width, depth=depth)
    except ValidationFailed as exc:
        raise BadInput(_options(exc)) from None
    if as_json:
        echo_json(dump(template))
    else:
        click.echo(spec_file(template), nl=False)


def _show_catalog(items: list[Architecture], as_json: bool) -> None:
    if as_json:
        echo_json(dump(items))
        return
    rows = []
    for arch in items:
        knobs = {knob.name: knob for knob in arch.knobs}
        ranges = [_knob(knobs.get(name)) for name in KNOBS]
        rows.append([arch.name, arch.year, *ranges, arch.idea])
    console().print(listing(["name", "year", *KNOBS, "idea"], rows))


def _knob(knob: Knob | None) -> str | None:
    """``6 (1-64)``: the default and the range."""
    return knob and f"{knob.default} ({knob.minimum}-{knob.maximum})"


def _dataset_shape(
    state: State, dataset_id: str, input_shape: str | None, classes: int | None
) -> tuple[str, int]:
    """The dataset's images and classes, where the options do not say otherwise."""
    dataset = state.client.datasets.get(dataset_id)
    if dataset.task != "classification":
        raise BadInput(f"dataset {dataset_id} is a regression; the architectures classify")
    shape = input_shape or ",".join(map(str, dataset.input_shape))
    return shape, classes if classes is not None else dataset.n_outputs


def _options(exc: ValidationFailed) -> str:
    """The server's 422 in the command's words: ``query.input_shape`` is --input-shape."""
    lines = []
    for error in exc.errors or [{"loc": "", "msg": exc.detail}]:
        option = error["loc"].removeprefix("query.").replace("_", "-")
        lines.append(f"--{option}: {error['msg']}" if option else error["msg"])
    return "\n  ".join(lines)


class _Line(dict):
    """A mapping written on one line (a layer)."""


class _Dumper(yaml.SafeDumper):
    """Block style for the spec, flow style for short lists and for each layer."""


_Dumper.add_representer(
    _Line,
    lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True),
)


def spec_file(template: Template) -> str:
    """``{network, training}`` as ``syn0 train`` reads it, one line per layer, under a
    comment saying what it is."""
    work = template.summary
    shape = ",".join(map(str, template.input_shape))
    knobs = ", ".join(f"{name}={value}" for name, value in template.knobs.items())
    network = dict(template.network)
    network["layers"] = [_Line({"type": layer["type"]} | layer) for layer in network["layers"]]
    document = {"network": network, "training": template.training}
    body = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, default_flow_style=None, width=1_000_000
    )
    return (
        f"# {template.name} ({knobs}) for images of {shape} and {template.classes} classes: "
        f"{work['total_params']:,} parameters, {work['total_flops']:,} FLOPs per sample\n"
        f"# train it: syn0 train FILE --data ID\n{body}"
    )
