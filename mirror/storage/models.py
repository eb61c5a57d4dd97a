"""Database schema: SQLAlchemy 2.0 declarative models.

Portable on purpose: only generic types (``Integer``, ``String``, ``Text``,
``Boolean``, ``Date``, :class:`UTCDateTime`, ``sqlalchemy.JSON``) and plain
constraints, so the same models work on SQLite and PostgreSQL.  Every
constraint and index gets a deterministic name from
:data:`NAMING_CONVENTION` (Alembic migrations need stable names).

Ordered lists that live in JSON columns are stored as JSON *arrays*, never as
objects, so their order survives any backend (PostgreSQL ``jsonb`` would
reorder object keys):

* tags (``categories``, ``characters``, ``challenges``):
  ``[{"id": 12, "name": "Drama"}, ...]``
* ``classes``: ``[{"type": "Genre", "values": [{"id": 1, "name": "Angst"}]}, ...]``
  (type order = site order)
* ``extra``: ``[{"label": "Beta", "value": "Someone"}, ...]``

Ordered links (story authors, story series, chapter authors) are rows with a
``position`` column that is part of the primary key.

Timestamps are UTC: :class:`UTCDateTime` refuses naive datetimes on the way
in and always hands back aware UTC datetimes (SQLite stores them naive).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime."""
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """``DateTime(timezone=True)`` that always stores and returns UTC.

    Naive datetimes are rejected when written (their meaning is ambiguous);
    values read back are aware and in UTC on every backend.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware (UTC) datetimes only")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite keeps no offset; we only ever write UTC
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        dt.date: Date(),
        str: Text(),
    }


class SiteRow(Base):
    """One eFiction archive, identified by its base URL."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    base_url: Mapped[str] = mapped_column(String(1024), unique=True)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuthorRow(Base):
    """An author account on one site (``author_id`` is eFiction's ``uid``)."""

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("site_id", "author_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str]
    url: Mapped[str]


class SeriesRow(Base):
    """A series on one site (``series_id`` is eFiction's ``seriesid``).

    A story's series links create the row with its title and URL; the columns after ``url``
    come from the series' own page (``viewseries.php``) and stay NULL until it was read
    (``last_fetched``).  ``parent_series_id`` is the parent's ``seriesid`` on the same site.
    """

    __tablename__ = "series"
    __table_args__ = (UniqueConstraint("site_id", "series_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    series_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str]
    url: Mapped[str]
    owner_author_pk: Mapped[int | None] = mapped_column(
        ForeignKey("authors.id", ondelete="SET NULL"), default=None)
    summary_html: Mapped[str | None] = mapped_column(default=None)
    categories: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    characters: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    classes: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    series_type: Mapped[str | None] = mapped_column(String(32), default=None)
    parent_series_id: Mapped[int | None] = mapped_column(Integer, default=None)
    story_count: Mapped[int | None] = mapped_column(Integer, default=None)
    last_fetched: Mapped[dt.datetime | None] = mapped_column(default=None)


class SeriesItemRow(Base):
    """One item of a series in the site's order (eFiction's ``inorder``, counting stories and
    sub-series together; ``position`` is 1-based): a story (``story_id``, eFiction's ``sid``)
    or a sub-series (``child_series_id``, its ``seriesid``).  Replaced whole when the series'
    pages are stored."""

    __tablename__ = "series_items"
    __table_args__ = (
        Index(None, "story_id"),
        CheckConstraint("(story_id IS NULL) <> (child_series_id IS NULL)", name="one_kind"),
    )

    series_pk: Mapped[int] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int | None] = mapped_column(Integer, default=None)
    child_series_id: Mapped[int | None] = mapped_column(Integer, default=None)


class StoryRow(Base):
    """One story (``story_id`` is eFiction's ``sid``) with all its metadata."""

    __tablename__ = "stories"
    __table_args__ = (
        UniqueConstraint("site_id", "story_id"),
        CheckConstraint("status IN ('ok', 'restricted', 'incomplete')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    story_id: Mapped[int] = mapped_column(Integer)
    url: Mapped[str]
    title: Mapped[str]
    status: Mapped[str] = mapped_column(String(16))
    summary_html: Mapped[str]
    rating: Mapped[str | None]
    categories: Mapped[list[Any]] = mapped_column(JSON)
    characters: Mapped[list[Any]] = mapped_column(JSON)
    classes: Mapped[list[Any]] = mapped_column(JSON)
    challenges: Mapped[list[Any]] = mapped_column(JSON)
    chapter_count: Mapped[int | None] = mapped_column(Integer)
    completed: Mapped[bool | None] = mapped_column(Boolean)
    word_count: Mapped[int | None] = mapped_column(Integer)
    read_count: Mapped[int | None] = mapped_column(Integer)
    review_count: Mapped[int | None] = mapped_column(Integer)
    featured: Mapped[bool] = mapped_column(Boolean)
    retired: Mapped[bool] = mapped_column(Boolean)
    published: Mapped[dt.date | None]
    updated: Mapped[dt.date | None]
    published_display: Mapped[str | None]
    updated_display: Mapped[str | None]
    story_notes_html: Mapped[str]
    extra: Mapped[list[Any]] = mapped_column(JSON)
    # HTTP requests the latest fetch spent on this story (not content: a
    # difference here alone does not make the story "changed").
    requests: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_fetched: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_changed: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When a re-sync found the story gone (no longer listed, or "Access denied"); None while
    # the site shows it.  Its content stays either way.
    removed_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    author_links: Mapped[list[StoryAuthorRow]] = relationship(
        order_by="StoryAuthorRow.position", cascade="all, delete-orphan", passive_deletes=True
    )
    series_links: Mapped[list[StorySeriesRow]] = relationship(
        order_by="StorySeriesRow.position", cascade="all, delete-orphan", passive_deletes=True
    )
    chapters: Mapped[list[ChapterRow]] = relationship(
        order_by="ChapterRow.number", cascade="all, delete-orphan", passive_deletes=True
    )


class StoryAuthorRow(Base):
    """Story -> author link; ``position`` keeps the byline order."""

    __tablename__ = "story_authors"
    __table_args__ = (Index(None, "author_pk"),)

    story_pk: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_pk: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))

    author: Mapped[AuthorRow] = relationship(lazy="joined", innerjoin=True)


class StorySeriesRow(Base):
    """Story -> series link; ``position`` keeps the order the story page shows."""

    __tablename__ = "story_series"
    __table_args__ = (Index(None, "series_pk"),)

    story_pk: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_pk: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))

    series: Mapped[SeriesRow] = relationship(lazy="joined", innerjoin=True)


class StorySourceRow(Base):
    """A page the story's latest fetch read, in fetch order, and where its raw response is kept
    in the WARC files: what ``mirror reparse`` and ``mirror verify`` read instead of the site."""

    __tablename__ = "story_sources"

    story_pk: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str]
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[int] = mapped_column(Integer)
    warc_filename: Mapped[str | None] = mapped_column(String(255))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(String(100))
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChapterRow(Base):
    """One chapter; ``number`` is the 1-based position (eFiction's ``inorder``)."""

    __tablename__ = "chapters"
    __table_args__ = (UniqueConstraint("story_pk", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_pk: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    chapter_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str]
    word_count: Mapped[int | None] = mapped_column(Integer)
    notes_html: Mapped[str]
    end_notes_html: Mapped[str]
    text_html: Mapped[str]
    source_url: Mapped[str]
    # The WARC record holding the response this text was read from (``--warc`` crawls): file
    # name within the WARC folder and byte offset of the record; None without a capture.
    warc_filename: Mapped[str | None] = mapped_column(String(255), default=None)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger, default=None)

    author_links: Mapped[list[ChapterAuthorRow]] = relationship(
        order_by="ChapterAuthorRow.position", cascade="all, delete-orphan", passive_deletes=True
    )


class ChapterAuthorRow(Base):
    """Chapter -> author link (round-robin stories credit chapters separately)."""

    __tablename__ = "chapter_authors"
    __table_args__ = (Index(None, "author_pk"),)

    chapter_pk: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_pk: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))

    author: Mapped[AuthorRow] = relationship(lazy="joined", innerjoin=True)


class StoryVersionRow(Base):
    """One version of a story's metadata, as the site showed it from ``first_seen`` to ``last_seen``.

    ``data`` (column ``metadata``) holds every field of the story item except its chapters,
    the crawl cost (``requests``), parse warnings and the drifting counters (``read_count``,
    ``review_count``); ``content_hash`` is the SHA-256 of its canonical JSON.  The newest
    row (highest ``id``) of a story is its current version; older rows are never deleted.
    """

    __tablename__ = "story_versions"
    __table_args__ = (Index(None, "story_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_pk: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChapterVersionRow(Base):
    """One version of a chapter (by its ``number`` in the story): title, notes, end notes, text.

    ``content_hash`` is the SHA-256 of the canonical JSON of those four fields.  The newest
    row (highest ``id``) for a number is the version the ``chapters`` table holds; versions
    of a chapter the site removed stay.
    """

    __tablename__ = "chapter_versions"
    __table_args__ = (Index(None, "story_pk", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_pk: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    chapter_id: Mapped[int | None] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str]
    notes_html: Mapped[str]
    end_notes_html: Mapped[str]
    text_html: Mapped[str]
    word_count: Mapped[int | None] = mapped_column(Integer)  # the site's count for this version
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StoryEventRow(Base):
    """A history event that is not a new version: the story left the site (``removed``),
    came back (``restored``), or lost a chapter (``chapter_removed``, with its number)."""

    __tablename__ = "story_events"
    __table_args__ = (
        Index(None, "story_pk"),
        CheckConstraint("kind IN ('removed', 'restored', 'chapter_removed')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_pk: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    chapter_number: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL"), default=None
    )


class CrawlRun(Base):
    """One crawl of one site: when, how it ended, and what it found."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index(None, "site_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(32))
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    # "running", "finished", "failed", or e.g. "stopped: <scrapy close reason>"
    status: Mapped[str] = mapped_column(String(100))
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    stories_new: Mapped[int] = mapped_column(Integer, default=0)
    stories_changed: Mapped[int] = mapped_column(Integer, default=0)
    stories_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    stories_restricted: Mapped[int] = mapped_column(Integer, default=0)
    stories_dropped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)


class CrawlStory(Base):
    """What a crawl run did with one story: the crawl state that survives a killed process.

    ``state`` is ``discovered`` (listed, not done yet), ``stored``, ``restricted``,
    ``incomplete`` (stored, but some chapters could not be fetched), ``dropped`` (a
    page could not be parsed or the site refused it) or ``failed`` (requests failed
    after their retries); ``reason`` says why for the last three.
    """

    __tablename__ = "crawl_stories"
    __table_args__ = (UniqueConstraint("run_id", "story_id"), Index(None, "site_id", "story_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    story_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)



class ReviewRow(Base):
    """A reader's review of a story (``item_type`` "ST") or series ("SE"), keyed by the site's
    ``reviewid``.  The row holds the latest version; every distinct text/response/score is kept
    in ``review_versions``.  ``posted`` is the site's local time as shown (naive, like the page).
    ``removed_at``: a complete re-read of the item no longer showed it (the row stays)."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("site_id", "review_id"), Index(None, "site_id", "item_type", "item_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    review_id: Mapped[int] = mapped_column(Integer)
    item_type: Mapped[str] = mapped_column(String(2))
    item_id: Mapped[int] = mapped_column(Integer)
    reviewer_uid: Mapped[int | None] = mapped_column(Integer)
    reviewer_name: Mapped[str]
    signed: Mapped[bool] = mapped_column(Boolean)
    chapter_title: Mapped[str | None]
    chapter_number: Mapped[int | None] = mapped_column(Integer)
    chapter_id: Mapped[int | None] = mapped_column(Integer)
    date_display: Mapped[str]
    posted: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=False))
    score: Mapped[int | None] = mapped_column(Integer)
    text_html: Mapped[str]
    rating_only: Mapped[bool] = mapped_column(Boolean)
    response_html: Mapped[str]
    source_url: Mapped[str]
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_fetched: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_changed: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class ReviewVersionRow(Base):
    """One distinct content of a review (text, response, score, reviewer) and when it was seen."""

    __tablename__ = "review_versions"
    __table_args__ = (Index(None, "review_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_pk: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewReadRow(Base):
    """When the reviews of a story ("ST") or series ("SE") were last read, the review count its
    listing (a series: its page) showed then (``listed_count``; NULL when not known), and whether
    every page was read (``complete``).  A re-sync reads them again only when the count shown
    now differs, or that read was not complete: the count shown is the site's counter, which
    need not equal the reviews reads show (mirror/sync.py)."""

    __tablename__ = "review_reads"
    __table_args__ = (UniqueConstraint("site_id", "item_type", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    item_type: Mapped[str] = mapped_column(String(2))
    item_id: Mapped[int] = mapped_column(Integer)
    listed_count: Mapped[int | None] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean)
    last_fetched: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuthorProfileRow(Base):
    """A member's profile page (``viewuser.php?uid=N``), one row per ``authors`` row that was
    read; every distinct content is kept in ``author_profile_versions``."""

    __tablename__ = "author_profiles"

    author_pk: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True)
    pen_name: Mapped[str]
    real_name: Mapped[str]
    member_since: Mapped[dt.date | None]
    member_since_display: Mapped[str]
    status: Mapped[str]
    bio_html: Mapped[str]
    fields: Mapped[list[Any]] = mapped_column(JSON)  # [{"label": ..., "value": html}, ...]
    story_ids: Mapped[list[Any]] = mapped_column(JSON)
    story_count: Mapped[int | None] = mapped_column(Integer)
    series_count: Mapped[int | None] = mapped_column(Integer)
    review_count: Mapped[int | None] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_fetched: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_fetched: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_changed: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuthorProfileVersionRow(Base):
    """One distinct content of a member's profile and when it was seen."""

    __tablename__ = "author_profile_versions"
    __table_args__ = (Index(None, "author_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_pk: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChallengeRow(Base):
    """A challenge of the challenges module (``challenges.php?chalid=N``): who issued it, what it
    asks, and the stories answering it in the site's order (``story_ids``).  Every distinct
    content is kept in ``challenge_versions``.  ``responses_complete`` is false when a page of its
    responses could not be fetched (the responses stored before are then kept)."""

    __tablename__ = "challenges"
    __table_args__ = (UniqueConstraint("site_id", "challenge_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(Integer)
    url: Mapped[str]
    title: Mapped[str]
    owner_uid: Mapped[int | None] = mapped_column(Integer)
    owner_name: Mapped[str | None]
    summary_html: Mapped[str]
    categories: Mapped[list[Any]] = mapped_column(JSON)
    characters: Mapped[list[Any]] = mapped_column(JSON)
    story_ids: Mapped[list[Any]] = mapped_column(JSON)
    listed_count: Mapped[int | None] = mapped_column(Integer)
    responses_complete: Mapped[bool] = mapped_column(Boolean, default=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_fetched: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_fetched: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_changed: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChallengeVersionRow(Base):
    """One distinct content of a challenge and when it was seen."""

    __tablename__ = "challenge_versions"
    __table_args__ = (Index(None, "challenge_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_pk: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TaxonomyRow(Base):
    """One entry of a site's taxonomy, as its browse pages show it: a category (``item_id`` =
    catid, ``parent_id`` = parent catid or null, ``position`` among its siblings, description and
    story count), a character (charid; ``category_id`` when shown), a rating (rid; its gate's
    ``warning_text`` when known), a class type (type_id) or a class (classid; ``parent_id`` = its
    type_id).  The rows of a part (categories, characters, ratings, classes) are replaced when
    that part is read whole; every distinct content of a part is kept in ``taxonomy_versions``."""

    __tablename__ = "taxonomy"
    __table_args__ = (UniqueConstraint("site_id", "kind", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # category, character, rating, class_type, class
    item_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str]
    parent_id: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    story_count: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(Integer)
    warning_text: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TaxonomyVersionRow(Base):
    """One distinct content of a taxonomy part (every entry of it, as JSON) and when it was seen."""

    __tablename__ = "taxonomy_versions"
    __table_args__ = (Index(None, "site_id", "part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    part: Mapped[str] = mapped_column(String(16))  # categories, characters, ratings, classes
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[list[Any]] = mapped_column(JSON)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SiteLockRow(Base):
    """The lock that lets one crawl at a time mirror a site (mirror/storage/locks.py): who holds
    it (a token of its own, the host and process), since when, its last heartbeat, and its run.
    The row exists while a crawl holds the lock; a dead holder's row is taken over."""

    __tablename__ = "site_locks"

    base_url: Mapped[str] = mapped_column(Text, primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(Text)
    pid: Mapped[int] = mapped_column(Integer)
    # the process's start time (clock ticks after boot, /proc/PID/stat): a reused pid differs
    pid_started: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    run_id: Mapped[int | None] = mapped_column(Integer)


TABLE_NAMES = tuple(t.name for t in Base.metadata.sorted_tables)
