"""Logging for the API and the workers: one handler on the root logger, JSON lines
(python-json-logger) or plain text (``SYN0_LOG_FORMAT``), at ``SYN0_LOG_LEVEL``.

Every record carries the id of the request it was logged for (``X-Request-ID``, set
by ``syn0.api.observe`` in a context variable, so lines logged in a worker thread of
the request carry it too) or ``-`` outside one. A job's status changes are logged by
``syn0.jobs.transitions`` once the transaction that made them commits.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str] = ContextVar("syn0_request_id", default="-")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = ("levelname", "name", "message", "request_id")
# uvicorn's own loggers: their records go through the one handler too; its access log
# is off, since the API logs each request itself, with more fields.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class _RequestId(logging.Filter):
    """Puts the current request's id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class _Handler(logging.StreamHandler):
    """The handler ``configure`` installs; a second call replaces it."""


def formatter(fmt: str) -> logging.Formatter:
    """JSON: ``level``, ``logger``, ``message``, ``request_id``, ``time`` and the
    record's ``extra`` fields (a request's ``method``, ``route``, ``status``...)."""
    if fmt == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601 in UTC
        )
    return logging.Formatter(TEXT_FORMAT)


def configure(fmt: str = "text", level: str | int = "INFO") -> None:
    """Log every record of this process at ``level`` or above to stderr, formatted as
    ``fmt`` (``json`` or ``text``). Other handlers on the root logger (a test's log
    capture) stay."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    # The process's own stderr, never whatever replaced ``sys.stderr`` since (Celery's
    # redirection into the logging module itself, a test's capture that is closed later).
    handler = _Handler(sys.__stderr__ or sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(_RequestId())
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
