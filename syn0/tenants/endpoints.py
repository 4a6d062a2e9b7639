"""``/v1/tenants`` and ``/v1/keys``: tenants and their API keys, for ``admin`` keys.

An admin key manages every tenant (it is the operator's); a new key is shown once, in
the reply that creates it. Revoking takes effect at once in this API process and within
``SYN0_KEY_CACHE_SECONDS`` in the others (``api.keycache``).
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syn0.api.deps import PageDep, RuntimeDep, SessionDep
from syn0.jobs import repository as jobs
from syn0.kit.errors import Conflict, LastAdminKey
from syn0.kit.lookups import found
from syn0.kit.schemas import Page, keyed
from syn0.tenants import repository as tenants
from syn0.tenants.auth import AdminKey
from syn0.tenants.orm import ApiKey, Tenant
from syn0.tenants.schemas import KeyCreated, KeyIn, KeyOut, TenantIn, TenantOut, TenantUsage

router = APIRouter(tags=["tenants and keys"])


@router.post("/v1/tenants", status_code=201, responses=keyed(409, 422))
def create_tenant(
    body: TenantIn, response: Response, session: SessionDep, _: AdminKey
) -> TenantOut:
    """A tenant owns its datasets, jobs and models; no other tenant's key reaches them."""
    try:
        tenant = tenants.create_tenant(session, body.name)
        session.commit()
    except IntegrityError:
        raise Conflict(f"a tenant named {body.name!r} exists already") from None
    response.headers["Location"] = f"/v1/tenants/{tenant.id}"
    return TenantOut.model_validate(tenant)


@router.get("/v1/tenants", responses=keyed(422))
def list_tenants(session: SessionDep, page: PageDep, _: AdminKey) -> Page[TenantOut]:
    """Newest first."""
    rows, next_cursor = tenants.list_tenants(session, page.limit, page.cursor)
    return Page[TenantOut](
        items=[TenantOut.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/v1/tenants/{tenant_id}", responses=keyed(404))
def get_tenant(tenant_id: str, session: SessionDep, _: AdminKey) -> TenantUsage:
    """The tenant and what it uses of its quotas."""
    tenant = _tenant(session, tenant_id)
    return TenantUsage(
        **TenantOut.model_validate(tenant).model_dump(),
        stored_bytes=tenants.stored_bytes(session, tenant.id),
        active_jobs=jobs.count_active(session, tenant.id),
    )


@router.post("/v1/tenants/{tenant_id}/keys", status_code=201, responses=keyed(404, 422))
def create_key(tenant_id: str, body: KeyIn, session: SessionDep, _: AdminKey) -> KeyCreated:
    """A new key for the tenant. The reply carries the key itself, this once."""
    tenant = _tenant(session, tenant_id)
    row, key = tenants.add_key(session, tenant.id, list(body.scopes), body.name)
    session.commit()
    return KeyCreated(**KeyOut.model_validate(row).model_dump(), key=key)


@router.get("/v1/tenants/{tenant_id}/keys", responses=keyed(404))
def list_keys(tenant_id: str, session: SessionDep, _: AdminKey) -> Page[KeyOut]:
    """Every key of the tenant by prefix, revoked ones included, oldest first, in one
    page (a tenant has a handful)."""
    tenant = _tenant(session, tenant_id)
    rows = tenants.list_keys(session, tenant.id)
    return Page[KeyOut](items=[KeyOut.model_validate(row) for row in rows], next_cursor=None)


@router.post("/v1/keys/{prefix}/revoke", responses=keyed(404, 409))
def revoke_key(prefix: str, session: SessionDep, runtime: RuntimeDep, _: AdminKey) -> KeyOut:
    """The key stops working at once in this API process, and in the others within
    ``SYN0_KEY_CACHE_SECONDS``; a key already revoked is a 409, and so is the last live
    admin key of the deployment (create another admin key first)."""
    row = _key(session, prefix)
    try:
        revoked = tenants.revoke_key(session, row.prefix)
    except tenants.LastAdminKey as exc:
        raise LastAdminKey(str(exc), prefix=row.prefix) from None
    if not revoked:
        raise Conflict(f"key {prefix} was revoked at {row.revoked_at.isoformat()}")
    session.commit()
    runtime.keys.forget(row.prefix)
    session.refresh(row)
    return KeyOut.model_validate(row)


@router.post("/v1/keys/{prefix}/rotate", status_code=201, responses=keyed(404, 409))
def rotate_key(prefix: str, session: SessionDep, runtime: RuntimeDep, _: AdminKey) -> KeyCreated:
    """A new key with the same tenant, scopes and name, and the old one revoked, in one
    transaction (so rotating an admin key keeps one). The reply carries the new key,
    this once."""
    old = _key(session, prefix)
    rotated = tenants.rotate_key(session, old.prefix)
    if rotated is None:
        raise Conflict(f"key {prefix} is revoked; create a new key for its tenant instead")
    row, key = rotated
    session.commit()
    runtime.keys.forget(old.prefix)
    return KeyCreated(**KeyOut.model_validate(row).model_dump(), key=key)


def _tenant(session: Session, tenant_id: str) -> Tenant:
    tenant = found(tenants.get_tenant(session, tenant_id), "tenant", tenant_id)
    return tenant


def _key(session: Session, prefix: str) -> ApiKey:
    row = found(tenants.get_key(session, prefix), "API key", prefix, name="prefix")
    return row
