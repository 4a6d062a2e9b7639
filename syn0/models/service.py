"""Models: delete one, unless it is a registry version (409). Its weights leave the
tenant's stored bytes in the same transaction (``tenants.stored_bytes`` sums the rows
there are)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from syn0.kit.errors import Conflict
from syn0.kit.lookups import found
from syn0.models import repository as store
from syn0.registry import repository as registry


def delete(session: Session, tenant_id: str, model_id: str) -> None:
    """Delete the tenant's model (404 if it has none of that id). The row is locked until
    the transaction ends (PostgreSQL), so a check of what refers to it holds until the
    delete commits."""
    found(store.get_model(session, tenant_id, model_id, lock=True), "model", model_id)
    versions = registry.versions_of_model(session, tenant_id, model_id)
    if versions:
        named = ", ".join(f"{name} version {version}" for name, version in versions)
        raise Conflict(
            f"model {model_id} is {named} in the registry, and a registered version's "
            "model is kept: delete another model, or register a new version instead",
            versions=[{"name": name, "version": version} for name, version in versions],
        )
    store.delete_model(session, tenant_id, model_id)
