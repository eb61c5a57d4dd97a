"""The eFiction spider: routes requests, yields the raw pages of each story.

Per story it asks for the story index (metadata, chapter list) and the
printable whole-story view (every chapter's text): two requests.  When the
printable view fails or does not give every chapter, it falls back to one
request per missing chapter.  Rating gates are passed within the PHP session by
adding the gate's own parameters (``warning=<rid>``, ``ageconsent=ok``) to the
URL.  With credentials it logs in first, so members-only stories are read too.
Extraction happens in the item pipelines, from the saved pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response

from mirror import signals, urls
from mirror.items import Page, StoryPages
from mirror.parsing.efiction import (ParseError, detect_gate, index_chapter_numbers, looks_like_efiction,
                                     parse_listing, printable_chapter_numbers)
from mirror.profiles import credentials, find_profile
from mirror.sync import fingerprint

LOGIN_FAILED = "the login failed"


def to_page(response: Response, kind: str) -> Page:
    headers = {key.decode("latin-1"): [v.decode("latin-1") for v in values]
               for key, values in response.headers.items()}
    return Page(url=response.url, status=response.status, headers=headers,
                body=response.body, kind=kind)


def _offset(url: str) -> int:
    value = urls.script_and_query(url)[1].get("offset", "0")
    return int(value) if value.isdigit() else 0


def failure_reason(failure) -> str:
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    return f"{type(failure.value).__name__}: {failure.getErrorMessage()}"


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
        self.skip_story_ids: set[int] = set()  # done by an interrupted run: set when resuming
        self.login_problem: str | None = None
        self.listing_complete = False  # True once every listing page was read

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
        # Kept on the spider only: never in settings, stats, logs or the database.
        spider._credentials = credentials(spider.base_url, profile)
        return spider

    # --- start: log in if we can, then the listing ---

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self._credentials:
            username, password = self._credentials
            self.logger.info("logging in to %s as %s", self.base_url, username)
            # The sign-in is the account owner's, not a crawled page: exempt from robots.txt.
            yield scrapy.FormRequest(
                urls.build(self.base_url, "user.php", action="login"),
                formdata={"penname": username, "password": password, "cookiecheck": "1", "submit": "Submit"},
                callback=self.after_login, errback=self.login_errored, dont_filter=True,
                meta={"dont_obey_robotstxt": True})
        else:
            yield self._first_listing()

    @property
    def resync(self) -> bool:
        plan = getattr(self, "sync_plan", None)
        return plan is not None and plan.strategy == "resync"

    def _first_listing(self) -> scrapy.Request:
        # offset=0 spelled out, so the "page 1" link in #pagelinks is seen as this same page;
        # a re-sync reads the listing newest first, and stops when it reaches what it has
        url = urls.titles_url(self.base_url, offset=0, sort="update" if self.resync else None)
        self.listing_complete = True  # until a listing page fails or a re-sync stops early
        return scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed,
                              cb_kwargs={"first": True})

    def after_login(self, response: Response):
        body = response.body
        if b"action=logout" in body and b'name="password"' not in body and b"name='password'" not in body:
            self.crawler.stats.set_value("mirror/login", "ok")
            self.logger.info("logged in: members-only stories will be read")
        else:
            self._login_failed("the site did not accept the user name and password")
        yield self._first_listing()

    def login_errored(self, failure):
        self._login_failed(failure_reason(failure))
        yield self._first_listing()

    def _login_failed(self, why: str) -> None:
        self.login_problem = f"{LOGIN_FAILED} ({why})"
        self.crawler.stats.set_value("mirror/login", "failed")
        self.logger.error("login to %s failed: %s; members-only stories will be recorded as restricted",
                          self.base_url, why)

    # --- discovery ---

    def parse_listing(self, response: Response, first: bool = False) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("mirror/requests/listing")
        page = to_page(response, "listing")
        listing = parse_listing(page, self.base_url, self.date_format, self.encoding)
        if first and not listing.entries and not looks_like_efiction(page):
            self.crawler.stats.set_value("mirror/not_efiction", response.url)
            raise CloseSpider("not_efiction")
        fresh, unchanged, past = [], {}, False
        plan = getattr(self, "sync_plan", None)
        if first and self.resync:
            yield from self._retries(plan.retry - {e.story_id for e in listing.entries})
        for entry in listing.entries:
            if entry.story_id in self.seen:
                continue
            self.seen.add(entry.story_id)
            self.crawler.stats.inc_value("mirror/stories/discovered")
            if entry.story_id in self.skip_story_ids:
                self.crawler.stats.inc_value("mirror/stories/skipped_resumed")
                continue
            if self.resync and plan.known.get(entry.story_id) == fingerprint(entry.story):
                unchanged[entry.story_id] = (entry.story.read_count, entry.story.review_count)
                # newest first: past an unchanged story older than the last sync, all are older
                past |= plan.floor is not None and entry.story.updated is not None \
                    and entry.story.updated < plan.floor
                continue
            fresh.append(entry.story_id)
            capture = StoryPages(site=self.base_url, story_id=entry.story_id,
                                 listing=page if entry.members_only else None,
                                 date_format=self.date_format, login_problem=self.login_problem)
            yield self._story_request(urls.index_url(self.base_url, entry.story_id, entry.gate),
                                      self.parse_index, capture, gate=entry.gate,
                                      chapters=entry.story.chapter_count)
        self.crawler.signals.send_catch_log(signals.stories_discovered, story_ids=fresh)
        if unchanged:
            self.crawler.stats.inc_value("mirror/stories/unchanged", len(unchanged))
            self.crawler.stats.inc_value("mirror/stories/unchanged_not_fetched", len(unchanged))
            self.crawler.signals.send_catch_log(signals.stories_unchanged, counts=unchanged)
        pages = [u for u in listing.page_urls if urls.is_allowed(u, self.base_url)]
        if self.resync:
            # one page at a time, newest first, until a page shows an unchanged story updated
            # before the last sync (less the margin): everything after it is older still
            here = _offset(response.url)
            later = sorted((u for u in pages if _offset(u) > here), key=_offset)[:1]
            if later and past:
                self.listing_complete = False
                self.crawler.stats.set_value("mirror/resync/stopped_at_offset", here)
                self.logger.info("re-sync: stopping at listing offset %s, past stories updated before %s",
                                 here, plan.floor)
                later = []
            pages = later
        for url in pages:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed)

    def _retries(self, story_ids: set[int]) -> Iterator[scrapy.Request]:
        """Stories the last run could not finish, fetched by id wherever the listing has them now
        (a gate, if any, is passed when the index shows it)."""
        for sid in sorted(story_ids - self.seen - self.skip_story_ids):
            self.seen.add(sid)
            self.crawler.stats.inc_value("mirror/stories/retried")
            self.crawler.signals.send_catch_log(signals.stories_discovered, story_ids=[sid])
            capture = StoryPages(site=self.base_url, story_id=sid, date_format=self.date_format,
                                 login_problem=self.login_problem)
            yield self._story_request(urls.index_url(self.base_url, sid), self.parse_index, capture,
                                      gate={}, chapters=None)

    def listing_failed(self, failure):
        self.listing_complete = False
        self.crawler.stats.inc_value("mirror/listing/failed")
        self._failure("listing", failure.request.url, failure)
        self.logger.error("could not read the story listing %s: %s", failure.request.url,
                          failure_reason(failure))

    # --- one story ---

    def _story_request(self, url: str, callback, capture: StoryPages, errback=None,
                       **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=errback or self.story_failed,
                              cb_kwargs={"capture": capture, **kwargs}, dont_filter=True)

    def _record(self, response: Response, capture: StoryPages, kind: str) -> Page:
        page = to_page(response, kind)
        capture.pages.append(page)
        self._count(capture)
        return page

    def _count(self, capture: StoryPages) -> None:
        capture.requests += 1
        self.crawler.stats.inc_value("mirror/requests/story")

    def parse_index(self, response: Response, capture: StoryPages, gate: dict[str, str],
                    chapters: int | None):
        page = self._record(response, capture, "index")
        try:
            shown = detect_gate(page)
        except ParseError:  # e.g. still empty after retries: the pipeline drops it, with the reason
            yield capture
            return
        if shown is not None and shown.params and not (shown.params.items() <= gate.items()):
            # A gate the listing did not announce: pass it once, in this session.
            gate = {**gate, **shown.params}
            yield self._story_request(urls.index_url(self.base_url, capture.story_id, gate),
                                      self.parse_index, capture, gate=gate, chapters=chapters)
            return
        if shown is not None:  # members only, access denied, error: the pipeline records why
            yield capture
            return
        if chapters is None:  # not from a listing: count the index's chapter list
            chapters = len(index_chapter_numbers(page, capture.story_id)) or None
        if self.use_printable:
            yield self._story_request(urls.printable_url(self.base_url, capture.story_id, gate),
                                      self.parse_printable, capture, errback=self.printable_failed,
                                      gate=gate, chapters=chapters)
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
        self._count(capture)
        self.crawler.stats.inc_value("mirror/printable/failed")
        self.logger.warning("printable view of story %s failed (%s): fetching its chapters one by one",
                            capture.story_id, failure_reason(failure))
        yield from self._next_chapter(capture, kwargs["gate"], list(range(1, (kwargs["chapters"] or 1) + 1)))

    def _next_chapter(self, capture: StoryPages, gate: dict[str, str], missing: list[int]):
        if not missing:
            yield capture
            return
        yield self._story_request(urls.chapter_url(self.base_url, capture.story_id, missing[0], gate),
                                  self.parse_chapter, capture, errback=self.chapter_failed,
                                  gate=gate, missing=missing[1:])

    def parse_chapter(self, response: Response, capture: StoryPages, gate: dict[str, str],
                      missing: list[int]):
        self._record(response, capture, "chapter")
        yield from self._next_chapter(capture, gate, missing)

    def chapter_failed(self, failure):
        """One chapter could not be fetched: the story is stored as incomplete, never as whole."""
        kwargs = failure.request.cb_kwargs
        capture: StoryPages = kwargs["capture"]
        self._count(capture)
        capture.failures.append((failure.request.url, failure_reason(failure)))
        self.crawler.stats.inc_value("mirror/chapters/failed")
        yield from self._next_chapter(capture, kwargs["gate"], kwargs["missing"])

    def story_failed(self, failure):
        request = failure.request
        capture: StoryPages = request.cb_kwargs["capture"]
        self._count(capture)
        reason = failure_reason(failure)
        self.crawler.stats.inc_value("mirror/stories/failed")
        self.crawler.stats.inc_value(f"mirror/stories/failed/{type(failure.value).__name__}")
        self.logger.error("story %s not stored: %s failed after retries: %s",
                          capture.story_id, request.url, reason)
        self._failure("story", request.url, failure, story_id=capture.story_id)
        self.crawler.signals.send_catch_log(signals.story_failed, story_id=capture.story_id,
                                            reason=f"{request.url}: {reason}")

    def _failure(self, what: str, url: str, failure, **fields: Any) -> None:
        failures = self.crawler.stats.get_value("mirror/failures") or []
        failures.append({"what": what, "url": url, "reason": failure_reason(failure), **fields})
        self.crawler.stats.set_value("mirror/failures", failures)
