"""Extraction: raw story pages in, a Story item (with chapters, authors, series) out."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured

from mirror.items import AuthorPages, ChallengePages, ReviewPages, SeriesPages, Source, Story, StoryPages, TaxonomyPages
from mirror.parsing.authors import extract_author
from mirror.parsing.challenges import extract_challenge
from mirror.parsing.efiction import ParseError, StoryUnavailable
from mirror.parsing import whole
from mirror.parsing.reviews import extract_reviews
from mirror.parsing.series import extract_series
from mirror.parsing.taxonomy import extract_taxonomy
from mirror import signals
from pipelines import drop, drop_other, drop_series

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, stats, encoding: str | None, signals=None):
        self.stats = stats
        self.encoding = encoding
        self.signals = signals  # the crawler's, for the index check's verdict

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MIRROR_EXTRACT_ENABLED", True):
            raise NotConfigured("MIRROR_EXTRACT_ENABLED is off")
        return cls(crawler.stats, crawler.settings.get("MIRROR_ENCODING"), crawler.signals)

    def process_item(self, item):
        if isinstance(item, SeriesPages):
            return self._series(item)
        if isinstance(item, ReviewPages):
            return self._other("reviews", item, extract_reviews, f"{item.item_type} {item.item_id}")
        if isinstance(item, AuthorPages):
            return self._other("authors", item, extract_author, f"author {item.author_id}")
        if isinstance(item, ChallengePages):
            return self._other("challenges", item, extract_challenge, f"challenge {item.challenge_id}")
        if isinstance(item, TaxonomyPages):
            return self._taxonomy(item)
        if not isinstance(item, StoryPages):
            return item
        try:
            story = whole.extract(item, self.encoding)
        except StoryUnavailable as exc:
            self._calibrated(item, None)
            raise drop(self.stats, f"unavailable/{exc.reason}", str(exc)) from exc
        except ParseError as exc:
            self._calibrated(item, None)
            self.stats.inc_value(f"mirror/parse_errors/{exc.field.split('[')[0]}")
            raise drop(self.stats, "parse_error", str(exc)) from exc
        if item.calibration and isinstance(item.whole, Story):
            self._calibrated(item, whole.differences(story, item.whole))
        story.sources = [Source.of(page) for page in ([item.listing] if item.listing else []) + item.pages]
        for warning in story.warnings:
            self.stats.inc_value("mirror/parse_warnings")
            logger.warning("story %s (%s): %s", story.story_id, story.url, warning)
        for name in story.disagreements:
            self.stats.inc_value(f"mirror/consistency/{name}")
        return story

    def _calibrated(self, item: StoryPages, found: list[str] | None) -> None:
        """The index check's verdict for the spider: the fields a story's index shows otherwise than
        its listing and printable view ([] when none; None: the story could not be compared)."""
        if item.calibration and self.signals is not None:
            self.signals.send_catch_log(signals.index_checked, story_id=item.story_id, differences=found)

    def _other(self, kind: str, item, extract, what: str):
        """Reviews of an item, or a member's profile: dropped with the reason when unreadable."""
        try:
            result = extract(item, self.encoding)
        except StoryUnavailable as exc:  # an error page, or no such member
            raise drop_other(self.stats, kind, f"unavailable/{exc.reason}", str(exc)) from exc
        except ParseError as exc:
            self.stats.inc_value(f"mirror/parse_errors/{kind}/{exc.field.split('[')[0].split('.')[-1]}")
            raise drop_other(self.stats, kind, "parse_error", str(exc)) from exc
        for warning in result.warnings:
            self.stats.inc_value("mirror/parse_warnings")
            if warning.startswith("not understood"):  # e.g. reviews listed but none read
                self.stats.inc_value(f"mirror/{kind}/not_understood")
            logger.warning("%s (%s): %s", what, result.url, warning)
        return result

    def _taxonomy(self, item: TaxonomyPages):
        """The browse pages' taxonomy; an unreadable page makes its part partial (a warning,
        counted), it never drops the other parts."""
        taxonomy = extract_taxonomy(item, self.encoding)
        for warning in taxonomy.warnings:
            self.stats.inc_value("mirror/parse_warnings")
            self.stats.inc_value("mirror/taxonomy/warnings")
            logger.warning("taxonomy of %s: %s", taxonomy.site, warning)
        if not taxonomy.parts and not taxonomy.partial_parts:
            raise drop_other(self.stats, "taxonomy", "empty", f"taxonomy of {item.site}: no part was asked for")
        return taxonomy

    def _series(self, item: SeriesPages):
        try:
            series = extract_series(item, self.encoding)
        except StoryUnavailable as exc:  # no such series, or an error page
            raise drop_series(self.stats, f"unavailable/{exc.reason}", str(exc)) from exc
        except ParseError as exc:
            self.stats.inc_value(f"mirror/parse_errors/series/{exc.field.split('[')[0]}")
            raise drop_series(self.stats, "parse_error", str(exc)) from exc
        for warning in series.warnings:
            self.stats.inc_value("mirror/parse_warnings")
            logger.warning("series %s (%s): %s", series.series_id, series.url, warning)
        return series
