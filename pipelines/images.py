"""Images (issue 9): after a story is stored, download the images its HTML shows; store each.

A stored :class:`~mirror.items.Story` (not members-only) names its images in its notes and
chapters (:func:`mirror.images.story_image_urls`), an author's profile in its bio.  Those not stored yet (a re-sync reads only
new and changed stories, and skips every URL already stored; a URL that failed is tried again
when its story is fetched again) are requested through the engine, after the story pages
(priority -3, the site's own download slot and delay, robots.txt obeyed).  Images on other
hosts only with ``MIRROR_IMAGES_OFFSITE``: each such host gets its own slot, delay and
robots.txt, and :class:`~mirror.middlewares.StayOnSiteMiddleware` lets through exactly the
image URLs asked for here (``spider.image_urls_requested``).

Each answer comes back as an :class:`~mirror.images.ImageDownload` item, checked
(:func:`mirror.images.check_image`: ``image/*``, magic bytes, ``MIRROR_IMAGE_MAX_BYTES``) and
stored once per content.  A failure is recorded on the URL (``image_urls.status``) and counted
(``mirror/images/failed/<reason>``); it never fails the story.
"""

from __future__ import annotations

import logging

import scrapy
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.spidermiddlewares.httperror import HttpError
from mirror.storage.errors import DatabaseError
from scrapy.utils.defer import deferred_to_future
from twisted.internet.threads import deferToThread

from mirror.images import (ImageDownload, bio_image_urls, check_image, image_url_allowed, same_host,
                           story_image_urls)
from mirror.items import STATUS_RESTRICTED, AuthorProfile, Story
from mirror.storage import StorageError, Store, database_url

logger = logging.getLogger(__name__)

IMAGE_PRIORITY = -3  # after story pages (0), series (-1), reviews and authors (-2)


def _failure_reason(failure) -> str:
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    if "download max size" in failure.getErrorMessage():  # MIRROR_IMAGE_MAX_BYTES, by Content-Length
        return f"too_large: {failure.getErrorMessage()}"[:300]
    return f"{type(failure.value).__name__}: {failure.getErrorMessage()}"[:300]


def _asked(request) -> str:
    """The URL the story named (before any redirect)."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _reason_key(reason: str) -> str:
    """A short counter name for a failure: ``HTTP 404`` -> ``http_404``, else the error type."""
    if reason.startswith("HTTP "):
        return "http_" + reason[5:].strip()
    if reason.startswith("IgnoreRequest: Forbidden by robots.txt"):
        return "robots_txt"
    return reason.split(":", 1)[0].strip() or "error"


class ImagePipeline:
    def __init__(self, crawler, url: str, max_bytes: int, offsite: bool):
        self.crawler = crawler
        self.stats = crawler.stats
        self.url = url
        self.max_bytes = max_bytes
        self.offsite = offsite
        self.store: Store | None = None
        self.requested: set[str] = set()  # (all sites of this crawl) image URLs asked for

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("MIRROR_IMAGES", True):
            raise NotConfigured("MIRROR_IMAGES is off")
        if not settings.getbool("MIRROR_STORE_ENABLED", True):
            raise NotConfigured("MIRROR_STORE_ENABLED is off: nowhere to keep images")
        return cls(crawler, database_url(settings.get("MIRROR_DATABASE_URL")),
                   settings.getint("MIRROR_IMAGE_MAX_BYTES", 10 * 1024 * 1024),
                   settings.getbool("MIRROR_IMAGES_OFFSITE", False))

    def open_spider(self):
        self.store = Store(self.url)
        # StayOnSiteMiddleware lets exactly these through (off-site ones included)
        self.crawler.spider.image_urls_requested = self.requested

    def close_spider(self):
        if self.store is not None:
            self.store.close()

    async def process_item(self, item):
        try:
            if isinstance(item, ImageDownload):
                await self._store(item)
            elif isinstance(item, Story) and item.status != STATUS_RESTRICTED:
                await self._request_images(item.site, story_image_urls(item), f"story {item.story_id}")
            elif isinstance(item, AuthorProfile):
                await self._request_images(item.site, bio_image_urls(item), f"author {item.author_id}")
        except (DatabaseError, StorageError, OSError) as exc:
            # the story itself is stored: its images are missed (counted), the crawl goes on;
            # a database that is really gone stops the run in the store pipeline
            self.stats.inc_value("mirror/images/database_errors")
            logger.error("images of %s: database error, images not stored: %s: %s",
                         getattr(item, "what", None) or getattr(item, "story_id", None) or item,
                         type(exc).__name__, exc)
        return item

    # --- asking for a story's images ---

    async def _request_images(self, site: str, found: list[str], what: str) -> None:
        if not found:
            return
        wanted = []
        for url in found:
            if url in self.requested:
                continue
            if not same_host(url, site) and not self.offsite:
                self.stats.inc_value("mirror/images/offsite_skipped")
                continue
            if not image_url_allowed(url, site, self.offsite):
                self.stats.inc_value("mirror/images/refused")
                continue
            wanted.append(url)
        if not wanted:
            return
        # claimed before the database is asked: a story processed while it answers (two stories
        # showing the same image) must not ask for it again
        self.requested.update(wanted)
        status = await deferred_to_future(deferToThread(self.store.image_url_status, site, wanted))
        for url in wanted:
            if status.get(url) == "ok":  # stored by an earlier crawl: never fetched again
                self.stats.inc_value("mirror/images/known")
                continue
            self.stats.inc_value("mirror/images/requested")
            meta = {"mirror_image": True, "download_maxsize": self.max_bytes,
                    "download_warnsize": 0}
            request = scrapy.Request(url, callback=self._downloaded, errback=self._failed,
                                     cb_kwargs={"site": site, "what": what},
                                     meta=meta, priority=IMAGE_PRIORITY, dont_filter=True)
            self.crawler.engine.crawl(request)

    def _downloaded(self, response, site: str, what: str):
        self.stats.inc_value("mirror/requests/images")
        declared = response.headers.get("Content-Type")
        yield ImageDownload(site=site, url=_asked(response.request) if response.request else response.url,
                            what=what, status=response.status,
                            content_type=declared.decode("latin-1") if declared else None,
                            body=response.body)

    def _failed(self, failure):
        request = failure.request
        if failure.check(HttpError) or not failure.check(IgnoreRequest):  # refused: not a request
            self.stats.inc_value("mirror/requests/images")
        yield ImageDownload(site=request.cb_kwargs["site"], url=_asked(request),
                            what=request.cb_kwargs["what"], failure=_failure_reason(failure))

    # --- keeping what came ---

    async def _store(self, item: ImageDownload) -> None:
        reason = item.failure
        content_type = None
        if reason is None:
            content_type, problem = check_image(item.body, item.content_type, self.max_bytes)
            reason = problem
        if reason is not None:
            self.stats.inc_value("mirror/images/failed")
            self.stats.inc_value(f"mirror/images/failed/{_reason_key(reason)}")
            logger.warning("image %s (%s) not stored: %s", item.url, item.what, reason)
            await deferred_to_future(deferToThread(self.store.record_image_failure, item.site, item.url, reason))
            return
        _, new = await deferred_to_future(deferToThread(
            self.store.upsert_image, item.site, item.url, item.body, content_type))
        self.stats.inc_value("mirror/images/stored")
        self.stats.inc_value("mirror/images/new" if new else "mirror/images/duplicate")
        self.stats.inc_value("mirror/images/bytes", len(item.body) if new else 0)
