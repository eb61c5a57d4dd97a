"""Live progress: a rich progress display on a terminal, one plain line at a fixed interval
otherwise (cron); and the warnings a person can act on, on the terminal while the log goes to a file.

The figures (:func:`figures`) are pure, from the crawl's stats: the stories' total from what the
site's listing shows (its pages times the stories on a page, "about N" until the last listing page
was read), then each later phase (reviews, profiles, series, challenges, images) with its own
count; a resumed crawl counts the stories its interrupted runs stored as done.
"""

from __future__ import annotations

import atexit
import logging
import sys
import time
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

# phase: (requested, the outcomes that end one request of it); stories are counted apart
PHASES = (
    ("reviews", "mirror/reviews/requested",
     ("mirror/reviews/items_stored", "mirror/reviews/failed", "mirror/reviews/dropped")),
    ("profiles", "mirror/authors/requested",
     ("mirror/authors/stored", "mirror/authors/failed", "mirror/authors/dropped")),
    ("series", "mirror/series/requested",
     ("mirror/series/stored", "mirror/series/failed", "mirror/series/dropped")),
    ("challenges", "mirror/challenges/requested",
     ("mirror/challenges/stored", "mirror/challenges/failed", "mirror/challenges/dropped")),
    ("images", "mirror/images/requested", ("mirror/images/stored", "mirror/images/failed")),
)
STORY_ERRORS = ("mirror/dropped", "mirror/stories/failed", "mirror/listing/failed")
REQUESTS_PER_STORY = 1.0  # the printable view (the index when needed), until the crawl has its own figure


@dataclass(frozen=True)
class Phase:
    name: str
    done: int
    total: int | None  # None: not known yet
    estimate: bool = False  # the total is what the listing's pages suggest, not yet counted

    @property
    def count(self) -> str:
        if self.total is None:
            return f"{self.done}"
        return f"{self.done}/{'about ' if self.estimate else ''}{self.total}"


@dataclass(frozen=True)
class Figures:
    phases: tuple[Phase, ...]  # stories first, then the later phases that have any work
    requests: int
    errors: int
    eta: float | None  # seconds left, None: unknown

    @property
    def stories(self) -> Phase:
        return self.phases[0]

    @property
    def left(self) -> str:
        if self.eta is None:
            return ""
        if self.eta < 60:
            return "less than a minute left"
        return f"about {self.eta / 60:.0f} min left"

    @property
    def totals(self) -> str:
        return f"{_plural(self.requests, 'request')}, {_plural(self.errors, 'error')}"

    def line(self) -> str:
        """The whole display on one line (no terminal)."""
        counts = ", ".join(f"{p.name} {p.count}" for p in self.phases)
        tail = f"; {self.left}" if self.left else ""
        return f"progress: {counts}; {self.totals}{tail}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def figures(stats: dict[str, Any], *, done_before: int = 0, elapsed: float = 0.0,
            final: bool = False) -> Figures:
    """The progress figures of a crawl's ``stats``.  ``done_before``: stories the interrupted runs
    it resumes stored (not fetched again, counted as done); ``final``: the crawl finished, so the
    stories found are all there are."""
    def value(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    stories = _stories(value, done_before, final)
    later = tuple(Phase(name, min(sum(map(value, ends)), value(asked)), value(asked))
                  for name, asked, ends in PHASES if value(asked))
    fetched = value("mirror/stories/stored") + value("mirror/dropped") + value("mirror/stories/failed")
    requests = value("downloader/request_count")
    per_story = value("mirror/requests/story") / fetched if fetched else REQUESTS_PER_STORY
    work_left = sum(p.total - p.done for p in later)
    if stories.total is not None:
        work_left += (stories.total - stories.done) * per_story
    rate = requests / elapsed if elapsed > 0 else 0.0
    eta = work_left / rate if rate and work_left > 0 and stories.total is not None else None
    errors = sum(map(value, STORY_ERRORS)) + sum(value(end) for _, _, ends in PHASES for end in ends
                                                 if end.endswith(("/failed", "/dropped")))
    return Figures((stories, *later), requests, errors, eta)


def _stories(value, done_before: int, final: bool) -> Phase:
    """Stories done of those the site shows: exact once every listing page was read (or the crawl
    finished), else the listing's own figure (pages times stories per page: "about")."""
    unlisted_before = max(0, done_before - value("mirror/stories/skipped_resumed"))
    found = value("mirror/stories/discovered") + value("mirror/stories/retried") + unlisted_before
    done = (value("mirror/stories/stored") + value("mirror/dropped") + value("mirror/stories/failed")
            + value("mirror/stories/unchanged_not_fetched") + value("mirror/stories/excluded_by_profile")
            + done_before)
    pages = value("mirror/listing/pages_known")
    if final or (pages and value("mirror/listing/pages_read") >= pages):
        return Phase("stories", min(done, found), found)
    shown = value("mirror/listing/stories_shown") + value("mirror/stories/retried")
    total = max(shown, found)
    return Phase("stories", min(done, total) if total else done, total or None, estimate=bool(total))


class Progress:
    """The progress display ("bar": a rich display on standard error, one row per phase; "log":
    :meth:`Figures.line` on standard error every MIRROR_PROGRESS_INTERVAL seconds)."""

    def __init__(self, crawler, mode: str, interval: float):
        self.crawler = crawler
        self.mode = mode  # "bar" or "log"
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        self.spider = None
        self.bar = None
        self.tasks: dict[str, Any] = {}
        self.redirected: list[tuple[logging.StreamHandler, Any]] = []

    @classmethod
    def from_crawler(cls, crawler):
        setting = crawler.settings.get("MIRROR_PROGRESS")
        if setting == "off":
            raise NotConfigured()
        mode = setting if setting in ("bar", "log") else ("bar" if sys.stderr.isatty() else "log")
        interval = crawler.settings.getfloat("MIRROR_PROGRESS_INTERVAL") if mode == "log" else 0.5
        ext = cls(crawler, mode, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def figures(self, final: bool = False) -> Figures:
        done_before = len(getattr(self.spider, "skip_story_ids", ()) or ())
        return figures(self.crawler.stats.get_stats(), done_before=done_before,
                       elapsed=time.monotonic() - self.started, final=final)

    def spider_opened(self, spider):
        self.spider = spider
        if self.mode == "bar":
            self._start_bar()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress as Bar, TextColumn

        self.bar = Bar(TextColumn("{task.description:<10}"), BarColumn(), TextColumn("{task.fields[count]}"),
                       TextColumn("{task.fields[note]}"), console=Console(stderr=True),
                       redirect_stdout=False, redirect_stderr=True, transient=False)
        original = sys.stderr
        self.bar.start()  # from now on sys.stderr prints above the display
        atexit.register(self._stop_bar)  # a forced shutdown (a second Ctrl-C) closes no spider
        for name in ("stories", *(name for name, _, _ in PHASES)):
            self.tasks[name] = self.bar.add_task(name, total=None, count="", note="", visible=name == "stories")
        for handler in logging.root.handlers:  # a log on the terminal (-v) goes above it too
            if type(handler) is logging.StreamHandler and handler.stream is original:
                self.redirected.append((handler, handler.setStream(sys.stderr)))

    def tick(self, final: bool = False) -> None:
        f = self.figures(final)
        if self.mode == "log":
            print(f.line(), file=sys.stderr, flush=True)
            return
        if self.bar is None:  # stopped
            return
        for phase in f.phases:
            note = f"{f.totals}  {f.left}" if phase.name == "stories" else ""
            self.bar.update(self.tasks[phase.name], total=phase.total, completed=phase.done,
                            count=phase.count, note=note, visible=True)

    def spider_closed(self, spider, reason):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.bar is not None:
            self.tick(final=reason == "finished")
            self._stop_bar()

    def _stop_bar(self) -> None:
        """Leave the display as it last was, the cursor shown, the log's stream as it was."""
        if self.bar is None:
            return
        self.bar.stop()
        self.bar = None
        for handler, stream in self.redirected:
            handler.setStream(stream)
        self.redirected.clear()


# (logger, how the message starts): the warnings a person can act on, shown on the terminal while
# the log goes to a file (the others are only in the file; what ends a crawl early is said once,
# at the end, by `mirror crawl`)
NOTICES = (
    ("mirror.extensions", "robots.txt is NOT obeyed"),
    ("efiction", "could not infer the date format"),
    ("efiction", "date format: "),
    ("efiction", "login to "),
    ("efiction", "story "),  # story N not stored: ... failed after retries
    ("mirror.warc.middleware", "WARC: "),
)


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (the progress display's proxy
    while it is shown: the line goes above it, never over it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


class _Notice(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def is_notice(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING and any(
        record.name == name and str(record.msg).startswith(start) for name, start in NOTICES)


class TerminalNotices:
    """While Scrapy's log goes to a file (LOG_FILE: `mirror crawl` without -v or --log-level), the
    warnings of :data:`NOTICES` still reach the terminal, one line each."""

    def __init__(self):
        self.handler = _Stderr()
        self.handler.addFilter(is_notice)
        self.handler.setFormatter(_Notice())

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("LOG_FILE"):
            raise NotConfigured()  # the whole log is on the terminal already
        ext = cls()
        logging.root.addHandler(ext.handler)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self):
        logging.root.removeHandler(self.handler)
