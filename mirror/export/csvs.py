"""CSV export: ``stories.csv`` and ``chapters.csv`` (metadata only, no chapter text).

Format:

* UTF-8 without a byte-order mark; RFC 4180: fields separated by ``,``, quoted with ``"`` only
  when needed (a ``"`` inside is doubled), records ended by ``\\r\\n`` (also the last).  Fields
  never contain line breaks: text is flattened to one line.
* The first record is the header, always the columns of :data:`STORY_COLUMNS` /
  :data:`CHAPTER_COLUMNS` in that order.
* Rows follow :meth:`Store.iter_stories` order (site base URL, then story id), chapters by
  number within their story; the same database always gives the same bytes.
* Lists are joined with ``"; "`` (``authors``, ``author_ids``, ``categories``, ``characters``,
  ``challenges``, ``series``, ``series_ids``, ``series_positions``: the story's number in each
  of its series, empty where the series page was not read); ``classes`` is ``Type: a, b; Type2: c`` (types
  in stored order); ``summary`` is plain text; booleans are ``true``/``false``; unknown values
  (null) are empty fields; dates are ``YYYY-MM-DD``, the ``*_display`` columns the site's own text.

Both files are written in one pass over the stories (memory bounded by one story).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mirror.export.common import atomic_file
from mirror.export.text import html_to_line
from mirror.items import Chapter, Story

STORY_COLUMNS: tuple[str, ...] = (
    "site", "story_id", "url", "title", "authors", "author_ids", "summary", "rating",
    "categories", "characters", "classes", "challenges", "series", "series_ids",
    "series_positions", "chapter_count", "completed", "word_count", "read_count", "review_count", "featured",
    "published", "updated", "published_display", "updated_display", "status",
)

CHAPTER_COLUMNS: tuple[str, ...] = (
    "site", "story_id", "number", "chapter_id", "title", "authors", "word_count",
    "has_notes", "has_end_notes",
)

LIST_SEPARATOR = "; "
_SPACE = re.compile(r"\s+")


def _text(value: str | None) -> str:
    return _SPACE.sub(" ", value or "").strip()


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _join(values: Iterable[Any]) -> str:
    return LIST_SEPARATOR.join(_text(_value(v)) for v in values)


def story_row(story: Story) -> list[str]:
    """One ``stories.csv`` record, in :data:`STORY_COLUMNS` order."""
    classes = LIST_SEPARATOR.join(
        f"{_text(kind)}: {', '.join(_text(t.name) for t in tags)}".rstrip()
        for kind, tags in story.classes.items()
    )
    row = {
        "site": story.site,
        "story_id": story.story_id,
        "url": story.url,
        "title": _text(story.title),
        "authors": _join(a.name for a in story.authors),
        "author_ids": _join(a.id for a in story.authors),
        "summary": html_to_line(story.summary_html),
        "rating": story.rating,
        "categories": _join(t.name for t in story.categories),
        "characters": _join(t.name for t in story.characters),
        "classes": classes,
        "challenges": _join(t.name for t in story.challenges),
        "series": _join(s.title for s in story.series),
        "series_ids": _join(s.id for s in story.series),
        "series_positions": _join("" if s.position is None else s.position for s in story.series),
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
        "status": story.status,
    }
    return [_text(_value(row[c])) for c in STORY_COLUMNS]


def chapter_row(story: Story, chapter: Chapter) -> list[str]:
    """One ``chapters.csv`` record, in :data:`CHAPTER_COLUMNS` order."""
    row = {
        "site": story.site,
        "story_id": story.story_id,
        "number": chapter.number,
        "chapter_id": chapter.id,
        "title": _text(chapter.title),
        "authors": _join(a.name for a in chapter.authors),
        "word_count": chapter.word_count,
        "has_notes": bool(html_to_line(chapter.notes_html)),
        "has_end_notes": bool(html_to_line(chapter.end_notes_html)),
    }
    return [_text(_value(row[c])) for c in CHAPTER_COLUMNS]


def write_csv_folder(stories: Iterable[Story], folder: Path) -> int:
    """Write ``stories.csv`` and ``chapters.csv`` into *folder*; returns the number of stories."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    options = {"encoding": "utf-8", "newline": ""}
    with atomic_file(folder / "stories.csv", "w", **options) as story_stream, \
            atomic_file(folder / "chapters.csv", "w", **options) as chapter_stream:
        story_writer = csv.writer(story_stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        chapter_writer = csv.writer(chapter_stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        story_writer.writerow(STORY_COLUMNS)
        chapter_writer.writerow(CHAPTER_COLUMNS)
        for story in stories:
            story_writer.writerow(story_row(story))
            for chapter in sorted(story.chapters, key=lambda c: c.number):
                chapter_writer.writerow(chapter_row(story, chapter))
            count += 1
    return count
