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
  the sample does not, so the ground truth never drifts).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
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
    "Story",
    "StoryClass",
    "efiction_word_count",
    "get_archive",
    "listed_stories",
    "nl2br2",
    "public_stories",
    "restricted_stories",
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
    catid: int
    name: str
    description: str


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

    @property
    def series_type(self) -> str:
        return {0: "Closed", 1: "Moderated", 2: "Open"}[self.open]


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

_CATEGORIES = (
    Category(1, "Sherlock Holmes", "Stories based on the Conan Doyle canon."),
    Category(2, "Pride and Prejudice", "Regency romance and its discontents."),
    Category(3, "Alice in Wonderland", "Down the rabbit hole and through the looking-glass."),
    Category(4, "Original Fiction", "Original characters and settings."),
    Category(5, "Poetry", "Verse of every kind."),
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
)

# ---------------------------------------------------------------------------
# Story specifications
# ---------------------------------------------------------------------------

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

    specs.append(_StorySpec(
        25, "Under the Orchard Lamps", (7,),
        "Every autumn the orchard lamps are lit for the ones who did not come home.",
        2, (4,), (11,), (1, 7, 8, 14),
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

    # 27: title starting with a digit (alphabet "Other").
    specs.append(_StorySpec(
        27, "1895: Seven Clocks", (2,),
        "Seven clocks in one shop, all telling a different time. The owner insists they are all correct.",
        2, (4,), (11,), (3, 8, 13),
        dt(2012, 11, 24, 15, 0, 0), dt(2012, 11, 24, 15, 0, 0), 655,
        _gen_chapters(27, ["Seven Clocks"], [6]),
    ))
    return specs


# ---------------------------------------------------------------------------
# Archive
# ---------------------------------------------------------------------------


class Archive:
    """The whole sample archive (ground truth)."""

    def __init__(self) -> None:
        self.site = SITE
        self.authors: dict[int, Author] = {a.uid: a for a in _AUTHORS}
        self.ratings: dict[int, Rating] = {r.rid: r for r in _RATINGS}
        self.categories: dict[int, Category] = {c.catid: c for c in _CATEGORIES}
        self.characters: dict[int, Character] = {c.charid: c for c in _CHARACTERS}
        self.class_types: dict[int, ClassType] = {t.type_id: t for t in _CLASS_TYPES}
        self.classes: dict[int, StoryClass] = {c.classid: c for c in _CLASSES}
        self.challenges: dict[int, Challenge] = {c.chalid: c for c in _CHALLENGES}
        self.series: dict[int, Series] = {s.seriesid: s for s in _SERIES}
        self.stories: dict[int, Story] = self._build_stories(_story_specs())
        self._chapters = {c.chapid: c for s in self.stories.values() for c in s.chapters}
        self._validate()

    # -- construction -----------------------------------------------------

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
        for s in _SERIES:
            for sid in s.sids:
                series_of.setdefault(sid, []).append(s.seriesid)

        stories: dict[int, Story] = {}
        for spec in sorted(specs, key=lambda s: s.sid):
            rng = random.Random(f"sample/reviews/{spec.sid}")
            chapters = []
            for inorder, cs in enumerate(spec.chapters, start=1):
                source = cs.source.strip()
                plain = is_plain_text(source)
                reviews = rng.choice((0, 0, 0, 1, 1, 2, 3))
                chapters.append(Chapter(
                    chapid=chapids[(spec.sid, inorder)],
                    sid=spec.sid,
                    inorder=inorder,
                    title=cs.title,
                    uid=cs.uid if cs.uid is not None else spec.uids[0],
                    text=nl2br2(source) if plain else source,
                    notes=cs.notes,
                    end_notes=cs.end_notes,
                    wordcount=efiction_word_count(source),
                    review_count=reviews,
                    score=rng.choice((6, 7, 8, 9, 10)) if reviews else 0,
                    source=source,
                    plain_text=plain,
                ))
            scored = [c.score for c in chapters if c.score]
            rating = self.ratings[spec.rid]
            classes = {
                t.title: tuple(self.classes[c].name for c in spec.classids if self.classes[c].type_id == t.type_id)
                for t in _CLASS_TYPES
            }
            stories[spec.sid] = Story(
                sid=spec.sid,
                title=spec.title,
                author_uids=spec.uids,
                summary=spec.summary,
                rid=spec.rid,
                rating=rating.name,
                ratingwarning=rating.ratingwarning,
                categories=tuple((c, self.categories[c].name) for c in spec.catids),
                characters=tuple(self.characters[c].name for c in spec.charids),
                character_ids=spec.charids,
                classes=MappingProxyType(classes),
                class_ids=spec.classids,
                challenges=spec.challenges,
                series=tuple(series_of.get(spec.sid, ())),
                completed=spec.completed,
                published=spec.published.date(),
                updated=spec.updated.date(),
                published_at=spec.published,
                updated_at=spec.updated,
                read_count=spec.read_count,
                review_count=sum(c.review_count for c in chapters),
                score=round(sum(scored) / len(scored)) if scored else 0,
                featured=spec.featured,
                retired=spec.retired,
                round_robin=spec.round_robin,
                story_notes=spec.story_notes,
                validated=spec.validated,
                chapters=tuple(chapters),
                summary_stored_ncr=spec.summary_stored_ncr,
            )
        return stories

    def _validate(self) -> None:
        seen_updates = set()
        for s in self.stories.values():
            assert s.published_at <= s.updated_at, s.sid
            assert s.updated_at not in seen_updates, s.sid
            seen_updates.add(s.updated_at)
            s.title.encode("cp1252")
            s.summary.encode("cp1252")
            for u in s.author_uids:
                assert u in self.authors, (s.sid, u)
            for c in s.chapters:
                for txt in (c.source, c.notes, c.end_notes, s.story_notes):
                    assert not (set(txt) & _LOSSY_LETTERS), (s.sid, c.inorder)
                c.title.encode("cp1252")
        for a in self.authors.values():
            a.penname.encode("cp1252")

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

    def listed_stories(self) -> list[Story]:
        """Validated stories: every one appears in browse.php listings (gated ones too)."""
        return [s for s in sorted(self.stories.values(), key=lambda s: s.sid) if s.validated]

    def public_stories(self) -> list[Story]:
        """Listed stories readable without logging in (warning/age gates are passable)."""
        return [s for s in self.listed_stories() if not s.members_only]

    def restricted_stories(self) -> list[Story]:
        """Listed stories that need a member login (rating with the 'registered users only' bit)."""
        return [s for s in self.listed_stories() if s.members_only]

    def unvalidated_stories(self) -> list[Story]:
        return [s for s in sorted(self.stories.values(), key=lambda s: s.sid) if not s.validated]

    def stories_by(self, uid: int) -> list[Story]:
        """Listed stories where uid is the author or a co-author (chapter-only RR authors excluded)."""
        return [s for s in self.listed_stories() if uid in s.author_uids]

    @cached_property
    def author_uids_with_stories(self) -> tuple[int, ...]:
        return tuple(sorted({u for s in self.listed_stories() for u in s.author_uids}))

    def series_of_story(self, sid: int) -> list[Series]:
        return [s for s in self.series.values() if sid in s.sids]

    @property
    def missing_sids(self) -> tuple[int, ...]:
        """sids inside the used range that do not exist at all (deleted stories)."""
        top = max(self.stories)
        return tuple(i for i in range(1, top + 1) if i not in self.stories)


ARCHIVE = Archive()


def get_archive() -> Archive:
    return ARCHIVE


def listed_stories() -> list[Story]:
    return ARCHIVE.listed_stories()


def public_stories() -> list[Story]:
    return ARCHIVE.public_stories()


def restricted_stories() -> list[Story]:
    return ARCHIVE.restricted_stories()
