"""``core.explain``: one sample's pass, checked against central finite differences of
its own loss (float64) and against the loss ``fit`` reports for that sample."""

import numpy as np
import pytest

from syn0.core import DataError, Network, NetworkSpec, TrainingSpec, fit
from syn0.core.explain import explain
from syn0.core.norm import BatchNorm
from syn0.core.prepare import held_out
from tests.core.factories import conv, dense

EPS = 1e-6
TOLERANCE = 1e-6


def _trained(layers, input_shape, loss, X, y, task=None, **training):
    """A float64 network bound by ``fit`` (a few epochs, so its weights are not the
    initial ones)."""
    net = Network(NetworkSpec(input_shape=input_shape, layers=layers), dtype="float64")
    spec = TrainingSpec(loss=loss, epochs=3, batch_size=4, **training)
    history = fit(net, X, y, spec, task=task)
    return net, history


def _classes(n, k, shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, *shape)), np.arange(n) % k


def _views(layer, trace):
    """The network's own parameters of a layer, shaped as the trace shows them."""
    if isinstance(layer, BatchNorm):
        return layer.gamma, layer.beta
    return layer.W.reshape(trace.weights.shape), layer.b


def _numeric(net, x, target, array):
    """dLoss/d``array`` (a view into the network's parameters) by central differences."""
    grad = np.empty(array.shape)
    for i in np.ndindex(array.shape):
        kept = array[i]
        array[i] = kept + EPS
        up = explain(net, x, target).loss
        array[i] = kept - EPS
        down = explain(net, x, target).loss
        array[i] = kept
        grad[i] = (up - down) / (2 * EPS)
    return grad


def _relative(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b) + 1e-30))


def _check_gradients(net, x, target):
    explained = explain(net, x, target)
    checked = 0
    for layer, trace in zip(net.layers, explained.layers, strict=True):
        if trace.weights is None:
            continue
        weights, biases = _views(layer, trace)
        assert np.shares_memory(weights, net.params)
        numeric = _numeric(net, x, target, weights)
        assert _relative(numeric, trace.weight_gradient) < TOLERANCE, trace.name
        if biases is not None:
            numeric = _numeric(net, x, target, biases)
            assert _relative(numeric, trace.bias_gradient) < TOLERANCE, trace.name
        checked += 1
    assert checked
    return explained


@pytest.mark.parametrize(
    ("hidden", "loss", "output"),
    [
        ("sigmoid", "cross_entropy", "softmax"),
        ("tanh", "cross_entropy", "softmax"),
        ("relu", "mse", "softmax"),
        ("tanh", "binary_cross_entropy", "sigmoid"),
    ],
)
def test_a_dense_classifiers_gradients_are_finite_differences(hidden, loss, output):
    # given
    n_out = 1 if loss == "binary_cross_entropy" else 3
    k = 2 if n_out == 1 else 3
    X, y = _classes(24, k, (3,))
    layers = [dense(5, hidden), dense(4, hidden), dense(n_out, output)]
    net, _ = _trained(layers, [3], loss, X, y, "classification", normalize_inputs=True)
    # when / then
    explained = _check_gradients(net, X[5], int(y[5]))
    last = explained.layers[-1]
    # dLoss/dz of the logits is the bias gradient of the last dense layer
    np.testing.assert_allclose(last.output_gradient, last.bias_gradient, rtol=1e-12)
    # a hidden layer's dLoss/da times f'(z) is its bias gradient
    hidden_trace = explained.layers[1]
    derivative = {
        "sigmoid": lambda a: a * (1 - a),
        "tanh": lambda a: 1 - a**2,
        "relu": lambda a: (a > 0).astype(float),
    }[hidden](hidden_trace.activation_values)
    np.testing.assert_allclose(
        hidden_trace.output_gradient * derivative, hidden_trace.bias_gradient, atol=1e-15
    )


def test_a_regressions_gradients_and_input_gradient_are_finite_differences():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20, 2))
    y = np.column_stack([X[:, 0] * 3 + 10, X[:, 1] - X[:, 0]])
    layers = [dense(6, "tanh"), dense(2)]
    net, _ = _trained(layers, [2], "mse", X, y, normalize_targets=True)
    target = [float(v) for v in y[4]]
    explained = _check_gradients(net, X[4], target)
    # the input gradient, against differences of the raw input (no input normalization)
    sample = X[4].copy()
    grad = np.empty(2)
    for i in range(2):
        up, down = sample.copy(), sample.copy()
        up[i] += EPS
        down[i] -= EPS
        grad[i] = (explain(net, up, target).loss - explain(net, down, target).loss) / (2 * EPS)
    assert _relative(grad, explained.input_gradient) < TOLERANCE
    np.testing.assert_allclose(explained.output, net.predict(X[4:5])[0], rtol=1e-12)
    assert explained.prediction == explained.output.tolist()


def test_a_small_conv_nets_gradients_are_finite_differences():
    X, y = _classes(16, 3, (1, 6, 6), seed=1)
    layers = [
        conv(2, 3, activation="relu"),
        {"type": "maxpool2d"},
        {"type": "flatten"},
        dense(3, "softmax"),
    ]
    net, _ = _trained(layers, [1, 6, 6], "cross_entropy", X, y, normalize_inputs=True)
    explained = _check_gradients(net, X[2], int(y[2]))
    first = explained.layers[0]
    assert first.weights.shape == (2, 1, 3, 3) and first.activation_values.shape == (2, 4, 4)
    # unfused: the convolution's own output is relu(z), not the z its pooling would take
    np.testing.assert_array_equal(first.activation_values, np.maximum(first.pre_activation, 0))
    assert explained.layers[1].pre_activation is None
    assert explained.input.shape == (1, 6, 6)


def test_a_graph_with_batchnorm_and_a_residual_add():
    X, y = _classes(20, 2, (2, 5, 5), seed=2)
    layers = [
        conv(3, 3, padding="same", activation="tanh", name="a"),
        conv(3, 3, padding="same", use_bias=False),
        {"type": "batchnorm"},
        {"type": "add", "inputs": ["a", "batchnorm_2"]},
        {"type": "activation", "activation": "relu"},
        {"type": "global_avgpool2d"},
        dense(2, "softmax"),
    ]
    net, _ = _trained(layers, [2, 5, 5], "cross_entropy", X, y)
    explained = _check_gradients(net, X[0], int(y[0]))
    norm = explained.layers[2]
    assert (norm.type, norm.weights.shape, norm.biases.shape) == ("batchnorm", (3,), (3,))
    # the activation layer reads the add's output: unfused, the add shows x + F(x) alone
    added, relu = explained.layers[3], explained.layers[4]
    np.testing.assert_allclose(
        added.activation_values,
        explained.layers[0].activation_values + norm.activation_values,
        rtol=1e-12,
    )
    np.testing.assert_array_equal(relu.activation_values, np.maximum(added.activation_values, 0))


@pytest.mark.parametrize(
    ("loss", "training"),
    [("cross_entropy", {"normalize_inputs": True}), ("mse", {"normalize_targets": True})],
)
def test_the_loss_is_the_loss_fit_reports_for_that_sample(loss, training):
    # given: a validation split of exactly one sample, whose loss fit reports as val_loss
    rng = np.random.default_rng(5)
    X = rng.standard_normal((10, 2)) * 4 + 1
    y = np.arange(10) % 3 if loss == "cross_entropy" else X @ [2.0, -1.0] + 7
    classify = loss == "cross_entropy"
    layers = [dense(5, "tanh"), dense(3, "softmax") if classify else dense(1)]
    net, history = _trained(layers, [2], loss, X, y, validation_split=0.1, **training)
    task = "classification" if classify else "regression"
    (i,) = held_out(y, task, 0.1, 0)
    # when
    explained = explain(net, X[i], y[i].item())
    # then
    assert explained.loss == pytest.approx(history.last["val_loss"], rel=1e-12)
    assert explained.loss_name == loss


def test_inputs_and_targets_that_do_not_fit_name_the_field():
    X, y = _classes(12, 3, (2,))
    net, _ = _trained([dense(4, "tanh"), dense(3, "softmax")], [2], "cross_entropy", X, y)
    cases = [
        (
            [1.0, 2.0, 3.0],
            1,
            "input",
            "input must be one sample of shape [2] (numbers); received shape [3]",
        ),
        ([1.0, float("nan")], 1, "input", "input must be finite numbers (no NaN or Infinity)"),
        (
            [[1.0], [2.0, 3.0]],
            1,
            "input",
            "input must be one sample of shape [2] (numbers); "
            "received a ragged or non-numeric list",
        ),
        ([1.0, 2.0], 7, "target", "target 7 is not one of the model's classes [0, 1, 2]"),
        ([1.0, 2.0], "1", "target", "target '1' is not one of the model's classes [0, 1, 2]"),
        ([1.0, 2.0], True, "target", "target True is not one of the model's classes [0, 1, 2]"),
    ]
    for sample, target, field, message in cases:
        with pytest.raises(DataError) as caught:
            explain(net, sample, target)
        assert (caught.value.field, caught.value.message) == (field, message)


def test_a_regression_target_needs_one_number_per_output():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 2))
    net, _ = _trained([dense(3, "tanh"), dense(2)], [2], "mse", X, X * 2)
    for target, message in [
        ([1.0], "target has 1 values; the model has 2 outputs"),
        ("a", "target must be a number or a list of 2 numbers (one per output); received 'a'"),
        ([1.0, float("inf")], "target must be finite numbers (no NaN or Infinity)"),
    ]:
        with pytest.raises(DataError) as caught:
            explain(net, [0.5, 0.5], target)
        assert (caught.value.field, caught.value.message) == ("target", message)
    # a finite input whose squared error overflows float64 (no tanh to bound it)
    linear, _ = _trained([dense(2)], [2], "mse", X, X * 2)
    with pytest.raises(DataError) as caught:
        explain(linear, [1e200, -1e200], [0.0, 0.0])
    assert caught.value.message == (
        "the pass of this input is not finite: its values are too large for the model's "
        "arithmetic; send an input on the scale of the training data"
    )
