"""Targets and imbalance: class weights on the loss (gradients checked numerically,
``balanced`` as scikit-learn's), the stratified validation split, standardized regression
targets, and the task a dataset's targets imply."""

from __future__ import annotations

import numpy as np
import pytest

from syn0.core import Checkpoint, DataError, Network, NetworkSpec, SpecError, TrainingSpec, fit
from syn0.core.prepare import split_indices
from syn0.core.targets import class_index, class_weights, infer_task
from tests.core.factories import dense, gradient_error, targets_for

sklearn_utils = pytest.importorskip("sklearn.utils")


@pytest.mark.parametrize(
    ("loss", "activation", "units"),
    [
        ("cross_entropy", "softmax", 3),
        ("binary_cross_entropy", "sigmoid", 1),
        ("binary_cross_entropy", "linear", 1),
        ("mse", "softmax", 3),
        ("mse", "sigmoid", 1),
    ],
)
def test_weighted_losses_match_finite_differences(loss, activation, units):
    rng = np.random.default_rng(4)
    spec = NetworkSpec(input_shape=[3], layers=[dense(4, "tanh"), dense(units, activation)])
    net = Network(spec, seed=4, dtype="float64")
    net.params += rng.normal(0, 0.05, net.params.shape)
    X = rng.standard_normal((6, 3))
    y = targets_for(loss, 6, net.n_outputs, rng)
    weights = rng.uniform(0.2, 3.0, 6)
    assert gradient_error(net, X, y, loss, weights=weights) < 1e-7


def imbalanced(n: int = 90, seed: int = 0):
    """Three blobs of 60, 20 and 10 samples, labels "a", "b", "c"."""
    rng = np.random.default_rng(seed)
    y = np.array(["a"] * 60 + ["b"] * 20 + ["c"] * 10)[:n]
    centers = {"a": (0, 0), "b": (1.5, 0), "c": (0, 1.5)}
    X = np.array([centers[label] for label in y]) + rng.normal(0, 0.7, (len(y), 2))
    return X.astype(np.float32), y


def test_balanced_class_weights_are_scikit_learns():
    _, y = imbalanced()
    classes = np.unique(y)
    ours = class_weights("balanced", classes, class_index(y, classes))
    theirs = sklearn_utils.class_weight.compute_class_weight("balanced", classes=classes, y=y)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)
    named = class_weights({"c": 4.0, "a": 0.5}, classes, class_index(y, classes))
    assert named.tolist() == [0.5, 1.0, 4.0]
    with pytest.raises(DataError, match="names the label 'd'"):
        class_weights({"d": 2.0}, classes, class_index(y, classes))
    numbers = np.array([0, 1, 2])
    assert class_weights({"2": 3.0, "1.0": 2.0}, numbers, numbers).tolist() == [1.0, 2.0, 3.0]


def train(X, y, seed=0, **training):
    net = Network(NetworkSpec(input_shape=[2], layers=[dense(8, "tanh"), dense(3, "softmax")]))
    spec = {"loss": "cross_entropy", "epochs": 5, "batch_size": 16, "seed": seed, **training}
    fit(net, X, y, TrainingSpec.model_validate(spec))
    return net


def test_unit_class_weights_train_the_same_weights_and_balanced_moves_the_minority():
    X, y = imbalanced()
    plain = train(X, y)
    ones = train(X, y, class_weight={"a": 1.0, "b": 1.0, "c": 1.0})
    assert ones.params.tobytes() == plain.params.tobytes()
    balanced = train(X, y, class_weight="balanced", epochs=40)
    unweighted = train(X, y, epochs=40)
    minority = y == "c"
    recall = lambda net: (net.predict_labels(X[minority]) == "c").mean()  # noqa: E731
    assert recall(balanced) > recall(unweighted)


def test_class_weight_is_for_classification_and_names_known_labels():
    X, y = imbalanced()
    with pytest.raises(SpecError) as error:
        train(X, y, class_weight={"z": 2.0})
    assert error.value.loc == ("training", "class_weight")
    net = Network(NetworkSpec(input_shape=[2], layers=[dense(1)]))
    spec = TrainingSpec(loss="mse", class_weight="balanced")
    with pytest.raises(SpecError, match="class_weight weighs the classes"):
        fit(net, X, X[:, 0], spec)


@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5])
def test_the_validation_split_is_stratified_seeded_and_sized_as_before(fraction):
    _, y = imbalanced()
    strata = class_index(y, np.unique(y))
    train_idx, val_idx = split_indices(len(y), fraction, 3, strata)
    plain_train, plain_val = split_indices(len(y), fraction, 3)
    assert len(val_idx) == len(plain_val) and len(train_idx) == len(plain_train)
    assert sorted([*train_idx, *val_idx]) == list(range(len(y)))
    counts = np.bincount(strata[val_idx], minlength=3)
    expected = len(val_idx) * np.bincount(strata) / len(y)
    assert np.all(np.abs(counts - expected) < 1)  # each class its share, rounded
    again = split_indices(len(y), fraction, 3, strata)
    assert again[1].tolist() == val_idx.tolist()
    assert split_indices(len(y), fraction, 4, strata)[1].tolist() != val_idx.tolist()


def test_regression_keeps_its_split():
    # A regression's split is the seeded permutation's first n_val samples, as it was.
    order = np.random.default_rng([5, 1]).permutation(40)
    train_idx, val_idx = split_indices(40, 0.25, 5)
    assert val_idx.tolist() == sorted(order[:10].tolist())
    assert train_idx.tolist() == sorted(order[10:].tolist())


def regression(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2)).astype(np.float32)
    y = np.stack([2e5 + 5e4 * X[:, 0] - 3e4 * X[:, 1], 10 * X[:, 1]], axis=1)
    y += rng.normal(0, 1, y.shape) * [5e3, 0.5]  # noise: errors worth measuring
    return X, y.astype(np.float32)


def test_normalized_targets_train_on_standard_scores_and_predict_in_their_units():
    X, y = regression()
    spec = NetworkSpec(input_shape=[2], layers=[dense(2)])
    net = Network(spec, seed=0)
    training = TrainingSpec.model_validate(
        {
            "loss": "mse",
            "normalize_targets": True,
            "epochs": 300,
            "batch_size": None,
            "validation_split": 0.25,
            "optimizer": {"type": "adam", "learning_rate": 0.05},
        }
    )
    history = fit(net, X, y, training)
    train_idx, val_idx = split_indices(len(X), 0.25, 0)
    np.testing.assert_allclose(net.target_mean, y[train_idx].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(net.target_std, y[train_idx].std(axis=0), rtol=1e-5)
    # the loss is that of standardized targets: small, where raw prices give ~1e9
    assert history.last["loss"] < 1.0
    predicted = net.predict(X)
    # a near-linear target, fitted in its own units: R² of each column near 1
    r2 = 1 - ((predicted - y) ** 2).sum(axis=0) / ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    assert r2.min() > 0.95  # the noise leaves about 0.98 at best
    # the epochs' mae and r2 are in the targets' units: val_* of the final weights
    error = net.predict(X[val_idx]).astype(np.float64) - y[val_idx]
    assert history.last["val_mae"] == pytest.approx(np.abs(error).mean(), rel=1e-4)
    centered = y[val_idx] - y[val_idx].mean(axis=0)
    pooled_r2 = 1 - (error**2).sum() / (centered.astype(np.float64) ** 2).sum()
    assert history.last["val_r2"] == pytest.approx(pooled_r2, rel=1e-4)
    loaded = Network.from_bytes(net.to_bytes())
    assert loaded.predict(X).tobytes() == predicted.tobytes()
    assert loaded.target_std.tolist() == net.target_std.tolist()


def test_normalize_targets_is_for_regression():
    X, y = imbalanced()
    with pytest.raises(SpecError) as error:
        train(X, y, normalize_targets=True)
    assert error.value.loc == ("training", "normalize_targets")


def test_unused_additions_stay_out_of_the_stored_training():
    dumped = TrainingSpec(loss="mse").model_dump(mode="json")
    assert "normalize_targets" not in dumped and "class_weight" not in dumped
    used = TrainingSpec(loss="mse", normalize_targets=True, class_weight={"a": 2})
    assert used.model_dump(mode="json")["class_weight"] == {"a": 2.0}


@pytest.mark.parametrize(
    ("targets", "task"),
    [
        ([0, 1] * 10, "classification"),
        (list(range(10)) * 1, "classification"),  # few classes, however few rows
        (list(range(20)) * 2, "classification"),  # 20 classes in 40 rows
        (np.arange(40) * 0.5, "regression"),  # not whole numbers
        (["x", "y", "z"], "classification"),
    ],
)
def test_the_task_targets_imply(targets, task):
    assert infer_task(np.asarray(targets)) == task


@pytest.mark.parametrize("targets", [list(range(21)) * 3, list(range(15)) + [0] * 10])
def test_many_distinct_whole_numbers_ask_for_the_task(targets):
    with pytest.raises(DataError) as error:
        infer_task(np.asarray(targets))
    assert error.value.field == "task"
    distinct = len(set(targets))
    assert error.value.message.startswith(
        f"the targets are {distinct} distinct whole numbers in {len(targets)} rows"
    )
    assert infer_task(np.asarray(targets), "mse") == "regression"


def test_a_checkpoint_keeps_the_targets_scale_for_a_partial_model():
    X, y = regression()
    spec = NetworkSpec(input_shape=[2], layers=[dense(4, "tanh"), dense(2)])
    net = Network(spec, seed=0)
    saved = []
    training = TrainingSpec(loss="mse", normalize_targets=True, epochs=3)
    fit(net, X, y, training, on_checkpoint=saved.append)
    checkpoint = Checkpoint.from_bytes(saved[-1].to_bytes())
    partial = Network(spec)
    partial.load_checkpoint(checkpoint)
    assert partial.predict(X).tobytes() == net.predict(X).tobytes()
    np.testing.assert_array_equal(partial.target_mean, net.target_mean)
