"""Where a training epoch's time goes, layer by layer, in syn0 and in PyTorch.

syn0: every layer's ``forward`` and ``backward`` of a fresh network is wrapped in a
``time.perf_counter`` timer, and one epoch runs through ``fit``; what the layers do not
account for (gathering the batch, the loss, the optimizer step, the epoch's metrics) is
the remainder. The calls are synchronous, so wall time per call is the layer's cost.

PyTorch: ``torch.profiler`` over the same epoch loop as bench/core.py, by operator
(self CPU time: a convolution's own time, not that of the ops it calls).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from syn0.core import Network, NetworkSpec, TrainingSpec, fit, summary


@dataclass
class LayerTime:
    name: str
    type: str
    output_shape: tuple[int, ...]
    forward: float = 0.0  # seconds, summed over the epoch's batches
    backward: float = 0.0


def _timed(function, row: LayerTime, field: str):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        setattr(row, field, getattr(row, field) + time.perf_counter() - start)
        return result

    return timed


def syn0_layer_times(
    spec: NetworkSpec, training: TrainingSpec, X: np.ndarray, y: np.ndarray
) -> tuple[list[LayerTime], float, int]:
    """Per-layer times of one ``fit`` epoch, the epoch's seconds and its batch count."""
    net = Network(spec, seed=0)
    rows = []
    for layer, info in zip(net.layers, summary(spec).layers, strict=True):
        row = LayerTime(info.name, info.type, tuple(info.output_shape))
        layer.forward = _timed(layer.forward, row, "forward")
        layer.backward = _timed(layer.backward, row, "backward")
        rows.append(row)
    history = fit(net, X, y, training)
    batches = -(-len(X) // training.batch_size)
    return rows, history.epochs[0]["seconds"], batches


def syn0_table(rows: list[LayerTime], epoch: float, batches: int) -> list[str]:
    """A Markdown table of ms per batch by layer, then by layer type, then the rest."""
    ms = 1e3 / batches
    lines = [
        "| layer | type | output | forward ms | backward ms | share |",
        "|---|---|---|---:|---:|---:|",
    ]
    for r in rows:
        share = 100 * (r.forward + r.backward) / epoch
        shape = "x".join(map(str, r.output_shape))
        lines.append(
            f"| {r.name} | {r.type} | {shape} | {r.forward * ms:.2f} | {r.backward * ms:.2f} "
            f"| {share:.1f}% |"
        )
    by_type: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in rows:
        by_type[r.type][0] += r.forward
        by_type[r.type][1] += r.backward
    for kind, (fwd, bwd) in sorted(by_type.items(), key=lambda item: -sum(item[1])):
        share = 100 * (fwd + bwd) / epoch
        lines.append(f"| **all {kind}** | | | {fwd * ms:.2f} | {bwd * ms:.2f} | **{share:.1f}%** |")
    rest = epoch - sum(r.forward + r.backward for r in rows)
    lines.append(
        f"| **rest** (batch gather, loss, optimizer, metrics) | | | {rest * ms:.2f} | "
        f"| **{100 * rest / epoch:.1f}%** |"
    )
    lines.append(f"| **epoch** | | | {epoch * ms:.2f} per batch | | 100% |")
    return lines


def torch_op_table(
    model: nn.Module, X: np.ndarray, y: np.ndarray, batch_size: int, lr: float, top: int = 12
) -> list[str]:
    """The ``top`` operators of one PyTorch SGD epoch by self CPU time, ms per batch."""
    from torch.profiler import ProfilerActivity, profile

    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    batches = torch.randperm(len(X_t)).split(batch_size)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for idx in batches:
            optimizer.zero_grad()
            loss_fn(model(X_t[idx]), y_t[idx]).backward()
            optimizer.step()
    events = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in events)
    lines = ["| operator | calls per batch | self ms per batch | share |", "|---|---:|---:|---:|"]
    for e in events[:top]:
        lines.append(
            f"| `{e.key}` | {e.count / len(batches):.0f} | "
            f"{e.self_cpu_time_total / 1e3 / len(batches):.2f} | "
            f"{100 * e.self_cpu_time_total / total:.1f}% |"
        )
    return lines
