"""Graph networks train like stacks: deterministic, saved and resumed bit for bit with
batchnorm's moving averages, and they learn."""

import hashlib

import numpy as np
import pytest

from syn0.core import Checkpoint, Network, NetworkSpec, datasets, fit
from tests.core.factories import conv, dense, host, training

RESNET = NetworkSpec(
    input_shape=[1, 12, 12],
    layers=[
        conv(8, 3, padding="same", use_bias=False),
        {"type": "batchnorm"},
        {"type": "activation", "activation": "relu", "name": "stem"},
        conv(8, 3, padding="same", use_bias=False),
        {"type": "batchnorm"},
        {"type": "activation", "activation": "relu"},
        conv(8, 3, padding="same", use_bias=False),
        {"type": "batchnorm", "name": "residual"},
        {"type": "add", "inputs": ["stem", "residual"]},
        {"type": "activation", "activation": "relu"},
        conv(12, 3, stride=2, padding="same", activation="relu", name="down"),
        conv(12, 1, stride=2, inputs=["activation_9"], name="projection"),
        {"type": "add", "inputs": ["down", "projection"]},
        {"type": "global_avgpool2d"},
        {"type": "dropout", "rate": 0.1},
        dense(4, "softmax"),
    ],
)
INCEPTION = NetworkSpec(
    input_shape=[1, 12, 12],
    layers=[
        conv(6, 3, padding="same", activation="relu", name="stem"),
        conv(4, 1, activation="relu", name="b1"),
        conv(4, 1, activation="relu", inputs=["stem"]),
        conv(6, 3, padding="same", activation="relu", name="b2"),
        conv(2, 1, activation="relu", inputs=["stem"]),
        conv(3, 5, padding="same", activation="relu", name="b3"),
        {"type": "maxpool2d", "pool_size": 3, "stride": 1, "padding": "same", "inputs": ["stem"]},
        conv(3, 1, activation="relu", name="b4"),
        {"type": "concat", "inputs": ["b1", "b2", "b3", "b4"]},
        {"type": "avgpool2d", "pool_size": 2},
        {"type": "flatten"},
        dense(4, "softmax"),
    ],
)
OPTIONS = dict(optimizer={"type": "adam", "learning_rate": 0.01}, batch_size=32, seed=3)


def _data():
    return datasets.images(192, size=12, noise=0.2, seed=0)


def _fit(spec, device="cpu", epochs=4, seed=1, **kw):
    X, y = _data()
    net = Network(spec, seed=seed)
    history = fit(net, X, y, training(epochs=epochs, device=device, **OPTIONS), **kw)
    return net, history


def _sha(net) -> str:
    return hashlib.sha256(host(net.params).tobytes()).hexdigest()


@pytest.mark.parametrize("spec", [RESNET, INCEPTION], ids=["resnet", "inception"])
def test_same_seed_same_weights_sha256(spec, device):
    assert _sha(_fit(spec, device)[0]) == _sha(_fit(spec, device)[0])
    assert _sha(_fit(spec, device)[0]) != _sha(_fit(spec, device, seed=2)[0])


def test_moving_averages_follow_keras_and_serve_predict():
    # given: a fresh batchnorm network (moving mean 0, variance 1)
    spec = NetworkSpec(input_shape=[3], layers=[{"type": "batchnorm"}, dense(2)])
    net = Network(spec, dtype="float64")
    x = np.random.default_rng(0).normal(2.0, 3.0, (50, 3))
    # when: one training pass, then one inference pass
    net.forward(x, training=True)
    bn = net.layers[0]
    # then: m = 0.99 m + 0.01 batch, with the batch's biased variance
    np.testing.assert_allclose(bn.moving_mean, 0.01 * x.mean(axis=0))
    np.testing.assert_allclose(bn.moving_var, 0.99 + 0.01 * x.var(axis=0))
    normalized = net.layers[0].forward(x, False, None)
    expected = (x - bn.moving_mean) / np.sqrt(bn.moving_var + 1e-3)
    np.testing.assert_allclose(normalized, expected)


@pytest.mark.parametrize("spec", [RESNET, INCEPTION], ids=["resnet", "inception"])
def test_save_load_predict_bitwise(spec):
    net, _ = _fit(spec, epochs=2)
    X, _ = _data()
    loaded = Network.from_bytes(net.to_bytes())
    assert loaded.predict(X).tobytes() == net.predict(X).tobytes()
    assert host(loaded.params).tobytes() == host(net.params).tobytes()


@pytest.mark.parametrize("stop_after", [1, 3])
def test_resume_equals_uninterrupted_with_moving_averages(stop_after, device):
    # given: a full run, and its checkpoint after epoch k through bytes, with the
    # metrics reported up to it
    full, full_history = _fit(RESNET, device)
    saved, reported = {}, []
    _fit(
        RESNET,
        device,
        on_checkpoint=lambda c: saved.setdefault(c.epoch, c.to_bytes()),
        on_epoch_end=reported.append,
    )
    # when: a fresh network resumes from it
    X, y = _data()
    resumed = Network(RESNET, seed=99)
    spec = training(epochs=4, device=device, **OPTIONS)
    checkpoint = Checkpoint.from_bytes(saved[stop_after])
    history = fit(resumed, X, y, spec, resume=checkpoint, history=reported[:stop_after])
    # then: weights and moving averages alike, bit for bit
    state = slice(resumed.n_trained, None)
    assert host(resumed.params[state]).tobytes() == host(full.params[state]).tobytes()
    assert _sha(resumed) == _sha(full)
    assert [row["loss"] for row in history.epochs] == full_history.metric("loss")


@pytest.mark.parametrize(("spec", "accuracy"), [(RESNET, 0.9), (INCEPTION, 0.9)])
def test_graph_networks_learn_the_bars(spec, accuracy):
    # 4 classes of noisy bars: both reach >= 0.9 on held-out images (measured 0.97-1.0)
    X, y = datasets.images(800, size=12, noise=0.2, seed=0)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, seed=0)
    net = Network(spec, seed=0)
    fit(net, X_train, y_train, training(epochs=8, **OPTIONS))
    assert (net.predict_labels(X_test) == y_test).mean() >= accuracy
