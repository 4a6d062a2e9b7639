"""``/v1/models``: list, get, predict, download the weights."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response

from syn0.api.deps import PageDep, RuntimeDep, SessionDep
from syn0.kit.lookups import found
from syn0.kit.schemas import Page, keyed
from syn0.models import repository as store
from syn0.models.loader import read_weights
from syn0.models.orm import Model
from syn0.models.predict_route import PredictRoute, predict_response
from syn0.models.schemas import ModelOut, PredictIn, PredictOut
from syn0.surface import service as surface
from syn0.surface.schemas import GridQuery, SurfaceOut
from syn0.tenants.auth import PredictKey, TrainKey

router = APIRouter(prefix="/v1/models", tags=["models"])


def _model(model_id: str, session: SessionDep, principal: TrainKey) -> Model:
    model = found(store.get_model(session, principal.tenant_id, model_id), "model", model_id)
    return model


ModelDep = Annotated[Model, Depends(_model)]


@router.get("", responses=keyed(422))
def list_models(session: SessionDep, page: PageDep, principal: TrainKey) -> Page[ModelOut]:
    """Newest first."""
    rows, next_cursor = store.list_models(session, principal.tenant_id, page.limit, page.cursor)
    return Page[ModelOut](
        items=[ModelOut.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/{model_id}", responses=keyed(404))
def get_model(model: ModelDep) -> ModelOut:
    return ModelOut.model_validate(model)


async def predict(model_id: str, request: Request, principal: PredictKey) -> Response:
    """Outputs for ``inputs`` ``(n, *input_shape)``; classifiers add ``labels`` in the
    dataset's own class values and ``probabilities`` (columns in ``classes`` order).
    Wrong shapes are a 422 naming the expected shape."""
    return await predict_response(request.app.state.runtime.models, request, principal, model_id)


def add_predict_route(app: FastAPI) -> None:
    """Predict as the app's first route: the request other services send most is matched
    by one pattern, not after the API documents' routes and the included routers."""
    app.router.add_api_route(
        "/v1/models/{model_id}/predict",
        predict,
        methods=["POST"],
        tags=["models"],
        route_class_override=PredictRoute,
        response_class=Response,
        responses={
            200: {"model": PredictOut, "description": "Outputs (and labels, probabilities)"},
            **keyed(404, 413, 422, 500, 503),
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": PredictIn.model_json_schema()}},
            }
        },
    )
    app.router.routes.insert(0, app.router.routes.pop())


@router.get("/{model_id}/surface", responses=keyed(404, 422))
def model_surface(
    model_id: str,
    runtime: RuntimeDep,
    principal: TrainKey,
    query: Annotated[GridQuery, Query()],
) -> SurfaceOut:
    """The model on a grid over its two inputs: outputs, predicted labels and (with
    ``neurons=true``) each hidden unit's activation."""
    return surface.for_model(runtime.models, principal.tenant_id, model_id, query)


@router.get(
    "/{model_id}/weights",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The .npz file"},
        **keyed(404, 500),
    },
)
def download_weights(model_id: str, session: SessionDep, principal: TrainKey) -> Response:
    """The ``.npz`` file ``core.Network.from_bytes`` reads (checked against its sha256)."""
    model, weights = read_weights(session, principal.tenant_id, model_id)
    return Response(
        weights,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="model-{model.id}.npz"',
            "ETag": f'"{model.sha256}"',
        },
    )
