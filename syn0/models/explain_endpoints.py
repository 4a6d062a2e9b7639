"""``POST /v1/models/{id}/explain``: one sample's forward and backward pass, per layer.
(The job's twin, ``POST /v1/jobs/{id}/explain``, is in ``syn0.jobs.endpoints``.)"""

from __future__ import annotations

from fastapi import APIRouter

from syn0.api.deps import RuntimeDep, SettingsDep
from syn0.kit.schemas import keyed
from syn0.models import explaining
from syn0.models.explain_schemas import ExplainIn, ExplainOut
from syn0.tenants.auth import PredictKey

router = APIRouter(prefix="/v1/models", tags=["models"])

DESCRIPTION = """One sample (`input`, or `record` by feature name) and its `target` through
the model: per layer the pre-activation, the output, the weights and biases with this
sample's gradients, and the gradient of the output; the sample's loss and what predict
answers. Inference mode: dropout off, batchnorm on its moving statistics; computed in
float64. An input or target that does not fit is a 422 naming it."""


@router.post("/{model_id}/explain", responses=keyed(404, 422), description=DESCRIPTION)
def explain_model(
    model_id: str,
    body: ExplainIn,
    runtime: RuntimeDep,
    settings: SettingsDep,
    principal: PredictKey,
) -> ExplainOut:
    return explaining.for_model(
        runtime.models, principal.tenant_id, model_id, body, settings.explain_max_values
    )
