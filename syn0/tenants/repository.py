"""Tenants and their API keys.

A key is ``syn0_<prefix>_<secret>``: a 12-hex-digit public prefix, by which the store
finds the key and which lists, revokes and rotates it, and a 256-bit random secret. The
store keeps the prefix and the sha256 of the whole key, never the key itself, and
compares digests in constant time.

The deployment keeps at least one live ``admin`` key: revoking the last one is refused
(``LastAdminKey``), since only an admin key (or database access) can make another.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import ColumnElement, String, cast, func, select, update
from sqlalchemy.orm import Session

from syn0.datasets.orm import Dataset
from syn0.kit.orm import is_id, utcnow
from syn0.kit.paging import page
from syn0.models.orm import Model
from syn0.predictions.orm import BatchPrediction, PredictionChunk
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
    """Bytes of the tenant's datasets, model weights and batch predictions' results."""
    return int(session.scalar(select(stored_bytes_of(tenant_id))))


def stored_bytes_of(tenant_id: str) -> ColumnElement[int]:
    """``stored_bytes`` as an expression, for one statement with other checks (a submit's
    room, ``syn0.jobs.service``): the three sums in one round trip, not three."""
    datasets = select(func.coalesce(func.sum(func.length(Dataset.data)), 0)).where(
        Dataset.tenant_id == tenant_id
    )
    models = select(func.coalesce(func.sum(func.length(Model.weights)), 0)).where(
        Model.tenant_id == tenant_id
    )
    results = (
        select(func.coalesce(func.sum(func.length(PredictionChunk.data)), 0))
        .join(BatchPrediction, BatchPrediction.id == PredictionChunk.prediction_id)
        .where(BatchPrediction.tenant_id == tenant_id)
    )
    return datasets.scalar_subquery() + models.scalar_subquery() + results.scalar_subquery()


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
    return row if matches(row, key) else None


def get_key(session: Session, prefix: str) -> ApiKey | None:
    return session.get(ApiKey, prefix) if re.fullmatch(r"[0-9a-f]{12}", prefix) else None


def list_keys(session: Session, tenant_id: str) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at)
    return list(session.scalars(query))


class LastAdminKey(Exception):
    """Revoking this key would leave the deployment without a live admin key."""

    def __init__(self, prefix: str):
        super().__init__(
            f"key {prefix} is the last live key with the admin scope, and only an admin key "
            "can make another; create another admin key first (POST /v1/tenants/{id}/keys "
            'with scopes ["admin"], or `syn0 keys create --scope admin`), then revoke this one'
        )
        self.prefix = prefix


def revoke_key(session: Session, prefix: str) -> bool:
    """Revoke the key now; False if it does not exist or was already revoked.

    Raises ``LastAdminKey`` if it is the last live admin key of the deployment (admin
    keys manage every tenant, so the count is global); the caller rolls back. The live
    admin keys are locked first, so two transactions revoking the last two take turns
    on PostgreSQL; on SQLite the write lock serialises them and the count comes after
    the write."""
    row = get_key(session, prefix)
    if row is None or row.revoked_at is not None:
        return False
    admin = "admin" in row.scopes
    if admin:
        _live_admin_keys(session, lock=True)
    if not _revoke(session, prefix):
        return False
    if admin and not _live_admin_keys(session):
        raise LastAdminKey(prefix)
    return True


def rotate_key(session: Session, prefix: str) -> tuple[ApiKey, str] | None:
    """Revoke the live key ``prefix`` and make a new one with its tenant, scopes and name
    (so an admin key is replaced, never lost); None if there is no such live key."""
    old = get_key(session, prefix)
    if old is None or not _revoke(session, prefix):
        return None
    return add_key(session, old.tenant_id, old.scopes, old.name)


def _revoke(session: Session, prefix: str) -> bool:
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(result.rowcount)


def _live_admin_keys(session: Session, lock: bool = False) -> list[str]:
    """Prefixes of the live admin keys. Scopes are a JSON list of fixed words, so its
    text holds ``"admin"`` exactly when the key has the scope, on SQLite and PostgreSQL."""
    query = (
        select(ApiKey.prefix)
        .where(ApiKey.revoked_at.is_(None), cast(ApiKey.scopes, String).like('%"admin"%'))
        .order_by(ApiKey.prefix)
    )
    return list(session.scalars(query.with_for_update() if lock else query))


def store_key_once(
    session: Session, tenant_id: str, scopes: list[str], name: str, key: str
) -> tuple[ApiKey, bool]:
    """The row of ``key``'s prefix, stored now (True) if the prefix is new. A row that
    exists is returned as it is: revoked keys stay revoked."""
    match = KEY_FORMAT.match(key)
    if match is None:
        raise ValueError("an API key looks like syn0_<12 hex digits>_<43+ characters>")
    row = session.get(ApiKey, match["prefix"])
    if row is not None:
        return row, False
    return add_key(session, tenant_id, scopes, name, key=key)[0], True


def matches(row: ApiKey, key: str) -> bool:
    """Whether ``row`` is the stored form of ``key`` (compared in constant time)."""
    return hmac.compare_digest(row.sha256, digest(key))


def has_keys(session: Session) -> bool:
    return session.scalar(select(ApiKey.prefix).limit(1)) is not None
