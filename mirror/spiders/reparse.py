"""The reparse spider: no requests at all.  It reads each stored story's raw pages back from the
crawl's WARC files and yields them as :class:`mirror.items.StoryPages` (and the latest captured
pages of each series, review list, author profile, challenge and the taxonomy), so they go through the very item pipelines
a crawl uses (extract, validate, normalise, store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from mirror.parsing.dates import DEFAULT_FORMAT as DEFAULT_DATE_FORMAT
from mirror.rebuild import (SiteCaptures, SourceMissing, author_pages, challenge_pages, review_pages,
                            series_pages, story_pages, taxonomy_pages)
from mirror.storage import Store, database_url


class ReparseSpider(scrapy.Spider):
    name = "reparse"
    run_mode = "reparse"  # recorded as a run of that mode; resumes no interrupted crawl

    def __init__(self, site: str | None = None, warc_dir: str | None = None,
                 story_ids: list[int] | None = None, date_format: str | None = None,
                 encoding: str | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not site or not warc_dir:
            raise ValueError("the reparse spider needs a site and a WARC folder")
        self.base_url = site
        self.warc_dir = warc_dir
        self.story_ids = story_ids
        self.date_format = date_format or DEFAULT_DATE_FORMAT
        self.encoding = encoding

    async def start(self) -> AsyncIterator[Any]:
        store = Store(database_url(self.settings.get("MIRROR_DATABASE_URL")))
        stats = self.crawler.stats
        try:
            for entry in store.iter_sources(site=self.base_url, story_ids=self.story_ids):
                try:
                    capture = story_pages(entry, self.warc_dir, self.date_format)
                except SourceMissing as exc:
                    stats.inc_value("mirror/reparse/missing_source")
                    failures = stats.get_value("mirror/failures") or []
                    failures.append({"what": "reparse", "url": exc.url, "reason": str(exc),
                                     "story_id": entry["story_id"]})
                    stats.set_value("mirror/failures", failures)
                    self.logger.error("story %s not reparsed: %s", entry["story_id"], exc)
                    continue
                stats.inc_value("mirror/reparse/stories")
                yield capture
        finally:
            store.close()
        if self.story_ids is not None:
            return  # only these stories
        # the site's other records, each as its latest crawl captured it (one read of the indexes)
        captures = SiteCaptures.load(self.warc_dir, self.base_url)
        for what, rebuild in (("series", series_pages), ("reviews", review_pages), ("authors", author_pages),
                              ("challenges", challenge_pages), ("taxonomy", taxonomy_pages)):
            try:
                items = rebuild(captures, self.date_format)
            except SourceMissing as exc:
                stats.inc_value("mirror/reparse/missing_source")
                self.logger.error("%s not reparsed: %s", what, exc)
                continue
            for capture in items:
                stats.inc_value(f"mirror/reparse/{what}")
                yield capture
