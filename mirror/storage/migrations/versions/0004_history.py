"""History: story_versions, chapter_versions, story_events (commit 315d55b).

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mirror.storage.migrations.helpers import has_table

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_table('chapter_versions'):
        op.create_table('chapter_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('story_pk', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('chapter_id', sa.Integer(), nullable=True),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('notes_html', sa.Text(), nullable=False),
        sa.Column('end_notes_html', sa.Text(), nullable=False),
        sa.Column('text_html', sa.Text(), nullable=False),
        sa.Column('word_count', sa.Integer(), nullable=True),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['story_pk'], ['stories.id'], name=op.f('fk_chapter_versions_story_pk_stories'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chapter_versions'))
        )
        with op.batch_alter_table('chapter_versions', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_chapter_versions_story_pk_number'), ['story_pk', 'number'], unique=False)


    if not has_table('story_events'):
        op.create_table('story_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('story_pk', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('chapter_number', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('removed', 'restored', 'chapter_removed')", name=op.f('ck_story_events_kind')),
        sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], name=op.f('fk_story_events_run_id_crawl_runs'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['story_pk'], ['stories.id'], name=op.f('fk_story_events_story_pk_stories'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_story_events'))
        )
        with op.batch_alter_table('story_events', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_story_events_story_pk'), ['story_pk'], unique=False)


    if not has_table('story_versions'):
        op.create_table('story_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('story_pk', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('metadata', sa.JSON(), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['story_pk'], ['stories.id'], name=op.f('fk_story_versions_story_pk_stories'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_story_versions'))
        )
        with op.batch_alter_table('story_versions', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_story_versions_story_pk'), ['story_pk'], unique=False)


def downgrade() -> None:
    op.drop_table('story_versions')
    op.drop_table('story_events')
    op.drop_table('chapter_versions')
