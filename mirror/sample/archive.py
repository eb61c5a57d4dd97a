"""Content of the bundled sample eFiction 3.5 archive, as plain Python data.

Everything here is deterministic (fixed data, seeded generators, no clock),
so integration tests can crawl the sample server and compare what they stored
with the ground truth exposed by this module.

Conventions for the ground truth:

* Text fields are Unicode.  ``Story.title``, ``Story.summary`` and
  ``Author.penname`` are what a parser recovers after decoding the page as
  windows-1252 (the server sends them as raw cp1252 bytes, or, for summaries
  marked ``summary_stored_ncr``, as numeric character references).
* ``Chapter.text``, ``Chapter.notes``, ``Chapter.end_notes`` and
  ``Story.story_notes`` are the Unicode HTML a parser recovers from the page:
  real characters, not ``&#8220;`` references.  For a plain-text chapter the
  text is the ``nl2br`` output (``<br /><br />`` between paragraphs), exactly as
  served inside ``div#story > span``.
* Word counts are computed the way eFiction's ``stories.php`` does it, from the
  text as stored in the database (``Chapter.source``).  ``Story.wordcount`` is
  the sum of its chapters' counts, which is what the listing shows.
* Read counts are static (the real site increments them on every chapter view;
  the sample does not, so the ground truth never drifts) unless a test changes
  them (:meth:`Archive.set_read_count`, :meth:`Archive.bump_read_counts`, or
  ``SampleArchive(count_reads=True)``).
* The module's :data:`ARCHIVE` is frozen.  Tests that change content between
  crawls serve a copy (``SampleArchive(archive=ARCHIVE.copy())``) and change it
  with the mutation methods of :class:`Archive` (see also :mod:`.changes`);
  :meth:`Archive.generated` builds a large archive for benchmarks.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Iterable, Mapping

__all__ = [
    "ARCHIVE",
    "Archive",
    "Author",
    "Category",
    "Challenge",
    "Chapter",
    "Character",
    "ClassType",
    "MEMBER_PASSWORD",
    "MEMBER_PENNAME",
    "Rating",
    "Series",
    "Site",
    "NewChapter",
    "Story",
    "StoryClass",
    "efiction_word_count",
    "get_archive",
    "listed_stories",
    "nl2br2",
    "public_stories",
    "restricted_stories",
    "sort_by_title",
    "sort_by_update",
]

# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    sitename: str
    slogan: str
    sitekey: str
    siteemail: str
    dateformat: str  # PHP date() format, "d/m/y"
    recentdays: int
    items_per_page: int
    now: datetime  # the archive's fixed "current time" (RSS, "New!", unknown users)


@dataclass(frozen=True)
class Author:
    """A member.  Authors are members with at least one validated story."""

    uid: int
    penname: str
    realname: str
    bio: str
    member_since: date
    level: int = 0  # 0 member, 1 admin
    ageconsent: bool = False  # profile "I am of age" flag (skips the age gate)
    password: str | None = None  # only the demo login account has one
    email: str = ""

    @property
    def is_admin(self) -> bool:
        return self.level > 0


@dataclass(frozen=True)
class Rating:
    rid: int
    name: str
    ratingwarning: int  # bits: 4 registered users only, 2 age consent, 1 warning
    warningtext: str = ""

    @property
    def members_only(self) -> bool:
        return bool(self.ratingwarning & 4)

    @property
    def age_consent(self) -> bool:
        return bool(self.ratingwarning & 2)

    @property
    def warning(self) -> bool:
        return bool(self.ratingwarning & 1)


@dataclass(frozen=True)
class Category:
    """A row of ``fanfiction_categories``.  Categories nest: ``parentcatid`` is -1 at the top
    level, ``leveldown`` the depth (0 at the top), ``displayorder`` the order among siblings.
    The story count eFiction shows (``numitems``) is derived: :meth:`Archive.category_count`."""

    catid: int
    name: str
    description: str
    parentcatid: int = -1
    leveldown: int = 0
    displayorder: int = 0
    image: str = ""  # shown only when the skin has the image file; the sample's skin has none
    locked: bool = False  # locked: no new stories (the story form), no effect on browsing


@dataclass(frozen=True)
class Character:
    charid: int
    name: str
    catid: int  # -1: usable in every category


@dataclass(frozen=True)
class ClassType:
    type_id: int
    name: str  # internal name ("genres"), used as a form field name
    title: str  # label shown on pages ("Genres")


@dataclass(frozen=True)
class StoryClass:
    classid: int
    type_id: int
    name: str


@dataclass(frozen=True)
class Challenge:
    chalid: int
    title: str
    uid: int
    summary: str
    catids: tuple[int, ...]
    charids: tuple[int, ...]


@dataclass(frozen=True)
class Series:
    seriesid: int
    title: str
    uid: int
    summary: str
    sids: tuple[int, ...]  # stories in series order (fanfiction_inseries.inorder)
    open: int  # 0 closed, 1 moderated, 2 open
    review_count: int = 0
    # Sub-series (fanfiction_inseries rows with a subseriesid): (place among all the series'
    # items, 0-based, seriesid of the child).  Stories and sub-series share one inorder.
    subseries: tuple[tuple[int, int], ...] = ()

    @property
    def series_type(self) -> str:
        return {0: "Closed", 1: "Moderated", 2: "Open"}[self.open]

    def items(self) -> list[tuple[str, int]]:
        """("story", sid) and ("series", seriesid) in inorder order."""
        out: list[tuple[str, int]] = [("story", sid) for sid in self.sids]
        for place, child in sorted(self.subseries):
            out.insert(min(place, len(out)), ("series", child))
        return out


@dataclass(frozen=True)
class Review:
    """A row of ``fanfiction_reviews``: a reader's review of a story chapter ("ST") or a series ("SE")."""

    reviewid: int
    type: str  # "ST" or "SE"
    item: int  # sid or seriesid
    chapid: int  # 0 for a series review
    reviewer: str  # the name shown (a member's pen name, or what a guest typed)
    uid: int  # the member's uid; 0 for a guest (shown "Anonymous")
    review: str  # HTML as stored; "No Review" for a rating-only review (eFiction 3.5 hides those)
    respond: str  # the author's response ("" if none)
    rating: int  # 1..10; -1 for none
    date: datetime

    @property
    def rating_only(self) -> bool:
        return self.review == "No Review"


@dataclass(frozen=True)
class Chapter:
    chapid: int
    sid: int
    inorder: int  # 1-based position, the `chapter=` URL parameter
    title: str
    uid: int  # the chapter's own author (differs in round robins)
    text: str  # Unicode HTML as served in div#story > span
    notes: str  # "Author's Chapter Notes" (Unicode HTML, "" if none)
    end_notes: str  # "Chapter End Notes" (Unicode HTML, "" if none)
    wordcount: int
    review_count: int
    score: int  # review score 0..10 (0 = no rated reviews)
    source: str  # text as stored in the database (before format_story)
    plain_text: bool  # True when the stored text has no <p>/<br> (served via nl2br)


@dataclass(frozen=True)
class Story:
    sid: int
    title: str
    author_uids: tuple[int, ...]  # main author first, then co-authors
    summary: str
    rid: int
    rating: str  # rating name, e.g. "PG-13"
    ratingwarning: int
    categories: tuple[tuple[int, str], ...]  # () means "Orphan"
    characters: tuple[str, ...]
    character_ids: tuple[int, ...]
    classes: Mapping[str, tuple[str, ...]] = field(hash=False)  # class type title -> names (every type present)
    class_ids: tuple[int, ...]
    challenges: tuple[int, ...]  # chalids
    series: tuple[int, ...]  # seriesids
    completed: bool
    published: date
    updated: date
    published_at: datetime
    updated_at: datetime
    read_count: int
    review_count: int
    score: int
    featured: bool
    retired: bool
    round_robin: bool
    story_notes: str
    validated: bool
    chapters: tuple[Chapter, ...] = field(repr=False)
    summary_stored_ncr: bool = False  # summary served as &#NNNN; instead of raw bytes

    @property
    def uid(self) -> int:
        return self.author_uids[0]

    @property
    def coauthor_uids(self) -> tuple[int, ...]:
        return self.author_uids[1:]

    @property
    def wordcount(self) -> int:
        return sum(c.wordcount for c in self.chapters)

    @property
    def members_only(self) -> bool:
        return bool(self.ratingwarning & 4)

    @property
    def gated(self) -> bool:
        """True when viewstory.php needs a warning/age consent/login first."""
        return bool(self.ratingwarning)

    @property
    def category_names(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.categories)

    def chapter(self, inorder: int) -> Chapter | None:
        if 1 <= inorder <= len(self.chapters):
            return self.chapters[inorder - 1]
        return None


# ---------------------------------------------------------------------------
# eFiction text helpers
# ---------------------------------------------------------------------------

_WORD_SEPARATORS = re.compile(rb"[^(\w|\d|\'|\"|\.|\!|\?|;|,|\\|\/|\-\-|:|\&|@)]+")
_TAGS = re.compile(rb"<[^>]*>")


def efiction_word_count(stored_text: str) -> int:
    """Word count exactly as eFiction 3.5 ``stories.php`` computes it.

    PHP: strip_tags, replace every run of characters outside
    ``[(\\w|\\d|'"".!?;,\\/-:&@)]`` with one space, trim, count(explode(" ")).
    It runs on the stored latin-1/cp1252 bytes, without the /u flag, so
    non-ASCII letters separate words ("Montréal" counts as two).
    """
    raw = stored_text.encode("cp1252", errors="xmlcharrefreplace")
    raw = _TAGS.sub(b"", raw)
    raw = _WORD_SEPARATORS.sub(b" ", raw)
    raw = raw.strip(b" \t\n\r\0\x0b")
    return len(raw.split(b" "))


def nl2br2(text: str) -> str:
    """eFiction 3.3+ ``nl2br2``: every line break becomes ``<br />`` (no newline kept)."""
    return text.replace("\r\n", "<br />").replace("\r", "<br />").replace("\n", "<br />")


def is_plain_text(stored: str) -> bool:
    """format_story() runs nl2br2 only when the text has none of these markers."""
    return "<br>" not in stored and "<p>" not in stored and "<br />" not in stored


# Letters that format_story() destroys (Mac-Roman "fix" in ISO mode); the sample
# never uses them so that the ground truth survives the round trip.
_LOSSY_LETTERS = set("ÉÐÑÒÓÔÕ")

# ---------------------------------------------------------------------------
# Prose generator (deterministic)
# ---------------------------------------------------------------------------

_SENTENCES = (
    "The lamp on the landing had been lit an hour before anyone thought to climb the stairs.",
    "Rain ran down the window in long, patient lines.",
    "She folded the letter twice and then, thinking better of it, unfolded it again.",
    "Nobody in the room was willing to be the first to speak.",
    "Somewhere below, a door opened and closed with great care.",
    "He had the look of a man who had rehearsed an apology and forgotten every word of it.",
    "The clock in the hall struck a quarter past, which was not what any of them had expected.",
    "Outside, the street was empty except for a cart and a very determined cat.",
    "The kettle had boiled dry while they argued about the map.",
    "It was, she reflected, the third time that week that a stranger had asked for her by name.",
    "The ink on the last page was still wet.",
    "A gust of wind set every candle in the chapel guttering at once.",
    "He laughed, and the sound surprised both of them.",
    "The garden gate had been painted green, then blue, then green again.",
    "They walked along the river without saying anything important.",
    "There were nine steps down to the cellar and she counted each one aloud.",
    "Morning came slowly, as if it had been asked to wait.",
    "The inspector wrote something in his notebook and underlined it twice.",
    "On the mantelpiece sat a row of small brass animals, all facing the door.",
    "She had always believed that good news travelled on foot and bad news by train.",
    "The fire settled with a sigh and threw a brief gold light across the ceiling.",
    "Every drawer in the desk had been emptied except the one that was locked.",
    "He put down his cup very gently, as though it might object.",
    "It had snowed in the night, and the world looked newly written.",
    "The handwriting was familiar, but the signature was not.",
    "A dog barked three streets away, and the whole town seemed to listen.",
    "She wanted very badly to be the sort of person who did not look back.",
    "The train was late, the station clock was later, and the porter blamed them both.",
    "By noon the fog had lifted, leaving the rooftops wet and shining.",
    "There is a particular silence to a library after closing, and she had always loved it.",
    "Nobody could say afterwards who had first noticed the smell of smoke.",
    "He turned the key, and the lock gave way with a groan of old iron.",
    "The tea had gone cold an hour ago; neither of them had noticed.",
    "Whatever she had expected to find in the box, it was not a single white feather.",
    "The lantern swung on its hook, and their shadows swung with it.",
    "It was a small house with a large opinion of itself.",
    "The answer, when it came, was shorter than the question.",
    "She kept the photograph in her coat pocket, where her fingers could find it in the dark.",
    "At the bottom of the stairs someone had left a pair of muddy boots and no explanation.",
    "The bells began again, and this time nobody pretended not to hear them.",
)

# Dialogue with typographic quotes (served as &#8220; etc. by format_story).
_DIALOGUE = (
    "\u201cYou\u2019re late,\u201d she said, not unkindly.",
    "\u201cI was never here,\u201d he answered \u2014 which was not quite an answer.",
    "\u201cTell me the truth,\u201d she said. \u201cJust once.\u201d",
    "\u201cIt\u2019s only the wind,\u201d said the landlady, who did not believe it either.",
    "\u201cWell\u2026\u201d He let the word trail away.",
    "\u2018Received with thanks\u2019 was all the note said.",
    "\u201cWe could wait until morning,\u201d he suggested. \u201cOr we could not.\u201d",
    "\u201cThat,\u201d said the inspector, \u201cis the second lie you\u2019ve told me tonight.\u201d",
)


def _prose(seed: str, paragraphs: int, *, dialogue: bool = True, per_par: tuple[int, int] = (3, 6)) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        n = rng.randint(*per_par)
        sents = [rng.choice(_SENTENCES) for _ in range(n)]
        if dialogue and rng.random() < 0.45:
            sents.insert(rng.randrange(len(sents) + 1), rng.choice(_DIALOGUE))
        out.append(" ".join(sents))
    return out


def _html_chapter(seed: str, paragraphs: int, *, dialogue: bool = True) -> str:
    pars = _prose(seed, paragraphs, dialogue=dialogue)
    rng = random.Random(seed + "/fmt")
    lines = []
    for i, p in enumerate(pars):
        if i and rng.random() < 0.12:
            lines.append("<hr />")
        if rng.random() < 0.15:
            first, _, rest = p.partition(" ")
            p = f"<i>{first}</i> {rest}"
        lines.append(f"<p>{p}</p>")
    return "\n".join(lines)


def _plain_chapter(seed: str, paragraphs: int) -> str:
    return "\r\n\r\n".join(_prose(seed, paragraphs))


# Hand-written chapters -------------------------------------------------------

_BASKERVILLE_1 = """<p align="center"><b>Part One: The Moor</b></p>
<p>\u201cYou\u2019re late,\u201d said Mrs. Hudson \u2014 which was, in fairness, <i>true</i>.</p>
<p>Holmes did not answer. He was reading the telegram the way other men read a verdict\u2026</p>
<blockquote>\u2018Come at once to Baskerville. The lamps have gone out again. \u2014 <em>H.</em>\u2019</blockquote>
<hr />
<p>It was a <u>short</u> message. It was the <strong>third</strong> of its kind that month.</p>
<p>\u201cWatson,\u201d he said at last, \u201cpack your revolver and a great deal of patience.\u201d</p>
<hr />
<p><i>To be continued\u2026</i></p>"""

_QUIET_LIBRARY_1 = (
    "The library opened at nine, but Zo\u00eb was always there by half past eight, "
    "waiting on the step with a flask of coffee and a paperback she never finished.\r\n"
    "\r\n"
    "\u201cYou could come in,\u201d said the caretaker, every single morning. "
    "\u201cNobody would mind.\u201d\r\n"
    "\r\n"
    "She never did. There was something about the last minutes before a door opens "
    "that she did not want to lose \u2014 the na\u00efve hope that today the shelves "
    "would hold something new.\r\n"
    "\r\n"
    "On the first Monday of December the door was already open."
)

_QUIET_LIBRARY_2 = """<p>Inside, the reading room smelled of radiators and old glue. A sign on the desk said <em>Back in five minutes</em>, in handwriting she did not recognise.</p>
<p>She found the note tucked into a copy of <i>Caf\u00e9 M\u00fcller: A History</i>, on the shelf where nobody ever looked. It was written in a careful, slanting hand, half in French and half in German: <i>d\u00e9j\u00e0 vu</i>, it said, and <i>\u00fcber alles, die Geduld</i>.</p>
<p>\u201cPatience above all,\u201d the caretaker translated, reading over her shoulder. \u201cSomebody\u2019s been waiting longer than you.\u201d</p>
<p>She laughed, and it echoed all the way up to the gallery.</p>"""

_CAFE_MULLER_1 = """<p>The caf\u00e9 on the corner of the Rue des Fl\u00e2neurs charged 3 \u20ac for a coffee and nothing at all for the view.</p>
<p>Ren\u00e9e had been coming for eleven years. Herr M\u00fcller, who owned it, had been pretending not to notice for ten of them.</p>
<p>\u201cThe usual?\u201d he asked, and she said yes, and that was the whole of their conversation until the night the lights went out.</p>"""

_CROSSING_3 = """<p>The Cheshire Cat had left a calling card on the mantelpiece. It was printed, rather grandly, in Greek: <i>\u03bb\u03cc\u03b3\u03bf\u03c2</i>.</p>
<p>\u201cWord,\u201d Holmes translated. \u201cOr reason. Or, if you are a cat, very possibly both.\u201d</p>
<p>Alice sat down on the hearthrug and waited for the grin to come back.</p>"""

_FRAGMENT_1 = """<p>A house on a hill, a light in one window, and nobody left to say who lit it.</p>"""

_DRABBLE_1 = """<p>The bell in the drowned church rings once a year, at the lowest tide.</p>
<p>Fishermen say it rings for the ones the sea kept. Their wives say it rings because the rope has rotted and the current swings it. The priest, who is old and tired and honest, says he does not know.</p>
<p>This year a girl rows out alone to listen. She hears it: one note, green and slow, rising through forty feet of water.</p>
<p>She rows home before dawn and tells no one. But every year after, on the lowest tide, there is a lantern on the water, and someone listening.</p>"""

_SONNET_1 = """<p>The frost has written on the window-glass<br />
A letter that the morning will not keep;<br />
Its careful lines are ferns, are stars, are grass,<br />
And all of them are melting while I sleep.</p>
<p>I read it once by candle, half awake,<br />
And thought I knew the hand that wrote it there \u2014<br />
The same slow hand that taught the winter lake<br />
To hold its breath, and hold the silver air.</p>"""

_SONNET_2 = """<p>So let the thaw come in, and let it take<br />
The ferns, the stars, the grass, the careful hand;<br />
I\u2019ll not pretend the loss is mine to make,<br />
Or that I ever fully understand.</p>
<p>The glass is clear. The letter is unsigned.<br />
I keep it still, the way one keeps a mind.</p>"""

_LOST_STORIES_1 = """<p>Every archive has its ghosts: stories that were posted once and then taken down, authors who changed their names, chapters promised and never written.</p>
<p>This is a short piece about them. It is featured no longer, but the ribbon is still red, and the shelf where it lived is still empty.</p>"""

# ---------------------------------------------------------------------------
# Static tables
# ---------------------------------------------------------------------------

SITE = Site(
    sitename="Willowmere Archive",
    slogan="Tales told by the fire",
    sitekey="wmarch",
    siteemail="keeper@example.invalid",
    dateformat="d/m/y",
    recentdays=7,
    items_per_page=10,
    now=datetime(2013, 3, 1, 12, 0, 0),
)

MEMBER_PENNAME = "archivist"
MEMBER_PASSWORD = "lantern-key"

_AUTHORS = (
    Author(1, "Lamplighter", "", "I keep the lamps lit and the archive running.", date(2005, 1, 2), level=1,
           ageconsent=True, email="keeper@example.invalid"),
    Author(2, "Quillfeather", "", "Short pieces, mostly. Occasionally a very short piece.", date(2005, 3, 14)),
    Author(3, "Marginalia", "M. Ashdown", "Regency enthusiast. Writes in the margins of other people\u2019s books.",
           date(2006, 2, 27)),
    Author(4, "Zo\u00eb Fairweather", "Zo\u00eb F.", "Caf\u00e9s, libraries and quiet people.", date(2006, 6, 16)),
    Author(5, "Hollis Crane", "", "Detective fiction, fog, and the occasional corpse.", date(2007, 9, 13)),
    Author(6, "tea_and_toast", "", "Down the rabbit hole since 2004.", date(2005, 11, 19)),
    Author(7, "Wren Abernethy", "", "Harbours, ledgers and lost things.", date(2008, 4, 21)),
    Author(8, "Cobalt Moth", "", "Poetry and the darker sort of romance.", date(2006, 10, 31)),
    Author(9, MEMBER_PENNAME, "", "Reader. Keeper of bookmarks.", date(2012, 8, 15), ageconsent=True,
           password=MEMBER_PASSWORD, email="archivist@example.invalid"),
)

_RATINGS = (
    Rating(1, "G", 0),
    Rating(2, "PG", 0),
    Rating(3, "PG-13", 0),
    Rating(4, "R", 1, "This story is rated R. It contains violence and strong language. Reader discretion is advised."),
    Rating(5, "NC-17", 2, "I am 18 or older and wish to read stories rated NC-17."),
    Rating(6, "Adult Only", 6, "This story is only available to registered members who are 18 or older."),
)

# Top level first (catids 1-5); then a nested tree under "Original Fiction": two children whose
# display order is not their catid order, and a grandchild (leveldown 2).  "Original Fiction"
# has stories of its own; "Fantasy" has none (its page: subcategories, then "No results found.",
# like the real browse_categories_catid1.html); "Science Fiction" and "Fairy Tales" have one each.
_CATEGORIES = (
    Category(1, "Sherlock Holmes", "Stories based on the Conan Doyle canon.", displayorder=1),
    Category(2, "Pride and Prejudice", "Regency romance and its discontents.", displayorder=2),
    Category(3, "Alice in Wonderland", "Down the rabbit hole and through the looking-glass.", displayorder=3),
    Category(4, "Original Fiction", "Original characters and settings.", displayorder=4),
    Category(5, "Poetry", "Verse of every kind.", displayorder=5),
    Category(6, "Science Fiction", "Rockets, clockwork and other futures.", parentcatid=4, leveldown=1,
             displayorder=2),
    Category(7, "Fantasy", "Magic, myth and invented kingdoms.", parentcatid=4, leveldown=1, displayorder=1),
    Category(8, "Fairy Tales", "Once upon a time, told again.", parentcatid=7, leveldown=2, displayorder=1),
)

_CHARACTERS = (
    Character(1, "Sherlock Holmes", 1),
    Character(2, "John Watson", 1),
    Character(3, "Mrs. Hudson", 1),
    Character(4, "Inspector Lestrade", 1),
    Character(5, "Elizabeth Bennet", 2),
    Character(6, "Fitzwilliam Darcy", 2),
    Character(7, "Jane Bennet", 2),
    Character(8, "Alice", 3),
    Character(9, "The Cheshire Cat", 3),
    Character(10, "The Mad Hatter", 3),
    Character(11, "Original Character", -1),
)

_CLASS_TYPES = (
    ClassType(1, "genres", "Genres"),
    ClassType(2, "warnings", "Warnings"),
    ClassType(3, "pairing", "Pairing"),
)

_CLASSES = (
    StoryClass(1, 1, "Romance"),
    StoryClass(2, 1, "Adventure"),
    StoryClass(3, 1, "Mystery"),
    StoryClass(4, 1, "Humor"),
    StoryClass(5, 1, "Drama"),
    StoryClass(6, 1, "Angst"),
    StoryClass(7, 1, "Fluff"),
    # A class that is literally called "None" (as on real sites): shown as a
    # link, unlike the plain-text "None" of a type with no value.
    StoryClass(8, 2, "None"),
    StoryClass(9, 2, "Violence"),
    StoryClass(10, 2, "Character Death"),
    StoryClass(11, 2, "Language"),
    StoryClass(12, 2, "Dark Themes"),
    StoryClass(13, 3, "Gen"),
    StoryClass(14, 3, "Het"),
    StoryClass(15, 3, "Slash"),
    StoryClass(16, 3, "Femslash"),
)

_CHALLENGES = (
    Challenge(1, "Midwinter Prompt: A Door Left Open", 1,
              "Write a story in which a door is left open on a winter night. Any rating, any length.",
              (1, 4), ()),
    Challenge(2, "Drabble Dare: One Hundred Words", 1,
              "Exactly one hundred words. No more, no fewer. (Titles don\u2019t count.)", (5,), ()),
)

_SERIES = (
    Series(1, "The Hatter\u2019s Almanac", 6,
           "Three mad tea parties, to be read in order: the first, the almanac, and the riddles.",
           (3, 4, 5), open=0, review_count=4),
    Series(2, "Letters from Longbourn", 3,
           "Elizabeth and Jane, in letters and out of them.", (2, 9), open=2, review_count=1),
    # A series holding another series (as viewseries_4_subseries.html in the reference install):
    # the almanac first, then a story of its own (its story number 1, its item 2).
    Series(3, "Wonderland Papers", 6,
           "Everything from the rabbit hole: the Almanac series, then the letters.",
           (20,), open=1, review_count=0, subseries=((0, 1),)),
    # Only a members-only story: guests find this series on browse.php?type=series alone.
    Series(4, "Ledgers", 7, "Accounts that do not balance.", (11,), open=0),
)

# ---------------------------------------------------------------------------
# Story specifications
# ---------------------------------------------------------------------------

_REVIEW_GUESTS = ("Guest", "Anonymous Fan", "winterreader", "L\u00e9a from Qu\u00e9bec", "spuffy4ever")
_REVIEW_TEXTS = (
    "I loved this chapter. The ending made me cry on the bus.",
    "Great characterisation \u2014 the dialogue is spot on.",
    "Please update soon! I need to know what happens next.",
    "The description of the fog was beautiful.",
    "Wow. Just wow.",
    "I wasn't sure about the premise, but you won me over.",
    "The pacing in this chapter was perfect.",
    "This is my favourite story on the archive.",
    "Such a <em>quiet</em> ending.<br />I keep thinking about it.",
)
_REVIEW_RESPONSES = (
    "Thank you so much! Hope the bus ride was okay.",
    "Merci! More soon, I promise.",
    "Thanks for reading all of it!",
)

_BASKERVILLE_TITLES = (
    "The Moor", "Fog", "Grimpen", "The Lamp in the Window", "Letters from the Hall", "The Hound",
    "A Walk at Night", "Stapleton", "The Butler\u2019s Account", "Mire", "Snow on the Tor", "The Convict",
    "Barrymore", "Midnight", "The Portrait", "Traps", "A Second Telegram", "The Lamps Go Out",
    "Thaw", "Baker Street Again", "Loose Ends", "Epilogue: Spring",
)


@dataclass
class _ChapterSpec:
    title: str
    source: str
    uid: int | None = None
    notes: str = ""
    end_notes: str = ""


@dataclass
class _StorySpec:
    sid: int
    title: str
    uids: tuple[int, ...]
    summary: str
    rid: int
    catids: tuple[int, ...]
    charids: tuple[int, ...]
    classids: tuple[int, ...]
    published: datetime
    updated: datetime
    read_count: int
    chapters: list[_ChapterSpec]
    completed: bool = True
    challenges: tuple[int, ...] = ()
    featured: bool = False
    retired: bool = False
    round_robin: bool = False
    story_notes: str = ""
    validated: bool = True
    summary_stored_ncr: bool = False


def _gen_chapters(sid: int, titles: Iterable[str], paragraphs: Iterable[int], **kw) -> list[_ChapterSpec]:
    return [
        _ChapterSpec(title, _html_chapter(f"sample/{sid}/{i}", n, **kw))
        for i, (title, n) in enumerate(zip(titles, paragraphs), start=1)
    ]


def _story_specs() -> list[_StorySpec]:
    dt = datetime
    specs: list[_StorySpec] = []

    # 1: 22 chapters, featured, story notes, chapter notes / end notes.
    b_pars = (4, 6, 5, 7, 4, 8, 5, 6, 3, 5, 7, 4, 6, 5, 8, 4, 6, 5, 7, 3, 5, 4)
    b_chapters = [_ChapterSpec(_BASKERVILLE_TITLES[0], _BASKERVILLE_1,
                               notes="Many thanks to <i>Marginalia</i> for the beta \u2014 all remaining errors are mine.")]
    b_chapters += _gen_chapters(1, _BASKERVILLE_TITLES[1:], b_pars[1:])
    b_chapters[2].end_notes = "The next chapter will be up next week."
    b_chapters[6].notes = "A short one, sorry! Real life intervened."
    b_chapters[11].notes = "Thank you for all the reviews."
    b_chapters[11].end_notes = "Only ten more to go\u2026"
    b_chapters[21].end_notes = "<b>The End.</b> Thank you for reading."
    specs.append(_StorySpec(
        1, "The Long Winter at Baskerville", (5,),
        "Three winters after the affair of the hound, the lamps of Baskerville Hall begin to go out one by one, "
        "and Holmes is summoned back to the moor \u2014 for twenty-two long nights.",
        3, (1,), (1, 2), (3, 2, 9, 13),
        dt(2008, 1, 14, 21, 4, 11), dt(2008, 11, 27, 19, 40, 2), 3412, b_chapters,
        featured=True, summary_stored_ncr=True,
        story_notes="Written for a long winter. Updated every Thursday, more or less.",
    ))

    # 2: cp1252 title (curly quotes + em dash), raw-byte summary, single chapter, series 2.
    specs.append(_StorySpec(
        2, "Elizabeth Says \u201cPerhaps\u201d \u2014 Again", (3,),
        "Mr. Collins proposes a second time. Elizabeth\u2019s answer is \u201cperhaps\u201d, which is worse.",
        1, (2,), (5,), (1, 4, 8, 14),
        dt(2009, 3, 21, 10, 15, 0), dt(2009, 3, 21, 10, 15, 0), 1288,
        _gen_chapters(2, ["Elizabeth Says \u201cPerhaps\u201d \u2014 Again"], [6]),
    ))

    # 3-5: series 1, in order.
    specs.append(_StorySpec(
        3, "Tea at Half Past Never", (6,),
        "The Hatter has stopped every clock in the house, and Alice would quite like to go home.",
        1, (3,), (8, 10), (4, 7, 8, 13),
        dt(2006, 5, 17, 16, 0, 5), dt(2006, 6, 2, 9, 30, 44), 2207,
        _gen_chapters(3, ["Half Past", "More Tea", "Never"], [4, 5, 4]),
    ))
    specs.append(_StorySpec(
        4, "The Almanac of Unbirthdays", (6,),
        "Three hundred and sixty-four days to celebrate, and the Hatter has written them all down.",
        2, (3,), (8, 9, 10), (4, 2, 8, 13),
        dt(2006, 9, 13, 14, 22, 0), dt(2006, 10, 28, 23, 1, 9), 1876,
        _gen_chapters(4, ["January to June", "July to December"], [6, 5]),
    ))
    specs.append(_StorySpec(
        5, "Riddles Without Ravens", (6,),
        "Why is a raven like a writing-desk? The Cat knows, and will not say.",
        2, (3,), (9, 10), (3, 4, 13),
        dt(2007, 2, 25, 8, 45, 30), dt(2007, 7, 19, 17, 12, 0), 1534,
        _gen_chapters(5, ["The First Riddle", "The Second Riddle", "A Writing-Desk", "Ravens"], [4, 4, 5, 3]),
        completed=False,
    ))

    # 6: co-authored, challenge 1, story notes.
    specs.append(_StorySpec(
        6, "Salt and Lantern Oil", (7, 8),
        "A harbour town, a lighthouse that keeps going dark, and two keepers who cannot stand each other.",
        3, (4,), (11,), (2, 5, 11),
        dt(2010, 11, 22, 20, 0, 0), dt(2011, 1, 30, 11, 11, 11), 980,
        _gen_chapters(6, ["The Harbour", "The Lamp Room", "Storm Warning", "Open Door"], [5, 6, 4, 5]),
        challenges=(1,),
        story_notes="Written together over one very long winter: Wren wrote the odd chapters, Cobalt Moth the even ones.",
    ))

    # 7: round robin, chapters by different authors.
    rr = _gen_chapters(7, ["Kindling", "Sparks", "The Kettle", "Embers", "Banked Fire"], [4, 5, 4, 6, 3])
    for ch, uid in zip(rr, (1, 2, 4, 6, 8)):
        ch.uid = uid
    rr[2].notes = "My turn! I hope I kept the kettle consistent."
    specs.append(_StorySpec(
        7, "Round the Hearth", (1,),
        "A round robin: each chapter is written by a different member. Pull up a chair and add one!",
        2, (4,), (11,), (4, 2, 8, 13),
        dt(2009, 10, 15, 18, 30, 0), dt(2010, 4, 26, 22, 5, 17), 2650, rr,
        completed=False, round_robin=True,
    ))

    # 8: R, warning gate.
    specs.append(_StorySpec(
        8, "Blood on the Cobbles", (5,),
        "A murder in Whitechapel that Lestrade would rather not solve, and Holmes will not leave alone.",
        4, (1,), (1, 2, 4), (3, 5, 9, 10, 13),
        dt(2007, 11, 30, 23, 59, 1), dt(2008, 1, 5, 7, 20, 0), 1995,
        _gen_chapters(8, ["Whitechapel", "The Second Body", "Confession"], [5, 6, 5]),
        story_notes="Contains a violent death and its aftermath.",
    ))

    # 9: series 2, second story.
    specs.append(_StorySpec(
        9, "The Netherfield Letters", (3,),
        "Jane writes to Elizabeth from Netherfield. Elizabeth reads between the lines.",
        2, (2,), (5, 7), (5, 1, 8, 14),
        dt(2009, 6, 14, 12, 0, 0), dt(2009, 8, 23, 15, 45, 0), 1120,
        _gen_chapters(9, ["From Jane", "From Elizabeth"], [5, 5]),
    ))

    # 10: NC-17, age-consent gate.
    specs.append(_StorySpec(
        10, "Nightshade and Velvet", (8,),
        "Two rival perfumers, one locked greenhouse, and a very long night.",
        5, (4,), (11,), (1, 6, 12, 15),
        dt(2011, 4, 16, 1, 2, 3), dt(2011, 5, 29, 4, 5, 6), 1402,
        _gen_chapters(10, ["The Greenhouse", "Morning"], [6, 4]),
    ))

    # 11: Adult Only, members only.
    specs.append(_StorySpec(
        11, "The Locked Ledger", (7,),
        "Mrs. Hudson keeps the household accounts. One page of them is locked away. Members only.",
        6, (1,), (1, 3), (3, 12, 11, 13),
        dt(2012, 2, 18, 9, 9, 9), dt(2012, 3, 31, 10, 10, 10), 611,
        _gen_chapters(11, ["Debits", "Credits"], [5, 4]),
    ))

    # 12: no optional fields at all.
    specs.append(_StorySpec(
        12, "Fragment", (2,), "", 1, (), (), (),
        dt(2005, 7, 21, 13, 14, 15), dt(2005, 7, 21, 13, 14, 15), 204,
        [_ChapterSpec("Fragment", _FRAGMENT_1)],
        completed=False,
    ))

    # 13: plain-text chapter + HTML chapter with accented Latin.
    specs.append(_StorySpec(
        13, "The Quiet Library", (4,),
        "Every morning Zo\u00eb waits outside the library. One morning the door is already open.",
        1, (4,), (11,), (5, 8, 16),
        dt(2010, 2, 13, 8, 30, 0), dt(2010, 3, 17, 8, 30, 0), 1733,
        [
            _ChapterSpec("The Step", _QUIET_LIBRARY_1,
                         end_notes="This chapter was posted as plain text \u2014 no formatting at all."),
            _ChapterSpec("The Note", _QUIET_LIBRARY_2,
                         notes="For everyone who has ever found a note in a library book."),
        ],
    ))

    # 14: challenge 2 response, drabble-ish.
    specs.append(_StorySpec(
        14, "A Drabble for the Drowned Bell", (2,),
        "Once a year, at the lowest tide, the bell of the drowned church rings.",
        2, (5,), (11,), (6, 10, 13),
        dt(2011, 8, 19, 6, 0, 0), dt(2011, 8, 19, 6, 0, 0), 2044,
        [_ChapterSpec("The Drowned Bell", _DRABBLE_1)],
        challenges=(2,),
    ))

    # 15: retired (past featured).
    specs.append(_StorySpec(
        15, "Lost Stories of the Archive", (1,),
        "A short piece by the archive keeper about the stories that got away.",
        1, (4,), (11,), (5, 8),
        dt(2005, 1, 26, 12, 0, 0), dt(2005, 1, 26, 12, 0, 0), 3877,
        [_ChapterSpec("Ghosts on the Shelf", _LOST_STORIES_1)],
        retired=True,
    ))

    # 16: accented title (raw é/ü bytes), euro sign in the text.
    cafe = [_ChapterSpec("Lights Out", _CAFE_MULLER_1)]
    cafe += _gen_chapters(16, ["Candles", "The Bill"], [5, 4])
    cafe[0].end_notes = "Yes, the caf\u00e9 is real. No, I won\u2019t tell you where."
    specs.append(_StorySpec(
        16, "Caf\u00e9 M\u00fcller at Midnight", (4,),
        "Ren\u00e9e has drunk her coffee at Herr M\u00fcller\u2019s caf\u00e9 for eleven years. Tonight the lights go out.",
        3, (4,), (11,), (1, 5, 11, 14),
        dt(2012, 5, 25, 22, 0, 0), dt(2012, 9, 14, 21, 30, 0), 1560, cafe,
    ))

    specs.append(_StorySpec(
        17, "Mrs. Hudson Takes a Lodger", (2,),
        "Before Holmes, there was another lodger at 221B. Mrs. Hudson would rather not talk about him.",
        1, (1,), (3, 1), (4, 8, 13),
        dt(2008, 3, 29, 10, 0, 0), dt(2008, 4, 15, 10, 0, 0), 1311,
        _gen_chapters(17, ["The Advertisement", "The Previous Tenant"], [4, 5]),
    ))

    specs.append(_StorySpec(
        18, "Darcy's Umbrella", (3,),
        "It rains at Pemberley. Mr. Darcy owns exactly one umbrella.",
        1, (2,), (6, 5), (7, 1, 8, 14),
        dt(2010, 7, 31, 14, 0, 0), dt(2010, 7, 31, 14, 0, 0), 2980,
        _gen_chapters(18, ["Darcy's Umbrella"], [5]),
    ))

    # 19: awaiting validation (not listed, "Access denied").
    specs.append(_StorySpec(
        19, "Unfinished Business", (5,),
        "Work in progress; awaiting validation.",
        2, (1,), (1,), (3, 8, 13),
        dt(2013, 1, 20, 12, 0, 0), dt(2013, 1, 20, 12, 0, 0), 0,
        _gen_chapters(19, ["Draft"], [3]),
        completed=False, validated=False,
    ))

    specs.append(_StorySpec(
        20, "The Cheshire Correspondence", (6,),
        "The Cat has taken up letter-writing. Alice receives the letters. Nobody sends them.",
        2, (3,), (9, 8), (4, 3, 8, 13),
        dt(2012, 10, 13, 16, 0, 0), dt(2013, 2, 26, 20, 15, 0), 845,
        _gen_chapters(20, ["The First Letter", "A Grin by Post", "Return to Sender"], [4, 5, 4]),
        completed=False, challenges=(1,),
    ))

    # 21: crossover with two categories; a chapter with non-cp1252 text (NCR-only).
    cross = _gen_chapters(21, ["A Hole in Baker Street", "Tea with a Hatter"], [5, 5])
    cross.append(_ChapterSpec("The Calling Card", _CROSSING_3))
    specs.append(_StorySpec(
        21, "Crossing at Baker Street", (4,),
        "Alice falls down a rabbit hole and lands in 221B. Holmes is not amused.",
        2, (1, 3), (1, 8), (2, 4, 8, 13),
        dt(2011, 11, 23, 19, 0, 0), dt(2012, 1, 18, 9, 0, 0), 1702, cross,
    ))

    specs.append(_StorySpec(
        22, "Winter Sonnets", (8,),
        "Two sonnets about frost, and the hand that writes it.",
        1, (5,), (11,), (6, 5, 8),
        dt(2006, 12, 16, 23, 0, 0), dt(2007, 1, 27, 23, 0, 0), 990,
        [_ChapterSpec("Frost", _SONNET_1), _ChapterSpec("Thaw", _SONNET_2)],
    ))

    # (sid 23 does not exist: a deleted story)

    specs.append(_StorySpec(
        24, "Lestrade's Bad Week", (5,),
        "Monday: a stolen goose. Tuesday: a missing bishop. Wednesday: Holmes.",
        3, (1,), (4, 1), (4, 3, 11, 13),
        dt(2009, 12, 19, 9, 0, 0), dt(2010, 1, 23, 18, 0, 0), 1433,
        _gen_chapters(24, ["Monday", "Tuesday", "Wednesday"], [4, 4, 5]),
    ))

    # 25: in a grandchild category (Original Fiction > Fantasy > Fairy Tales).
    specs.append(_StorySpec(
        25, "Under the Orchard Lamps", (7,),
        "Every autumn the orchard lamps are lit for the ones who did not come home.",
        2, (8,), (11,), (1, 7, 8, 14),
        dt(2008, 9, 28, 20, 0, 0), dt(2008, 10, 30, 20, 0, 0), 1218,
        _gen_chapters(25, ["Lighting the Lamps", "The Last Lamp"], [5, 4]),
    ))

    specs.append(_StorySpec(
        26, "Jane Bennet's Quiet Rebellion", (3,),
        "Jane is always agreeable. This summer, she decides not to be.",
        2, (2,), (7, 5), (5, 8, 14),
        dt(2011, 5, 15, 11, 0, 0), dt(2011, 6, 17, 11, 0, 0), 1077,
        _gen_chapters(26, ["Agreeable", "Disagreeable"], [5, 5]),
    ))

    # 27: title starting with a digit (alphabet "Other"); in a child category
    # (Original Fiction > Science Fiction).
    specs.append(_StorySpec(
        27, "1895: Seven Clocks", (2,),
        "Seven clocks in one shop, all telling a different time. The owner insists they are all correct.",
        2, (6,), (11,), (3, 8, 13),
        dt(2012, 11, 24, 15, 0, 0), dt(2012, 11, 24, 15, 0, 0), 655,
        _gen_chapters(27, ["Seven Clocks"], [6]),
    ))
    return specs

# ---------------------------------------------------------------------------
# Archive
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewChapter:
    """A chapter to post with :meth:`Archive.add_story` (``chapters=``) or :meth:`Archive.add_chapter`.

    ``text`` is what the author typed into the form (it becomes ``Chapter.source``); a
    text without ``<p>``/``<br>`` is plain text and is shown through ``nl2br``.
    """

    title: str
    text: str
    notes: str = ""
    end_notes: str = ""
    uid: int | None = None  # the chapter's own author (round robins); default: the story's author


def sort_by_update(stories: Iterable[Story]) -> list[Story]:
    """``ORDER BY updated DESC``; equal dates by title, then sid (``sort=update``, RSS, "Most Recent")."""
    out = sorted(stories, key=lambda s: (s.title.casefold(), s.sid))
    out.sort(key=lambda s: s.updated_at, reverse=True)  # stable: ties keep the title order
    return out


def sort_by_title(stories: Iterable[Story]) -> list[Story]:
    """``ORDER BY title`` (MySQL's case-insensitive collation), then sid."""
    return sorted(stories, key=lambda s: (s.title.casefold(), s.sid))


class Archive:
    """The whole sample archive (ground truth).

    * ``Archive()`` is the hand-written sample; the module-level :data:`ARCHIVE` is one and
      is *frozen* (its mutation methods raise ``TypeError``): other tests compare against it.
    * :meth:`generated` builds a large deterministic archive (``Archive.generated(1000)``).
    * :meth:`copy` gives an independent, mutable copy.  ``SampleArchive(archive=a)`` serves
      ``a`` live: what the mutation methods change is on every page at the next request, and
      the ground-truth accessors (:meth:`story`, :meth:`public_stories`, ...) follow too.

    Mutations model what eFiction 3.5 (``stories.php``, ``includes/deletefunctions.php``) does
    to the database; the date rules are documented on each method.  Time is the archive's
    clock :attr:`now` (settable, :meth:`advance`); nothing reads the wall clock.  Records stay
    immutable: a mutation replaces a ``Story``/``Chapter``/``Series`` by a new one, so a
    ``Story`` fetched before a change is a snapshot of how it was.  Every mutation increments
    :attr:`version` (renderers and the server key their caches on it).
    """

    def __init__(self) -> None:
        self._init_tables(SITE, _AUTHORS, _RATINGS, _CATEGORIES, _CHARACTERS, _CLASS_TYPES, _CLASSES,
                          _CHALLENGES, _SERIES)
        self.stories = self._build_stories(_story_specs())
        self._finish()

    # -- construction -----------------------------------------------------

    def _init_tables(self, site: Site, authors: Iterable[Author], ratings: Iterable[Rating],
                     categories: Iterable[Category], characters: Iterable[Character],
                     class_types: Iterable[ClassType], classes: Iterable[StoryClass],
                     challenges: Iterable[Challenge], series: Iterable[Series]) -> None:
        self.site = site
        self.authors: dict[int, Author] = {a.uid: a for a in authors}
        self.ratings: dict[int, Rating] = {r.rid: r for r in ratings}
        self.categories: dict[int, Category] = {c.catid: c for c in categories}
        self.characters: dict[int, Character] = {c.charid: c for c in characters}
        self.class_types: dict[int, ClassType] = {t.type_id: t for t in class_types}
        self.classes: dict[int, StoryClass] = {c.classid: c for c in classes}
        self.challenges: dict[int, Challenge] = {c.chalid: c for c in challenges}
        self.series: dict[int, Series] = {s.seriesid: s for s in series}
        self.stories: dict[int, Story] = {}
        self.version = 0
        self._frozen = False
        self._lock = threading.RLock()
        self._derived: dict[str, object] = {}
        self._review_clock = site.now  # reviews are dated before it, whatever the clock does later
        # Deleted stories, kept so that restore_story() can put them back:
        # sid -> (story, ((seriesid, position in series), ...)).
        self._removed: dict[int, tuple[Story, tuple[tuple[int, int], ...]]] = {}

    def _finish(self) -> None:
        self._chapters: dict[int, Chapter] = {c.chapid: c for s in self.stories.values() for c in s.chapters}
        # AUTO_INCREMENT: ids of deleted rows are never reused.
        self._next_sid = max(self.stories, default=0) + 1
        self._next_chapid = max(self._chapters, default=100) + 1
        self._validate()

    def _build_stories(self, specs: list[_StorySpec]) -> dict[int, Story]:
        # chapids follow posting order (by publication time), not sid order.
        order = sorted(specs, key=lambda s: (s.published, s.sid))
        chapids: dict[tuple[int, int], int] = {}
        next_chapid = 101
        for spec in order:
            for inorder in range(1, len(spec.chapters) + 1):
                chapids[(spec.sid, inorder)] = next_chapid
                next_chapid += 1
        series_of: dict[int, list[int]] = {}
        for s in self.series.values():
            for sid in s.sids:
                series_of.setdefault(sid, []).append(s.seriesid)

        stories: dict[int, Story] = {}
        for spec in sorted(specs, key=lambda s: s.sid):
            rng = random.Random(f"sample/reviews/{spec.sid}")
            chapters = []
            for inorder, cs in enumerate(spec.chapters, start=1):
                reviews = rng.choice((0, 0, 0, 1, 1, 2, 3))
                chapters.append(_make_chapter(
                    chapids[(spec.sid, inorder)], spec.sid, inorder,
                    NewChapter(cs.title, cs.source, cs.notes, cs.end_notes, cs.uid), spec.uids[0],
                    review_count=reviews, score=rng.choice((6, 7, 8, 9, 10)) if reviews else 0,
                ))
            stories[spec.sid] = _with_chapters(Story(
                sid=spec.sid,
                title=spec.title,
                author_uids=spec.uids,
                summary=spec.summary,
                **self._story_fields(spec.rid, spec.catids, spec.charids, spec.classids),
                challenges=spec.challenges,
                series=tuple(series_of.get(spec.sid, ())),
                completed=spec.completed,
                published=spec.published.date(),
                updated=spec.updated.date(),
                published_at=spec.published,
                updated_at=spec.updated,
                read_count=spec.read_count,
                review_count=0,
                score=0,
                featured=spec.featured,
                retired=spec.retired,
                round_robin=spec.round_robin,
                story_notes=spec.story_notes,
                validated=spec.validated,
                chapters=(),
                summary_stored_ncr=spec.summary_stored_ncr,
            ), chapters)
        return stories

    def _story_fields(self, rid: int, catids: Iterable[int], charids: Iterable[int],
                      classids: Iterable[int]) -> dict[str, object]:
        """The Story fields derived from rating, category, character and class ids."""
        rating = self.ratings[rid]
        catids, charids, classids = tuple(catids), tuple(charids), tuple(classids)
        for c in catids:
            if c not in self.categories:
                raise KeyError(f"no category {c}")
        for c in charids:
            if c not in self.characters:
                raise KeyError(f"no character {c}")
        for c in classids:
            if c not in self.classes:
                raise KeyError(f"no class {c}")
        classes = {
            t.title: tuple(self.classes[c].name for c in classids if self.classes[c].type_id == t.type_id)
            for t in self.class_types.values()
        }
        return dict(
            rid=rid,
            rating=rating.name,
            ratingwarning=rating.ratingwarning,
            categories=tuple((c, self.categories[c].name) for c in catids),
            characters=tuple(self.characters[c].name for c in charids),
            character_ids=charids,
            classes=MappingProxyType(classes),
            class_ids=classids,
        )

    def _validate(self) -> None:
        orders = set()
        for c in self.categories.values():  # a tree: parents exist, depths match, sibling orders differ
            parent = self.categories.get(c.parentcatid)
            assert c.parentcatid == -1 or parent is not None, c
            assert c.leveldown == (0 if parent is None else parent.leveldown + 1), c
            assert (c.parentcatid, c.displayorder) not in orders, c
            orders.add((c.parentcatid, c.displayorder))
        seen_updates = set()
        for s in self.stories.values():
            assert s.published_at <= s.updated_at, s.sid
            assert s.updated_at not in seen_updates, s.sid
            seen_updates.add(s.updated_at)
            _check_story_text(s.title, s.summary, s.story_notes)
            for u in s.author_uids:
                assert u in self.authors, (s.sid, u)
            for c in s.chapters:
                _check_chapter_text(c.title, c.source, c.notes, c.end_notes)
        for a in self.authors.values():
            a.penname.encode("cp1252")

    # -- copies, clock, versions -------------------------------------------------

    def copy(self) -> "Archive":
        """An independent, mutable copy (records are immutable and shared; every table is new)."""
        with self._lock:
            new = object.__new__(type(self))
            new.__dict__.update(self.__dict__)
            for name in ("authors", "ratings", "categories", "characters", "class_types", "classes",
                         "challenges", "series", "stories", "_chapters", "_removed"):
                setattr(new, name, dict(getattr(self, name)))
            new._lock = threading.RLock()
            new._derived = {}
            new._frozen = False
            new.version = 0
            return new

    def freeze(self) -> "Archive":
        """Make the mutation methods raise ``TypeError`` from now on (used for :data:`ARCHIVE`)."""
        self._frozen = True
        return self

    @property
    def frozen(self) -> bool:
        return self._frozen

    @property
    def now(self) -> datetime:
        """The archive's clock: stamps new stories/chapters, drives "New!", ``type=recent`` and RSS.

        Assign a ``datetime`` or a ``date`` (a date means 12:00:00 that day, server time).
        """
        return self.site.now

    @now.setter
    def now(self, when: date | datetime) -> None:
        self._check_mutable()
        if not isinstance(when, datetime):
            when = datetime.combine(when, time(12, 0, 0))
        with self._lock:
            self.site = replace(self.site, now=when.replace(microsecond=0))
            self._touch()

    def advance(self, days: float = 1, *, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
        """Move :attr:`now` forward; returns the new time."""
        self.now = self.now + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        return self.now

    def fingerprint(self) -> str:
        """A digest of the whole content (stories with their chapters, series, authors, clock)."""
        h = hashlib.sha256()
        h.update(repr(self.site).encode())
        for table in (self.authors, self.series, self.ratings, self.categories, self.characters,
                      self.class_types, self.classes, self.challenges):
            for k in sorted(table):
                h.update(repr(table[k]).encode())
        for sid in sorted(self.stories):
            s = self.stories[sid]
            h.update(repr((s, dict(s.classes))).encode())
            for c in s.chapters:
                h.update(repr(c).encode())
        h.update(repr(sorted(self._removed)).encode())
        return h.hexdigest()

    def _check_mutable(self) -> None:
        if self._frozen:
            raise TypeError("this Archive is frozen (the module's ARCHIVE is shared ground truth); "
                            "mutate a copy: ARCHIVE.copy()")

    def _touch(self) -> None:
        # After the change itself: a reader that saw the new version also sees the new data.
        self._derived = {}
        self.version += 1

    def _cached(self, name: str, build):  # noqa: ANN001 - small internal helper
        d = self._derived
        try:
            return d[name]
        except KeyError:
            v = d[name] = build()
            return v

    # -- reviews ----------------------------------------------------------

    def _build_reviews(self) -> dict[int, Review]:
        """Every review, derived from the chapters' and series' review counts (so nothing else
        changes): deterministic per chapter, stable across mutations of other chapters.  Ids:
        ``chapid * 10 + k`` for a chapter's k-th review, ``100000 + seriesid * 10 + k`` for a
        series'.  A few reviews have no rating, some are by guests, some have an author's
        response; every fifth story with reviews also has one rating-only review (hidden, and not
        counted, as eFiction 3.5 does)."""
        clock = getattr(self, "_review_clock", self.site.now)
        members = sorted(self.authors)
        out: dict[int, Review] = {}

        def one(reviewid: int, type_: str, item: int, chapid: int, seed: str, start: datetime,
                rating_only: bool = False) -> Review:
            rng = random.Random(seed)
            guest = rng.random() < 0.35 or not members
            uid = 0 if guest else rng.choice(members)
            name = rng.choice(_REVIEW_GUESTS) if guest else self.authors[uid].penname
            when = min(start + timedelta(days=rng.randint(0, 300), minutes=rng.randint(0, 1439)), max(start, clock))
            rating = -1 if rng.random() < 0.2 else rng.randint(5, 10)
            if rating_only:
                return Review(reviewid, type_, item, chapid, name, uid, "No Review", "", rng.randint(5, 10),
                              when.replace(second=0))
            respond = rng.choice(_REVIEW_RESPONSES) if rng.random() < 0.25 else ""
            return Review(reviewid, type_, item, chapid, name, uid, f"<p>{rng.choice(_REVIEW_TEXTS)}</p>",
                          respond, rating, when.replace(second=0))

        for story in self.stories.values():
            for c in story.chapters:
                for k in range(c.review_count):
                    rid = c.chapid * 10 + k
                    out[rid] = one(rid, "ST", story.sid, c.chapid, f"sample/review/{c.chapid}/{k}", story.published_at)
            if story.review_count and story.sid % 5 == 0:
                c = story.chapters[0]
                rid = c.chapid * 10 + 9
                out[rid] = one(rid, "ST", story.sid, c.chapid, f"sample/review/{c.chapid}/rating", story.published_at,
                               rating_only=True)
        for series in self.series.values():
            first = min((self.stories[s].published_at for s in series.sids if s in self.stories), default=clock)
            for k in range(series.review_count):
                rid = 100000 + series.seriesid * 10 + k
                out[rid] = one(rid, "SE", series.seriesid, 0, f"sample/review/series/{series.seriesid}/{k}", first)
        return out

    def all_reviews(self) -> dict[int, Review]:
        """reviewid -> review, every review of every story and series (rating-only ones too)."""
        return self._cached("reviews", self._build_reviews)

    def reviews_of(self, type_: str, item: int, *, shown: bool = True) -> list[Review]:
        """An item's reviews, newest id first; ``shown``: only what reviews.php shows (eFiction 3.5
        hides rating-only reviews).  A series' page also shows its stories' reviews: see
        :meth:`series_page_reviews`."""
        return sorted((r for r in self.all_reviews().values() if r.type == type_ and r.item == item
                       and not (shown and r.rating_only)), key=lambda r: -r.reviewid)

    def series_page_reviews(self, seriesid: int) -> list[Review]:
        """What ``reviews.php?type=SE&item=N`` lists: the series' reviews and its stories'."""
        series = self.series.get(seriesid)
        sids = set(series.sids) if series else set()
        return sorted((r for r in self.all_reviews().values() if not r.rating_only and (
            (r.type == "SE" and r.item == seriesid) or (r.type == "ST" and r.item in sids))),
            key=lambda r: -r.reviewid)

    # -- lookups ----------------------------------------------------------

    def story(self, sid: int) -> Story | None:
        return self.stories.get(sid)

    def chapter(self, chapid: int) -> Chapter | None:
        return self._chapters.get(chapid)

    def author(self, uid: int) -> Author | None:
        return self.authors.get(uid)

    def rating(self, rid: int) -> Rating:
        return self.ratings[rid]

    def member_by_penname(self, penname: str) -> Author | None:
        for a in self.authors.values():
            if a.penname.lower() == penname.lower():
                return a
        return None

    # -- story sets ---------------------------------------------------------

    def _listed(self) -> tuple[Story, ...]:
        return self._cached("listed", lambda: tuple(
            s for s in sorted(self.stories.values(), key=lambda s: s.sid) if s.validated))

    def listed_stories(self) -> list[Story]:
        """Validated stories: every one appears in browse.php listings (gated ones too)."""
        return list(self._listed())

    # -- the category tree ---------------------------------------------------------

    def subcategories(self, catid: int = -1) -> list[Category]:
        """The categories directly under ``catid`` (-1: the top level) in the order
        ``browse.php?type=categories`` lists them (``ORDER BY displayorder``)."""
        return sorted((c for c in self.categories.values() if c.parentcatid == catid),
                      key=lambda c: (c.displayorder, c.catid))

    def category_tree(self, catid: int) -> list[int]:
        """``catid`` and every category below it, at any depth (eFiction's ``recurseCategories``:
        what ``browse.php?catid=N`` matches for every type but ``categories``)."""
        out = [catid]
        for c in self.subcategories(catid):
            out += self.category_tree(c.catid)
        return out

    def category_count(self, catid: int) -> int:
        """The story count shown as "[N]" (``numitems``): validated stories filed in the category
        or in any category below it, each story once.  That is what Admin > Archive Maintenance >
        category counts stores (``admin/maintenance.php``), and the real pages show it: a parent's
        count includes its subcategories' stories, though its own page lists only the stories
        filed in it.  Not modelled (the sample's content never shows them): the increments done
        when a story is posted (``categoryitems``), which count a story filed in a category and
        in one of its subcategories twice until the next recount, and the recount SQL's missing
        parentheses (``… OR FIND_IN_SET(last, catid) AND validated > 0``), which also count a
        parent's unvalidated stories filed in it or in any subcategory but the last one."""
        tree = set(self.category_tree(catid))
        return sum(1 for s in self._listed() if any(c in tree for c, _ in s.categories))

    def public_stories(self) -> list[Story]:
        """Listed stories readable without logging in (warning/age gates are passable)."""
        return [s for s in self._listed() if not s.members_only]

    def restricted_stories(self) -> list[Story]:
        """Listed stories that need a member login (rating with the 'registered users only' bit)."""
        return [s for s in self._listed() if s.members_only]

    def unvalidated_stories(self) -> list[Story]:
        return [s for s in sorted(self.stories.values(), key=lambda s: s.sid) if not s.validated]

    def removed_sids(self) -> tuple[int, ...]:
        """sids deleted with :meth:`remove_story` (and not restored)."""
        return tuple(sorted(self._removed))

    def stories_by(self, uid: int) -> list[Story]:
        """Listed stories where uid is the author or a co-author (chapter-only RR authors excluded)."""
        def build() -> dict[int, tuple[Story, ...]]:
            idx: dict[int, list[Story]] = {}
            for s in self._listed():
                for u in s.author_uids:
                    idx.setdefault(u, []).append(s)
            return {u: tuple(v) for u, v in idx.items()}
        return list(self._cached("by_author", build).get(uid, ()))

    @property
    def author_uids_with_stories(self) -> tuple[int, ...]:
        return self._cached("author_uids", lambda: tuple(sorted({u for s in self._listed() for u in s.author_uids})))

    def series_of_story(self, sid: int) -> list[Series]:
        def build() -> dict[int, tuple[Series, ...]]:
            idx: dict[int, list[Series]] = {}
            for s in self.series.values():
                for x in s.sids:
                    idx.setdefault(x, []).append(s)
            return {k: tuple(v) for k, v in idx.items()}
        return list(self._cached("series_of", build).get(sid, ()))

    def parent_series(self, seriesid: int) -> Series | None:
        """The series that holds *seriesid* as a sub-series, if any."""
        return next((s for s in self.series.values() if any(c == seriesid for _, c in s.subseries)), None)

    def by_update(self) -> list[Story]:
        """Listed stories as ``browse.php?type=titles&sort=update`` lists them."""
        return list(self._cached("by_update", lambda: tuple(sort_by_update(self._listed()))))

    def by_title(self) -> list[Story]:
        """Listed stories as ``browse.php?type=titles`` lists them (A-Z)."""
        return list(self._cached("by_title", lambda: tuple(sort_by_title(self._listed()))))

    @property
    def missing_sids(self) -> tuple[int, ...]:
        """sids inside the used range that do not exist at all (deleted stories)."""
        top = max(self.stories)
        return tuple(i for i in range(1, top + 1) if i not in self.stories)

    # -- mutations (eFiction 3.5 semantics) ------------------------------------------

    def _require(self, sid: int) -> Story:
        story = self.stories.get(sid)
        if story is None:
            raise KeyError(f"no story {sid}" + (" (deleted)" if sid in self._removed else ""))
        return story

    def _put(self, story: Story) -> Story:
        old = self.stories.get(story.sid)
        if old is not None:
            for c in old.chapters:
                self._chapters.pop(c.chapid, None)
        self.stories[story.sid] = story
        for c in story.chapters:
            self._chapters[c.chapid] = c
        return story

    def _new_chapid(self) -> int:
        chapid = self._next_chapid
        self._next_chapid += 1
        return chapid

    def _chapter_input(self, c: NewChapter | tuple[str, str] | str, default_title: str) -> NewChapter:
        if isinstance(c, NewChapter):
            return c
        if isinstance(c, str):
            return NewChapter(default_title, c)
        title, text = c
        return NewChapter(title, text)

    def add_story(
        self,
        title: str,
        chapters: Iterable[NewChapter | tuple[str, str] | str] | None = None,
        *,
        uid: int = 2,
        coauthors: Iterable[int] = (),
        summary: str = "",
        rid: int = 1,
        catids: Iterable[int] = (4,),
        charids: Iterable[int] = (),
        classids: Iterable[int] = (),
        completed: bool = False,
        story_notes: str = "",
        challenges: Iterable[int] = (),
        series: Iterable[int] = (),
        featured: bool = False,
        round_robin: bool = False,
        validated: bool = True,
        read_count: int = 0,
        summary_stored_ncr: bool = True,
    ) -> Story:
        """Post a new story (``stories.php?action=newstory``, then one ``newchapter`` per extra chapter).

        It gets the next sid (AUTO_INCREMENT: deleted sids are not reused) and new chapids;
        ``published`` = ``updated`` = :attr:`now`; no reviews; read count ``read_count`` (0).
        ``chapters``: :class:`NewChapter`, ``(title, text)`` pairs or bare texts (a bare text
        is titled like eFiction does with an empty chapter title: the story title for the
        first chapter; "Chapter N" after that); ``None`` posts one generated chapter.
        ``summary_stored_ncr``: saved through the form, so ``format_story()`` ran on it (the
        cp1252 punctuation is served as ``&#8220;``...), as eFiction does for new stories.
        ``validated=False`` is a story awaiting validation (``Access denied``, not listed).
        """
        self._check_mutable()
        with self._lock:
            sid = self._next_sid
            if chapters is None:
                chapters = [NewChapter(title, _html_chapter(f"added/{sid}/1", 4))]
            inputs = [self._chapter_input(c, title if i == 1 else f"Chapter {i}")
                      for i, c in enumerate(chapters, start=1)]
            if not inputs:
                raise ValueError("a story needs at least one chapter")
            authors = (uid, *[c for c in coauthors if c != uid])
            for u in authors + tuple(c.uid for c in inputs if c.uid is not None):
                if u not in self.authors:
                    raise KeyError(f"no member {u}")
            for c in challenges:
                if c not in self.challenges:
                    raise KeyError(f"no challenge {c}")
            for sr in series:
                if sr not in self.series:
                    raise KeyError(f"no series {sr}")
            _check_story_text(title, summary, story_notes)
            fields = self._story_fields(rid, catids, charids, classids)
            built = [_make_chapter(0, sid, i, c, uid) for i, c in enumerate(inputs, start=1)]  # checks first
            built = [replace(c, chapid=self._new_chapid()) for c in built]
            now = self.now
            story = _with_chapters(Story(
                sid=sid, title=title, author_uids=authors, summary=summary, **fields,
                challenges=tuple(challenges), series=tuple(series), completed=completed,
                published=now.date(), updated=now.date(), published_at=now, updated_at=now,
                read_count=read_count, review_count=0, score=0, featured=featured, retired=False,
                round_robin=round_robin, story_notes=story_notes, validated=validated, chapters=(),
                summary_stored_ncr=summary_stored_ncr,
            ), built)
            self._next_sid += 1
            for sr in story.series:
                s = self.series[sr]
                self.series[sr] = replace(s, sids=s.sids + (sid,))
            self._put(story)
            self._touch()
            return story

    def add_chapter(self, sid: int, title: str, text: str, *, notes: str = "", end_notes: str = "",
                    uid: int | None = None, completed: bool | None = None) -> Chapter:
        """Append a chapter (``stories.php?action=newchapter``): next inorder, a new chapid.

        eFiction then sets the story's ``updated`` to now (only when the chapter is validated,
        i.e. the story is: a chapter added to a story awaiting validation leaves the date) and
        recomputes the story word count; the chapter count is the number of chapters.
        ``completed`` optionally changes the story's Completed flag in the same step (the
        author ticking "Complete"); ``None`` leaves it.
        """
        self._check_mutable()
        with self._lock:
            story = self._require(sid)
            if uid is not None and uid not in self.authors:
                raise KeyError(f"no member {uid}")
            ch = _make_chapter(0, sid, len(story.chapters) + 1, NewChapter(title, text, notes, end_notes, uid),
                               story.uid)
            ch = replace(ch, chapid=self._new_chapid())
            changes: dict[str, object] = {}
            if story.validated:
                changes.update(updated=self.now.date(), updated_at=self.now)
            if completed is not None:
                changes["completed"] = completed
            self._put(_with_chapters(replace(story, **changes), story.chapters + (ch,)))
            self._touch()
            return ch

    def edit_chapter(self, sid: int, inorder: int, text: str | None = None, title: str | None = None,
                     notes: str | None = None, end_notes: str | None = None) -> Chapter:
        """Edit a chapter in place (``stories.php?action=editchapter``): same chapid and inorder.

        eFiction updates the chapter row and the story's word count only: the story's
        ``updated`` date does NOT change (``editchapter()`` never writes it), so listings
        sorted by update do not move and the "Updated:" date stays.
        """
        self._check_mutable()
        with self._lock:
            story = self._require(sid)
            old = story.chapter(inorder)
            if old is None:
                raise KeyError(f"story {sid} has no chapter {inorder}")
            new = _make_chapter(
                old.chapid, sid, inorder,
                NewChapter(old.title if title is None else title, old.source if text is None else text,
                           old.notes if notes is None else notes,
                           old.end_notes if end_notes is None else end_notes, old.uid),
                story.uid, review_count=old.review_count, score=old.score,
            )
            chapters = story.chapters[:inorder - 1] + (new,) + story.chapters[inorder:]
            self._put(_with_chapters(story, chapters))
            self._touch()
            return new

    def add_review(self, sid: int, inorder: int = 1) -> Review:
        """A reader reviews a chapter (``reviews.php?action=add``): the chapter's and the story's
        review counts go up by one; the story's ``updated`` date does not change.  The review
        itself is the next one :meth:`all_reviews` derives for that chapter."""
        self._check_mutable()
        with self._lock:
            story = self._require(sid)
            old = story.chapter(inorder)
            if old is None:
                raise KeyError(f"story {sid} has no chapter {inorder}")
            if old.review_count >= 9:
                raise ValueError("the sample derives at most 9 reviews per chapter")
            new = replace(old, review_count=old.review_count + 1, score=old.score or 8)
            self._put(_with_chapters(story, story.chapters[:inorder - 1] + (new,) + story.chapters[inorder:]))
            self._touch()
            return self.all_reviews()[new.chapid * 10 + old.review_count]

    def delete_chapter(self, sid: int, inorder: int) -> Chapter:
        """Delete a chapter (``stories.php?action=delete&chapid=``); later chapters move up one.

        The chapters keep their chapids; their ``inorder`` (the ``chapter=`` URL parameter)
        shifts.  Word count and chapter count follow; ``updated`` does not change.  As in the
        eFiction UI, the only chapter of a story cannot be deleted (delete the story).
        """
        self._check_mutable()
        with self._lock:
            story = self._require(sid)
            old = story.chapter(inorder)
            if old is None:
                raise KeyError(f"story {sid} has no chapter {inorder}")
            if len(story.chapters) == 1:
                raise ValueError("cannot delete the only chapter of a story; remove the story")
            rest = [c for c in story.chapters if c.inorder != inorder]
            chapters = tuple(replace(c, inorder=i) for i, c in enumerate(rest, start=1))
            self._put(_with_chapters(story, chapters))
            self._touch()
            return old

    def edit_story(
        self,
        sid: int,
        *,
        title: str | None = None,
        summary: str | None = None,
        completed: bool | None = None,
        rid: int | None = None,
        catids: Iterable[int] | None = None,
        charids: Iterable[int] | None = None,
        classids: Iterable[int] | None = None,
        story_notes: str | None = None,
        coauthors: Iterable[int] | None = None,
        challenges: Iterable[int] | None = None,
        featured: bool | None = None,
        retired: bool | None = None,
    ) -> Story:
        """Change story metadata (``stories.php?action=editstory``); ``None`` leaves a field.

        eFiction's ``editstory()`` rewrites title, summary, notes, completed, rating,
        categories, characters, classes, co-authors and featured, but not ``updated``
        (it only stamps ``updated`` when the edit *validates* a story: see
        :meth:`restore_story`).  The chapters are untouched.
        """
        self._check_mutable()
        with self._lock:
            story = self._require(sid)
            _check_story_text(story.title if title is None else title,
                              story.summary if summary is None else summary,
                              story.story_notes if story_notes is None else story_notes)
            changes: dict[str, object] = {}
            if title is not None:
                changes["title"] = title
            if summary is not None:
                changes["summary"] = summary
            if completed is not None:
                changes["completed"] = completed
            if story_notes is not None:
                changes["story_notes"] = story_notes
            if featured is not None:
                changes["featured"] = featured
            if retired is not None:
                changes["retired"] = retired
            if challenges is not None:
                challenges = tuple(challenges)
                for c in challenges:
                    if c not in self.challenges:
                        raise KeyError(f"no challenge {c}")
                changes["challenges"] = challenges
            if coauthors is not None:
                authors = (story.uid, *[c for c in coauthors if c != story.uid])
                for u in authors:
                    if u not in self.authors:
                        raise KeyError(f"no member {u}")
                changes["author_uids"] = authors
            if rid is not None or catids is not None or charids is not None or classids is not None:
                changes.update(self._story_fields(
                    story.rid if rid is None else rid,
                    tuple(c for c, _ in story.categories) if catids is None else catids,
                    story.character_ids if charids is None else charids,
                    story.class_ids if classids is None else classids,
                ))
            new = self._put(replace(story, **changes))
            self._touch()
            return new

    def remove_story(self, sid: int, *, how: str = "delete") -> Story:
        """Take a story off the site.  Either way ``viewstory.php`` (chapters, index, printable)
        answers "Access denied" and no listing, author page, series page or RSS shows it.

        * ``how="delete"`` (the author or an admin deleting it, ``deleteStory()``): the rows
          are gone (``#pagetitle`` is empty on the Access denied page, ``chapid=`` links are
          dead) and the story leaves its series.  The sid is not reused.
        * ``how="unvalidate"`` (an admin un-validating it): the row stays with
          ``validated = 0`` (``#pagetitle`` still shows the title).  Dates are unchanged.
        """
        self._check_mutable()
        if how not in ("delete", "unvalidate"):
            raise ValueError("how must be 'delete' or 'unvalidate'")
        with self._lock:
            story = self._require(sid)
            if how == "unvalidate":
                self._put(replace(story, validated=False))
            else:
                places = []
                for s in list(self.series.values()):
                    if sid in s.sids:
                        places.append((s.seriesid, s.sids.index(sid)))
                        self.series[s.seriesid] = replace(s, sids=tuple(x for x in s.sids if x != sid))
                for c in story.chapters:
                    self._chapters.pop(c.chapid, None)
                del self.stories[sid]
                self._removed[sid] = (story, tuple(places))
            self._touch()
            return story

    def restore_story(self, sid: int, *, touch: bool | None = None) -> Story:
        """Undo :meth:`remove_story`: the story is listed and readable again, same sid and chapids.

        * An un-validated story is *validated* again; eFiction's validation
          (``editstory()`` going from ``validated = 0`` to 1) stamps ``updated`` with now, so
          by default (``touch=None``) the story moves to the top of ``sort=update``.
        * A deleted story comes back as it was (a database restore: eFiction has no undelete),
          in its series at its old place; by default its dates are unchanged.

        ``touch=True``/``False`` forces stamping ``updated`` (or not).
        """
        self._check_mutable()
        with self._lock:
            if sid in self._removed:
                story, places = self._removed.pop(sid)
                for seriesid, pos in places:
                    s = self.series.get(seriesid)
                    if s is not None and sid not in s.sids:
                        self.series[seriesid] = replace(s, sids=s.sids[:pos] + (sid,) + s.sids[pos:])
                default_touch = False
            else:
                story = self._require(sid)
                if story.validated:
                    raise ValueError(f"story {sid} is not removed")
                story = replace(story, validated=True)
                default_touch = True
            if touch if touch is not None else default_touch:
                story = replace(story, updated=self.now.date(), updated_at=self.now)
            self._put(story)
            self._touch()
            return story

    def set_read_count(self, sid: int, n: int) -> Story:
        """Set a story's read counter ("Read Count:" in listings, "Read:" on the index)."""
        self._check_mutable()
        if n < 0:
            raise ValueError("read count must be >= 0")
        with self._lock:
            story = self._put(replace(self._require(sid), read_count=n))
            self._touch()
            return story

    def record_read(self, sid: int) -> None:
        """One chapter view (``viewstory.php`` does ``count = count + 1`` on every view)."""
        with self._lock:
            story = self.stories.get(sid)
            if story is not None and not self._frozen:
                self._put(replace(story, read_count=story.read_count + 1))
                self._touch()

    def bump_read_counts(self, by: int | None = None, *, seed: int | str = 0) -> dict[int, int]:
        """Read counts drift between crawls: add ``by`` to every listed story, or (``by=None``)
        a deterministic pseudo-random 0-25 per story (seeded by ``seed`` and :attr:`version`).
        Nothing else changes (no date).  Returns {sid: increment} of the stories that changed."""
        self._check_mutable()
        with self._lock:
            rng = random.Random(f"reads/{seed}/{self.version}")
            bumped = {}
            for s in self._listed():
                inc = by if by is not None else rng.choice((0, 0, 1, 1, 2, 3, 5, 8, 13, 25))
                if inc:
                    self._put(replace(s, read_count=s.read_count + inc))
                    bumped[s.sid] = inc
            self._touch()
            return bumped

    # -- a large generated archive ---------------------------------------------------

    @classmethod
    def generated(
        cls,
        n_stories: int = 1000,
        *,
        seed: int = 0,
        chapters: tuple[int, int] = (1, 12),
        chapter_bytes: tuple[int, int] = (1000, 4000),
        one_shots: float = 0.3,
        gated: float = 0.03,
        unvalidated: int = 0,
        n_authors: int | None = None,
        items_per_page: int = 25,
    ) -> "Archive":
        """A deterministic archive of ``n_stories`` stories (same arguments, same archive).

        ``Archive.generated(1000)``: ~1,000 listed stories, ~4,900 chapters of 1-4 kB of
        text (``chapter_bytes``, as stored), a ``one_shots`` share of one-chapter stories, the
        rest with ``chapters`` (lo, hi) chapters; ~125 authors (zipf-like: a few prolific),
        the sample's categories/characters/classes, ~30 series, a few co-authored stories,
        round robins, featured stories and challenge responses.  ``gated`` is the share of
        R (warning), NC-17 (age consent) and Adult Only (members only) stories.
        ``unvalidated`` stories await validation.  Published dates spread over 2004-2013 and
        every ``updated`` is distinct (``sort=update`` is a total order).  ``now`` is the
        sample's 2013-03-01 12:00 and the site's ``items_per_page`` is eFiction's default 25.
        """
        return _generate(cls, n_stories, seed=seed, chapter_range=chapters, chapter_bytes=chapter_bytes,
                         one_shots=one_shots, gated=gated, unvalidated=unvalidated, n_authors=n_authors,
                         items_per_page=items_per_page)


# ---------------------------------------------------------------------------
# Record helpers
# ---------------------------------------------------------------------------


def _check_story_text(title: str, summary: str, story_notes: str) -> None:
    for what, v in (("title", title), ("summary", summary), ("story notes", story_notes)):
        try:
            v.encode("cp1252")
        except UnicodeEncodeError as e:
            raise ValueError(f"{what} must be windows-1252 text (an ISO-8859-1 eFiction site): {v!r}") from e
    if set(story_notes) & _LOSSY_LETTERS:
        raise ValueError("story notes use a letter that format_story() destroys (one of ÉÐÑÒÓÔÕ)")


def _check_chapter_text(title: str, source: str, notes: str, end_notes: str) -> None:
    try:
        title.encode("cp1252")
    except UnicodeEncodeError as e:
        raise ValueError(f"chapter title must be windows-1252 text: {title!r}") from e
    for v in (source, notes, end_notes):
        if set(v) & _LOSSY_LETTERS:
            raise ValueError("chapter text uses a letter that format_story() destroys (one of ÉÐÑÒÓÔÕ)")


def _make_chapter(chapid: int, sid: int, inorder: int, c: NewChapter, story_uid: int, *,
                  review_count: int = 0, score: int = 0) -> Chapter:
    source = c.text.strip()
    if not source:
        raise ValueError("a chapter needs text")
    _check_chapter_text(c.title, source, c.notes, c.end_notes)
    plain = is_plain_text(source)
    return Chapter(
        chapid=chapid,
        sid=sid,
        inorder=inorder,
        title=c.title,
        uid=c.uid if c.uid is not None else story_uid,
        text=nl2br2(source) if plain else source,
        notes=c.notes,
        end_notes=c.end_notes,
        wordcount=efiction_word_count(source),
        review_count=review_count,
        score=score,
        source=source,
        plain_text=plain,
    )


def _with_chapters(story: Story, chapters: Iterable[Chapter]) -> Story:
    """The story with these chapters, its review count and score recomputed from them."""
    chapters = tuple(chapters)
    scored = [c.score for c in chapters if c.score]
    return replace(
        story,
        chapters=chapters,
        review_count=sum(c.review_count for c in chapters),
        score=round(sum(scored) / len(scored)) if scored else 0,
    )


# ---------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------

_G_FIRST = (
    "Ada", "Bram", "Celeste", "Dorian", "Elspeth", "Fenwick", "Greer", "Hester", "Isolde", "Jasper",
    "Kestrel", "Linnea", "Magnus", "Nell", "Orla", "Piers", "Quinn", "Rosalind", "Silas", "Tamsin",
    "Ursula", "Viggo", "Winifred", "Xanthe", "Yara", "Zeb", "Ren\u00e9e", "Ana\u00efs", "Bj\u00f6rn",
    "Zo\u00eb", "Lu\u00eds", "Maeve", "Oona", "Perpetua", "Theo",
)
_G_LAST = (
    "Ashcombe", "Blackwood", "Carrow", "Dunmore", "Everley", "Fairfax", "Galloway", "Hartley",
    "Ingram", "Juniper", "Kerrigan", "Larkspur", "Merriweather", "Nightingale", "Oakhurst", "Penhallow",
    "Quill", "Rook", "Sallow", "Thistlewood", "Underhill", "Vane", "Whitlock", "Yarrow", "M\u00fcller",
)
_G_HANDLE_A = (
    "moonlit", "paper", "inky", "quiet", "velvet", "tea", "rainy", "autumn", "copper", "lantern",
    "salt", "midnight", "bookish", "wandering", "hollow", "silver", "sleepy", "stray",
)
_G_HANDLE_B = (
    "moth", "quill", "lark", "teacup", "fox", "heron", "scribbler", "reader", "owl", "sparrow",
    "wren", "otter", "magpie", "hedgehog", "kettle", "comet",
)
_G_ADJ = (
    "Silent", "Crimson", "Last", "Hollow", "Gilded", "Broken", "Quiet", "Winter", "Summer", "Distant",
    "Paper", "Iron", "Velvet", "Salt", "Midnight", "Secret", "Lost", "Burning", "Frozen", "Wandering",
    "Borrowed", "Unfinished", "Northern", "Bitter", "Tender", "Restless", "Amber", "Silver", "Painted",
    "Forgotten", "Drowned", "Second", "Little", "Patient", "Hidden",
)
_G_NOUN = (
    "Lantern", "Harbour", "Garden", "Letter", "Crown", "River", "Orchard", "Clock", "Mirror", "Bridge",
    "Lighthouse", "Library", "Violin", "Compass", "Tide", "Feather", "Staircase", "Window", "Archive",
    "Kingdom", "Ledger", "Station", "Carousel", "Observatory", "Greenhouse", "Chapel", "Map", "Key",
    "Thread", "Ember", "Teacup", "Umbrella", "Telegram", "Candle", "Locket", "Sonnet", "Hourglass",
)
_G_PLACE = (
    "Baker Street", "Pemberley", "Wonderland", "Longbourn", "the Moor", "the Harbour", "Willowmere",
    "the Tower", "Netherfield", "the Looking-Glass", "Rosings", "the Station", "Meryton", "the Caf\u00e9",
)
_G_NUMBER = ("Two", "Three", "Seven", "Nine", "Twelve", "A Hundred", "1895:", "221B:", "Forty")
_G_SERIES = ("Cycle", "Chronicles", "Trilogy", "Letters", "Papers", "Sequence", "Verses", "Tales")
_G_SUMMARY = (
    "{name} finds a {noun} in {place}, and nothing is quite the same afterwards.",
    "Nobody in {place} talks about the {adj} {noun}. {name} is about to find out why.",
    "A story about a {noun}, a promise, and {name}, who keeps neither.",
    "{name} has one week to return the {noun} before anyone notices it is gone.",
    "After the {adj} winter, {name} goes back to {place} \u2014 and the {noun} is waiting.",
    "Three letters, one {noun}, and a secret that {name} would rather keep.",
    "{name} and {name2} were never meant to share a {noun}. Or a roof.",
    "What if the {noun} at {place} had never been found?",
    "A quiet piece about {name}, the {adj} {noun}, and the long walk home.",
    "\u201cDon\u2019t open it,\u201d they told {name}. So of course {name} did.",
    "{place}, 18{yy}. A {noun} goes missing, and {name} is the only witness.",
    "Every year the {noun} is lit again. This year {name} lights it alone.",
)
_G_NOTES = (
    "Thank you for reading! Reviews are always welcome.",
    "Many thanks to my beta for the patience \u2014 all remaining errors are mine.",
    "Sorry for the long wait between chapters. Real life intervened.",
    "This one is a little shorter than usual.",
    "Written for a friend who asked for <i>more</i> of these two.",
    "Not beta-read; corrections welcome.",
)


def _plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def _g_sentences(rng: random.Random, target: int) -> list[str]:
    """Paragraphs of prose, stopping at the first sentence that reaches ``target`` characters."""
    pars: list[str] = []
    size = 0
    while size < target:
        n = rng.randint(3, 6)
        sents = [rng.choice(_SENTENCES) for _ in range(n)]
        if rng.random() < 0.45:
            sents.insert(rng.randrange(len(sents) + 1), rng.choice(_DIALOGUE))
        kept = []
        for sent in sents:
            kept.append(sent)
            size += len(sent) + 1
            if size >= target:
                break
        pars.append(" ".join(kept))
        size += 8  # <p></p> and a newline
    return pars


def _g_chapter_text(rng: random.Random, target: int, plain: bool) -> str:
    pars = _g_sentences(rng, target)
    if plain:
        return "\r\n\r\n".join(pars)
    lines = []
    for i, p in enumerate(pars):
        if i and rng.random() < 0.08:
            lines.append("<hr />")
        if rng.random() < 0.12:
            first, _, rest = p.partition(" ")
            p = f"<i>{first}</i> {rest}"
        lines.append(f"<p>{p}</p>")
    return "\n".join(lines)


def _generate(cls: type[Archive], n_stories: int, *, seed: int, chapter_range: tuple[int, int],
              chapter_bytes: tuple[int, int], one_shots: float, gated: float, unvalidated: int,
              n_authors: int | None, items_per_page: int) -> Archive:
    if n_stories < 1:
        raise ValueError("n_stories must be >= 1")
    lo, hi = chapter_range
    if not 1 <= lo <= hi:
        raise ValueError("chapters must be (lo, hi) with 1 <= lo <= hi")
    rng = random.Random(f"efiction-sample/generated/{seed}")
    site = replace(SITE, items_per_page=items_per_page)
    arch = object.__new__(cls)
    arch._init_tables(site, (), _RATINGS, _CATEGORIES, _CHARACTERS, _CLASS_TYPES, _CLASSES, _CHALLENGES, ())

    # -- authors: the sample's members, then generated ones -------------------------
    n_authors = n_authors if n_authors is not None else max(20, n_stories // 8)
    members: list[Author] = list(_AUTHORS)
    pennames = {a.penname.lower() for a in members}
    uid = max(a.uid for a in members) + 1
    while len(members) < n_authors:
        r = rng.random()
        if r < 0.45:
            pen = f"{rng.choice(_G_FIRST)} {rng.choice(_G_LAST)}"
        elif r < 0.85:
            pen = f"{rng.choice(_G_HANDLE_A)}{rng.choice(_G_HANDLE_B)}" + (str(rng.randint(1, 99)) if rng.random() < 0.3 else "")
        else:
            pen = f"{rng.choice(_G_HANDLE_A)}_{rng.choice(_G_HANDLE_B)}"
        if pen.lower() in pennames:
            continue
        pennames.add(pen.lower())
        members.append(Author(uid, pen, "", f"Writes about {_plural(rng.choice(_G_NOUN).lower())} and {_plural(rng.choice(_G_NOUN).lower())}.",
                              date(2004, 1, 1)))
        uid += 1
    writers = [a.uid for a in members if a.password is None]  # the demo login account only reads
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(writers))]
    rng.shuffle(writers)

    # -- stories ------------------------------------------------------------------
    start, end = datetime(2004, 1, 1), datetime(2013, 2, 28, 12, 0, 0)
    span = int((end - start).total_seconds())
    chars_by_cat: dict[int, list[int]] = {}
    for ch in _CHARACTERS:
        for c in _CATEGORIES:
            if ch.catid in (-1, c.catid):
                chars_by_cat.setdefault(c.catid, []).append(ch.charid)
    genres = [c.classid for c in _CLASSES if c.type_id == 1]
    warnings = [c.classid for c in _CLASSES if c.type_id == 2]
    pairings = [c.classid for c in _CLASSES if c.type_id == 3]
    names = [c.name for c in _CHARACTERS if c.charid != 11] + ["Maud", "Tobias", "Agnes", "Felix"]
    titles: set[str] = set()
    updated_seen: set[datetime] = set()

    def title_for() -> str:
        for _ in range(50):
            k = rng.randrange(12)
            adj, noun, noun2 = rng.choice(_G_ADJ), rng.choice(_G_NOUN), rng.choice(_G_NOUN)
            t = (
                f"The {adj} {noun}", f"{adj} {_plural(noun)}", f"A {noun} for {rng.choice(names)}",
                f"{_plural(noun)} of {rng.choice(_G_PLACE)}", f"The {noun} at {rng.choice(_G_PLACE)}",
                f"{rng.choice(names)}\u2019s {noun}", f"{rng.choice(_G_NUMBER)} {_plural(noun)}",
                f"Of {_plural(noun)} and {_plural(noun2)}", f"What the {noun} Said", f"Beneath the {adj} {noun}",
                f"\u201c{adj}\u201d \u2014 a {noun.lower()}", f"{adj} as a {noun}",
            )[k]
            if t.casefold() not in titles:
                titles.add(t.casefold())
                return t
        t = f"The {rng.choice(_G_ADJ)} {rng.choice(_G_NOUN)} ({len(titles)})"
        titles.add(t.casefold())
        return t

    def summary_for() -> str:
        def one() -> str:
            n1, n2 = rng.sample(names, 2)
            return rng.choice(_G_SUMMARY).format(name=n1, name2=n2, noun=rng.choice(_G_NOUN).lower(),
                                                 adj=rng.choice(_G_ADJ).lower(), place=rng.choice(_G_PLACE),
                                                 yy=rng.randint(80, 99))
        s = one()
        return s + " " + one() if rng.random() < 0.25 else s

    gated_rids = (4, 4, 4, 4, 4, 5, 5, 5, 6, 6)
    stories: list[tuple[Story, list[NewChapter]]] = []
    for sid in range(1, n_stories + 1):
        author = rng.choices(writers, weights)[0]
        nch = lo if (lo == 1 and rng.random() < one_shots) else rng.randint(lo, hi)
        gaps = [rng.randint(2 * 86400, 75 * 86400) for _ in range(nch - 1)]
        total = sum(gaps)
        if total > span - 86400:
            gaps = [g * (span - 86400) // (total + 1) for g in gaps]
            total = sum(gaps)
        pub = start + timedelta(seconds=rng.randrange(0, span - total))
        upd = pub + timedelta(seconds=total)
        while upd in updated_seen:
            upd += timedelta(seconds=1)
        updated_seen.add(upd)
        catn = 1 if rng.random() < 0.85 else 2
        # top-level categories only: the same draws as before the sample's categories nested
        catids = tuple(sorted(rng.sample([c.catid for c in _CATEGORIES if c.parentcatid == -1], catn)))
        pool = sorted({x for c in catids for x in chars_by_cat[c]})
        charids = tuple(rng.sample(pool, min(len(pool), rng.choice((0, 1, 1, 2, 2, 3)))))
        classids = tuple(rng.sample(genres, rng.choice((1, 1, 2)))) + (rng.choice(warnings),)
        if rng.random() < 0.6:
            classids += (rng.choice(pairings),)
        rid = rng.choice(gated_rids) if rng.random() < gated else rng.choice((1, 1, 2, 2, 2, 3, 3))
        coauthors: tuple[int, ...] = ()
        if rng.random() < 0.02:
            other = rng.choice(writers)
            if other != author:
                coauthors = (other,)
        round_robin = nch >= 3 and rng.random() < 0.005
        chs = []
        for i in range(1, nch + 1):
            plain = rng.random() < 0.1
            target = rng.randint(chapter_bytes[0], max(chapter_bytes[0], chapter_bytes[1] - 150))
            ctitle = f"Chapter {i}" if rng.random() < 0.4 else rng.choice((
                f"The {rng.choice(_G_NOUN)}", f"{rng.choice(_G_ADJ)} {rng.choice(_G_NOUN)}",
                _plural(rng.choice(_G_NOUN)), f"In {rng.choice(_G_PLACE)}"))
            if nch == 1:
                ctitle = ""  # one-shots: the chapter is titled like the story (below)
            chs.append(NewChapter(
                ctitle,
                _g_chapter_text(rng, target, plain),
                notes=rng.choice(_G_NOTES) if rng.random() < 0.12 else "",
                end_notes=rng.choice(_G_NOTES) if rng.random() < 0.08 else "",
                uid=rng.choice(writers) if round_robin and i > 1 else None,
            ))
        title = title_for()
        if nch == 1:
            chs[0] = replace(chs[0], title=title)
        story = Story(
            sid=sid, title=title, author_uids=(author, *coauthors), summary=summary_for(),
            **arch._story_fields(rid, catids, charids, classids),
            challenges=(rng.choice((1, 2)),) if rng.random() < 0.02 else (), series=(),
            completed=rng.random() < (0.95 if nch == 1 else 0.6),
            published=pub.date(), updated=upd.date(), published_at=pub, updated_at=upd,
            read_count=int(rng.lognormvariate(6.0, 1.0)) + nch * 10, review_count=0, score=0,
            featured=rng.random() < 0.01, retired=rng.random() < 0.005, round_robin=round_robin,
            story_notes=rng.choice(_G_NOTES) if rng.random() < 0.1 else "",
            validated=True, chapters=(), summary_stored_ncr=rng.random() < 0.5,
        )
        stories.append((story, chs))
    for sid in rng.sample(range(1, n_stories + 1), min(unvalidated, n_stories)):
        s, chs = stories[sid - 1]
        stories[sid - 1] = (replace(s, validated=False), chs)

    # chapids in posting order: chapter k of a story is posted on its own date, the
    # dates interleave between stories, so the ids do too.
    postings = []
    for s, chs in stories:
        n = len(chs)
        for i in range(1, n + 1):
            when = s.published_at + (s.updated_at - s.published_at) * (i - 1) / max(1, n - 1)
            postings.append((when, s.sid, i))
    postings.sort()
    chapid_of = {(sid, i): 101 + k for k, (_, sid, i) in enumerate(postings)}
    rev = random.Random(f"efiction-sample/generated/{seed}/reviews")
    for s, chs in stories:
        built = []
        for i, c in enumerate(chs, start=1):
            reviews = rev.choice((0, 0, 0, 1, 1, 2, 3))
            built.append(_make_chapter(chapid_of[(s.sid, i)], s.sid, i, c, s.uid, review_count=reviews,
                                       score=rev.choice((6, 7, 8, 9, 10)) if reviews else 0))
        arch.stories[s.sid] = _with_chapters(s, built)

    # -- series: a few runs of stories by one author, in publication order --------------
    by_author: dict[int, list[Story]] = {}
    for s in arch.stories.values():
        by_author.setdefault(s.uid, []).append(s)
    candidates = sorted(u for u, v in by_author.items() if len(v) >= 3)
    rng.shuffle(candidates)
    seriesid = 1
    in_series: dict[int, list[int]] = {}
    for u in candidates[: max(1, n_stories // 30)]:
        own = sorted(by_author[u], key=lambda s: s.published_at)
        k = min(len(own), rng.randint(2, 5))
        first = rng.randrange(0, len(own) - k + 1)
        sids = tuple(s.sid for s in own[first:first + k])
        arch.series[seriesid] = Series(
            seriesid, f"The {rng.choice(_G_ADJ)} {rng.choice(_G_NOUN)} {rng.choice(_G_SERIES)}", u,
            summary_for(), sids, open=rng.choice((0, 1, 2)), review_count=rng.choice((0, 0, 1, 2, 3)))
        for sid in sids:
            in_series.setdefault(sid, []).append(seriesid)
        seriesid += 1
    for sid, ids in in_series.items():
        arch.stories[sid] = replace(arch.stories[sid], series=tuple(ids))

    # -- members' dates follow their first story ------------------------------------------
    first_story: dict[int, datetime] = {}
    for s in arch.stories.values():
        for u in s.author_uids:
            first_story[u] = min(first_story.get(u, s.published_at), s.published_at)
    for a in members:
        since = a.member_since
        if a.uid in first_story:
            since = min(since, (first_story[a.uid] - timedelta(days=rng.randint(0, 400))).date())
        elif a.uid > max(x.uid for x in _AUTHORS):
            since = (start + timedelta(days=rng.randint(0, 3300))).date()
        arch.authors[a.uid] = replace(a, member_since=since)

    arch.stories = dict(sorted(arch.stories.items()))
    arch._finish()
    return arch


ARCHIVE = Archive().freeze()


def get_archive() -> Archive:
    return ARCHIVE


def listed_stories() -> list[Story]:
    return ARCHIVE.listed_stories()


def public_stories() -> list[Story]:
    return ARCHIVE.public_stories()


def restricted_stories() -> list[Story]:
    return ARCHIVE.restricted_stories()
