"""Storage: each Story (with its chapters, authors and series) in one transaction."""

from __future__ import annotations

import concurrent.futures as cf
import logging

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro, deferred_to_future
from mirror.storage.errors import DatabaseError
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from mirror.items import STATUS_RESTRICTED, AuthorProfile, ChallengeInfo, ReviewSet, SeriesInfo, Story, TaxonomyInfo
from mirror.storage import StorageError, Store, database_url
from mirror.storage.processes import StoreProcesses, store_processes

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler, url: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.url = url
        # the transactions run in the reactor's thread pool: one pooled connection per thread
        self.connections = crawler.settings.getint("REACTOR_THREADPOOL_MAXSIZE", 10)
        # MIRROR_STORE_PROCESSES (auto: 1 with politeness off): the transactions run in that
        # many processes instead (0: in the thread pool)
        self.processes_wanted = store_processes(crawler.settings)
        self.store: Store | None = None
        self.processes: StoreProcesses | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MIRROR_STORE_ENABLED", True):
            raise NotConfigured("MIRROR_STORE_ENABLED is off")
        return cls(crawler, database_url(crawler.settings.get("MIRROR_DATABASE_URL")))

    def open_spider(self):
        if self.processes_wanted > 0:
            self.processes = StoreProcesses(self.url, self.processes_wanted)
            self.stats.set_value("mirror/store/processes", self.processes_wanted)
        else:
            self.store = Store(self.url, connections=self.connections)

    async def close_spider(self):
        if self.store is not None:
            self.store.close()
        if self.processes is not None:  # every write has come back by now: a quick stop
            peaks = self.processes.peak_rss_kib()
            if peaks:
                self.stats.set_value("mirror/store/peak_rss_mib", round(sum(peaks) / 1024, 1))
            await deferred_to_future(deferToThread(self.processes.close))

    def _submit(self, method: str, item) -> Deferred:
        if self.processes is None:
            return deferToThread(getattr(self.store, method), item)
        return _deferred(self.processes.submit(method, item))

    async def _write(self, method: str, item, what: str):
        """One item's transaction, off the reactor thread (in a thread of its pool, or in a
        store process).  A permanent failure stops the run (``database_error``) and drops the
        item, saying why; nothing is half-written."""
        try:
            return await deferred_to_future(self._submit(method, item))
        except (DatabaseError, StorageError, OSError) as exc:
            message = f"the database failed permanently ({type(exc).__name__}: {exc}); stopping the crawl"
            if self.stats.get_value("mirror/database_error") is None:
                logger.error(message)
                self.stats.set_value("mirror/database_error", message[:500])
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="database_error"))
            raise DropItem(f"{what} not stored: {message}") from exc

    async def process_item(self, item):
        if isinstance(item, SeriesInfo):
            return await self._store_series(item)
        if isinstance(item, ReviewSet):
            counts = await self._write("upsert_reviews", item, f"reviews of {item.item_type} {item.item_id}")
            self.stats.inc_value("mirror/reviews/items_stored")
            for name, n in counts.items():
                self.stats.inc_value(f"mirror/reviews/{name}", n)
            return item
        if isinstance(item, AuthorProfile):
            result = await self._write("upsert_author_profile", item, f"author {item.author_id}")
            self.stats.inc_value("mirror/authors/stored")
            self.stats.inc_value(f"mirror/authors/{result}")
            return item
        if isinstance(item, ChallengeInfo):
            result = await self._write("upsert_challenge", item, f"challenge {item.challenge_id}")
            self.stats.inc_value("mirror/challenges/stored")
            self.stats.inc_value(f"mirror/challenges/{result}")
            return item
        if isinstance(item, TaxonomyInfo):
            results = await self._write("upsert_taxonomy", item, f"taxonomy of {item.site}")
            self.stats.inc_value("mirror/taxonomy/stored")
            for part, result in results.items():
                self.stats.inc_value(f"mirror/taxonomy/{part}/{result}")
            return item
        if not isinstance(item, Story):
            return item
        # Database work runs off the reactor thread, so a slow disk never stalls the crawl.
        # Transient errors (SQLite busy, a dropped connection) are retried inside the Store;
        # what still fails is permanent: stop the run, nothing half-written (one transaction).
        result = await self._write("upsert_story", item, f"story {item.story_id}")
        self.stats.inc_value(f"mirror/stories/{result}")
        self.stats.inc_value("mirror/stories/stored")
        if item.status != STATUS_RESTRICTED:
            self.stats.inc_value("mirror/chapters/stored", len(item.chapters))
            self.stats.inc_value("mirror/words/stored", item.word_count or 0)
            self.stats.inc_value("mirror/requests/stored_stories", item.requests)
        if item.status != "ok":
            self.stats.inc_value(f"mirror/stories/{item.status}")
        return item

    async def _store_series(self, item: SeriesInfo):
        """A series' record and order: its own transaction, off the reactor thread."""
        result = await self._write("upsert_series", item, f"series {item.series_id}")
        self.stats.inc_value("mirror/series/stored")
        self.stats.inc_value(f"mirror/series/{result}")
        return item



def _deferred(future: cf.Future) -> Deferred:
    """A Deferred fired in the reactor thread with what ``future`` (of another thread) gives."""
    from twisted.internet import reactor

    d: Deferred = Deferred()

    def settle(done: cf.Future) -> None:
        if done.cancelled():
            d.errback(Failure(StorageError("the write was cancelled")))
        elif done.exception() is not None:
            d.errback(Failure(done.exception()))
        else:
            d.callback(done.result())

    future.add_done_callback(lambda done: reactor.callFromThread(settle, done))
    return d
