"""One crawl per site: the crawl takes the site's lock (mirror/storage/locks.py) before it makes
any request, keeps it fresh while it runs, and gives it back when it has stopped.

:class:`SiteLockExtension` is the first extension to see ``spider_opened`` (before any request:
Scrapy sends its start requests, robots.txt's included, only once every ``spider_opened`` handler
is done).  When another live crawl holds the lock, the crawl closes with the finish reason
``site_busy`` having made no request, ``mirror/site_busy`` says who holds it, and the crawl-run
recorder leaves the other crawl's run alone.  The heartbeat is written every
``MIRROR_SITE_LOCK_HEARTBEAT`` seconds in a thread; a heartbeat that finds the lock taken over
stops the crawl (``site_lock_lost``).  The lock is given back at ``engine_stopped``: after the
run's end was recorded, whatever ended the crawl (done, an error, Ctrl-C).
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task
from twisted.internet.threads import deferToThread

from mirror.storage import StorageError, Store, database_url
from mirror.storage.check import quick_check
from mirror.storage.locks import SiteLock

logger = logging.getLogger(__name__)

BUSY_STAT = "mirror/site_busy"  # set when another crawl holds the lock: who it is
REFUSED_STAT = "mirror/site_lock/refused"  # why this crawl does not hold the lock: busy, database


def refused(crawler) -> bool:
    """Did this crawl fail to take its site's lock (another crawl holds it, or the database is
    damaged)?  It then touches nothing: no run is recorded, nothing resumed."""
    return bool(crawler.stats.get_value(REFUSED_STAT))


class SiteLockExtension:
    def __init__(self, crawler, db_url: str, heartbeat: float, stale: float):
        self.crawler = crawler
        self.db_url = db_url
        self.interval = heartbeat
        self.stale = stale
        self.store: Store | None = None
        self.lock: SiteLock | None = None
        self.timer: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("MIRROR_SITE_LOCK_ENABLED"):
            raise NotConfigured("MIRROR_SITE_LOCK_ENABLED is off")
        heartbeat, stale = settings.getfloat("MIRROR_SITE_LOCK_HEARTBEAT"), settings.getfloat("MIRROR_SITE_LOCK_STALE")
        if heartbeat <= 0 or stale <= heartbeat:
            raise ValueError(f"MIRROR_SITE_LOCK_HEARTBEAT must be more than 0 and MIRROR_SITE_LOCK_STALE "
                             f"more than it, not {heartbeat} and {stale}")
        ext = cls(crawler, database_url(settings.get("MIRROR_DATABASE_URL")), heartbeat, stale)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_opened(self, spider):
        """Take the lock now, in the reactor's thread: nothing else may start before we know."""
        if getattr(spider, "run_mode", None) == "reparse":  # reads a WARC folder, sends nothing
            return
        try:
            if not getattr(spider, "database_checked", False):  # `scrapy crawl`; `mirror crawl` checked it
                quick_check(self.db_url)  # a crawl never writes into a damaged database
            self.store = Store(self.db_url)
            self.lock = SiteLock(self.store, spider.base_url, stale=self.stale)
            taken = self.lock.acquire()
        except StorageError as exc:
            self.crawler.stats.set_value("mirror/database_error", str(exc)[:500])
            self.crawler.stats.set_value(REFUSED_STAT, "database_error")
            self.lock = None
            raise CloseSpider("database_error") from exc
        if not taken:
            holder = self.lock.holder
            self.crawler.stats.set_value(BUSY_STAT, f"{holder.base_url} is being crawled by "
                                                    f"{holder.describe()}; wait for it to finish, or stop it")
            self.crawler.stats.set_value(REFUSED_STAT, "site_busy")
            self.lock = None
            raise CloseSpider("site_busy")
        logger.info("site lock of %s taken", spider.base_url)

    def engine_started(self):
        if self.lock is None or not self.lock.held:
            return
        self.timer = task.LoopingCall(self.beat)
        self.timer.start(self.interval, now=True)  # the first beat records the crawl run's id

    def beat(self):
        if self.lock is None:
            return None
        run_id = self.crawler.stats.get_value("mirror/run_id")
        deferred = deferToThread(self.lock.heartbeat, run_id)
        deferred.addCallbacks(self._beaten, self._beat_failed)
        return deferred

    def _beaten(self, still_ours: bool) -> None:
        if still_ours or self.lock is None:
            return
        logger.error("another crawl took over the lock of %s (this crawl's heartbeat had stopped for "
                     "more than %s s): stopping", self.lock.base_url, self.stale)
        self.lock = None
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="site_lock_lost"))

    def _beat_failed(self, failure) -> None:  # the next beat tries again
        logger.warning("could not refresh the site lock: %s", failure.getErrorMessage())

    def engine_stopped(self):
        """Give the lock back: every spider_closed handler (the run's end included) is done."""
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        if self.lock is not None:
            try:
                self.lock.release()
            except StorageError as exc:  # a dead holder's lock is taken over anyway
                logger.warning("%s", exc)
            self.lock = None
        if self.store is not None:
            self.store.close()
