"""The FastAPI app, built by ``create_app``: ``uvicorn --factory syn0.api.app:create_app``
(``syn0 serve``). Tests call it with their own settings and session factory; nothing here
is built at import time."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from syn0.api import docs, metrics, ops, web
from syn0.api.body_limit import BodyLimit
from syn0.api.deps import Runtime
from syn0.api.observe import Observe
from syn0.architectures import endpoints as architectures
from syn0.datasets import endpoints as datasets
from syn0.dispatch import Dispatcher
from syn0.events import endpoints as events
from syn0.jobs import endpoints as jobs
from syn0.kit import logs, problems
from syn0.kit import metrics as counted
from syn0.kit.db import Database
from syn0.models import endpoints as models
from syn0.models import explain_endpoints as explain
from syn0.predictions import endpoints as predictions
from syn0.registry import endpoints as registry
from syn0.settings import Settings, get_settings
from syn0.sweeps import endpoints as sweeps
from syn0.tenants import endpoints as tenants
from syn0.tenants import repository as tenants_store
from syn0.tenants.auth import OPEN_TENANT, Authenticate
from syn0.tenants.repository import SCOPES
from syn0.webhooks import endpoints as webhooks

log = logging.getLogger(__name__)
ADMIN_TENANT = "admin"  # the tenant of SYN0_ADMIN_KEY
NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False}
SWITCH_INTERVAL_SECONDS = 0.001

DESCRIPTION = """Neural-network training as a service: upload a dataset, submit a job
(a network spec and a training spec), follow its progress, then predict with the model.

Every error is `application/problem+json` (RFC 9457) with a stable `type`, a `title`,
the `status`, a human `detail` and, for input errors, `errors: [{loc, msg}]` naming
the failing field paths."""


def create_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    """An app on ``settings`` (default: the environment). Without ``session_factory``
    the engine is made on first use, in the process that serves."""
    settings = settings or get_settings()
    counted.configure(settings.metrics_dir)  # before the first metric is made
    runtime = Runtime(
        settings,
        Database(settings.database_url, session_factory),
        Dispatcher(settings.broker_url),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logs.configure(settings.log_format, settings.log_level)
        bootstrap(runtime)
        prepare_broker(runtime.dispatch)
        metrics.warn_if_off(runtime)
        # Large bodies are parsed in worker threads, which hold the GIL up to this long
        # before the event loop gets it back (Python's default: 5 ms, several times per
        # request served meanwhile).
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        yield
        runtime.dispose()
        counted.process_exited()

    app = FastAPI(
        title="syn0",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # syn0 exports no OpenTelemetry; FastAPI's own check for a configured provider
        # costs every request a few microseconds (about 2 % of a one-row predict).
        telemetry=NO_TELEMETRY,
        # Served by syn0.api.docs from an installed package, not a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    problems.install(app)
    # Each one added wraps those before it: the body limit, then the key of every /v1
    # request; CORS, so preflights need no key; outermost the request id, log line and
    # metrics of every request, refusals included.
    app.add_middleware(Authenticate, fastapi_app=app)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_request_bytes,
        max_in_flight=settings.max_body_bytes_in_flight,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "X-Request-ID",
                "Last-Event-ID",
            ],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(Observe)
    models.add_predict_route(app)
    registry.add_predict_route(app)
    modules = (
        datasets,
        jobs,
        events,
        models,
        explain,
        predictions,
        registry,
        sweeps,
        webhooks,
        architectures,
        tenants,
    )
    for module in (*modules, ops, metrics, docs, web):
        app.include_router(module.router)
    app.openapi = lambda: _openapi_with_problems(app)
    return app


def prepare_broker(dispatch: Dispatcher) -> None:
    """Make a database broker's tables and queues before the first send, safe against
    a worker starting at the same moment (``Dispatcher.prepare``). A broker that cannot
    be prepared is logged, not fatal: the API still starts and /readyz reports it, as it
    does for a broker server that is down."""
    try:
        dispatch.prepare()
    except Exception:
        # Not the URL: a database broker's may hold a password.
        log.exception("could not prepare the broker's tables and queues; each send will try")


def bootstrap(runtime: Runtime) -> None:
    """At start: store ``SYN0_ADMIN_KEY`` (the first admin's key) if it is new, and say
    loudly when auth is off."""
    settings = runtime.settings
    if not settings.auth:
        log.warning(
            "SYN0_AUTH=false: AUTHENTICATION IS OFF. Every request acts for the tenant "
            "'%s' with every scope; never expose this server to a network.",
            OPEN_TENANT,
        )
        return
    if settings.admin_key is None:
        return
    key = settings.admin_key.get_secret_value()
    if not tenants_store.KEY_FORMAT.match(key):
        raise ValueError(
            "SYN0_ADMIN_KEY is not an API key: make one with `syn0 keys generate` "
            "(syn0_<12 hex digits>_<43+ characters>)"
        )
    tenant_id = runtime.open_tenant(ADMIN_TENANT)
    try:
        _store_admin_key(runtime, tenant_id, key)
    except IntegrityError:  # another API process stored it first
        _store_admin_key(runtime, tenant_id, key)


def _store_admin_key(runtime: Runtime, tenant_id: str, key: str) -> None:
    """Store the key if its prefix is new. A key revoked (or rotated) since stays
    revoked: the API starts without it and says so, since the environment still names
    it after an operator rotated it away."""
    with runtime.sessions.begin() as session:
        row, stored = tenants_store.store_key_once(
            session, tenant_id, list(SCOPES), "SYN0_ADMIN_KEY", key
        )
        if stored:
            log.warning("stored SYN0_ADMIN_KEY as an admin key of the tenant %r", ADMIN_TENANT)
        elif not tenants_store.matches(row, key):
            log.warning(
                "SYN0_ADMIN_KEY is not stored: its prefix %s is another key's; make a fresh "
                "one with `syn0 keys generate`",
                row.prefix,
            )
        elif row.revoked_at is not None:
            log.warning(
                "SYN0_ADMIN_KEY (key %s) was revoked at %s and stays revoked; the API starts "
                "without it. Set SYN0_ADMIN_KEY to a live admin key, or unset it",
                row.prefix,
                row.revoked_at.isoformat(),
            )


def _openapi_with_problems(app: FastAPI) -> dict[str, Any]:
    """Every 4xx/5xx reply documented as ``application/problem+json`` with ``Problem``
    (FastAPI would list ``application/json`` and its own validation-error schema)."""
    if app.openapi_schema is None:
        schema = FastAPI.openapi(app)
        problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, reply in operation.get("responses", {}).items():
                    if status[:1] in "45":
                        reply["content"] = {"application/problem+json": problem}
        for name in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(name, None)
        _hoist_defs(schema["paths"], schema["components"]["schemas"])
    return app.openapi_schema


def _hoist_defs(node: Any, components: dict[str, Any]) -> None:
    """Schemas written inline by pydantic (a request body given as ``model_json_schema()``)
    carry their definitions in ``$defs`` and point at them as ``#/$defs/Name``, which a
    reader resolves from the document's root, where there is none (ReDoc stops with
    "Invalid reference token: $defs"). They become named components instead."""
    if isinstance(node, list):
        for item in node:
            _hoist_defs(item, components)
        return
    if not isinstance(node, dict):
        return
    for name, definition in node.pop("$defs", {}).items():
        components.setdefault(name, definition)
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        node["$ref"] = "#/components/schemas/" + ref.removeprefix("#/$defs/")
    for value in node.values():
        _hoist_defs(value, components)
