"""stories.removed_at (commit e86ffda).

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mirror.storage.migrations.helpers import has_column

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_column('stories', 'removed_at'):
        with op.batch_alter_table('stories', schema=None) as batch_op:
            batch_op.add_column(sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
