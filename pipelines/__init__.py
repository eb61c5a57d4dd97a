"""Item pipelines: one concern each (extract, validate, normalise, store).

This package never imports spiders: it works on items alone, so stored pages
can be run through it again without a crawl.
"""

from scrapy.exceptions import DropItem


class DroppedItem(DropItem):
    """A dropped item with a short machine-readable reason (counted under mirror/dropped/<reason>)."""

    def __init__(self, reason: str, message: str):
        super().__init__(f"{reason}: {message}")
        self.reason = reason


def drop(stats, reason: str, message: str) -> DroppedItem:
    stats.inc_value("mirror/dropped")
    stats.inc_value(f"mirror/dropped/{reason}")
    return DroppedItem(reason, message)
