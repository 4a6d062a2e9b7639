"""Backprop against central finite differences for the graph layers: batchnorm (both
modes), add and concat inside graphs whose branches join again, the poolings, the
activation layer and 1x1 / strided convolutions."""

import numpy as np
import pytest

from syn0.core import Network, NetworkSpec
from tests.core.factories import conv, dense, gradient_error, targets_for

TOLERANCE = 1e-7


def _check(device, layers, input_shape, loss="cross_entropy", n=6, training=True, seed=0):
    rng = np.random.default_rng(seed)
    net = Network(NetworkSpec(input_shape=input_shape, layers=layers), seed=seed, dtype="float64")
    net.params += rng.normal(0, 0.05, net.params.shape)  # also moves the moving averages
    net.to_device(device)
    X = rng.standard_normal((n, *input_shape))
    y = targets_for(loss, n, net.n_outputs, rng)
    assert gradient_error(net, X, y, loss, training=training) < TOLERANCE


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_on_vectors(training, device):
    layers = [dense(5, "tanh"), {"type": "batchnorm"}, dense(3, "softmax")]
    _check(device, layers, [4], training=training)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_on_images_then_activation(training, device):
    layers = [
        conv(3, 3, use_bias=False),
        {"type": "batchnorm", "momentum": 0.9, "epsilon": 1e-2},
        {"type": "activation", "activation": "tanh"},
        {"type": "flatten"},
        dense(2, "softmax"),
    ]
    _check(device, layers, [2, 5, 5], training=training)


@pytest.mark.parametrize("activation", ["sigmoid", "elu", "leaky_relu", "softmax"])
def test_activation_layer(activation, device):
    layers = [dense(4), {"type": "activation", "activation": activation}, dense(3, "softmax")]
    _check(device, layers, [3])


def test_residual_block_joins_with_add(device):
    # input -> a -> b -> add(a, b): a's gradient is the sum over both paths
    layers = [
        conv(3, 3, padding="same", activation="tanh", name="a"),
        conv(3, 3, padding="same", use_bias=False),
        {"type": "batchnorm"},
        {"type": "add", "inputs": ["a", "batchnorm_2"]},
        {"type": "activation", "activation": "relu"},
        {"type": "global_avgpool2d"},
        dense(3, "softmax"),
    ]
    _check(device, layers, [2, 6, 6], n=5)


def test_projection_shortcut_with_strided_1x1_convolution(device):
    layers = [
        conv(2, 3, stride=2, padding="same", activation="tanh", name="main"),
        conv(2, 1, stride=2, inputs=["input"], name="shortcut"),
        {"type": "add", "inputs": ["main", "shortcut"]},
        {"type": "flatten"},
        dense(2, "softmax"),
    ]
    _check(device, layers, [3, 5, 5])


def test_inception_block_joins_with_concat(device):
    layers = [
        conv(2, 1, activation="relu", name="stem"),
        conv(2, 1, activation="tanh", name="b1"),
        conv(2, 1, activation="tanh", inputs=["stem"]),
        conv(3, 3, padding="same", activation="tanh", name="b2"),
        {"type": "maxpool2d", "pool_size": 3, "stride": 1, "padding": "same", "inputs": ["stem"]},
        conv(1, 1, activation="tanh", name="b3"),
        {"type": "concat", "inputs": ["b1", "b2", "b3", "stem"]},
        {"type": "avgpool2d", "pool_size": 2},
        {"type": "flatten"},
        dense(3, "softmax"),
    ]
    _check(device, layers, [2, 6, 6])


def test_vectors_split_and_join(device):
    # one output read three times: by two branches and again by the concat
    layers = [
        dense(4, "tanh", name="h"),
        dense(3, "sigmoid"),
        dense(3, "elu", inputs=["h"]),
        {"type": "add", "inputs": ["dense_1", "dense_2", "dense_1"]},
        {"type": "concat", "inputs": ["add_3", "h"]},
        dense(2, "linear"),
    ]
    _check(device, layers, [3], loss="mse")


def test_a_merge_reading_the_input_twice(device):
    layers = [{"type": "add", "inputs": ["input", "input"]}, dense(2, "softmax")]
    _check(device, layers, [3])


@pytest.mark.parametrize("kind", ["avgpool2d", "maxpool2d"])
@pytest.mark.parametrize(
    ("pool", "stride", "padding"),
    [(2, None, "valid"), (3, 1, "valid"), (2, 3, "valid"), (3, 1, "same"), (2, 2, "same")],
)
def test_pooling(kind, pool, stride, padding, device):
    layers = [
        conv(2, 1, activation="tanh"),
        {"type": kind, "pool_size": pool, "stride": stride, "padding": padding},
        {"type": "flatten"},
        dense(2, "softmax"),
    ]
    _check(device, layers, [1, 7, 7])


def test_global_avgpool2d_then_batchnorm(device):
    layers = [
        conv(3, 3, activation="tanh"),
        {"type": "global_avgpool2d"},
        {"type": "batchnorm"},
        dense(2, "softmax"),
    ]
    _check(device, layers, [2, 5, 5])


def test_pointwise_convolution_reads_its_input_in_place(device):
    layers = [conv(3, 1, activation="tanh"), conv(2, 1), {"type": "flatten"}, dense(2)]
    _check(device, layers, [2, 3, 4], loss="mse")
