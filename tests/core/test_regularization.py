"""Regularization is visible: L2 shrinks weights, L1 zeroes them, dropout trains only,
early stopping stops at best + patience, augmentation touches training batches only."""

import numpy as np
import pytest

from core import Network, NetworkSpec, datasets, fit
from core.augment import augment
from core.prepare import split_indices
from core.spec import AugmentationSpec
from tests.core.factories import dense, mlp, training

ADAM = {"type": "adam", "learning_rate": 0.01}


def _gauss(n=400, seed=0):
    return datasets.generate("gauss", n_samples=n, noise=0.2, seed=seed)


def _weights_after(l1=0.0, l2=0.0, epochs=60):
    X, y = _gauss()
    net = Network(mlp(2, [32], 2), seed=0)
    history = fit(
        net, X, y, training(epochs=epochs, optimizer=ADAM, regularization={"l1": l1, "l2": l2})
    )
    return net.weights.copy(), history


def test_l2_lowers_the_weight_norm():
    plain, _ = _weights_after()
    shrunk, history = _weights_after(l2=0.01)
    assert np.linalg.norm(shrunk) < 0.7 * np.linalg.norm(plain)
    expected_penalty = 0.01 * float((shrunk.astype(np.float64) ** 2).sum())
    assert history.last["penalty"] == pytest.approx(expected_penalty, rel=1e-6)


def test_l1_drives_a_clear_fraction_of_weights_to_about_zero():
    plain, _ = _weights_after()
    sparse, history = _weights_after(l1=0.01, epochs=100)
    assert (np.abs(plain) < 1e-2).mean() < 0.1
    assert (np.abs(sparse) < 1e-2).mean() > 0.5
    assert history.last["penalty"] > 0


def test_penalty_is_reported_apart_and_included_in_loss():
    _, history = _weights_after(l2=0.01, epochs=3)
    for row in history.epochs:
        assert row["penalty"] > 0
        assert row["loss"] > row["penalty"]


def test_dropout_changes_training_passes_but_not_predictions():
    X, _ = _gauss(64)
    spec_layers = [dense(32, "relu"), {"type": "dropout", "rate": 0.5}, dense(2, "softmax")]
    net = Network(NetworkSpec(input_shape=[2], layers=spec_layers), seed=0)
    x = net.to_internal(X.astype(np.float32))
    rng = np.random.default_rng(0)
    first = net.forward(x, training=True, rng=rng).copy()
    second = net.forward(x, training=True, rng=rng).copy()
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(net.predict(X), net.predict(X))
    # at inference dropout is the identity: same as the network without the dropout layer
    plain = Network(NetworkSpec(input_shape=[2], layers=[spec_layers[0], spec_layers[2]]))
    plain.params[...] = net.params
    np.testing.assert_allclose(net.predict(X), plain.predict(X), rtol=1e-6)


def test_early_stopping_stops_at_best_plus_patience_and_restores_best_weights():
    # given: a tiny noisy set that a big network overfits, so val_loss turns up
    X, y = datasets.generate("xor", n_samples=120, noise=0.5, seed=2)
    net = Network(mlp(2, [64, 64], 2, activation="relu"), seed=0)
    snapshots = {}

    def keep(metrics):
        snapshots[metrics["epoch"]] = net.params.copy()

    # when
    history = fit(
        net,
        X,
        y,
        training(
            epochs=500,
            optimizer={"type": "adam", "learning_rate": 0.02},
            validation_split=0.3,
            early_stopping={"monitor": "val_loss", "patience": 5},
        ),
        on_epoch_end=keep,
    )
    # then
    val = history.metric("val_loss")
    best = int(np.argmin(val)) + 1
    assert history.stop_reason == "early_stopping"
    assert history.best_epoch == best
    assert len(history.epochs) == best + 5
    np.testing.assert_array_equal(net.params, snapshots[best])


def test_augmentation_touches_training_batches_only():
    # given: huge input noise on training batches
    X, y = _gauss(300)
    net = Network(mlp(2, [8], 2), seed=0)
    X_before = X.copy()
    checked = []

    def validation_is_clean(metrics):
        # val_loss must equal the loss of the current weights on the untouched split
        _, val_idx = split_indices(len(X), 0.25, 0)
        proba = net.predict_proba(X[val_idx])
        expected = -np.log(proba[np.arange(len(val_idx)), y[val_idx]]).mean()
        checked.append(abs(metrics["val_loss"] - expected) < 1e-5)

    # when
    history = fit(
        net,
        X,
        y,
        training(
            epochs=3, optimizer=ADAM, validation_split=0.25, augmentation={"gaussian_noise": 3.0}
        ),
        on_epoch_end=validation_is_clean,
    )
    # then
    np.testing.assert_array_equal(X, X_before)
    assert checked == [True, True, True]
    # the noisy batches make training accuracy fall well below the clean accuracy
    assert history.last["accuracy"] < (net.predict_labels(X) == y).mean() - 0.1


def test_image_augmentation_shifts_and_flips_the_batch():
    images = np.zeros((200, 1, 6, 6), dtype=np.float32)
    images[:, 0, 2, 1] = 1  # one lit pixel, left of centre
    out = augment(np, images, AugmentationSpec(horizontal_flip=True), np.random.default_rng(0))
    flipped = out[:, 0, 2, 4] == 1
    assert 0.3 < flipped.mean() < 0.7
    assert np.all(out.sum(axis=(1, 2, 3)) == 1)
    shifted = augment(np, images, AugmentationSpec(shift_pixels=1), np.random.default_rng(0))
    rows, cols = np.nonzero(shifted[:, 0].max(axis=0))
    assert set(rows) == {1, 2, 3} and set(cols) == {0, 1, 2}
    assert np.array_equal(images[:, 0, 2, 1], np.ones(200))  # input untouched


def test_loss_is_data_loss_plus_penalty():
    X, y = _gauss(200)
    net = Network(mlp(2, [8], 2), seed=0)
    history = fit(
        net,
        X,
        y,
        training(
            epochs=1,
            batch_size=None,
            optimizer={"type": "sgd", "learning_rate": 1e-12},
            regularization={"l1": 0.01, "l2": 0.01},
        ),
    )
    proba = net.predict_proba(X)
    data_loss = -np.log(proba[np.arange(len(y)), y]).mean()
    row = history.last
    assert row["loss"] - row["penalty"] == pytest.approx(data_loss, rel=1e-4)
