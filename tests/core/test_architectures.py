"""The architecture templates: each family scaled to small and usual inputs, within the
default parameter limit, shaped as its family, training, and knobs checked by name."""

from __future__ import annotations

import math

import pytest

from syn0.core import DataError, Network, NetworkSpec, datasets, fit, summary
from syn0.core.architectures import ARCHITECTURES, TRAINING, build
from syn0.settings import Settings

NAMES = list(ARCHITECTURES)
SHAPES = [(1, 28, 28), (3, 32, 32), (1, 16, 16)]


def types(spec: NetworkSpec) -> list[str]:
    return [layer.type for layer in spec.layers]


def test_the_five_families_with_their_ideas():
    assert NAMES == ["lenet5", "alexnet", "vgg", "googlenet", "resnet"]
    assert [arch.year for arch in ARCHITECTURES.values()] == [1998, 2012, 2014, 2014, 2015]
    assert ARCHITECTURES["lenet5"].idea.startswith(
        "LeNet-5 (LeCun et al., 1998): convolutions and subsampling learn features end to end"
    )
    for arch in ARCHITECTURES.values():
        assert [knob.name for knob in arch.knobs] == ["width", "depth"]
        assert "\n" not in arch.idea and arch.idea.startswith(f"{arch.title} (")


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("name", NAMES)
def test_every_template_fits_its_input_and_the_default_parameter_limit(name, shape):
    # when
    spec = build(name, shape, 10)
    rows = summary(spec)
    # then: a softmax over the classes, within SYN0_MAX_PARAMETERS by default (and
    # within a million parameters, small enough for a CPU)
    assert spec.input_shape == list(shape)
    last = spec.layers[-1]
    assert (last.type, last.units, last.activation) == ("dense", 10, "softmax")
    assert rows.layers[-1].output_shape == [10]
    assert rows.total_params <= Settings.model_fields["max_parameters"].default
    assert rows.total_params < 1_000_000
    assert all(math.prod(row.output_shape) >= 1 for row in rows.layers)
    assert all(layer.name for layer in spec.layers)  # every layer named readably


def test_lenet5_is_the_papers_at_32_pixels():
    rows = summary(build("lenet5", (1, 32, 32), 10)).layers
    assert [(row.name, row.output_shape) for row in rows] == [
        ("conv1", [6, 28, 28]),
        ("pool1", [6, 14, 14]),
        ("conv2", [16, 10, 10]),
        ("pool2", [16, 5, 5]),
        ("flatten", [400]),
        ("fc1", [120]),
        ("fc2", [84]),
        ("predictions", [10]),
    ]


def test_alexnet_has_a_large_strided_first_conv_and_overlapping_pools():
    big, small = build("alexnet", (3, 224, 224), 10), build("alexnet", (1, 28, 28), 10)
    assert (big.layers[0].kernel_size, big.layers[0].stride) == (11, 4)
    assert (small.layers[0].kernel_size, small.layers[0].stride) == (5, 1)
    pools = [layer for layer in small.layers if layer.type == "maxpool2d"]
    assert [(pool.pool_size, pool.stride) for pool in pools] == [(3, 2)] * 3
    assert types(small).count("dropout") == 2


def test_vgg_stacks_3x3_convs_and_pools_down_to_7_pixels():
    for shape, stages in [((3, 224, 224), 5), ((3, 32, 32), 3), ((1, 28, 28), 2), ((1, 8, 8), 1)]:
        spec = build("vgg", shape, 10, depth=3)
        assert {layer.kernel_size for layer in spec.layers if layer.type == "conv2d"} == {3}
        assert types(spec).count("maxpool2d") == stages
        assert types(spec).count("conv2d") == 3 * stages


def test_googlenet_joins_its_branches_and_pools_globally():
    spec = build("googlenet", (3, 32, 32), 10, depth=3)
    rows = {row.name: row for row in summary(spec).layers}
    joined = rows["inception1"]
    assert joined.type == "concat"
    assert joined.inputs == ["inception1_b1", "inception1_b2", "inception1_b3", "inception1_b4"]
    assert joined.output_shape == [64, 16, 16]
    assert rows["inception1_b4_pool"].inputs == ["stem_pool1"]
    assert types(spec).count("concat") == 3
    assert "global_avgpool2d" in types(spec) and "flatten" not in types(spec)


def test_resnet_adds_residuals_after_batchnorm_and_projects_when_shapes_change():
    spec = build("resnet", (3, 32, 32), 10, depth=3)  # ResNet-20
    rows = {row.name: row for row in summary(spec).layers}
    convs = [layer for layer in spec.layers if layer.type == "conv2d"]
    projections = [conv for conv in convs if conv.name.endswith("_projection")]
    assert len(convs) - len(projections) + 1 == 20  # 6n + 2 weighted layers, the dense one too
    assert len(projections) == 2
    assert not any(conv.use_bias for conv in convs)
    assert types(spec).count("add") == 9
    assert rows["stage1_block1_add"].inputs == ["stem_relu", "stage1_block1_bn2"]
    projection = rows["stage2_block1_projection"]
    assert projection.inputs == ["stage1_block3_out"] and projection.output_shape == [32, 16, 16]
    assert rows["stage2_block1_add"].inputs == [
        "stage2_block1_projection_bn",
        "stage2_block1_bn2",
    ]
    assert rows["avgpool"].output_shape == [64]


@pytest.mark.parametrize("name", NAMES)
def test_the_knobs_change_the_network(name):
    base = summary(build(name, (1, 28, 28), 10)).total_params
    assert summary(build(name, (1, 28, 28), 10, width=2)).total_params < base
    assert len(build(name, (1, 28, 28), 10, depth=1).layers) < len(
        build(name, (1, 28, 28), 10).layers
    )


@pytest.mark.parametrize("name", NAMES)
def test_a_small_template_trains_an_epoch(name, device):
    # given: noisy bars, 4 classes
    X, y = datasets.images(64, size=16, noise=0.2, seed=0)
    net = Network(build(name, (1, 16, 16), 4, width=4, depth=1), seed=0)
    # when
    history = fit(net, X, y, TRAINING.model_copy(update={"epochs": 1, "device": device}))
    # then
    assert len(history.epochs) == 1 and math.isfinite(history.epochs[0]["loss"])
    assert net.predict(X).shape == (64, 4)


@pytest.mark.parametrize(
    ("args", "knobs", "field", "message"),
    [
        (("vgg", (28, 28), 10), {}, "input_shape", "Received: input_shape=(28, 28)"),
        (("vgg", (1, 4, 28), 10), {}, "input_shape", "height and width from 8 to 2048"),
        (("vgg", (0, 28, 28), 10), {}, "input_shape", "channels from 1 to 256"),
        (("vgg", (1, 28, 28), 1), {}, "classes", "expected an integer >= 2. Received: classes=1"),
        (("vgg", (1, 28, 28), 10), {"depth": 5}, "depth", "from 1 to 4 for vgg"),
        (("resnet", (1, 28, 28), 10), {"width": 0}, "width", "Received: width=0"),
        (("resnet", (1, 28, 28), 10), {"width": 2.5}, "width", "Received: width=2.5"),
        (("resnet", (1, 28, 28), 10), {"heads": 2}, "heads", "resnet has no knob `heads`"),
        (("transformer", (1, 28, 28), 10), {}, "name", "one of lenet5, alexnet, vgg"),
    ],
)
def test_bad_arguments_name_the_argument_the_range_and_the_value(args, knobs, field, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        build(*args, **knobs)
    assert info.value.field == field


def test_a_bad_knob_says_the_whole_story():
    with pytest.raises(DataError) as info:
        build("lenet5", (1, 28, 28), 10, depth=4)
    assert info.value.message == (
        "Received an invalid value for `depth`, expected an integer from 1 to 3 for lenet5. "
        "Received: depth=4"
    )
