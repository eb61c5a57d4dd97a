"""Items: plain dataclasses, used everywhere through itemadapter.

The spider yields only :class:`StoryPages` (the raw pages it fetched for one
story).  The extraction pipeline turns them into a :class:`Story` holding its
:class:`Chapter`, :class:`Author` and :class:`Series` items, using the pure
parsers in :mod:`mirror.parsing`, so a stored page can be extracted again
later without asking the site.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

STATUS_OK = "ok"
STATUS_RESTRICTED = "restricted"  # members-only: metadata from the listing, no text
STATUS_INCOMPLETE = "incomplete"  # some chapters could not be fetched; never passed off as whole


@dataclass
class Page:
    """One HTTP response as received: enough to parse it again later."""

    url: str
    status: int
    headers: dict[str, list[str]]
    body: bytes
    kind: str  # "listing", "index", "printable", "chapter"


@dataclass
class StoryPages:
    """Everything the spider fetched for one story, in fetch order."""

    site: str  # the archive's base URL, e.g. "http://host/fiction/"
    story_id: int
    pages: list[Page] = field(default_factory=list)
    # The listing page the story was found on: it carries the metadata of
    # stories whose own pages are closed to guests (members-only).
    listing: Page | None = None
    requests: int = 0
    date_format: str = "d/m/y"
    # Requests for this story that failed after their retries: (url, reason).
    failures: list[tuple[str, str]] = field(default_factory=list)
    # Why members-only pages were not read (e.g. "login failed"), if a login was tried.
    login_problem: str | None = None


@dataclass
class Author:
    id: int
    name: str
    url: str


@dataclass
class Series:
    id: int
    title: str
    url: str


@dataclass
class Tag:
    """A category, character, class value or challenge: the site's id and name."""

    id: int | None
    name: str


@dataclass
class Chapter:
    number: int  # 1-based position in the story (eFiction's "inorder")
    id: int | None  # eFiction's chapid, where the page shows it
    title: str
    authors: list[Author] = field(default_factory=list)
    word_count: int | None = None
    notes_html: str = ""
    end_notes_html: str = ""
    text_html: str = ""
    source_url: str = ""


@dataclass
class Story:
    site: str
    story_id: int
    url: str
    title: str
    status: str = STATUS_OK
    authors: list[Author] = field(default_factory=list)
    summary_html: str = ""
    rating: str | None = None
    categories: list[Tag] = field(default_factory=list)
    characters: list[Tag] = field(default_factory=list)
    classes: dict[str, list[Tag]] = field(default_factory=dict)
    challenges: list[Tag] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    chapter_count: int | None = None
    completed: bool | None = None
    word_count: int | None = None
    read_count: int | None = None
    review_count: int | None = None
    featured: bool = False
    retired: bool = False  # "past featured" (red ribbon)
    published: dt.date | None = None
    updated: dt.date | None = None
    published_display: str | None = None
    updated_display: str | None = None
    story_notes_html: str = ""
    # Labelled "Label: value" pairs the parser did not recognise, kept as text.
    extra: dict[str, str] = field(default_factory=dict)
    chapters: list[Chapter] = field(default_factory=list)
    requests: int = 0  # HTTP requests the crawl spent on this story
    # Problems the parser worked around (e.g. a date not in the site's format): logged and
    # counted by the pipelines, not stored.
    warnings: list[str] = field(default_factory=list)
