"""Prediction, serialization, callbacks, cancellation, divergence and data errors."""

import io

import numpy as np
import pytest

from syn0.core import (
    Checkpoint,
    DataError,
    Network,
    NetworkSpec,
    SpecError,
    TrainingDiverged,
    datasets,
    fit,
)
from syn0.core.prepare import split_indices
from tests.core.factories import dense, lenet, mlp, training


def _trained_classifier():
    X, y = datasets.generate("circle", n_samples=200, noise=0.0, seed=0)
    labels = np.where(y == 1, "inside", "outside")
    net = Network(mlp(2, [8], 2), seed=0)
    fit(
        net,
        X,
        labels,
        training(
            epochs=60, normalize_inputs=True, optimizer={"type": "adam", "learning_rate": 0.05}
        ),
    )
    return net, X, labels


def test_round_trip_predicts_identically_with_user_labels():
    net, X, _ = _trained_classifier()
    restored = Network.from_bytes(net.to_bytes())
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))
    np.testing.assert_array_equal(restored.predict_proba(X), net.predict_proba(X))
    assert restored.predict_labels(X).tolist() == net.predict_labels(X).tolist()
    assert set(restored.predict_labels(X)) <= {"inside", "outside"}
    np.testing.assert_array_equal(restored.input_mean, net.input_mean)


def test_weights_file_is_plain_npz():
    net, _, _ = _trained_classifier()
    with np.load(io.BytesIO(net.to_bytes()), allow_pickle=False) as archive:
        assert {"params", "classes", "input_mean", "input_std"} <= set(archive.files)


def test_the_same_weights_give_the_same_file():
    # given: two runs of one spec
    first, _, _ = _trained_classifier()
    again, _, _ = _trained_classifier()
    data = first.to_bytes()
    # then: the same bytes (a replay compares sha256s), and other weights give other bytes
    assert again.to_bytes() == data
    again.params[0] += 1
    assert again.to_bytes() != data


def test_from_bytes_rejects_garbage():
    with pytest.raises(DataError, match=r"not a syn0\.network/1 file"):
        Network.from_bytes(b"definitely not npz")


def test_binary_cross_entropy_probabilities_and_labels():
    X, y = datasets.generate("gauss", n_samples=200, noise=0.0, seed=0)
    net = Network(mlp(2, [], 1, out_activation="sigmoid"), seed=0)
    fit(
        net,
        X,
        y,
        training(
            "binary_cross_entropy", epochs=30, optimizer={"type": "adam", "learning_rate": 0.05}
        ),
    )
    proba = net.predict_proba(X)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba[:, 1], net.predict(X)[:, 0], rtol=1e-6)
    assert (net.predict_labels(X) == y).mean() > 0.97


def test_images_without_channel_axis_are_accepted():
    X, y = datasets.images(64, size=12, seed=0)
    net = Network(lenet(12, 4), seed=0)
    fit(net, X[:, 0], y, training(epochs=1))
    np.testing.assert_array_equal(net.predict(X[:, 0]), net.predict(X))


def test_on_epoch_end_gets_every_metric():
    X, y = datasets.generate("xor", n_samples=100, seed=0)
    rows = []
    fit(
        Network(mlp(2, [4], 2)),
        X,
        y,
        training(epochs=3, validation_split=0.2),
        on_epoch_end=rows.append,
    )
    assert [row["epoch"] for row in rows] == [1, 2, 3]
    assert set(rows[0]) == {
        "epoch",
        "loss",
        "penalty",
        "learning_rate",
        "seconds",
        "accuracy",
        "val_loss",
        "val_accuracy",
    }


def test_regression_metrics():
    X, y = datasets.generate("plane", n_samples=100, seed=0)
    history = fit(
        Network(mlp(2, [4], 1, out_activation="linear")),
        X,
        y,
        training("mse", epochs=2, validation_split=0.2),
    )
    assert {"mae", "r2", "val_mae", "val_r2"} <= set(history.last)


def test_should_stop_cancels_between_batches():
    X, y = datasets.generate("xor", n_samples=100, seed=0)
    asked = []

    def stop_on_third_batch():
        asked.append(1)
        return len(asked) >= 3

    history = fit(
        Network(mlp(2, [4], 2)),
        X,
        y,
        training(epochs=50, batch_size=10),
        should_stop=stop_on_third_batch,
    )
    assert history.stop_reason == "cancelled"
    assert history.epochs == []
    assert len(asked) == 3


def test_step_schedule_lowers_the_rate():
    X, y = datasets.generate("xor", n_samples=50, seed=0)
    history = fit(
        Network(mlp(2, [4], 2)),
        X,
        y,
        training(
            epochs=5,
            optimizer={"type": "sgd", "learning_rate": 0.4},
            lr_schedule={"type": "step", "every": 2, "factor": 0.5},
        ),
    )
    assert history.metric("learning_rate") == [0.4, 0.4, 0.2, 0.2, 0.1]


def test_divergence_raises_with_epoch_and_last_finite_loss(device):
    X, y = datasets.generate("plane", n_samples=100, seed=0)
    X = X * 1000
    net = Network(mlp(2, [16], 1, activation="relu", out_activation="linear"))
    sgd = {"type": "sgd", "learning_rate": 10.0}
    with pytest.raises(TrainingDiverged) as info:
        fit(net, X, y, training("mse", epochs=20, optimizer=sgd, device=device))
    assert info.value.epoch >= 1
    assert info.value.last_finite_loss is None or np.isfinite(info.value.last_finite_loss)
    assert "lower the learning rate" in str(info.value)


@pytest.mark.parametrize(
    ("X", "y", "text"),
    [
        ([[0.0, np.nan]], [0], "finite numbers"),
        ([[0.0, 1.0], [1.0, 0.0]], [0], "X has 2 samples but y has 1"),
    ],
)
def test_bad_data_is_a_data_error(X, y, text):
    net = Network(NetworkSpec(input_shape=[2], layers=[dense(1, "linear")]))
    with pytest.raises(DataError) as info:
        fit(net, np.array(X), np.array(y, dtype=float), training("mse"))
    assert text in str(info.value)


def test_wrong_input_width_names_the_expected_shape():
    net = Network(NetworkSpec(input_shape=[2], layers=[dense(1, "linear")]))
    with pytest.raises(SpecError, match=r"input_shape \[2\] does not match .* shape \[3\]"):
        fit(net, np.zeros((4, 3)), np.zeros(4), training("mse"))
    with pytest.raises(DataError, match=r"expected inputs of shape \(n, 2\); received \(4, 3\)"):
        net.predict(np.zeros((4, 3)))


def test_validation_split_too_large_for_tiny_data():
    with pytest.raises(SpecError, match="leaves no samples"):
        fit(
            Network(mlp(2, [4], 2)),
            np.zeros((2, 2)),
            np.array([0, 1]),
            training(validation_split=0.9),
        )


def test_a_failed_fit_leaves_a_trained_network_as_it_was():
    net, X, _ = _trained_classifier()
    before = (net.predict(X), net.input_mean.copy(), net.classes.copy())
    with pytest.raises(SpecError):
        fit(net, X[:2], np.array(["inside", "outside"]), training(validation_split=0.9))
    np.testing.assert_array_equal(net.predict(X), before[0])
    np.testing.assert_array_equal(net.input_mean, before[1])
    assert net.classes.tolist() == before[2].tolist()


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (np.array([[0], [1], [0], [1]] * 10), [0, 1]),
        (np.array([0, 1, 0, 1] * 10, dtype=object), [0, 1]),
        (np.array([True, False, True, False] * 10), [False, True]),
        (np.array(["b", "a", "b", "a"] * 10, dtype=object), ["a", "b"]),
    ],
)
def test_labels_keep_the_users_values(labels, expected):
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]] * 10)
    net = Network(mlp(2, [4], 2), seed=0)
    fit(net, X, labels, training(epochs=30, optimizer={"type": "adam", "learning_rate": 0.1}))
    assert net.classes.tolist() == expected
    predicted = net.predict_labels(X[:2]).tolist()
    assert predicted == np.asarray(labels).reshape(-1)[:2].tolist()
    assert all(type(p) is type(expected[0]) for p in predicted)


def test_validation_metrics_match_predictions():
    X, y = datasets.generate("plane", n_samples=200, seed=0)
    net = Network(mlp(2, [8], 1, out_activation="linear"), seed=0)
    history = fit(net, X, y, training("mse", epochs=5, validation_split=0.25))
    _, val = split_indices(200, 0.25, 0)
    residual = net.predict(X[val])[:, 0] - y[val]
    assert history.last["val_mae"] == pytest.approx(np.abs(residual).mean(), rel=1e-5)
    r2 = 1 - (residual**2).sum() / ((y[val] - y[val].mean()) ** 2).sum()
    assert history.last["val_r2"] == pytest.approx(r2, rel=1e-4)
    assert history.last["val_loss"] == pytest.approx((residual**2).mean(), rel=1e-5)


def test_plateau_schedule_lowers_the_rate_to_its_floor():
    X, y = datasets.generate("xor", n_samples=50, seed=0)
    history = fit(
        Network(mlp(2, [4], 2)),
        X,
        y,
        training(
            epochs=12,
            optimizer={"type": "sgd", "learning_rate": 1e-9},
            lr_schedule={
                "type": "plateau",
                "patience": 2,
                "factor": 0.5,
                "min_lr": 3e-10,
                "min_delta": 1.0,
            },
        ),
    )
    rates = history.metric("learning_rate")
    assert rates[:3] == [1e-9] * 3
    assert rates[3] == 5e-10 and min(rates) == 3e-10


def test_features_are_part_of_the_network_and_survive_a_round_trip():
    # given: circle data, which one softmax layer cannot separate on x1, x2 alone
    X, y = datasets.generate("circle", n_samples=300, noise=0.0, seed=0)
    spec = NetworkSpec(
        input_shape=[2], features=["x1_squared", "x2_squared"], layers=[dense(2, "softmax")]
    )
    net = Network(spec, seed=0)
    # when
    fit(net, X, y, training(epochs=60, optimizer={"type": "adam", "learning_rate": 0.05}))
    # then
    assert (net.predict_labels(X) == y).mean() > 0.97
    assert net.params.size == 2 * 2 + 2
    restored = Network.from_bytes(net.to_bytes())
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))


def test_features_need_two_inputs_and_no_repeats():
    with pytest.raises(SpecError, match="features are computed from two inputs"):
        Network(NetworkSpec(input_shape=[3], features=["x1"], layers=[dense(1)]))
    with pytest.raises(ValueError, match="expected a list without repeats"):
        NetworkSpec(input_shape=[2], features=["x1", "x1"], layers=[dense(1)])


def test_a_checkpoint_predicts_like_the_network_at_its_epoch():
    X, y = datasets.generate("spiral", n_samples=200, seed=0)
    net = Network(mlp(2, [8], 2), seed=0)
    at_epoch = {}

    def keep(checkpoint):
        if checkpoint.epoch == 3:
            at_epoch["checkpoint"] = checkpoint
            at_epoch["outputs"] = net.predict_proba(X[:10])

    fit(
        net,
        X,
        np.where(y == 1, "b", "a"),
        training(epochs=6, normalize_inputs=True),
        on_checkpoint=keep,
    )
    reader = Network(mlp(2, [8], 2))
    reader.load_checkpoint(Checkpoint.from_bytes(at_epoch["checkpoint"].to_bytes()))
    np.testing.assert_array_equal(reader.predict_proba(X[:10]), at_epoch["outputs"])
    assert reader.classes.tolist() == ["a", "b"]
