"""Extensions: per-site delays, and the crawl's record in the database.

* :class:`SiteDelay`: the site profile's delay, raised by robots.txt ``Crawl-delay``.
* :class:`PoliteAutoThrottle`: Scrapy's AutoThrottle (a slow site slows us down)
  that never takes a site below its own floor (profile delay, Crawl-delay).
* :class:`CrawlRunRecorder`: the ``crawl_runs`` row (start, end, counts, failures)
  and the per-story crawl state (``crawl_stories``), written as the crawl goes, so
  a killed crawl resumes where it stopped.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.throttle import AutoThrottle
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.defer import deferred_to_future
from twisted.internet import task
from twisted.internet.defer import succeed
from twisted.internet.threads import deferToThread

from mirror import signals as mirror_signals
from mirror.items import STATUS_INCOMPLETE, STATUS_RESTRICTED, Story, StoryPages
from mirror.politeness import delay_floor, raise_delay_floor, slot_key
from mirror.storage import Store, database_url
from mirror.sync import SyncPlanner

logger = logging.getLogger(__name__)


class SiteDelay:
    """The site's own delay: its profile's ``delay`` (unless the command line set one), raised
    by robots.txt's Crawl-delay for our User-Agent; both go to the site's download slot."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        if crawler.settings.getbool("ROBOTSTXT_OBEY"):
            crawler.signals.connect(ext.robots_parsed, signal=signals.robots_parsed)
        return ext

    def spider_opened(self, spider):
        profile = getattr(spider, "profile", None)
        explicit = (self.crawler.settings.getpriority("DOWNLOAD_DELAY") or 0) >= SETTINGS_PRIORITIES["cmdline"]
        if profile is None or profile.delay is None or explicit:
            return
        host = urlsplit(spider.base_url).hostname
        self.crawler.engine.downloader.per_slot_settings.setdefault(host, {})["delay"] = profile.delay
        logger.info("site profile %s: %s s between requests", profile.name, profile.delay)

    def robots_parsed(self, robotparser, request):
        delay = robotparser.crawl_delay(self.crawler.settings.get("USER_AGENT"))
        if delay is None:
            return
        key = slot_key(self.crawler, request)
        self.crawler.stats.set_value("mirror/robots/crawl_delay", delay)
        if raise_delay_floor(self.crawler, key, delay):
            logger.info("robots.txt of %s asks for Crawl-delay %s s: using it", key, delay)


class PoliteAutoThrottle(AutoThrottle):
    """AutoThrottle whose lower bound is each site's own delay (profile, Crawl-delay), not the
    global DOWNLOAD_DELAY: a slow site slows us down, nothing takes a site below its floor."""

    def _response_downloaded(self, response, request, spider=None):
        self.mindelay = delay_floor(self.crawler, slot_key(self.crawler, request))
        super()._response_downloaded(response, request, spider)


class CrawlRunRecorder:
    """Writes a crawl_runs row and the per-story crawl state; resumes an interrupted crawl."""

    def __init__(self, crawler, url: str):
        self.crawler = crawler
        self.url = url
        self.store: Store | None = None
        self.run_id: int | None = None
        self.buffer: list[tuple[int, str, str | None]] = []
        self.writes = succeed(None)  # the chain of state writes, in order
        self.timer: task.LoopingCall | None = None

    FLUSH_EVERY = 50  # states buffered before a write
    FLUSH_SECONDS = 2.0  # and at least this often, so a killed crawl loses little

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MIRROR_RECORD_RUNS", True):
            raise NotConfigured("MIRROR_RECORD_RUNS is off")
        ext = cls(crawler, database_url(crawler.settings.get("MIRROR_DATABASE_URL")))
        for handler, signal in ((ext.spider_opened, signals.spider_opened),
                                (ext.spider_closed, signals.spider_closed),
                                (ext.item_scraped, signals.item_scraped),
                                (ext.item_dropped, signals.item_dropped),
                                (ext.item_error, signals.item_error),
                                (ext.stories_discovered, mirror_signals.stories_discovered),
                                (ext.stories_unchanged, mirror_signals.stories_unchanged),
                                (ext.story_failed, mirror_signals.story_failed)):
            crawler.signals.connect(handler, signal=signal)
        return ext

    def spider_opened(self, spider):
        from mirror.sitelock import refused

        if refused(self.crawler):  # another crawl of the site is live: its run is not ours to touch
            return
        self.store = Store(self.url)
        site = spider.base_url
        reparse = getattr(spider, "run_mode", None)  # e.g. "reparse": not a crawl, resumes none
        unfinished = [] if reparse else self.store.unfinished_runs(site)
        done = self.store.stories_done(unfinished)
        self.store.mark_interrupted(unfinished)
        plan = getattr(spider, "sync_plan", None)
        mode = reparse or ("resumed" if unfinished else (plan.strategy if plan else "full"))
        settings = {key: self.crawler.settings.get(key) for key in (
            "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN", "ROBOTSTXT_OBEY", "USER_AGENT",
            "AUTOTHROTTLE_ENABLED", "MIRROR_WARC_DIR", "MIRROR_BREAKER_ENABLED")}
        settings["date_format"] = getattr(spider, "date_format", None)
        settings["resumes_runs"] = unfinished
        self.run_id = self.store.start_run(site, mode=mode, settings=settings)
        self.crawler.stats.set_value("mirror/run_id", self.run_id)
        self.timer = task.LoopingCall(self.flush)
        self.timer.start(self.FLUSH_SECONDS, now=False)
        self.crawler.stats.set_value("mirror/mode", mode)
        spider.skip_story_ids = done
        if unfinished:
            logger.info("resuming the interrupted crawl of %s (runs %s): %d stories already done are "
                        "not fetched again", site, unfinished, len(done))
        if not self.crawler.settings.getbool("ROBOTSTXT_OBEY"):
            logger.warning("robots.txt is NOT obeyed in this crawl (recorded on crawl run %s)", self.run_id)

    def _record(self, states: list[tuple[int, str, str | None]]) -> None:
        """Buffer story states; written in batches (FLUSH_EVERY states, or every FLUSH_SECONDS), one
        write after the other so a later state never lands before an earlier one."""
        if self.store is None or self.run_id is None:
            return
        self.buffer.extend(states)
        if len(self.buffer) >= self.FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self.buffer or self.store is None:
            return
        states, self.buffer = self.buffer, []
        self.writes.addCallback(lambda _: deferToThread(self.store.record_stories, self.run_id, states))
        self.writes.addErrback(lambda failure: logger.error("could not record crawl state: %s",
                                                            failure.getErrorMessage()))

    def stories_discovered(self, story_ids):
        self._record([(sid, "discovered", None) for sid in story_ids])

    def stories_unchanged(self, counts):
        self._record([(sid, "unchanged", "listing unchanged: not fetched") for sid in counts])

    def story_failed(self, story_id, reason):
        self._record([(story_id, "failed", reason)])

    def item_scraped(self, item):
        if isinstance(item, Story):
            state = {STATUS_RESTRICTED: "restricted", STATUS_INCOMPLETE: "incomplete"}.get(item.status, "stored")
            self._record([(item.story_id, state, "; ".join(item.warnings) or None)])

    def item_dropped(self, item, exception, response=None):
        story_id = getattr(item, "story_id", None)
        if isinstance(item, (Story, StoryPages)) and story_id is not None:
            self._record([(story_id, "dropped", str(exception))])

    def item_error(self, item, failure, response=None):
        story_id = getattr(item, "story_id", None)
        if story_id is not None:
            self._record([(story_id, "failed", f"pipeline error: {failure.getErrorMessage()}")])

    async def spider_closed(self, spider, reason):
        if self.store is None or self.run_id is None:
            return
        for ext in self.crawler.extensions.middlewares:  # removals and restorations first
            if isinstance(ext, SyncPlanner):
                await ext.finish(spider, reason)
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()
        await deferred_to_future(self.writes)
        stats = dict(self.crawler.stats.get_stats())
        errors = stats.pop("mirror/failures", [])
        status = "finished" if reason == "finished" else f"stopped: {reason}"
        await deferred_to_future(deferToThread(self.store.finish_run, self.run_id, status=status,
                                               stats=stats, errors=errors))
        self.store.close()
