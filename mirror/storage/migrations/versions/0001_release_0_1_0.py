"""The first released schema (fic-mirror 0.1.0, commit 146f1b9).

Revision ID: 0001
Revises: None
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('base_url', sa.String(length=1024), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('base_url', name=op.f('uq_sites_base_url'))
    )
    op.create_table('authors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_authors_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authors')),
    sa.UniqueConstraint('site_id', 'author_id', name=op.f('uq_authors_site_id_author_id'))
    )
    op.create_table('crawl_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=32), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=100), nullable=False),
    sa.Column('stats', sa.JSON(), nullable=True),
    sa.Column('stories_new', sa.Integer(), nullable=False),
    sa.Column('stories_changed', sa.Integer(), nullable=False),
    sa.Column('stories_unchanged', sa.Integer(), nullable=False),
    sa.Column('stories_restricted', sa.Integer(), nullable=False),
    sa.Column('stories_dropped', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_crawl_runs_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_runs'))
    )
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crawl_runs_site_id'), ['site_id'], unique=False)

    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_series_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series')),
    sa.UniqueConstraint('site_id', 'series_id', name=op.f('uq_series_site_id_series_id'))
    )
    op.create_table('stories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('summary_html', sa.Text(), nullable=False),
    sa.Column('rating', sa.Text(), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('characters', sa.JSON(), nullable=False),
    sa.Column('classes', sa.JSON(), nullable=False),
    sa.Column('challenges', sa.JSON(), nullable=False),
    sa.Column('chapter_count', sa.Integer(), nullable=True),
    sa.Column('completed', sa.Boolean(), nullable=True),
    sa.Column('word_count', sa.Integer(), nullable=True),
    sa.Column('read_count', sa.Integer(), nullable=True),
    sa.Column('review_count', sa.Integer(), nullable=True),
    sa.Column('featured', sa.Boolean(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('published', sa.Date(), nullable=True),
    sa.Column('updated', sa.Date(), nullable=True),
    sa.Column('published_display', sa.Text(), nullable=True),
    sa.Column('updated_display', sa.Text(), nullable=True),
    sa.Column('story_notes_html', sa.Text(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_fetched', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_changed', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('ok', 'restricted')", name=op.f('ck_stories_status')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_stories_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stories')),
    sa.UniqueConstraint('site_id', 'story_id', name=op.f('uq_stories_site_id_story_id'))
    )
    op.create_table('chapters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_pk', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('word_count', sa.Integer(), nullable=True),
    sa.Column('notes_html', sa.Text(), nullable=False),
    sa.Column('end_notes_html', sa.Text(), nullable=False),
    sa.Column('text_html', sa.Text(), nullable=False),
    sa.Column('source_url', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['story_pk'], ['stories.id'], name=op.f('fk_chapters_story_pk_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chapters')),
    sa.UniqueConstraint('story_pk', 'number', name=op.f('uq_chapters_story_pk_number'))
    )
    op.create_table('story_authors',
    sa.Column('story_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('author_pk', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_pk'], ['authors.id'], name=op.f('fk_story_authors_author_pk_authors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['story_pk'], ['stories.id'], name=op.f('fk_story_authors_story_pk_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('story_pk', 'position', name=op.f('pk_story_authors'))
    )
    with op.batch_alter_table('story_authors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_authors_author_pk'), ['author_pk'], unique=False)

    op.create_table('story_series',
    sa.Column('story_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('series_pk', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['series_pk'], ['series.id'], name=op.f('fk_story_series_series_pk_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['story_pk'], ['stories.id'], name=op.f('fk_story_series_story_pk_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('story_pk', 'position', name=op.f('pk_story_series'))
    )
    with op.batch_alter_table('story_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_series_series_pk'), ['series_pk'], unique=False)

    op.create_table('chapter_authors',
    sa.Column('chapter_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('author_pk', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_pk'], ['authors.id'], name=op.f('fk_chapter_authors_author_pk_authors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chapter_pk'], ['chapters.id'], name=op.f('fk_chapter_authors_chapter_pk_chapters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chapter_pk', 'position', name=op.f('pk_chapter_authors'))
    )
    with op.batch_alter_table('chapter_authors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chapter_authors_author_pk'), ['author_pk'], unique=False)


def downgrade() -> None:
    op.drop_table('chapter_authors')
    op.drop_table('story_series')
    op.drop_table('story_authors')
    op.drop_table('chapters')
    op.drop_table('stories')
    op.drop_table('series')
    op.drop_table('crawl_runs')
    op.drop_table('authors')
    op.drop_table('sites')
