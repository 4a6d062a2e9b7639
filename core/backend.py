"""The array-module seam: every array operation in core goes through ``Backend.xp``.

NumPy runs on the CPU; CuPy, which has NumPy's API, runs the same layers, losses and
optimizers on a GPU. A device is named ``"cpu"`` or ``"gpu"`` in a ``TrainingSpec``
and maps to its backend here.

CuPy runs each whole-array call as one kernel that reads and writes its arrays, at
about 60 % of the memory bandwidth PyTorch's kernels reach (measured on an H100). A
few hot sequences of such calls are therefore fused into one kernel each on a GPU:
a dense layer's bias and activation, the activation's derivative, and the SGD
momentum and Adam steps. Each fused method returns False where the backend has no
kernel for the case (NumPy, softmax, ``fused = False``), and the caller runs the
generic whole-array code, which stays the reference the kernels are tested against.

Random numbers (shuffling, dropout masks, augmentation) all come from one seeded
NumPy generator, whose state is part of each checkpoint. NumPy draws the large
per-element arrays from it directly. On a GPU, copying them from the host each
batch would cost more than the batch, so CuPy takes one 64-bit seed from the
generator per array and computes the values from (seed, element index) with a
counter-based hash on the device. A run is therefore deterministic per device.
"""

from __future__ import annotations

import importlib
from typing import Any, Literal

import numpy as np

from syn0.core.activations import ELU_ALPHA, LEAKY_ALPHA
from syn0.core.errors import SpecError

Device = Literal["cpu", "gpu"]


class Backend:
    """NumPy: an array module plus the few operations whose spelling differs."""

    name = "numpy"
    device: Device = "cpu"

    def __init__(self, xp=np):
        self.xp = xp

    def to_numpy(self, a: Any) -> np.ndarray:
        """An array of this backend in host memory (a no-op view for NumPy)."""
        return a

    def uniform(self, rng: np.random.Generator, shape: tuple[int, ...], dtype) -> Any:
        """Uniform values in [0, 1) of ``shape``."""
        return rng.random(shape, dtype=dtype)

    def normal(self, rng: np.random.Generator, shape: tuple[int, ...], dtype) -> Any:
        """Standard normal values of ``shape``."""
        return rng.standard_normal(shape, dtype=dtype)

    # --- fused operations (see the module docstring); NumPy has none --------------------

    def bias_activation(self, z, b, activation: str) -> bool:
        """``z = activation(z + b)`` in place (``b`` may be None)."""
        return False

    def activation_grad(self, activation: str, a, grad) -> bool:
        """``grad *= activation'`` in place, through the activation's output ``a``."""
        return False

    def momentum_step(self, p, g, v, mu: float, nesterov: bool) -> bool:
        """``v = mu v + g; p += v`` (Nesterov: ``p += mu v + g``) in place."""
        return False

    def adam_step(self, p, g, m, v, b1c, b2c, step, eps) -> bool:
        """One Adam step in place (see ``Adam``)."""
        return False


# Each elementwise activation as CUDA: of ``v = z + b`` forward, and as the factor on
# ``g`` through the output ``a`` backward (core.activations has the same functions).
_FORWARD = {
    "linear": "v",
    "relu": "v < (T)0 ? (T)0 : v",  # NaN stays NaN, for the divergence check
    "leaky_relu": f"v > (T)0 ? v : (T){LEAKY_ALPHA} * v",
    "tanh": "tanh(v)",
    "sigmoid": "(T)0.5 * ((T)1 + tanh(v * (T)0.5))",
    "elu": f"v > (T)0 ? v : (T){ELU_ALPHA} * expm1(v)",
}
_BACKWARD = {
    "relu": "a > (T)0 ? g : (T)0",
    "leaky_relu": f"a > (T)0 ? g : (T){LEAKY_ALPHA} * g",
    "tanh": "g * ((T)1 - a * a)",
    "sigmoid": "g * a * ((T)1 - a)",
    "elu": f"a > (T)0 ? g : g * (a + (T){ELU_ALPHA})",
}

# splitmix64 of (seed + i * golden ratio), then the top 24 bits as a float in [0, 1).
_HASH = """
__device__ static float syn0_unit(unsigned long long seed, unsigned long long i) {
    unsigned long long z = seed + i * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (float)(z >> 40) * (1.0f / 16777216.0f);
}
"""


class CupyBackend(Backend):
    """CuPy on the current GPU; random arrays are made on the device (see the module)."""

    name = "cupy"
    device: Device = "gpu"

    def __init__(self, cupy):
        super().__init__(cupy)
        self.fused = True  # False: the generic code instead of the kernels (tests, benches)
        self._uniform = cupy.ElementwiseKernel(
            "uint64 seed", "T out", "out = (T)syn0_unit(seed, i);", "syn0_uniform", preamble=_HASH
        )
        # Box-Muller on two uniforms per element; 1 - u keeps the logarithm finite.
        self._normal = cupy.ElementwiseKernel(
            "uint64 seed",
            "T out",
            """
            float u = 1.0f - syn0_unit(seed, 2 * (unsigned long long)i);
            float v = syn0_unit(seed, 2 * (unsigned long long)i + 1);
            out = (T)(sqrtf(-2.0f * logf(u)) * cospif(2.0f * v));
            """,
            "syn0_normal",
            preamble=_HASH,
        )

        self._forward = {
            name: cupy.ElementwiseKernel(
                "T b", "T z", f"T v = z + b; z = {expr};", f"syn0_bias_{name}"
            )
            for name, expr in _FORWARD.items()
        }
        self._backward = {
            name: cupy.ElementwiseKernel("T a", "T g", f"g = {expr};", f"syn0_d_{name}")
            for name, expr in _BACKWARD.items()
        }
        self._momentum = {
            nesterov: cupy.ElementwiseKernel(
                "T g, T mu",
                "T p, T v",
                "v = mu * v + g; p += " + ("mu * v + g;" if nesterov else "v;"),
                "syn0_nesterov" if nesterov else "syn0_momentum",
            )
            for nesterov in (False, True)
        }
        self._adam = cupy.ElementwiseKernel(
            "T g, T b1c, T b2c, T step, T eps",
            "T p, T m, T v",
            """
            m += b1c * (g - m);
            v += b2c * (g * g - v);
            p -= step * (m / (sqrt(v) + eps));
            """,
            "syn0_adam",
        )

    def to_numpy(self, a: Any) -> np.ndarray:
        return self.xp.asnumpy(a)

    def bias_activation(self, z, b, activation):
        if not self.fused or activation not in self._forward:
            return False
        self._forward[activation](z.dtype.type(0) if b is None else b, z)
        return True

    def activation_grad(self, activation, a, grad):
        if not self.fused or activation not in self._backward:
            return False  # linear needs nothing; softmax is not elementwise
        self._backward[activation](a, grad)
        return True

    def momentum_step(self, p, g, v, mu, nesterov):
        if not self.fused:
            return False
        self._momentum[nesterov](g, p.dtype.type(mu), p, v)
        return True

    def adam_step(self, p, g, m, v, b1c, b2c, step, eps) -> bool:
        if not self.fused:
            return False
        scalar = p.dtype.type
        self._adam(g, scalar(b1c), scalar(b2c), scalar(step), scalar(eps), p, m, v)
        return True

    def uniform(self, rng, shape, dtype):
        return self._fill(self._uniform, rng, shape, dtype)

    def normal(self, rng, shape, dtype):
        return self._fill(self._normal, rng, shape, dtype)

    def _fill(self, kernel, rng: np.random.Generator, shape, dtype):
        out = self.xp.empty(shape, dtype=dtype)
        kernel(np.uint64(rng.integers(0, 2**63)), out)
        return out


NUMPY = Backend()
DEVICES: dict[str, str] = {"cpu": "numpy", "gpu": "cupy"}
_loaded: dict[str, Backend] = {"numpy": NUMPY}


def get_backend(name: str = "numpy") -> Backend:
    """The backend called ``name`` (``"numpy"`` or ``"cupy"``), made once per process."""
    if name not in ("numpy", "cupy"):
        raise ValueError(
            "Received an invalid value for `backend`, expected one of numpy, cupy. "
            f"Received: {name!r}"
        )
    if name not in _loaded:
        _loaded[name] = CupyBackend(importlib.import_module("cupy"))
    return _loaded[name]


# A GPU wins once a training step does enough arithmetic to hide its kernel launches.
# bench/gpu.py (docs/benchmarks.md): 784-256-128-10 at batch 128, a 0.18 GFLOP step,
# ran at 0.6-0.7x the speed of two CPU cores on an H100; at batch 1024, 1.4 GFLOP,
# 3.6-4.3x faster. Below 1 GFLOP ``auto`` stays on the CPU.
GPU_MIN_STEP_FLOPS = 1e9


def step_flops(flops_per_sample: int, batch_size: int | None, n_samples: int) -> float:
    """Forward and backward FLOPs of one training step: about 3x the forward pass."""
    return 3.0 * flops_per_sample * min(batch_size or n_samples, n_samples)


def choose_device(
    requested: str, flops: float, gpu_ready: bool, threshold: float = GPU_MIN_STEP_FLOPS
) -> Device:
    """``cpu`` or ``gpu`` for a requested ``cpu | gpu | auto`` and a step of ``flops``;
    ``auto`` takes the GPU only when one is ready and the step is large enough."""
    if requested != "auto":
        return requested
    return "gpu" if gpu_ready and flops >= threshold else "cpu"


def training_device(requested: str, flops: float) -> Device:
    """Where ``fit`` trains: ``requested`` (``cpu | gpu | auto``) for a step of ``flops``.
    A ``gpu`` request on a machine without a usable GPU is a ``SpecError``."""
    # Only a large enough ``auto`` step looks for a GPU (importing CuPy takes a while).
    wants_gpu = requested == "gpu" or (requested == "auto" and flops >= GPU_MIN_STEP_FLOPS)
    ready = wants_gpu and gpu_available()
    if requested == "gpu" and not ready:
        raise SpecError(
            "Received device=gpu, but this machine has no usable GPU (CuPy and a CUDA "
            "device; `pip install syn0[gpu]`); use device cpu or auto",
            loc=("training", "device"),
        )
    return choose_device(requested, flops, ready)


def gpu_available() -> bool:
    """True when CuPy imports and sees at least one GPU."""
    try:
        cupy = importlib.import_module("cupy")
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy, no driver, no device: each means no GPU here
        return False
