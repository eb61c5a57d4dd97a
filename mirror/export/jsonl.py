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
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO

from mirror.items import Author, AuthorProfile, ChallengeInfo, Chapter, Review, SeriesInfo, Story
from mirror.images import ImageSource
from mirror.storage import Store
from mirror.storage.images import StoreImages

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
    "reviews",
    "images",
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
REVIEW_KEYS: tuple[str, ...] = (
    "site", "review_id", "item_type", "item_id", "chapter_number", "chapter_id", "chapter_title",
    "reviewer_id", "reviewer_name", "signed", "date_display", "posted", "score", "rating_only",
    "text_html", "response_html",
)
AUTHOR_RECORD_KEYS: tuple[str, ...] = (
    "site", "author_id", "url", "pen_name", "real_name", "member_since", "member_since_display", "status",
    "bio_html", "fields", "story_ids", "series_ids", "story_count", "series_count", "review_count", "images",
)
SERIES_RECORD_KEYS: tuple[str, ...] = (
    "site", "series_id", "url", "title", "owner", "summary_html", "categories", "characters", "classes",
    "series_type", "parent_series_id", "story_count", "items",
)
CHALLENGE_RECORD_KEYS: tuple[str, ...] = (
    "site", "challenge_id", "url", "title", "owner", "summary_html", "categories", "characters", "story_ids",
    "response_count",
)
TAXONOMY_RECORD_KEYS: tuple[str, ...] = (
    "site", "kind", "id", "name", "parent_id", "position", "description", "story_count", "category_id",
    "warning_text",
)
KINDS = ("stories", "authors", "series", "reviews", "challenges", "taxonomy")
SERIES_KEYS: tuple[str, ...] = ("id", "title", "position")

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
    "series": "Series the story belongs to: list of {id, title, position}; position is the story's "
              "number among the series' stories (from the series page; sub-series not counted), or null "
              "when the series page was not read.",
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
    "reviews": "The story's reviews, newest first (highest review id): records as in `--kind reviews` "
               "(review.*), without site, item_type and item_id; empty when none were read.",
    "images": "The stored images the story's notes and chapters show, in order of first appearance: "
              "list of {url, sha256, content_type, size} (images not fetched, failed or off-site are "
              "not listed).",
    # chapter keys
    "chapter.number": "1-based position of the chapter in the story.",
    "chapter.id": "The archive's chapter id (eFiction chapid), or null when not shown.",
    "chapter.title": "Chapter title as plain text.",
    "chapter.authors": "Authors credited for the chapter: list of {id, name, url} (round-robins).",
    "chapter.word_count": "Chapter word count the site reports, or null.",
    "chapter.notes_html": "Notes before the chapter text, as HTML (empty string if none).",
    "chapter.end_notes_html": "Notes after the chapter text, as HTML (empty string if none).",
    "chapter.text_html": "The chapter text as HTML.",
    # review keys (--kind reviews, and each story's "reviews")
    "review.review_id": "The archive's review id (eFiction reviewid), unique per site.",
    "review.item_type": "\"ST\" (a story's review) or \"SE\" (a series' review).",
    "review.item_id": "The story id or series id reviewed.",
    "review.chapter_number": "Number of the chapter reviewed (from the page's chapter menu), or null.",
    "review.chapter_id": "The chapter's chapid, or null.",
    "review.chapter_title": "The \"Title:\" line: the chapter's (or series') title as shown.",
    "review.reviewer_id": "The reviewer's member uid, or null for a guest.",
    "review.reviewer_name": "The reviewer's pen name, or the name a guest gave.",
    "review.signed": "true for a member's (signed) review, false for a guest's (anonymous).",
    "review.date_display": "Date and time exactly as the site shows them.",
    "review.posted": "Date and time as YYYY-MM-DDTHH:MM:SS in the site's own time, or null.",
    "review.score": "The rating given, 1-10 (stars x 2), or null when none.",
    "review.rating_only": "true for a rating without text (eFiction's \"No Review\").",
    "review.text_html": "The review as HTML, without the author's response (empty if rating-only).",
    "review.response_html": "The author's response as HTML (empty string if none).",
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
        "series": [{"id": s.id, "title": s.title, "position": s.position} for s in story.series],
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
        "reviews": [],  # filled by write_story_lines from the stored reviews
        "images": [],  # filled by write_story_lines from the stored images
    }


def review_record(review: Review, *, in_story: bool = False) -> dict[str, Any]:
    """The export record of one review, keys in :data:`REVIEW_KEYS` order (``in_story``: without
    the keys its story already gives)."""
    record = {
        "site": review.site, "review_id": review.review_id, "item_type": review.item_type,
        "item_id": review.item_id, "chapter_number": review.chapter_number, "chapter_id": review.chapter_id,
        "chapter_title": review.chapter_title, "reviewer_id": review.reviewer_uid,
        "reviewer_name": review.reviewer_name, "signed": review.signed, "date_display": review.date_display,
        "posted": review.posted.replace(tzinfo=None).isoformat() if review.posted else None,
        "score": review.score, "rating_only": review.rating_only, "text_html": review.text_html,
        "response_html": review.response_html,
    }
    if in_story:
        for key in ("site", "item_type", "item_id"):
            del record[key]
    return record


def author_record(profile: AuthorProfile, images: ImageSource | None = None) -> dict[str, Any]:
    """The export record of one author, keys in :data:`AUTHOR_RECORD_KEYS` order: ``series_ids``
    the series they own, ``images`` the stored images their bio shows (from *images*, else none)."""
    return {
        "site": profile.site, "author_id": profile.author_id, "url": profile.url, "pen_name": profile.pen_name,
        "real_name": profile.real_name, "member_since": profile.member_since.isoformat() if profile.member_since else None,
        "member_since_display": profile.member_since_display, "status": profile.status,
        "bio_html": profile.bio_html, "fields": [{"label": k, "value": v} for k, v in profile.fields.items()],
        "story_ids": list(profile.story_ids), "series_ids": [s.id for s in profile.series],
        "story_count": profile.story_count, "series_count": profile.series_count,
        "review_count": profile.review_count,
        "images": [ref.record() for ref in images.bio_refs(profile)] if images is not None else [],
    }


def series_record(series: SeriesInfo) -> dict[str, Any]:
    """The export record of one series, keys in :data:`SERIES_RECORD_KEYS` order."""
    return {
        "site": series.site, "series_id": series.series_id, "url": series.url, "title": series.title,
        "owner": _author(series.owner) if series.owner else None, "summary_html": series.summary_html,
        "categories": [t.name for t in series.categories], "characters": [t.name for t in series.characters],
        "classes": {kind: [t.name for t in tags] for kind, tags in series.classes.items()},
        "series_type": series.series_type, "parent_series_id": series.parent_series_id,
        "story_count": series.story_count,
        "items": [{"story_id": e.story_id} if e.story_id is not None else {"series_id": e.series_id}
                  for e in series.entries],
    }


def challenge_record(challenge: ChallengeInfo) -> dict[str, Any]:
    """The export record of one challenge, keys in :data:`CHALLENGE_RECORD_KEYS` order: the
    stories answering it in the site's order, and the response count the listing showed."""
    return {
        "site": challenge.site, "challenge_id": challenge.challenge_id, "url": challenge.url,
        "title": challenge.title, "owner": _author(challenge.owner) if challenge.owner else None,
        "summary_html": challenge.summary_html,
        "categories": [{"id": t.id, "name": t.name} for t in challenge.categories],
        "characters": [{"id": t.id, "name": t.name} for t in challenge.characters],
        "story_ids": list(challenge.story_ids), "response_count": challenge.listed_count,
    }


def taxonomy_records(store: Store, site: str | None = None) -> Iterator[dict[str, Any]]:
    """``--kind taxonomy``: one record per category, class type, class, character and rating of
    each site, keys in :data:`TAXONOMY_RECORD_KEYS` order.  ``parent_id``: a category's parent
    catid (null: top level), a class's type id; ``id``: catid, type_id, classid, charid or rid."""
    for name in ([site] if site is not None else store.sites()):
        for e in store.taxonomy(name).entries:
            yield {"site": name, "kind": e.kind, "id": e.id, "name": e.name, "parent_id": e.parent_id,
                   "position": e.position, "description": e.description, "story_count": e.story_count,
                   "category_id": e.category_id, "warning_text": e.warning_text}


def story_reviews(store: Store, site: str | None = None) -> dict[tuple[str, int], list[Review]]:
    """(site, story id) -> the story's stored reviews, newest first: one query for all."""
    out: dict[tuple[str, int], list[Review]] = {}
    for review in store.iter_reviews(site, "ST"):
        out.setdefault((review.site, review.item_id), []).append(review)
    return out


def write_records(store: Store, kind: str, stream: TextIO, *, site: str | None = None) -> int:
    """``--kind authors|series|reviews|challenges``: one record per author, series, review or
    challenge of *store*."""
    if kind == "authors":
        bios = StoreImages(store)
        records = (author_record(a, bios) for a in store.iter_authors(site))
    elif kind == "series":
        records = (series_record(s) for s in store.iter_series(site))
    elif kind == "reviews":
        records = (review_record(r) for r in store.iter_reviews(site))
    elif kind == "challenges":
        records = (challenge_record(c) for c in store.iter_challenges(site))
    elif kind == "taxonomy":
        records = taxonomy_records(store, site)
    else:
        raise ValueError(f"unknown record kind {kind!r} (known: {', '.join(KINDS)})")
    count = 0
    for record in records:
        stream.write(dumps_record(record))
        stream.write("\n")
        count += 1
    return count


def dumps_record(record: dict[str, Any]) -> str:
    """One record as one JSON line (without the trailing ``\\n``)."""
    line = json.dumps(record, ensure_ascii=False, separators=(", ", ": "), allow_nan=False)
    return line.translate(_LINE_BREAK_ESCAPES)


def write_story_lines(stories: Iterable[Story], stream: TextIO, *,
                      reviews: Mapping[tuple[str, int], list[Review]] | None = None,
                      images: ImageSource | None = None) -> int:
    """Write *stories* to *stream* as JSON Lines; returns the number of records.  *reviews*:
    (site, story id) -> the story's reviews (:func:`story_reviews`), else none are written;
    *images*: the stored images (:class:`mirror.storage.images.StoreImages`), else none are listed."""
    count = 0
    for story in stories:
        record = story_record(story)
        record["reviews"] = [review_record(r, in_story=True)
                             for r in (reviews or {}).get((story.site, story.story_id), [])]
        if images is not None:
            record["images"] = [ref.record() for ref in images.refs(story)]
        stream.write(dumps_record(record))
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
    *story_ids*) to *stream* as JSON Lines, each with its reviews; returns the number of records."""
    return write_story_lines(store.iter_stories(site=site, story_ids=story_ids), stream,
                             reviews=story_reviews(store, site), images=StoreImages(store))
