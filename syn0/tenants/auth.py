"""Who is calling. Every ``/v1`` request presents an API key as ``Authorization: Bearer
<key>``; the key's tenant scopes every lookup (another tenant's id reads as a missing
one, 404) and its scopes say what it may do (403 otherwise). See docs/security.md.

Scopes: ``admin`` manages tenants and keys; ``train`` uses datasets, jobs and models,
predict included; ``predict`` only predicts, the key a downstream service gets.
With ``SYN0_AUTH=false`` (never in production) every request acts for the tenant
``local`` with every scope.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from syn0.api.deps import Runtime
from syn0.kit.errors import Forbidden, Unauthorized
from syn0.kit.problems import render
from syn0.tenants import repository as tenants
from syn0.tenants.keycache import Principal
from syn0.tenants.repository import SCOPES

OPEN_TENANT = "local"  # whom requests act for while auth is off
_KEY_HINT = "an admin creates keys with `syn0 keys create` or POST /v1/tenants/{id}/keys"


class Authenticate:
    """Every ``/v1`` request, first of all: its key becomes the request's ``Principal``
    (``request.state.principal``), or the reply is a 401 (or a 429 past the tenant's
    rate, or past ``SYN0_KEY_FAILURES_PER_MINUTE`` unknown keys from its address). One
    choke point, so no endpoint can forget it. A key verified in the last
    ``SYN0_KEY_CACHE_SECONDS`` costs a dictionary lookup (``api.keycache``); any other
    is looked up in the database off the event loop."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app, self.fastapi_app = app, fastapi_app
        # One database lookup per key at a time: when a busy key's cache entry expires,
        # the requests in flight wait for the same lookup instead of each making one.
        self._lookups: dict[str | None, asyncio.Future[Principal]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        runtime: Runtime = self.fastapi_app.state.runtime
        header = _authorization(scope)
        try:
            principal = remembered(runtime, header) or await self._checked_lookup(
                runtime, header, scope
            )
            runtime.limiter.hit(principal.tenant_id)
        except Exception as exc:  # rendered as the app renders it: 401, 429, 503, ...
            response = await render(self.fastapi_app, Request(scope, receive), exc)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    async def _checked_lookup(
        self, runtime: Runtime, header: str | None, scope: Scope
    ) -> Principal:
        """A database lookup, unless the client's address sent too many unknown keys
        lately: guessing keys costs the guesser a 429, and the database nothing."""
        address = (scope.get("client") or ("unknown",))[0]
        runtime.key_failures.check(address)
        try:
            return await self._lookup(runtime, header)
        except Unauthorized:
            runtime.key_failures.count(address)
            raise

    async def _lookup(self, runtime: Runtime, header: str | None) -> Principal:
        lookup = self._lookups.get(header)
        if lookup is None:
            lookup = asyncio.ensure_future(anyio.to_thread.run_sync(identify, runtime, header))
            self._lookups[header] = lookup

            def done(future: asyncio.Future[Principal]) -> None:
                self._lookups.pop(header, None)
                if not future.cancelled():
                    future.exception()  # each waiter re-raises it; none left: not lost

            lookup.add_done_callback(done)
        return await asyncio.shield(lookup)


def remembered(runtime: Runtime, authorization: str | None) -> Principal | None:
    """The principal behind a key verified lately (or auth off), without the database."""
    if not runtime.settings.auth:
        tenant_id = runtime.known_tenant(OPEN_TENANT)
        return Principal(tenant_id, frozenset(SCOPES)) if tenant_id else None
    return runtime.keys.get(_bearer(authorization))


def identify(runtime: Runtime, authorization: str | None) -> Principal:
    """The principal behind an ``Authorization`` header, from the database."""
    if not runtime.settings.auth:
        return Principal(runtime.open_tenant(OPEN_TENANT), frozenset(SCOPES))
    key = _bearer(authorization)
    with runtime.sessions() as session:
        row = tenants.find_key(session, key)
        if row is None:
            raise Unauthorized(f"the API key is unknown or has been revoked; {_KEY_HINT}")
        principal = Principal(row.tenant_id, frozenset(row.scopes), row.prefix)
    runtime.keys.put(key, principal)
    return principal


def _authorization(scope: Scope) -> str | None:
    """The ``Authorization`` header, read straight from the scope (once per request, so
    without building a ``Request`` and every header of it)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


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

# Declares the scheme in the OpenAPI document (the docs' "Authorize" button); the key
# itself was checked by ``Authenticate`` before routing.
_bearer_scheme = HTTPBearer(
    auto_error=False, description="an API key: `Authorization: Bearer syn0_...`"
)


def _principal(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> Principal:
    return request.state.principal


def _scoped(*scopes: str):
    def dependency(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        return allow(principal, *scopes)

    return dependency


AdminKey = Annotated[Principal, Depends(_scoped("admin"))]
TrainKey = Annotated[Principal, Depends(_scoped("train"))]
PredictKey = Annotated[Principal, Depends(_scoped("predict", "train"))]
