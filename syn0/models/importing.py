"""``POST /v1/models/import``: a network spec and a weights file (the ``.npz`` that
``GET /v1/models/{id}/weights`` gives) become a model no job trained.

The spec is checked as a job's is; the file's arrays are sized from their headers before
any is read, and its weights must fit the spec's architecture (``core.compat``: names,
``init`` and training-only settings may differ), hold finite numbers, and come with a
known loss and task (a file that names no task is read as a regression: predict returns
its outputs). The stored file is written anew from the checked network under the given
spec, so nothing else in the upload is kept.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from syn0.core import DataError, Network, NetworkSpec, SpecError, summary
from syn0.core.compat import mismatch
from syn0.core.serialization import network_from_upload
from syn0.kit import blobs
from syn0.kit.errors import (
    InvalidInput,
    InvalidSpec,
    LimitExceeded,
    QuotaExceeded,
    field_path,
)
from syn0.models.orm import Model
from syn0.settings import Settings
from syn0.tenants import repository as tenants


def import_model(
    session: Session, tenant_id: str, network: str, weights: bytes, settings: Settings
) -> Model:
    """Add the tenant's model (flushed, not committed; the route commits)."""
    spec = _spec(network, settings)
    try:
        loaded = network_from_upload(weights, settings.max_parameters, settings.max_request_bytes)
    except DataError as exc:
        raise InvalidInput(exc.message, "file") from exc
    different = mismatch(spec, loaded.spec, whose="the weights file's")
    if different:
        raise InvalidInput(f"the weights do not fit the network: {different}", "file")
    net = _under(spec, loaded)
    data = net.to_bytes()
    model = Model(
        tenant_id=tenant_id,
        job_id=None,
        dataset_id=None,
        network=spec.model_dump(mode="json"),
        # what a job's TrainingSpec stores: its dtype only when not the default
        training={} if net.dtype.name == "float32" else {"dtype": net.dtype.name},
        task=net.task,
        classes=None if net.classes is None else net.classes.tolist(),
        metrics={},
        n_params=int(net.params.size),
        sha256=blobs.sha256(data),
        weights=data,
    )
    session.add(model)
    session.flush()
    stored, quota = tenants.stored_bytes(session, tenant_id), settings.tenant_max_stored_bytes
    if stored > quota:
        raise QuotaExceeded(
            f"this model of {len(data):,} bytes would bring the tenant's stored datasets and "
            f"models to {stored:,} bytes, over its quota of {quota:,} (set by "
            "SYN0_TENANT_MAX_STORED_BYTES); delete what it no longer needs",
            limit=quota,
            value=stored,
        )
    return model


def _spec(text: str, settings: Settings) -> NetworkSpec:
    try:
        spec = NetworkSpec.model_validate_json(text)
        total = summary(spec).total_params
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = field_path(("network", *first["loc"]))
        raise InvalidSpec(first["msg"].removeprefix("Value error, "), loc) from None
    except SpecError as exc:
        raise InvalidSpec.from_core(exc) from exc
    if total > settings.max_parameters:
        raise LimitExceeded(
            "the number of parameters", total, settings.max_parameters, "max_parameters", "network"
        )
    return spec


def _under(spec: NetworkSpec, loaded: Network) -> Network:
    """``loaded``'s weights and how to read them, under ``spec``."""
    net = Network(spec, dtype=loaded.dtype.name)
    net.params[...] = loaded.params
    net.loss, net.task = loaded.loss, loaded.task or "regression"
    net.classes, net.input_mean, net.input_std = (
        loaded.classes,
        loaded.input_mean,
        loaded.input_std,
    )
    net.target_mean, net.target_std = loaded.target_mean, loaded.target_std
    return net
