"""Tenants and their API keys.

A key is ``syn0_<prefix>_<secret>``: a 12-hex-digit public prefix, by which the store
finds the key and which lists, revokes and rotates it, and a 256-bit random secret. The
store keeps the prefix and the sha256 of the whole key, never the key itself, and
compares digests in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from syn0.datasets.orm import Dataset
from syn0.kit.orm import is_id, utcnow
from syn0.kit.paging import page
from syn0.models.orm import Model
from syn0.tenants.orm import ApiKey, Tenant

SCOPES = ("admin", "train", "predict")
KEY_FORMAT = re.compile(r"^syn0_(?P<prefix>[0-9a-f]{12})_[A-Za-z0-9_-]{43,}$")


def new_key() -> str:
    """A fresh key: 48 bits of public prefix, 256 bits of secret."""
    return f"syn0_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def digest(key: str) -> str:
    """What the store keeps of a key: its sha256, in hex."""
    return hashlib.sha256(key.encode()).hexdigest()


# --- tenants ----------------------------------------------------------------------------


def create_tenant(session: Session, name: str) -> Tenant:
    tenant = Tenant(name=name)
    session.add(tenant)
    session.flush()
    return tenant


def get_tenant(session: Session, tenant_id: str) -> Tenant | None:
    return session.get(Tenant, tenant_id) if is_id(tenant_id) else None


def tenant_named(session: Session, name: str) -> Tenant | None:
    return session.scalar(select(Tenant).where(Tenant.name == name))


def ensure_tenant(session: Session, name: str) -> Tenant:
    """The tenant ``name``, made if it is new."""
    return tenant_named(session, name) or create_tenant(session, name)


def list_tenants(session: Session, limit: int, cursor: str | None):
    return page(session, select(Tenant), Tenant, limit, cursor)


def stored_bytes(session: Session, tenant_id: str) -> int:
    """Bytes of the tenant's datasets and model weights."""
    datasets = select(func.coalesce(func.sum(func.length(Dataset.data)), 0)).where(
        Dataset.tenant_id == tenant_id
    )
    models = select(func.coalesce(func.sum(func.length(Model.weights)), 0)).where(
        Model.tenant_id == tenant_id
    )
    return int(session.scalar(datasets)) + int(session.scalar(models))


# --- keys -------------------------------------------------------------------------------


def add_key(
    session: Session, tenant_id: str, scopes: list[str], name: str | None = None, key: str = ""
) -> tuple[ApiKey, str]:
    """Store a key (a fresh one unless ``key`` is given) for the tenant; return the row
    and the key, which nothing can show again."""
    key = key or new_key()
    match = KEY_FORMAT.match(key)
    if match is None:
        raise ValueError("an API key looks like syn0_<12 hex digits>_<43+ characters>")
    row = ApiKey(
        prefix=match["prefix"],
        tenant_id=tenant_id,
        sha256=digest(key),
        scopes=[scope for scope in SCOPES if scope in scopes],
        name=name,
    )
    session.add(row)
    session.flush()
    return row, key


def find_key(session: Session, key: str) -> ApiKey | None:
    """The live (unrevoked) key row that ``key`` presents, or None."""
    match = KEY_FORMAT.match(key)
    if match is None:
        return None
    row = session.get(ApiKey, match["prefix"])
    if row is None or row.revoked_at is not None:
        return None
    return row if hmac.compare_digest(row.sha256, digest(key)) else None


def get_key(session: Session, prefix: str) -> ApiKey | None:
    return session.get(ApiKey, prefix) if re.fullmatch(r"[0-9a-f]{12}", prefix) else None


def list_keys(session: Session, tenant_id: str) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at)
    return list(session.scalars(query))


def revoke_key(session: Session, prefix: str) -> bool:
    """Revoke the key now; False if it does not exist or was already revoked."""
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(result.rowcount)


def has_keys(session: Session) -> bool:
    return session.scalar(select(ApiKey.prefix).limit(1)) is not None
