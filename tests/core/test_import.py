"""Weights from outside (``network_from_upload``) and whether a network is a model's
architecture (``compat.mismatch``)."""

import io
import re

import numpy as np
import pytest

from syn0.core import DataError, Network, NetworkSpec, datasets, fit, npz
from syn0.core.compat import mismatch
from syn0.core.serialization import network_from_upload
from tests.core.factories import dense, mlp, training

MAX_PARAMS, MAX_HEADER = 10_000, 100_000


def _trained() -> Network:
    X, y = datasets.generate("xor", n_samples=40, noise=0.1, seed=0)
    net = Network(mlp(2, [4], 2), seed=0)
    fit(net, X, y, training(epochs=2, normalize_inputs=True))
    return net


def _altered(data: bytes, **changes) -> bytes:
    header, arrays = npz.load(data)
    header.update(changes.pop("header", {}))
    arrays.update(changes)
    return npz.dump(header, {k: v for k, v in arrays.items() if v is not None})


def test_a_downloaded_weights_file_uploads_to_the_same_network():
    net = _trained()
    again = network_from_upload(net.to_bytes(), MAX_PARAMS, MAX_HEADER)
    X = np.random.default_rng(0).normal(size=(5, 2))
    assert again.predict_proba(X).tobytes() == net.predict_proba(X).tobytes()
    assert again.classes.tolist() == net.classes.tolist() and again.dtype == np.float32


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"params": np.zeros(3)}, "it has 22 parameters, the file's params array is float64 (3,)"),
        ({"params": np.full(22, np.nan)}, "the weights hold NaN or infinite values"),
        ({"params": np.zeros((2, 11))}, "params array is float64 (2, 11)"),
        ({"classes": None}, "needs a classes array of one label per output (2, or 2 for one"),
        ({"input_std": np.zeros(2, np.float32)}, "input_std must be finite numbers of the"),
        ({"input_mean": np.zeros(5)}, "input_mean must be finite numbers of the input's shape"),
        ({"extra": np.zeros(2)}, "holds an array 'extra'"),
        ({"header": {"dtype": "float16"}}, "incomplete or has an unknown dtype"),
        ({"header": {"loss": "hinge"}}, "names an unknown loss 'hinge'"),
        ({"header": {"spec": {"input_shape": [2], "layers": []}}}, "spec is not valid"),
        ({"header": {"format": "syn0.checkpoint/1"}}, "expected a syn0.network/1 file"),
    ],
)
def test_weights_that_do_not_fit_are_refused_naming_why(changes, message):
    data = _altered(_trained().to_bytes(), **changes)
    with pytest.raises(DataError, match=re.escape(message)) as caught:
        network_from_upload(data, MAX_PARAMS, MAX_HEADER)
    assert caught.value.field == "weights"


def test_an_archive_that_would_expand_past_the_limit_is_refused_before_it_is_read():
    # given: 80 MB of zeros, compressed to a few hundred kilobytes
    buffer = io.BytesIO()
    np.savez_compressed(buffer, params=np.zeros(10_000_000))
    # when / then
    with pytest.raises(DataError, match="params array takes 80,000,000 bytes, over the 80,000"):
        network_from_upload(buffer.getvalue(), MAX_PARAMS, MAX_HEADER)


@pytest.mark.parametrize("data", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_bytes_that_are_no_archive_are_refused(data):
    with pytest.raises(DataError, match=r"not a syn0\.network/1 file"):
        network_from_upload(data, MAX_PARAMS, MAX_HEADER)


# --- the same architecture ----------------------------------------------------------------


def _spec(*layers, input_shape=(3,)) -> NetworkSpec:
    return NetworkSpec(input_shape=list(input_shape), layers=list(layers))


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        (
            _spec(dense(4, "sigmoid"), dense(16), dense(1)),
            "layer 1 (dense) has units=16, the model's has units=8",
        ),
        (
            _spec(dense(4, "sigmoid"), dense(8), dense(1), input_shape=(2,)),
            "input_shape is [2], the model's is [3]",
        ),
        (_spec(dense(4, "sigmoid"), dense(1)), "the network has 2 layers, the model's has 3"),
        (
            _spec(dense(4, "tanh"), dense(8), dense(1)),
            "layer 0 (dense) has activation='tanh', the model's has activation='sigmoid'",
        ),
        (
            _spec(dense(4, "sigmoid", use_bias=False), dense(8), dense(1)),
            "layer 0 (dense) has use_bias=False, the model's has use_bias=True",
        ),
        (
            _spec(dense(4, "sigmoid"), {"type": "dropout", "rate": 0.5}, dense(1)),
            "layer 1 is dropout, the model's is dense",
        ),
    ],
)
def test_the_first_difference_in_architecture_is_named(network, expected):
    model = _spec(dense(4, "sigmoid"), dense(8), dense(1))
    assert mismatch(network, model) == expected


def test_names_init_and_training_only_settings_may_differ():
    model = _spec(
        dense(4, "relu"), {"type": "dropout", "rate": 0.2}, {"type": "batchnorm"}, dense(1)
    )
    network = _spec(
        dense(4, "relu", name="hidden", init="he_uniform"),
        {"type": "dropout", "rate": 0.5},
        {"type": "batchnorm", "momentum": 0.9},
        dense(1),
    )
    assert mismatch(network, model) is None


def test_a_graph_must_read_the_same_layers():
    def block(first_input: str) -> NetworkSpec:
        return _spec(
            dense(4, name="a"),
            dense(4, name="b"),
            {"type": "add", "inputs": [first_input, "b"]},
            dense(1),
            input_shape=(4,),
        )

    assert mismatch(block("a"), block("a")) is None
    assert mismatch(block("input"), block("a")) == (
        "layer 2 (add) reads the input, layer 1, the model's reads layer 0, layer 1"
    )
