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
from typing import Any

from mirror.parsing.dates import DEFAULT_FORMAT as DEFAULT_DATE_FORMAT

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
    # Where the response is kept in the crawl's WARC files (``--warc``): the record holding its
    # payload, as the capture middleware reported it ({"filename", "offset", "length",
    # "record_id", ...}); None when the crawl kept no WARC.
    warc: dict[str, Any] | None = None
    # Parses the spider made of this page to route the crawl, handed on to the pipeline so that
    # it does not parse the page again (mirror.parsing.efiction.parse_and_keep / parse_kept).
    # Not content: never stored, and let go once taken.
    parsed: dict[tuple[str, tuple[Any, ...]], Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class Source:
    """One page a stored story was read from, and where its raw response is kept."""

    url: str
    kind: str  # "listing", "index", "printable", "chapter"
    status: int
    warc_filename: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    warc_record_id: str | None = None

    @classmethod
    def of(cls, page: Page) -> Source:
        warc = page.warc or {}
        return cls(url=page.url, kind=page.kind, status=page.status,
                   warc_filename=warc.get("filename"), warc_offset=warc.get("offset"),
                   warc_length=warc.get("length"), warc_record_id=warc.get("record_id"))


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
    date_format: str = DEFAULT_DATE_FORMAT
    # Requests for this story that failed after their retries: (url, reason).
    failures: list[tuple[str, str]] = field(default_factory=list)
    # Why members-only pages were not read (e.g. "login failed"), if a login was tried.
    login_problem: str | None = None
    # The chapters a page of the story listed (index lines, jump menu, printable list): the only
    # chapters ever asked for; and the requests this story may cost at most (set from them).
    chapter_list: list[int] = field(default_factory=list)
    ceiling: int | None = None
    # What the listing showed about the story (its first rendering), for the agreement check.
    listed: "Story | None" = None
    # The story as the listing and the printable view give it, without the index
    # (mirror/parsing/whole.py), when the spider read it so to route; not stored.
    whole: "Story | None" = None
    # Why the story's index was fetched (mirror/index/<reason>), None when it was not; and
    # whether this story is the crawl's check that the index adds nothing (its "calibration").
    index_reason: str | None = None
    calibration: bool = False


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
    # The story's 1-based number among the series' *stories* (sub-series are not counted, so it
    # is the book number calibre's series_index wants), from the series page; None until that
    # page was read.  A story page does not show it.
    position: int | None = None


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
    # Fields the renderings (listing, index, printable view) showed differently: counted under
    # mirror/consistency/<field> (the warnings say what each showed and which was kept).
    disagreements: list[str] = field(default_factory=list)
    # The pages this fetch read (listing first, then in fetch order), with their WARC locations:
    # stored, not content (a new capture of the same text is no change).
    sources: list[Source] = field(default_factory=list)
    # The fields this rendering's metadata block showed (labelled or not): not stored; the
    # index check (mirror/parsing/whole.py) compares them across renderings.
    shown: set[str] = field(default_factory=set)


@dataclass
class SeriesPages:
    """Everything the spider fetched for one series (``viewseries.php``), in offset order."""

    site: str
    series_id: int
    pages: list[Page] = field(default_factory=list)
    requests: int = 0
    date_format: str = DEFAULT_DATE_FORMAT
    # Pages of the series that failed after their retries: (url, reason).
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SeriesEntry:
    """One item of a series, in eFiction's ``inorder``: a story or a sub-series."""

    story_id: int | None = None
    series_id: int | None = None  # a sub-series


@dataclass
class SeriesInfo:
    """A series' own record, from its ``viewseries.php`` pages."""

    site: str
    series_id: int
    url: str
    title: str
    owner: Author | None = None
    summary_html: str = ""
    categories: list[Tag] = field(default_factory=list)
    characters: list[Tag] = field(default_factory=list)
    classes: dict[str, list[Tag]] = field(default_factory=dict)
    series_type: str | None = None  # "open", "moderated", "closed" (or the text shown)
    parent_series_id: int | None = None
    story_count: int | None = None  # the "Stories:" count as displayed
    review_count: int | None = None  # the series' own "[Reviews - N]", as displayed (not stored)
    # Stories and sub-series, in the site's order (eFiction's inorder counts both).
    entries: list[SeriesEntry] = field(default_factory=list)
    # False when a page of the series could not be fetched: the stored order is then kept.
    entries_complete: bool = True
    requests: int = 0
    warnings: list[str] = field(default_factory=list)

    def story_positions(self) -> dict[int, int]:
        """Story id -> its 1-based number among this series' stories (sub-series not counted)."""
        ids = [e.story_id for e in self.entries if e.story_id is not None]
        return {sid: number for number, sid in enumerate(ids, 1)}


# --- reviews and author profiles (issue 9) ---

REVIEW_STORY, REVIEW_SERIES = "ST", "SE"


@dataclass
class ReviewPages:
    """Every ``reviews.php?type=ST|SE&item=N[&offset=K]`` page fetched for one item, in offset order."""

    site: str
    item_type: str  # "ST" (a story) or "SE" (a series)
    item_id: int
    pages: list[Page] = field(default_factory=list)
    requests: int = 0
    date_format: str = DEFAULT_DATE_FORMAT
    # The review count the listing showed when the pages were requested (None: not known).
    listed_count: int | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Review:
    """One reader's review as ``reviews.php`` shows it, with the author's response apart."""

    site: str
    review_id: int
    item_type: str  # "ST" or "SE"
    item_id: int
    reviewer_name: str
    reviewer_uid: int | None = None  # a member's uid; None for a guest
    signed: bool = False  # "Signed" (a member) or "Anonymous" (a guest)
    chapter_title: str | None = None  # the "Title:" line (the chapter's title, or the series')
    chapter_number: int | None = None  # resolved from the page's chapter menu, when unambiguous
    chapter_id: int | None = None  # eFiction's chapid, likewise
    date_display: str = ""  # as shown, e.g. "17/07/06 - 06:34 am"
    posted: dt.datetime | None = None
    score: int | None = None  # 1..10 (stars x 2), None when the reviewer gave no rating
    text_html: str = ""  # empty for a rating-only review
    rating_only: bool = False  # eFiction stores "No Review" for a rating without text
    response_html: str = ""  # the author's response, without the "Author's Response:" label
    source_url: str = ""


@dataclass
class ReviewSet:
    """All reviews read for one item: stored together (one transaction)."""

    site: str
    item_type: str
    item_id: int
    url: str
    reviews: list[Review] = field(default_factory=list)
    complete: bool = True  # False when a page could not be fetched (nothing is then marked gone)
    listed_count: int | None = None
    requests: int = 0
    warnings: list[str] = field(default_factory=list)
    # A story's chapter menu on its review pages ("Reviews For K. Title", eFiction's inorder and
    # chapid): chapter number -> chapid, numbers and chapids each shown once.  Fills the stored
    # chapters' ids an index page did not give (never replaces one).
    chapter_ids: dict[int, int] = field(default_factory=dict)


@dataclass
class AuthorPages:
    """The ``viewuser.php?uid=N`` page fetched for one member."""

    site: str
    author_id: int
    pages: list[Page] = field(default_factory=list)
    requests: int = 0
    date_format: str = DEFAULT_DATE_FORMAT
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class AuthorProfile:
    """A member's profile (``viewuser.php?uid=N``)."""

    site: str
    author_id: int
    url: str
    pen_name: str
    real_name: str = ""
    member_since: dt.date | None = None
    member_since_display: str = ""
    status: str = ""  # "Member", "Administrator", ... as shown
    bio_html: str = ""
    # Site-defined author fields and other labelled lines, "Label" -> HTML as shown.
    fields: dict[str, str] = field(default_factory=dict)
    story_ids: list[int] = field(default_factory=list)  # the stories panel, in page order
    # The "Series by" panel (``viewuser.php?action=seriesby&uid=N``), in page order: the series
    # the member owns; read when the tab's count is above 0.
    series: list[Series] = field(default_factory=list)
    story_count: int | None = None  # the "Stories by" tab count
    series_count: int | None = None  # the "Series by" tab count
    review_count: int | None = None  # the "Reviews by" tab count
    requests: int = 0
    warnings: list[str] = field(default_factory=list)


# --- challenges (issue 9: modules/challenges) ---


@dataclass
class ChallengePages:
    """Every ``modules/challenges/challenges.php?chalid=N[&offset=K]`` page fetched for one
    challenge, in offset order."""

    site: str
    challenge_id: int
    pages: list[Page] = field(default_factory=list)
    requests: int = 0
    date_format: str = DEFAULT_DATE_FORMAT
    # The response count ``browse.php?type=challenges`` showed (None: not read this run).
    listed_count: int | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ChallengeInfo:
    """A challenge (``challenges.php?chalid=N``): who issued it, what it asks, the stories
    answering it in the site's order."""

    site: str
    challenge_id: int
    url: str
    title: str
    owner: Author | None = None
    summary_html: str = ""
    categories: list[Tag] = field(default_factory=list)
    characters: list[Tag] = field(default_factory=list)
    story_ids: list[int] = field(default_factory=list)  # the responses, in page order
    listed_count: int | None = None  # "Responses - N" on the challenges listing, when read
    # False when a page of responses could not be fetched: the stored responses are then kept.
    complete: bool = True
    requests: int = 0
    warnings: list[str] = field(default_factory=list)


# --- taxonomy (issue 9: the browse pages' category tree and lists) ---

# The parts of the taxonomy, each read from its own browse pages and replaced on its own.
TAXONOMY_PARTS = ("categories", "characters", "ratings", "classes")


@dataclass
class TaxonomyPages:
    """The browse pages fetched for a site's taxonomy: ``browse.php`` (the menu: class types),
    ``type=categories`` (top level, then each category's page: its subcategories),
    ``type=characters`` / ``type=ratings`` / ``type=class&type_id=T`` (and their ``offset=``
    pages), and rating-gate pages of stories (a rating's warning text), in fetch order."""

    site: str
    parts: list[str] = field(default_factory=list)  # the parts asked for (TAXONOMY_PARTS)
    pages: list[Page] = field(default_factory=list)
    requests: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


@dataclass
class TaxonomyEntry:
    """One category, character, rating, class type or class of a site."""

    kind: str  # "category", "character", "rating", "class_type", "class"
    id: int  # catid, charid, rid, type_id, classid
    name: str
    parent_id: int | None = None  # category: parent catid (None: top level); class: its type_id
    position: int | None = None  # order on its page (categories: among its siblings)
    description: str = ""  # categories: the text after the count
    story_count: int | None = None  # categories: "[N]"
    category_id: int | None = None  # characters: their category, when shown
    warning_text: str | None = None  # ratings: the gate's text, when known


@dataclass
class TaxonomyInfo:
    """What the browse pages say, per part.  ``parts`` were read whole (stored rows of those
    parts are replaced); ``partial_parts`` lost a page (their rows are added or updated, none
    removed)."""

    site: str
    parts: list[str] = field(default_factory=list)
    partial_parts: list[str] = field(default_factory=list)
    entries: list[TaxonomyEntry] = field(default_factory=list)
    requests: int = 0
    warnings: list[str] = field(default_factory=list)
