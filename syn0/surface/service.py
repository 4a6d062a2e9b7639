"""What a plot of a two-input problem needs: a model, or a job's latest checkpoint,
evaluated on a grid (the decision boundary or fitted surface, and each hidden unit's
activation) in one reply rather than one predict call per pixel; and a dataset's points
with the split a job would hold out."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from syn0.core import Network
from syn0.core.prepare import held_out
from syn0.datasets import repository as datasets
from syn0.datasets import service as dataset_service
from syn0.jobs import service as job_service
from syn0.kit.errors import InvalidInput
from syn0.models.loader import ModelLoader
from syn0.surface.schemas import GridQuery, PointsOut, PointsQuery, SurfaceOut


def for_model(loader: ModelLoader, tenant_id: str, model_id: str, query: GridQuery) -> SurfaceOut:
    """The model as predict serves it (``syn0.models.loader``), one pass at a time."""
    loaded = loader.load(tenant_id, model_id)
    with loaded.lock:
        return evaluate(loaded.net, query, source="model", epoch=loaded.epoch)


def for_job(
    session: Session, loader: ModelLoader, tenant_id: str, job_id: str, query: GridQuery
) -> SurfaceOut:
    """The model once the job succeeded, else its latest checkpoint."""
    job = job_service.get(session, tenant_id, job_id)
    if job.model_id:
        return for_model(loader, tenant_id, job.model_id, query)
    net, epoch = job_service.checkpoint_network(session, job)
    return evaluate(net, query, source="checkpoint", epoch=epoch)


def evaluate(net: Network, query: GridQuery, source: str, epoch: int | None) -> SurfaceOut:
    if net.spec.input_shape != [2]:
        raise InvalidInput(
            f"a surface needs a network on two inputs; this one takes {net.spec.input_shape}",
            "input_shape",
        )
    xs = np.linspace(query.x_min, query.x_max, query.grid)
    ys = np.linspace(query.y_min, query.y_max, query.grid)
    gx, gy = np.meshgrid(xs, ys)  # row i is ys[i], column j is xs[j]
    points = np.column_stack([gx.ravel(), gy.ravel()])
    shape = (query.grid, query.grid)
    labels = None
    if net.task == "classification":
        _, proba = net.predict_with_proba(points)
        values = proba[:, -1] if proba.shape[1] == 2 else proba.max(axis=1)
        labels = proba.argmax(axis=1).reshape(shape).tolist()
    else:
        values = net.predict(points)[:, 0]
    _check_finite(values, net)
    neurons = None
    if query.neurons:
        hidden = net.hidden_activations(points)
        for _, activations in hidden:
            _check_finite(activations, net)
        neurons = [
            {
                "layer": index,
                "units": [a[:, unit].reshape(shape).tolist() for unit in range(a.shape[1])],
            }
            for index, a in hidden
        ]
    return SurfaceOut(
        source=source,
        epoch=epoch,
        task=net.task,
        classes=None if net.classes is None else net.classes.tolist(),
        grid=query.grid,
        x=xs.tolist(),
        y=ys.tolist(),
        values=values.reshape(shape).tolist(),
        labels=labels,
        neurons=neurons,
    )


def _check_finite(values: np.ndarray, net: Network) -> None:
    """A finite grid far outside the training data can overflow the model's arithmetic
    into infinities and NaN, which JSON cannot carry."""
    if not np.isfinite(values).all():
        raise InvalidInput(
            "the model's outputs on this grid are not finite: x_min..x_max and y_min..y_max "
            f"are too large for the model's {np.dtype(net.dtype).name} arithmetic; ask for a "
            "grid on the scale of the training data",
            "query",
        )


def points(session: Session, tenant_id: str, dataset_id: str, query: PointsQuery) -> PointsOut:
    dataset = dataset_service.get(session, tenant_id, dataset_id)
    if dataset.input_shape != [2]:
        raise InvalidInput(
            f"points are for datasets with two features; this one has samples of shape "
            f"{dataset.input_shape}",
            "dataset_id",
        )
    X, y = datasets.load_arrays(session, tenant_id, dataset_id)
    held = held_out(y, dataset.task, query.validation_split, query.seed)
    validation = np.zeros(len(X), dtype=bool)
    if held is not None:
        validation[held] = True
    n = query.limit
    return PointsOut(x=X[:n].tolist(), y=y[:n].tolist(), validation=validation[:n].tolist())
