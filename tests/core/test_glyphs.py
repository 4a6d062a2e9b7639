"""``datasets.glyphs``: ten digit-like classes at random places, grey or in colour, hard
enough that a convolutional net beats a dense one."""

import re
import time

import numpy as np
import pytest

from syn0.core import DataError, Network, NetworkSpec, datasets, fit
from syn0.core.datasets import glyphs
from tests.core.factories import conv, dense, training


@pytest.mark.parametrize(("channels", "size"), [(1, 8), (1, 16), (3, 16), (3, 32)])
def test_shapes_dtypes_range_and_balanced_classes(channels, size):
    X, y = glyphs(n_samples=203, noise=0.3, seed=1, channels=channels, size=size)

    assert (X.shape, X.dtype) == ((203, channels, size, size), np.float32)
    assert (y.shape, y.dtype) == ((203,), np.int64)
    assert X.min() >= 0 and X.max() <= 1
    counts = np.bincount(y)
    assert len(counts) == 10 and counts.max() - counts.min() <= 1


def test_same_seed_same_bytes_other_seed_other_images():
    first, labels = glyphs(500, noise=0.2, seed=7, channels=3, size=20)
    again, labels_again = glyphs(500, noise=0.2, seed=7, channels=3, size=20)
    other, _ = glyphs(500, noise=0.2, seed=8, channels=3, size=20)

    assert first.tobytes() == again.tobytes() and labels.tobytes() == labels_again.tobytes()
    assert not np.array_equal(first, other)


def test_noise_free_grey_glyphs_are_ink_on_black():
    X, _ = glyphs(300, seed=2, size=16)

    ink = X[:, 0].max(axis=(1, 2))
    # Every image shows its digit: a grey of at least 0.6, at half strength or more where a
    # thin stroke falls between two pixels.
    assert ink.min() >= 0.3
    # Background is black, and the strokes cover a part of the image, never most of it.
    covered = (X[:, 0] > 0).mean(axis=(1, 2))
    assert covered.min() > 0.02 and covered.max() < 0.5


def test_colour_glyphs_show_the_stroke_in_every_channel():
    X, _ = glyphs(300, seed=3, channels=3, size=16)

    # Per sample and channel, foreground and background differ by 0.4 to 0.6 (the stroke
    # shows at half strength or more).
    spread = X.max(axis=(2, 3)) - X.min(axis=(2, 3))
    assert spread.min() >= 0.2 and spread.max() <= 0.6 + 1e-6
    # The background colour varies from sample to sample: colour says nothing of the class.
    assert X[:, :, 0, 0].std(axis=0).min() > 0.2


def test_ten_thousand_28_pixel_images_within_a_second_or_so():
    started = time.perf_counter()
    X, _ = glyphs(10_000, noise=0.1, seed=0, size=28)
    elapsed = time.perf_counter() - started

    assert X.shape == (10_000, 1, 28, 28)
    assert elapsed < 3  # about 0.4 s on one core; generous for a loaded machine


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channels": 2}, "`channels`, expected 1 or 3. Received: channels=2"),
        ({"channels": True}, "`channels`, expected 1 or 3. Received: channels=True"),
        ({"size": 7}, "`size`, expected an integer in [8, 32]. Received: size=7"),
        ({"size": 33}, "`size`, expected an integer in [8, 32]. Received: size=33"),
        ({"size": 16.0}, "`size`, expected an integer in [8, 32]. Received: size=16.0"),
        ({"noise": 1.5}, "`noise`, expected a number in [0, 1]. Received: noise=1.5"),
        ({"n_samples": 1}, "`n_samples`, expected an integer >= 2. Received: n_samples=1"),
    ],
)
def test_invalid_arguments_name_the_argument(kwargs, message):
    with pytest.raises(DataError, match="^Received an invalid value for " + re.escape(message)):
        glyphs(**kwargs)


def _held_out_accuracy(layers: list[dict], X: np.ndarray, y: np.ndarray, device: str) -> float:
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.3, seed=0)
    net = Network(NetworkSpec(input_shape=list(X.shape[1:]), layers=layers), seed=0)
    adam = {"type": "adam", "learning_rate": 0.005}
    fit(net, X_train, y_train, training(epochs=8, batch_size=32, optimizer=adam, device=device))
    return float((net.predict_labels(X_test) == y_test).mean())


def test_a_conv_net_beats_a_dense_net(device):
    # given 1500 grey 16x16 glyphs with pixel noise 0.2 (1050 to train, 450 held out)
    X, y = glyphs(1500, noise=0.2, seed=0, size=16)
    flat = [{"type": "flatten"}, dense(64, "relu"), dense(10, "softmax")]
    convolutional = [
        conv(8, 3, padding="same", activation="relu"),
        {"type": "maxpool2d", "pool_size": 2},
        conv(16, 3, activation="relu"),
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "flatten"},
        dense(32, "relu"),
        dense(10, "softmax"),
    ]

    # when each trains for 8 epochs of Adam
    dense_accuracy = _held_out_accuracy(flat, X, y, device)
    conv_accuracy = _held_out_accuracy(convolutional, X, y, device)

    # then the conv net is far ahead. Measured: dense 0.58, conv 0.84 (seeds 1-3 of the
    # data: dense 0.58-0.61, conv 0.86-0.90); the dense net fits its training set (0.93)
    # but cannot place a digit it has not seen at that position.
    assert conv_accuracy >= 0.75
    assert dense_accuracy <= 0.7
    assert conv_accuracy - dense_accuracy >= 0.15
