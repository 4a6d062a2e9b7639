"""Networks and checkpoints as ``.npz`` bytes: the spec and state as a JSON header,
every array stored plainly. Nothing is pickled, so loading untrusted bytes is safe."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from syn0.core import npz
from syn0.core.checks import summary
from syn0.core.errors import DataError
from syn0.core.spec import NetworkSpec

NETWORK_FORMAT = "syn0.network/1"
CHECKPOINT_FORMAT = "syn0.checkpoint/1"
BOUND_ARRAYS = ("classes", "input_mean", "input_std")


def network_to_bytes(net) -> bytes:
    header = {
        "format": NETWORK_FORMAT,
        "spec": net.spec.model_dump(mode="json"),
        "dtype": net.dtype.name,
        "loss": net.loss,
        "task": net.task,
    }
    arrays = {"params": net.backend.to_numpy(net.params)}
    for name in ("classes", "input_mean", "input_std"):
        value = getattr(net, name)
        if value is not None:
            arrays[name] = value
    return npz.dump(header, arrays)


def network_from_bytes(data: bytes):
    from syn0.core.network import Network

    header, arrays = _load(data, NETWORK_FORMAT)
    if header.get("dtype") not in ("float32", "float64") or "params" not in arrays:
        raise DataError("the weights file is incomplete or has an unknown dtype", field="weights")
    spec = NetworkSpec.model_validate(header["spec"])
    if arrays["params"].size != summary(spec).total_params:
        raise DataError("the stored weights do not match the stored spec", field="weights")
    net = Network(spec, dtype=header["dtype"])
    net.params[...] = arrays["params"]
    net.loss, net.task = header.get("loss"), header.get("task")
    net.classes = arrays.get("classes")
    net.input_mean, net.input_std = arrays.get("input_mean"), arrays.get("input_std")
    return net


@dataclass
class Checkpoint:
    """Everything needed to resume training after ``epoch`` bit for bit, and nothing
    that grows with the epochs: its size is the same after epoch 10 and epoch 60,000
    (the epochs' metrics are ``fit``'s ``history``, kept by the caller)."""

    epoch: int
    params: np.ndarray
    optimizer: dict[str, Any]
    schedule: dict[str, Any]
    rng: dict[str, Any]
    early_stopping: dict[str, Any] | None = None
    # How to read the network at this point (see ``Network.load_checkpoint``): loss,
    # task, and the arrays ``classes``, ``input_mean``, ``input_std`` (or None).
    binding: dict[str, Any] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        arrays = {"params": self.params}
        for name in BOUND_ARRAYS:
            if self.binding.get(name) is not None:
                arrays[f"binding.{name}"] = self.binding[name]
        bound = {k: v for k, v in self.binding.items() if k not in BOUND_ARRAYS}
        optimizer = {}
        for name, value in self.optimizer.items():
            if isinstance(value, np.ndarray):
                arrays[f"optimizer.{name}"] = value
            else:
                optimizer[name] = value
        stopping = None
        if self.early_stopping is not None:
            stopping = {k: v for k, v in self.early_stopping.items() if k != "best_params"}
            if self.early_stopping["best_params"] is not None:
                arrays["best_params"] = self.early_stopping["best_params"]
        header = {
            "format": CHECKPOINT_FORMAT,
            "epoch": self.epoch,
            "optimizer": optimizer,
            "schedule": self.schedule,
            "rng": self.rng,
            "early_stopping": stopping,
            "binding": bound,
        }
        return npz.dump(header, arrays)

    @classmethod
    def from_bytes(cls, data: bytes) -> Checkpoint:
        """Checkpoints written before the metrics left them still load (their ``history``
        is not read)."""
        header, arrays = _load(data, CHECKPOINT_FORMAT)
        optimizer = dict(header["optimizer"])
        for name, value in arrays.items():
            if name.startswith("optimizer."):
                optimizer[name.removeprefix("optimizer.")] = value
        stopping = header["early_stopping"]
        if stopping is not None:
            stopping["best_params"] = arrays.get("best_params")
        binding = dict(header.get("binding") or {})
        binding.update({name: arrays.get(f"binding.{name}") for name in BOUND_ARRAYS})
        return cls(
            epoch=header["epoch"],
            params=arrays["params"],
            optimizer=optimizer,
            schedule=header["schedule"],
            rng=header["rng"],
            early_stopping=stopping,
            binding=binding,
        )


def _load(data: bytes, expected: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        header, arrays = npz.load(data)
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"not a {expected} file: {exc}", field="weights") from exc
    if header.get("format") != expected:
        raise DataError(
            f"expected a {expected} file, received {header.get('format')!r}", field="weights"
        )
    return header, arrays
