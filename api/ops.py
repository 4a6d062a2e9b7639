"""``/healthz`` (the process is up) and ``/readyz`` (the database and broker answer)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError

from api.deps import Runtime, RuntimeDep
from api.errors import ServiceUnavailable
from api.schemas import Health, Readiness, problems
from store.db import ping
from worker import app as worker_app

router = APIRouter(tags=["ops"])
log = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


@router.get("/healthz")
async def healthz() -> Health:
    return Health()


@router.get("/readyz", responses=problems(503))
def readyz(runtime: RuntimeDep) -> Readiness:
    """503 with ``checks`` naming what is down."""
    checks = {"database": _database(runtime), "broker": _broker()}
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


def _broker() -> str:
    try:
        connection = worker_app.celery_app.connection_for_write(
            connect_timeout=BROKER_TIMEOUT_SECONDS
        )
        with connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
            )
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("readiness: broker unreachable: %s", exc)
        return "unavailable"
    return "ok"
