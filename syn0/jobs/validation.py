"""A job submit's checks, in one place for ``POST /v1/jobs``, ``/v1/jobs/validate`` and
each sweep point: the spec against its dataset, the initial weights' architecture, the
limits, and the device ``auto`` picks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from syn0.core import NetworkSpec, SpecError, check_against_dataset, summary
from syn0.core.backend import choose_device, step_flops
from syn0.core.compat import mismatch
from syn0.datasets import repository as datasets
from syn0.datasets.orm import Dataset
from syn0.jobs.orm import GPU
from syn0.jobs.schemas import EstimatedWork, JobIn, Validation
from syn0.kit.errors import InvalidInput, InvalidSpec, LimitExceeded
from syn0.kit.orm import utcnow
from syn0.models import repository as models
from syn0.settings import Settings
from syn0.workers import repository as workers


def validate(
    session: Session,
    tenant_id: str,
    body: JobIn,
    settings: Settings,
    dataset: Dataset | None = None,
) -> Validation:
    """Every check a submit runs, in order; raises on the first failure. ``dataset``: the
    body's row if the caller read it already (a sweep checks its points against one)."""
    dataset = dataset or dataset_of(session, tenant_id, body.dataset_id)
    network, training = body.network, body.training
    try:
        warnings = check_against_dataset(
            network,
            training,
            tuple(dataset.input_shape),
            dataset.task,
            dataset.n_outputs,
            n_samples=dataset.n_samples,
            classes=dataset.classes,
        )
        spec_summary = summary(network)
    except SpecError as exc:
        raise InvalidSpec.from_core(exc) from exc
    if training.initial_weights:
        _check_initial_weights(session, tenant_id, network, training.initial_weights.model_id)
    if spec_summary.total_params > settings.max_parameters:
        raise LimitExceeded(
            "the number of parameters",
            spec_summary.total_params,
            settings.max_parameters,
            "max_parameters",
            "network",
        )
    if (body.max_runtime_seconds or 0) > settings.max_runtime_seconds:
        raise LimitExceeded(
            "max_runtime_seconds",
            body.max_runtime_seconds,
            settings.max_runtime_seconds,
            "max_runtime_seconds",
            "max_runtime_seconds",
        )
    epoch_samples = training.epochs * dataset.n_samples
    if epoch_samples > settings.max_epoch_samples:
        raise LimitExceeded(
            f"epochs x samples ({training.epochs} x {dataset.n_samples})",
            epoch_samples,
            settings.max_epoch_samples,
            "max_epoch_samples",
            "training.epochs",
        )
    step = step_flops(spec_summary.total_flops, training.batch_size, dataset.n_samples)
    work = EstimatedWork(
        flops_per_sample=spec_summary.total_flops,
        samples=dataset.n_samples,
        epochs=training.epochs,
        total_flops=spec_summary.total_flops * epoch_samples,
        step_flops=step,
    )
    # ``auto`` picks a GPU only for a large step and only while a GPU worker is present.
    large = step >= settings.gpu_min_step_flops
    gpu_ready = training.device == "auto" and large and gpu_worker_seen(session, settings)
    return Validation(
        dataset_id=dataset.id,
        summary=spec_summary,
        estimated_work=work,
        device=choose_device(training.device, step, gpu_ready, settings.gpu_min_step_flops),
        warnings=warnings,
    )


def _check_initial_weights(
    session: Session, tenant_id: str, network: NetworkSpec, model_id: str
) -> None:
    """The tenant's model exists and the network is its architecture (``core.compat``)."""
    loc = "training.initial_weights.model_id"
    model = models.get_model(session, tenant_id, model_id)
    if model is None:
        raise InvalidInput(
            f"no model with id {model_id!r} to start from; list them with GET /v1/models", loc
        )
    different = mismatch(network, NetworkSpec.model_validate(model.network))
    if different:
        raise InvalidSpec(f"the network is not model {model_id}'s architecture: {different}", loc)


def gpu_worker_seen(session: Session, settings: Settings) -> bool:
    """A GPU worker has checked in within ``SYN0_WORKER_SEEN_SECONDS``."""
    since = utcnow() - timedelta(seconds=settings.worker_seen_seconds)
    return workers.seen_since(session, GPU, since)


def dataset_of(session: Session, tenant_id: str, dataset_id: str) -> Dataset:
    """The tenant's dataset, or a 422 on ``dataset_id``."""
    dataset = datasets.get_dataset(session, tenant_id, dataset_id)
    if dataset is None:
        raise InvalidInput(f"no dataset with id {dataset_id!r}; upload one first", "dataset_id")
    return dataset
