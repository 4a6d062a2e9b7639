"""How datasets, jobs, models and metrics read in a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from rich.table import Table

from syn0.cli.common import console, dump, echo_json
from syn0.client import Dataset, Job, Metric, Model, Page

# The fields that say what a layer is; the rest are defaults most of the time.
LAYER_FIELDS = {
    "dense": ("units", "activation"),
    "conv2d": ("filters", "kernel_size", "activation"),
    "maxpool2d": ("pool_size",),
    "avgpool2d": ("pool_size",),
    "dropout": ("rate",),
    "activation": ("activation",),
}
# The score shown next to the loss, best first: validation beats training.
SCORES = ("val_accuracy", "val_r2", "accuracy", "r2")
METRIC_COLUMNS = (
    "loss", "val_loss", "accuracy", "val_accuracy", "mae", "val_mae", "r2", "val_r2",
    "learning_rate", "seconds",
)  # fmt: skip


def number(value: Any) -> str:
    return "-" if value is None else f"{value:.4g}"


def when(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def eta(seconds: float | None) -> str:
    return "-" if seconds is None else str(timedelta(seconds=round(seconds)))


def metrics_line(metrics: dict[str, Any] | None) -> str:
    """``loss 0.023  val_loss 0.039  val_accuracy 0.98``: the loss and the best score."""
    if not metrics:
        return ""
    score = next((key for key in SCORES if metrics.get(key) is not None), None)
    keys = ["loss", "val_loss", *([score] if score else [])]
    return "  ".join(
        f"{key} {number(metrics[key])}" for key in keys if metrics.get(key) is not None
    )


def network_line(network: dict[str, Any]) -> str:
    """``[2] -> dense(16, tanh) -> dropout(0.1) -> dense(2, softmax)``; a layer of a graph
    shows its name and what it reads: ``stem=conv2d(8, 3, relu)``, ``add(<- stem, res)``."""
    parts = [str(network.get("input_shape"))]
    for layer in network.get("layers", []):
        values = [str(layer[key]) for key in LAYER_FIELDS.get(layer["type"], ()) if key in layer]
        if layer.get("inputs"):
            values.insert(0, "<- " + ", ".join(layer["inputs"]))
        part = f"{layer['type']}({', '.join(values)})" if values else layer["type"]
        parts.append(f"{layer['name']}={part}" if layer.get("name") else part)
    return " -> ".join(parts)


def training_line(training: dict[str, Any]) -> str:
    """``cross_entropy, adam lr 0.01, 200 epochs, batch 32, validation 0.2``."""
    optimizer = training.get("optimizer", {})
    batch = training.get("batch_size")
    parts = [
        training.get("loss", "?"),
        f"{optimizer.get('type', '?')} lr {optimizer.get('learning_rate', '?')}",
        f"{training.get('epochs', '?')} epochs",
        f"batch {batch if batch else 'full'}",
    ]
    if training.get("validation_split"):
        parts.append(f"validation {training['validation_split']}")
    penalties = training.get("regularization") or {}
    parts += [f"{name} {value}" for name, value in penalties.items() if value]
    if training.get("normalize_targets"):
        parts.append("normalized targets")
    weights = training.get("class_weight")
    if weights == "balanced":
        parts.append("balanced classes")
    elif weights:
        parts.append("class weights " + " ".join(f"{k}={v}" for k, v in weights.items()))
    return ", ".join(parts)


def dataset_line(dataset: Dataset) -> str:
    """``spiral (500, noise 0.1, seed 0): classification, 500 samples of [2], classes [0, 1]``."""
    outputs = (
        f"classes {dataset.classes}" if dataset.classes is not None else f"{dataset.n_outputs} out"
    )
    return (
        f"{dataset.name}: {dataset.task}, {dataset.n_samples} samples of "
        f"{dataset.input_shape}, {outputs}"
    )


def fields(rows: Iterable[tuple[str, Any]]) -> Table:
    """A two-column ``name  value`` table for one resource."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, "-" if value in (None, "") else str(value))
    return table


def show_page(
    page: Page, as_json: bool, columns: Sequence[str], row: Callable[[Any], Sequence[Any]]
) -> None:
    """What every ``ls`` prints: the API's page as JSON, or a table of one ``row`` per
    item under ``columns``."""
    if as_json:
        echo_json(dump(page))
        return
    console().print(listing(columns, (row(item) for item in page.items)))


def listing(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    table = Table(*columns, box=None, pad_edge=False, header_style="bold")
    for row in rows:
        table.add_row(*("-" if value in (None, "") else str(value) for value in row))
    return table


def dataset_fields(dataset: Dataset) -> Table:
    return fields(
        [
            ("id", dataset.id),
            ("name", dataset.name),
            ("task", dataset.task),
            ("samples", dataset.n_samples),
            ("input_shape", dataset.input_shape),
            ("classes", dataset.classes if dataset.classes is not None else dataset.n_outputs),
            ("created", when(dataset.created_at)),
        ]
    )


def report_line(report: dict[str, Any] | None) -> str | None:
    """An evaluation report's headline numbers (``syn0 evaluate`` shows all of them)."""
    if report is None:
        return None
    names = ("mse", "rmse", "mae", "r2")
    if report["task"] == "classification":
        names = ("accuracy", "log_loss", "roc_auc")
    shown = ", ".join(
        f"{name} {number(report[name])}" for name in names if report[name] is not None
    )
    return f"{shown} ({report['n_samples']} samples)"


def job_fields(job: Job) -> Table:
    error = f"{job.error.type}: {job.error.detail}" if job.error else None
    return fields(
        [
            ("id", job.id),
            ("status", job.status),
            ("notice", job.notice),
            ("device", job.device),
            ("dataset", job.dataset_id),
            ("progress", f"epoch {job.progress.epoch}/{job.progress.epochs}"),
            ("metrics", metrics_line(job.latest_metrics)),
            ("model", job.model_id),
            ("validation report", report_line(job.evaluation)),
            ("resumed from", job.resumed_from),
            ("replay of", job.replay_of),
            ("error", error),
            ("network", network_line(job.network)),
            ("training", training_line(job.training)),
            ("created", when(job.created_at)),
            ("started", when(job.started_at)),
            ("finished", when(job.finished_at)),
        ]
    )


def model_fields(model: Model) -> Table:
    lineage = model.lineage
    replay = None
    if model.replay is not None:
        same = {True: "identical", False: "different", None: "unknown"}[model.replay.identical]
        replay = f"of {model.replay.of}: {same}"
    return fields(
        [
            ("id", model.id),
            ("partial", f"yes: the weights of epoch {model.epoch}" if model.partial else None),
            ("job", model.job_id or "none (imported, or its job was deleted)"),
            ("dataset", model.dataset_id),
            ("dataset sha256", lineage.dataset_sha256 if lineage else None),
            ("seed", lineage.seed if lineage else None),
            ("syn0", lineage.syn0_version if lineage else None),
            ("replay", replay),
            ("task", model.task),
            ("classes", model.classes),
            ("features", _features(model)),
            ("parameters", f"{model.n_params:,}"),
            ("metrics", metrics_line(model.metrics)),
            ("network", network_line(model.network)),
            ("training", training_line(model.training)),
            ("sha256", model.sha256),
            ("created", when(model.created_at)),
        ]
    )


def _features(model: Model) -> str | None:
    """The signature's feature names (and target), what `syn0 predict` matches a header to."""
    signature = model.signature
    if signature is None or signature.feature_names is None:
        return None
    target = f" (target {signature.target_name})" if signature.target_name else ""
    return ", ".join(signature.feature_names) + target


def metrics_table(rows: Sequence[Metric]) -> Table:
    """One row per epoch; only the columns this job reports."""
    dumped = [row.model_dump() for row in rows]
    columns = [name for name in METRIC_COLUMNS if any(d.get(name) is not None for d in dumped)]
    return listing(
        ["epoch", *columns],
        ([d["epoch"], *map(number, (d.get(c) for c in columns))] for d in dumped),
    )
