"""A whole story from two pages: the listing block and the printable view, without the index.

The listing block (``browse.php?type=titles``) carries a story's metadata, with the links that
give its tags' ids; the printable view (``viewstory.php?action=printable&chapter=all``) carries
every chapter: its title line ("Title by Author"), notes and text.  When these two give the whole
story, a crawl reads it from them and never asks for the story index: one request a story.

:func:`read_without_index` builds that story, or says why the index is needed
(:class:`IndexNeeded`, counted by the spider as ``mirror/index/<reason>``):

* ``not_listed``: no listing block shows the story (a retry by id);
* ``gate``: the printable view shows a rating gate the listing did not announce;
* ``printable_unavailable`` / ``printable_unreadable``: it shows an error or members-only
  message (a site that switched it off), or cannot be read;
* ``printable_incomplete``: its chapters are not 1..N, each with a text container;
* ``chapter_count``: the listing's chapter count is not the printable view's chapters;
* ``listing_fields``: the listing block does not show a field every story has
  (:data:`REQUIRED`);
* ``disagreement``: the listing and the printable view's header disagree
  (:mod:`mirror.parsing.agreement`);
* ``chapter_authors``: a chapter's title line names nobody the listing names as an author
  (a round robin: only the index links each chapter's author);
* ``word_counts``: the chapters' word counts, computed as eFiction computes them
  (:mod:`mirror.parsing.wordcount`), do not add up to the listing's word count.

Without the index a chapter's ``chapid`` is not known (``Chapter.id`` is None; a story's review
pages give it, see mirror/storage/store.py), nor its review count and rating, which are not
stored anyway.  :func:`differences` compares a story read both ways: a crawl reads the index of
its first such story as well (the "calibration") and reads every index when they differ.
Nothing here touches the network or the database.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from mirror.items import Chapter, Page, Story, StoryPages
from mirror.parsing import agreement
from mirror.parsing.efiction import (ParseError, PrintableStory, StoryUnavailable, parse_listing, parse_once,
                                     parse_printable, printable_record)

# What every eFiction story record shows; a listing block without one of them is not enough.
REQUIRED = ("title", "authors", "rating", "chapter_count", "completed", "word_count", "published", "updated")
# The list fields the printable view's header may fill when the listing block shows none.
LISTS = ("categories", "characters", "challenges", "series")
# Compared between a story read with its index and without it (read and review counts drift;
# chapter ids and pages are not shown without the index).
STORY_FIELDS = ("title", "summary_html", "rating", "categories", "characters", "classes", "challenges", "series",
                "chapter_count", "completed", "word_count", "featured", "retired", "published", "updated",
                "published_display", "updated_display", "story_notes_html", "extra")
CHAPTER_FIELDS = ("number", "title", "word_count", "notes_html", "end_notes_html", "text_html")


@dataclass(frozen=True)
class IndexNeeded:
    reason: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


def listed_story(story_pages: StoryPages, encoding: str | None = None) -> Story | None:
    """The story as its listing block shows it: the spider's parse, else the listing page's."""
    if story_pages.listed is not None:
        return story_pages.listed
    if story_pages.listing is None:
        return None
    listing = parse_listing(story_pages.listing, story_pages.site, story_pages.date_format, encoding)
    return next((e.story for e in listing.entries if e.story_id == story_pages.story_id), None)


def _same(text: str) -> str:
    return " ".join(text.split())


def _chapter_line(heading: str, listed: Story) -> tuple[str, list] | None:
    """(title, [author]) from a printable title line "Title by Author", the author one the
    listing names; None when it names nobody the listing does."""
    line = _same(heading)
    for author in sorted(listed.authors, key=lambda a: -len(a.name)):
        suffix = f" by {_same(author.name)}"
        if author.name and line.endswith(suffix) and len(line) > len(suffix):
            return line[: -len(suffix)].strip(), [author]
    return None


def _check_pages(printable: PrintableStory, listed: Story) -> IndexNeeded | None:
    numbers = sorted(printable.chapters)
    if not numbers or numbers != list(range(1, len(numbers) + 1)) \
            or not all(c.has_text for c in printable.chapters.values()):
        return IndexNeeded("printable_incomplete", f"chapters {numbers}")
    missing = [name for name in REQUIRED if getattr(listed, name) in (None, "", [])]
    if missing:
        return IndexNeeded("listing_fields", ", ".join(missing))
    if listed.chapter_count != len(numbers):
        return IndexNeeded("chapter_count", f"listing {listed.chapter_count}, printable view {len(numbers)}")
    return None


def _chapters(printable: PrintableStory, page: Page, listed: Story, printed: Story | None,
              encoding: str | None) -> list[Chapter] | IndexNeeded:
    from mirror.parsing.wordcount import printable_word_counts

    numbers = sorted(printable.chapters)
    counts = ({1: listed.word_count} if len(numbers) == 1 else printable_word_counts(page, encoding, printed))
    if sorted(counts) != numbers or sum(counts.values()) != listed.word_count:
        return IndexNeeded("word_counts", f"computed {sum(counts.values())} over chapters {sorted(counts)}, "
                                          f"listing {listed.word_count}")
    chapters = []
    for number in numbers:
        shown = printable.chapters[number]
        line = _chapter_line(shown.heading, listed)
        if line is None:
            return IndexNeeded("chapter_authors", f"chapter {number}: {shown.heading!r}")
        chapters.append(Chapter(number=number, id=None, title=line[0], authors=line[1], word_count=counts[number],
                                notes_html=shown.notes_html, end_notes_html=shown.end_notes_html,
                                text_html=shown.text_html, source_url=shown.source_url))
    return chapters


def read_without_index(story_pages: StoryPages, encoding: str | None = None) -> Story | IndexNeeded:
    """The story from its listing block and its printable view, or why its index is needed."""
    listed = listed_story(story_pages, encoding)
    pages = [p for p in story_pages.pages if p.kind == "printable"]
    if listed is None:
        return IndexNeeded("not_listed")
    if not pages:
        return IndexNeeded("printable_off")
    page = pages[-1]
    try:
        printable = parse_once(parse_printable, page, encoding)
    except StoryUnavailable as exc:  # a rating gate is passed through the index; else it is off
        return IndexNeeded("gate" if exc.reason in ("warning", "ageconsent") else "printable_unavailable", str(exc))
    except ParseError as exc:
        return IndexNeeded("printable_unreadable", str(exc))
    problem = _check_pages(printable, listed)
    if problem is not None:
        return problem
    printed = printable_record(printable, page, story_pages.site, story_pages.story_id, story_pages.date_format)
    found = agreement.compare({"printable": printed, "listing": listed})
    if found:
        return IndexNeeded("disagreement", "; ".join(str(d) for d in found))
    chapters = _chapters(printable, page, listed, printed, encoding)
    if isinstance(chapters, IndexNeeded):
        return chapters
    story = copy.deepcopy(listed)
    story.chapters = chapters
    story.story_notes_html = printable.story_notes_html
    if printed is not None:
        agreement.settle(story, {"printable": printed})  # fills what only the printable view shows
        for name in LISTS:
            if not getattr(story, name) and getattr(printed, name):
                setattr(story, name, getattr(printed, name))
        story.shown = story.shown | printed.shown
    return story


def _authors(authors) -> list:
    return [a.id for a in authors]


# Labels that show other fields ("Story Length: 3 chapters (1,204 words)").
SHOWN_AS = {"chapters": {"chapter_count"}, "length": {"chapter_count", "word_count"}}


def _fields(shown: set[str]) -> set[str]:
    return set().union(*(SHOWN_AS.get(name, {name}) for name in shown))


def differences(indexed: Story, without: Story) -> list[str]:
    """The fields a story read with its index shows otherwise than read without it: the fields
    only the index's block shows, then the values that differ (story, then chapter fields)."""
    only = _fields(indexed.shown) - _fields(without.shown) - {"read_count", "review_count"}
    found = [f"shown only by the index: {name}" for name in sorted(only)]
    if _authors(indexed.authors) != _authors(without.authors):
        found.append("authors")
    found += [name for name in STORY_FIELDS if getattr(indexed, name) != getattr(without, name)]
    if len(indexed.chapters) != len(without.chapters):
        return found + ["chapters"]
    for mine, other in zip(indexed.chapters, without.chapters):
        found += [f"chapters[{mine.number}].{name}" for name in CHAPTER_FIELDS
                  if getattr(mine, name) != getattr(other, name)]
        if _authors(mine.authors or indexed.authors) != _authors(other.authors):
            found.append(f"chapters[{mine.number}].authors")
    return found


def extract(story_pages: StoryPages, encoding: str | None = None) -> Story:
    """The story from every page fetched for it: through its index when one was fetched
    (:func:`mirror.parsing.efiction.extract_story`), else from the listing and the printable view."""
    from mirror.parsing.efiction import extract_story

    if any(p.kind == "index" for p in story_pages.pages):
        return extract_story(story_pages, encoding)
    whole = story_pages.whole if story_pages.whole is not None else read_without_index(story_pages, encoding)
    if isinstance(whole, IndexNeeded):
        raise ParseError(f"{story_pages.site}viewstory.php?sid={story_pages.story_id}", "index",
                         f"no story index was fetched and the listing and printable view do not give the "
                         f"whole story ({whole})")
    whole.requests = story_pages.requests
    return whole
