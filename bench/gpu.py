"""Training throughput of syn0's core on a GPU (CuPy) next to PyTorch CUDA eager.

Run by hand on a machine with a GPU, CuPy and PyTorch, never by the tests::

    python bench/gpu.py --json results.json

Workloads, on 60,000 seeded synthetic samples of 784 features with labels from a
random linear teacher, softmax + cross-entropy, ReLU hidden layers:

* MLP 784-4096-4096-10 at batch 1024 and 8192;
* MLP 784-256-128-10 at batch 128 and 1024;

each with SGD (lr 0.01, momentum 0.9) and Adam (lr 1e-3, epsilon 1e-7 in both).

syn0 trains through ``fit(..., device="gpu")``; PyTorch through the loop a user writes
(data on the GPU, ``randperm`` shuffle, gather, forward, ``cross_entropy``, backward,
``optimizer.step()`` with PyTorch's default multi-tensor Adam/SGD), summing the loss
and correct predictions on the GPU and reading them once per epoch, as syn0 does.
Both run in float32 without TF32 (each library's default; printed below).

A row is the median epoch time of ``--epochs`` epochs after one warm-up epoch
(kernel compilation, cuBLAS handles), as samples per second; implementations are
interleaved per round, ``--rounds`` rounds, and the table quotes the median round.
syn0's epoch time is ``History`` ``seconds`` (the batch loop and the epoch's metrics,
which read the device, so the GPU's work is done when it is taken); PyTorch's is a
``perf_counter`` around its epoch, closed by ``torch.cuda.synchronize()``.
"syn0, unfused" (big model only) runs the generic whole-array code instead of the
GPU's fused kernels (dense bias + activation, its derivative, the optimizer step).

``--device cpu`` measures syn0 on NumPy alone (this machine's CPU cores), for the
docs' comparison of when a GPU helps; ``--samples`` shrinks the data set there and
``--models`` picks the models.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np

# This file is bench/gpu.py: run as a script, its folder comes first on sys.path; the
# repository root takes that place so `core` is the package, not a sibling file.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [str(_BENCH.parent) if Path(p or ".").resolve() == _BENCH else p for p in sys.path]

from syn0.core import Network, NetworkSpec, TrainingSpec, fit, summary  # noqa: E402
from syn0.core.backend import get_backend  # noqa: E402

N_FEATURES, N_CLASSES = 784, 10
MODELS = {"784-4096-4096-10": [4096, 4096], "784-256-128-10": [256, 128]}
WORKLOADS = [
    ("784-4096-4096-10", 1024),
    ("784-4096-4096-10", 8192),
    ("784-256-128-10", 128),
    ("784-256-128-10", 1024),
]
OPTIMIZERS = {
    "sgd": {"type": "sgd", "learning_rate": 0.01, "momentum": 0.9},
    "adam": {"type": "adam", "learning_rate": 1e-3, "epsilon": 1e-7},
}


def data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, N_FEATURES), dtype=np.float32)
    teacher = rng.standard_normal((N_FEATURES, N_CLASSES), dtype=np.float32)
    return X, (X @ teacher).argmax(axis=1)


def network_spec(model: str) -> NetworkSpec:
    hidden = [{"type": "dense", "units": u, "activation": "relu"} for u in MODELS[model]]
    out = {"type": "dense", "units": N_CLASSES, "activation": "softmax"}
    return NetworkSpec(input_shape=[N_FEATURES], layers=[*hidden, out])


def syn0_run(X, y, model, batch, optimizer, epochs, device, fused=True):
    """Epoch seconds and last loss of ``fit`` on ``device``."""
    spec = TrainingSpec(
        loss="cross_entropy",
        epochs=epochs + 1,
        batch_size=batch,
        optimizer=OPTIMIZERS[optimizer],
        device=device,
    )
    backend = get_backend("cupy") if device == "gpu" else None
    if backend:
        backend.fused = fused
    try:
        history = fit(Network(network_spec(model), seed=0), X, y, spec)
    finally:
        if backend:
            backend.fused = True
    return history.metric("seconds")[1:], history.last["loss"]


def torch_run(X, y, model, batch, optimizer, epochs):
    import torch
    from torch import nn

    torch.manual_seed(0)
    dev = torch.device("cuda")
    sizes = [N_FEATURES, *MODELS[model]]
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    net = nn.Sequential(*layers, nn.Linear(sizes[-1], N_CLASSES)).to(dev)
    o = OPTIMIZERS[optimizer]
    if optimizer == "sgd":
        opt = torch.optim.SGD(net.parameters(), lr=o["learning_rate"], momentum=o["momentum"])
    else:
        opt = torch.optim.Adam(net.parameters(), lr=o["learning_rate"], eps=o["epsilon"])
    Xd, yd = torch.from_numpy(X).to(dev), torch.from_numpy(y).to(dev)
    n, seconds, loss = len(X), [], None
    for _ in range(epochs + 1):
        started = time.perf_counter()
        total = torch.zeros((), device=dev)
        correct = torch.zeros((), device=dev, dtype=torch.int64)
        order = torch.randperm(n, device=dev)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            xb, yb = Xd[idx], yd[idx]
            opt.zero_grad(set_to_none=True)
            logits = net(xb)
            batch_loss = nn.functional.cross_entropy(logits, yb)
            batch_loss.backward()
            opt.step()
            total += batch_loss.detach() * len(idx)
            correct += (logits.argmax(dim=1) == yb).sum()
        loss = total.item() / n  # waits for the GPU, as syn0's epoch metrics do
        correct.item()
        torch.cuda.synchronize()
        seconds.append(time.perf_counter() - started)
    return seconds[1:], loss


def gemm_peaks(size: int = 4096) -> dict[str, float]:
    """Median float32 GFLOP/s of a size^3 matmul in CuPy and in PyTorch."""
    import cupy
    import torch

    peaks = {}
    a, b = cupy.random.standard_normal((2, size, size), dtype=cupy.float32)
    ta, tb = torch.from_dlpack(a), torch.from_dlpack(b)
    for name, matmul, sync in (
        ("cupy", lambda: a @ b, cupy.cuda.Device().synchronize),
        ("torch", lambda: ta @ tb, torch.cuda.synchronize),
    ):
        for _ in range(3):
            matmul()
        sync()
        times = []
        for _ in range(20):
            started = time.perf_counter()
            matmul()
            sync()
            times.append(time.perf_counter() - started)
        peaks[name] = 2 * size**3 / statistics.median(times) / 1e9
    return peaks


def machine(device: str) -> dict:
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }
    if device == "gpu":
        import cupy
        import torch

        info.update(
            gpu=cupy.cuda.runtime.getDeviceProperties(0)["name"].decode(),
            cupy=cupy.__version__,
            cuda_runtime=cupy.cuda.runtime.runtimeGetVersion(),
            torch=torch.__version__,
            torch_tf32=torch.backends.cuda.matmul.allow_tf32,
            cupy_tf32=os.environ.get("CUPY_TF32", "0"),
            gemm_gflops=gemm_peaks(),
        )
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    args = parser.parse_args()

    X, y = data(args.samples)
    info = machine(args.device)
    print(json.dumps(info), file=sys.stderr)
    runs: list[dict] = []
    for model, batch in WORKLOADS:
        if model not in args.models:
            continue
        for optimizer in OPTIMIZERS:
            work = (X, y, model, batch, optimizer, args.epochs)
            impls = {"syn0": partial(syn0_run, *work, args.device)}
            if args.device == "gpu":
                impls["torch"] = partial(torch_run, *work)
                if model == "784-4096-4096-10":
                    impls["syn0, unfused"] = partial(syn0_run, *work, "gpu", fused=False)
            for round_ in range(args.rounds):
                for impl, run in impls.items():
                    seconds, loss = run()
                    rate = args.samples / statistics.median(seconds)
                    runs.append(
                        dict(
                            model=model,
                            batch=batch,
                            optimizer=optimizer,
                            impl=impl,
                            round=round_,
                            samples_per_s=rate,
                            epoch_seconds=seconds,
                            loss=loss,
                        )
                    )
                    print(
                        f"{model} b{batch} {optimizer} {impl}: {rate:,.0f}/s loss {loss:.4f}",
                        file=sys.stderr,
                    )
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "runs": runs}, indent=1))
    print(table(runs, args.samples))


def table(runs: list[dict], n: int) -> str:
    lines = [
        "| Workload | Implementation | samples/s | epoch | TFLOP/s | syn0 / this | loss |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    keys = dict.fromkeys((r["model"], r["batch"], r["optimizer"]) for r in runs)
    for model, batch, optimizer in keys:
        rows = [
            r for r in runs if (r["model"], r["batch"], r["optimizer"]) == (model, batch, optimizer)
        ]
        rates = {}
        for impl in dict.fromkeys(r["impl"] for r in rows):
            mine = [r for r in rows if r["impl"] == impl]
            rates[impl] = (statistics.median(r["samples_per_s"] for r in mine), mine[-1]["loss"])
        flops = 3 * summary(network_spec(model)).total_flops
        label = f"MLP {model}, {optimizer.upper() if optimizer == 'sgd' else 'Adam'}, batch {batch}"
        for impl, (rate, loss) in rates.items():
            ratio = "—" if impl == "syn0" else f"**{rates['syn0'][0] / rate:.2f}**"
            lines.append(
                f"| {label} | {impl} | {rate:,.0f} | {n / rate:.3f} s | "
                f"{rate * flops / 1e12:.2f} | {ratio} | {loss:.4f} |"
            )
            label = ""
    return "\n".join(lines)


if __name__ == "__main__":
    main()
