"""Extensions: the crawl-run record (start, end, counts, failures) in the database."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured

from mirror.storage import Store, database_url

logger = logging.getLogger(__name__)


class CrawlRunRecorder:
    """Writes a crawl_runs row when the spider opens and completes it when it closes."""

    def __init__(self, crawler, url: str):
        self.crawler = crawler
        self.url = url
        self.store: Store | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MIRROR_RECORD_RUNS", True):
            raise NotConfigured("MIRROR_RECORD_RUNS is off")
        ext = cls(crawler, database_url(crawler.settings.get("MIRROR_DATABASE_URL")))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        self.store = Store(self.url)
        settings = {key: self.crawler.settings.get(key) for key in (
            "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN", "ROBOTSTXT_OBEY", "USER_AGENT")}
        settings["date_format"] = getattr(spider, "date_format", None)
        self.run_id = self.store.start_run(spider.base_url, mode="full", settings=settings)

    def spider_closed(self, spider, reason):
        if self.store is None or self.run_id is None:
            return
        stats = dict(self.crawler.stats.get_stats())
        errors = stats.pop("mirror/failures", [])
        status = "finished" if reason == "finished" else f"stopped: {reason}"
        self.store.finish_run(self.run_id, status=status, stats=stats, errors=errors)
        self.store.close()
