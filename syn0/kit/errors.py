"""Domain exceptions. Services raise these (never ``HTTPException``); ``syn0.kit.problems``
renders them, and everything else that can go wrong, as ``application/problem+json``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, get_args

from syn0.core import SpecError
from syn0.core.spec import LAYER_TYPES, OPTIMIZER_TYPES, SCHEDULE_TYPES


class ApiError(Exception):
    """Base of the domain exceptions: a status, a stable problem slug and a human title."""

    status = 500
    slug = "internal-error"
    title = "Internal server error"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, *, errors: Sequence[dict] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.extra = extra


class NotFound(ApiError):
    status, slug, title = 404, "not-found", "Resource not found"


class Conflict(ApiError):
    status, slug, title = 409, "conflict", "Conflict with the resource's current state"


class LastAdminKey(Conflict):
    """Revoking the deployment's last live admin key, which would lock the admins out."""

    slug, title = "last-admin-key", "The last admin key cannot be revoked"


class InvalidInput(ApiError):
    """Request data that cannot be used; ``loc`` names the field when there is one."""

    status, slug, title = 422, "validation-error", "Invalid request"

    def __init__(self, detail: str, loc: str | None = None, **extra: Any):
        errors = [{"loc": loc, "msg": detail}] if loc else None
        super().__init__(detail, errors=errors, **extra)


class InvalidSpec(InvalidInput):
    status, slug, title = 422, "invalid-spec", "Invalid network or training spec"

    @classmethod
    def from_core(cls, exc: SpecError) -> InvalidSpec:
        """The core's ``SpecError`` as the API reports it, naming the field."""
        return cls(exc.message, field_path(exc.loc) if exc.loc else "body")


class LimitExceeded(InvalidInput):
    """A configured limit; the reply carries the ``limit``, the ``value`` and the setting."""

    status, slug, title = 422, "limit-exceeded", "Limit exceeded"

    def __init__(self, what: str, value: int, limit: int, setting: str, loc: str):
        detail = (
            f"{what} is {value:,}, over the limit of {limit:,} "
            f"(set by SYN0_{setting.upper()}); make the request smaller"
        )
        super().__init__(detail, loc, limit=limit, value=value, setting=setting)


class TooManyJobs(ApiError):
    """``max_queued_jobs`` (or a tenant's ``tenant_max_active_jobs``) queued or running:
    try again later (429 with Retry-After)."""

    status, slug, title = 429, "too-many-jobs", "Too many jobs"

    def __init__(self, active: int, limit: int, retry_after: int, setting: str = "max_queued_jobs"):
        whose = "of this tenant " if setting.startswith("tenant_") else ""
        super().__init__(
            f"{active:,} jobs {whose}are queued or running, the limit is {limit:,} (set by "
            f"SYN0_{setting.upper()}); retry after {retry_after} s, or cancel a job",
            limit=limit,
            value=active,
        )
        self.headers = {"Retry-After": str(retry_after)}


class Unauthorized(ApiError):
    """No API key, or one the store does not know (or has revoked)."""

    status, slug, title = 401, "unauthorized", "Missing or invalid API key"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": 'Bearer realm="syn0"'}


class Forbidden(ApiError):
    """A valid key without the scope the operation needs."""

    status, slug, title = 403, "forbidden", "The API key lacks a scope"


class QuotaExceeded(ApiError):
    """A tenant's stored bytes (``tenant_max_stored_bytes``)."""

    status, slug, title = 403, "quota-exceeded", "Storage quota exceeded"


class RateLimited(ApiError):
    """Events per minute past a limit: a tenant's requests (``tenant_requests_per_minute``),
    an address's unknown keys (``key_failures_per_minute``). 429 + Retry-After."""

    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, limit: int, retry_after: int, what: str, setting: str):
        super().__init__(
            f"{what} are over the limit of {limit:,} a minute (set by "
            f"SYN0_{setting.upper()}); retry after {retry_after} s",
            limit=limit,
        )
        self.headers = {"Retry-After": str(retry_after)}


class UnsupportedMediaType(ApiError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class CorruptData(ApiError):
    """Stored bytes that fail their checksum: the store's fault, never the client's."""

    status, slug, title = 500, "corrupt-data", "Stored data is corrupt"


class ServiceUnavailable(ApiError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


def field_path(loc: Iterable[str | int]) -> str:
    """``("body", "network", "layers", 3, "dense", "units")`` -> ``"network.layers.3.units"``:
    the path in the request's JSON, without pydantic's discriminated-union tags."""
    parts: list[str] = []
    for part in loc:
        if part in UNION_TAGS and parts and (parts[-1].isdigit() or parts[-1] in TAGGED_FIELDS):
            continue
        parts.append(str(part))
    if parts[:1] == ["body"]:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _tags(*unions: Any) -> set[str]:
    return {member.model_fields["type"].default for union in unions for member in get_args(union)}


# Pydantic puts the chosen member's tag into the error path of a discriminated union.
UNION_TAGS = _tags(LAYER_TYPES, OPTIMIZER_TYPES, SCHEDULE_TYPES)
TAGGED_FIELDS = {"optimizer", "lr_schedule"}
