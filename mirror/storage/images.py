"""Images (issue 9): each distinct content stored once, by SHA-256; each URL that named one.

* ``images``: ``sha256`` (primary key), ``content_type`` (what the bytes are), ``size``,
  ``data`` (``LargeBinary``: ``BLOB`` on SQLite, ``bytea`` on PostgreSQL), ``first_seen``.
  Rows are never deleted or changed: an image a story showed once stays, whatever the site
  does later.
* ``image_urls``: per site (the archive whose story showed the image) and URL, the content it
  gave (``sha256``), ``status`` (``ok`` or ``failed``, with ``reason``), ``first_fetched``,
  ``fetched_at`` and ``attempts``.  A URL that fails after it once worked keeps the content it
  gave (``sha256``) and says ``failed``: nothing fetched is ever lost.

:class:`ImageStore` is mixed into :class:`~mirror.storage.Store`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from mirror.images import ImageRef, bio_image_urls, sha256 as digest, story_image_urls

from .models import Base, SiteRow, utcnow

STATUS_OK = "ok"
STATUS_FAILED = "failed"


class ImageRow(Base):
    """One distinct image content."""

    __tablename__ = "images"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ImageUrlRow(Base):
    """One image URL a story of a site showed, and what fetching it gave."""

    __tablename__ = "image_urls"
    __table_args__ = (UniqueConstraint("site_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    sha256: Mapped[str | None] = mapped_column(ForeignKey("images.sha256"), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_fetched: Mapped[dt.datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class ImageStore:
    """Image methods of :class:`~mirror.storage.Store` (uses its ``_write``, ``_read``,
    ``_site_pk`` and ``dialect``)."""

    def _insert(self, model):
        return (postgresql.insert(model) if self.dialect == "postgresql" else sqlite.insert(model))

    def upsert_image(self, site: str, url: str, data: bytes, content_type: str) -> tuple[str, bool]:
        """Store ``data`` (once per content) as what ``url`` gave on ``site``: returns
        ``(sha256, new)``, ``new`` when this content was not stored before."""
        sha = digest(data)
        now = utcnow()

        def work(session: Session) -> tuple[str, bool]:
            site_pk = self._site_pk(session, site, create=True)
            inserted = session.execute(
                self._insert(ImageRow).values(sha256=sha, content_type=content_type, size=len(data),
                                              data=data, first_seen=now)
                .on_conflict_do_nothing(index_elements=["sha256"]).returning(ImageRow.sha256)
            ).first()
            self._upsert_url(session, site_pk, url, now, sha=sha, status=STATUS_OK, reason=None)
            return sha, inserted is not None

        return self._write(work)

    def record_image_failure(self, site: str, url: str, reason: str) -> None:
        """``url`` could not be fetched (or was no image): recorded, with the reason; a content
        it gave before stays linked."""
        now = utcnow()

        def work(session: Session) -> None:
            site_pk = self._site_pk(session, site, create=True)
            self._upsert_url(session, site_pk, url, now, sha=None, status=STATUS_FAILED, reason=reason[:1000])

        self._write(work)

    def _upsert_url(self, session: Session, site_pk: int, url: str, now: dt.datetime, *,
                    sha: str | None, status: str, reason: str | None) -> None:
        stmt = self._insert(ImageUrlRow).values(site_id=site_pk, url=url, sha256=sha, status=status,
                                                reason=reason, first_fetched=now, fetched_at=now, attempts=1)
        update = {"status": status, "reason": reason, "fetched_at": now,
                  "attempts": ImageUrlRow.attempts + 1}
        if sha is not None:
            update["sha256"] = sha
        session.execute(stmt.on_conflict_do_update(index_elements=["site_id", "url"], set_=update))

    def image_url_status(self, site: str, image_urls: Iterable[str]) -> dict[str, str]:
        """url -> ``ok`` / ``failed`` for those of ``image_urls`` recorded on ``site``."""
        wanted = sorted(set(image_urls))

        def work(session: Session) -> dict[str, str]:
            site_pk = self._site_pk(session, site, create=False)
            if site_pk is None or not wanted:
                return {}
            found: dict[str, str] = {}
            for chunk in _chunks(wanted):
                rows = session.execute(select(ImageUrlRow.url, ImageUrlRow.status).where(
                    ImageUrlRow.site_id == site_pk, ImageUrlRow.url.in_(chunk)))
                found.update({u: s for u, s in rows})
            return found

        return self._read(work)

    def images_for_urls(self, site: str, image_urls: Iterable[str]) -> dict[str, ImageRef]:
        """url -> the stored image it gave, for those of ``image_urls`` that gave one."""
        wanted = sorted(set(image_urls))

        def work(session: Session) -> dict[str, ImageRef]:
            site_pk = self._site_pk(session, site, create=False)
            if site_pk is None or not wanted:
                return {}
            found: dict[str, ImageRef] = {}
            for chunk in _chunks(wanted):
                rows = session.execute(
                    select(ImageUrlRow.url, ImageRow.sha256, ImageRow.content_type, ImageRow.size)
                    .join(ImageRow, ImageRow.sha256 == ImageUrlRow.sha256)
                    .where(ImageUrlRow.site_id == site_pk, ImageUrlRow.url.in_(chunk)))
                found.update({u: ImageRef(u, sha, ctype, size) for u, sha, ctype, size in rows})
            return found

        return self._read(work)

    def image_for_url(self, site: str, url: str) -> ImageRef | None:
        return self.images_for_urls(site, [url]).get(url)

    def images_of_story(self, story) -> list[ImageRef]:
        """The stored images ``story``'s HTML shows, in order of first appearance."""
        wanted = story_image_urls(story)
        found = self.images_for_urls(story.site, wanted) if wanted else {}
        return [found[u] for u in wanted if u in found]

    def images_of_bio(self, profile) -> list[ImageRef]:
        """The stored images an author's bio shows, in order."""
        wanted = bio_image_urls(profile)
        found = self.images_for_urls(profile.site, wanted) if wanted else {}
        return [found[u] for u in wanted if u in found]

    def image_data(self, sha: str) -> bytes:
        def work(session: Session) -> bytes:
            data = session.scalar(select(ImageRow.data).where(ImageRow.sha256 == sha))
            if data is None:
                raise KeyError(f"no image {sha}")
            return bytes(data)

        return self._read(work)

    def image_urls(self, site: str | None = None) -> list[dict]:
        """Every recorded image URL (for reports and tests), ordered by site and URL."""

        def work(session: Session) -> list[dict]:
            query = (select(SiteRow.base_url, ImageUrlRow.url, ImageUrlRow.sha256, ImageUrlRow.status,
                            ImageUrlRow.reason, ImageUrlRow.attempts)
                     .join(SiteRow, SiteRow.id == ImageUrlRow.site_id)
                     .order_by(SiteRow.base_url, ImageUrlRow.url))
            if site is not None:
                query = query.where(SiteRow.base_url == site)
            return [dict(site=s, url=u, sha256=h, status=st, reason=r, attempts=a)
                    for s, u, h, st, r, a in session.execute(query)]

        return self._read(work)

    def images(self) -> list[ImageRef]:
        """Every stored image content (url empty), ordered by SHA-256."""

        def work(session: Session) -> list[ImageRef]:
            rows = session.execute(select(ImageRow.sha256, ImageRow.content_type, ImageRow.size)
                                   .order_by(ImageRow.sha256))
            return [ImageRef("", sha, ctype, size) for sha, ctype, size in rows]

        return self._read(work)


class StoreImages:
    """:class:`~mirror.images.ImageSource` over a store, for the exports."""

    def __init__(self, store: ImageStore):
        self.store = store

    def refs(self, story) -> list[ImageRef]:
        return self.store.images_of_story(story)

    def bio_refs(self, profile) -> list[ImageRef]:
        return self.store.images_of_bio(profile)

    def data(self, sha: str) -> bytes:
        return self.store.image_data(sha)
