"""The graph a spec describes: names, inputs, the errors that name the field, and the
summary each layer type computes for itself."""

import pytest

from syn0.core import NetworkSpec, SpecError, infer_shapes, summary
from syn0.core.registry import LAYERS
from syn0.core.spec_layers import LAYER_TYPES
from tests.core.factories import conv, dense


def _spec(layers, input_shape=(3, 8, 8)):
    return NetworkSpec(input_shape=list(input_shape), layers=layers)


def _error(layers, input_shape=(3, 8, 8)) -> SpecError:
    with pytest.raises(SpecError) as caught:
        infer_shapes(_spec(layers, input_shape))
    return caught.value


RESIDUAL = [
    conv(4, 3, padding="same", activation="relu", name="stem"),
    conv(4, 3, padding="same", use_bias=False),
    {"type": "batchnorm"},
    {"type": "add", "inputs": ["stem", "batchnorm_2"]},
    {"type": "activation", "activation": "relu"},
    {"type": "global_avgpool2d"},
    dense(10, "softmax"),
]


def test_every_spec_type_has_a_layer_and_every_layer_a_spec():
    tags = {member.model_fields["type"].default for member in LAYER_TYPES.__args__}
    assert tags == set(LAYERS)


def test_summary_lists_the_graph_with_names_inputs_shapes_params_and_flops():
    rows = summary(_spec(RESIDUAL)).layers
    assert [(r.name, r.inputs, r.output_shape) for r in rows] == [
        ("stem", ["input"], [4, 8, 8]),
        ("conv2d_1", ["stem"], [4, 8, 8]),
        ("batchnorm_2", ["conv2d_1"], [4, 8, 8]),
        ("add_3", ["stem", "batchnorm_2"], [4, 8, 8]),
        ("activation_4", ["add_3"], [4, 8, 8]),
        ("global_avgpool2d_5", ["activation_4"], [4]),
        ("dense_6", ["global_avgpool2d_5"], [10]),
    ]
    assert [r.params for r in rows] == [4 * 27 + 4, 4 * 36, 16, 0, 0, 0, 4 * 10 + 10]
    assert [r.flops for r in rows] == [
        256 * (2 * 27 + 1),
        256 * 2 * 36,
        2 * 256,
        256,
        256,
        256,
        2 * 40 + 10,
    ]


def test_concat_joins_channels_of_images_and_features_of_vectors():
    images = [
        conv(2, 1, name="a"),
        conv(5, 3, padding="same", inputs=["input"]),
        {"type": "concat", "inputs": ["a", "conv2d_1", "input"]},
        {"type": "flatten"},
        dense(2),
    ]
    assert infer_shapes(_spec(images))[2] == (10, 8, 8)
    vectors = [
        dense(3, name="a"),
        dense(4, inputs=["input"]),
        {"type": "concat", "inputs": ["a", "dense_1"]},
        dense(2),
    ]
    assert infer_shapes(_spec(vectors, [5]))[2] == (7,)


def test_pooling_with_same_padding_keeps_ceil_of_size_over_stride():
    layers = [
        {"type": "maxpool2d", "pool_size": 3, "stride": 1, "padding": "same"},
        {"type": "avgpool2d", "pool_size": 3, "stride": 2, "padding": "same"},
        {"type": "flatten"},
        dense(2),
    ]
    assert infer_shapes(_spec(layers, [1, 7, 7]))[:2] == [(1, 7, 7), (1, 4, 4)]


@pytest.mark.parametrize(
    ("layers", "loc", "message"),
    [
        (
            [conv(2, 3, name="a"), conv(2, 3, name="a"), {"type": "flatten"}, dense(2)],
            ("network", "layers", 1, "name"),
            "layer 1 (conv2d) is named 'a', which is already named layer 0 (conv2d); "
            "names must be unique",
        ),
        (
            [conv(2, 3), conv(2, 3, name="conv2d_0"), {"type": "flatten"}, dense(2)],
            ("network", "layers", 1, "name"),
            "layer 1 (conv2d) is named 'conv2d_0', which is already the default name of "
            "layer 0 (conv2d); names must be unique",
        ),
        (
            [conv(2, 3, name="input"), {"type": "flatten"}, dense(2)],
            ("network", "layers", 0, "name"),
            "layer 0 (conv2d) is named 'input', the name of the network's input; "
            "choose another name",
        ),
        (
            [conv(2, 3, name="a"), {"type": "flatten", "inputs": ["a", "b"]}, dense(2)],
            ("network", "layers", 1, "inputs", 1),
            "layer 1 (flatten) reads 'b', but no layer has that name; expected 'input' or "
            "an earlier layer: 'a'",
        ),
        (
            [conv(2, 3, inputs=["later"]), {"type": "flatten", "name": "later"}, dense(2)],
            ("network", "layers", 0, "inputs", 0),
            "layer 0 (conv2d) reads 'later', which is layer 1; `inputs` may only name "
            "earlier layers",
        ),
        (
            [conv(2, 3), {"type": "add"}, {"type": "flatten"}, dense(2)],
            ("network", "layers", 1, "inputs"),
            "layer 1 (add) joins two or more inputs; it reads 1: list them in `inputs`",
        ),
        (
            [
                conv(2, 3, name="a"),
                conv(2, 3, inputs=["a", "input"]),
                {"type": "flatten"},
                dense(2),
            ],
            ("network", "layers", 1, "inputs"),
            "layer 1 (conv2d) reads one input; `inputs` names 2",
        ),
        (
            [conv(2, 3, name="lost"), conv(2, 3, inputs=["input"]), {"type": "flatten"}, dense(2)],
            ("network", "layers", 0),
            "layer 0 (conv2d) 'lost': nothing reads its output; name it in a later layer's "
            "`inputs`, or remove it (only the last layer's output is the network's)",
        ),
        (
            [
                conv(2, 3, name="a"),
                {"type": "add", "inputs": ["a", "input"]},
                {"type": "flatten"},
                dense(2),
            ],
            ("network", "layers", 1, "inputs"),
            "layer 1 (add) needs inputs of one shape but receives (2, 6, 6), (3, 8, 8)",
        ),
        (
            [
                conv(2, 3, name="a"),
                {"type": "concat", "inputs": ["a", "input"]},
                {"type": "flatten"},
                dense(2),
            ],
            ("network", "layers", 1, "inputs"),
            "layer 1 (concat) joins images of 6x6 but receives (2, 6, 6), (3, 8, 8); concat "
            "needs all vectors, or all images of one height and width",
        ),
        (
            [{"type": "activation", "activation": "softmax"}, {"type": "flatten"}, dense(2)],
            ("network", "layers", 0, "activation"),
            "layer 0 (activation) cannot use softmax on (3, 8, 8); softmax needs a flat input",
        ),
        (
            [{"type": "avgpool2d", "pool_size": 9}, {"type": "flatten"}, dense(2)],
            ("network", "layers", 0, "pool_size"),
            "layer 0 (avgpool2d) has a 9x9 window but receives (3, 8, 8); use a smaller "
            "`pool_size` or padding='same'",
        ),
        (
            [{"type": "flatten"}, dense(4), {"type": "batchnorm"}],
            ("network", "layers", 2),
            "layer 2 (batchnorm) is the last layer; the outputs must come from a dense layer",
        ),
    ],
)
def test_graph_errors_name_the_field_what_was_expected_and_what_was_received(layers, loc, message):
    error = _error(layers)
    assert (error.loc, error.message) == (loc, message)


def test_a_plain_stack_serializes_without_graph_fields():
    spec = _spec([conv(2, 3), {"type": "flatten"}, dense(2)])
    assert all(
        "name" not in layer and "inputs" not in layer for layer in spec.model_dump()["layers"]
    )
    named = _spec([conv(2, 3, name="c"), {"type": "flatten", "inputs": ["c"]}, dense(2)])
    assert named.model_dump()["layers"][:2] == [
        {
            "name": "c",
            "type": "conv2d",
            "filters": 2,
            "kernel_size": 3,
            "stride": 1,
            "padding": "valid",
            "activation": "linear",
            "use_bias": True,
            "init": "auto",
        },
        {"inputs": ["c"], "type": "flatten"},
    ]


def test_pooling_at_its_old_default_padding_serializes_as_before():
    spec = _spec([{"type": "maxpool2d"}, {"type": "flatten"}, dense(2)])
    assert spec.model_dump()["layers"][0] == {"type": "maxpool2d", "pool_size": 2, "stride": None}
    same = _spec([{"type": "maxpool2d", "padding": "same"}, {"type": "flatten"}, dense(2)])
    assert same.model_dump()["layers"][0]["padding"] == "same"
