"""`mirror probe URL`: look at an archive politely, read a few stories whole, report what it is,
say whether the parser understood it, and write its site profile.

A probe asks for a handful of pages, one at a time: ``robots.txt``, the titles listing
(``browse.php?type=titles``), ``rss.php``, ``viewstory.php?sid=N`` once, and for each of up to
:data:`MAX_STORIES` public stories (not gated, not members-only, from the first listing page,
multi-chapter ones first) its index (``&index=1``) and its printable view
(``action=printable&chapter=all``): at most :data:`MAX_REQUESTS` (10) requests in all (the
printable view is not asked for again once it gave nothing and the site links it nowhere).

From them it reports: is it eFiction (and version hints), the skin, the encoding actually used,
the date format (:func:`infer_date_format` on the trimmed displayed dates: unambiguous dates, RSS
``pubDate`` against the displayed Updated date, published before updated), items per page,
whether the printable view gives the text (the chapters :func:`printable_chapter_numbers` finds
against the index's chapter list), whether ``viewstory.php?sid=N`` shows the index, which rating
gates exist; and for each story read whole, field by field, whether its three renderings (the
listing block, the index, the printable view: :func:`mirror.parsing.agreement.compare`) agree and
which fields no rendering showed.  It ends with a verdict (:attr:`ProbeReport.verdict`):
``understood``, or ``not understood: <reasons>`` when the listing gives no story, a story index
cannot be parsed, two renderings disagree on a field, a required field (title, authors, chapters,
and chapter count or word count) cannot be read, or the printable view gives no text although the
site links it.  And a profile (TOML).

Politeness is the crawl's: it uses a small synchronous client rather than Scrapy (a probe is a
short conversation where each page decides the next, and Scrapy's reactor runs once per
process), but that client takes its User-Agent, delay, robots.txt switch, timeout and size limit
from the same settings (:func:`mirror.crawl.crawl_settings`): robots.txt is read first and obeyed
(its Crawl-delay raises the delay), one request at a time with the delay between two requests,
never more than :data:`MAX_REQUESTS`, only the archive's host and path (a redirect elsewhere is
not followed), cookies kept for the PHP session.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.cookiejar
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from mirror import urls
from mirror.items import Page
from mirror.items import Story
from mirror.parsing import agreement
from mirror.parsing.dates import DEFAULT_FORMAT, LANGUAGES, DateFormatGuess, infer_date_format, trimmed_date
from mirror.parsing.efiction import (ParseError, StoryUnavailable, detect_gate, index_chapter_numbers,
                                     looks_like_efiction, page_language, parse_document, parse_kept, parse_listing,
                                     parse_printable, parse_story_index, printable_chapter_numbers,
                                     printable_record)
from mirror.parsing.encoding import header_charset, meta_charset
from mirror.profiles import to_toml, validate

MAX_STORIES = 3  # stories read whole (listing block, index, printable view)
# robots.txt, the listing, rss.php, viewstory.php?sid=N once, and per story its index and printable view
MAX_REQUESTS = 4 + 2 * MAX_STORIES
# The fields the probe wants from some rendering of each story (an empty value is not read).
READ_FIELDS = ("title", "authors", "summary_html", "rating", "chapter_count", "word_count", "completed",
               "published", "updated", "chapters")
REQUIRED_FIELDS = ("title", "authors", "chapters")  # and chapter_count or word_count


class ProbeError(ValueError):
    """The site could not be probed (unreachable, robots.txt forbids it, not an HTTP site)."""


@dataclass
class Fetched:
    url: str
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def page(self, kind: str) -> Page:
        return Page(url=self.url, status=self.status, headers=self.headers, body=self.body, kind=kind)


class _NoOffsiteRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, base: str):
        self.base = base

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not urls.within_site(newurl, self.base):
            raise urllib.error.HTTPError(req.full_url, code, f"redirect off the site to {newurl}", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class PoliteClient:
    """One request at a time to one archive, ``delay`` seconds apart, robots.txt obeyed."""

    def __init__(self, base: str, *, user_agent: str, delay: float, obey_robots: bool = True,
                 timeout: float = 60.0, max_size: int = 64 << 20, max_requests: int = MAX_REQUESTS,
                 sleep=time.sleep, clock=time.monotonic):
        self.base = base
        self.user_agent = user_agent
        self.delay = delay
        self.obey_robots = obey_robots
        self.timeout = timeout
        self.max_size = max_size
        self.max_requests = max_requests
        self.sleep, self.clock = sleep, clock
        self.robots: Protego | None = None
        self.log: list[tuple[str, int | str]] = []  # (url, status or error)
        self._last: float | None = None
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoOffsiteRedirects(base))

    def _wait(self) -> None:
        if self._last is not None:
            remaining = self._last + self.delay - self.clock()
            if remaining > 0:
                self.sleep(remaining)

    def _get(self, url: str) -> Fetched | None:
        if len(self.log) >= self.max_requests:
            return None
        self._wait()
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            try:
                response = self._opener.open(request, timeout=self.timeout)
            except urllib.error.HTTPError as exc:  # 4xx/5xx: still an answer
                response = exc
            with response:
                body = response.read(self.max_size + 1)
                status = response.status if hasattr(response, "status") else response.code
                headers: dict[str, list[str]] = {}
                for key, value in response.headers.items():
                    headers.setdefault(key, []).append(value)
                final = response.geturl() or url
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self.log.append((url, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"))
            return None
        finally:
            self._last = self.clock()
        self.log.append((url, status))
        if len(body) > self.max_size:
            return None
        return Fetched(final, status, headers, body)

    def start(self) -> None:
        """Read robots.txt (the first request)."""
        parts = urlsplit(self.base)
        robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
        fetched = self._get(robots_url)
        if fetched is None and self.log and isinstance(self.log[-1][1], str):
            raise ProbeError(f"cannot reach {parts.netloc} ({self.log[-1][1]}); check the address")
        text = fetched.body.decode("utf-8", "replace") if fetched and fetched.status == 200 else ""
        self.robots = Protego.parse(text)
        crawl_delay = self.robots.crawl_delay(self.user_agent)
        if crawl_delay is not None and crawl_delay > self.delay:
            self.delay = float(crawl_delay)

    def allowed(self, url: str) -> bool:
        if not urls.within_site(url, self.base):
            return False
        return not self.obey_robots or self.robots is None or self.robots.can_fetch(url, self.user_agent)

    def get(self, url: str) -> Fetched | None:
        """The page, or None when robots.txt forbids it, it failed, or the budget is spent."""
        if not self.allowed(url):
            self.log.append((url, "not requested: robots.txt"))
            return None
        return self._get(url)


Problem = tuple[str, str]  # (what is wrong, where: a page relative to the base URL, or "")


@dataclass
class StoryCheck:
    """One story read whole: its listing block, its index and its printable view, compared."""

    story_id: int
    title: str
    index_url: str  # relative to the base URL, as the verdict names it
    index_read: bool = False  # the index parsed
    chapters: list[int] = field(default_factory=list)  # the index's chapter list
    printable_linked: bool = False  # the index links the printable view
    printable_chapters: set[int] | None = None  # chapters whose text it gave; None: not asked for
    renderings: tuple[str, ...] = ()  # the renderings read, in agreement.RENDERINGS order
    agreeing: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> renderings showing it alike
    disagreements: list[agreement.Disagreement] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # READ_FIELDS no rendering showed
    problems: list[Problem] = field(default_factory=list)  # what makes the verdict "not understood"

    @property
    def printable_gives_text(self) -> bool | None:
        if self.printable_chapters is None:
            return None
        return bool(self.printable_chapters) and set(self.chapters) <= self.printable_chapters

    def lines(self) -> list[str]:
        head = f"story {self.story_id} {self.title!r} ({self.index_url}): "
        if self.index_read:
            head += f"index lists {len(self.chapters)} chapter{'s' if len(self.chapters) != 1 else ''}"
        else:
            head += "index not read"
        if self.printable_chapters is None:
            head += "; printable view not read"
        elif self.index_read:
            head += f"; printable view gives {len(self.printable_chapters & set(self.chapters))} of them"
        else:
            head += f"; printable view gives {len(self.printable_chapters)} chapters"
        groups: dict[tuple[str, ...], list[str]] = {}
        for name, where in self.agreeing.items():
            if where:
                groups.setdefault(where, []).append(name)
        agree = "; ".join(f"{', '.join(names)} ({', '.join(where)})" for where, names in groups.items())
        disagree = "; ".join(f"{d.field} ({', '.join(f'{w} {v}' for w, v in d.shown)})" for d in self.disagreements)
        lines = [head, f"  read: {', '.join(self.renderings) or 'nothing'}",
                 f"  agree: {agree or 'nothing to compare'}", f"  disagree: {disagree or 'nothing'}",
                 f"  could not be read: {', '.join(self.unread) or 'nothing'}"]
        return lines + [f"  problem: {what}" for what, _ in self.problems]


def merged_reasons(problems: list[Problem]) -> list[str]:
    """One reason per distinct problem, naming every page it was seen on."""
    where: dict[str, list[str]] = {}
    for what, page in problems:
        pages = where.setdefault(what, [])
        if page and page not in pages:
            pages.append(page)
    return [f"{what} on {', '.join(pages)}" if pages else what for what, pages in where.items()]


@dataclass
class ProbeReport:
    base_url: str
    is_efiction: bool = False
    version_hints: list[str] = field(default_factory=list)
    skin: str | None = None
    encoding_declared: str | None = None  # the <meta> charset (or a real header charset)
    encoding_used: str | None = None  # what the bytes really are
    date_format: DateFormatGuess | None = None
    date_samples: list[str] = field(default_factory=list)
    language: str = "en"
    items_per_page: int | None = None
    stories_on_first_page: int = 0
    printable_gives_text: bool | None = None
    viewstory_shows_index: bool | None = None
    rating_gates: list[str] = field(default_factory=list)
    members_only_stories: bool = False
    robots_crawl_delay: float | None = None
    delay: float = 2.0
    requests: list[tuple[str, int | str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stories: list[StoryCheck] = field(default_factory=list)  # the stories read whole
    problems: list[Problem] = field(default_factory=list)  # the site's own (the stories' are on them)

    @property
    def reasons(self) -> list[str]:
        """Why the parser did not understand the site (empty: it did)."""
        return merged_reasons(self.problems + [p for check in self.stories for p in check.problems])

    @property
    def understood(self) -> bool:
        return not self.reasons

    @property
    def verdict(self) -> str:
        """``understood``, or ``not understood: <reasons>``."""
        return "understood" if self.understood else "not understood: " + "; ".join(self.reasons)

    def profile_values(self, name: str) -> dict[str, Any]:
        fmt = self.date_format.format if self.date_format and self.date_format.format else "auto"
        notes = [f"written by `mirror probe` on {dt.date.today().isoformat()}"]
        if self.date_format and not self.date_format.certain:
            notes.append(f"date format uncertain ({', '.join(self.date_format.candidates)}): check it")
        if self.skin:
            notes.append(f"skin {self.skin}")
        if self.printable_gives_text is False:
            notes.append("the printable view does not give the text (chapters are fetched one by one)")
        return {"name": name, "base_url": self.base_url, "engine": "efiction", "date_format": fmt,
                "encoding": "auto", "language": self.language, "delay": self.delay,
                "concurrency": 1, "pass_age_gates": True, "printable": self.printable_gives_text is not False,
                "notes": "; ".join(notes)}

    def profile_toml(self, name: str) -> str:
        values = self.profile_values(name)
        validate(values, f"probe of {self.base_url}")  # what we write always loads
        comments = {"name": "Written by `mirror probe`; see config/sites/example.toml.sample for every key.",
                    "date_format": "; ".join(self.date_format.evidence) if self.date_format else None,
                    "encoding": (f"the site declares {self.encoding_declared or 'nothing'}, "
                                 f"its pages are {self.encoding_used or 'unknown'}")}
        return to_toml(values, comments)

    def summary_lines(self) -> list[str]:
        def yes_no(value: bool | None) -> str:
            return "unknown" if value is None else "yes" if value else "no"

        guess = self.date_format
        lines = [
            f"site: {self.base_url}",
            f"eFiction: {yes_no(self.is_efiction)}" + (f" ({'; '.join(self.version_hints)})" if self.version_hints else ""),
            f"skin: {self.skin or 'unknown'}",
            f"encoding: declared {self.encoding_declared or 'none'}, used {self.encoding_used or 'unknown'}",
            f"date format: {guess.format if guess and guess.format else 'unknown'}"
            + ("" if not guess else " (certain)" if guess.certain else " (UNCERTAIN: check it)")
            + (f"; {'; '.join(guess.evidence)}" if guess and guess.evidence else ""),
            f"language: {self.language}",
            f"items per page: {self.items_per_page if self.items_per_page else 'unknown'}"
            f" ({self.stories_on_first_page} stories on the first page)",
            f"printable view gives the text: {yes_no(self.printable_gives_text)}",
            f"viewstory.php?sid=N shows the index: {yes_no(self.viewstory_shows_index)}",
            f"rating gates: {', '.join(self.rating_gates) or 'none seen'}"
            + ("; members-only stories listed" if self.members_only_stories else ""),
            f"delay: {self.delay:g} s" + (f" (robots.txt Crawl-delay {self.robots_crawl_delay:g})"
                                          if self.robots_crawl_delay is not None else ""),
            f"requests: {len(self.requests)} (at most {MAX_REQUESTS})",
        ]
        lines.append(f"stories read whole: {', '.join(str(c.story_id) for c in self.stories) or 'none'}")
        for check in self.stories:
            lines += check.lines()
        return lines + [f"note: {n}" for n in self.notes] + [f"verdict: {self.verdict}"]


# --- pure analysis helpers -------------------------------------------------------------------------

_SKIN = re.compile(rb"skins/([^/'\"\s]+)/", re.IGNORECASE)
_POWERED = re.compile(rb"eFiction\s*(?:v(?:ersion)?\.?\s*)?(\d+\.\d+(?:\.\d+)?)", re.IGNORECASE)
_RSS_ITEM = re.compile(rb"<item>(.*?)</item>", re.IGNORECASE | re.DOTALL)
_RSS_LINK = re.compile(rb"<link>[^<]*?sid=(\d+)[^<]*</link>", re.IGNORECASE)
_RSS_DATE = re.compile(rb"<pubDate>([^<]+)</pubDate>", re.IGNORECASE)
_RSS_LANGUAGE = re.compile(rb"<language>\s*([A-Za-z]{2})", re.IGNORECASE)
_HTML_LANG = re.compile(rb"<html[^>]*\blang=[\"']?([A-Za-z]{2})", re.IGNORECASE)


def skin_of(body: bytes) -> str | None:
    match = _SKIN.search(body)
    return match.group(1).decode("latin-1") if match else None


def version_hints(fetched: Fetched) -> list[str]:
    hints = []
    powered = _POWERED.search(fetched.body)
    if powered:
        hints.append(f"says eFiction {powered.group(1).decode()}")
    content_type = " ".join(fetched.headers.get("Content-Type", []) + fetched.headers.get("content-type", []))
    if "_CHARSET" in content_type:
        hints.append("Content-Type charset=_CHARSET: eFiction 3.5.x")
    if b"includes/xmlhttp.js" in fetched.body:
        hints.append("includes/xmlhttp.js: eFiction 3.x browse page")
    if b"toplists.php" in fetched.body:
        hints.append("toplists.php: eFiction 3.x")
    return hints


def encoding_used(body: bytes) -> str:
    """What the bytes are: UTF-8 when they decode as UTF-8 with multi-byte characters (or are
    plain ASCII and say UTF-8), else windows-1252 (what ISO-8859-1 pages really are)."""
    if re.search(rb"[\x80-\xff]", body) is None:
        return "ascii"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"


def rss_dates(body: bytes) -> dict[int, dt.date]:
    """Story id -> the date of its RSS item's pubDate."""
    found: dict[int, dt.date] = {}
    for item in _RSS_ITEM.findall(body):
        link, date = _RSS_LINK.search(item), _RSS_DATE.search(item)
        if not link or not date:
            continue
        try:
            when = email.utils.parsedate_to_datetime(date.group(1).decode("latin-1").strip())
        except (TypeError, ValueError, IndexError):
            continue
        found.setdefault(int(link.group(1)), when.date())
    return found


def site_language(*bodies: bytes) -> str:
    for body in bodies:
        for pattern in (_RSS_LANGUAGE, _HTML_LANG):
            match = pattern.search(body or b"")
            if match and match.group(1).decode().lower() in LANGUAGES:
                return match.group(1).decode().lower()
    return "en"


def items_per_page(page_urls: list[str]) -> int | None:
    """The smallest positive ``offset=`` among a listing's page links: one page's worth."""
    offsets = []
    for url in page_urls:
        value = urls.script_and_query(url)[1].get("offset", "")
        if value.isdigit() and int(value) > 0:
            offsets.append(int(value))
    return min(offsets) if offsets else None


# --- the probe ------------------------------------------------------------------------------------

def probe(url: str, *, client: PoliteClient | None = None, delay: float | None = None,
          contact: str | None = None, today: dt.date | None = None) -> ProbeReport:
    """Probe the archive at ``url`` (a handful of polite requests) and report."""
    base = urls.normalise_base(url)
    if client is None:
        from mirror.crawl import crawl_settings

        settings = crawl_settings(delay=delay, contact=contact)
        client = PoliteClient(base, user_agent=settings.get("USER_AGENT"),
                              delay=settings.getfloat("DOWNLOAD_DELAY"),
                              obey_robots=settings.getbool("ROBOTSTXT_OBEY"),
                              timeout=settings.getfloat("DOWNLOAD_TIMEOUT"),
                              max_size=settings.getint("DOWNLOAD_MAXSIZE"))
    report = ProbeReport(base_url=base)
    client.start()
    report.robots_crawl_delay = client.robots.crawl_delay(client.user_agent) if client.robots else None
    try:
        _probe(client, report, base, today or dt.date.today())
    finally:
        report.delay = client.delay
        report.requests = list(client.log)
    return report


def _probe(client: PoliteClient, report: ProbeReport, base: str, today: dt.date) -> None:
    listing_url = urls.titles_url(base, offset=0)
    fetched = client.get(listing_url)
    if fetched is None or fetched.status != 200:
        why = client.log[-1][1] if client.log else "?"
        raise ProbeError(f"could not read {listing_url} ({why}); is this the archive's address?")
    page = fetched.page("listing")
    report.skin = skin_of(fetched.body)
    report.version_hints = version_hints(fetched)
    report.encoding_declared = header_charset(fetched.headers) or meta_charset(fetched.body)
    report.encoding_used = encoding_used(fetched.body)
    where = _relative(listing_url, base)
    try:
        listing = parse_listing(page, base)
    except ParseError as exc:
        report.is_efiction = looks_like_efiction(page)
        report.problems.append((f"the listing cannot be parsed: {exc.field} ({exc.message})", where))
        return
    report.is_efiction = bool(listing.entries) or looks_like_efiction(page)
    if not report.is_efiction:
        report.notes.append("no stories and none of eFiction's pages on browse.php?type=titles")
        report.problems.append(("not an eFiction archive (no stories and none of eFiction's pages)", where))
        return
    report.stories_on_first_page = len(listing.entries)
    report.items_per_page = items_per_page(listing.page_urls)
    if not listing.entries:
        report.problems.append(("the listing gives no story", where))
    elif report.items_per_page is None:
        report.notes.append(f"the listing has one page: items per page is at least {len(listing.entries)}")
    gates = []
    for entry in listing.entries:
        if entry.members_only:
            report.members_only_stories = True
        if "warning" in entry.gate:
            gates.append(f"warning (warning={entry.gate['warning']})")
        if "ageconsent" in entry.gate:
            gates.append("age consent (ageconsent=ok)")
    report.rating_gates = sorted(set(gates))

    rss = client.get(urls.build(base, "rss.php"))
    rss_body = rss.body if rss is not None and rss.status == 200 else b""
    report.language = site_language(rss_body, fetched.body)
    by_labels = page_language(page)
    if report.language == "en" and by_labels not in (None, "en"):  # no lang attribute: the skin's labels say
        report.language = by_labels
    pubdates = rss_dates(rss_body)
    samples, ordered, rss_pairs = [], [], []
    for entry in listing.entries:
        story = entry.story
        shown = [trimmed_date(story.published_display), trimmed_date(story.updated_display)]
        samples += [s for s in shown if s]
        if all(shown):
            ordered.append((shown[0], shown[1]))
        if shown[1] and entry.story_id in pubdates:
            rss_pairs.append((shown[1], pubdates[entry.story_id]))
    report.date_samples = samples
    report.date_format = infer_date_format(samples, rss_pairs=rss_pairs, ordered_pairs=ordered,
                                           language=report.language, today=today)
    if not listing.entries:
        return
    date_format = report.date_format.format or DEFAULT_FORMAT
    if date_format != DEFAULT_FORMAT:  # read the listing's dates in the site's format
        try:
            listing = parse_listing(page, base, date_format)
        except ParseError as exc:
            report.problems.append((f"the listing cannot be parsed: {exc.field} ({exc.message})", where))
            return

    public = [e for e in listing.entries if not e.members_only and not e.gate]
    if not public:
        report.notes.append("no ungated public story on the first listing page: story views not checked")
        report.problems.append(("no public (ungated, not members-only) story on the first listing page "
                                "to read whole", where))
        return
    chosen = sorted(public, key=lambda e: (-(e.story.chapter_count or 1), e.story_id))[:MAX_STORIES]
    ask_printable = True
    for position, entry in enumerate(chosen):
        check = _read_story(client, base, entry, date_format, ask_printable=ask_printable,
                            then=(lambda c: _check_plain_view(client, report, base, c)) if position == 0 else None)
        report.stories.append(check)
        if check.printable_chapters == set() and not check.printable_linked:
            ask_printable = False  # switched off: not asked for again
        if check.printable_chapters and check.index_read and not set(check.chapters) <= check.printable_chapters:
            report.notes.append(f"story {check.story_id}: the printable view gives chapters "
                                f"{sorted(check.printable_chapters)}, the index lists {check.chapters}")
    read = [c.printable_gives_text for c in report.stories if c.printable_gives_text is not None]
    report.printable_gives_text = any(read) if read else None


def _relative(url: str, base: str) -> str:
    """``url`` as the verdict names it: relative to the base URL."""
    return url[len(base):] if url.startswith(base) else url


_PRINTABLE_LINK = re.compile(rb"""href\s*=\s*["'][^"']*viewstory\.php\?[^"']*action=printable""", re.IGNORECASE)


def _has(story: Story, name: str) -> bool:
    value = getattr(story, name)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and value != [] and value != {}


def _read_story(client: PoliteClient, base: str, entry, date_format: str, *, ask_printable: bool,
                then=None) -> StoryCheck:
    """Read one story whole (its index, then its printable view) and compare its renderings;
    ``then(check)`` runs after the index was read (for the one request more on the first story)."""
    sid = entry.story_id
    index_url = urls.index_url(base, sid)
    check = StoryCheck(sid, entry.title, _relative(index_url, base))
    story: Story | None = None
    fetched = client.get(index_url)
    if fetched is None or fetched.status != 200:
        why = fetched.status if fetched is not None else client.log[-1][1] if client.log else "?"
        check.problems.append((f"the story index could not be fetched ({why})", check.index_url))
    else:
        check.printable_linked = bool(_PRINTABLE_LINK.search(fetched.body))
        try:
            story = parse_story_index(fetched.page("index"), base, sid, date_format)
        except ParseError as exc:
            check.problems.append((f"{exc.field} cannot be parsed ({exc.message})", _relative(exc.url, base)))
        except StoryUnavailable as exc:
            check.problems.append((f"the story index shows {exc.reason} for a public story",
                                   _relative(exc.url, base)))
        else:
            check.index_read = True
            check.chapters = [c.number for c in story.chapters]
    if then is not None:
        then(check)
    printed: Story | None = None
    printable_url = urls.printable_url(base, sid)
    if ask_printable:
        fetched = client.get(printable_url)
        if fetched is not None and fetched.status == 200:
            page = fetched.page("printable")
            check.printable_chapters = printable_chapter_numbers(page)
            try:
                printed = printable_record(parse_kept(parse_printable, page, None), page, base, sid, date_format)
            except (ParseError, StoryUnavailable):
                printed = None
        elif fetched is not None or (client.log and client.log[-1][0] == printable_url
                                     and not str(client.log[-1][1]).startswith("not requested")):
            check.printable_chapters = set()  # an error status or a failed request: no text
    if check.printable_linked and check.printable_chapters == set():
        check.problems.append(("the printable view gives no text although the index links it",
                               _relative(printable_url, base)))

    renderings = {"index": story, "printable": printed, "listing": entry.story}
    check.renderings = tuple(name for name in agreement.RENDERINGS if renderings.get(name) is not None)
    check.disagreements = agreement.compare(renderings)
    differ = {d.field for d in check.disagreements}
    for name in agreement.FIELDS:
        if name not in differ:
            check.agreeing[name] = tuple(w for w in check.renderings if _has(renderings[w], name))
    if story is not None:
        listed = agreement.chapter_list_disagreement(story)
        if listed is not None:
            check.disagreements.append(listed)
    for d in check.disagreements:
        shown = ", ".join(f"{w} {v}" for w, v in d.shown)
        check.problems.append((f"{d.field} disagrees ({shown})", check.index_url))
    check.unread = [name for name in READ_FIELDS
                    if not any(_has(renderings[w], name) for w in check.renderings)]
    if story is not None:  # (an index that did not parse is the problem already)
        for name in REQUIRED_FIELDS:
            if name in check.unread:
                check.problems.append((f"{name} could not be read", check.index_url))
        if "chapter_count" in check.unread and "word_count" in check.unread:
            check.problems.append(("neither chapter_count nor word_count could be read", check.index_url))
    return check


def _check_plain_view(client: PoliteClient, report: ProbeReport, base: str, check: StoryCheck) -> None:
    """Does ``viewstory.php?sid=N`` show the index (``displayindex``) or chapter 1?"""
    sid = check.story_id
    plain = client.get(urls.story_url(base, sid))
    if plain is None or plain.status != 200:
        return
    plain_page = plain.page("chapter")
    report.viewstory_shows_index = bool(index_chapter_numbers(plain_page, sid)) and \
        _chapter_text(plain_page) is False
    if not report.viewstory_shows_index and len(check.chapters) == 1:
        report.notes.append(f"story {sid} has one chapter: viewstory.php?sid={sid} may show it in place of "
                            "an index")


def _chapter_text(page: Page) -> bool:
    """Does a viewstory page show a chapter's text (div#story), rather than an index?"""
    try:
        if detect_gate(page) is not None:
            return False
    except ParseError:
        return False
    doc = parse_document(page)
    return bool(doc.xpath("//div[@id='story'] | //div[contains(concat(' ', normalize-space(@class), ' '), ' chapter ')]"))
