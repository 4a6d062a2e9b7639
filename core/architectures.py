"""Architectures as first-class objects: five landmark families of image classifiers,
each with the idea it introduced, and ``build`` to write one as a ``NetworkSpec``
scaled to an input and a number of classes::

    from syn0.core import architectures
    spec = architectures.build("resnet", (3, 32, 32), classes=10, depth=3)  # ResNet-20

Every family has two knobs, ``width`` (the filters of its first stage) and ``depth``
(its blocks or stages); their defaults make networks of under a million parameters
for 28x28 or 32x32 images, small enough to train on a CPU. Bad arguments raise
``DataError`` naming the argument, the expected range and the value received.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from syn0.core import templates
from syn0.core.errors import DataError
from syn0.core.sketch import Sketch
from syn0.core.spec import AdamSpec, NetworkSpec, TrainingSpec

MIN_SIDE, MAX_SIDE = 8, 2048  # pixels of the height and width
MAX_CHANNELS = 256

# What a template trains well with from scratch: Adam at its usual rate.
TRAINING = TrainingSpec(loss="cross_entropy", optimizer=AdamSpec(learning_rate=0.001))


@dataclass(frozen=True)
class Knob:
    """An integer argument of a family, from ``minimum`` to ``maximum``."""

    name: str
    default: int
    minimum: int
    maximum: int
    description: str


@dataclass(frozen=True)
class Architecture:
    name: str
    title: str
    year: int
    paper: str
    idea: str
    knobs: tuple[Knob, ...]
    template: Callable[..., None]  # (sketch, classes, **knobs)


ARCHITECTURES: dict[str, Architecture] = {
    arch.name: arch
    for arch in (
        Architecture(
            "lenet5",
            "LeNet-5",
            1998,
            "LeCun, Bottou, Bengio and Haffner: Gradient-based learning applied to "
            "document recognition",
            "LeNet-5 (LeCun et al., 1998): convolutions and subsampling learn features "
            "end to end, from pixels to classes",
            (
                Knob(
                    "width",
                    6,
                    1,
                    64,
                    "filters of the first convolution (the paper's 6); "
                    "the second has 16/6 as many, the dense layers 20x and 14x",
                ),
                Knob("depth", 2, 1, 3, "convolution + subsampling stages (the paper's 2)"),
            ),
            templates.lenet5,
        ),
        Architecture(
            "alexnet",
            "AlexNet",
            2012,
            "Krizhevsky, Sutskever and Hinton: ImageNet classification with deep "
            "convolutional neural networks",
            "AlexNet (Krizhevsky et al., 2012): a deep convolutional network trained with "
            "ReLU, dropout and overlapping max pooling; a large strided first convolution",
            (
                Knob(
                    "width",
                    24,
                    1,
                    256,
                    "filters of the first convolution (the paper's 96); "
                    "later ones 8/3x and 4x, the dense layers 16x",
                ),
                Knob("depth", 3, 1, 5, "3x3 convolutions of the third stage (the paper's 3)"),
            ),
            templates.alexnet,
        ),
        Architecture(
            "vgg",
            "VGG",
            2014,
            "Simonyan and Zisserman: Very deep convolutional networks for large-scale "
            "image recognition",
            "VGG (Simonyan and Zisserman, 2014): depth from stacks of small 3x3 "
            "convolutions, with max pooling between stages",
            (
                Knob(
                    "width",
                    16,
                    1,
                    128,
                    "filters of the first stage (the paper's 64), "
                    "doubling per stage up to 8x; the dense layers 16x",
                ),
                Knob("depth", 2, 1, 4, "3x3 convolutions per stage (VGG-13's 2, VGG-19's 4)"),
            ),
            templates.vgg,
        ),
        Architecture(
            "googlenet",
            "GoogLeNet",
            2014,
            "Szegedy et al.: Going deeper with convolutions",
            "GoogLeNet (Szegedy et al., 2014): inception blocks run 1x1, 3x3 and 5x5 "
            "convolutions and pooling side by side, made cheap by 1x1 reductions; "
            "global average pooling instead of large dense layers",
            (
                Knob(
                    "width",
                    16,
                    1,
                    128,
                    "filters of the stem and of the first inception "
                    "block's 1x1 branch (the paper's 64); doubling after the pools",
                ),
                Knob("depth", 3, 1, 9, "inception blocks (the paper's 9)"),
            ),
            templates.googlenet,
        ),
        Architecture(
            "resnet",
            "ResNet",
            2015,
            "He, Zhang, Ren and Sun: Deep residual learning for image recognition",
            "ResNet (He et al., 2015): residual blocks learn y = relu(x + F(x)), so very "
            "deep networks train; batch normalization after every convolution",
            (
                Knob(
                    "width",
                    16,
                    1,
                    128,
                    "filters of the stem and the first stage (the paper's "
                    "16 on CIFAR-10); 2x and 4x in the next stages",
                ),
                Knob("depth", 2, 1, 9, "residual blocks per stage: 6n + 2 layers (ResNet-20: 3)"),
            ),
            templates.resnet,
        ),
    )
}


def _invalid(name: str, expected: str, value: object) -> DataError:
    return DataError(
        f"Received an invalid value for `{name}`, expected {expected}. Received: {name}={value!r}",
        field=name,
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_input_shape(input_shape: object) -> tuple[int, int, int]:
    """``input_shape`` as ``(channels, height, width)``, or ``DataError`` naming it."""
    expected = (
        f"(channels, height, width): channels from 1 to {MAX_CHANNELS}, height and "
        f"width from {MIN_SIDE} to {MAX_SIDE} pixels"
    )
    if not isinstance(input_shape, list | tuple) or len(input_shape) != 3:
        raise _invalid("input_shape", expected, input_shape)
    channels, *sides = input_shape
    if not all(map(_is_int, input_shape)) or not 1 <= channels <= MAX_CHANNELS:
        raise _invalid("input_shape", expected, input_shape)
    if not all(MIN_SIDE <= side <= MAX_SIDE for side in sides):
        raise _invalid("input_shape", expected, input_shape)
    return channels, sides[0], sides[1]


def knob_values(arch: Architecture, given: dict[str, int | None]) -> dict[str, int]:
    """Every knob of ``arch``: the value given, or its default. ``DataError`` naming
    the knob for an unknown one or a value out of its range."""
    known = {knob.name: knob for knob in arch.knobs}
    for name in given:
        if name not in known:
            raise DataError(
                f"{arch.name} has no knob `{name}`; its knobs are "
                + ", ".join(f"`{knob}`" for knob in known),
                field=name,
            )
    values = {}
    for knob in arch.knobs:
        value = given.get(knob.name)
        value = knob.default if value is None else value
        if not _is_int(value) or not knob.minimum <= value <= knob.maximum:
            expected = f"an integer from {knob.minimum} to {knob.maximum} for {arch.name}"
            raise _invalid(knob.name, expected, value)
        values[knob.name] = value
    return values


def build(name: str, input_shape: object, classes: object, **knobs: int | None) -> NetworkSpec:
    """The network of family ``name`` for images of ``input_shape`` ``(channels, height,
    width)`` and ``classes`` classes; a knob left out or ``None`` takes its default."""
    if name not in ARCHITECTURES:
        raise _invalid("name", "one of " + ", ".join(ARCHITECTURES), name)
    arch = ARCHITECTURES[name]
    shape = check_input_shape(input_shape)
    if not _is_int(classes) or classes < 2:
        raise _invalid("classes", "an integer >= 2", classes)
    sketch = Sketch(shape)
    arch.template(sketch, classes, **knob_values(arch, knobs))
    return sketch.network()
