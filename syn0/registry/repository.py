"""Every query of the registry. A registered model is found by its tenant and name, so
another tenant's name reads as a missing one.

Changes to one name (a version number handed out, an alias moved) are made one at a
time: ``lock`` opens the transaction with an UPDATE of the registered model's row, a
row lock on PostgreSQL and the database's write lock on SQLite, held until commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, delete, select, update
from sqlalchemy.orm import Session

from syn0.datasets.orm import Dataset
from syn0.kit.orm import utcnow
from syn0.kit.paging import page
from syn0.models.orm import Model
from syn0.registry.orm import AliasMove, ModelAlias, ModelVersion, RegisteredModel


def find(session: Session, tenant_id: str, name: str) -> RegisteredModel | None:
    query = select(RegisteredModel).where(
        RegisteredModel.tenant_id == tenant_id, RegisteredModel.name == name
    )
    return session.scalar(query)


def lock(session: Session, tenant_id: str, name: str) -> RegisteredModel | None:
    """The registered model, locked until the transaction ends (its ``updated_at`` set
    to now), or None."""
    touched = session.execute(
        update(RegisteredModel)
        .where(RegisteredModel.tenant_id == tenant_id, RegisteredModel.name == name)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not touched.rowcount:
        return None
    query = select(RegisteredModel).where(
        RegisteredModel.tenant_id == tenant_id, RegisteredModel.name == name
    )
    return session.scalar(query.execution_options(populate_existing=True))


def add(session: Session, registered: RegisteredModel) -> RegisteredModel:
    session.add(registered)
    session.flush()
    return registered


def list_registered(session: Session, tenant_id: str, limit: int, cursor: str | None):
    query = select(RegisteredModel).where(RegisteredModel.tenant_id == tenant_id)
    return page(session, query, RegisteredModel, limit, cursor)


# --- versions -----------------------------------------------------------------------------


def add_version(
    session: Session, registered: RegisteredModel, model_id: str, key_prefix: str | None
) -> ModelVersion:
    """The next version of ``registered`` (locked by ``lock``), pointing at ``model_id``."""
    registered.latest_version += 1
    version = ModelVersion(
        registered_model_id=registered.id,
        version=registered.latest_version,
        model_id=model_id,
        created_by=key_prefix,
    )
    session.add(version)
    session.flush()
    return version


def version_of_model(session: Session, registered_id: str, model_id: str) -> int | None:
    query = select(ModelVersion.version).where(
        ModelVersion.registered_model_id == registered_id, ModelVersion.model_id == model_id
    )
    return session.scalar(query)


def get_version(session: Session, registered_id: str, version: int) -> ModelVersion | None:
    return session.get(ModelVersion, (registered_id, version))


def versions(session: Session, registered_id: str, only: int | None = None) -> Sequence[Row]:
    """Each version (or the version ``only``), oldest first, with its model's task,
    metrics, dataset and signature's parts, and the dataset's sha256 (null once the
    dataset is deleted)."""
    query = (
        select(
            ModelVersion.version,
            ModelVersion.model_id,
            ModelVersion.created_by,
            ModelVersion.created_at,
            Model.task,
            Model.metrics,
            Model.dataset_id,
            # what its signature is made of (``syn0.models.schemas.Signature.of``)
            Model.network,
            Model.training,
            Model.classes,
            Model.feature_names,
            Model.target_name,
            Dataset.sha256.label("dataset_sha256"),
        )
        .join(Model, Model.id == ModelVersion.model_id)
        .outerjoin(Dataset, Dataset.id == Model.dataset_id)
        .where(ModelVersion.registered_model_id == registered_id)
        .order_by(ModelVersion.version)
    )
    if only is not None:
        query = query.where(ModelVersion.version == only)
    return session.execute(query).all()


def versions_of_model(session: Session, tenant_id: str, model_id: str) -> list[tuple[str, int]]:
    """``(name, version)`` of every registry version that is the model ``model_id``, in
    order: a model that is one cannot be deleted (its foreign key restricts it)."""
    query = (
        select(RegisteredModel.name, ModelVersion.version)
        .join(ModelVersion, ModelVersion.registered_model_id == RegisteredModel.id)
        .where(RegisteredModel.tenant_id == tenant_id, ModelVersion.model_id == model_id)
        .order_by(RegisteredModel.name, ModelVersion.version)
    )
    return [(row.name, row.version) for row in session.execute(query)]


# --- aliases ------------------------------------------------------------------------------


def aliases(session: Session, registered_ids: Sequence[str]) -> Sequence[Row]:
    """The aliases of these registered models with their versions' models, by name."""
    query = (
        select(ModelAlias, ModelVersion.model_id)
        .join(
            ModelVersion,
            (ModelVersion.registered_model_id == ModelAlias.registered_model_id)
            & (ModelVersion.version == ModelAlias.version),
        )
        .where(ModelAlias.registered_model_id.in_(registered_ids))
        .order_by(ModelAlias.alias)
    )
    return session.execute(query).all()


def get_alias(session: Session, registered_id: str, alias: str) -> ModelAlias | None:
    return session.get(ModelAlias, (registered_id, alias))


def add_alias(session: Session, alias: ModelAlias) -> None:
    session.add(alias)
    session.flush()


def delete_alias(session: Session, alias: ModelAlias) -> None:
    session.execute(
        delete(ModelAlias).where(
            ModelAlias.registered_model_id == alias.registered_model_id,
            ModelAlias.alias == alias.alias,
        )
    )


def add_move(session: Session, move: AliasMove) -> None:
    session.add(move)
    session.flush()


def moves(session: Session, registered_id: str, alias: str | None = None) -> list[AliasMove]:
    """The moves of every alias of ``registered_id`` (or only of ``alias``), oldest first."""
    query = select(AliasMove).where(AliasMove.registered_model_id == registered_id)
    if alias is not None:
        query = query.where(AliasMove.alias == alias)
    return list(session.scalars(query.order_by(AliasMove.id)))


# --- predict ------------------------------------------------------------------------------


def resolve(
    session: Session, tenant_id: str, name: str, alias: str | None, version: int | None
) -> tuple[str, int] | None:
    """``(model_id, version)`` that ``alias`` (or the number ``version``) of the name
    ``name`` points at, or None."""
    query = (
        select(ModelVersion.model_id, ModelVersion.version)
        .join(RegisteredModel, RegisteredModel.id == ModelVersion.registered_model_id)
        .where(RegisteredModel.tenant_id == tenant_id, RegisteredModel.name == name)
    )
    if alias is not None:
        query = query.join(
            ModelAlias,
            (ModelAlias.registered_model_id == ModelVersion.registered_model_id)
            & (ModelAlias.version == ModelVersion.version),
        ).where(ModelAlias.alias == alias)
    else:
        query = query.where(ModelVersion.version == version)
    row = session.execute(query).first()
    return None if row is None else (row.model_id, row.version)
