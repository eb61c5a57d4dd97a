"""The requests of one story, for :class:`mirror.spiders.efiction.EfictionSpider` (a mixin).

A listed story costs one request: its printable whole-story view (``chapter=all``), read with
the listing block (:func:`mirror.parsing.whole.read_without_index`).  Its index is asked for
only when those two do not give the whole story, and the reason is counted
(``mirror/index/<reason>``): the printable view is off (``printable_off``: the profile or
``MIRROR_PRINTABLE``), failed (``printable_failed``) or could not give it (the reasons in
:mod:`mirror.parsing.whole`); a members-only story (``members_only``); a story retried by id
(``not_listed``); ``MIRROR_INDEX = "always"`` (``always``).  One more check: the crawl reads the
index of its first story that needs none too (``calibration``, asked for before anything else)
and compares the two readings (the extract pipeline sends ``index_checked``); when they differ,
every story's index is read (``untrusted``), with one warning naming the fields.  Stories read
whole before that verdict are parked (no request) and routed by it.

After an index, the printable view already read gives the chapters; the chapters it lacks are
asked for one by one, within the story's ceiling (the chapters listed plus
:data:`CEILING_MARGIN`).  Gates are passed within the PHP session by the gate's own parameters.
"""

from __future__ import annotations

from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from mirror import urls
from mirror.items import Page, Story, StoryPages
from mirror.parsing.efiction import Gate, ParseError, detect_gate, parse_and_keep, printable_chapters, read_index
from mirror.parsing.whole import IndexNeeded, read_without_index

# Requests a story may cost beyond one per listed chapter: the printable view read first, the
# same view again past a gate it showed, the index, a gate the index showed passed.
CEILING_MARGIN = 4
# The check's index before the other stories' pages (higher first; story pages are 0).
CHECK_PRIORITY = 1
# Printable views that gave no story, none before having given one, that switch it off.
PRINTABLE_OFF_AFTER = 2
PRINTABLE_BROKEN = ("printable_failed", "printable_unavailable", "printable_unreadable")


def to_page(response: Response, kind: str) -> Page:
    headers = {key.decode("latin-1"): [v.decode("latin-1") for v in values]
               for key, values in response.headers.items()}
    # the WARC capture middleware (``--warc``) says where it kept this response
    request = response.request
    warc = request.meta.get("mirror_warc") if request is not None else None
    return Page(url=response.url, status=response.status, headers=headers,
                body=response.body, kind=kind, warc=dict(warc) if warc else None)


def failure_reason(failure) -> str:
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    return f"{type(failure.value).__name__}: {failure.getErrorMessage()}"


class StoryRequests:
    """The story part of the eFiction spider (its other parts: listing, series, reviews...)."""

    index_policy = "auto"  # MIRROR_INDEX: "auto" (when needed) or "always"
    index_trusted: bool | None = None  # the check's verdict: None until it is in
    checking: int | None = None  # the story whose index is being read for the check
    parked: list  # (capture, gate) of stories read whole while the check runs (set by the spider's __init__)
    printable_broken: int | None = 0  # printable views that gave no story; None once one gave one

    def _story_request(self, url: str, callback, capture: StoryPages, errback=None, priority: int = 0,
                       **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=errback or self.story_failed,
                              cb_kwargs={"capture": capture, **kwargs}, dont_filter=True, priority=priority)

    def _record(self, response: Response, capture: StoryPages, kind: str) -> Page:
        page = to_page(response, kind)
        capture.pages.append(page)
        self._count(capture)
        return page

    def _count(self, capture: StoryPages) -> None:
        capture.requests += 1
        self.crawler.stats.inc_value("mirror/requests/story")

    def story_start(self, capture: StoryPages, gate: dict[str, str], members_only: bool = False) -> scrapy.Request:
        """The first request of a story: its printable view, or its index when that is needed."""
        reason = ("always" if self.index_policy == "always" else "printable_off" if not self.use_printable
                  else "members_only" if members_only else "not_listed" if capture.listed is None else None)
        if reason is not None:
            request = self._index_request(capture, gate, reason)
        else:
            request = self._story_request(urls.printable_url(self.base_url, capture.story_id, gate),
                                          self.parse_printable_first, capture, errback=self.printable_first_failed,
                                          gate=gate)
        request.meta["mirror_story_start"] = True
        return request

    def _index_request(self, capture: StoryPages, gate: dict[str, str], reason: str, detail: str = "",
                       priority: int = 0) -> scrapy.Request:
        capture.index_reason = reason
        self.crawler.stats.inc_value(f"mirror/index/{reason}")
        if detail:
            self.logger.info("story %s: its index is read (%s: %s)", capture.story_id, reason, detail)
        return self._story_request(urls.index_url(self.base_url, capture.story_id, gate), self.parse_index,
                                   capture, gate=gate, priority=priority)

    def parse_printable_first(self, response: Response, capture: StoryPages, gate: dict[str, str]):
        page = self._record(response, capture, "printable")
        whole = read_without_index(capture, self.encoding)
        self._printable_answered(whole)
        passed = self._gate_passed(page, gate) if isinstance(whole, IndexNeeded) and whole.reason == "gate" else None
        if passed is not None:  # a gate the listing did not announce: passed once, in this session
            self.crawler.stats.inc_value("mirror/printable/gate_passed")
            yield self._story_request(urls.printable_url(self.base_url, capture.story_id, passed),
                                      self.parse_printable_first, capture, errback=self.printable_first_failed,
                                      gate=passed)
            return
        if isinstance(whole, IndexNeeded):
            yield self._index_request(capture, gate, whole.reason, whole.detail)
            return
        capture.whole = whole
        routed = self._route_whole(capture, gate)
        if routed is not None:
            yield routed

    def _printable_answered(self, whole: Story | IndexNeeded | None) -> None:
        """A site whose printable view answers only errors has it switched off: after
        :data:`PRINTABLE_OFF_AFTER` such answers and none that gave a story, it is not asked for
        again in this crawl (``mirror/printable/switched_off``); the chapters are read one by one."""
        if not isinstance(whole, IndexNeeded) or whole.reason not in PRINTABLE_BROKEN:
            self.printable_broken = None  # it works (for this story at least)
            return
        if self.printable_broken is None:
            return
        self.printable_broken += 1
        if self.printable_broken >= PRINTABLE_OFF_AFTER and self.use_printable:
            self.use_printable = False
            self.crawler.stats.set_value("mirror/printable/switched_off", True)
            self.logger.warning("the printable view of %s answered the first %s stories with no story (%s): "
                                "chapters are read one by one; `printable = false` in the site profile "
                                "saves the first tries", self.base_url, self.printable_broken, whole.reason)

    def _gate_passed(self, page: Page, gate: dict[str, str]) -> dict[str, str] | None:
        """The parameters that pass the rating gate a printable view shows, when they are new."""
        shown = detect_gate(page)
        if shown is None or not shown.params or shown.params.items() <= gate.items() or not self.pass_gates:
            return None
        return {**gate, **shown.params}

    def _route_whole(self, capture: StoryPages, gate: dict[str, str]) -> scrapy.Request | StoryPages | None:
        """A story the listing and printable view give whole: stored as it is once the check
        trusts them; the check's own story, with its index; parked (None) while the check runs."""
        if self.index_trusted:
            self.crawler.stats.inc_value("mirror/index/not_needed")
            return capture
        if self.index_trusted is False:
            return self._index_request(capture, gate, "untrusted")
        if self.checking is None:
            self.checking, capture.calibration = capture.story_id, True
            return self._index_request(capture, gate, "calibration", priority=CHECK_PRIORITY)
        self.parked.append((capture, gate))
        return None

    def _next_check(self) -> None:
        if not self.crawler.stats.get_value("mirror/breaker/tripped"):
            self.release_parked()

    def release_parked(self) -> bool:
        """The stories parked while the check ran, routed by its verdict (the store pipelines or
        their index); True when any was."""
        parked, self.parked = self.parked, []
        for capture, gate in parked:
            routed = self._route_whole(capture, gate)
            if isinstance(routed, scrapy.Request):
                self.crawler.engine.crawl(routed)
            elif routed is not None:
                deferred_from_coro(self.crawler.engine.scraper.start_itemproc_async(routed, response=None))
        return bool(parked)

    def printable_first_failed(self, failure):
        """The printable view could not be fetched: the index, then the chapters one by one."""
        kwargs = failure.request.cb_kwargs
        capture: StoryPages = kwargs["capture"]
        self._count(capture)
        self.crawler.stats.inc_value("mirror/printable/failed")
        self._printable_answered(IndexNeeded("printable_failed"))
        self.logger.warning("printable view of story %s failed (%s): reading its index and chapters",
                            capture.story_id, failure_reason(failure))
        yield self._index_request(capture, kwargs["gate"], "printable_failed")

    def index_checked(self, story_id: int, differences: list[str] | None) -> None:
        """The check's verdict (``index_checked``): trust the listing and printable view, or read
        every index; a story that could not be compared leaves the check to the next one."""
        if story_id != self.checking:
            return
        self.checking = None
        if differences is None:  # the next parked story is the check, unless the breaker stops the
            # crawl for this one (it judges the story right after: hence on the next turn)
            from twisted.internet import reactor

            reactor.callLater(0, self._next_check)
            return
        self.index_trusted = not differences
        self.crawler.stats.set_value("mirror/index/trusted", self.index_trusted)
        if differences:
            self.crawler.stats.set_value("mirror/index/differences", differences)
            self.logger.warning("story %s: its index shows what its listing and printable view do not (%s): "
                                "every story's index is read", story_id, "; ".join(differences[:5]))
        self.release_parked()

    def parse_index(self, response: Response, capture: StoryPages, gate: dict[str, str]):
        page = self._record(response, capture, "index")
        try:  # read once to route, the parse kept for the pipeline
            shown = parse_and_keep(read_index, page, self.base_url, capture.story_id, capture.date_format,
                                   self.encoding)
        except ParseError:  # unreadable (or empty after retries): the pipeline drops it, naming the
            yield capture   # field, the breaker counts it, and it costs no further request
            return
        if isinstance(shown, Gate) and shown.params and not (shown.params.items() <= gate.items()) \
                and self.pass_gates:
            # A gate the listing did not announce: pass it once, in this session.
            gate = {**gate, **shown.params}
            yield self._story_request(urls.index_url(self.base_url, capture.story_id, gate),
                                      self.parse_index, capture, gate=gate)
            return
        if isinstance(shown, Gate):  # members only, access denied, error: the pipeline records why
            yield capture
            return
        # Only the chapters a page of the story lists are ever asked for: the listing's count is
        # compared (mirror/parsing/agreement.py), never followed (a misread count must not become
        # requests to the site).
        capture.chapter_list = [c.number for c in shown.chapters]
        # a round robin's chapter authors, whom the listing does not name: their profiles too
        yield from self._author_requests(sorted({a.id for c in shown.chapters for a in c.authors}))
        printed = [p for p in capture.pages if p.kind == "printable"]
        if printed and capture.index_reason != "gate":  # read first: its chapters, the rest one by one
            yield from self._after_printable(capture, gate, printed[-1])
        elif self.use_printable and capture.index_reason != "printable_failed":
            yield self._story_request(urls.printable_url(self.base_url, capture.story_id, gate),
                                      self.parse_printable, capture, errback=self.printable_failed, gate=gate)
        else:
            yield from self._chapters(capture, gate, set())

    def _after_printable(self, capture: StoryPages, gate: dict[str, str], page: Page):
        have, listed = printable_chapters(page, self.encoding)
        capture.chapter_list = sorted(set(capture.chapter_list) | listed)
        yield from self._chapters(capture, gate, have, after_printable=True)

    def parse_printable(self, response: Response, capture: StoryPages, gate: dict[str, str]):
        page = self._record(response, capture, "printable")
        yield from self._after_printable(capture, gate, page)

    def printable_failed(self, failure):
        """The printable view is missing or broken (some sites switch it off): read chapter by chapter."""
        kwargs = failure.request.cb_kwargs
        capture: StoryPages = kwargs["capture"]
        self._count(capture)
        self.crawler.stats.inc_value("mirror/printable/failed")
        self.logger.warning("printable view of story %s failed (%s): fetching its chapters one by one",
                            capture.story_id, failure_reason(failure))
        yield from self._chapters(capture, kwargs["gate"], set())

    def _chapters(self, capture: StoryPages, gate: dict[str, str], have: set[int], after_printable: bool = False):
        """The listed chapters no page gave yet, one by one, within the story's ceiling: the
        chapters listed plus :data:`CEILING_MARGIN`."""
        missing = [n for n in capture.chapter_list if n not in have]
        capture.ceiling = len(capture.chapter_list) + CEILING_MARGIN
        if missing and after_printable:
            self.crawler.stats.inc_value("mirror/printable/incomplete")
            self.logger.info("printable view of story %s lacks chapters %s: fetching them one by one",
                             capture.story_id, missing)
        if not capture.chapter_list:
            self.crawler.stats.inc_value("mirror/chapters/no_list")
        yield from self._next_chapter(capture, gate, missing)

    def _next_chapter(self, capture: StoryPages, gate: dict[str, str], missing: list[int]):
        if missing and capture.ceiling is not None and capture.requests >= capture.ceiling:
            self.crawler.stats.inc_value("mirror/ceiling/hit")
            self.logger.warning("story %s: %s requests reached its ceiling (%s chapters listed): chapters %s "
                                "not asked for", capture.story_id, capture.requests, len(capture.chapter_list),
                                missing)
            capture.failures.append((urls.story_url(self.base_url, capture.story_id),
                                     f"request ceiling {capture.ceiling} reached"))
            missing = []
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
