"""Validation: a Story must be whole and consistent before it is stored."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from mirror.items import (STATUS_INCOMPLETE, STATUS_OK, TAXONOMY_PARTS, AuthorProfile, ChallengeInfo, ReviewSet, SeriesInfo,
                          Story, TaxonomyInfo)
from pipelines import drop, drop_other, drop_series

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


def series_problems(series: SeriesInfo) -> list[tuple[str, str]]:
    """(reason, message) for every rule a series record breaks."""
    found: list[tuple[str, str]] = []
    if not isinstance(series.series_id, int) or series.series_id <= 0:
        found.append(("bad_id", f"series id {series.series_id!r} is not a positive number"))
    if not (series.title or "").strip():
        found.append(("no_title", "the series has no title"))
    if any((e.story_id is None) == (e.series_id is None) for e in series.entries):
        found.append(("bad_entry", "an entry is not exactly one of a story or a sub-series"))
    if any(e.series_id == series.series_id for e in series.entries):
        found.append(("contains_itself", "the series lists itself as a sub-series"))
    return found


def review_problems(reviews: ReviewSet) -> list[tuple[str, str]]:
    """(reason, message) for every rule a set of reviews breaks."""
    found: list[tuple[str, str]] = []
    if reviews.item_type not in ("ST", "SE"):
        found.append(("bad_type", f"item type {reviews.item_type!r} is not ST or SE"))
    if not isinstance(reviews.item_id, int) or reviews.item_id <= 0:
        found.append(("bad_id", f"item id {reviews.item_id!r} is not a positive number"))
    ids = [r.review_id for r in reviews.reviews]
    if any(not isinstance(i, int) or i <= 0 for i in ids):
        found.append(("bad_review_id", "a review id is not a positive number"))
    if len(set(ids)) != len(ids):
        found.append(("duplicate_review", "a review id appears twice"))
    if any(not r.reviewer_name.strip() for r in reviews.reviews):
        found.append(("no_reviewer", "a review has no reviewer name"))
    return found


def author_problems(profile: AuthorProfile) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if not isinstance(profile.author_id, int) or profile.author_id <= 0:
        found.append(("bad_id", f"uid {profile.author_id!r} is not a positive number"))
    if not profile.pen_name.strip():
        found.append(("no_pen_name", "the profile has no pen name"))
    return found


def challenge_problems(challenge: ChallengeInfo) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if not isinstance(challenge.challenge_id, int) or challenge.challenge_id <= 0:
        found.append(("bad_id", f"chalid {challenge.challenge_id!r} is not a positive number"))
    if not (challenge.title or "").strip():
        found.append(("no_title", "the challenge has no title"))
    if len(set(challenge.story_ids)) != len(challenge.story_ids):
        found.append(("duplicate_response", "a story answers the challenge twice"))
    return found


TAXONOMY_KINDS = ("category", "character", "rating", "class_type", "class")


def taxonomy_problems(info: TaxonomyInfo) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for part in [*info.parts, *info.partial_parts]:
        if part not in TAXONOMY_PARTS:
            found.append(("bad_part", f"unknown taxonomy part {part!r}"))
    seen: set[tuple[str, int]] = set()
    for entry in info.entries:
        if entry.kind not in TAXONOMY_KINDS:
            found.append(("bad_kind", f"unknown taxonomy kind {entry.kind!r}"))
        elif not isinstance(entry.id, int) or entry.id <= 0:
            found.append(("bad_id", f"{entry.kind} id {entry.id!r} is not a positive number"))
        elif not (entry.name or "").strip():
            found.append(("no_name", f"{entry.kind} {entry.id} has no name"))
        elif (entry.kind, entry.id) in seen:
            found.append(("duplicate", f"{entry.kind} {entry.id} is listed twice"))
        seen.add((entry.kind, entry.id))
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
        if isinstance(item, (ReviewSet, AuthorProfile, ChallengeInfo)):
            kind, found = (("reviews", review_problems(item)) if isinstance(item, ReviewSet)
                           else ("challenges", challenge_problems(item)) if isinstance(item, ChallengeInfo)
                           else ("authors", author_problems(item)))
            if found:
                reason, message = found[0]
                raise drop_other(self.stats, kind, f"invalid/{reason}", f"{item.url}: {message}")
            return item
        if isinstance(item, TaxonomyInfo):
            found = taxonomy_problems(item)
            if found:
                reason, message = found[0]
                raise drop_other(self.stats, "taxonomy", f"invalid/{reason}", f"taxonomy of {item.site}: {message}")
            return item
        if isinstance(item, SeriesInfo):
            found = series_problems(item)
            if found:
                reason, message = found[0]
                raise drop_series(self.stats, f"invalid/{reason}", f"series {item.series_id} ({item.url}): {message}")
            return item
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
