"""Per-site delays, shared by the politeness components.

A site's *delay floor* is the least time between two of its requests: the
``delay`` of its entry in Scrapy's per-slot settings (``DOWNLOAD_SLOTS``: site
profiles and robots.txt ``Crawl-delay`` put it there), else ``DOWNLOAD_DELAY``.
Nothing may take a site below its floor, AutoThrottle included.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler


def slot_key(crawler: Crawler, request: Request) -> str:
    return crawler.engine.downloader.get_slot_key(request)


def delay_floor(crawler: Crawler, key: str) -> float:
    slot_settings = crawler.engine.downloader.per_slot_settings.get(key, {})
    return float(slot_settings.get("delay", crawler.settings.getfloat("DOWNLOAD_DELAY")))


def raise_delay_floor(crawler: Crawler, key: str, delay: float) -> bool:
    """Make the site's floor at least ``delay`` seconds; True if that raised it."""
    if delay <= delay_floor(crawler, key):
        return False
    downloader = crawler.engine.downloader
    downloader.per_slot_settings.setdefault(key, {})["delay"] = delay
    slot = downloader.slots.get(key)
    if slot is not None and slot.delay < delay:
        slot.delay = delay
    return True
