"""Log lines that name a story instead of printing the whole item (pages and texts)."""

from __future__ import annotations

from scrapy.logformatter import LogFormatter

from mirror.items import ChallengeInfo, ChallengePages, TaxonomyInfo, TaxonomyPages
from mirror.items import AuthorPages, AuthorProfile, ReviewPages, ReviewSet, SeriesInfo, SeriesPages, Story, StoryPages


def describe(item) -> str:
    if isinstance(item, Story):
        return f"story {item.story_id} {item.title!r} ({item.status}, {len(item.chapters)} chapters)"
    if isinstance(item, StoryPages):
        return f"pages of story {item.story_id} ({len(item.pages)} pages, {item.requests} requests)"
    if isinstance(item, SeriesInfo):
        return f"series {item.series_id} {item.title!r} ({len(item.entries)} items)"
    if isinstance(item, SeriesPages):
        return f"pages of series {item.series_id} ({len(item.pages)} pages, {item.requests} requests)"
    if isinstance(item, ReviewSet):
        return f"reviews of {item.item_type} {item.item_id} ({len(item.reviews)} reviews)"
    if isinstance(item, ReviewPages):
        return f"review pages of {item.item_type} {item.item_id} ({len(item.pages)} pages, {item.requests} requests)"
    if isinstance(item, AuthorProfile):
        return f"author {item.author_id} {item.pen_name!r}"
    if isinstance(item, AuthorPages):
        return f"profile page of author {item.author_id}"
    if isinstance(item, ChallengeInfo):
        return f"challenge {item.challenge_id} {item.title!r} ({len(item.story_ids)} responses)"
    if isinstance(item, ChallengePages):
        return f"pages of challenge {item.challenge_id} ({len(item.pages)} pages, {item.requests} requests)"
    if isinstance(item, TaxonomyInfo):
        return f"taxonomy of {item.site} ({', '.join(item.parts + item.partial_parts)}: {len(item.entries)} entries)"
    if isinstance(item, TaxonomyPages):
        return f"taxonomy pages of {item.site} ({len(item.pages)} pages, {item.requests} requests)"
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
