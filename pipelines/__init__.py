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


def drop_series(stats, reason: str, message: str) -> DroppedItem:
    """A series page set that cannot be stored: counted apart from stories (mirror/series/dropped/...)."""
    stats.inc_value("mirror/series/dropped")
    stats.inc_value(f"mirror/series/dropped/{reason}")
    # present, so the run's "stories dropped" never falls back to Scrapy's item_dropped_count
    stats.inc_value("mirror/dropped", 0)
    return DroppedItem(reason, message)


def drop_other(stats, kind: str, reason: str, message: str) -> DroppedItem:
    """A page set of another kind ("reviews", "authors") that cannot be stored: counted under
    mirror/<kind>/dropped/<reason>, apart from stories."""
    stats.inc_value(f"mirror/{kind}/dropped")
    stats.inc_value(f"mirror/{kind}/dropped/{reason}")
    stats.inc_value("mirror/dropped", 0)
    return DroppedItem(reason, message)


def drop(stats, reason: str, message: str) -> DroppedItem:
    stats.inc_value("mirror/dropped")
    stats.inc_value(f"mirror/dropped/{reason}")
    return DroppedItem(reason, message)
