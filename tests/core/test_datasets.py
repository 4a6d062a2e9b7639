import re

import numpy as np
import pytest

from syn0.core import datasets
from syn0.core.datasets import (
    CLASSIFICATION,
    KINDS,
    REGRESSION,
    generate,
    images,
    task_of,
    train_test_split,
)

KIND_ERROR = (
    "Received an invalid value for `kind`, expected one of circle, gauss, moons, plane, "
    "regress_gauss, spiral, xor. Received: kind='foo'"
)


def test_kinds_and_tasks():
    assert KINDS == ("circle", "gauss", "moons", "plane", "regress_gauss", "spiral", "xor")
    assert set(CLASSIFICATION) == {"circle", "xor", "gauss", "spiral", "moons"}
    assert set(REGRESSION) == {"plane", "regress_gauss"}
    assert [task_of(k) for k in ("circle", "moons", "plane", "regress_gauss")] == [
        "classification",
        "classification",
        "regression",
        "regression",
    ]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n_samples", [2, 301])
def test_shapes_and_dtypes(kind, n_samples):
    X, y = generate(kind, n_samples=n_samples, noise=0.2, seed=1)
    assert X.shape == (n_samples, 2)
    assert X.dtype == np.float32
    assert y.shape == (n_samples,)
    assert np.isfinite(X).all() and np.isfinite(y).all()
    if task_of(kind) == "classification":
        assert y.dtype == np.int64
        assert set(np.unique(y)) <= {0, 1}
        assert abs(int(y.sum()) - n_samples / 2) <= 0.5  # balanced to within one sample
    else:
        assert y.dtype == np.float32


@pytest.mark.parametrize("kind", KINDS)
def test_generate_matches_registry_function(kind):
    fn = getattr(datasets, kind)
    for a, b in zip(generate(kind, 50, 0.1, 4), fn(n_samples=50, noise=0.1, seed=4), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", KINDS)
def test_determinism(kind):
    X1, y1 = generate(kind, 200, 0.1, seed=7)
    X2, y2 = generate(kind, 200, 0.1, seed=7)
    X3, _ = generate(kind, 200, 0.1, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_circle_noise_free_is_radially_separable():
    X, y = generate("circle", 500)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius[y == 1].max() <= 2.5 + 1e-5
    assert radius[y == 0].min() >= 3.5 - 1e-5
    assert radius.max() <= 5 + 1e-5


def test_circle_noise_moves_points_not_labels():
    X, y = generate("circle", 500, noise=0.5)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius[y == 1].max() > radius[y == 0].min()  # classes now overlap
    assert radius.max() > 5


def test_xor_noise_free_labels_and_margin():
    X, y = generate("xor", 500)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(np.int64))
    assert np.abs(X).min() >= 0.3 - 1e-6
    assert np.abs(X).max() <= 5 + 1e-6
    Xn, yn = generate("xor", 500, noise=0.3)
    assert ((Xn[:, 0] * Xn[:, 1] >= 0) != yn).any()


def test_gauss_noise_free_is_linearly_separable():
    X, y = generate("gauss", 500)
    assert ((X.sum(axis=1) > 0) == (y == 1)).mean() >= 0.99
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.2)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.2)
    assert X[y == 1].std() < 1.0


def test_gauss_variance_grows_then_clamps():
    std = [generate("gauss", 2000, noise=v)[0][:, 0].std() for v in (0.0, 0.5, 1.0)]
    np.testing.assert_allclose(std[0], np.sqrt(0.5 + 4), rtol=0.1)  # blobs at +-2 add 4
    np.testing.assert_allclose(std[1], np.sqrt(4 + 4), rtol=0.1)
    np.testing.assert_allclose(std[1], std[2], rtol=0.1)


def test_spiral_noise_free_lies_on_the_arms():
    X, y = generate("spiral", 400)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() < 5
    # Undo each arm's winding: the angle t = 1.75 * 2 * pi * r / 5 + delta.
    t = np.arctan2(X[:, 0], X[:, 1]) - 1.75 * 2 * np.pi * r / 5 - np.pi * (y == 0)
    np.testing.assert_allclose(np.cos(t[r > 0]), 1, atol=1e-4)


def test_moons_range_and_sides():
    X, y = generate("moons", 500)
    assert np.abs(X[:, 0]).max() <= 5 + 1e-5
    assert np.abs(X[:, 1]).max() <= 2.5 + 1e-5
    # Upper moon (label 0) sits on a circle of radius 10/3 around (-5/3, -5/6).
    centre, scale = np.array([-5 / 3, -5 / 6]), 10 / 3
    np.testing.assert_allclose(np.linalg.norm(X[y == 0] - centre, axis=1), scale, rtol=1e-5)
    assert X[y == 0, 1].mean() > X[y == 1, 1].mean()


@pytest.mark.parametrize("kind", ["plane", "regress_gauss"])
def test_regression_range(kind):
    for noise in (0.0, 0.1):
        X, y = generate(kind, 1000, noise)
        assert np.abs(X).max() <= 6
        assert np.abs(y).max() <= 1.2
        assert y.std() > 0.1


def test_plane_correlates_with_sum():
    X, y = generate("plane", 500)
    assert np.corrcoef(X.sum(axis=1), y)[0, 1] > 0.99
    np.testing.assert_allclose(y, X.sum(axis=1) / 12, atol=1e-6)
    _, yn = generate("plane", 500, noise=0.3)
    assert 0.5 < np.corrcoef(X.sum(axis=1), yn)[0, 1] < 0.99  # same points, noisy labels


def test_regress_gauss_signs_at_centres():
    X, y = generate("regress_gauss", 4000)
    for cx, cy, sign in [(-4, 2.5, 1), (0, 2.5, -1), (4, -2.5, -1), (0, -2.5, 1)]:
        near = np.hypot(X[:, 0] - cx, X[:, 1] - cy) < 0.5
        assert near.any() and (np.sign(y[near]) == sign).all()


def test_generate_unknown_kind():
    with pytest.raises(ValueError, match=re.escape(KIND_ERROR)):
        generate("foo")
    with pytest.raises(ValueError, match=re.escape(KIND_ERROR)):
        task_of("foo")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"noise": 2}, "`noise`, expected a number in [0, 1]. Received: noise=2"),
        ({"noise": -0.1}, "Received: noise=-0.1"),
        ({"noise": float("nan")}, "Received: noise=nan"),
        ({"noise": "0.1"}, "Received: noise='0.1'"),
        ({"n_samples": 1}, "`n_samples`, expected an integer >= 2. Received: n_samples=1"),
        ({"n_samples": 10.0}, "Received: n_samples=10.0"),
        ({"n_samples": True}, "Received: n_samples=True"),
    ],
)
def test_generate_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match="^Received an invalid value for .*" + re.escape(message)):
        generate("circle", **kwargs)


def test_noise_message_exact():
    expected = (
        "Received an invalid value for `noise`, expected a number in [0, 1]. Received: noise=2"
    )
    with pytest.raises(ValueError) as info:
        datasets.xor(noise=2)
    assert str(info.value) == expected


def test_train_test_split_sizes_and_disjointness():
    X = np.arange(200).reshape(100, 2)
    y = np.arange(100)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, seed=3)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (70, 30, 70, 30)
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)  # rows stay paired
    np.testing.assert_array_equal(X_test[:, 0] // 2, y_test)
    again = train_test_split(X, y, test_size=0.3, seed=3)
    np.testing.assert_array_equal(again[1], X_test)
    assert not np.array_equal(train_test_split(X, y, test_size=0.3, seed=4)[1], X_test)


def test_train_test_split_stratify_keeps_proportions():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100, dtype=np.float32)[:, None]
    _, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0, stratify=True)
    np.testing.assert_array_equal(np.bincount(y_test), [12, 6, 2])
    np.testing.assert_array_equal(np.bincount(y_train), [48, 24, 8])
    np.testing.assert_array_equal(y[X_test[:, 0].astype(int)], y_test)


def test_train_test_split_works_on_images():
    X, y = images(40, seed=0)
    X_train, X_test, _, _ = train_test_split(X, y, test_size=0.25)
    assert X_train.shape == (30, 1, 12, 12) and X_test.shape == (10, 1, 12, 12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"test_size": 0}, "`test_size`, expected a fraction in (0, 1). Received: test_size=0"),
        ({"test_size": 1.0}, "Received: test_size=1.0"),
        ({"test_size": 0.001}, "leaving rows in both splits. Received: test_size=0.001"),
        ({"y": np.zeros(9)}, "`y`, expected as many rows as X (10). Received: len(y)=9"),
    ],
)
def test_train_test_split_invalid_arguments(kwargs, message):
    args = {"X": np.zeros((10, 2)), "y": np.zeros(10)} | kwargs
    with pytest.raises(ValueError, match="^Received an invalid value for .*" + re.escape(message)):
        train_test_split(**args)


@pytest.mark.parametrize(("kind", "n_classes"), [("bars", 4), ("shapes", 3)])
def test_images(kind, n_classes):
    X, y = images(n_samples=120, size=12, noise=0.1, seed=0, kind=kind)
    assert X.shape == (120, 1, 12, 12) and X.dtype == np.float32
    assert y.shape == (120,) and y.dtype == np.int64
    assert np.isfinite(X).all() and X.min() >= 0 and X.max() <= 1
    np.testing.assert_array_equal(np.bincount(y), [120 // n_classes] * n_classes)
    X2, y2 = images(n_samples=120, size=12, noise=0.1, seed=0, kind=kind)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_bars_are_lines_of_the_right_orientation():
    X, y = images(400, size=16, seed=2)
    on = X[:, 0] > 0.5
    n_rows, n_cols = on.any(axis=2).sum(axis=1), on.any(axis=1).sum(axis=1)
    assert (n_rows[y == 0] <= 2).all() and (n_cols[y == 0] >= 8).all()  # horizontal
    assert (n_cols[y == 1] <= 2).all() and (n_rows[y == 1] >= 8).all()  # vertical
    r, c = np.indices((16, 16))
    for label, offset in ((2, c - r), (3, c + r)):  # diagonal, anti-diagonal
        for image in on[y == label]:
            assert image.sum() >= 4 and np.ptp(offset[image]) <= 1


def test_shapes_pixel_counts_differ_by_class():
    X, y = images(300, kind="shapes", seed=1)
    filled = (X[:, 0] > 0.5).sum(axis=(1, 2))
    bbox = (X[:, 0] > 0.5).any(axis=2).sum(axis=1)
    np.testing.assert_array_equal(filled[y == 0], bbox[y == 0] ** 2)
    np.testing.assert_array_equal(filled[y == 1], 4 * bbox[y == 1] - 4)
    np.testing.assert_array_equal(filled[y == 2], 2 * bbox[y == 2] - 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "dots"}, "`kind`, expected one of bars, shapes. Received: kind='dots'"),
        ({"size": 4}, "`size`, expected an integer >= 8. Received: size=4"),
        ({"noise": 1.5}, "Received: noise=1.5"),
    ],
)
def test_images_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match="^Received an invalid value for .*" + re.escape(message)):
        images(**kwargs)
