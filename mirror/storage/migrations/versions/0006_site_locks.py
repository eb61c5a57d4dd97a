"""site_locks: one crawl per site on every path (mirror/storage/locks.py).

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mirror.storage.migrations.helpers import has_table

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_table('site_locks'):
        op.create_table('site_locks',
        sa.Column('base_url', sa.Text(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('host', sa.Text(), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('pid_started', sa.BigInteger(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('base_url', name=op.f('pk_site_locks'))
        )


def downgrade() -> None:
    op.drop_table('site_locks')
