"""The FastAPI app: ``uvicorn api.app:app``. Tests call ``create_app`` with their own
settings and session factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from api import datasets, errors, jobs, models, ops, web
from api.body_limit import BodyLimit
from api.deps import Runtime
from api.fast_predict import FastPredict
from api.predict import ModelCache
from store.settings import Settings, get_settings

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
        yield
        runtime.dispose()

    app = FastAPI(title="syn0", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.models = ModelCache(runtime, settings.predict_cache_size)
    errors.install(app)
    # Added last, so outermost: the body limit applies to the predict fast path too.
    app.add_middleware(FastPredict, fastapi_app=app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    for module in (datasets, jobs, models, ops, web):
        app.include_router(module.router)
    app.openapi = lambda: _openapi_with_problems(app)
    return app


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
