"""``/v1/datasets``: upload (JSON, CSV, .npz), generate, list, get, delete."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from syn0.api.body_limit import Body, read_body
from syn0.api.deps import PageDep, SessionDep, SettingsDep
from syn0.datasets import parsing
from syn0.datasets import repository as store
from syn0.datasets import service as dataset_service
from syn0.datasets.parsing import Arrays
from syn0.datasets.schemas import DatasetIn, DatasetOut, DatasetUpload, GenerateIn
from syn0.kit.errors import InvalidInput, UnsupportedMediaType
from syn0.kit.json_stream import STREAM_BODY_BYTES
from syn0.kit.schemas import Page, keyed
from syn0.settings import Settings
from syn0.surface import service as surface
from syn0.surface.schemas import PointsOut, PointsQuery
from syn0.tenants.auth import Principal, TrainKey

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": DatasetIn.model_json_schema()},
            "multipart/form-data": {"schema": DatasetUpload.model_json_schema()},
        },
    }
}
_TASKS = ("classification", "regression")


@router.post(
    "",
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    responses=keyed(413, 415, 422, 503),
    summary="Upload a dataset as JSON, or a CSV / .npz file as multipart/form-data",
)
async def create_dataset(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: TrainKey,
) -> DatasetOut:
    """The task is inferred from the targets unless given: boolean and string targets,
    and whole numbers with few distinct values (up to 10, or 20 while at most half the
    rows), are classes; more distinct whole numbers are a 422 asking for ``task``; other
    numbers are a regression. ``(n, h, w)`` images gain a channel axis, so
    ``input_shape`` is ``[1, h, w]``."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # Parsed in a worker thread, the body let go as it is parsed, before the arrays are
    # stored.
    if media_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=8) as form:
            arrays = await run_in_threadpool(_upload_parser(form, settings))
    elif media_type == "application/json" or media_type.endswith("+json"):
        arrays = await run_in_threadpool(_json_arrays, await read_body(request), settings)
    else:
        raise UnsupportedMediaType(
            f"send a dataset as application/json or multipart/form-data; received "
            f"{media_type or 'no Content-Type'}"
        )
    out = await run_in_threadpool(_store, session, principal, arrays, settings)
    response.headers["Location"] = f"/v1/datasets/{out.id}"
    return out


def _upload_parser(form: FormData, settings: Settings) -> Callable[[], Arrays]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput("a multipart upload needs the file in the form field `file`", "file")
    fields = {}
    for name in ("target", "name", "task"):
        value = form.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"the form field `{name}` must be text", name)
        fields[name] = value or None
    if fields["task"] not in (None, *_TASKS):
        raise InvalidInput(f"task must be one of {_TASKS}; received {fields['task']!r}", "task")
    return partial(
        parsing.from_upload, upload.file, upload.filename or "", settings=settings, **fields
    )


def _json_arrays(body: Body, settings: Settings) -> Arrays:
    """A body up to ``STREAM_BODY_BYTES`` through the schema, a larger one streamed
    straight into arrays (``api.json_stream``): the same checks, the same replies."""
    try:
        if len(body) > STREAM_BODY_BYTES:
            return parsing.from_large_json(body, settings)
        return parsing.from_json(DatasetIn.model_validate_json(body.bytes()), settings)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


def _store(
    session: Session, principal: Principal, arrays: Arrays, settings: Settings
) -> DatasetOut:
    dataset = dataset_service.create(session, principal.tenant_id, arrays, settings)
    session.commit()
    return DatasetOut.model_validate(dataset)


@router.post("/generate", status_code=201, responses=keyed(422))
def generate_dataset(
    body: GenerateIn,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: TrainKey,
) -> DatasetOut:
    """One of core's toy generators: the TensorFlow Playground's data sets and moons (2-D
    points), or glyphs (images of ten digit-like classes, `channels` x `image_size`²)."""
    out = _store(session, principal, dataset_service.generate(body, settings), settings)
    response.headers["Location"] = f"/v1/datasets/{out.id}"
    return out


@router.get("", responses=keyed(422))
def list_datasets(session: SessionDep, page: PageDep, principal: TrainKey) -> Page[DatasetOut]:
    """Newest first."""
    rows, next_cursor = store.list_datasets(session, principal.tenant_id, page.limit, page.cursor)
    return Page[DatasetOut](
        items=[DatasetOut.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/{dataset_id}", responses=keyed(404))
def get_dataset(dataset_id: str, session: SessionDep, principal: TrainKey) -> DatasetOut:
    return DatasetOut.model_validate(dataset_service.get(session, principal.tenant_id, dataset_id))


@router.get("/{dataset_id}/points", responses=keyed(404, 422))
def dataset_points(
    dataset_id: str,
    session: SessionDep,
    principal: TrainKey,
    query: Annotated[PointsQuery, Query()],
) -> PointsOut:
    """The samples of a dataset with two features, to plot; ``validation`` marks the
    ones a job with this ``validation_split`` and ``seed`` holds out for testing."""
    return surface.points(session, principal.tenant_id, dataset_id, query)


@router.delete("/{dataset_id}", status_code=204, responses=keyed(404, 409))
def delete_dataset(dataset_id: str, session: SessionDep, principal: TrainKey) -> Response:
    """Refused (409) while a queued or running job uses the dataset."""
    dataset_service.delete(session, principal.tenant_id, dataset_id)
    session.commit()
    return Response(status_code=204)
