"""lifecycle: a job can be deleted and leave its model; partial models; resumed jobs;
each model's lineage and replays

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JOB_FK = "fk_models_job_id_jobs"


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resumed_from", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("replay_of", sa.String(length=32), nullable=True))
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_constraint(JOB_FK, type_="foreignkey")
        batch_op.alter_column("job_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.create_foreign_key(JOB_FK, "jobs", ["job_id"], ["id"], ondelete="SET NULL")
        batch_op.add_column(
            sa.Column("partial", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("epoch", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dataset_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("syn0_version", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("replay_of", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("replay_identical", sa.Boolean(), nullable=True))
    # Models from before this revision: the epoch their metrics name, and the sha256 of
    # their dataset where it is still stored (datasets never change). Their syn0 version
    # is unknown and stays null.
    models = sa.table(
        "models",
        sa.column("id", sa.String),
        sa.column("metrics", sa.JSON),
        sa.column("epoch", sa.Integer),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(models.c.id, models.c.metrics)).all():
        epoch = (row.metrics or {}).get("epoch")
        if isinstance(epoch, int):
            bind.execute(models.update().where(models.c.id == row.id).values(epoch=epoch))
    op.execute(
        "UPDATE models SET dataset_sha256 = "
        "(SELECT d.sha256 FROM datasets d WHERE d.id = models.dataset_id)"
    )


def downgrade() -> None:
    # Before this revision every model had its job: the models of deleted jobs go.
    op.execute("DELETE FROM models WHERE job_id IS NULL")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_column("replay_identical")
        batch_op.drop_column("replay_of")
        batch_op.drop_column("syn0_version")
        batch_op.drop_column("dataset_sha256")
        batch_op.drop_column("epoch")
        batch_op.drop_column("partial")
        batch_op.drop_constraint(JOB_FK, type_="foreignkey")
        batch_op.alter_column("job_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_foreign_key(JOB_FK, "jobs", ["job_id"], ["id"])
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("replay_of")
        batch_op.drop_column("resumed_from")
