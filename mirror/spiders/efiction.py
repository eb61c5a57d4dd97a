"""The eFiction spider: routes requests, yields the raw pages of each story.

Per story it asks for the printable whole-story view and reads the story from it and the
listing block: one request; the index only when those two do not give the whole story
(mirror/spiders/story.py says when).  Rating gates are passed within the PHP session by
adding the gate's own parameters (``warning=<rid>``, ``ageconsent=ok``) to the
URL.  With credentials it logs in first, so members-only stories are read too.
Extraction happens in the item pipelines, from the saved pages.

Series: a full crawl reads ``browse.php?type=series`` and every series it meets (in the
listings, the series listing, or as a sub-series), each once, its pages one after the other,
and yields them as one :class:`SeriesPages`.  A re-sync reads only the series of new and changed
stories (as listed now and as stored), new sub-series, and series never read: a reorder that
changes no story is seen by ``--full`` only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.http import Response

from mirror import settings as mirror_settings
from mirror import signals, urls
from mirror.items import REVIEW_SERIES, REVIEW_STORY, AuthorPages, ChallengePages, Page, ReviewPages, SeriesPages, StoryPages
from mirror.parsing.efiction import ParseError, StoryUnavailable, looks_like_efiction, parse_and_keep, parse_listing
from mirror.parsing.challenges import ChallengeUnavailable, parse_challenge_listing, parse_challenge_page
from mirror.items import TAXONOMY_PARTS, TaxonomyPages
from mirror.parsing import taxonomy as taxonomy_parsing
from mirror.parsing.reviews import parse_reviews_page, reviews_url
from mirror.parsing.authors import AuthorUnavailable, parse_author_page, parse_author_series_page
from mirror.parsing.series import SeriesUnavailable, parse_series_listing, parse_series_page
from mirror.parsing.dates import DEFAULT_FORMAT, infer_date_format
from mirror.parsing.efiction import listing_dates
from mirror.options import check_setting_values
from mirror.profiles import credentials, find_profile, get_profile
from mirror.spiders.story import StoryRequests, failure_reason, to_page
from mirror.sync import FULL, SyncPlan, fingerprint

LOGIN_FAILED = "the login failed"

# Request priorities (higher first): story pages 0; series -1; reviews, author profiles, series and
# challenge pages -2; the next listing pages below all of those, so the scheduler holds the work of
# one listing page at a time and its memory does not grow with the archive (read ahead, a 10,000-
# story site queued one review or profile request per story until every story page was fetched);
# the taxonomy last, when every listing page (and so every rating gate) has been seen.
LISTING_PRIORITY = -3
TAXONOMY_PRIORITY = -4


def _offset(url: str) -> int:
    value = urls.script_and_query(url)[1].get("offset", "0")
    return int(value) if value.isdigit() else 0


class EfictionSpider(StoryRequests, scrapy.Spider):
    name = "efiction"
    profile = None  # the site profile (mirror.profiles.Profile), set by from_crawler
    pass_gates = True  # the profile's pass_age_gates

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
        self.listing_known: set[int] = set()  # offsets of the listing pages it links (progress)
        self.listing_read: dict[int, int] = {}  # offset -> stories shown, of the pages read
        self.series_seen: set[int] = set()  # series whose pages were requested in this run
        self.reviews_seen: set[tuple[str, int]] = set()  # items whose reviews were requested
        self.authors_seen: set[int] = set()  # members whose profile was requested
        self.challenges_seen: dict[int, ChallengePages] = {}  # challenges requested, their captures
        self.taxonomy_capture: TaxonomyPages | None = None  # the browse pages being read
        self.taxonomy_pending = 0  # taxonomy requests in flight: the capture is yielded at 0
        self.taxonomy_parts: set[str] = set()  # parts requested in this run
        self.taxonomy_urls: set[str] = set()  # taxonomy pages requested in this run
        self.gated_story: dict[int, int] = {}  # rid -> a listed story behind its warning gate
        self.probation = 0  # stories asked for before the breaker's verdict (0: no probation)
        self.admitted = 0  # story index requests made so far
        self.held: list[scrapy.Request] = []  # story requests waiting for the breaker's verdict
        self.parked = []  # stories read whole, waiting for the index check's verdict (spiders/story.py)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        profile = (get_profile(settings.get("MIRROR_PROFILE"), settings.get("MIRROR_CONFIG_DIR"))
                   if settings.get("MIRROR_PROFILE") else find_profile(spider.base_url, settings.get("MIRROR_CONFIG_DIR")))
        spider.date_format = (spider._date_format or (profile.date_format if profile else None)
                              or settings.get("MIRROR_DATE_FORMAT", "d/m/y"))
        spider.encoding = (spider._encoding or (profile.encoding if profile else None)
                           or settings.get("MIRROR_ENCODING"))
        # the printable view: one request for every chapter, unless the site switched it off
        spider.use_printable = settings.getbool("MIRROR_PRINTABLE", True) and (
            profile.printable if profile else True)
        spider.index_policy = settings.get("MIRROR_INDEX", mirror_settings.MIRROR_INDEX)
        check_setting_values({"MIRROR_INDEX": spider.index_policy})  # `scrapy crawl -s` too
        spider.fetch_series = settings.getbool("MIRROR_SERIES", True)
        spider.fetch_reviews = settings.getbool("MIRROR_REVIEWS", True)
        spider.fetch_authors = settings.getbool("MIRROR_AUTHORS", True)
        spider.fetch_challenges = settings.getbool("MIRROR_CHALLENGES", True)
        spider.fetch_taxonomy = settings.getbool("MIRROR_TAXONOMY", True)
        spider.profile = profile
        spider.pass_gates = profile.pass_age_gates if profile else True
        # on probation until the breaker judged the first stories: no other story is asked for
        spider.probation = (settings.getint("MIRROR_BREAKER_FIRST")
                            if settings.getbool("MIRROR_BREAKER_ENABLED") else 0)
        crawler.signals.connect(spider.release_held, signal=signals.site_understood)
        crawler.signals.connect(spider.spider_idle, signal=scrapy_signals.spider_idle)
        crawler.signals.connect(spider.index_checked, signal=signals.index_checked)
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
        for request in self._listing_requests(response, first):
            yield from self._admit(request)

    def _listing_requests(self, response: Response, first: bool) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("mirror/requests/listing")
        page = to_page(response, "listing")
        if self.date_format == "auto":  # the profile says "auto", or there is none: infer it
            self._infer_date_format(page)
        listing = parse_listing(page, self.base_url, self.date_format, self.encoding)
        self._note_listing(response.url, listing)
        if first and not listing.entries and not looks_like_efiction(page):
            self.crawler.stats.set_value("mirror/not_efiction", response.url)
            raise CloseSpider("not_efiction")
        if first and not listing.entries and b"viewstory.php?sid=" in page.body:
            # it links stories, none of which could be read: never a "finished" crawl of nothing
            self.crawler.stats.set_value("mirror/breaker/tripped", (
                f"{self.base_url} is not understood: its listing {response.url} links stories but no story "
                f"block on it could be read. Nothing more is asked of the site; run `mirror probe "
                f"{self.base_url}` to see what the pages show"))
            raise CloseSpider("not_understood")
        fresh, unchanged, past = [], {}, False
        plan = getattr(self, "sync_plan", None)
        if first and self.resync:
            yield from self._retries(plan.retry - {e.story_id for e in listing.entries})
            yield from self._series_requests(plan.unfetched_series)  # never read (or failed) before
            yield from self._author_requests(sorted(plan.unprofiled_authors))  # never read before
            yield from self._challenge_requests(sorted(plan.unfetched_challenges))  # never read before
            yield from self._taxonomy_requests(set(TAXONOMY_PARTS) - plan.taxonomy_parts)  # never read before
        elif first and self.fetch_series:
            # also finds series whose stories are all members-only (no story shows them to guests)
            yield scrapy.Request(urls.build(self.base_url, "browse.php", type="series", offset=0),
                                 callback=self.parse_series_listing, errback=self.series_listing_failed,
                                 priority=-1)
        if first and not self.resync and self.fetch_challenges:
            # the challenges module's list (the module may be missing: a 404 is then only counted)
            yield scrapy.Request(urls.build(self.base_url, "browse.php", type="challenges", offset=0),
                                 callback=self.parse_challenge_listing, errback=self.challenge_listing_failed,
                                 priority=-1)
        if first and not self.resync:  # a full crawl reads the whole taxonomy
            yield from self._taxonomy_requests(set(TAXONOMY_PARTS))
        taxonomy_wanted: set[str] = set()
        series_wanted: list[int] = []
        challenges_wanted: list[int] = []
        read_before = plan if plan is not None else SyncPlan(FULL)  # the reviews read before
        profiled = plan.profiled_authors if plan is not None else set()
        for entry in listing.entries:
            if entry.story_id in self.seen:
                continue
            self.seen.add(entry.story_id)
            self.crawler.stats.inc_value("mirror/stories/discovered")
            listed_reviews = entry.story.review_count or 0
            if entry.gate.get("warning", "").isdigit():  # its gate shows the rating's warning text
                self.gated_story.setdefault(int(entry.gate["warning"]), entry.story_id)
            if entry.story_id in self.skip_story_ids:
                self.crawler.stats.inc_value("mirror/stories/skipped_resumed")
                # done by the interrupted run: its reviews and authors only if not read yet
                if read_before.reviews_changed(REVIEW_STORY, entry.story_id, listed_reviews):
                    yield from self._review_requests(REVIEW_STORY, entry.story_id, listed_reviews)
                yield from self._author_requests([a.id for a in entry.story.authors if a.id not in profiled])
                continue
            if self.resync and plan.known.get(entry.story_id) == fingerprint(entry.story):
                unchanged[entry.story_id] = (entry.story.read_count, entry.story.review_count)
                # its reviews when their listed count moved since they were read (or they never were)
                if read_before.reviews_changed(REVIEW_STORY, entry.story_id, listed_reviews):
                    yield from self._review_requests(REVIEW_STORY, entry.story_id, listed_reviews)
                # newest first: past an unchanged story older than the last sync, all are older
                past |= plan.floor is not None and entry.story.updated is not None \
                    and entry.story.updated < plan.floor
                continue
            if not self._profile_allows(urls.index_url(self.base_url, entry.story_id)):
                self.crawler.stats.inc_value("mirror/stories/excluded_by_profile")
                continue
            fresh.append(entry.story_id)
            # a new or changed story: its series now, and before (it may have left one)
            series_wanted += [s.id for s in entry.story.series]
            series_wanted += list(plan.series_of.get(entry.story_id, ())) if self.resync else []
            # and its challenges, now and before (it may have been taken off one)
            challenges_wanted += [c.id for c in entry.story.challenges if c.id is not None]
            challenges_wanted += list(plan.challenges_of.get(entry.story_id, ())) if self.resync else []
            if self.resync:  # a category, character, rating or class not stored: read that part again
                taxonomy_wanted |= plan.taxonomy_unknown(entry.story)
            capture = StoryPages(site=self.base_url, story_id=entry.story_id, listing=page, listed=entry.story,
                                 date_format=self.date_format, login_problem=self.login_problem)
            gate = entry.gate if self.pass_gates else {}  # the profile may say: do not pass gates
            yield self.story_start(capture, gate, members_only=entry.members_only)
            # after the story pages (lower priority): its reviews, its authors' profiles
            if listed_reviews > 0 or read_before.reviews_held(REVIEW_STORY, entry.story_id):
                yield from self._review_requests(REVIEW_STORY, entry.story_id, listed_reviews)
            yield from self._author_requests([a.id for a in entry.story.authors])
        self.crawler.signals.send_catch_log(signals.stories_discovered, story_ids=fresh)
        if not self.resync:  # a full crawl reads every series it meets (stories skipped on resume too)
            series_wanted += [s.id for e in listing.entries for s in e.story.series]
        yield from self._series_requests(series_wanted)
        if not self.resync:  # a full crawl reads every challenge it meets
            challenges_wanted += [c.id for e in listing.entries for c in e.story.challenges if c.id is not None]
        yield from self._challenge_requests(challenges_wanted)
        yield from self._taxonomy_requests(taxonomy_wanted)
        if unchanged:
            self.crawler.stats.inc_value("mirror/stories/unchanged", len(unchanged))
            self.crawler.stats.inc_value("mirror/stories/unchanged_not_fetched", len(unchanged))
            self.crawler.signals.send_catch_log(signals.stories_unchanged, counts=unchanged)
        pages = [u for u in listing.page_urls if urls.is_allowed(u, self.base_url) and self._profile_allows(u)]
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
        for url in pages:  # after the work of the stories already found (see LISTING_PRIORITY)
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed,
                                 priority=LISTING_PRIORITY)

    def _note_listing(self, url: str, listing) -> None:
        """What the listing shows of its size, as stats for the progress display: its pages (the
        offsets in its page links) and so about how many stories it holds: the last page's offset
        plus a page of stories (the smallest offset), or what that page shows once it was read."""
        here = _offset(url)
        self.listing_read[here] = len(listing.entries)
        self.listing_known |= {here, *(_offset(u) for u in listing.page_urls if urls.is_allowed(u, self.base_url))}
        last = max(self.listing_known)
        per_page = min((offset for offset in self.listing_known if offset > 0), default=0)
        stats = self.crawler.stats
        stats.set_value("mirror/listing/pages_known", len(self.listing_known))
        stats.set_value("mirror/listing/pages_read", len(self.listing_read.keys() & self.listing_known))
        stats.set_value("mirror/listing/stories_shown", last + self.listing_read.get(last, per_page))

    def _admit(self, request: scrapy.Request) -> Iterator[scrapy.Request]:
        """What a listing page asks for, or held back while the crawl is on probation: until the
        breaker has judged the first stories (mirror/breaker.py) nothing but their story pages is
        asked for: no other story, no review, profile, series, challenge or taxonomy page, no
        further listing page (a run killed on probation loses none of them: a resumed run asks
        for the reviews and profiles of the stories it finds stored)."""
        story = bool(request.meta.get("mirror_story_start"))
        later = not story or self.admitted >= self.probation
        if self.probation and later:
            self.held.append(request)
            self.crawler.stats.inc_value("mirror/breaker/held")
            return
        self.admitted += story
        yield request

    def release_held(self) -> None:
        """The first stories were understood: ask for the ones held back."""
        self.probation = 0
        held, self.held = self.held, []
        for request in held:
            if request.callback == self.parse_printable_first and not self.use_printable:
                kwargs = request.cb_kwargs  # switched off meanwhile: its index first
                request = self.story_start(kwargs["capture"], kwargs["gate"])
            self.crawler.engine.crawl(request)

    def spider_idle(self) -> None:
        tripped = self.crawler.stats.get_value("mirror/breaker/tripped")
        if self.held and not tripped:  # nothing else to do: no verdict is coming
            self.release_held()
            raise DontCloseSpider
        if self.parked and not tripped:  # the index check gave no verdict: the next story is it
            self.checking = None
            self.release_parked()
            raise DontCloseSpider

    def _retries(self, story_ids: set[int]) -> Iterator[scrapy.Request]:
        """Stories the last run could not finish, fetched by id wherever the listing has them now
        (a gate, if any, is passed when the index shows it)."""
        for sid in sorted(story_ids - self.seen - self.skip_story_ids):
            self.seen.add(sid)
            self.crawler.stats.inc_value("mirror/stories/retried")
            self.crawler.signals.send_catch_log(signals.stories_discovered, story_ids=[sid])
            capture = StoryPages(site=self.base_url, story_id=sid, date_format=self.date_format,
                                 login_problem=self.login_problem)
            yield self.story_start(capture, {})  # not listed: its index

    def _profile_allows(self, url: str) -> bool:
        return self.profile is None or self.profile.allows(url)

    def _infer_date_format(self, page: Page) -> None:
        """Read the site's date format off the first listing page's dates (pure inference)."""
        samples, pairs = listing_dates(page, self.base_url, self.encoding)
        language = self.profile.language if self.profile else None
        guess = infer_date_format(samples, ordered_pairs=pairs, language=language, today=dt.date.today())
        self.date_format = guess.format or DEFAULT_FORMAT
        self.crawler.stats.set_value("mirror/date_format", self.date_format)
        if guess.format is None:
            self.logger.warning("could not infer the date format from %s (%s): using %s; set date_format "
                                "in the site profile", page.url, "; ".join(guess.evidence), DEFAULT_FORMAT)
        elif not guess.certain:
            self.logger.warning("date format: %s is a guess (%s); `mirror probe %s` or date_format in the "
                                "site profile settles it", guess.format, "; ".join(guess.evidence), self.base_url)
        else:
            self.logger.info("date format: %s (%s)", guess.format, "; ".join(guess.evidence))

    def listing_failed(self, failure):
        self.listing_complete = False
        self.crawler.stats.inc_value("mirror/listing/failed")
        self._failure("listing", failure.request.url, failure)
        self.logger.error("could not read the story listing %s: %s", failure.request.url,
                          failure_reason(failure))

    # --- series (viewseries.php): each series once per run, its pages one after the other ---

    def _series_requests(self, series_ids) -> Iterator[scrapy.Request]:
        if not self.fetch_series:
            return
        for seriesid in series_ids:
            if seriesid in self.series_seen or not self._profile_allows(urls.series_url(self.base_url, seriesid)):
                continue
            self.series_seen.add(seriesid)
            self.crawler.stats.inc_value("mirror/series/requested")
            capture = SeriesPages(site=self.base_url, series_id=seriesid, date_format=self.date_format)
            yield self._series_page_request(capture, 0)

    def _series_page_request(self, capture: SeriesPages, offset: int) -> scrapy.Request:
        # the first page as every link on the site names it; later ones by their offset
        url = (urls.build(self.base_url, "viewseries.php", seriesid=capture.series_id, offset=offset)
               if offset else urls.series_url(self.base_url, capture.series_id))
        # after the stories: series pages never hold up the story crawl
        return scrapy.Request(url, callback=self.parse_series, errback=self.series_failed,
                              cb_kwargs={"capture": capture}, dont_filter=True, priority=-1)

    def parse_series_listing(self, response: Response) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("mirror/requests/series_listing")
        listing = parse_series_listing(to_page(response, "series_listing"), self.encoding)
        yield from self._series_requests(listing.series_ids)
        for url in listing.page_urls:
            if urls.is_allowed(url, self.base_url) and self._profile_allows(url):
                yield scrapy.Request(url, callback=self.parse_series_listing,
                                     errback=self.series_listing_failed, priority=-1)

    def series_listing_failed(self, failure):
        self.crawler.stats.inc_value("mirror/series/listing_failed")
        self._failure("series_listing", failure.request.url, failure)
        self.logger.warning("could not read the series listing %s: %s", failure.request.url,
                            failure_reason(failure))

    def _paged(self, response: Response, capture, kind: str, stat: str, parse,
               unavailable: type[Exception], next_request, on_page=None):
        """One page of a paginated record (series, review list, challenge): kept; then what the
        page asks for (``on_page``), and the next page in offset order, one page at a time (the
        page links show a window of pages), or the capture once the last one is read.  An
        unreadable page ends it: the pipeline drops the capture, with the reason."""
        page = to_page(response, kind)
        capture.pages.append(page)
        capture.requests += 1
        self.crawler.stats.inc_value(f"mirror/requests/{stat}")
        try:
            shown = parse_and_keep(parse, page, self.base_url, self.date_format, self.encoding)
        except (ParseError, unavailable):
            yield capture
            return
        if on_page is not None:
            yield from on_page(shown)
        here = _offset(response.url)
        later = sorted({_offset(u) for u in shown.page_urls if _offset(u) > here})
        yield next_request(capture, later[0]) if later else capture

    def parse_series(self, response: Response, capture: SeriesPages):
        yield from self._paged(response, capture, "series", "series", parse_series_page, SeriesUnavailable,
                               self._series_page_request, lambda shown: self._series_found(capture, shown))

    def _series_found(self, capture: SeriesPages, shown):
        children = [e.series_id for e in shown.entries if e.series_id is not None]
        if shown.offset == 0:  # the series' own reviews (type=SE), after the stories
            read_before = getattr(self, "sync_plan", None) or SyncPlan(FULL)
            listed = shown.review_count or 0
            if read_before.reviews_changed(REVIEW_SERIES, capture.series_id, listed) if self.resync \
                    else (listed > 0 or read_before.reviews_held(REVIEW_SERIES, capture.series_id)):
                yield from self._review_requests(REVIEW_SERIES, capture.series_id, shown.review_count)
        if self.resync:  # a re-sync reads a sub-series only when it has never been read
            children = [c for c in children if c not in getattr(self, "sync_plan").fetched_series]
        yield from self._series_requests(children)

    def series_failed(self, failure):
        capture: SeriesPages = failure.request.cb_kwargs["capture"]
        capture.requests += 1
        capture.failures.append((failure.request.url, failure_reason(failure)))
        self.crawler.stats.inc_value("mirror/series/failed")
        self._failure("series", failure.request.url, failure, series_id=capture.series_id)
        self.logger.warning("series %s: %s failed after retries: %s", capture.series_id,
                            failure.request.url, failure_reason(failure))
        if capture.pages:  # stored without its order (the order stored before is kept)
            yield capture

    # --- challenges (modules/challenges/challenges.php): each once per run, after the stories
    # (priority -2: after the challenges listing, -1, which adds the response counts) ---

    def _challenge_requests(self, chalids, counts: dict[int, int] | None = None) -> Iterator[scrapy.Request]:
        if not self.fetch_challenges:
            return
        for chalid in chalids:
            if chalid in self.challenges_seen:  # named by a story first: the listing adds its count
                if counts and chalid in counts:
                    self.challenges_seen[chalid].listed_count = counts[chalid]
                continue
            if not self._profile_allows(urls.challenge_url(self.base_url, chalid)):
                continue
            capture = ChallengePages(site=self.base_url, challenge_id=chalid, date_format=self.date_format,
                                     listed_count=(counts or {}).get(chalid))
            self.challenges_seen[chalid] = capture
            self.crawler.stats.inc_value("mirror/challenges/requested")
            yield self._challenge_page_request(capture, 0)

    def _challenge_page_request(self, capture: ChallengePages, offset: int) -> scrapy.Request:
        return scrapy.Request(urls.challenge_url(self.base_url, capture.challenge_id, offset),
                              callback=self.parse_challenge, errback=self.challenge_failed,
                              cb_kwargs={"capture": capture}, dont_filter=True, priority=-2)

    def parse_challenge_listing(self, response: Response) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("mirror/requests/challenge_listing")
        listing = parse_challenge_listing(to_page(response, "challenge_listing"), self.encoding)
        yield from self._challenge_requests(listing.challenge_ids, listing.response_counts)
        for url in listing.page_urls:
            if urls.is_allowed(url, self.base_url) and self._profile_allows(url):
                yield scrapy.Request(url, callback=self.parse_challenge_listing,
                                     errback=self.challenge_listing_failed, priority=-1)

    def challenge_listing_failed(self, failure):
        self.crawler.stats.inc_value("mirror/challenges/listing_failed")
        self._failure("challenge_listing", failure.request.url, failure)
        self.logger.warning("could not read the challenges listing %s: %s", failure.request.url,
                            failure_reason(failure))

    def parse_challenge(self, response: Response, capture: ChallengePages):
        yield from self._paged(response, capture, "challenge", "challenges", parse_challenge_page,
                               ChallengeUnavailable, self._challenge_page_request)

    def challenge_failed(self, failure):
        capture: ChallengePages = failure.request.cb_kwargs["capture"]
        capture.requests += 1
        capture.failures.append((failure.request.url, failure_reason(failure)))
        self.crawler.stats.inc_value("mirror/challenges/failed")
        self._failure("challenge", failure.request.url, failure, challenge_id=capture.challenge_id)
        self.logger.warning("challenge %s: %s failed after retries: %s", capture.challenge_id,
                            failure.request.url, failure_reason(failure))
        if capture.pages:  # stored without its responses' order (the stored one is kept)
            yield capture

    # --- reviews (reviews.php) and author profiles (viewuser.php): after the stories ---

    def _review_requests(self, item_type: str, item_id: int, listed: int | None) -> Iterator[scrapy.Request]:
        if not self.fetch_reviews or (item_type, item_id) in self.reviews_seen:
            return
        url = reviews_url(self.base_url, item_type, item_id)
        if not self._profile_allows(url):
            return
        self.reviews_seen.add((item_type, item_id))
        self.crawler.stats.inc_value("mirror/reviews/requested")
        capture = ReviewPages(site=self.base_url, item_type=item_type, item_id=item_id,
                              date_format=self.date_format, listed_count=listed)
        yield self._review_page_request(capture, 0)

    def _review_page_request(self, capture: ReviewPages, offset: int) -> scrapy.Request:
        return scrapy.Request(reviews_url(self.base_url, capture.item_type, capture.item_id, offset),
                              callback=self.parse_reviews, errback=self.reviews_failed,
                              cb_kwargs={"capture": capture}, dont_filter=True, priority=-2)

    def parse_reviews(self, response: Response, capture: ReviewPages):
        yield from self._paged(response, capture, "reviews", "reviews", parse_reviews_page, StoryUnavailable,
                               self._review_page_request)

    def reviews_failed(self, failure):
        capture: ReviewPages = failure.request.cb_kwargs["capture"]
        capture.requests += 1
        capture.failures.append((failure.request.url, failure_reason(failure)))
        self.crawler.stats.inc_value("mirror/reviews/failed")
        self._failure("reviews", failure.request.url, failure, item_type=capture.item_type,
                      item_id=capture.item_id)
        self.logger.warning("reviews of %s %s: %s failed after retries: %s", capture.item_type,
                            capture.item_id, failure.request.url, failure_reason(failure))
        if capture.pages:  # stored as read; nothing is marked gone
            yield capture

    def _author_requests(self, uids) -> Iterator[scrapy.Request]:
        if not self.fetch_authors:
            return
        for uid in uids:
            url = urls.author_url(self.base_url, uid)
            if uid in self.authors_seen or not self._profile_allows(url):
                continue
            self.authors_seen.add(uid)
            self.crawler.stats.inc_value("mirror/authors/requested")
            capture = AuthorPages(site=self.base_url, author_id=uid, date_format=self.date_format)
            yield scrapy.Request(url, callback=self.parse_author, errback=self.author_failed,
                                 cb_kwargs={"capture": capture}, dont_filter=True, priority=-2)

    def parse_author(self, response: Response, capture: AuthorPages):
        page = to_page(response, "author")
        capture.pages.append(page)
        capture.requests += 1
        self.crawler.stats.inc_value("mirror/requests/authors")
        try:
            shown = parse_and_keep(parse_author_page, page, self.base_url, self.date_format, self.encoding)
        except (ParseError, AuthorUnavailable):
            yield capture  # the pipeline drops it, with the reason
            return
        # the member's series ("Series by" tab), when the tab counts any: its pages one by one
        panel = urls.build(self.base_url, "viewuser.php", action="seriesby", uid=capture.author_id)
        if shown.series_count and self._profile_allows(panel):
            yield self._author_series_request(capture, 0)
        else:
            yield capture

    def _author_series_request(self, capture: AuthorPages, offset: int) -> scrapy.Request:
        url = urls.build(self.base_url, "viewuser.php", action="seriesby", uid=capture.author_id,
                         offset=offset or None)
        return scrapy.Request(url, callback=self.parse_author_series, errback=self.author_series_failed,
                              cb_kwargs={"capture": capture}, dont_filter=True, priority=-2)

    def parse_author_series(self, response: Response, capture: AuthorPages):
        yield from self._paged(response, capture, "author", "authors", parse_author_series_page, AuthorUnavailable,
                               self._author_series_request, self._author_series_found)

    def _author_series_found(self, shown):
        series = [s.id for s in shown.series]
        if self.resync:  # a re-sync reads a series only when it has never been read
            series = [s for s in series if s not in getattr(self, "sync_plan").fetched_series]
        yield from self._series_requests(series)

    def author_series_failed(self, failure):
        capture: AuthorPages = failure.request.cb_kwargs["capture"]
        capture.requests += 1
        capture.failures.append((failure.request.url, failure_reason(failure)))
        self.crawler.stats.inc_value("mirror/authors/failed")
        self._failure("author", failure.request.url, failure, author_id=capture.author_id)
        self.logger.warning("series of author %s: %s failed after retries: %s", capture.author_id,
                            failure.request.url, failure_reason(failure))
        yield capture  # the profile, with the series read so far

    def author_failed(self, failure):
        capture: AuthorPages = failure.request.cb_kwargs["capture"]
        self.crawler.stats.inc_value("mirror/authors/failed")
        self._failure("author", failure.request.url, failure, author_id=capture.author_id)
        self.logger.warning("profile of author %s: %s failed after retries: %s", capture.author_id,
                            failure.request.url, failure_reason(failure))

    # --- one story: mirror/spiders/story.py; a story whose pages could not be fetched ---

    def story_failed(self, failure):
        request = failure.request
        capture: StoryPages = request.cb_kwargs["capture"]
        self._count(capture)
        if capture.calibration:  # the index check passes to the next story
            self.index_checked(capture.story_id, None)
        reason = failure_reason(failure)
        self.crawler.stats.inc_value("mirror/stories/failed")
        self.crawler.stats.inc_value(f"mirror/stories/failed/{type(failure.value).__name__}")
        self.logger.error("story %s not stored: %s failed after retries: %s",
                          capture.story_id, request.url, reason)
        self._failure("story", request.url, failure, story_id=capture.story_id)
        self.crawler.signals.send_catch_log(signals.story_failed, story_id=capture.story_id,
                                            reason=f"{request.url}: {reason}")

    # --- taxonomy (the browse pages: class types, the category tree, characters, ratings and
    # their warning texts, classes): each part once per run, after everything else (TAXONOMY_PRIORITY);
    # the capture is yielded when its last request is answered ---

    _TAXONOMY_START = {"categories": {"type": "categories"}, "characters": {"type": "characters"},
                       "ratings": {"type": "ratings"}, "classes": {}}

    def _taxonomy_requests(self, parts) -> Iterator[scrapy.Request]:
        if not self.fetch_taxonomy:
            return
        for part in sorted(set(parts) - self.taxonomy_parts):
            self.taxonomy_parts.add(part)
            if self.taxonomy_capture is None:
                self.taxonomy_capture = TaxonomyPages(site=self.base_url)
            self.taxonomy_capture.parts.append(part)
            self.crawler.stats.inc_value("mirror/taxonomy/requested")
            yield from self._taxonomy_page_request(urls.build(self.base_url, "browse.php",
                                                              **self._TAXONOMY_START[part]))

    def _taxonomy_page_request(self, url: str, **meta: Any) -> Iterator[scrapy.Request]:
        if url in self.taxonomy_urls or not self._profile_allows(url):
            return
        self.taxonomy_urls.add(url)
        self.taxonomy_pending += 1
        yield scrapy.Request(url, callback=self.parse_taxonomy, errback=self.taxonomy_failed,
                             cb_kwargs={"capture": self.taxonomy_capture}, dont_filter=True, priority=TAXONOMY_PRIORITY, meta=meta)

    def parse_taxonomy(self, response: Response, capture: TaxonomyPages):
        page = to_page(response, "taxonomy")
        capture.pages.append(page)
        capture.requests += 1
        self.crawler.stats.inc_value("mirror/requests/taxonomy")
        kind = taxonomy_parsing.page_type(response.url)
        later: list[str] = []
        try:
            if kind == "menu":  # the class types: each one's list of classes
                later = [urls.build(self.base_url, "browse.php", type="class", type_id=t.id)
                         for t in taxonomy_parsing.parse_browse_menu(page, self.encoding)]
            elif kind == "categories":  # each category's page lists its subcategories
                later = [urls.build(self.base_url, "browse.php", type="categories", catid=c.id)
                         for c in taxonomy_parsing.parse_categories_page(page, self.encoding).children]
            elif kind in ("characters", "ratings", "class"):
                later = taxonomy_parsing.parse_name_list(page, self.encoding).page_urls
        except ParseError:  # the pipeline records it (the part is then partial)
            later = []
        for url in later:
            if urls.is_allowed(url, self.base_url):
                yield from self._taxonomy_page_request(url)
        if kind == "ratings":  # a story behind each warning gate, in a session that never passed it
            for rid, sid in sorted(self.gated_story.items()):
                yield from self._taxonomy_page_request(urls.build(self.base_url, "viewstory.php", sid=sid),
                                                       cookiejar="taxonomy-gates")
        yield from self._taxonomy_done(capture)

    def taxonomy_failed(self, failure):
        capture: TaxonomyPages = failure.request.cb_kwargs["capture"]
        capture.requests += 1
        capture.failures.append((failure.request.url, failure_reason(failure)))
        self.crawler.stats.inc_value("mirror/taxonomy/failed")
        self._failure("taxonomy", failure.request.url, failure)
        self.logger.warning("taxonomy page %s failed after retries: %s", failure.request.url, failure_reason(failure))
        yield from self._taxonomy_done(capture)

    def _taxonomy_done(self, capture: TaxonomyPages) -> Iterator[TaxonomyPages]:
        self.taxonomy_pending -= 1
        if self.taxonomy_pending == 0 and capture is self.taxonomy_capture:
            self.taxonomy_capture = None  # parts asked for later get a capture of their own
            yield capture

    def _failure(self, what: str, url: str, failure, **fields: Any) -> None:
        failures = self.crawler.stats.get_value("mirror/failures") or []
        failures.append({"what": what, "url": url, "reason": failure_reason(failure), **fields})
        self.crawler.stats.set_value("mirror/failures", failures)
