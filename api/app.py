"""The FastAPI app: ``uvicorn api.app:app``. Tests call ``create_app`` with their own
settings and session factory."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.orm import Session, sessionmaker

from api import datasets, errors, jobs, models, ops, tenants, web
from api.auth import OPEN_TENANT, Authenticate
from api.body_limit import BodyLimit
from api.deps import Runtime
from api.fast_predict import FastPredict
from api.predict import ModelCache
from store import tenants as tenants_store
from store.settings import Settings, get_settings
from store.tenants import SCOPES

log = logging.getLogger(__name__)
ADMIN_TENANT = "admin"  # the tenant of SYN0_ADMIN_KEY
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
    runtime = Runtime(settings, session_factory)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        bootstrap(runtime)
        # Large bodies are parsed in worker threads, which hold the GIL up to this long
        # before the event loop gets it back (Python's default: 5 ms, several times per
        # request served meanwhile).
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        yield
        runtime.dispose()

    app = FastAPI(title="syn0", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.models = ModelCache(runtime, settings.predict_cache_size)
    errors.install(app)
    # Each one added wraps those before it: the body limit, then the key of every /v1
    # request, then the predict fast path; CORS outermost, so preflights need no key.
    app.add_middleware(FastPredict, fastapi_app=app)
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
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        )
    for module in (datasets, jobs, models, tenants, ops, web):
        app.include_router(module.router)
    app.openapi = lambda: _openapi_with_problems(app)
    return app


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
    with runtime.sessions.begin() as session:
        if tenants_store.find_key(session, key) is None:
            tenants_store.add_key(session, tenant_id, list(SCOPES), "SYN0_ADMIN_KEY", key=key)
            log.warning("stored SYN0_ADMIN_KEY as an admin key of the tenant %r", ADMIN_TENANT)


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
    return app.openapi_schema


app = create_app()
