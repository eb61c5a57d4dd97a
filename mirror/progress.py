"""Live progress: a rich progress bar on a terminal, plain periodic log lines otherwise (cron).

Stories done (stored, unchanged, dropped or failed) of those known so far, requests, errors, ETA.
"""

from __future__ import annotations

import logging
import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger(__name__)


class Progress:
    def __init__(self, crawler, mode: str, interval: float):
        self.crawler = crawler
        self.mode = mode  # "bar" or "log"
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        self.bar = None
        self.task_id = None

    @classmethod
    def from_crawler(cls, crawler):
        setting = crawler.settings.get("MIRROR_PROGRESS", "auto")
        if setting == "off":
            raise NotConfigured("MIRROR_PROGRESS is off")
        mode = setting if setting in ("bar", "log") else ("bar" if sys.stderr.isatty() else "log")
        interval = crawler.settings.getfloat("MIRROR_PROGRESS_INTERVAL", 60.0) if mode == "log" else 0.5
        ext = cls(crawler, mode, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def figures(self) -> dict[str, float]:
        stats = self.crawler.stats
        value = lambda key: int(stats.get_value(key, 0) or 0)  # noqa: E731
        known = value("mirror/stories/discovered") - value("mirror/stories/skipped_resumed")
        fetched = value("mirror/stories/stored") + value("mirror/dropped") + value("mirror/stories/failed")
        done = fetched + value("mirror/stories/unchanged_not_fetched")
        elapsed = time.monotonic() - self.started
        rate = fetched / elapsed if elapsed > 0 else 0.0
        left = max(0, known - done)
        return {"known": known, "done": min(done, known), "requests": value("downloader/request_count"),
                "errors": value("mirror/dropped") + value("mirror/stories/failed"),
                "eta": left / rate if rate else float("nan")}

    def spider_opened(self, spider):
        if self.mode == "bar":
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, \
                TimeRemainingColumn

            self.bar = Bar(TextColumn("[bold]stories"), BarColumn(), MofNCompleteColumn(),
                           TextColumn("{task.fields[requests]} requests, {task.fields[errors]} errors"),
                           TimeRemainingColumn(), transient=False)
            self.bar.start()
            self.task_id = self.bar.add_task("crawl", total=None, requests=0, errors=0)
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def tick(self) -> None:
        f = self.figures()
        if self.bar is not None:
            self.bar.update(self.task_id, total=f["known"] or None, completed=f["done"],
                            requests=f["requests"], errors=f["errors"])
            return
        eta = "unknown" if f["eta"] != f["eta"] else f"{f['eta'] / 60:.0f} min"
        logger.info("progress: %d of %d stories done, %d requests, %d errors, about %s left",
                    f["done"], f["known"], f["requests"], f["errors"], eta)

    def spider_closed(self, spider, reason):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.bar is not None:
            self.tick()
            self.bar.stop()
