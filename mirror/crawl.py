"""Run a crawl of one archive in this process (Scrapy's reactor runs once per process)."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from mirror import __version__, urls
from mirror.profiles import credentials, find_profile
from mirror.spiders.efiction import EfictionSpider
from mirror.storage import Store, database_url


@dataclass
class CrawlResult:
    base_url: str
    database_url: str
    seconds: float
    stats: dict[str, Any] = field(default_factory=dict)

    def count(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    @property
    def stories(self) -> int:
        return self.count("mirror/stories/stored")

    @property
    def requests_per_story(self) -> float:
        """HTTP requests spent per stored story (story pages only; listing pages apart)."""
        stored = self.count("mirror/stories/stored")
        return self.count("mirror/requests/story") / stored if stored else 0.0


def crawl_settings(*, db_url: str | None = None, delay: float | None = None,
                   contact: str | None = None, log_level: str | None = None,
                   extra: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("mirror.settings", priority="project")
    settings.set("MIRROR_DATABASE_URL", database_url(db_url), priority="cmdline")
    if delay is not None:
        if delay < 0:
            raise ValueError(f"--delay must be 0 or more seconds, not {delay}")
        settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
        settings.set("AUTOTHROTTLE_START_DELAY", delay, priority="cmdline")
    if contact:
        settings.set("MIRROR_CONTACT", contact, priority="cmdline")
        settings.set("USER_AGENT", settings.get("USER_AGENT_TEMPLATE").format(
            version=__version__, contact=f"; contact: {contact}"), priority="cmdline")
    if log_level:
        settings.set("LOG_LEVEL", log_level.upper(), priority="cmdline")
    for key, value in (extra or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def check_database(url: str) -> None:
    """Open the database (creating the schema) before crawling, so a bad URL fails fast."""
    store = Store(url)
    try:
        store.create_schema()
    finally:
        store.close()


class SiteUnreachable(ValueError):
    pass


def check_reachable(base_url: str, timeout: float = 10.0) -> None:
    """Open (and close) a TCP connection to the site, so a wrong host fails in one clear line."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as exc:
        raise SiteUnreachable(f"cannot reach {parts.hostname}:{port} ({exc.strerror or exc}); "
                              "check the address and your connection") from exc


def run_crawl(url: str, *, db_url: str | None = None, delay: float | None = None,
              date_format: str | None = None, encoding: str | None = None,
              contact: str | None = None, log_level: str | None = None,
              extra_settings: dict[str, Any] | None = None) -> CrawlResult:
    """Mirror the archive at ``url`` into the database; return the crawl's figures."""
    base = urls.normalise_base(url)
    settings = crawl_settings(db_url=db_url, delay=delay, contact=contact, log_level=log_level,
                              extra=extra_settings)
    check_database(settings.get("MIRROR_DATABASE_URL"))
    credentials(base, find_profile(base, settings.get("MIRROR_CONFIG_DIR")))  # half-set: ProfileError now
    check_reachable(base)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(EfictionSpider)
    started = time.monotonic()
    process.crawl(crawler, url=base, date_format=date_format, encoding=encoding)
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    return CrawlResult(base, settings.get("MIRROR_DATABASE_URL"), time.monotonic() - started, stats)
