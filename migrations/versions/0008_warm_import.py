"""models: an imported model has no job (models.job_id nullable)

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # POST /v1/models/import makes models that no job trained. The foreign key and the
    # unique constraint stay: a job still has at most one model.
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.alter_column("job_id", existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    # The earlier schema cannot hold a model without a job: imported models go.
    op.execute("DELETE FROM models WHERE job_id IS NULL")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.alter_column("job_id", existing_type=sa.String(length=32), nullable=False)
