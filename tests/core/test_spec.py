"""The spec talks like Keras: each bad value names the field, the expectation and the value."""

import json

import pytest
from pydantic import ValidationError

from syn0.core import (
    NetworkSpec,
    SpecError,
    TrainingSpec,
    check_against_dataset,
    check_spec,
    summary,
)
from tests.core.factories import conv, dense, lenet, mlp, training


def _error(model, **data) -> tuple[tuple, str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    first = info.value.errors()[0]
    return first["loc"], first["msg"]


def test_negative_units_names_field_expectation_and_value():
    loc, msg = _error(NetworkSpec, input_shape=[2], layers=[dense(-3)])
    assert loc == ("layers", 0, "dense", "units")
    assert msg.endswith(
        "Received an invalid value for `units`, expected a positive integer. Received: units=-3"
    )


def test_unknown_layer_type_lists_the_known_ones():
    loc, msg = _error(NetworkSpec, input_shape=[2], layers=[{"type": "conv3d"}])
    assert loc == ("layers", 0)
    assert "'conv3d'" in msg and "'dense', 'conv2d', 'maxpool2d', 'flatten', 'dropout'" in msg


@pytest.mark.parametrize(
    ("data", "loc", "text"),
    [
        (
            {"loss": "mse", "validation_split": 1.5},
            ("validation_split",),
            "expected a number in [0, 1). Received: validation_split=1.5",
        ),
        (
            {"loss": "mse", "optimizer": {"type": "adam", "learning_rate": -1}},
            ("optimizer", "adam", "learning_rate"),
            "expected a positive number. Received: learning_rate=-1.0",
        ),
        (
            {"loss": "mse", "epochs": 0},
            ("epochs",),
            "expected a positive integer. Received: epochs=0",
        ),
        (
            {"loss": "mse", "regularization": {"l2": -0.1}},
            ("regularization", "l2"),
            "expected a number >= 0. Received: l2=-0.1",
        ),
        ({"loss": "hinge"}, ("loss",), "'mse', 'binary_cross_entropy' or 'cross_entropy'"),
        (
            {"loss": "mse", "optimizer": {"type": "sgd", "learning_rate": float("nan")}},
            ("optimizer", "sgd", "learning_rate"),
            "finite number",
        ),
        (
            {"loss": "mse", "epochs": 3, "shuffle": True, "extra": 1},
            ("extra",),
            "Extra inputs are not permitted",
        ),
    ],
)
def test_training_field_errors(data, loc, text):
    got_loc, msg = _error(TrainingSpec, **data)
    assert got_loc == loc
    assert text in msg


def test_dropout_rate_outside_unit_interval():
    loc, msg = _error(
        NetworkSpec, input_shape=[2], layers=[{"type": "dropout", "rate": 1.0}, dense(1)]
    )
    assert loc == ("layers", 0, "dropout", "rate")
    assert "expected a number in [0, 1). Received: rate=1.0" in msg


def test_input_shape_must_be_features_or_image():
    _, msg = _error(NetworkSpec, input_shape=[28, 28], layers=[dense(1)])
    assert "expected [features] or [channels, height, width]. Received: input_shape=[28, 28]" in msg


def test_dense_after_conv_needs_flatten():
    spec = NetworkSpec(
        input_shape=[1, 28, 28],
        layers=[conv(6, 5), {"type": "maxpool2d"}, conv(6, 5), dense(10), dense(2)],
    )
    with pytest.raises(SpecError) as info:
        check_spec(spec, training())
    assert str(info.value) == (
        "layer 3 (dense) needs a flat input but receives (6, 8, 8); add a flatten layer before it"
    )
    assert info.value.loc == ("network", "layers", 3)


@pytest.mark.parametrize(
    ("layers", "loss", "text"),
    [
        ([dense(3, "softmax")], "binary_cross_entropy", "needs a last layer of 1 unit"),
        ([dense(1, "sigmoid")], "cross_entropy", "one unit per class"),
        ([dense(3, "tanh")], "cross_entropy", "activation='tanh'"),
        ([dense(4), {"type": "dropout", "rate": 0.5}], "mse", "must come from a dense layer"),
    ],
)
def test_loss_against_last_layer(layers, loss, text):
    with pytest.raises(SpecError, match=text):
        check_spec(NetworkSpec(input_shape=[2], layers=layers), training(loss))


def test_kernel_larger_than_input():
    spec = NetworkSpec(input_shape=[1, 4, 4], layers=[conv(2, 5), {"type": "flatten"}, dense(2)])
    with pytest.raises(SpecError, match="5x5 window but receives \\(1, 4, 4\\)") as info:
        check_spec(spec, training())
    assert info.value.loc == ("network", "layers", 0, "kernel_size")


def test_early_stopping_on_validation_needs_a_split():
    with pytest.raises(SpecError, match="validation_split is 0"):
        check_spec(mlp(2, [4], 2), training(early_stopping={"monitor": "val_loss"}))


def test_image_augmentation_needs_images():
    with pytest.raises(SpecError, match="need image inputs"):
        check_spec(mlp(2, [4], 2), training(augmentation={"horizontal_flip": True}))


@pytest.mark.parametrize(
    ("spec", "loss", "shape", "task", "n", "text"),
    [
        (
            mlp(2, [4], 2),
            "cross_entropy",
            (3,),
            "classification",
            2,
            "input_shape [2] does not match the dataset's samples of shape [3]",
        ),
        (
            mlp(2, [4], 2),
            "cross_entropy",
            (2,),
            "classification",
            3,
            "the last layer has 2 units but the dataset has 3 classes; set units=3",
        ),
        (
            mlp(2, [4], 1, out_activation="linear"),
            "binary_cross_entropy",
            (2,),
            "regression",
            1,
            "needs a classification dataset",
        ),
        (
            mlp(2, [4], 1, out_activation="sigmoid"),
            "binary_cross_entropy",
            (2,),
            "classification",
            3,
            "needs 2 classes",
        ),
        (
            mlp(2, [4], 1, out_activation="linear"),
            "mse",
            (2,),
            "regression",
            2,
            "2 target column(s); set units=2",
        ),
    ],
)
def test_spec_against_dataset_errors(spec, loss, shape, task, n, text):
    with pytest.raises(SpecError) as info:
        check_against_dataset(spec, training(loss), shape, task, n)
    assert text in str(info.value)


def test_spec_against_dataset_warnings():
    warnings = check_against_dataset(
        mlp(2, [4], 1, out_activation="sigmoid"), training("mse"), (2,), "classification", 2
    )
    assert warnings == [
        "mse with a sigmoid output on a classification task; cross_entropy usually trains faster"
    ]


def test_single_channel_images_may_come_without_channel_axis():
    assert check_against_dataset(lenet(12, 4), training(), (12, 12), "classification", 4) == []


def test_summary_shapes_params_and_flops():
    result = summary(lenet(12, 4))
    assert [row.output_shape for row in result.layers] == [
        [6, 12, 12],
        [6, 6, 6],
        [12, 4, 4],
        [12, 2, 2],
        [48],
        [32],
        [4],
    ]
    assert [row.params for row in result.layers] == [60, 0, 660, 0, 0, 1568, 132]
    assert result.total_params == 2420
    # conv: 6*12*12 outputs x (2*9 + 1 bias); dense 48->32: 2*48*32 + 32
    assert result.layers[0].flops == 6 * 144 * 19
    assert result.layers[5].flops == 2 * 48 * 32 + 32


def test_specs_produce_a_clean_json_schema():
    schema = json.dumps([NetworkSpec.model_json_schema(), TrainingSpec.model_json_schema()])
    layer_union = NetworkSpec.model_json_schema()["properties"]["layers"]["items"]
    assert layer_union["discriminator"]["propertyName"] == "type"
    assert '"minimum": 1' in schema


def test_one_softmax_unit_is_rejected():
    with pytest.raises(SpecError, match="one softmax unit"):
        check_spec(mlp(2, [4], 1, out_activation="softmax"), training("mse"))


def test_val_accuracy_on_regression_is_rejected_before_training():
    spec = mlp(2, [4], 1, out_activation="linear")
    stopping = training("mse", validation_split=0.2, early_stopping={"monitor": "val_accuracy"})
    with pytest.raises(SpecError, match="cannot monitor val_accuracy on a regression"):
        check_against_dataset(spec, stopping, (2,), "regression", 1)


def test_channels_last_images_get_a_transpose_hint():
    with pytest.raises(SpecError, match="look channels-last; transpose"):
        check_against_dataset(lenet(12, 4), training(), (12, 12, 1), "classification", 4)


def test_integers_are_strict():
    _, msg = _error(NetworkSpec, input_shape=[2], layers=[dense(True)])
    assert "valid integer" in msg
