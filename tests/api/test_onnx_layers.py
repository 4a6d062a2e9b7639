"""The ONNX export of every layer type, activation, output and example spec: run by
onnxruntime, its answers are those of ``Network.predict`` within 1e-5.

Each network is trained for a few epochs first, so that the weights, the input
normalization and batchnorm's moving averages all hold values worth checking.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from syn0.core import Network, NetworkSpec, TrainingSpec, architectures, datasets, fit
from syn0.models.onnx_export import to_onnx

ort = pytest.importorskip("onnxruntime")
EXAMPLES = Path(__file__).parents[2] / "examples"
TOLERANCE = 1e-5


def run_onnx(model: bytes, X: np.ndarray) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    names = [out.name for out in session.get_outputs()]
    return dict(zip(names, session.run(None, {"input": X}), strict=True))


def assert_same_answers(net: Network, X: np.ndarray) -> dict[str, np.ndarray]:
    """The exported model's outputs (and probabilities, labels) are predict's."""
    got = run_onnx(to_onnx(net), X.astype(net.dtype))
    np.testing.assert_allclose(got["outputs"], net.predict(X), atol=TOLERANCE, rtol=TOLERANCE)
    if net.task == "classification":
        assert set(got) == {"outputs", "probabilities", "labels"}
        np.testing.assert_allclose(
            got["probabilities"], net.predict_proba(X), atol=TOLERANCE, rtol=TOLERANCE
        )
        assert got["labels"].tolist() == net.predict_labels(X).tolist()
    else:
        assert set(got) == {"outputs"}
    return got


def trained(network: dict, X, y, epochs: int = 3, task: str | None = None, **training) -> Network:
    dtype = training.get("dtype", "float32")
    net = Network(NetworkSpec.model_validate(network), seed=1, dtype=dtype)
    spec = {"loss": "cross_entropy", "epochs": epochs, "batch_size": 16, **training}
    fit(net, X, y, TrainingSpec.model_validate(spec), task=task)
    return net


def images(n: int = 48, size: int = 10, channels: int = 1):
    X, y = datasets.images(n, size=size, noise=0.1, seed=3)
    return np.repeat(X, channels, axis=1), y


def conv(filters: int, k: int, **kw) -> dict:
    return {"type": "conv2d", "filters": filters, "kernel_size": k, **kw}


HEAD = [{"type": "flatten"}, {"type": "dense", "units": 4, "activation": "softmax"}]

IMAGE_NETWORKS = {
    "conv valid": [conv(3, 3, activation="relu")],
    "conv same, stride 2": [conv(3, 3, stride=2, padding="same", activation="tanh")],
    "conv same, even kernel, stride 3": [conv(2, 4, stride=3, padding="same")],
    "conv 1x1 without bias": [conv(4, 1, use_bias=False, activation="elu")],
    "maxpool valid": [conv(3, 3, activation="relu"), {"type": "maxpool2d"}],
    "maxpool same, stride 1": [
        conv(3, 3, activation="leaky_relu"),
        {"type": "maxpool2d", "pool_size": 3, "stride": 1, "padding": "same"},
    ],
    "avgpool valid, overlapping": [
        conv(3, 3),
        {"type": "avgpool2d", "pool_size": 3, "stride": 2},
    ],
    "avgpool same": [
        conv(3, 3, activation="sigmoid"),
        {"type": "avgpool2d", "pool_size": 3, "stride": 2, "padding": "same"},
    ],
    "batchnorm of images": [
        conv(3, 3, use_bias=False),
        {"type": "batchnorm"},
        {"type": "activation", "activation": "relu"},
    ],
    "add and concat": [
        conv(3, 3, padding="same", name="a"),
        conv(3, 1, name="b"),
        {"type": "add", "inputs": ["a", "b"], "name": "s"},
        conv(2, 3, padding="same", inputs=["input"], name="c"),
        {"type": "concat", "inputs": ["s", "c", "a"]},
        {"type": "dropout", "rate": 0.3},
    ],
}


@pytest.mark.parametrize("name", list(IMAGE_NETWORKS))
def test_image_layers_answer_as_predict(name: str) -> None:
    X, y = images(channels=2)
    network = {"input_shape": [2, 10, 10], "layers": IMAGE_NETWORKS[name] + HEAD}
    net = trained(network, X, y, normalize_inputs=True)
    assert_same_answers(net, X)


def test_global_average_pooling_answers_as_predict() -> None:
    X, y = images()
    layers = [conv(4, 3), {"type": "global_avgpool2d"}, {"type": "dense", "units": 4}]
    net = trained({"input_shape": [1, 10, 10], "layers": layers}, X, y)
    assert_same_answers(net, X)


def dense_network(activation: str, out: str, n_out: int = 3, **extra) -> dict:
    layers = [
        {"type": "dense", "units": 6, "activation": activation},
        {"type": "batchnorm"},
        {"type": "dense", "units": 5, "name": "h"},
        {"type": "activation", "activation": activation},
        {"type": "dropout", "rate": 0.2, "name": "d"},
        {"type": "concat", "inputs": ["d", "input"]},
        {"type": "dense", "units": n_out, "activation": out},
    ]
    return {"input_shape": [2], "layers": layers, **extra}


def blobs(n: int = 60, classes=(0, 1, 2)) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.asarray(classes)[np.arange(n) % len(classes)]
    centers = rng.normal(0, 2, (len(classes), 2))
    X = centers[np.arange(n) % len(classes)] + rng.normal(0, 0.5, (n, 2))
    return X.astype(np.float32), y


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu"])
def test_every_hidden_activation_answers_as_predict(activation: str) -> None:
    X, y = blobs()
    net = trained(dense_network(activation, "softmax"), X, y, normalize_inputs=True)
    assert_same_answers(net, X)


OUTPUTS = [
    ("cross_entropy", "softmax", 3, ("ant", "bee", "cow")),
    ("cross_entropy", "linear", 3, (0, 1, 2)),
    ("binary_cross_entropy", "sigmoid", 1, ("no", "yes")),
    ("binary_cross_entropy", "linear", 1, (3, 7)),
    ("mse", "sigmoid", 1, (False, True)),
    ("mse", "softmax", 3, (0.5, 1.5, 2.5)),
    ("mse", "relu", 3, (1, 2, 3)),
]


@pytest.mark.parametrize(("loss", "out", "n_out", "classes"), OUTPUTS)
def test_every_classifier_output_answers_as_predict(loss, out, n_out, classes) -> None:
    X, y = blobs(classes=classes)
    net = trained(dense_network("tanh", out, n_out), X, y, loss=loss, task="classification")
    got = assert_same_answers(net, X)
    assert got["labels"].tolist() == net.predict_labels(X).tolist()


def test_regression_and_the_input_features_answer_as_predict() -> None:
    X, _ = blobs()
    y = np.stack([X[:, 0] * X[:, 1], np.sin(X[:, 0])], axis=1)
    features = ["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]
    network = dense_network("tanh", "linear", 2, features=features)
    net = trained(network, X, y, loss="mse", normalize_inputs=True)
    assert_same_answers(net, X)


def test_float64_models_export_in_float64() -> None:
    X, y = blobs()
    net = trained(dense_network("relu", "softmax"), X, y, dtype="float64")
    got = assert_same_answers(net, X.astype(np.float64))
    assert got["outputs"].dtype == np.float64


EXAMPLE_DATA = {
    "xor.json": lambda: (np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 4, float), [0, 1, 1, 0] * 4),
    "spiral.yaml": lambda: datasets.spiral(120, noise=0.1),
    "lenet.yaml": lambda: datasets.images(60, size=12, kind="bars"),
    "resnet.yaml": lambda: datasets.images(60, size=12, kind="bars"),
    "regression.yaml": lambda: datasets.regress_gauss(120, noise=0.1),
    "seed/single_layer.json": lambda: csv_columns(EXAMPLES / "seed" / "single_layer.csv"),
    "seed/xor.json": lambda: csv_columns(EXAMPLES / "seed" / "xor.csv"),
}


def csv_columns(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A seed example's CSV: the features, and the last column as the target."""
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return table[:, :-1], table[:, -1]


@pytest.mark.parametrize("example", list(EXAMPLE_DATA))
def test_every_example_spec_answers_as_predict(example: str) -> None:
    spec = yaml.safe_load((EXAMPLES / example).read_text())
    X, y = EXAMPLE_DATA[example]()
    training = TrainingSpec.model_validate({**spec["training"], "epochs": 2})
    net = Network(NetworkSpec.model_validate(spec["network"]), dtype=training.dtype)
    fit(net, X, y, training)
    assert_same_answers(net, np.asarray(X, training.dtype))


@pytest.mark.parametrize("family", list(architectures.ARCHITECTURES))
def test_every_architecture_template_answers_as_predict(family: str) -> None:
    spec = architectures.build(family, [1, 16, 16], 3, width=4, depth=1)
    net = Network(spec, seed=2)
    X, y = datasets.images(12, size=16, kind="shapes", noise=0.1)
    fit(net, X, y, TrainingSpec(loss="cross_entropy", epochs=1, batch_size=6))
    assert_same_answers(net, X)


def test_every_example_spec_file_is_checked_above():
    specs = {
        str(path.relative_to(EXAMPLES))
        for path in EXAMPLES.rglob("*")
        if path.suffix in (".json", ".yaml") and "network" in yaml.safe_load(path.read_text())
    }
    assert specs == set(EXAMPLE_DATA)
