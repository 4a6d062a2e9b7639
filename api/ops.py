"""``/healthz`` (the process is up) and ``/readyz`` (the database and broker answer)."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from syn0.api.deps import Runtime, RuntimeDep
from syn0.kit.db import ping
from syn0.kit.errors import ServiceUnavailable
from syn0.kit.schemas import problems

router = APIRouter(tags=["ops"])
log = logging.getLogger(__name__)


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    database: Literal["ok"] = "ok"
    broker: Literal["ok"] = "ok"


@router.get("/healthz")
async def healthz() -> Health:
    return Health()


@router.get("/readyz", responses=problems(503))
def readyz(runtime: RuntimeDep) -> Readiness:
    """503 with ``checks`` naming what is down."""
    checks = {"database": _database(runtime), "broker": _broker(runtime)}
    down = [name for name, state in checks.items() if state != "ok"]
    if down:
        error = ServiceUnavailable(f"not ready: {' and '.join(down)} unreachable", checks=checks)
        error.headers = {"Retry-After": "5"}
        raise error
    return Readiness()


def _database(runtime: Runtime) -> str:
    try:
        with runtime.sessions() as session:
            ping(session)
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable: %s", exc)
        return "unavailable"
    return "ok"


def _broker(runtime: Runtime) -> str:
    try:
        runtime.dispatch.ping()
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("readiness: broker unreachable: %s", exc)
        return "unavailable"
    return "ok"
