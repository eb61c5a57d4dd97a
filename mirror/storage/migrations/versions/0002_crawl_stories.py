"""Crawl states per story (crawl_stories); stories.status may be 'incomplete' (commit 28a87f0).

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mirror.storage.migrations.helpers import has_table

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_table('crawl_stories'):
        op.create_table('crawl_stories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], name=op.f('fk_crawl_stories_run_id_crawl_runs'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_crawl_stories_site_id_sites'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_stories')),
        sa.UniqueConstraint('run_id', 'story_id', name=op.f('uq_crawl_stories_run_id_story_id'))
        )
        with op.batch_alter_table('crawl_stories', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_crawl_stories_site_id_story_id'), ['site_id', 'story_id'], unique=False)
    # The status CHECK gains 'incomplete' (SQLite: the table is copied, rows and all).
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stories_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_stories_status'), "status IN ('ok', 'restricted', 'incomplete')")


def downgrade() -> None:
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stories_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_stories_status'), "status IN ('ok', 'restricted')")
    op.drop_table('crawl_stories')
