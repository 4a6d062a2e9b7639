"""The big MLP's operations one by one on a GPU: CuPy (what syn0's core runs) next to
the PyTorch calls an ``nn.Linear`` + ReLU stack makes, at batch 1024 and 8192.

Run by hand on a GPU machine with CuPy and PyTorch: ``python bench/gpu_ops.py``. Each
line is the mean of 15 calls after 3 warm-up calls, timed on the host around a device
synchronize. It is how docs/benchmarks.md found where syn0 spent the time PyTorch did
not (elementwise passes, not matrix products), and what the fused kernels in
``core/backend.py`` save: "fused" rows are kernels of the same form.
"""

from __future__ import annotations

import time

import cupy as cp
import torch

WIDTH, INPUTS = 4096, 784


def timed(call, n: int = 15) -> float:
    """Milliseconds per call."""
    for _ in range(3):
        call()
    cp.cuda.Device().synchronize()
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(n):
        call()
    cp.cuda.Device().synchronize()
    torch.cuda.synchronize()
    return (time.perf_counter() - started) / n * 1e3


RELU_BIAS = cp.ElementwiseKernel("T b", "T z", "z = max(z + b, (T)0)", "relu_bias")
D_RELU = cp.ElementwiseKernel("T a", "T g", "g = a > (T)0 ? g : (T)0", "d_relu")


def cupy_operations(batch: int) -> dict[str, float]:
    rng = cp.random.default_rng(0)
    x = rng.standard_normal((batch, INPUTS), dtype=cp.float32)
    w1 = rng.standard_normal((INPUTS, WIDTH), dtype=cp.float32)
    w2 = rng.standard_normal((WIDTH, WIDTH), dtype=cp.float32)
    b = rng.standard_normal(WIDTH, dtype=cp.float32)
    h1, h2, dx = (cp.empty((batch, WIDTH), cp.float32) for _ in range(3))
    g = rng.standard_normal((batch, WIDTH), dtype=cp.float32)
    gw1, gw2 = cp.empty((INPUTS, WIDTH), cp.float32), cp.empty((WIDTH, WIDTH), cp.float32)
    gb, ones = cp.empty(WIDTH, cp.float32), cp.ones(batch, cp.float32)
    return {
        "x @ W1": timed(lambda: cp.matmul(x, w1, out=h1)),
        "h1 @ W2": timed(lambda: cp.matmul(h1, w2, out=h2)),
        "bias add": timed(lambda: h2.__iadd__(b)),
        "relu": timed(lambda: cp.maximum(h2, 0, out=h2)),
        "bias + relu, fused": timed(lambda: RELU_BIAS(b, h2)),
        "relu' (mask, multiply)": timed(lambda: cp.multiply(g, h2 > 0, out=g)),
        "relu', fused": timed(lambda: D_RELU(h2, g)),
        "gW2 = h1.T @ g": timed(lambda: cp.matmul(h1.T, g, out=gw2)),
        "gb = ones @ g": timed(lambda: cp.matmul(ones, g, out=gb)),
        "gb = g.sum(0)": timed(lambda: g.sum(axis=0, out=gb)),
        "dx = g @ W2.T": timed(lambda: cp.matmul(g, w2.T, out=dx)),
        "gW1 = x.T @ g": timed(lambda: cp.matmul(x.T, g, out=gw1)),
    }


def torch_operations(batch: int) -> dict[str, float]:
    def randn(*shape):
        return torch.randn(*shape, device="cuda")

    x, w1, w2, b = randn(batch, INPUTS), randn(WIDTH, INPUTS), randn(WIDTH, WIDTH), randn(WIDTH)
    h1, g = randn(batch, WIDTH), randn(batch, WIDTH)
    return {
        "addmm(b, x, W1.T)": timed(lambda: torch.addmm(b, x, w1.t())),
        "addmm(b, h1, W2.T)": timed(lambda: torch.addmm(b, h1, w2.t())),
        "h1 @ W2.T": timed(lambda: h1 @ w2.t()),
        "relu_": timed(lambda: h1.relu_()),
        "threshold_backward": timed(lambda: torch.ops.aten.threshold_backward(g, h1, 0)),
        "gW2 = g.T @ h1": timed(lambda: g.t() @ h1),
        "gW1 = g.T @ x": timed(lambda: g.t() @ x),
        "dx = g @ W2": timed(lambda: g @ w2),
        "gb = g.sum(0)": timed(lambda: g.sum(0)),
    }


def main() -> None:
    for batch in (1024, 8192):
        print(f"--- batch {batch}")
        for library, operations in (("cupy", cupy_operations), ("torch", torch_operations)):
            for name, ms in operations(batch).items():
                print(f"{library:6s} {name:24s} {ms:8.3f} ms")
            cp.get_default_memory_pool().free_all_blocks()
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
