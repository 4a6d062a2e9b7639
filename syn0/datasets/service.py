"""Datasets: store checked arrays (``syn0.datasets.parsing`` makes them), generate, get
and delete, within the tenant's quota."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from syn0.core import DataError, glyphs
from syn0.core import datasets as generators
from syn0.core.targets import find_classes, infer_task
from syn0.datasets import repository as store
from syn0.datasets.limits import check_cells
from syn0.datasets.orm import Dataset
from syn0.datasets.parsing import Arrays
from syn0.datasets.schemas import GenerateIn
from syn0.kit.errors import Conflict, InvalidInput, QuotaExceeded
from syn0.kit.lookups import found
from syn0.settings import Settings
from syn0.tenants import repository as tenants


def _task_and_classes(
    y: np.ndarray, forced: str | None, max_classes: int
) -> tuple[str, list | None, int]:
    try:
        task = forced or infer_task(y)
    except DataError as exc:  # many distinct whole numbers: amounts or classes?
        raise InvalidInput(exc.message, exc.field) from exc
    if task == "regression":
        if y.dtype.kind not in "iuf":
            raise InvalidInput(
                "a regression dataset needs numeric targets; these are labels "
                f"({y.dtype}); use task=classification",
                "task",
            )
        return task, None, 1 if y.ndim == 1 else y.shape[1]
    if y.ndim != 1:
        raise InvalidInput(
            "classification targets must be one label per sample; received "
            f"shape {y.shape}; use task=regression for several columns",
            "targets",
        )
    classes = find_classes(y).tolist()
    if len(classes) > max_classes:
        raise InvalidInput(
            f"the targets hold {len(classes)} distinct class labels; the limit is "
            f"{max_classes} (SYN0_MAX_CLASSES); for numeric targets use task=regression",
            "targets",
        )
    return task, classes, len(classes)


# --- the service --------------------------------------------------------------------------


def create(session: Session, tenant_id: str, arrays: Arrays, settings: Settings) -> Dataset:
    """Store checked arrays for the tenant (flush only; the route commits, and an error
    here leaves nothing stored)."""
    task, classes, n_outputs = _task_and_classes(arrays.y, arrays.task, settings.max_classes)
    y = arrays.y.astype(np.float32) if task == "regression" else arrays.y
    dataset = store.add_dataset(
        session,
        tenant_id=tenant_id,
        name=arrays.name,
        task=task,
        X=arrays.X,
        y=y,
        classes=classes,
        generator=arrays.generator,
        n_outputs=n_outputs,
        feature_names=arrays.feature_names,
        target_name=arrays.target_name,
    )
    stored, quota = tenants.stored_bytes(session, tenant_id), settings.tenant_max_stored_bytes
    if stored > quota:
        size = len(dataset.data)
        raise QuotaExceeded(
            f"this dataset of {size:,} bytes would bring the tenant's stored datasets and "
            f"models to {stored:,} bytes, over its quota of {quota:,} (set by "
            "SYN0_TENANT_MAX_STORED_BYTES); delete datasets it no longer needs",
            limit=quota,
            value=stored,
        )
    return dataset


def generate(body: GenerateIn, settings: Settings) -> Arrays:
    if body.kind in generators.IMAGE_KINDS:
        return _generate_images(body, settings)
    for field in ("channels", "image_size"):
        if getattr(body, field) is not None:
            raise InvalidInput(
                f"`{field}` is for the image generators ({', '.join(generators.IMAGE_KINDS)}); "
                f"{body.kind} makes 2-D points: leave `{field}` out",
                field,
            )
    check_cells((body.n_samples, 2), settings, "the dataset")
    try:
        X, y = generators.generate(body.kind, body.n_samples, body.noise, body.seed)
    except DataError as exc:  # Keras-style: "Received an invalid value for `noise`, ..."
        raise InvalidInput(exc.message, exc.field) from exc
    name = body.name or f"{body.kind} ({body.n_samples}, noise {body.noise:g}, seed {body.seed})"
    settings_used = body.model_dump(include={"kind", "n_samples", "noise", "seed"})
    return Arrays(name, X.astype(np.float32), y, generators.task_of(body.kind), settings_used)


def _generate_images(body: GenerateIn, settings: Settings) -> Arrays:
    """Glyphs ``(n_samples, channels, image_size, image_size)``; the stored settings name
    the channels and size used, defaults included."""
    channels = body.channels or 1
    size = body.image_size or glyphs.DEFAULT_SIZE
    check_cells((body.n_samples, channels * size * size), settings, "the dataset")
    try:
        X, y = generators.glyphs(body.n_samples, body.noise, body.seed, channels, size)
    except DataError as exc:
        raise InvalidInput(exc.message, exc.field) from exc
    described = (
        f"{body.n_samples}, {channels}x{size}x{size}, noise {body.noise:g}, seed {body.seed}"
    )
    name = body.name or f"{body.kind} ({described})"
    settings_used = {
        **body.model_dump(include={"kind", "n_samples", "noise", "seed"}),
        "channels": channels,
        "image_size": size,
    }
    return Arrays(name, X, y, "classification", settings_used)


def get(session: Session, tenant_id: str, dataset_id: str) -> Dataset:
    dataset = found(store.get_dataset(session, tenant_id, dataset_id), "dataset", dataset_id)
    return dataset


def delete(session: Session, tenant_id: str, dataset_id: str) -> None:
    found(store.lock_dataset(session, tenant_id, dataset_id), "dataset", dataset_id)
    if store.dataset_in_use(session, dataset_id):
        raise Conflict(
            f"dataset {dataset_id!r} is used by a queued or running job; cancel "
            "the job or wait for it to finish, then delete the dataset"
        )
    store.delete_dataset(session, tenant_id, dataset_id)
