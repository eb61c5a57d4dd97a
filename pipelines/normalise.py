"""Normalisation: NFC-normalised, trimmed names and titles; no active content in stored HTML."""

from __future__ import annotations

import re
import unicodedata

import lxml.html
from lxml import etree
from scrapy.exceptions import NotConfigured

from mirror.items import Story

_ACTIVE_TAGS = ("script", "style", "iframe", "object", "embed", "applet")


def text(value: str | None) -> str | None:
    if value is None:
        return None
    return " ".join(unicodedata.normalize("NFC", value).split())


def html(value: str) -> str:
    """Trimmed, and without scripts or event handlers (never story content).

    The characters are kept exactly as served (no Unicode normalisation): this is the record."""
    value = (value or "").strip()
    if not value or not re.search(r"<(script|style|iframe|object|embed|applet)\b|\son\w+\s*=|javascript:",
                                  value, re.IGNORECASE):
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


class NormalisePipeline:
    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MIRROR_NORMALISE_ENABLED", True):
            raise NotConfigured("MIRROR_NORMALISE_ENABLED is off")
        return cls()

    def process_item(self, item):
        return normalise_story(item) if isinstance(item, Story) else item
