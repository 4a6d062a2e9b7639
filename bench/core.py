"""Time one training epoch of syn0's NumPy core next to PyTorch and scikit-learn.

Run by hand, never by the tests: ``make bench`` installs the ``bench`` extra
(scikit-learn and the CPU build of ``torch==2.13.0``) and runs
``.venv/bin/python bench/core.py``. Flags: ``--quick`` for a smoke run of a few
seconds, ``--only mlp|lenet|resnet|googlenet``, ``--threads N``, ``--repeats N``,
``--json PATH`` for the raw numbers, ``--no-layers`` to skip the per-layer breakdown.
The Markdown printed on stdout is meant for docs/benchmarks.md; progress goes to stderr.

Workloads, one epoch each on seeded synthetic data (labels from a random linear teacher):

* MLP 784-256-128-10 on 60,000 samples, batch 128, SGD (lr 0.01) and Adam (lr 1e-3);
* LeNet-5 on 1x28x28 inputs, 10,000 samples, batch 64, SGD (lr 0.01); scikit-learn
  has no convolutions, so its row is n/a (nor in the two below);
* a small ResNet (three residual blocks with batchnorm) and a GoogLeNet-style network
  (two inception blocks) on 3x32x32 inputs, 2,048 samples, batch 64, SGD (lr 0.01);
  bench/core_graphs.py describes both, in syn0 and in PyTorch (same parameter counts,
  asserted).

Every implementation runs with the same thread count: ``torch.set_num_threads`` for
PyTorch and threadpoolctl for NumPy's BLAS, which syn0 and scikit-learn share.
Timings on a small machine swing between processes, so all peers are measured in
one process, interleaved (per repeat and workload: syn0, torch, sklearn, in an order
that rotates between repeats, each after a half-second pause), after
one uncounted warm-up epoch each, and the table quotes medians with min-max.

Samples/s is the sample count over the wall time of the whole training call
(``time.perf_counter``): syn0's ``fit(..., epochs=1)`` with its data checks and
preparation, ``MLPClassifier.fit`` with ``max_iter=1``, and PyTorch's epoch loop
(shuffle, batch gathering, forward, backward, step). syn0's own epoch time
(``History`` ``seconds``: the batch loop plus the epoch's metrics) is quoted too.

The share of the GEMM peak counts 3x the forward FLOPs of ``core.summary`` per
training sample (the forward GEMMs and two backward GEMMs) against the best median
throughput of a 2048x2048 float32 matmul in NumPy or PyTorch under the same threads.

After the timed rounds, one more epoch of each convolutional workload runs with a timer
around every syn0 layer, and one under ``torch.profiler`` (bench/core_layers.py): the
tables of where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import sklearn
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits
from torch import nn

# This file is bench/core.py: run as a script, its folder comes first on sys.path and
# would shadow the `core` package, so the repository root takes that place.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [str(_BENCH.parent) if Path(p or ".").resolve() == _BENCH else p for p in sys.path]

from bench.core_graphs import (  # noqa: E402
    GOOGLENET_LAYERS,
    IMAGE,
    RESNET_LAYERS,
    torch_googlenet,
    torch_resnet,
    torch_size,
)
from bench.core_layers import syn0_layer_times, syn0_table, torch_op_table  # noqa: E402
from syn0.core import Network, NetworkSpec, TrainingSpec, fit, summary  # noqa: E402

N_CLASSES = 10
GEMM_SIZE = 2048
IMPLEMENTATIONS = ("syn0", "torch", "sklearn")
# Samples per epoch of each family: a full run, and --quick.
SAMPLES = {
    "mlp": (60_000, 6_000),
    "lenet": (10_000, 1_000),
    "resnet": (2_048, 256),
    "googlenet": (2_048, 256),
}

MLP_LAYERS = [
    {"type": "dense", "units": 256, "activation": "relu"},
    {"type": "dense", "units": 128, "activation": "relu"},
    {"type": "dense", "units": N_CLASSES, "activation": "softmax"},
]
LENET_LAYERS = [
    {"type": "conv2d", "filters": 6, "kernel_size": 5, "padding": "same", "activation": "relu"},
    {"type": "maxpool2d", "pool_size": 2},
    {"type": "conv2d", "filters": 16, "kernel_size": 5, "activation": "relu"},
    {"type": "maxpool2d", "pool_size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 120, "activation": "relu"},
    {"type": "dense", "units": 84, "activation": "relu"},
    {"type": "dense", "units": N_CLASSES, "activation": "softmax"},
]


@dataclass(frozen=True)
class Workload:
    name: str
    family: str  # mlp, lenet, resnet or googlenet: what --only selects, which data and model
    input_shape: tuple[int, ...]
    layers: list[dict]
    samples: int
    batch_size: int
    optimizer: str  # "sgd" or "adam", the same in every implementation
    learning_rate: float
    implementations: tuple[str, ...]

    def network_spec(self) -> NetworkSpec:
        return NetworkSpec(input_shape=list(self.input_shape), layers=self.layers)

    def training_spec(self) -> TrainingSpec:
        return TrainingSpec(
            loss="cross_entropy",
            epochs=1,
            batch_size=self.batch_size,
            optimizer={"type": self.optimizer, "learning_rate": self.learning_rate},
        )


@dataclass(frozen=True)
class Run:
    seconds: float  # the whole training call
    epoch_seconds: float | None  # syn0's History "seconds"; None for the peers
    dtype: str


def make_workloads(quick: bool, only: str | None) -> list[Workload]:
    samples = {family: counts[quick] for family, counts in SAMPLES.items()}
    mlp = {
        "family": "mlp",
        "input_shape": (784,),
        "layers": MLP_LAYERS,
        "samples": samples["mlp"],
        "batch_size": 128,
        "implementations": IMPLEMENTATIONS,
    }

    def images(name: str, family: str, shape: tuple[int, ...], layers: list[dict]) -> Workload:
        """Batch 64, SGD (lr 0.01), syn0 and PyTorch only (scikit-learn has no conv)."""
        return Workload(
            name, family, shape, layers, samples[family], 64, "sgd", 0.01, ("syn0", "torch")
        )

    workloads = [
        Workload("MLP 784-256-128-10, SGD", optimizer="sgd", learning_rate=0.01, **mlp),
        Workload("MLP 784-256-128-10, Adam", optimizer="adam", learning_rate=1e-3, **mlp),
        images("LeNet-5 1x28x28, SGD", "lenet", (1, 28, 28), LENET_LAYERS),
        images("ResNet, 3 blocks, 3x32x32, SGD", "resnet", IMAGE, RESNET_LAYERS),
        images(
            "GoogLeNet-style, 2 inception blocks, 3x32x32, SGD",
            "googlenet",
            IMAGE,
            GOOGLENET_LAYERS,
        ),
    ]
    return [w for w in workloads if only in (None, w.family)]


def synthetic(workload: Workload, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal float32 inputs; labels 0..9 from a fixed random linear teacher."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((workload.samples, *workload.input_shape), dtype=np.float32)
    teacher = rng.standard_normal((X[0].size, N_CLASSES), dtype=np.float32)
    y = (X.reshape(len(X), -1) @ teacher).argmax(axis=1)
    return X, y


# --- the three implementations ------------------------------------------------------------


def run_syn0(w: Workload, X: np.ndarray, y: np.ndarray) -> Run:
    net = Network(w.network_spec(), seed=0)
    start = time.perf_counter()
    history = fit(net, X, y, w.training_spec())
    seconds = time.perf_counter() - start
    return Run(seconds, history.epochs[0]["seconds"], str(net.dtype))


def torch_model(family: str) -> nn.Module:
    if family == "resnet":
        return torch_resnet()
    if family == "googlenet":
        return torch_googlenet()
    if family == "mlp":
        return nn.Sequential(
            nn.Linear(784, 256),
            nn.ReLU(),
            nn.Linear(256, 128),
            nn.ReLU(),
            nn.Linear(128, N_CLASSES),
        )
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, N_CLASSES),
    )


def check_same_networks(workloads: list[Workload]) -> None:
    """syn0's and PyTorch's network of each workload hold the same number of parameters."""
    for w in workloads:
        ours, theirs = summary(w.network_spec()).total_params, torch_size(torch_model(w.family))
        assert ours == theirs, f"{w.name}: syn0 has {ours} parameters, PyTorch {theirs}"


def run_torch(w: Workload, X: np.ndarray, y: np.ndarray) -> Run:
    torch.manual_seed(0)
    model = torch_model(w.family).train()
    optimizers = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
    optimizer = optimizers[w.optimizer](model.parameters(), lr=w.learning_rate)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    for idx in torch.randperm(len(X_t)).split(w.batch_size):
        optimizer.zero_grad()
        loss_fn(model(X_t[idx]), y_t[idx]).backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    return Run(seconds, None, str(next(model.parameters()).dtype).removeprefix("torch."))


def run_sklearn(w: Workload, X: np.ndarray, y: np.ndarray) -> Run:
    hidden = tuple(layer["units"] for layer in w.layers[:-1])
    model = MLPClassifier(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver=w.optimizer,
        alpha=0.0,
        batch_size=w.batch_size,
        learning_rate_init=w.learning_rate,
        max_iter=1,
        shuffle=True,
        random_state=0,
        tol=0.0,
        momentum=0.0,
        nesterovs_momentum=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    return Run(seconds, None, str(model.coefs_[0].dtype))


RUNNERS = {"syn0": run_syn0, "torch": run_torch, "sklearn": run_sklearn}
SETTLE_SECONDS = 0.5


def measure(
    workloads: list[Workload], data: dict, repeats: int
) -> dict[tuple[str, str], list[Run]]:
    """Interleaved epochs: one warm-up per (workload, implementation), then ``repeats`` rounds.

    Each round rotates which implementation of a workload goes first, and every timed
    epoch starts after a short pause: OpenMP and OpenBLAS worker threads spin for a
    while after a parallel region, and would otherwise slow whoever runs next.
    """
    plan = [(w, impl) for w in workloads for impl in w.implementations]
    print("warm-up", file=sys.stderr)
    for w, impl in plan:
        RUNNERS[impl](w, *data[w.family])
    runs: dict[tuple[str, str], list[Run]] = {(w.name, impl): [] for w, impl in plan}
    for r in range(repeats):
        print(f"repeat {r + 1}/{repeats}", file=sys.stderr)
        for w in workloads:
            shift = r % len(w.implementations)
            for impl in w.implementations[shift:] + w.implementations[:shift]:
                time.sleep(SETTLE_SECONDS)
                runs[w.name, impl].append(RUNNERS[impl](w, *data[w.family]))
    return runs


def where_time_goes(workloads: list[Workload], data: dict) -> tuple[list[str], dict]:
    """Per-layer tables (Markdown) of one more epoch of each convolutional workload,
    and their raw numbers: syn0's layers, then PyTorch's top operators."""
    lines, raw = [], {}
    for w in workloads:
        if w.family == "mlp":
            continue
        print(f"per-layer times: {w.name}", file=sys.stderr)
        X, y = data[w.family]
        time.sleep(SETTLE_SECONDS)
        rows, epoch, batches = syn0_layer_times(w.network_spec(), w.training_spec(), X, y)
        time.sleep(SETTLE_SECONDS)
        torch.manual_seed(0)
        ops = torch_op_table(torch_model(w.family), X, y, w.batch_size, w.learning_rate)
        lines += [
            f"#### {w.name}: syn0, ms per batch of {w.batch_size}",
            "",
            *syn0_table(rows, epoch, batches),
            "",
            f"#### {w.name}: PyTorch's top operators (torch.profiler, self CPU time)",
            "",
            *ops,
            "",
        ]
        raw[w.name] = {
            "epoch_seconds": epoch,
            "batches": batches,
            "layers": [asdict(r) for r in rows],
        }
    return lines, raw


# --- the machine ----------------------------------------------------------------------------


def gemm_gflops(repeats: int) -> dict[str, float]:
    """Median float32 GFLOP/s of a GEMM_SIZE^3 matmul in NumPy and in PyTorch."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((GEMM_SIZE, GEMM_SIZE), dtype=np.float32) for _ in range(2))
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    return {"numpy": _gflops(lambda: a @ b, repeats), "torch": _gflops(lambda: ta @ tb, repeats)}


def _gflops(matmul, repeats: int) -> float:
    matmul()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        matmul()
        times.append(time.perf_counter() - start)
    return 2 * GEMM_SIZE**3 / statistics.median(times) / 1e9


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown CPU"


def numpy_blas() -> str:
    build = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    loaded = [
        lib for lib in threadpool_info() if lib["user_api"] == "blas" and "numpy" in lib["filepath"]
    ]
    detail = ""
    if loaded:
        detail = f" ({loaded[0].get('architecture')} kernels, {loaded[0]['num_threads']} threads)"
    return f"{build['name']} {build['version']}{detail}"


def torch_blas() -> str:
    found = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    blas = found.group(1) if found else "unknown"
    return (
        f"{blas}, oneDNN {'on' if torch.backends.mkldnn.is_available() else 'off'}, "
        f"{torch.backends.cpu.get_cpu_capability()} ({torch.get_num_threads()} threads)"
    )


def machine_info(threads: int) -> dict[str, str]:
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{cpu_model()}, {os.cpu_count()} logical CPUs, "
        f"{platform.system()} {platform.release()} {platform.machine()}",
        "threads": str(threads),
        "versions": f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"PyTorch {torch.__version__}, scikit-learn {sklearn.__version__}",
        "numpy_blas": numpy_blas(),
        "torch_blas": torch_blas(),
    }


# --- the report -----------------------------------------------------------------------------


def rates(w: Workload, runs: list[Run]) -> list[float]:
    return [w.samples / run.seconds for run in runs]


def table_rows(w: Workload, runs: dict, peak: float) -> list[str]:
    flops = 3 * summary(w.network_spec()).total_flops
    syn0 = statistics.median(rates(w, runs[w.name, "syn0"]))
    rows = []
    for impl in IMPLEMENTATIONS:
        if impl not in w.implementations:
            rows.append(f"| {w.name} | {impl} | n/a | n/a | n/a | n/a | n/a | n/a | n/a |")
            continue
        per_s = rates(w, runs[w.name, impl])
        median = statistics.median(per_s)
        gflops = flops * median / 1e9
        ratio = paired = "—"
        if impl != "syn0":
            ratio = f"{syn0 / median:.2f}"
            # Peers in one round shared the machine's conditions: their ratio is steadier
            # than the ratio of medians when other load comes and goes.
            pairs = [a / b for a, b in zip(rates(w, runs[w.name, "syn0"]), per_s, strict=True)]
            paired = f"{statistics.median(pairs):.2f} ({min(pairs):.2f}-{max(pairs):.2f})"
        rows.append(
            f"| {w.name} | {impl} | {runs[w.name, impl][0].dtype} | {median:,.0f} | "
            f"{min(per_s):,.0f}-{max(per_s):,.0f} | {gflops:.1f} | {100 * gflops / peak:.1f}% "
            f"| {ratio} | {paired} |"
        )
    return rows


def report(
    info: dict,
    gemm: dict[str, float],
    workloads: list[Workload],
    runs: dict,
    repeats: int,
    layer_lines: list[str],
) -> str:
    peak = max(gemm.values())
    lines = [
        f"## Core training throughput, {info['date']}",
        "",
        f"- Machine: {info['machine']}",
        f"- Threads: {info['threads']} for every implementation "
        "(torch.set_num_threads; threadpoolctl for NumPy's BLAS, used by syn0 and scikit-learn)",
        f"- Versions: {info['versions']}",
        f"- BLAS: NumPy {info['numpy_blas']}; PyTorch {info['torch_blas']}",
        f"- float32 GEMM {GEMM_SIZE}x{GEMM_SIZE}x{GEMM_SIZE}: NumPy {gemm['numpy']:.1f} GFLOP/s, "
        f"PyTorch {gemm['torch']:.1f} GFLOP/s; peak taken as {peak:.1f} GFLOP/s",
        f"- One epoch per run, timed around the whole training call (time.perf_counter); "
        f"median and min-max of {repeats} interleaved run(s) after one warm-up each",
        "- GFLOP/s = 3 x forward FLOPs per sample (core.summary) x samples/s; "
        "syn0 / this = syn0's median samples/s over the row's; per round = the median "
        "(min-max) of syn0 / this within each round",
        "",
        "| Workload | Implementation | dtype | samples/s (median) | min-max | GFLOP/s "
        "| % of GEMM peak | syn0 / this | per round |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for w in workloads:
        lines += table_rows(w, runs, peak)
    lines += [
        "",
        "syn0's epoch alone (History `seconds`: batch loop and epoch metrics, "
        "without fit's data preparation), median samples/s:",
        "",
    ]
    for w in workloads:
        epoch = statistics.median(w.samples / r.epoch_seconds for r in runs[w.name, "syn0"])
        lines.append(f"- {w.name}: {epoch:,.0f}")
    if layer_lines:
        lines += ["", "### Where the time goes", "", *layer_lines]
    return "\n".join(lines)


def raw_numbers(
    info: dict, gemm: dict, workloads: list[Workload], runs: dict, layers: dict
) -> dict:
    return {
        "info": info,
        "gemm_gflops": gemm,
        "layer_times": layers,
        "workloads": [
            {
                "name": w.name,
                "samples": w.samples,
                "batch_size": w.batch_size,
                "optimizer": w.optimizer,
                "learning_rate": w.learning_rate,
                "forward_flops_per_sample": summary(w.network_spec()).total_flops,
                "runs": {
                    impl: [asdict(r) for r in runs[w.name, impl]] for impl in w.implementations
                },
            }
            for w in workloads
        ],
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count(),
        help="threads for every implementation (default: all CPUs)",
    )
    parser.add_argument("--repeats", type=int, help="interleaved rounds (default 5; 1 quick)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: a tenth of the samples (an eighth for ResNet and GoogLeNet), one round",
    )
    parser.add_argument("--only", choices=list(SAMPLES), help="run one workload family")
    parser.add_argument(
        "--no-layers", action="store_true", help="skip the per-layer tables of where time goes"
    )
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 5)
    workloads = make_workloads(args.quick, args.only)
    check_same_networks(workloads)
    data = {w.family: synthetic(w) for w in workloads}
    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads):
        info = machine_info(args.threads)
        print("GEMM peak", file=sys.stderr)
        gemm = gemm_gflops(3 if args.quick else 7)
        runs = measure(workloads, data, repeats)
        layer_lines, layers = [], {}
        if not args.no_layers:
            layer_lines, layers = where_time_goes(workloads, data)
    print(report(info, gemm, workloads, runs, repeats, layer_lines))
    if args.json:
        raw = raw_numbers(info, gemm, workloads, runs, layers)
        args.json.write_text(json.dumps(raw, indent=2))


if __name__ == "__main__":
    main()
