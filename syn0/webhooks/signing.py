"""Secrets, bodies and signatures after the Standard Webhooks specification.

A secret is ``whsec_`` + base64 of 32 random bytes; the key is those bytes. A try of
the message ``msg_id`` sent at ``timestamp`` (unix seconds) carries

    webhook-id: msg_id
    webhook-timestamp: timestamp
    webhook-signature: v1,<base64 of HMAC-SHA256(key, "{msg_id}.{timestamp}.{body}")>

so a receiver checks the body, its age (replays) and the id (duplicates: at least once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from typing import Any

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MESSAGE_PREFIX = "msg_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def message_id(delivery_id: str) -> str:
    """The ``webhook-id`` of a delivery: the same at every try of it."""
    return MESSAGE_PREFIX + delivery_id


def body(event_type: str, at: datetime, data: dict[str, Any]) -> str:
    """The JSON body: ``{"type", "timestamp" (ISO 8601, UTC), "data"}``."""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    stamp = at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, separators=(",", ":"))


def signature(secret: str, msg_id: str, timestamp: int, payload: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.{payload}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(secret: str, msg_id: str, timestamp: int, payload: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, payload),
    }
