"""Extraction: raw story pages in, a Story item (with chapters, authors, series) out."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured

from mirror.items import StoryPages
from mirror.parsing.efiction import ParseError, StoryUnavailable, extract_story
from pipelines import drop

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, stats, encoding: str | None):
        self.stats = stats
        self.encoding = encoding

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MIRROR_EXTRACT_ENABLED", True):
            raise NotConfigured("MIRROR_EXTRACT_ENABLED is off")
        return cls(crawler.stats, crawler.settings.get("MIRROR_ENCODING"))

    def process_item(self, item):
        if not isinstance(item, StoryPages):
            return item
        try:
            story = extract_story(item, self.encoding)
        except StoryUnavailable as exc:
            raise drop(self.stats, f"unavailable/{exc.reason}", str(exc)) from exc
        except ParseError as exc:
            self.stats.inc_value(f"mirror/parse_errors/{exc.field.split('[')[0]}")
            raise drop(self.stats, "parse_error", str(exc)) from exc
        for warning in story.warnings:
            self.stats.inc_value("mirror/parse_warnings")
            logger.warning("story %s (%s): %s", story.story_id, story.url, warning)
        return story
