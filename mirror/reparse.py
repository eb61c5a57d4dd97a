"""``mirror reparse``: extract every stored story again from its raw responses in the WARC files,
through the same item pipelines as a crawl, making no request to the site.

After a parser fix this rebuilds stories, chapters and their links; what changed becomes new
versions in the history, as on a re-sync, and the run is recorded with mode ``reparse``."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from mirror.crawl import crawl_settings
from mirror.parsing.dates import DEFAULT_FORMAT as DEFAULT_DATE_FORMAT, infer_date_format
from mirror.profiles import find_profile
from mirror.storage import Store
from mirror.storage.models import utcnow

logger = logging.getLogger(__name__)

# A reparse sends nothing over the network: no throttling, no sync planning, no capture, no
# breaker (it protects the site; a reparse reports what it could not read instead).
REPARSE_EXTENSIONS = {
    "mirror.breaker.SiteBreaker": None,
    "mirror.sync.SyncPlanner": None,
    "mirror.extensions.SiteDelay": None,
    "mirror.extensions.PoliteAutoThrottle": None,
    "mirror.progress.Progress": None,
}


@dataclass
class SiteReparse:
    site: str
    stats: dict[str, Any]
    changed: list[int] = field(default_factory=list)

    def count(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    def summary(self) -> str:
        shown = ", ".join(map(str, self.changed[:20])) + (" …" if len(self.changed) > 20 else "")
        return (f"{self.site}: {self.count('mirror/reparse/stories')} stories reparsed "
                f"({self.count('mirror/stories/changed')} changed, "
                f"{self.count('mirror/stories/unchanged')} unchanged, "
                f"{self.count('mirror/dropped')} dropped), {self.count('mirror/reparse/series')} series, "
                f"{self.count('mirror/reparse/reviews')} review lists, "
                f"{self.count('mirror/reparse/authors')} author profiles, "
                f"{self.count('mirror/reparse/challenges')} challenges, "
                f"{self.count('mirror/reparse/taxonomy')} taxonomy captures, "
                f"{self.count('mirror/reparse/missing_source')} without their WARC records"
                + (f"; changed: {shown}" if self.changed else ""))


@dataclass
class ReparseResult:
    sites: list[SiteReparse]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(s.count("mirror/reparse/missing_source") == 0 and s.count("mirror/dropped") == 0
                   and s.stats.get("finish_reason") == "finished" for s in self.sites)


def run_reparse(warc_dir: str | Path, *, db_url: str | None = None, site: str | None = None,
                story_ids: list[int] | None = None, log_level: str | None = None) -> ReparseResult:
    """Reparse the stored stories of *site* (default: every site) from *warc_dir*."""
    from mirror.spiders.reparse import ReparseSpider

    warc_dir = Path(warc_dir)
    if not warc_dir.is_dir():
        raise ValueError(f"no WARC folder at {warc_dir}: give the folder the crawl wrote with --warc")
    settings = crawl_settings(db_url=db_url, log_level=log_level, extra={"MIRROR_WARC_DIR": None,
                                                                        "MIRROR_IMAGES": False})  # no requests
    settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), **REPARSE_EXTENSIONS}, priority="cmdline")
    from mirror.storage.check import quick_check

    quick_check(settings.get("MIRROR_DATABASE_URL"))  # it writes: never into a damaged file
    store = Store(settings.get("MIRROR_DATABASE_URL"))
    try:
        sites = store.sites()
        if site is not None:
            if site not in sites:
                raise ValueError(f"the database holds no site {site}; it has: {', '.join(sites) or 'none'}")
            sites = [site]
        formats = {s: _date_format(store, s, settings) for s in sites}
    finally:
        store.close()
    started, clock = utcnow(), time.monotonic()
    process = CrawlerProcess(settings)
    crawlers = []
    for base in sites:
        crawler = process.create_crawler(ReparseSpider)
        process.crawl(crawler, site=base, warc_dir=str(warc_dir), story_ids=story_ids,
                      date_format=formats[base], encoding=settings.get("MIRROR_ENCODING"))
        crawlers.append((base, crawler))
    process.start()
    results = []
    with Store(settings.get("MIRROR_DATABASE_URL")) as store:
        for base, crawler in crawlers:
            stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
            results.append(SiteReparse(base, stats, store.changed_since(base, started)))
    return ReparseResult(results, time.monotonic() - clock)


def _date_format(store: Store, site: str, settings) -> str:
    """The format the crawl read dates with: as it recorded it, else the profile's, else the one
    that reads each stored story's displayed dates as the dates stored for them."""
    profile = find_profile(site, settings.get("MIRROR_CONFIG_DIR"))
    for known in (store.last_date_format(site), profile.date_format if profile else None,
                  settings.get("MIRROR_DATE_FORMAT")):
        if known and known != "auto":
            return known
    guess = infer_date_format([], rss_pairs=store.date_samples(site))
    if guess.format is None:
        logger.warning("reparse of %s: the date format is unknown (%s); using d/m/y",
                       site, "; ".join(guess.evidence))
    return guess.format or DEFAULT_DATE_FORMAT
