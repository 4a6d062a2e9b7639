"""Devices: the same training on the CPU (NumPy) and a GPU (CuPy), moving networks
between them, choosing one for ``auto``, and the GPU's own random numbers and fused
optimizer step checked against the generic code."""

import numpy as np
import pytest
from pydantic import ValidationError

from syn0.core import Network, NetworkSpec, SpecError, TrainingSpec, datasets, fit
from syn0.core.backend import (
    DEVICES,
    GPU_MIN_STEP_FLOPS,
    choose_device,
    get_backend,
    gpu_available,
    step_flops,
)
from syn0.core.optimizers import make_optimizer
from tests.core.factories import host, mlp, training


def test_a_network_trained_on_either_device_predicts_on_the_cpu(device):
    X, y = datasets.generate("circle", n_samples=200, noise=0.0, seed=0)
    net = Network(mlp(2, [8], 2), seed=0)
    fit(net, X, y, training(epochs=30, optimizer={"type": "adam"}, device=device))
    restored = Network.from_bytes(net.to_bytes())
    assert (net.device, restored.device) == (device, "cpu")
    np.testing.assert_allclose(restored.predict_proba(X), net.predict_proba(X), rtol=1e-5)
    np.testing.assert_array_equal(restored.predict_labels(X), net.predict_labels(X))


def test_auto_keeps_a_small_step_on_the_cpu():
    X, y = datasets.generate("xor", n_samples=100, seed=0)
    net = Network(mlp(2, [4], 2))
    fit(net, X, y, training(epochs=1))
    assert TrainingSpec(loss="mse").device == "auto"
    assert net.device == "cpu"


@pytest.mark.parametrize(
    ("requested", "flops", "gpu_ready", "chosen"),
    [
        ("cpu", 1e12, True, "cpu"),
        ("gpu", 1.0, False, "gpu"),
        ("auto", GPU_MIN_STEP_FLOPS, True, "gpu"),
        ("auto", GPU_MIN_STEP_FLOPS - 1, True, "cpu"),
        ("auto", 1e12, False, "cpu"),
    ],
)
def test_choose_device(requested, flops, gpu_ready, chosen):
    assert choose_device(requested, flops, gpu_ready) == chosen


def test_a_step_is_three_forward_passes_of_a_batch():
    assert step_flops(1000, 32, 500) == 3 * 1000 * 32
    assert step_flops(1000, None, 500) == step_flops(1000, 10_000, 500) == 3 * 1000 * 500


@pytest.mark.skipif(gpu_available(), reason="this machine has a GPU")
def test_gpu_without_a_gpu_names_the_field_and_the_fix():
    X, y = datasets.generate("xor", n_samples=50, seed=0)
    net = Network(mlp(2, [4], 2))
    with pytest.raises(SpecError) as info:
        fit(net, X, y, training(epochs=1, device="gpu"))
    assert info.value.loc == ("training", "device")
    assert "no usable GPU" in info.value.message and "pip install syn0[gpu]" in info.value.message
    assert net.device == "cpu"


def test_an_unknown_device_is_refused():
    with pytest.raises(ValidationError, match="device"):
        TrainingSpec(loss="mse", device="tpu")


def test_to_device_moves_the_weights_and_keeps_them(device):
    net = Network(NetworkSpec(input_shape=[3], layers=[{"type": "dense", "units": 2}]), seed=4)
    before = host(net.params)
    assert net.to_device(device) is net and net.device == device
    np.testing.assert_array_equal(host(net.params), before)
    assert net.to_device("cpu").device == "cpu"
    np.testing.assert_array_equal(net.params, before)


def test_uniform_values_are_uniform_and_repeat_per_seed(device):
    backend = get_backend(DEVICES[device])
    values = host(backend.uniform(np.random.default_rng(3), (400, 500), np.float32))
    assert values.dtype == np.float32 and values.min() >= 0 and values.max() < 1
    assert values.mean() == pytest.approx(0.5, abs=0.005)
    assert values.var() == pytest.approx(1 / 12, rel=0.02)
    assert np.histogram(values, bins=10, range=(0, 1))[0].min() > 0.09 * values.size
    again = host(backend.uniform(np.random.default_rng(3), (400, 500), np.float32))
    np.testing.assert_array_equal(values, again)
    other = host(backend.uniform(np.random.default_rng(4), (400, 500), np.float32))
    assert not np.array_equal(values, other)


ACTIVATIONS = ["linear", "relu", "leaky_relu", "tanh", "sigmoid", "elu", "softmax"]
ON_A_GPU = pytest.mark.skipif(not gpu_available(), reason="fused kernels run on a GPU only")


def _both_ways(run):
    """``run(backend)`` with the GPU's fused kernels, then with the generic code."""
    backend, results = get_backend("cupy"), []
    for fused in (True, False):
        backend.fused = fused
        try:
            results.append([host(a) for a in run(backend)])
        finally:
            backend.fused = True
    return results


@ON_A_GPU
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_dense_layer_on_a_gpu_computes_the_same_fused(activation):
    # given: a hidden dense layer, an input batch and an upstream gradient
    spec = NetworkSpec(
        input_shape=[20],
        layers=[
            {"type": "dense", "units": 30, "activation": activation},
            {"type": "dense", "units": 2},
        ],
    )
    rng = np.random.default_rng(0)
    x, upstream = rng.standard_normal((50, 20)), rng.standard_normal((50, 30))

    def run(backend):
        layer = Network(spec, seed=1).to_device("gpu").layers[0]
        a = layer.forward(backend.xp.asarray(x, dtype=np.float32), True, None).copy()
        dx = layer.backward(backend.xp.asarray(upstream, dtype=np.float32), True)
        return a, dx, layer.gW, layer.gb

    # then: equal up to float32 rounding (a kernel may contract a multiply and an add)
    for fused, generic in zip(*_both_ways(run), strict=True):
        np.testing.assert_allclose(fused, generic, rtol=1e-5, atol=1e-6)


@ON_A_GPU
@pytest.mark.parametrize(
    "optimizer",
    [
        {"type": "adam", "learning_rate": 0.01},
        {"type": "sgd", "learning_rate": 0.1, "momentum": 0.9},
        {"type": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
    ],
)
def test_a_fused_optimizer_step_on_a_gpu_matches_the_generic_one(optimizer):
    rng = np.random.default_rng(0)
    start = {name: rng.standard_normal(1000).astype(np.float32) for name in ("p", "g")}
    spec = TrainingSpec(loss="mse", optimizer=optimizer).optimizer

    def run(backend):
        optimizer = make_optimizer(backend, spec, 1000, np.float32)
        params = backend.xp.asarray(start["p"])
        for _ in range(5):
            optimizer.update(params, backend.xp.asarray(start["g"]), 0.01)
        return [params, *optimizer.slots.values()]

    for fused, generic in zip(*_both_ways(run), strict=True):
        np.testing.assert_allclose(fused, generic, rtol=1e-5, atol=1e-7)
