"""Regularization is visible: L2 shrinks weights, L1 zeroes them, dropout trains only,
early stopping stops at best + patience, augmentation touches training batches only."""

import numpy as np
import pytest

from syn0.core import Network, NetworkSpec, datasets, fit
from syn0.core.augment import augment
from syn0.core.backend import DEVICES, get_backend
from syn0.core.prepare import split_indices
from syn0.core.spec import AugmentationSpec
from tests.core.factories import dense, host, mlp, training

ADAM = {"type": "adam", "learning_rate": 0.01}


def _gauss(n=400, seed=0):
    return datasets.generate("gauss", n_samples=n, noise=0.2, seed=seed)


def _weights_after(device, l1=0.0, l2=0.0, epochs=60):
    X, y = _gauss()
    net = Network(mlp(2, [32], 2), seed=0)
    penalties = {"l1": l1, "l2": l2}
    spec = training(epochs=epochs, optimizer=ADAM, regularization=penalties, device=device)
    history = fit(net, X, y, spec)
    return host(net.weights), history


def test_l2_lowers_the_weight_norm(device):
    plain, _ = _weights_after(device)
    shrunk, history = _weights_after(device, l2=0.01)
    assert np.linalg.norm(shrunk) < 0.7 * np.linalg.norm(plain)
    expected_penalty = 0.01 * float((shrunk.astype(np.float64) ** 2).sum())
    assert history.last["penalty"] == pytest.approx(expected_penalty, rel=1e-6)


def test_l1_drives_a_clear_fraction_of_weights_to_about_zero(device):
    plain, _ = _weights_after(device)
    sparse, history = _weights_after(device, l1=0.01, epochs=100)
    assert (np.abs(plain) < 1e-2).mean() < 0.1
    assert (np.abs(sparse) < 1e-2).mean() > 0.5
    assert history.last["penalty"] > 0


def test_penalty_is_reported_apart_and_included_in_loss(device):
    _, history = _weights_after(device, l2=0.01, epochs=3)
    for row in history.epochs:
        assert row["penalty"] > 0
        assert row["loss"] > row["penalty"]


def test_dropout_changes_training_passes_but_not_predictions(device):
    X, _ = _gauss(64)
    spec_layers = [dense(32, "relu"), {"type": "dropout", "rate": 0.5}, dense(2, "softmax")]
    net = Network(NetworkSpec(input_shape=[2], layers=spec_layers), seed=0).to_device(device)
    x = net.to_internal(X.astype(np.float32))
    rng = np.random.default_rng(0)
    first = host(net.forward(x, training=True, rng=rng))
    second = host(net.forward(x, training=True, rng=rng))
    assert not np.array_equal(first, second)
    # about half the units are dropped, the others scaled by 2
    hidden = host(net.layers[0].forward(x, False, None))
    mask = host(net.layers[1].mask)
    assert set(np.unique(mask)) == {0.0, 2.0} and 0.4 < (mask == 0).mean() < 0.6
    np.testing.assert_allclose(host(net.layers[1].forward(x, False, None)), host(x))
    assert hidden.shape == mask.shape
    np.testing.assert_array_equal(net.predict(X), net.predict(X))
    # at inference dropout is the identity: same as the network without the dropout layer
    plain = Network(NetworkSpec(input_shape=[2], layers=[spec_layers[0], spec_layers[2]]))
    plain.to_device(device).params[...] = net.params
    np.testing.assert_allclose(net.predict(X), plain.predict(X), rtol=1e-6)


def test_early_stopping_stops_at_best_plus_patience_and_restores_best_weights(device):
    # given: a tiny noisy set that a big network overfits, so val_loss turns up
    X, y = datasets.generate("xor", n_samples=120, noise=0.5, seed=2)
    net = Network(mlp(2, [64, 64], 2, activation="relu"), seed=0)
    snapshots = {}

    def keep(metrics):
        snapshots[metrics["epoch"]] = host(net.params)

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
            device=device,
        ),
        on_epoch_end=keep,
    )
    # then
    val = history.metric("val_loss")
    best = int(np.argmin(val)) + 1
    assert history.stop_reason == "early_stopping"
    assert history.best_epoch == best
    assert len(history.epochs) == best + 5
    np.testing.assert_array_equal(host(net.params), snapshots[best])


def test_augmentation_touches_training_batches_only(device):
    # given: huge input noise on training batches
    X, y = _gauss(300)
    net = Network(mlp(2, [8], 2), seed=0)
    X_before = X.copy()
    checked = []

    def validation_is_clean(metrics):
        # val_loss must equal the loss of the current weights on the untouched split
        _, val_idx = split_indices(len(X), 0.25, 0, strata=y)  # stratified: classes
        proba = net.predict_proba(X[val_idx])
        expected = -np.log(proba[np.arange(len(val_idx)), y[val_idx]]).mean()
        checked.append(abs(metrics["val_loss"] - expected) < 1e-5)

    # when
    history = fit(
        net,
        X,
        y,
        training(
            epochs=3,
            optimizer=ADAM,
            validation_split=0.25,
            augmentation={"gaussian_noise": 3.0},
            device=device,
        ),
        on_epoch_end=validation_is_clean,
    )
    # then
    np.testing.assert_array_equal(X, X_before)
    assert checked == [True, True, True]
    # the noisy batches make training accuracy fall well below the clean accuracy
    assert history.last["accuracy"] < (net.predict_labels(X) == y).mean() - 0.1


def test_image_augmentation_shifts_and_flips_the_batch(device):
    backend = get_backend(DEVICES[device])
    lit = np.zeros((200, 1, 6, 6), dtype=np.float32)
    lit[:, 0, 2, 1] = 1  # one lit pixel, left of centre
    images = backend.xp.asarray(lit)
    spec = AugmentationSpec(horizontal_flip=True)
    out = host(augment(backend, images, spec, np.random.default_rng(0)))
    flipped = out[:, 0, 2, 4] == 1
    assert 0.3 < flipped.mean() < 0.7
    assert np.all(out.sum(axis=(1, 2, 3)) == 1)
    spec = AugmentationSpec(shift_pixels=1)
    shifted = host(augment(backend, images, spec, np.random.default_rng(0)))
    rows, cols = np.nonzero(shifted[:, 0].max(axis=0))
    assert set(rows) == {1, 2, 3} and set(cols) == {0, 1, 2}
    assert np.array_equal(host(images), lit)  # input untouched


def test_gaussian_noise_has_the_asked_spread_and_repeats_per_seed(device):
    backend = get_backend(DEVICES[device])
    batch = backend.xp.zeros((500, 40), dtype=np.float32)
    spec = AugmentationSpec(gaussian_noise=0.5)
    noisy = host(augment(backend, batch, spec, np.random.default_rng(1)))
    assert abs(noisy.mean()) < 0.01 and noisy.std() == pytest.approx(0.5, rel=0.02)
    again = host(augment(backend, batch, spec, np.random.default_rng(1)))
    np.testing.assert_array_equal(noisy, again)
    assert np.all(host(batch) == 0)


def test_loss_is_data_loss_plus_penalty(device):
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
            device=device,
        ),
    )
    proba = net.predict_proba(X)
    data_loss = -np.log(proba[np.arange(len(y)), y]).mean()
    row = history.last
    assert row["loss"] - row["penalty"] == pytest.approx(data_loss, rel=1e-4)
