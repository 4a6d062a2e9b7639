"""One convergence test per capability: the classic programs, the Playground sets,
regression, and a LeNet-style net on generated images."""

import time

import numpy as np
import pytest

from syn0.core import Network, NetworkSpec, datasets, fit
from tests.core.factories import dense, lenet, mlp, training

CLASSIC_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32)


def test_classic_single_layer_network(device):
    # given: 3 inputs -> 1 sigmoid unit, no hidden layer, full batch
    spec = NetworkSpec(input_shape=[3], layers=[dense(1, "sigmoid")])
    net = Network(spec, seed=1)
    y = np.array([0, 0, 1, 1], dtype=np.float32)
    # when
    fit(
        net,
        CLASSIC_X,
        y,
        training(
            "mse",
            device=device,
            epochs=10_000,
            batch_size=None,
            optimizer={"type": "sgd", "learning_rate": 4.0},
        ),
    )
    # then
    np.testing.assert_allclose(net.predict(CLASSIC_X)[:, 0], y, atol=0.05)


def test_classic_two_layer_network_learns_xor_of_first_two_inputs(device):
    spec = NetworkSpec(input_shape=[3], layers=[dense(4, "sigmoid"), dense(1, "sigmoid")])
    net = Network(spec, seed=1)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    fit(
        net,
        CLASSIC_X,
        y,
        training(
            "mse",
            device=device,
            epochs=20_000,
            batch_size=None,
            optimizer={"type": "sgd", "learning_rate": 4.0},
        ),
    )
    np.testing.assert_allclose(net.predict(CLASSIC_X)[:, 0], y, atol=0.05)


@pytest.mark.parametrize(
    ("kind", "goal"),
    [("circle", 0.95), ("xor", 0.95), ("gauss", 0.95), ("moons", 0.95), ("spiral", 0.90)],
)
def test_playground_classification(kind, goal, device):
    X, y = datasets.generate(kind, n_samples=600, noise=0.1, seed=3)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.3, seed=0)
    net = Network(mlp(2, [16, 16], 2, activation="tanh"), seed=0)
    fit(
        net,
        X_train,
        y_train,
        training(
            epochs=300,
            batch_size=32,
            optimizer={"type": "adam", "learning_rate": 0.01},
            device=device,
        ),
    )
    accuracy = (net.predict_labels(X_test) == y_test).mean()
    assert accuracy >= goal


@pytest.mark.parametrize("kind", ["plane", "regress_gauss"])
def test_playground_regression(kind, device):
    X, y = datasets.generate(kind, n_samples=1000, noise=0.0, seed=3)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.3, seed=0)
    net = Network(mlp(2, [16, 16], 1, activation="tanh", out_activation="linear"), seed=0)
    history = fit(
        net,
        X_train,
        y_train,
        training(
            "mse",
            epochs=300,
            batch_size=32,
            normalize_inputs=True,
            optimizer={"type": "adam", "learning_rate": 0.01},
            device=device,
        ),
    )
    predicted = net.predict(X_test)[:, 0]
    r2 = 1 - ((predicted - y_test) ** 2).sum() / ((y_test - y_test.mean()) ** 2).sum()
    assert r2 >= 0.95
    assert history.last["r2"] >= 0.95


def test_lenet_on_generated_bars_within_seconds(device):
    X, y = datasets.images(1500, size=12, noise=0.1, seed=0)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.3, seed=0)
    net = Network(lenet(12, 4), seed=0)
    started = time.perf_counter()
    fit(
        net,
        X_train,
        y_train,
        training(
            epochs=8,
            batch_size=32,
            optimizer={"type": "adam", "learning_rate": 0.005},
            device=device,
        ),
    )
    elapsed = time.perf_counter() - started
    assert (net.predict_labels(X_test) == y_test).mean() >= 0.95
    assert elapsed < 20  # "within a few seconds"; generous so a loaded CI box passes


def test_cross_entropy_with_string_labels_and_three_classes(device):
    X, y = datasets.generate("gauss", n_samples=300, noise=0.0, seed=1)
    X = np.vstack([X, X[y == 0] + [6, -6]])
    labels = np.array(["blue", "orange", "green"])[np.concatenate([y, np.full((y == 0).sum(), 2)])]
    net = Network(mlp(2, [8], 3), seed=0)
    options = {"epochs": 100, "optimizer": {"type": "adam", "learning_rate": 0.02}}
    fit(net, X, labels, training(**options, device=device))
    assert net.classes.tolist() == ["blue", "green", "orange"]
    assert (net.predict_labels(X) == labels).mean() >= 0.97
    np.testing.assert_allclose(net.predict_proba(X).sum(axis=1), 1, rtol=1e-5)
