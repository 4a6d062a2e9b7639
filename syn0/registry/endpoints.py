"""``/v1/registry``: names for models, numbered versions, aliases (with their history and
rollback), and predict by name (``syn0.registry.predict``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request, Response

from syn0.api.deps import PageDep, RuntimeDep, SessionDep
from syn0.kit.schemas import Page, keyed
from syn0.models.schemas import PredictIn
from syn0.registry import predict as by_name
from syn0.registry import repository as store
from syn0.registry import service
from syn0.registry.schemas import (
    ALIAS_PATTERN,
    ALIAS_RULE,
    NAME_PATTERN,
    NAME_RULE,
    AliasIn,
    AliasOut,
    RegisteredDetail,
    RegisteredIn,
    RegisteredOut,
    RegistryPredictOut,
    VersionIn,
    VersionOut,
)
from syn0.tenants.auth import PredictKey, TrainKey

router = APIRouter(prefix="/v1/registry", tags=["registry"])

# The patterns are documented here and checked by the service, whose 422 says the rule.
Name = Annotated[str, Path(description=NAME_RULE, json_schema_extra={"pattern": NAME_PATTERN})]
Alias = Annotated[str, Path(description=ALIAS_RULE, json_schema_extra={"pattern": ALIAS_PATTERN})]


@router.get("", responses=keyed(422))
def list_registered(session: SessionDep, page: PageDep, principal: TrainKey) -> Page[RegisteredOut]:
    """Registered models with their aliases, newest first."""
    rows, next_cursor = store.list_registered(session, principal.tenant_id, page.limit, page.cursor)
    return Page[RegisteredOut](items=service.summaries(session, rows), next_cursor=next_cursor)


@router.get("/{name}", responses=keyed(404, 422))
def get_registered(name: Name, session: SessionDep, principal: TrainKey) -> RegisteredDetail:
    """The versions (each with its model's final metrics and its dataset's sha256), the
    aliases and every move they made."""
    return service.detail(session, service.get(session, principal.tenant_id, name))


@router.put(
    "/{name}", responses={201: {"model": RegisteredOut, "description": "Created"}, **keyed(422)}
)
def put_registered(
    name: Name, body: RegisteredIn, response: Response, session: SessionDep, principal: TrainKey
) -> RegisteredOut:
    """Create the name (201) or update its description and tags (200); a field left
    out keeps its value."""
    registered, created = service.put(session, principal.tenant_id, name, body)
    session.commit()
    if created:
        response.status_code = 201
    response.headers["Location"] = f"/v1/registry/{name}"
    (out,) = service.summaries(session, [registered])
    return out


@router.post("/{name}/versions", status_code=201, responses=keyed(404, 409, 422))
def register_version(
    name: Name, body: VersionIn, session: SessionDep, principal: TrainKey
) -> VersionOut:
    """The model as the next version of the name: 1, 2, ... A model is one version per
    name (409 naming it); a model that is a version cannot be deleted."""
    out = service.register(session, principal, name, body.model_id)
    session.commit()
    return out


@router.put(
    "/{name}/aliases/{alias}",
    responses={201: {"model": AliasOut, "description": "Created"}, **keyed(404, 422)},
)
def set_alias(
    name: Name,
    alias: Alias,
    body: AliasIn,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: TrainKey,
) -> AliasOut:
    """Point the alias at a version (201 when the alias is new); every move is kept in
    the history. A version the name does not have is a 422."""
    out, created = service.set_alias(session, principal, name, alias, body.version)
    session.commit()
    runtime.registry.forget(principal.tenant_id, name)
    if created:
        response.status_code = 201
    return out


@router.post("/{name}/aliases/{alias}/rollback", responses=keyed(404, 409, 422))
def rollback_alias(
    name: Name, alias: Alias, session: SessionDep, runtime: RuntimeDep, principal: TrainKey
) -> AliasOut:
    """Point the alias back at the version it left on its last move, undoing moves one
    by one; 409 when it has pointed at one version since it was made."""
    out = service.rollback(session, principal, name, alias)
    session.commit()
    runtime.registry.forget(principal.tenant_id, name)
    return out


@router.delete("/{name}/aliases/{alias}", status_code=204, responses=keyed(404, 422))
def delete_alias(
    name: Name, alias: Alias, session: SessionDep, runtime: RuntimeDep, principal: TrainKey
) -> Response:
    """Remove the alias (the history keeps the removal)."""
    service.unalias(session, principal, name, alias)
    session.commit()
    runtime.registry.forget(principal.tenant_id, name)
    return Response(status_code=204)


async def predict(name: Name, request: Request, principal: PredictKey) -> Response:
    """Predict with the version the alias points at (``?alias=production``), or with a
    version (``?version=2``): the body and the reply of ``POST /v1/models/{id}/predict``,
    plus ``version`` and ``alias`` in the reply and in headers. An alias moved by another
    API process is followed within ``SYN0_REGISTRY_CACHE_SECONDS``."""
    return await by_name.respond(request, principal, name)


_SELECTOR_DOC = "give exactly one of `alias` and `version`"


def add_predict_route(app: FastAPI) -> None:
    """Predict by name, second among the app's routes (after predict by id)."""
    app.router.add_api_route(
        "/v1/registry/{name}/predict",
        predict,
        methods=["POST"],
        tags=["registry"],
        route_class_override=by_name.RegistryPredictRoute,
        response_class=Response,
        responses={
            200: {
                "model": RegistryPredictOut,
                "description": "model predict's reply, plus the version and the alias",
                "headers": {
                    "Syn0-Model-Id": {"schema": {"type": "string"}},
                    "Syn0-Model-Version": {"schema": {"type": "string"}},
                    "Syn0-Model-Alias": {
                        "schema": {"type": "string"},
                        "description": "with ?alias= only",
                    },
                },
            },
            **keyed(404, 413, 422, 500, 503),
        },
        openapi_extra={
            "parameters": [
                {
                    "name": "alias",
                    "in": "query",
                    "required": False,
                    "description": f"the alias to follow; {_SELECTOR_DOC}",
                    "schema": {"type": "string", "pattern": ALIAS_PATTERN},
                },
                {
                    "name": "version",
                    "in": "query",
                    "required": False,
                    "description": f"a version number; {_SELECTOR_DOC}",
                    "schema": {"type": "integer", "minimum": 1},
                },
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": PredictIn.model_json_schema()}},
            },
        },
    )
    app.router.routes.insert(1, app.router.routes.pop())
