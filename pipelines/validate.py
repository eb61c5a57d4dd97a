"""Validation: a Story must be whole and consistent before it is stored."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured

from mirror.items import STATUS_OK, Story
from pipelines import drop

logger = logging.getLogger(__name__)


def problems(story: Story) -> list[tuple[str, str]]:
    """(reason, message) for every rule the story breaks; empty when it is valid."""
    found: list[tuple[str, str]] = []
    if story.story_id <= 0:
        found.append(("bad_id", f"story id {story.story_id} is not positive"))
    if not story.title.strip():
        found.append(("no_title", "the story has no title"))
    if story.status != STATUS_OK:
        return found
    if not story.authors:
        found.append(("no_author", "the story has no author"))
    numbers = [c.number for c in story.chapters]
    if not numbers:
        found.append(("no_chapters", "the story has no chapters"))
    elif numbers != list(range(1, len(numbers) + 1)):
        found.append(("chapter_gaps", f"chapter numbers are {numbers}, not 1..{len(numbers)}"))
    return found


class ValidatePipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MIRROR_VALIDATE_ENABLED", True):
            raise NotConfigured("MIRROR_VALIDATE_ENABLED is off")
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, Story):
            return item
        found = problems(item)
        if found:
            reason, message = found[0]
            raise drop(self.stats, f"invalid/{reason}", f"story {item.story_id} ({item.url}): {message}")
        if item.status == STATUS_OK and item.chapter_count is not None \
                and item.chapter_count != len(item.chapters):
            self.stats.inc_value("mirror/parse_warnings")
            logger.warning("story %s: the site says %s chapters, its index lists %s",
                           item.story_id, item.chapter_count, len(item.chapters))
        return item
