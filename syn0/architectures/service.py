"""The rules of architectures: the catalog, and a family's network for an input, within
the server's limits. Raises ``syn0.kit.errors``."""

from __future__ import annotations

from dataclasses import asdict

from syn0.architectures.schemas import ArchitectureOut, KnobOut, TemplateOut, TemplateQuery
from syn0.core import DataError, summary
from syn0.core.architectures import ARCHITECTURES, TRAINING, Architecture, build, knob_values
from syn0.kit.errors import InvalidInput, LimitExceeded, NotFound
from syn0.settings import Settings

MAX_DIGITS = 9  # of a size in input_shape: past Python's int() limits, and any sensible size


def catalog() -> list[ArchitectureOut]:
    return [_out(arch) for arch in ARCHITECTURES.values()]


def _out(arch: Architecture) -> ArchitectureOut:
    knobs = [KnobOut(**asdict(knob)) for knob in arch.knobs]
    fields = ("name", "title", "year", "paper", "idea")
    return ArchitectureOut(knobs=knobs, **{field: getattr(arch, field) for field in fields})


def template(name: str, query: TemplateQuery, settings: Settings) -> TemplateOut:
    """The network of family ``name`` for ``query``; 404 for an unknown family, 422
    naming the query parameter for a bad one or a network over ``max_parameters``."""
    arch = ARCHITECTURES.get(name)
    if arch is None:
        raise NotFound(
            f"no architecture named {name!r}; the architectures are " + ", ".join(ARCHITECTURES)
        )
    shape = _shape(query.input_shape)
    if query.classes > settings.max_classes:
        raise LimitExceeded(
            "classes", query.classes, settings.max_classes, "max_classes", "query.classes"
        )
    given = {"width": query.width, "depth": query.depth}
    try:
        network = build(name, shape, query.classes, **given)
    except DataError as exc:
        raise InvalidInput(exc.message, f"query.{exc.field}") from None
    rows = summary(network)
    if rows.total_params > settings.max_parameters:
        raise LimitExceeded(
            f"the number of parameters of {name} for input_shape {query.input_shape}",
            rows.total_params,
            settings.max_parameters,
            "max_parameters",
            "query.width",
        )
    return TemplateOut(
        name=name,
        input_shape=list(shape),
        classes=query.classes,
        knobs=knob_values(arch, given),
        network=network,
        training=TRAINING,
        summary=rows,
    )


def _shape(text: str) -> tuple[int, ...]:
    """``"1,28,28"`` as ``(1, 28, 28)``; the template checks the sizes."""
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdecimal() and len(part) <= MAX_DIGITS for part in parts):
        raise InvalidInput(
            "Received an invalid value for `input_shape`, expected channels,height,width "
            f"as integers separated by commas, e.g. 1,28,28. Received: input_shape={text!r}",
            "query.input_shape",
        )
    return tuple(int(part) for part in parts)
