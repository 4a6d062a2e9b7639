"""``GET /metrics``: Prometheus's text format, for an operator's scraper.

What the processes count (``syn0.kit.metrics``; in multiprocess mode every process
sharing ``SYN0_METRICS_DIR``), and gauges read at scrape time: jobs by status (the
store), messages waiting per queue (the broker), and the age of each worker's last
report of itself (the store).

Protected like an operations endpoint: with ``SYN0_METRICS_TOKEN`` a scrape sends
``Authorization: Bearer <token>`` (401 otherwise). Without one it is open in
development and off in production (404, and a warning at start), so a production API
never publishes its numbers by accident.
"""

from __future__ import annotations

import hmac
import logging
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from starlette.responses import Response

from syn0.api.deps import Runtime, RuntimeDep
from syn0.jobs import repository as jobs
from syn0.kit import metrics
from syn0.kit.errors import NotFound, Unauthorized
from syn0.kit.orm import utcnow
from syn0.workers import repository as workers

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
# Workers silent longer than this are left out: a worker gone for good stops being a series.
WORKER_HORIZON = timedelta(days=1)


@router.get("/metrics")
def scrape(request: Request, runtime: RuntimeDep) -> Response:
    check_token(runtime, request.headers.get("authorization"))
    registry = CollectorRegistry(auto_describe=False)
    metrics.collected(registry)
    registry.register(StoreAndBroker(runtime))
    # The format the scraper asks for in Accept (Prometheus's text format by default).
    encode, media_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(registry), media_type=media_type)


def check_token(runtime: Runtime, authorization: str | None) -> None:
    settings = runtime.settings
    if settings.metrics_token is None:
        if settings.environment == "production":
            raise NotFound("metrics are off: set SYN0_METRICS_TOKEN to scrape /metrics")
        return
    scheme, _, token = (authorization or "").partition(" ")
    expected = settings.metrics_token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise Unauthorized("send the metrics token as `Authorization: Bearer <SYN0_METRICS_TOKEN>`")


def warn_if_off(runtime: Runtime) -> None:
    settings = runtime.settings
    if settings.metrics_token is None and settings.environment == "production":
        log.warning("SYN0_METRICS_TOKEN is unset: /metrics is off (404) in production")


class StoreAndBroker:
    """The gauges read at scrape time; a source that does not answer is left out (and
    logged), the rest is still scraped."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def collect(self):
        try:
            yield from self._store()
        except Exception as exc:  # the database is down: the counters still go out
            log.warning("metrics: the store did not answer: %s", exc)
        try:
            yield self._queues()
        except Exception as exc:  # kombu raises transport-specific errors
            log.warning("metrics: the broker did not answer: %s", exc)

    def _store(self):
        now = utcnow()
        with self.runtime.sessions() as session:
            by_status = jobs.count_by_status(session)
            seen = workers.seen_since_by_name(session, now - WORKER_HORIZON)
        family = GaugeMetricFamily("syn0_jobs", "Jobs by status, every tenant", labels=["status"])
        for status, count in by_status.items():
            family.add_metric([status], count)
        ages = GaugeMetricFamily(
            "syn0_worker_heartbeat_age_seconds",
            "Seconds since each worker last reported itself (every SYN0_HEARTBEAT_SECONDS)",
            labels=["worker", "device"],
        )
        for worker in seen:
            ages.add_metric(
                [worker.name, worker.device], (now - _aware(worker.seen_at)).total_seconds()
            )
        return [family, ages]

    def _queues(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "syn0_queue_messages", "Messages waiting in each broker queue", labels=["queue"]
        )
        for queue, count in self.runtime.dispatch.queue_depths().items():
            family.add_metric([queue], count)
        return family


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
