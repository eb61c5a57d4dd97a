"""The eFiction spider: routes requests, yields the raw pages of each story.

Per story it asks for the story index (metadata, chapter list) and the
printable whole-story view (every chapter's text): two requests.  When the
printable view does not give every chapter, it falls back to one request per
missing chapter.  Rating gates are passed within the PHP session by adding
the gate's own parameters (``warning=<rid>``, ``ageconsent=ok``) to the URL.
Extraction happens in the item pipelines, from the saved pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from mirror import urls
from mirror.items import Page, StoryPages
from mirror.parsing.efiction import detect_gate, parse_listing, printable_chapter_numbers
from mirror.profiles import find_profile


def to_page(response: Response, kind: str) -> Page:
    headers = {key.decode("latin-1"): [v.decode("latin-1") for v in values]
               for key, values in response.headers.items()}
    return Page(url=response.url, status=response.status, headers=headers,
                body=response.body, kind=kind)


class EfictionSpider(scrapy.Spider):
    name = "efiction"

    def __init__(self, url: str | None = None, date_format: str | None = None,
                 encoding: str | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not url:
            raise ValueError("give the archive's address: scrapy crawl efiction -a url=http://host/fiction/")
        self.base_url = urls.normalise_base(url)
        # Scrapy's offsite filtering then drops requests, and redirects, to other hosts.
        self.allowed_domains = [urlsplit(self.base_url).hostname]
        self._date_format = date_format
        self._encoding = encoding
        self.seen: set[int] = set()

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        profile = find_profile(spider.base_url, settings.get("MIRROR_CONFIG_DIR"))
        spider.date_format = (spider._date_format or (profile.date_format if profile else None)
                              or settings.get("MIRROR_DATE_FORMAT", "d/m/y"))
        spider.encoding = (spider._encoding or (profile.encoding if profile else None)
                           or settings.get("MIRROR_ENCODING"))
        spider.use_printable = settings.getbool("MIRROR_PRINTABLE", True)
        spider.profile = profile
        return spider

    # --- discovery ---

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # offset=0 spelled out, so the "page 1" link in #pagelinks is seen as this same page
        yield scrapy.Request(urls.titles_url(self.base_url, offset=0), callback=self.parse_listing,
                             errback=self.listing_failed)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("mirror/requests/listing")
        page = to_page(response, "listing")
        listing = parse_listing(page, self.base_url, self.date_format, self.encoding)
        for entry in listing.entries:
            if entry.story_id in self.seen:
                continue
            self.seen.add(entry.story_id)
            self.crawler.stats.inc_value("mirror/stories/discovered")
            capture = StoryPages(site=self.base_url, story_id=entry.story_id,
                                 listing=page if entry.members_only else None,
                                 date_format=self.date_format)
            chapters = entry.story.chapter_count
            yield self._story_request(urls.index_url(self.base_url, entry.story_id, entry.gate),
                                      self.parse_index, capture, gate=entry.gate, chapters=chapters)
        for url in listing.page_urls:
            if urls.is_allowed(url, self.base_url):
                yield scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed)

    # --- one story ---

    def _story_request(self, url: str, callback, capture: StoryPages, **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.story_failed,
                              cb_kwargs={"capture": capture, **kwargs}, dont_filter=True)

    def _record(self, response: Response, capture: StoryPages, kind: str) -> Page:
        page = to_page(response, kind)
        capture.pages.append(page)
        capture.requests += 1
        self.crawler.stats.inc_value("mirror/requests/story")
        return page

    def parse_index(self, response: Response, capture: StoryPages, gate: dict[str, str],
                    chapters: int | None):
        page = self._record(response, capture, "index")
        shown = detect_gate(page)
        if shown is not None and shown.params and not (shown.params.items() <= gate.items()):
            # A gate the listing did not announce: pass it once, in this session.
            gate = {**gate, **shown.params}
            yield self._story_request(urls.index_url(self.base_url, capture.story_id, gate),
                                      self.parse_index, capture, gate=gate, chapters=chapters)
            return
        if shown is not None:  # members only, access denied, error: the pipeline records why
            yield capture
            return
        if self.use_printable:
            request = self._story_request(urls.printable_url(self.base_url, capture.story_id, gate),
                                          self.parse_printable, capture, gate=gate, chapters=chapters)
            yield request.replace(errback=self.printable_failed)
        else:
            yield from self._next_chapter(capture, gate, list(range(1, (chapters or 1) + 1)))

    def parse_printable(self, response: Response, capture: StoryPages, gate: dict[str, str],
                        chapters: int | None):
        page = self._record(response, capture, "printable")
        have = printable_chapter_numbers(page)
        wanted = set(range(1, (chapters or max(have, default=1)) + 1))
        missing = sorted(wanted - have)
        if missing:
            self.crawler.stats.inc_value("mirror/printable/incomplete")
            self.logger.info("printable view of story %s lacks chapters %s: fetching them one by one",
                             capture.story_id, missing)
        yield from self._next_chapter(capture, gate, missing)

    def printable_failed(self, failure):
        """The printable view is missing or broken (some sites switch it off): read chapter by chapter."""
        kwargs = failure.request.cb_kwargs
        capture: StoryPages = kwargs["capture"]
        capture.requests += 1
        self.crawler.stats.inc_value("mirror/requests/story")
        self.crawler.stats.inc_value("mirror/printable/failed")
        self.logger.warning("printable view of story %s failed (%s): fetching its chapters one by one",
                            capture.story_id, failure.getErrorMessage())
        yield from self._next_chapter(capture, kwargs["gate"], list(range(1, (kwargs["chapters"] or 1) + 1)))

    def _next_chapter(self, capture: StoryPages, gate: dict[str, str], missing: list[int]):
        if not missing:
            yield capture
            return
        yield self._story_request(urls.chapter_url(self.base_url, capture.story_id, missing[0], gate),
                                  self.parse_chapter, capture, gate=gate, missing=missing[1:])

    def parse_chapter(self, response: Response, capture: StoryPages, gate: dict[str, str],
                      missing: list[int]):
        self._record(response, capture, "chapter")
        yield from self._next_chapter(capture, gate, missing)

    def listing_failed(self, failure):
        self.crawler.stats.inc_value("mirror/listing/failed")
        self._failure("listing", failure.request.url, failure)
        self.logger.error("could not read the story listing %s: %s", failure.request.url,
                          failure.getErrorMessage())

    def _failure(self, what: str, url: str, failure, **fields: Any) -> None:
        failures = self.crawler.stats.get_value("mirror/failures") or []
        failures.append({"what": what, "url": url, "reason": failure.value.__class__.__name__,
                         "message": failure.getErrorMessage(), **fields})
        self.crawler.stats.set_value("mirror/failures", failures)

    def story_failed(self, failure):
        request = failure.request
        capture: StoryPages = request.cb_kwargs["capture"]
        self.crawler.stats.inc_value("mirror/stories/failed")
        reason = failure.value.__class__.__name__
        self.crawler.stats.inc_value(f"mirror/stories/failed/{reason}")
        self.logger.error("story %s not stored: %s failed after retries: %s",
                          capture.story_id, request.url, failure.getErrorMessage())
        self._failure("story", request.url, failure, story_id=capture.story_id)
