"""What the event streams send: an outbox event (``status`` in a job's stream, its
type's name in the tenant's), and the shape of one server-sent event for the OpenAPI
document."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from syn0.kit.schemas import Out, Timestamp


class EventOut(Out):
    """One event of the outbox: a job's status change (``data``: the job's id, status,
    epoch, epochs, attempts, model_id, error; ``from_epoch`` for ``job.running``) or an
    alias move (``data``: name, alias, action, version, previous, moved_by)."""

    id: int = Field(description="the event's id: the order of every event of the tenant")
    type: str = Field(
        description="job.queued, job.running, ..., model.alias_moved, sweep.completed"
    )
    job_id: str | None
    data: dict[str, Any]
    created_at: Timestamp


STREAM_EVENT_SCHEMA = {
    "type": "object",
    "description": "one server-sent event; `data` is JSON",
    "properties": {
        "id": {"type": "string"},
        "event": {"type": "string"},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "retry": {"type": "integer"},
    },
}
