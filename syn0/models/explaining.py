"""Explain: one sample's forward and backward pass (``core.explain``) through a stored
model, read as predict reads it (``syn0.models.loader``), or through a job's model or
latest checkpoint (``syn0.jobs.service.checkpoint_network``, as the job's surface)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from syn0.core import DataError, Network
from syn0.core.explain import Explanation, count_values, explain
from syn0.datasets import repository as datasets
from syn0.jobs import service as job_service
from syn0.kit.errors import InvalidInput, LimitExceeded
from syn0.kit.features import names_of, order
from syn0.models.explain_schemas import ExplainIn, ExplainOut, LayerOut
from syn0.models.loader import ModelLoader


def for_model(
    loader: ModelLoader, tenant_id: str, model_id: str, body: ExplainIn, max_values: int
) -> ExplainOut:
    """The model as predict serves it, its network's lock held while it is read."""
    loaded = loader.load(tenant_id, model_id)
    sample = _sample(body, loaded.names, loaded.net)
    with loaded.lock:
        explained = _explain(loaded.net, sample, body.target, max_values)
    return present(explained, model_id=model_id, job_id=None, epoch=loaded.epoch)


def for_job(
    session: Session,
    loader: ModelLoader,
    tenant_id: str,
    job_id: str,
    body: ExplainIn,
    max_values: int,
) -> ExplainOut:
    """The job's model once it has one, else its latest checkpoint (409 before any)."""
    job = job_service.get(session, tenant_id, job_id)
    if job.model_id:
        out = for_model(loader, tenant_id, job.model_id, body, max_values)
        return out.model_copy(update={"job_id": job.id})
    net, epoch = job_service.checkpoint_network(session, job)
    dataset = datasets.get_dataset(session, tenant_id, job.dataset_id) if job.dataset_id else None
    names = names_of(dataset.feature_names if dataset else None, job.network["input_shape"])
    explained = _explain(net, _sample(body, names, net), body.target, max_values)
    return present(explained, model_id=None, job_id=job.id, epoch=epoch)


def _sample(body: ExplainIn, names: list[str] | None, net: Network) -> Any:
    """``input`` as given, or ``record``'s values in the order of the model's features."""
    if body.record is None:
        return body.input
    if names is None:
        raise InvalidInput(
            "record names the features of a model of flat inputs; this model reads images "
            f"of shape {list(net.spec.input_shape)}: send them as `input`",
            "record",
        )
    given = list(body.record)
    return [body.record[given[column]] for column in order(given, names, "record")]


def _explain(net: Network, sample: Any, target: Any, max_values: int) -> Explanation:
    values = count_values(net)
    if values > max_values:
        raise LimitExceeded(
            "the count of numbers in this network's explanation",
            values,
            max_values,
            "explain_max_values",
            "model_id",
        )
    try:
        return explain(net, sample, target)
    except DataError as exc:
        raise InvalidInput(exc.message, exc.field) from exc


def present(
    explained: Explanation, model_id: str | None, job_id: str | None, epoch: int | None
) -> ExplainOut:
    last = len(explained.layers) - 1
    layers = [
        LayerOut(
            index=trace.index,
            name=trace.name,
            type=trace.type,
            activation=trace.activation,
            output_shape=list(trace.output_shape),
            pre_activation=_listed(trace.pre_activation),
            activation_values=trace.activation_values.tolist(),
            weights=_listed(trace.weights),
            biases=_listed(trace.biases),
            weight_gradient=_listed(trace.weight_gradient),
            bias_gradient=_listed(trace.bias_gradient),
            output_gradient=trace.output_gradient.tolist(),
            output_gradient_of="pre_activation" if trace.index == last else "activation_values",
        )
        for trace in explained.layers
    ]
    return ExplainOut(
        model_id=model_id,
        job_id=job_id,
        epoch=epoch,
        loss=explained.loss,
        loss_name=explained.loss_name,
        output=explained.output.tolist(),
        probabilities=_listed(explained.probabilities),
        prediction=explained.prediction,
        input=explained.input.tolist(),
        input_gradient=explained.input_gradient.tolist(),
        layers=layers,
    )


def _listed(array: np.ndarray | None) -> list | None:
    return None if array is None else array.tolist()
