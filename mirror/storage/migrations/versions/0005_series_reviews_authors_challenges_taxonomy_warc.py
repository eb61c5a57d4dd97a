"""Series pages, reviews, author profiles, challenges, taxonomy, images, WARC sources (commit 2e9b23a).

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mirror.storage.migrations.helpers import has_column, has_table

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_table('challenges'):
        op.create_table('challenges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('challenge_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('owner_uid', sa.Integer(), nullable=True),
        sa.Column('owner_name', sa.Text(), nullable=True),
        sa.Column('summary_html', sa.Text(), nullable=False),
        sa.Column('categories', sa.JSON(), nullable=False),
        sa.Column('characters', sa.JSON(), nullable=False),
        sa.Column('story_ids', sa.JSON(), nullable=False),
        sa.Column('listed_count', sa.Integer(), nullable=True),
        sa.Column('responses_complete', sa.Boolean(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('first_fetched', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_fetched', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_changed', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_challenges_site_id_sites'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_challenges')),
        sa.UniqueConstraint('site_id', 'challenge_id', name=op.f('uq_challenges_site_id_challenge_id'))
        )

    if not has_table('reviews'):
        op.create_table('reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('item_type', sa.String(length=2), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('reviewer_uid', sa.Integer(), nullable=True),
        sa.Column('reviewer_name', sa.Text(), nullable=False),
        sa.Column('signed', sa.Boolean(), nullable=False),
        sa.Column('chapter_title', sa.Text(), nullable=True),
        sa.Column('chapter_number', sa.Integer(), nullable=True),
        sa.Column('chapter_id', sa.Integer(), nullable=True),
        sa.Column('date_display', sa.Text(), nullable=False),
        sa.Column('posted', sa.DateTime(), nullable=True),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('text_html', sa.Text(), nullable=False),
        sa.Column('rating_only', sa.Boolean(), nullable=False),
        sa.Column('response_html', sa.Text(), nullable=False),
        sa.Column('source_url', sa.Text(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_fetched', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_changed', sa.DateTime(timezone=True), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_reviews_site_id_sites'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
        sa.UniqueConstraint('site_id', 'review_id', name=op.f('uq_reviews_site_id_review_id'))
        )
        with op.batch_alter_table('reviews', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_reviews_site_id_item_type_item_id'), ['site_id', 'item_type', 'item_id'], unique=False)


    if not has_table('taxonomy'):
        op.create_table('taxonomy',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('story_count', sa.Integer(), nullable=True),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('warning_text', sa.Text(), nullable=True),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_taxonomy_site_id_sites'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_taxonomy')),
        sa.UniqueConstraint('site_id', 'kind', 'item_id', name=op.f('uq_taxonomy_site_id_kind_item_id'))
        )

    if not has_table('taxonomy_versions'):
        op.create_table('taxonomy_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('part', sa.String(length=16), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_taxonomy_versions_site_id_sites'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_taxonomy_versions'))
        )
        with op.batch_alter_table('taxonomy_versions', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_taxonomy_versions_site_id_part'), ['site_id', 'part'], unique=False)


    if not has_table('author_profile_versions'):
        op.create_table('author_profile_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('author_pk', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_pk'], ['authors.id'], name=op.f('fk_author_profile_versions_author_pk_authors'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_author_profile_versions'))
        )
        with op.batch_alter_table('author_profile_versions', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_author_profile_versions_author_pk'), ['author_pk'], unique=False)


    if not has_table('author_profiles'):
        op.create_table('author_profiles',
        sa.Column('author_pk', sa.Integer(), nullable=False),
        sa.Column('pen_name', sa.Text(), nullable=False),
        sa.Column('real_name', sa.Text(), nullable=False),
        sa.Column('member_since', sa.Date(), nullable=True),
        sa.Column('member_since_display', sa.Text(), nullable=False),
        sa.Column('status', sa.Text(), nullable=False),
        sa.Column('bio_html', sa.Text(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('story_ids', sa.JSON(), nullable=False),
        sa.Column('story_count', sa.Integer(), nullable=True),
        sa.Column('series_count', sa.Integer(), nullable=True),
        sa.Column('review_count', sa.Integer(), nullable=True),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('first_fetched', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_fetched', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_changed', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_pk'], ['authors.id'], name=op.f('fk_author_profiles_author_pk_authors'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('author_pk', name=op.f('pk_author_profiles'))
        )

    if not has_table('challenge_versions'):
        op.create_table('challenge_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('challenge_pk', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['challenge_pk'], ['challenges.id'], name=op.f('fk_challenge_versions_challenge_pk_challenges'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_versions'))
        )
        with op.batch_alter_table('challenge_versions', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_challenge_versions_challenge_pk'), ['challenge_pk'], unique=False)


    if not has_table('review_versions'):
        op.create_table('review_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_pk', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['review_pk'], ['reviews.id'], name=op.f('fk_review_versions_review_pk_reviews'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_versions'))
        )
        with op.batch_alter_table('review_versions', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_review_versions_review_pk'), ['review_pk'], unique=False)


    if not has_table('story_sources'):
        op.create_table('story_sources',
        sa.Column('story_pk', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('warc_filename', sa.String(length=255), nullable=True),
        sa.Column('warc_offset', sa.BigInteger(), nullable=True),
        sa.Column('warc_length', sa.BigInteger(), nullable=True),
        sa.Column('warc_record_id', sa.String(length=100), nullable=True),
        sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['story_pk'], ['stories.id'], name=op.f('fk_story_sources_story_pk_stories'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('story_pk', 'position', name=op.f('pk_story_sources'))
        )

    if not has_table('series_items'):
        op.create_table('series_items',
        sa.Column('series_pk', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=True),
        sa.Column('child_series_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(story_id IS NULL) <> (child_series_id IS NULL)', name=op.f('ck_series_items_one_kind')),
        sa.ForeignKeyConstraint(['series_pk'], ['series.id'], name=op.f('fk_series_items_series_pk_series'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('series_pk', 'position', name=op.f('pk_series_items'))
        )
        with op.batch_alter_table('series_items', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_series_items_story_id'), ['story_id'], unique=False)


    if not has_table('images'):
        op.create_table('images',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_images'))
        )

    if not has_table('image_urls'):
        op.create_table('image_urls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('first_fetched', sa.DateTime(timezone=True), nullable=False),
        sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['sha256'], ['images.sha256'], name=op.f('fk_image_urls_sha256_images')),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_image_urls_site_id_sites'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_image_urls')),
        sa.UniqueConstraint('site_id', 'url', name=op.f('uq_image_urls_site_id_url'))
        )

    if not has_column('chapters', 'warc_filename'):
        with op.batch_alter_table('chapters', schema=None) as batch_op:
            batch_op.add_column(sa.Column('warc_filename', sa.String(length=255), nullable=True))
            batch_op.add_column(sa.Column('warc_offset', sa.BigInteger(), nullable=True))

    if not has_column('series', 'owner_author_pk'):
        with op.batch_alter_table('series', schema=None) as batch_op:
            batch_op.add_column(sa.Column('owner_author_pk', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('summary_html', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('categories', sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column('characters', sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column('classes', sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column('series_type', sa.String(length=32), nullable=True))
            batch_op.add_column(sa.Column('parent_series_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('story_count', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('last_fetched', sa.DateTime(timezone=True), nullable=True))
            batch_op.create_foreign_key(batch_op.f('fk_series_owner_author_pk_authors'), 'authors', ['owner_author_pk'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_series_owner_author_pk_authors'), type_='foreignkey')
        for column in ('last_fetched', 'story_count', 'parent_series_id', 'series_type', 'classes',
                       'characters', 'categories', 'summary_html', 'owner_author_pk'):
            batch_op.drop_column(column)
    with op.batch_alter_table('chapters', schema=None) as batch_op:
        batch_op.drop_column('warc_offset')
        batch_op.drop_column('warc_filename')
    op.drop_table('image_urls')
    op.drop_table('images')
    op.drop_table('series_items')
    op.drop_table('story_sources')
    op.drop_table('review_versions')
    op.drop_table('challenge_versions')
    op.drop_table('author_profiles')
    op.drop_table('author_profile_versions')
    op.drop_table('taxonomy_versions')
    op.drop_table('taxonomy')
    op.drop_table('reviews')
    op.drop_table('challenges')
