"""Networks and checkpoints as ``.npz`` bytes: the spec and state as a JSON header,
every array stored plainly. Nothing is pickled, so loading untrusted bytes is safe."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

from syn0.core import npz
from syn0.core.checks import summary
from syn0.core.errors import DataError, SpecError
from syn0.core.losses import LOSSES
from syn0.core.spec import NetworkSpec

NETWORK_FORMAT = "syn0.network/1"
CHECKPOINT_FORMAT = "syn0.checkpoint/1"
BOUND_ARRAYS = ("classes", "input_mean", "input_std", "target_mean", "target_std")


def network_to_bytes(net) -> bytes:
    header = {
        "format": NETWORK_FORMAT,
        "spec": net.spec.model_dump(mode="json"),
        "dtype": net.dtype.name,
        "loss": net.loss,
        "task": net.task,
    }
    arrays = {"params": net.backend.to_numpy(net.params)}
    for name in BOUND_ARRAYS:
        value = getattr(net, name)
        if value is not None:
            arrays[name] = value
    return npz.dump(header, arrays)


def network_from_bytes(data: bytes):
    """The network a weights file holds; ``DataError`` (field ``weights``) for a file that
    is not one, whose spec is invalid, or whose arrays do not fit that spec."""
    from syn0.core.network import Network

    header, arrays = _load(data, NETWORK_FORMAT)
    if header.get("dtype") not in ("float32", "float64") or "params" not in arrays:
        raise DataError("the weights file is incomplete or has an unknown dtype", field="weights")
    try:
        spec = NetworkSpec.model_validate(header.get("spec"))
        total = summary(spec).total_params
    except (ValidationError, SpecError) as exc:
        raise DataError(f"the weights file's spec is not valid: {exc}", field="weights") from exc
    params = arrays["params"]
    if params.ndim != 1 or params.dtype.kind not in "fiu" or params.size != total:
        raise DataError(
            f"the stored weights do not match the stored spec: it has {total} parameters, "
            f"the file's params array is {params.dtype} {params.shape}",
            field="weights",
        )
    if not np.isfinite(params).all():
        raise DataError("the weights hold NaN or infinite values", field="weights")
    net = Network(spec, dtype=header["dtype"])
    net.params[...] = params
    net.loss, net.task = header.get("loss"), header.get("task")
    net.classes = arrays.get("classes")
    net.input_mean, net.input_std = arrays.get("input_mean"), arrays.get("input_std")
    net.target_mean, net.target_std = arrays.get("target_mean"), arrays.get("target_std")
    _check_binding(net)
    return net


def _check_binding(net) -> None:
    """How the file says to read the network: a known loss and task, one class per output
    (two for a single unit), input statistics of the first layer's input shape."""
    if net.loss not in (None, *LOSSES) or net.task not in (None, "classification", "regression"):
        raise DataError(
            f"the weights file names an unknown loss {net.loss!r} or task {net.task!r}",
            field="weights",
        )
    if net.task == "classification":
        n = 0 if net.classes is None or net.classes.ndim != 1 else len(net.classes)
        if n != net.n_outputs and not (net.n_outputs == 1 and n == 2):
            raise DataError(
                f"a classifier's file needs a classes array of one label per output "
                f"({net.n_outputs}, or 2 for one unit); it has {n}",
                field="weights",
            )
    first = net.spec.first_layer_input()
    shapes = {"input": (first, "the input's shape"), "target": ((net.n_outputs,), "one per output")}
    for name in ("input_mean", "input_std", "target_mean", "target_std"):
        value = getattr(net, name)
        if value is None:
            continue
        shape, said = shapes[name.split("_")[0]]
        fits = value.dtype.kind in "fiu" and _broadcasts(value.shape, shape)
        if (
            not fits
            or not np.isfinite(value).all()
            or (name.endswith("_std") and (value <= 0).any())
        ):
            raise DataError(
                f"the weights file's {name} must be finite numbers of {said} {shape} "
                f"(a std above 0); it is {value.dtype} {value.shape}",
                field="weights",
            )
    if (net.target_mean is None) != (net.target_std is None) or (
        net.target_mean is not None and net.task == "classification"
    ):
        raise DataError(
            "the weights file's target_mean and target_std come together, for a regression",
            field="weights",
        )


def _broadcasts(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def network_from_upload(data: bytes, max_params: int, max_header_bytes: int):
    """``network_from_bytes`` for bytes from outside: every array's size is checked from
    its header before any is read (a compressed archive cannot expand unchecked), and
    arrays other than the format's are refused."""
    try:
        found = npz.shapes(data)
    except (ValueError, *npz.ZIP_ERRORS) as exc:
        raise DataError(f"not a {NETWORK_FORMAT} file: {exc}", field="weights") from exc
    # Bytes each array may take: the header's JSON, else 8 bytes a parameter.
    limits = {npz.HEADER: max_header_bytes}
    limits.update({name: 8 * max_params for name in ("params", *BOUND_ARRAYS)})
    for name, (shape, dtype) in found.items():
        if name not in limits:
            raise DataError(
                f"the weights file holds an array {name!r}; a {NETWORK_FORMAT} file holds "
                f"{', '.join(sorted(limits))}",
                field="weights",
            )
        size = int(np.prod(shape)) * dtype.itemsize
        if size > limits[name]:
            raise DataError(
                f"the weights file's {name} array takes {size:,} bytes, over the "
                f"{limits[name]:,} of any network within {max_params:,} parameters",
                field="weights",
            )
    return network_from_bytes(data)


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
    except (KeyError, ValueError, *npz.ZIP_ERRORS) as exc:
        raise DataError(f"not a {expected} file: {exc}", field="weights") from exc
    if not isinstance(header, dict) or header.get("format") != expected:
        header = header if isinstance(header, dict) else {}
        raise DataError(
            f"expected a {expected} file, received {header.get('format')!r}", field="weights"
        )
    return header, arrays
