"""Validation: a Story must be whole and consistent before it is stored."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from mirror.items import STATUS_INCOMPLETE, STATUS_OK, Story
from pipelines import drop

logger = logging.getLogger(__name__)


# field -> reason when it is empty; restricted stories need only the first group
REQUIRED = {"site": "no_site", "url": "no_url", "title": "no_title"}
REQUIRED_PUBLIC = {"authors": "no_author", "chapters": "no_chapters"}


def problems(story: Story) -> list[tuple[str, str]]:
    """(reason, message) for every rule the story breaks; empty when it is valid."""
    adapter = ItemAdapter(story)
    found: list[tuple[str, str]] = []
    if not isinstance(adapter.get("story_id"), int) or adapter["story_id"] <= 0:
        found.append(("bad_id", f"story id {adapter.get('story_id')!r} is not a positive number"))
    readable = adapter.get("status") in (STATUS_OK, STATUS_INCOMPLETE)
    required = REQUIRED | (REQUIRED_PUBLIC if readable else {})
    for name, reason in required.items():
        value = adapter.get(name)
        if not (value.strip() if isinstance(value, str) else value):
            found.append((reason, f"the story has no {name}"))
    if not readable:
        return found
    numbers = [c.number for c in story.chapters]
    if numbers and numbers != list(range(1, len(numbers) + 1)):
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
