"""Downloader middlewares: being a careful guest on fragile sites.

* :class:`RetryAfterMiddleware`: 429 and 503 make the site's download slot wait
  as long as ``Retry-After`` asks (seconds or an HTTP date), or back off
  exponentially with jitter, then retry.  Only that site waits.
* :class:`ErrorPageRetryMiddleware`: eFiction answers its own failures with
  HTTP 200 (an empty page, "A fatal MySQL error was encountered"): retried.
* :class:`SiteHealthMiddleware`: a site that keeps failing (connection errors,
  5xx) is paused: the crawl ends cleanly, its state saved, to be resumed later.
* :class:`StayOnSiteMiddleware`: no request leaves the archive's host and path,
  whatever sent it (a redirect, a retry), robots.txt apart; none the site profile's
  include/exclude patterns rule out.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro, deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

from mirror import urls
from mirror.images import image_url_allowed
from mirror.parsing.efiction import FATAL_ERROR_TEXT
from mirror.politeness import slot_key

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = (429, 503)


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or bad."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: somewhere in [base*2^n / 2, base*2^n * 3/2], capped."""
    return min(cap, base * 2 ** attempt * random.uniform(0.5, 1.5))  # noqa: S311 - not crypto


class RetryAfterMiddleware:
    def __init__(self, crawler, *, max_retries: int, max_wait: float, base: float):
        self.crawler = crawler
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.base = base
        self.not_before: dict[str, float] = {}  # slot key -> monotonic time

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("MIRROR_RETRY_AFTER_ENABLED", True):
            raise NotConfigured("MIRROR_RETRY_AFTER_ENABLED is off")
        mw = cls(crawler, max_retries=settings.getint("MIRROR_RETRY_AFTER_TIMES", 5),
                 max_wait=settings.getfloat("MIRROR_RETRY_AFTER_MAX", 600.0),
                 base=max(1.0, settings.getfloat("DOWNLOAD_DELAY")))
        # The downloader sends this before it hands the slot its next request: pausing the
        # slot here holds back requests already queued for the site, not only retries.
        crawler.signals.connect(mw.response_downloaded, signal=signals.response_downloaded)
        return mw

    async def process_request(self, request: Request) -> None:
        wait = self.not_before.get(slot_key(self.crawler, request), 0.0) - time.monotonic()
        if wait > 0:  # a timer, not a sleep: the reactor and other sites go on
            await deferred_to_future(deferLater(reactor, wait, lambda: None))

    def response_downloaded(self, response: Response, request: Request, spider=None) -> None:
        if response.status not in RETRY_AFTER_STATUSES:
            return
        attempt = request.meta.get("mirror_backoff", 0)
        asked = parse_retry_after(response.headers.get("Retry-After"))
        wait = min(self.max_wait, asked if asked is not None else backoff(attempt, self.base, self.max_wait))
        key = slot_key(self.crawler, request)
        until = time.monotonic() + wait
        self.not_before[key] = max(self.not_before.get(key, 0.0), until)
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is not None:  # the slot's own delay timer holds its queued requests
            slot.delay = max(slot.delay, 0.001)
            slot.lastseen = max(slot.lastseen, until - slot.delay)
        request.meta["mirror_wait"] = (wait, asked is not None)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in RETRY_AFTER_STATUSES or "mirror_wait" not in request.meta:
            return response
        wait, asked = request.meta.pop("mirror_wait")
        stats = self.crawler.stats
        stats.inc_value(f"mirror/retry_after/{response.status}")
        stats.max_value("mirror/retry_after/longest_wait", round(wait, 3))
        logger.info("%s answered %s: waiting %.1f s before asking %s again%s",
                    slot_key(self.crawler, request), response.status, wait, request.url,
                    "" if asked else " (no Retry-After: backing off)")
        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"http_{response.status}",
                                  max_retry_times=self.max_retries, stats_base_key="mirror/retry_after")
        if retry is None:
            return response
        retry.meta["mirror_backoff"] = request.meta.get("mirror_backoff", 0) + 1
        return retry


class ErrorPageRetryMiddleware:
    """Retry the 200 answers that are really server errors (empty body, eFiction's SQL error page)."""

    def __init__(self, crawler, max_retries: int):
        self.crawler = crawler
        self.max_retries = max_retries

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MIRROR_ERROR_PAGE_RETRY", True):
            raise NotConfigured("MIRROR_ERROR_PAGE_RETRY is off")
        return cls(crawler, crawler.settings.getint("RETRY_TIMES"))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 200 or request.url.endswith("/robots.txt"):
            return response
        if not response.body.strip():
            reason = "empty_page"
        elif FATAL_ERROR_TEXT.encode() in response.body:
            reason = "efiction_fatal_error"
        else:
            return response
        self.crawler.stats.inc_value(f"mirror/error_pages/{reason}")
        retry = get_retry_request(request, spider=self.crawler.spider, reason=reason,
                                  max_retry_times=self.max_retries)
        return retry or response


class SiteHealthMiddleware:
    """Pause the crawl when the site fails this many times in a row."""

    def __init__(self, crawler, limit: int):
        self.crawler = crawler
        self.limit = limit
        self.failures: dict[str, int] = {}
        self.paused = False

    @classmethod
    def from_crawler(cls, crawler):
        limit = crawler.settings.getint("MIRROR_MAX_CONSECUTIVE_FAILURES", 10)
        if limit <= 0:
            raise NotConfigured("MIRROR_MAX_CONSECUTIVE_FAILURES is 0")
        return cls(crawler, limit)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("mirror_image"):  # recorded per image (pipelines.images), never a pause
            return response
        key = slot_key(self.crawler, request)
        if response.status >= 500 or response.status == 429:
            self._failed(key, f"HTTP {response.status} for {request.url}")
        else:
            self.failures[key] = 0
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, IgnoreRequest) and not request.meta.get("mirror_image"):
            self._failed(slot_key(self.crawler, request), f"{type(exception).__name__} for {request.url}")

    def _failed(self, key: str, what: str) -> None:
        self.failures[key] = count = self.failures.get(key, 0) + 1
        if count < self.limit or self.paused:
            return
        self.paused = True
        message = (f"{key} failed {count} times in a row (last: {what}): pausing the crawl; "
                   "what is stored is kept, and the same command resumes it later")
        logger.error(message)
        self.crawler.stats.set_value("mirror/paused", message)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="site_unavailable"))


class StayOnSiteMiddleware:
    """Refuse every request outside the archive (host and path), redirects and retries included.

    Scrapy's offsite filter lets requests marked ``dont_filter`` through, and retries and
    the redirects that follow them are; this check has no such exception."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        base = getattr(self.crawler.spider, "base_url", None)
        if base is None:
            return
        home, target = urlsplit(base), urlsplit(request.url)
        if target.path == "/robots.txt" and target.netloc == home.netloc:
            return
        if request.meta.get("mirror_image") and self._image_allowed(request.url, home):
            return
        if target.path == "/robots.txt" and self._image_host(target.netloc):
            return  # another host's robots.txt, read before its images (MIRROR_IMAGES_OFFSITE)
        if urls.within_site(request.url, base):
            # the site profile's include/exclude patterns (the login is exempt)
            profile = getattr(self.crawler.spider, "profile", None)
            if profile is None or request.meta.get("dont_obey_robotstxt") or profile.allows(request.url):
                return
            self.crawler.stats.inc_value("mirror/profile_excluded")
            raise IgnoreRequest(f"excluded by site profile {profile.name}'s include/exclude: {request.url}")
        self.crawler.stats.inc_value("mirror/offsite_refused")
        raise IgnoreRequest(f"off the site: {request.url} is outside {base}")

    def _image_allowed(self, url: str, home) -> bool:
        """An image (pipelines.images): exactly the URLs the image pipeline asked for (off-site
        ones only with MIRROR_IMAGES_OFFSITE), and a redirect of one to the archive's own host;
        a redirect of an image elsewhere is refused."""
        if url in getattr(self.crawler.spider, "image_urls_requested", ()):
            return True
        return image_url_allowed(url, urlunsplit(home), offsite=False)

    def _image_host(self, netloc: str) -> bool:
        netloc = netloc.lower()
        return any(urlsplit(u).netloc.lower() == netloc
                   for u in getattr(self.crawler.spider, "image_urls_requested", ()))
