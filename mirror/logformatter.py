"""Log lines that name a story instead of printing the whole item (pages and texts)."""

from __future__ import annotations

from scrapy.logformatter import LogFormatter

from mirror.items import Story, StoryPages


def describe(item) -> str:
    if isinstance(item, Story):
        return f"story {item.story_id} {item.title!r} ({item.status}, {len(item.chapters)} chapters)"
    if isinstance(item, StoryPages):
        return f"pages of story {item.story_id} ({len(item.pages)} pages, {item.requests} requests)"
    return repr(item)[:200]


class ShortItemLogFormatter(LogFormatter):
    def scraped(self, item, response, spider=None):
        entry = super().scraped(item, response, spider)
        entry["args"] = {**entry["args"], "item": describe(item)}
        return entry

    def dropped(self, item, exception, response, spider=None):
        entry = super().dropped(item, exception, response, spider)
        entry["args"] = {**entry["args"], "item": describe(item)}
        return entry

    def item_error(self, item, exception, response, spider=None):
        entry = super().item_error(item, exception, response, spider)
        entry["args"] = {**entry["args"], "item": describe(item)}
        return entry
