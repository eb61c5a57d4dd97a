"""review_reads: the review count listed when an item's reviews were read (re-sync compares it).

The rows are filled from the reviews already stored: each item's count of stored reviews with
text the site still shows, which is what a re-sync compared the listing with before, so the
first re-sync after the upgrade reads what the one before it would have.

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mirror.storage.migrations.helpers import has_table

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if has_table('review_reads'):
        return
    reads = op.create_table('review_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=2), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('listed_count', sa.Integer(), nullable=True),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('last_fetched', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_review_reads_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_reads')),
    sa.UniqueConstraint('site_id', 'item_type', 'item_id', name=op.f('uq_review_reads_site_id_item_type_item_id'))
    )
    reviews = sa.table('reviews', sa.column('site_id'), sa.column('item_type'), sa.column('item_id'),
                       sa.column('rating_only', sa.Boolean()), sa.column('removed_at'), sa.column('last_fetched'))
    shown = sa.case((sa.and_(reviews.c.removed_at.is_(None), reviews.c.rating_only.is_(False)), 1), else_=0)
    op.execute(reads.insert().from_select(
        ['site_id', 'item_type', 'item_id', 'listed_count', 'complete', 'last_fetched'],
        sa.select(reviews.c.site_id, reviews.c.item_type, reviews.c.item_id, sa.func.sum(shown), sa.true(),
                  sa.func.max(reviews.c.last_fetched))
        .group_by(reviews.c.site_id, reviews.c.item_type, reviews.c.item_id)))


def downgrade() -> None:
    op.drop_table('review_reads')
