"""Evaluate a stored model on a stored dataset of the tenant, or on a CSV sent with the
request: the report of ``syn0.core.evaluation`` on every sample."""

from __future__ import annotations

from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from syn0.core import DataError
from syn0.core.evaluation import evaluate as report_of
from syn0.datasets import repository as datasets
from syn0.datasets import tabular
from syn0.kit.errors import InvalidInput
from syn0.kit.features import names_of, order
from syn0.kit.lookups import found
from syn0.models import repository as models
from syn0.models.loader import network_of, read_weights
from syn0.settings import Settings


def evaluate(session: Session, tenant_id: str, model_id: str, dataset_id: str) -> dict[str, Any]:
    """The model's report on the dataset: 404 for an unknown model; 422 naming
    ``dataset_id`` for an unknown dataset, another task, another input shape or target
    width, or labels the model does not know.

    The network is read for this call alone, not taken from predict's cache: a long
    evaluation holds no lock that predict's requests would wait on."""
    model = found(models.get_model(session, tenant_id, model_id), "model", model_id)
    dataset = datasets.get_dataset(session, tenant_id, dataset_id)
    if dataset is None:
        raise InvalidInput(f"no dataset with id {dataset_id!r}; upload one first", "dataset_id")
    if dataset.task != model.task:
        raise InvalidInput(
            f"dataset {dataset_id} is a {dataset.task} dataset; model {model_id} is a "
            f"{model.task} model: evaluate it on a {model.task} dataset",
            "dataset_id",
        )
    X, y = datasets.load_arrays(session, tenant_id, dataset_id)
    net = network_of(model_id, read_weights(session, tenant_id, model_id)[1])
    try:
        return report_of(net, X, y)
    except DataError as exc:
        raise InvalidInput(
            f"dataset {dataset_id} does not fit model {model_id}: {exc.message}", "dataset_id"
        ) from exc


def evaluate_csv(
    session: Session,
    tenant_id: str,
    model_id: str,
    body: BinaryIO,
    target: str | None,
    settings: Settings,
) -> dict[str, Any]:
    """The model's report on a CSV of its features (by name, in any order) and the target
    column ``target`` (default: the model's own target name), read as a dataset upload
    reads one, within the same limits. Models of images take a ``dataset_id`` instead."""
    model = found(models.get_model(session, tenant_id, model_id), "model", model_id)
    expected = names_of(model.feature_names, model.network["input_shape"])
    if expected is None:
        raise InvalidInput(
            f"model {model_id} reads images; evaluate it on a stored dataset (`dataset_id`)",
            "body",
        )
    target = target or model.target_name
    if not target:
        raise InvalidInput(
            f"model {model_id} keeps no target column name; name the CSV's with `?target=`",
            "target",
        )
    X, y, names = tabular.parse_csv(
        body, target, settings.max_dataset_cells, settings.max_label_chars
    )
    X = X[:, order(names, expected, "the CSV header", "body")]
    net = network_of(model_id, read_weights(session, tenant_id, model_id)[1])
    try:
        return report_of(net, X, y)
    except DataError as exc:
        raise InvalidInput(f"the CSV does not fit model {model_id}: {exc.message}", "body") from exc
