"""Batch predictions: ``POST /v1/models/{id}/predictions`` over a stored dataset, then
``/v1/predictions``: status, list, the result (CSV or JSON lines, streamed), delete."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from syn0.api.deps import DispatchDep, PageDep, RuntimeDep, SessionDep
from syn0.kit import csv_io
from syn0.kit.schemas import Page, keyed
from syn0.predictions import repository as store
from syn0.predictions import service
from syn0.predictions.schemas import BatchPredictionOut, PredictionsIn
from syn0.tenants.auth import TrainKey

router = APIRouter(tags=["predictions"])
JSON_LINES = "application/x-ndjson"


@router.post(
    "/v1/models/{model_id}/predictions",
    status_code=202,
    responses=keyed(403, 404, 422, 503),
)
def submit_prediction(
    model_id: str,
    body: PredictionsIn,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
    dispatch: DispatchDep,
    principal: TrainKey,
) -> BatchPredictionOut:
    """Predict every sample of a stored dataset, through the queue: 202 with the
    prediction, ``queued``; ``GET /v1/predictions/{id}`` follows it (``rows_done``), and
    once it has ``succeeded`` its result downloads from ``/v1/predictions/{id}/result``.
    A dataset whose samples do not fit the model is a 422 (by name when both name their
    features). At the tenant's storage quota it is a 403, as a job is. The prediction
    is deleted with its model."""
    quota = runtime.settings.tenant_max_stored_bytes
    prediction = service.submit(session, principal.tenant_id, model_id, body.dataset_id, quota)
    session.commit()
    service.send(dispatch, runtime.sessions, prediction)
    response.headers["Location"] = f"/v1/predictions/{prediction.id}"
    return BatchPredictionOut.model_validate(prediction)


@router.get("/v1/predictions", responses=keyed(422))
def list_predictions(
    session: SessionDep, page: PageDep, principal: TrainKey
) -> Page[BatchPredictionOut]:
    """Newest first."""
    rows, next_cursor = store.list_predictions(
        session, principal.tenant_id, page.limit, page.cursor
    )
    return Page[BatchPredictionOut](
        items=[BatchPredictionOut.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/v1/predictions/{prediction_id}", responses=keyed(404))
def get_prediction(
    prediction_id: str, session: SessionDep, principal: TrainKey
) -> BatchPredictionOut:
    return BatchPredictionOut.model_validate(
        service.get(session, principal.tenant_id, prediction_id)
    )


@router.get(
    "/v1/predictions/{prediction_id}/result",
    response_class=Response,
    responses={
        200: {
            "content": {csv_io.MEDIA_TYPE: {}, JSON_LINES: {}},
            "description": "`Accept: text/csv`: a header, then `row` and the model's "
            "columns (`label`, `p_<class>`… or `output`…); otherwise JSON lines "
            '`{"row", "outputs"[, "label", "probabilities"]}`, in row order',
        },
        **keyed(404, 409, 500),
    },
)
def prediction_result(
    prediction_id: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: TrainKey,
) -> Response:
    """The result of a succeeded prediction (409 before), streamed a chunk of rows at a
    time, so its size never sits whole in memory."""
    prediction, classes = service.result(session, principal.tenant_id, prediction_id)
    as_csv = csv_io.MEDIA_TYPE in request.headers.get("accept", "")
    media_type, suffix = (csv_io.MEDIA_TYPE, "csv") if as_csv else (JSON_LINES, "jsonl")
    content = service.stream(runtime.sessions, prediction.id, classes, as_csv)
    filename = f"prediction-{prediction.id}.{suffix}"
    return StreamingResponse(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.delete("/v1/predictions/{prediction_id}", status_code=204, responses=keyed(404))
def delete_prediction(prediction_id: str, session: SessionDep, principal: TrainKey) -> Response:
    """Delete the prediction and its result (a running one stops storing rows)."""
    service.delete(session, principal.tenant_id, prediction_id)
    session.commit()
    return Response(status_code=204)
