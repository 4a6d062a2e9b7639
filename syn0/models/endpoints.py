"""``/v1/models``: list, get, predict, evaluate, download the weights, export, import,
delete, replay."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from syn0.api.body_limit import read_body
from syn0.api.deps import DispatchDep, PageDep, RuntimeDep, SessionDep, SettingsDep
from syn0.jobs import lifecycle
from syn0.jobs import service as job_service
from syn0.jobs.schemas import JobOut
from syn0.kit import csv_io
from syn0.kit.errors import InvalidInput, UnsupportedMediaType
from syn0.kit.lookups import found
from syn0.kit.schemas import Page, keyed
from syn0.models import repository as store
from syn0.models import service as model_service
from syn0.models.evaluating import evaluate, evaluate_csv
from syn0.models.evaluation_schemas import EVALUATE_BODIES, EvaluateIn, EvaluationOut
from syn0.models.exporting import check_format, export
from syn0.models.importing import import_model
from syn0.models.loader import read_weights
from syn0.models.orm import Model
from syn0.models.predict_route import PredictRoute, predict_response
from syn0.models.schemas import ModelImport, ModelOut, PredictIn, PredictOut
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


@router.post(
    "/import",
    status_code=201,
    responses=keyed(403, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": ModelImport.model_json_schema()}},
        }
    },
)
async def import_weights(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: TrainKey,
) -> ModelOut:
    """A model from a network spec (form field ``network``, JSON) and a weights file
    (``file``, the ``.npz`` that ``GET /v1/models/{id}/weights`` gives): it predicts, can be
    registered, and can start a job's training (``training.initial_weights``). The
    weights must fit the spec's architecture and be finite (422 naming the first misfit);
    the tenant's storage quota applies (403). It has no job (``job_id`` null)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # A form without its file arrives urlencoded: read as a form, it is a 422 naming `file`.
    if media_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise UnsupportedMediaType(
            "send the network and the weights file as multipart/form-data; received "
            f"{media_type or 'no Content-Type'}"
        )
    async with request.form(max_files=1, max_fields=4) as form:
        network, upload = form.get("network"), form.get("file")
        if not isinstance(network, str):
            raise InvalidInput(
                "the form field `network` must hold the network spec as JSON", "network"
            )
        if not isinstance(upload, UploadFile):
            raise InvalidInput("the weights file goes in the form field `file`", "file")
        weights = await upload.read()

    def store_it() -> ModelOut:
        model = import_model(session, principal.tenant_id, network, weights, settings)
        session.commit()
        return ModelOut.model_validate(model)

    out = await run_in_threadpool(store_it)
    response.headers["Location"] = f"/v1/models/{out.id}"
    return out


@router.get("/{model_id}", responses=keyed(404))
def get_model(model: ModelDep) -> ModelOut:
    """The model, whether it is partial (a stopped job's, of ``epoch``), and its lineage:
    the job, the dataset and its sha256, the seed, the syn0 version."""
    return ModelOut.model_validate(model)


@router.delete("/{model_id}", status_code=204, responses=keyed(404, 409))
def delete_model(
    model_id: str, session: SessionDep, runtime: RuntimeDep, principal: TrainKey
) -> Response:
    """Delete the model and its weights: their bytes leave the tenant's quota at once,
    and predict answers 404 from then on. The job that trained it stays."""
    model_service.delete(session, principal.tenant_id, model_id)
    session.commit()
    runtime.models.forget(model_id)
    return Response(status_code=204)


@router.post("/{model_id}/replay", status_code=202, responses=keyed(404, 409, 422))
def replay_model(
    model_id: str,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    dispatch: DispatchDep,
    principal: TrainKey,
) -> JobOut:
    """A new job that trains the model's spec (network and training, its seed included)
    on the same dataset; the job's model then says in ``replay`` whether its weights'
    sha256 equals this model's. 409 when the dataset was deleted or is not the data the
    model was trained on (by sha256), or for a partial model."""
    job = lifecycle.replay(session, principal.tenant_id, model_id, settings)
    session.commit()
    job_service.send(dispatch, job)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_service.present(session, [job], settings)[0]


CSV_BODY = (
    "a header row naming the model's features (its signature's `feature_names`, in any "
    "order; its `target_name` column, if present, is ignored), then one row per sample"
)


async def predict(model_id: str, request: Request, principal: PredictKey) -> Response:
    """Outputs for ``inputs`` ``(n, *input_shape)``, or for ``records`` (one object of
    feature names and values per sample), or for a ``text/csv`` body whose header names
    the features; classifiers add ``labels`` in the dataset's own class values and
    ``probabilities`` (columns in ``classes`` order). ``Accept: text/csv`` answers CSV.
    Wrong shapes, and a missing or unknown feature name, are a 422 naming them."""
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
            200: {
                "model": PredictOut,
                "description": "Outputs (and labels, probabilities); with `Accept: text/csv`, "
                "CSV: `label` and `p_<class>` columns for a classifier, `output` (or "
                "`output_0`, …) for a regression",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            },
            **keyed(404, 413, 422, 500, 503),
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": PredictIn.model_json_schema()},
                    "text/csv": {"schema": {"type": "string", "description": CSV_BODY}},
                },
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


@router.post("/{model_id}/evaluate", responses=keyed(404, 415, 422), openapi_extra=EVALUATE_BODIES)
async def evaluate_model(
    model_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: TrainKey,
    target: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="a CSV body's target column"),
    ] = None,
) -> EvaluationOut:
    """The model's metrics on every sample of a stored dataset (`{"dataset_id"}`) or of a
    `text/csv` body (its features by name, in any order, and the target column): for
    classifiers accuracy, log loss, the confusion matrix labelled with the classes,
    per-class precision, recall, F1 and support, their macro and weighted averages, and
    ROC AUC for two classes; for regressions MSE, RMSE, MAE and R² (scikit-learn's
    numbers on the same predictions). A dataset of another task, input shape or target
    width, or with labels the model does not know, is a 422 naming ``dataset_id``; a CSV
    that does not fit, one naming ``body`` (or ``target``)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request)
    if media_type == csv_io.MEDIA_TYPE:
        report = await run_in_threadpool(
            evaluate_csv,
            session,
            principal.tenant_id,
            model_id,
            io.BytesIO(body.bytes()),
            target,
            settings,
        )
        return EvaluationOut(model_id=model_id, dataset_id=None, report=report)
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            'send {"dataset_id": ...} as application/json, or a CSV as text/csv; received '
            f"{media_type or 'no Content-Type'}"
        )
    try:
        asked = EvaluateIn.model_validate_json(body.bytes())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    report = await run_in_threadpool(
        evaluate, session, principal.tenant_id, model_id, asked.dataset_id
    )
    return EvaluationOut(model_id=model_id, dataset_id=asked.dataset_id, report=report)


@router.get(
    "/{model_id}/export",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The ONNX model"},
        **keyed(404, 422, 500),
    },
)
def export_model(
    model_id: str,
    session: SessionDep,
    principal: TrainKey,
    format: Annotated[str, Query(description="the file's format: onnx")] = "onnx",
) -> Response:
    """The model as a file other runtimes serve: ``format=onnx`` gives an ONNX model
    (opset 17) whose input ``input`` ``(n, *input_shape)`` is what predict takes, with
    the stored input normalization inside it, and whose outputs are ``outputs`` and, for
    classifiers, ``probabilities`` and ``labels``, as predict answers them. Another
    format is a 422 naming the formats there are."""
    check_format(format)
    model, content, filename = export(session, principal.tenant_id, model_id, format)
    return Response(
        content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "ETag": f'"{model.sha256}-{format}"',
        },
    )
