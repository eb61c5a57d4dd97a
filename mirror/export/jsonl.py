"""JSON Lines export: one story per line.

Format (the README documents it from :data:`STORY_KEYS`, :data:`CHAPTER_KEYS`
and :data:`KEY_DOCS`):

* UTF-8 text, one JSON object per line, each line ended by ``\\n`` (also the
  last); no blank lines.  Records follow :meth:`Store.iter_stories` order: site
  base URL (code-point order), then ``story_id``.
* Keys always present, always in the order of :data:`STORY_KEYS` (and
  :data:`CHAPTER_KEYS` for each chapter); missing values are ``null``.
* Serialised with ``json.dumps(record, ensure_ascii=False, separators=(", ", ": "),
  allow_nan=False)``: non-ASCII text is written as itself (not ``\\uXXXX``),
  items are separated by ``", "`` and keys by ``": "`` (Python's default
  spacing, readable with ``head``).  The three characters that JSON leaves
  raw but that some line splitters (e.g. Python's ``str.splitlines``) treat
  as line breaks -- U+0085, U+2028, U+2029 -- are written as ``\\u`` escapes,
  so every record is exactly one line by any definition.
* The same database always gives the same bytes.

:func:`write_jsonl` takes an open text stream, never a path; open files with
``encoding="utf-8", newline="\\n"`` (or ``newline=""``) so no platform line
ending translation happens.  Memory use is bounded by one batch of stories
whatever the size of the mirror.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from mirror.items import Author, Chapter, Story
from mirror.storage import Store

STORY_KEYS: tuple[str, ...] = (
    "site",
    "story_id",
    "url",
    "title",
    "authors",
    "summary_html",
    "rating",
    "categories",
    "characters",
    "classes",
    "challenges",
    "series",
    "chapter_count",
    "completed",
    "word_count",
    "read_count",
    "review_count",
    "featured",
    "published",
    "updated",
    "published_display",
    "updated_display",
    "story_notes_html",
    "status",
    "chapters",
)

CHAPTER_KEYS: tuple[str, ...] = (
    "number",
    "id",
    "title",
    "authors",
    "word_count",
    "notes_html",
    "end_notes_html",
    "text_html",
)

AUTHOR_KEYS: tuple[str, ...] = ("id", "name", "url")
SERIES_KEYS: tuple[str, ...] = ("id", "title")

KEY_DOCS: dict[str, str] = {
    # story keys
    "site": "Base URL of the eFiction archive the story comes from.",
    "story_id": "The archive's story id (eFiction sid), unique per site.",
    "url": "URL of the story's index page on the archive.",
    "title": "Story title as plain text.",
    "authors": "Byline in site order: list of {id (eFiction uid), name, url}.",
    "summary_html": "Summary as HTML, as shown on the site.",
    "rating": "Rating name (e.g. \"PG-13\"), or null when the site shows none.",
    "categories": "Category names, in site order.",
    "characters": "Character names, in site order.",
    "classes": "Class values by class type title, e.g. {\"Genre\": [\"Angst\"]}; types in site order.",
    "challenges": "Challenge names, in site order.",
    "series": "Series the story belongs to: list of {id, title}.",
    "chapter_count": "Number of chapters the site reports, or null.",
    "completed": "true if the site marks the story complete, false if not, null if unknown.",
    "word_count": "Word count the site reports for the whole story, or null.",
    "read_count": "Read (hit) count the site reports, or null.",
    "review_count": "Review count the site reports, or null.",
    "featured": "true if the story is currently featured.",
    "published": "Publication date as YYYY-MM-DD, or null if it could not be parsed.",
    "updated": "Last update date as YYYY-MM-DD, or null if it could not be parsed.",
    "published_display": "Publication date exactly as the site displays it, or null.",
    "updated_display": "Update date exactly as the site displays it, or null.",
    "story_notes_html": "Story notes as HTML (empty string if none).",
    "status": "\"ok\" (text mirrored) or \"restricted\" (closed to guests: metadata only, no chapters).",
    "chapters": "Chapters in number order (empty for restricted stories); keys listed under chapter.*.",
    # chapter keys
    "chapter.number": "1-based position of the chapter in the story.",
    "chapter.id": "The archive's chapter id (eFiction chapid), or null when not shown.",
    "chapter.title": "Chapter title as plain text.",
    "chapter.authors": "Authors credited for the chapter: list of {id, name, url} (round-robins).",
    "chapter.word_count": "Chapter word count the site reports, or null.",
    "chapter.notes_html": "Notes before the chapter text, as HTML (empty string if none).",
    "chapter.end_notes_html": "Notes after the chapter text, as HTML (empty string if none).",
    "chapter.text_html": "The chapter text as HTML.",
}

# Characters json.dumps(ensure_ascii=False) leaves raw that str.splitlines()
# and some other readers treat as line breaks.
_LINE_BREAK_ESCAPES = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def _author(author: Author) -> dict[str, Any]:
    return {"id": author.id, "name": author.name, "url": author.url}


def chapter_record(chapter: Chapter) -> dict[str, Any]:
    """The export record of one chapter, keys in :data:`CHAPTER_KEYS` order."""
    return {
        "number": chapter.number,
        "id": chapter.id,
        "title": chapter.title,
        "authors": [_author(a) for a in chapter.authors],
        "word_count": chapter.word_count,
        "notes_html": chapter.notes_html,
        "end_notes_html": chapter.end_notes_html,
        "text_html": chapter.text_html,
    }


def story_record(story: Story) -> dict[str, Any]:
    """The export record of one story, keys in :data:`STORY_KEYS` order."""
    return {
        "site": story.site,
        "story_id": story.story_id,
        "url": story.url,
        "title": story.title,
        "authors": [_author(a) for a in story.authors],
        "summary_html": story.summary_html,
        "rating": story.rating,
        "categories": [t.name for t in story.categories],
        "characters": [t.name for t in story.characters],
        "classes": {kind: [t.name for t in tags] for kind, tags in story.classes.items()},
        "challenges": [t.name for t in story.challenges],
        "series": [{"id": s.id, "title": s.title} for s in story.series],
        "chapter_count": story.chapter_count,
        "completed": story.completed,
        "word_count": story.word_count,
        "read_count": story.read_count,
        "review_count": story.review_count,
        "featured": bool(story.featured),
        "published": story.published.isoformat() if story.published else None,
        "updated": story.updated.isoformat() if story.updated else None,
        "published_display": story.published_display,
        "updated_display": story.updated_display,
        "story_notes_html": story.story_notes_html,
        "status": story.status,
        "chapters": [chapter_record(c) for c in sorted(story.chapters, key=lambda c: c.number)],
    }


def dumps_record(record: dict[str, Any]) -> str:
    """One record as one JSON line (without the trailing ``\\n``)."""
    line = json.dumps(record, ensure_ascii=False, separators=(", ", ": "), allow_nan=False)
    return line.translate(_LINE_BREAK_ESCAPES)


def write_story_lines(stories: Iterable[Story], stream: TextIO) -> int:
    """Write *stories* to *stream* as JSON Lines; returns the number of records."""
    count = 0
    for story in stories:
        stream.write(dumps_record(story_record(story)))
        stream.write("\n")
        count += 1
    return count


def write_jsonl(
    store: Store,
    stream: TextIO,
    *,
    site: str | None = None,
    story_ids: Iterable[int] | None = None,
) -> int:
    """Write the stories of *store* (optionally one *site* and/or some
    *story_ids*) to *stream* as JSON Lines; returns the number of records."""
    return write_story_lines(store.iter_stories(site=site, story_ids=story_ids), stream)
