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
    xs, ys, points = _grid(query, query.grid)
    shape = (query.grid, query.grid)
    labels = None
    if net.task == "classification":
        _, proba = net.predict_with_proba(points)
        values = proba[:, -1] if proba.shape[1] == 2 else proba.max(axis=1)
        labels = proba.argmax(axis=1).reshape(shape).tolist()
    else:
        values = net.predict(points)[:, 0]
    _check_finite(values, net)
    views = _neurons(net, query) if query.neurons else {}
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
        neurons=views.get("neurons"),
        outputs=views.get("outputs"),
        neuron_grid=views.get("neuron_grid"),
        weights=views.get("weights"),
    )


def _grid(query: GridQuery, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The axes and the ``(n * n, 2)`` points; row i of a grid is ``ys[i]``, column j
    is ``xs[j]``."""
    xs = np.linspace(query.x_min, query.x_max, n)
    ys = np.linspace(query.y_min, query.y_max, n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def _neurons(net: Network, query: GridQuery) -> dict:
    """What the network drawing shows: each hidden unit's and each output's map (on the
    neurons' own, usually coarser, grid) and every dense layer's weights and biases, the
    links between them."""
    n = query.neuron_grid or query.grid
    _, _, points = _grid(query, n)
    hidden = net.hidden_activations(points)
    for _, activations in hidden:
        _check_finite(activations, net)
    if net.task == "classification":
        outputs = net.predict_proba(points)
    else:
        outputs = net.predict(points).reshape(len(points), -1)
    _check_finite(outputs, net)

    def grids(a: np.ndarray) -> list:
        return [a[:, unit].reshape(n, n).tolist() for unit in range(a.shape[1])]

    weights = [
        {
            "layer": index,
            "weights": net.backend.to_numpy(layer.W).tolist(),
            "biases": None if layer.b is None else net.backend.to_numpy(layer.b).tolist(),
        }
        for index, (layer, spec) in enumerate(zip(net.layers, net.spec.layers, strict=True))
        if spec.type == "dense"
    ]
    return {
        "neurons": [{"layer": index, "units": grids(a)} for index, a in hidden],
        "outputs": grids(outputs),
        "neuron_grid": n,
        "weights": weights,
    }


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
