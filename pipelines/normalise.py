"""Normalisation: NFC-normalised, trimmed names and titles; no active content in stored HTML."""

from __future__ import annotations

import re
import unicodedata

import lxml.html
from lxml import etree
from scrapy.exceptions import NotConfigured

from mirror.items import AuthorProfile, ChallengeInfo, ReviewSet, SeriesInfo, Story, TaxonomyInfo

_ACTIVE_TAGS = ("script", "style", "iframe", "object", "embed", "applet")


def text(value: str | None) -> str | None:
    if value is None:
        return None
    return " ".join(unicodedata.normalize("NFC", value).split())


# Active content, looked for case-insensitively (as HTML reads tags and attributes): a tag of
# _ACTIVE_TAGS, an event handler attribute, a javascript: URL.  Searched in _folded(value), which
# a case-sensitive search reads as fast as a whole chapter needs (IGNORECASE is several times
# slower); _EVENT is only searched where _EVENT_HINT, with its literal start, found a candidate.
_ACTIVE_TAG = re.compile(r"<(?:script|style|iframe|object|embed|applet)\b")
_EVENT = re.compile(r"\son\w+\s*=")
_EVENT_HINT = re.compile(r"on\w+\s*=")


def _folded(value: str) -> str:
    """*value* with every letter re.IGNORECASE matches with an ASCII one made that ASCII letter
    (A-Z lowered; U+0130 and U+0131 to i, U+017F to s, U+212A to k), each character still one
    character and still a word or space character if it was one: a case-sensitive search of it
    finds what an IGNORECASE search of *value* finds, for a lowercase ASCII pattern."""
    return value.replace("\u0130", "i").lower().replace("\u017f", "s").replace("\u0131", "i")


def has_active_content(value: str) -> bool:
    """Whether *value* may hold a script, an event handler or a javascript: URL."""
    folded = _folded(value)
    return ("javascript:" in folded or _ACTIVE_TAG.search(folded) is not None
            or (_EVENT_HINT.search(folded) is not None and _EVENT.search(folded) is not None))


def html(value: str) -> str:
    """Trimmed, and without scripts or event handlers (never story content).

    The characters are kept exactly as served (no Unicode normalisation): this is the record."""
    value = (value or "").strip()
    if not value or not has_active_content(value):
        return value
    fragment = lxml.html.fragment_fromstring(value, create_parent="div")
    for element in list(fragment.iter(*_ACTIVE_TAGS)):
        element.drop_tree()
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue
        for name, attribute in list(element.attrib.items()):
            if name.lower().startswith("on") or attribute.strip().lower().startswith("javascript:"):
                del element.attrib[name]
    parts = [fragment.text or ""] + [etree.tostring(child, encoding="unicode", method="html")
                                    for child in fragment]
    return "".join(parts).strip()


def normalise_story(story: Story) -> Story:
    story.title = text(story.title) or ""
    story.rating = text(story.rating)
    story.summary_html = html(story.summary_html)
    story.story_notes_html = html(story.story_notes_html)
    for person in story.authors:
        person.name = text(person.name) or ""
    for tag in [*story.categories, *story.characters, *story.challenges,
                *(t for tags in story.classes.values() for t in tags)]:
        tag.name = text(tag.name) or ""
    for series in story.series:
        series.title = text(series.title) or ""
    for chapter in story.chapters:
        chapter.title = text(chapter.title) or ""
        for person in chapter.authors:
            person.name = text(person.name) or ""
        chapter.text_html = html(chapter.text_html)
        chapter.notes_html = html(chapter.notes_html)
        chapter.end_notes_html = html(chapter.end_notes_html)
    return story


def normalise_series(series: SeriesInfo) -> SeriesInfo:
    series.title = text(series.title) or ""
    series.summary_html = html(series.summary_html)
    if series.owner is not None:
        series.owner.name = text(series.owner.name) or ""
    for tag in [*series.categories, *series.characters, *(t for tags in series.classes.values() for t in tags)]:
        tag.name = text(tag.name) or ""
    return series


def normalise_reviews(reviews: ReviewSet) -> ReviewSet:
    for review in reviews.reviews:
        review.reviewer_name = text(review.reviewer_name) or ""
        review.chapter_title = text(review.chapter_title)
        review.text_html = html(review.text_html)
        review.response_html = html(review.response_html)
    return reviews


def normalise_author(profile: AuthorProfile) -> AuthorProfile:
    profile.pen_name = text(profile.pen_name) or ""
    profile.real_name = text(profile.real_name) or ""
    profile.status = text(profile.status) or ""
    profile.bio_html = html(profile.bio_html)
    profile.fields = {text(k) or "": html(v) for k, v in profile.fields.items()}
    for series in profile.series:
        series.title = text(series.title) or ""
    return profile


def normalise_challenge(challenge: ChallengeInfo) -> ChallengeInfo:
    challenge.title = text(challenge.title) or ""
    challenge.summary_html = html(challenge.summary_html)
    if challenge.owner is not None:
        challenge.owner.name = text(challenge.owner.name) or ""
    for tag in [*challenge.categories, *challenge.characters]:
        tag.name = text(tag.name) or ""
    return challenge


def normalise_taxonomy(info: TaxonomyInfo) -> TaxonomyInfo:
    for entry in info.entries:
        entry.name = text(entry.name) or ""
        entry.description = text(entry.description) or ""
        entry.warning_text = text(entry.warning_text) if entry.warning_text is not None else None
    return info


class NormalisePipeline:
    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MIRROR_NORMALISE_ENABLED", True):
            raise NotConfigured("MIRROR_NORMALISE_ENABLED is off")
        return cls()

    def process_item(self, item):
        if isinstance(item, SeriesInfo):
            return normalise_series(item)
        if isinstance(item, ReviewSet):
            return normalise_reviews(item)
        if isinstance(item, AuthorProfile):
            return normalise_author(item)
        if isinstance(item, ChallengeInfo):
            return normalise_challenge(item)
        if isinstance(item, TaxonomyInfo):
            return normalise_taxonomy(item)
        return normalise_story(item) if isinstance(item, Story) else item
