"""Backprop against central finite differences, in float64, for every piece."""

import numpy as np
import pytest

from syn0.core import Network, NetworkSpec
from tests.core.factories import conv, dense, gradient_error, targets_for

TOLERANCE = 1e-7
ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax"]


def _check(device, layers, input_shape, loss, n=5, seed=0, **penalties):
    rng = np.random.default_rng(seed)
    spec = NetworkSpec(input_shape=input_shape, layers=layers)
    net = Network(spec, seed=seed, dtype="float64")
    net.params += rng.normal(0, 0.05, net.params.shape)  # non-zero biases too
    net.to_device(device)
    X = rng.standard_normal((n, *input_shape))
    y = targets_for(loss, n, net.n_outputs, rng)
    assert gradient_error(net, X, y, loss, **penalties) < TOLERANCE


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_hidden_activation(activation, device):
    _check(device, [dense(4, activation), dense(3, "linear")], [3], "mse")


@pytest.mark.parametrize(
    ("loss", "activation", "units"),
    [
        ("cross_entropy", "softmax", 3),
        ("cross_entropy", "linear", 3),
        ("binary_cross_entropy", "sigmoid", 1),
        ("binary_cross_entropy", "linear", 1),
        ("mse", "linear", 2),
        ("mse", "sigmoid", 2),
        ("mse", "tanh", 1),
        ("mse", "softmax", 3),
        ("mse", "relu", 2),
    ],
)
def test_loss_with_output_activation(loss, activation, units, device):
    _check(device, [dense(4, "tanh"), dense(units, activation)], [3], loss)


def test_dense_without_bias(device):
    _check(device, [dense(4, "tanh", use_bias=False), dense(2)], [3], "mse")


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv2d(stride, padding, device):
    # The second conv's input gradient flows into the first, so both are checked.
    layers = [
        conv(2, 3, activation="tanh"),
        conv(3, 3, stride=stride, padding=padding, activation="tanh"),
        {"type": "flatten"},
        dense(2, "softmax"),
    ]
    _check(device, layers, [2, 7, 7], "cross_entropy", n=3)


@pytest.mark.parametrize(("pool", "stride"), [(2, None), (3, 2), (2, 1)])
def test_maxpool(pool, stride, device):
    layers = [
        conv(2, 2, activation="linear"),
        {"type": "maxpool2d", "pool_size": pool, "stride": stride},
        {"type": "flatten"},
        dense(2, "softmax"),
    ]
    _check(device, layers, [1, 7, 7], "cross_entropy", n=3)


def test_dropout_with_fixed_mask(device):
    _check(device, [dense(6, "relu"), {"type": "dropout", "rate": 0.5}, dense(2)], [3], "mse", n=8)


def test_dropout_on_images(device):
    layers = [
        conv(2, 3, activation="tanh"),
        {"type": "dropout", "rate": 0.3},
        {"type": "flatten"},
        dense(2, "softmax"),
    ]
    _check(device, layers, [1, 5, 5], "cross_entropy", n=3)


@pytest.mark.parametrize(("l1", "l2"), [(0.01, 0.0), (0.0, 0.05), (0.01, 0.05)])
def test_weight_penalties(l1, l2, device):
    _check(device, [dense(4, "tanh"), dense(2)], [3], "mse", l1=l1, l2=l2)


@pytest.mark.parametrize("activation", ["relu", "tanh", "elu"])
def test_conv_activation_moved_behind_pool(activation, device):
    layers = [
        conv(2, 3, padding="same", activation=activation),
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "flatten"},
        dense(2, "softmax"),
    ]
    _check(device, layers, [1, 8, 8], "cross_entropy", n=3)


def test_same_padding_with_asymmetric_pad(device):
    layers = [
        conv(2, 2),
        conv(2, 4, stride=2, padding="same", activation="tanh"),
        {"type": "flatten"},
        dense(2),
    ]
    _check(device, layers, [1, 8, 8], "mse", n=3)
