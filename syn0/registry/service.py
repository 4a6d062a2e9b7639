"""The registry's rules: names, versions numbered from 1 per name, aliases and their
history, and what an alias or version number points at.

**Rollback is an undo.** Each alias keeps the stack of the versions it was moved away
from: a move (``PUT``) pushes the version it leaves, a rollback pops the top and points
the alias there, so rollbacks walk back through the moves one by one (v1 → v2 → v3,
rollback: v2, rollback: v1, rollback: 409). A new alias, or one made again after a
delete, starts with an empty stack: it has no earlier version. Moving an alias to the
version it already points at changes nothing and records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syn0.events import repository as events
from syn0.kit.errors import Conflict, InvalidInput, NotFound
from syn0.kit.orm import utcnow
from syn0.models import repository as models
from syn0.models.schemas import Signature
from syn0.registry import repository as store
from syn0.registry.orm import (
    DELETE,
    ROLLBACK,
    SET,
    AliasMove,
    ModelAlias,
    ModelVersion,
    RegisteredModel,
)
from syn0.registry.schemas import (
    AliasMoveOut,
    AliasOut,
    RegisteredDetail,
    RegisteredIn,
    RegisteredOut,
    VersionOut,
    check_alias,
    check_name,
)
from syn0.tenants.keycache import Principal


def _missing(name: str) -> NotFound:
    return NotFound(f"no registered model named {name!r}; create it with PUT /v1/registry/{name}")


def get(session: Session, tenant_id: str, name: str) -> RegisteredModel:
    registered = store.find(session, tenant_id, check_name(name))
    if registered is None:
        raise _missing(name)
    return registered


def _locked(session: Session, tenant_id: str, name: str) -> RegisteredModel:
    registered = store.lock(session, tenant_id, check_name(name))
    if registered is None:
        raise _missing(name)
    return registered


def put(
    session: Session, tenant_id: str, name: str, body: RegisteredIn
) -> tuple[RegisteredModel, bool]:
    """Create the name (True) or update it (False) with the fields ``body`` carries."""
    check_name(name)
    registered = store.lock(session, tenant_id, name)
    created = registered is None
    if created:
        try:
            with session.begin_nested():
                registered = store.add(session, RegisteredModel(tenant_id=tenant_id, name=name))
        except IntegrityError:  # another request made it first: update that one
            registered, created = _locked(session, tenant_id, name), False
    for field in body.model_fields_set:
        setattr(registered, field, getattr(body, field))
    if registered.tags is None:
        registered.tags = {}
    session.flush()
    return registered, created


def register(session: Session, principal: Principal, name: str, model_id: str) -> VersionOut:
    """The model as the next version of ``name``; a model is one version per name."""
    registered = _locked(session, principal.tenant_id, name)
    if models.get_model(session, principal.tenant_id, model_id) is None:
        raise InvalidInput(
            f"no model with id {model_id!r}; a version is one of your models (GET /v1/models)",
            "model_id",
        )
    existing = store.version_of_model(session, registered.id, model_id)
    if existing is not None:
        raise Conflict(
            f"model {model_id!r} is already version {existing} of {name!r}",
            version=existing,
        )
    added = store.add_version(session, registered, model_id, principal.key_prefix)
    (out,) = _versions(session, registered.id, {}, added.version)
    return out


def _version(session: Session, registered: RegisteredModel, version: int) -> ModelVersion:
    found = store.get_version(session, registered.id, version)
    if found is None:
        have = (
            f"its versions are 1-{registered.latest_version}"
            if registered.latest_version
            else f"it has no versions yet: POST /v1/registry/{registered.name}/versions"
        )
        raise InvalidInput(
            f"{registered.name!r} has no version {version}; {have}",
            "version",
        )
    return found


def set_alias(
    session: Session, principal: Principal, name: str, alias: str, version: int
) -> tuple[AliasOut, bool]:
    """Point ``alias`` at ``version``: (the alias, whether it is new)."""
    check_alias(alias)
    registered = _locked(session, principal.tenant_id, name)
    target = _version(session, registered, version)
    current = store.get_alias(session, registered.id, alias)
    if current is None:
        current = ModelAlias(registered_model_id=registered.id, alias=alias, version=version)
        store.add_alias(session, current)
        _record(session, principal, registered, alias, SET, None, version)
        return _alias_out(current, target.model_id), True
    if current.version != version:
        _record(session, principal, registered, alias, SET, current.version, version)
        current.version, current.updated_at = version, utcnow()
        session.flush()
    return _alias_out(current, target.model_id), False


def rollback(session: Session, principal: Principal, name: str, alias: str) -> AliasOut:
    """Point ``alias`` back where it was before its last move (see the module's notes)."""
    check_alias(alias)
    registered = _locked(session, principal.tenant_id, name)
    current = _alias(session, registered, alias)
    stack = earlier_versions(store.moves(session, registered.id, alias))
    if not stack:
        raise Conflict(
            f"alias {alias!r} of {name!r} has no earlier version to go back to: it has "
            f"pointed at version {current.version} since it was made",
            alias=alias,
            version=current.version,
        )
    back = stack[-1]
    _record(session, principal, registered, alias, ROLLBACK, current.version, back)
    current.version, current.updated_at = back, utcnow()
    session.flush()
    return _alias_out(current, store.get_version(session, registered.id, back).model_id)


def unalias(session: Session, principal: Principal, name: str, alias: str) -> None:
    check_alias(alias)
    registered = _locked(session, principal.tenant_id, name)
    current = _alias(session, registered, alias)
    _record(session, principal, registered, alias, DELETE, current.version, None)
    store.delete_alias(session, current)


def earlier_versions(moves: Iterable[AliasMove]) -> list[int]:
    """The versions a rollback goes back to, the next one last: replays the moves."""
    stack: list[int] = []
    for move in moves:
        if move.action == ROLLBACK:
            del stack[-1:]
        elif move.action == DELETE or move.from_version is None:
            stack = []
        else:
            stack.append(move.from_version)
    return stack


def _alias(session: Session, registered: RegisteredModel, alias: str) -> ModelAlias:
    current = store.get_alias(session, registered.id, alias)
    if current is None:
        raise NotFound(f"{registered.name!r} has no alias {alias!r}")
    return current


def _record(
    session: Session,
    principal: Principal,
    registered: RegisteredModel,
    alias: str,
    action: str,
    before: int | None,
    after: int | None,
) -> None:
    move = AliasMove(
        registered_model_id=registered.id,
        alias=alias,
        action=action,
        from_version=before,
        to_version=after,
        moved_by=principal.key_prefix,
    )
    store.add_move(session, move)
    data = {
        "name": registered.name,
        "alias": alias,
        "action": action,
        "version": after,
        "previous": before,
        "moved_by": principal.key_prefix,
    }
    events.record(session, tenant_id=registered.tenant_id, type=events.ALIAS_MOVED, data=data)


def _alias_out(alias: ModelAlias, model_id: str) -> AliasOut:
    return AliasOut(
        alias=alias.alias, version=alias.version, model_id=model_id, updated_at=alias.updated_at
    )


# --- reads --------------------------------------------------------------------------------


def summaries(session: Session, rows: list[RegisteredModel]) -> list[RegisteredOut]:
    """Each registered model with its aliases (one query for them all)."""
    by_id: dict[str, list[AliasOut]] = {row.id: [] for row in rows}
    for alias, model_id in store.aliases(session, list(by_id)):
        by_id[alias.registered_model_id].append(_alias_out(alias, model_id))
    return [_summary(row, by_id[row.id]) for row in rows]


def _summary(row: RegisteredModel, aliases: list[AliasOut]) -> RegisteredOut:
    return RegisteredOut(
        name=row.name,
        description=row.description,
        tags=row.tags,
        latest_version=row.latest_version,
        aliases=aliases,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def detail(session: Session, registered: RegisteredModel) -> RegisteredDetail:
    """The registered model, its versions (with their models' metrics and datasets),
    its aliases and every move they made."""
    (summary,) = summaries(session, [registered])
    pointed: dict[int, list[str]] = {}
    for alias in summary.aliases:
        pointed.setdefault(alias.version, []).append(alias.alias)
    history = [AliasMoveOut.model_validate(move) for move in store.moves(session, registered.id)]
    return RegisteredDetail(
        **summary.model_dump(),
        versions=_versions(session, registered.id, pointed),
        alias_history=history,
    )


def _versions(
    session: Session, registered_id: str, pointed: dict[int, list[str]], only: int | None = None
) -> list[VersionOut]:
    return [
        VersionOut.model_validate(
            {
                **row._mapping,
                "aliases": pointed.get(row.version, []),
                "signature": Signature.of(row),
            }
        )
        for row in store.versions(session, registered_id, only)
    ]
