"""The site-level breaker: a crawl that does not understand a site stops before the site feels it.

A crawl of an unfamiliar skin that misreads it must not go on storing wrong records and asking
for pages on the strength of them.  Each story's outcome counts: **not understood** is a story
dropped because a page could not be parsed (``parse_error``: the field and the page are named),
or one whose renderings disagree (:mod:`mirror.parsing.agreement`: the listing, the index and
the printable view show different values, or the index's chapter count is not its chapter
list).  The crawl stops (close reason ``not_understood``, exit code 1) when

* ``MIRROR_BREAKER_FIRST_BAD`` (3) of the first ``MIRROR_BREAKER_FIRST`` (5) stories are not
  understood, or
* ``MIRROR_BREAKER_IN_A_ROW`` (5) stories in a row are not understood, at any time,

with one line naming the fields that could not be read or disagreed and on which page, and
pointing to ``mirror probe URL``.  Until the first ``MIRROR_BREAKER_FIRST`` stories are judged
(stored, dropped or failed) the spider asks for no other story: it holds the rest of the first
listing page back and asks for them on ``site_understood`` (or when it would otherwise go idle),
so an unreadable skin costs robots.txt, one listing page and about five stories' pages.  ``mirror crawl --force`` (``MIRROR_BREAKER_ENABLED=0``)
switches it off; the run record's settings say so.  Stats: ``mirror/breaker/not_understood``,
``mirror/breaker/tripped`` (the line), ``mirror/breaker/forced``.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from mirror import signals as mirror_signals
from mirror.items import Story, StoryPages

logger = logging.getLogger(__name__)

# drop reasons (pipelines.extract, pipelines.validate) that mean the pages were misread
NOT_UNDERSTOOD_DROPS = {"parse_error", "no_title", "no_author", "no_chapters", "chapter_gaps"}


class SiteBreaker:
    def __init__(self, crawler, first: int, first_bad: int, in_a_row: int):
        self.crawler = crawler
        self.first, self.first_bad, self.in_a_row = first, first_bad, in_a_row
        self.seen = 0  # stories whose outcome is known
        self.bad_in_first = 0
        self.row = 0  # not understood in a row
        self.reasons: list[str] = []  # what the bad ones showed, for the one line
        self.tripped = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("MIRROR_BREAKER_ENABLED"):
            crawler.stats.set_value("mirror/breaker/forced", True)
            raise NotConfigured("MIRROR_BREAKER_ENABLED is off (mirror crawl --force)")
        breaker = cls(crawler, settings.getint("MIRROR_BREAKER_FIRST"), settings.getint("MIRROR_BREAKER_FIRST_BAD"),
                      settings.getint("MIRROR_BREAKER_IN_A_ROW"))
        crawler.signals.connect(breaker.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(breaker.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(breaker.story_failed, signal=mirror_signals.story_failed)
        return breaker

    def item_scraped(self, item, spider):
        if isinstance(item, Story):
            shown = next((w for w in item.warnings if w.startswith("renderings disagree")), "")
            self._outcome(spider, f"{item.url}: {shown}" if item.disagreements else None)

    def item_dropped(self, item, exception, spider, response=None):
        """A page that could not be read, or a story without what every story has; a story the
        site refused (gates, access denied) says nothing about the parser and does not count."""
        reason = getattr(exception, "reason", None)
        if isinstance(item, (Story, StoryPages)) and reason in NOT_UNDERSTOOD_DROPS:
            self._outcome(spider, str(exception).removeprefix(f"{reason}: "))
        elif isinstance(item, (Story, StoryPages)):
            self._judged()

    def story_failed(self, story_id, reason):
        """Pages that could not be fetched: no evidence either way, but the story is done."""
        self._judged()

    def _judged(self) -> None:
        self.seen += 1
        if self.seen == self.first and not self.tripped:
            # the first stories are judged: the spider may ask for the ones it held back
            self.crawler.signals.send_catch_log(mirror_signals.site_understood)

    def _outcome(self, spider, problem: str | None) -> None:
        if problem is None:
            self.row = 0
            self._judged()
            return
        self.seen += 1
        self.crawler.stats.inc_value("mirror/breaker/not_understood")
        self.row += 1
        self.bad_in_first += self.seen <= self.first
        self.reasons.append(problem)
        if self.tripped:
            return
        if self.bad_in_first >= self.first_bad and self.seen <= self.first:
            self._trip(spider, f"{self.bad_in_first} of the first {self.seen} stories")
        elif self.row >= self.in_a_row:
            self._trip(spider, f"{self.row} stories in a row")
        elif self.seen == self.first:
            self.crawler.signals.send_catch_log(mirror_signals.site_understood)

    def _trip(self, spider, how: str) -> None:
        self.tripped = True
        shown = "; ".join(dict.fromkeys(self.reasons[-3:]))
        line = (f"{spider.base_url} is not understood ({how}): {shown}. Nothing more is asked of the site; "
                f"run `mirror probe {spider.base_url}` to see what the pages show, or crawl with --force")
        self.crawler.stats.set_value("mirror/breaker/tripped", line)
        logger.error("%s", line)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="not_understood"))
