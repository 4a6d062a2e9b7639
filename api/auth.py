"""Who is calling. Every ``/v1`` request presents an API key as ``Authorization: Bearer
<key>``; the key's tenant scopes every lookup (another tenant's id reads as a missing
one, 404) and its scopes say what it may do (403 otherwise). See docs/security.md.

Scopes: ``admin`` manages tenants and keys; ``train`` uses datasets, jobs and models,
predict included; ``predict`` only predicts, the key a downstream service gets.
With ``SYN0_AUTH=false`` (never in production) every request acts for the tenant
``local`` with every scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.deps import Runtime, SessionDep, get_runtime
from api.errors import Forbidden, Unauthorized
from store import tenants
from store.tenants import SCOPES

OPEN_TENANT = "local"  # whom requests act for while auth is off
_KEY_HINT = "an admin creates keys with `syn0 keys create` or POST /v1/tenants/{id}/keys"


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    scopes: frozenset[str]


def identify(runtime: Runtime, session: Session, authorization: str | None) -> Principal:
    """The principal behind an ``Authorization`` header, counted against its tenant's
    requests per minute."""
    if not runtime.settings.auth:
        principal = Principal(runtime.open_tenant(OPEN_TENANT), frozenset(SCOPES))
    else:
        row = tenants.find_key(session, _bearer(authorization))
        if row is None:
            raise Unauthorized(f"the API key is unknown or has been revoked; {_KEY_HINT}")
        principal = Principal(row.tenant_id, frozenset(row.scopes))
    runtime.limiter.hit(principal.tenant_id)
    return principal


def _bearer(authorization: str | None) -> str:
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized(f"send an API key as `Authorization: Bearer <key>`; {_KEY_HINT}")
    return key.strip()


def allow(principal: Principal, *scopes: str) -> Principal:
    """``principal`` if it holds one of ``scopes``, else a 403 naming the scope."""
    if principal.scopes.isdisjoint(scopes):
        held = ", ".join(sorted(principal.scopes)) or "none"
        raise Forbidden(
            f"this operation needs a key with the `{scopes[0]}` scope; this key has: {held}",
            scope=scopes[0],
        )
    return principal


# --- dependencies -------------------------------------------------------------------------

_bearer_scheme = HTTPBearer(
    auto_error=False, description="an API key: `Authorization: Bearer syn0_...`"
)


def _principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> Principal:
    runtime = get_runtime(request)
    return identify(runtime, session, request.headers.get("authorization"))


def _scoped(*scopes: str):
    def dependency(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        return allow(principal, *scopes)

    return dependency


AdminKey = Annotated[Principal, Depends(_scoped("admin"))]
TrainKey = Annotated[Principal, Depends(_scoped("train"))]
PredictKey = Annotated[Principal, Depends(_scoped("predict", "train"))]
