"""Pure parsers for eFiction 3.x pages.

Every function takes a saved response (:class:`mirror.items.Page`: URL, status,
headers, body bytes) and returns plain data; nothing here touches the network
or the database.  Metadata is read by the link patterns eFiction's PHP writes
(stable across skins) first, and by the labels of the skin's templates second.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import lxml.html
from lxml import etree

from mirror import urls
from mirror.items import (STATUS_INCOMPLETE, STATUS_RESTRICTED, Author, Chapter, Page, Series, Story, StoryPages,
                          Tag)
from mirror.parsing.dates import DEFAULT_FORMAT as DEFAULT_DATE_FORMAT
from mirror.parsing import agreement, labels, metablock, scope
from mirror.parsing.encoding import decode_body

T = TypeVar("T")


class ParseError(ValueError):
    """A page that cannot be parsed: names the URL and the field."""

    def __init__(self, url: str, field: str, message: str):
        super().__init__(f"{url}: cannot parse {field}: {message}")
        self.url, self.field, self.message = url, field, message


class StoryUnavailable(ValueError):
    """The site refused the story (access denied, gate we cannot pass, SQL error page)."""

    def __init__(self, url: str, reason: str, message: str):
        super().__init__(f"{url}: {message}")
        self.url, self.reason = url, reason


# the label tables and label elements live in mirror.parsing.labels (re-exported here)
LABELS_BY_LANGUAGE, LABELS, label_key, label_language = labels.LABELS_BY_LANGUAGE, labels.LABELS, labels.label_key, labels.label_language
YES, NO, EMPTY_VALUES, _NOT_METADATA = labels.YES, labels.NO, labels.EMPTY_VALUES, labels._NOT_METADATA

FATAL_ERROR_TEXT = "A fatal MySQL error was encountered"
ACCESS_DENIED_TEXT = "Access denied"
MEMBERS_ONLY_TEXT = "Registered Users Only"

_WORDS = re.compile(r"\(\s*(\d[\d,.]*)\s*[^\W\d_]+\s*\)")


# --- documents -----------------------------------------------------------------------------------

def parse_document(page: Page, encoding: str | None = None) -> lxml.html.HtmlElement:
    text = decode_body(page.body, page.headers, encoding)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    if not text.strip():
        raise ParseError(page.url, "body", "the page is empty")
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(page.url, "body", f"not HTML ({exc})") from exc


def _parse_key(parse: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    return (f"{parse.__module__}.{parse.__qualname__}", args)


def parse_and_keep(parse: Callable[..., T], page: Page, *args: Any) -> T:
    """``parse(page, *args)``, the result kept on the page for :func:`parse_kept`.  The spider
    parses some pages to route the crawl (a printable view for the chapters it holds, a page of
    reviews or a series for its page links); the pipeline then takes that parse."""
    result = parse(page, *args)
    page.parsed[_parse_key(parse, args)] = result
    return result


def parse_once(parse: Callable[..., T], page: Page, *args: Any) -> T:
    """The parse kept on the page with these arguments (kept, not let go), else parsed and kept."""
    key = _parse_key(parse, args)
    if key not in page.parsed:
        page.parsed[key] = parse(page, *args)
    return page.parsed[key]


def parse_kept(parse: Callable[..., T], page: Page, *args: Any) -> T:
    """The parse :func:`parse_and_keep` kept with these very arguments (then let go: it is used
    once), else ``parse(page, *args)``."""
    key = _parse_key(parse, args)
    if key in page.parsed:
        return page.parsed.pop(key)
    return parse(page, *args)


_classes = labels.classes
_text = metablock.text_of
inner_html = metablock.inner_html
_query = metablock.query
_int = metablock.to_int
_title_link_target = scope.title_link_target


def _spaced_text(el: etree._Element) -> str:
    """Text with a space between elements: for messages split by <br />."""
    return " ".join(" ".join(el.itertext()).split())


# --- page states -----------------------------------------------------------------------------------

@dataclass
class Gate:
    """An interstitial instead of the story: warning, age consent or members only."""

    kind: str  # "warning", "ageconsent", "members", "denied", "fatal"
    text: str
    title: str = ""
    params: dict[str, str] = field(default_factory=dict)  # to append to pass the gate


def shows_fatal_error(doc: etree._Element) -> bool:
    """Whether the page shows eFiction's SQL error (:data:`FATAL_ERROR_TEXT`), whatever the
    spacing and case.  Every page is asked, and a printable view holds a whole story: the
    spacing is only normalised when the page says "MySQL" at all."""
    text = doc.text_content()
    return "mysql" in text.lower() and FATAL_ERROR_TEXT.lower() in " ".join(text.split()).lower()


# eFiction's own messages (languages/en.php) for what it shows instead of a story, whatever the
# skin wraps them in: _ACCESSDENIED, _NOTAUTHORIZED, _RUSERSONLY, _AGECHECK
GATE_TEXTS = {"access denied": "denied", "not authorized to access": "denied", "not authorised": "denied",
              "registered users only": "members", "age consent required": "ageconsent"}
_ERROR_BOXES = ("errortext", "errormsg", "error", "errorbox", "errormessage", "warning", "alert")


def _error_boxes(doc: etree._Element) -> list[etree._Element]:
    """Elements a skin shows a message in: eFiction's ``errortext`` and the classes skins use."""
    return [el for el in doc.iter() if isinstance(el.tag, str) and el.tag not in ("body", "html")
            and set(_classes(el)) & set(_ERROR_BOXES)]


def _message_box(doc: etree._Element) -> etree._Element | None:
    """On a page showing no story metadata: the smallest element holding one of eFiction's gate
    messages (a skin that writes them without a class)."""
    if any(labels.is_label(el) for el in doc.iter()):
        return None
    for el in doc.iter("div", "p", "td", "span", "center"):
        text = _spaced_text(el).lower()
        if len(text) < 600 and any(message in text for message in GATE_TEXTS) and not any(
                any(m in _spaced_text(c).lower() for m in GATE_TEXTS) for c in el if isinstance(c.tag, str)
                and c.tag not in ("br", "a", "b", "strong")):
            return el
    return None


def detect_gate(page: Page, doc: lxml.html.HtmlElement | None = None) -> Gate | None:
    """Return the gate or error a viewstory page shows in place of the story, if any: by the
    message box's class (``errortext``, ``errormsg``…) or by eFiction's message texts."""
    doc = doc if doc is not None else parse_document(page)
    if shows_fatal_error(doc):
        return Gate("fatal", FATAL_ERROR_TEXT)
    if doc.xpath("//div[@id='story'] | //div[contains(concat(' ', @class, ' '), ' chapter ')]"):
        return None
    boxes = _error_boxes(doc)
    box = boxes[0] if boxes else _message_box(doc)
    if box is None:
        return None
    title = _text(next(iter(doc.xpath("//*[@id='pagetitle']")), None))
    text = _spaced_text(box)
    for link in box.iter("a"):
        script, query = _query(link.get("href", ""))
        if script == "viewstory.php" and ({"warning", "ageconsent"} & query.keys()):
            params = {k: v for k, v in query.items() if k in ("ageconsent", "warning")}
            kind = "ageconsent" if "ageconsent" in params else "warning"
            return Gate(kind, text, title, params)
    kinds = [kind for message, kind in GATE_TEXTS.items() if message in text.lower()]
    return Gate("members" if "members" in kinds else "denied", text, title)


# --- metadata blocks (mirror.parsing.metablock; these names serve the series and challenge parsers) --

def _tokens(el: etree._Element, out: list) -> list:
    return metablock.tokens(el, out)


def _segments(stream: list) -> tuple[list, list]:
    head, found, _ = metablock.segments(stream)
    return head, found


def _parse_block(block: etree._Element, url: str, date_format: str, base: str) -> metablock.Meta:
    """The fields of a metadata block that belongs wholly to one record (a series' or a
    challenge's header)."""
    region = scope.Region(block, set())
    return metablock.parse_block(region, url, date_format, base, ParseError, metablock.summary_html(region))


def _meta_labels(region: scope.Region) -> list[etree._Element]:
    """The labels of known metadata fields in ``region`` (notes and review labels left out)."""
    return [el for el in region.iter() if labels.is_label(el)
            and (label_key(labels.label_name(el)) or "") not in _NOT_METADATA | {""}
            and not el.xpath(f"ancestor::div[{_has_class('notes')}]")]


def _authors(links: Iterable[etree._Element], base: str) -> list[Author]:
    authors: list[Author] = []
    for link in links:
        script, query = _query(link.get("href", ""))
        if script == "viewuser.php" and query.get("uid", "").isdigit():
            author = Author(int(query["uid"]), _text(link), urls.author_url(base, int(query["uid"])))
            if all(a.id != author.id for a in authors):
                authors.append(author)
    return authors


def _review_count(root: etree._Element, sid: int) -> int | None:
    for link in root.iter("a"):
        script, query = _query(link.get("href", ""))
        if (script == "reviews.php" and query.get("item") == str(sid) and "chapid" not in query
                and _text(link).isdigit()):
            return int(_text(link))
    return None


def _notes_html(div: etree._Element) -> str:
    """A notes box's content, without its title: eFiction's ``noteinfo``; else what follows the
    box's own label or heading ("Story Notes:", ``<h4>``, a ``<th>``/``<dt>`` with the text in
    the next cell)."""
    info = div.xpath(".//*[contains(concat(' ', @class, ' '), ' noteinfo ')]")
    if info:
        return inner_html(info[0])
    clone = lxml.html.fromstring(lxml.html.tostring(div))
    for title in clone.xpath(".//*[contains(concat(' ', @class, ' '), ' title ')]"):
        title.drop_tree()
    # the first element holding text: the box's title when it names the notes
    first = next((el for el in clone.iter() if el is not clone and isinstance(el.tag, str)
                  and (el.text or "").strip()), None)
    is_title = first is not None and (labels.is_label(first) or (
        first.tag in _HEADINGS and label_key(_text(first)) in _NOT_METADATA))
    if is_title and first.tag in ("th", "dt", "td"):  # the notes are in the next cell
        cell = next((el for el in first.itersiblings() if el.tag in ("td", "dd")), None)
        if cell is None:
            cell = next(iter(first.xpath("following::td[1] | following::dd[1]")), None)
        return inner_html(cell)
    if is_title and not (clone.text or "").strip():
        first.drop_tree()
    return inner_html(clone)


def _before_by(text: str) -> str:
    """"Title by Author" -> "Title"; the last " by " (titles like "Stand by Me" keep theirs)."""
    match = re.match(r"(.*\S)\s+by\s+", text)
    return match.group(1) if match else text


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# --- story index (viewstory.php?sid=N&index=1) ---------------------------------------------------

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_WORDS = re.compile(r"\(\s*(\d[\d,.]*)\s*[^\W\d_]+\s*\)")


def _is_title_link(link: etree._Element, sid: int) -> bool:
    target = scope.title_link_target(link.get("href", ""))
    return target is not None and target[0] == sid


def _line_after(link: etree._Element) -> list[etree._Element]:
    """The links on the title link's line ("Title by Author, Co-author"): up to a line break or
    a block, never into the chapter list."""
    holder = link.getparent()
    if holder is None:
        return []
    stream = metablock.tokens(holder, [])
    at = next((i for i, t in enumerate(stream) if t.el is link), None)
    found = []
    for token in stream[(at or 0) + 1:]:
        if token.kind in ("br", "break", "label"):
            break
        if token.kind == "link" and token.el is not None:
            found.append(token.el)
    return found


def title_line(doc: etree._Element, region: scope.Region, sid: int) -> tuple[str, list[etree._Element], etree._Element | None]:
    """(title, the title line's links, the title line's element): ``#pagetitle``, else a heading
    holding the story's own title link, else the first title link in the story's region."""
    boxes = [b for b in doc.xpath("//*[@id='pagetitle']") if not region.excludes(b)]
    boxes += [h for h in region.iter(*_HEADINGS) if any(_is_title_link(a, sid) for a in h.iter("a"))]
    for box in boxes:
        link = next((a for a in box.iter("a") if _is_title_link(a, sid)), None)
        if link is not None:
            links = [a for a in box.iter("a") if a is not link] or _line_after(box)
            return _text(link), links, box
        if box.get("id") == "pagetitle":  # no link: "Title by Author", or the author alone
            text = _text(box)
            title = _before_by(text) if re.search(r"\S\s+by\s", text) else ""
            return title, list(box.iter("a")), box
    link = next((a for a in region.iter("a") if _is_title_link(a, sid)), None)
    if link is not None:
        return _text(link), _line_after(link), link.getparent()
    return "", [], None


def _chapter_line_links(region: scope.Region, sid: int) -> set[etree._Element]:
    """Every link on a chapter line of the index (a chapter's own author is not the story's)."""
    found: set[etree._Element] = set()
    for chapter in region.iter("a"):
        if scope.own_link(chapter.get("href", ""), sid) and _query(chapter.get("href", ""))[1].get("chapter"):
            found.add(chapter)
            found.update(_line_after(chapter))
    return found


def parse_story_index(page: Page, base: str, sid: int, date_format: str = DEFAULT_DATE_FORMAT,
                      encoding: str | None = None, *, doc: lxml.html.HtmlElement | None = None) -> Story:
    """Metadata and the chapter list from a story's table of contents (``doc``: the page's
    ``parse_document``, when the caller has it already), read in the story's own region."""
    shown = read_index(page, base, sid, date_format, encoding, doc=doc)
    if isinstance(shown, Gate):
        raise StoryUnavailable(page.url, shown.kind, f"story page shows {shown.kind}: {shown.text}")
    return shown


def read_index(page: Page, base: str, sid: int, date_format: str = DEFAULT_DATE_FORMAT, encoding: str | None = None,
               *, doc: lxml.html.HtmlElement | None = None) -> "Gate | Story":
    """A story index read once: the gate it shows instead of the story, or the story.  The
    spider reads it to route (``parse_and_keep``); the pipeline takes that parse."""
    doc = doc if doc is not None else parse_document(page, encoding)
    gate = detect_gate(page, doc)
    if gate is not None:
        return gate
    region = scope.story_region(doc, sid)
    story = _story_record(page, doc, region, base, sid, date_format)
    story.chapters = _index_chapters(region, base, sid) or _jump_menu_chapters(doc)
    if not story.chapters:
        raise ParseError(page.url, "chapters", "no chapter list in the story index")
    return story


def _story_record(page: Page, doc: etree._Element, region: scope.Region, base: str, sid: int,
                  date_format: str) -> Story:
    """A story's metadata from its own page (index or printable view), without chapters."""
    title, line_links, line_box = title_line(doc, region, sid)
    if not title:
        title = _before_by(_text(next(iter(doc.xpath("//title")), None)))
    if not title:
        raise ParseError(page.url, "title", "no story title in #pagetitle, a heading or <title>")
    found = _meta_labels(region)
    root = scope._common_ancestor(found)
    if root is None:
        raise ParseError(page.url, "metadata", "no labelled metadata block (Summary:, Rated:, ...)")
    block = scope.Region(root, region.skip)
    own = [a for a in region.iter("a") if scope.own_link(a.get("href", ""), sid)]
    meta = metablock.parse_block(block, page.url, date_format, base, ParseError,
                                 metablock.summary_html(region, line_box, own))
    authors = _authors(line_links, base)
    if not authors:
        in_chapters = _chapter_line_links(region, sid)
        authors = _authors((a for a in block.iter("a") if a not in in_chapters), base)
    if not authors:
        raise ParseError(page.url, "authors", "no viewuser.php?uid= link for the author")
    story = Story(site=base, story_id=sid, url=urls.story_url(base, sid), title=title,
                  authors=authors, review_count=_review_count(region, sid),
                  story_notes_html=_story_notes(doc, region),
                  extra=meta.extra, **meta.fields)
    story.warnings = meta.warnings
    story.shown = meta.found | {"title", "authors"}
    return story


def _line_tokens(followers: list[metablock.Token], sid: int) -> list[metablock.Token]:
    """A chapter line's tokens after its link: to the line's end (a ``<br>``, or a block once
    the line holds text), never into the next chapter's line."""
    line: list[metablock.Token] = []
    for follower in followers:
        if follower.kind in ("br", "break"):
            if line and follower.kind == "br" or any(t.kind == "text" and t.text.strip() for t in line):
                break
            continue
        if follower.kind == "link" and _query(follower.href)[1].get("chapter", "").isdigit() \
                and _query(follower.href)[1].get("sid") == str(sid):
            break
        line.append(follower)
    return line


def _row_after(link: etree._Element | None) -> list[metablock.Token]:
    """A chapter line that is a table row: the row's tokens after the link (its cells)."""
    row = next((a for a in link.iterancestors("tr")), None) if link is not None else None
    if row is None or sum(1 for a in row.iter("a") if _query(a.get("href", ""))[1].get("chapter")) > 1:
        return []  # not a row of its own (a layout table holding the whole list)
    stream = metablock.tokens(row, [])
    at = next((i for i, t in enumerate(stream) if t.el is link), len(stream))
    return [t for t in stream[at + 1:] if t.kind not in ("br", "break")]


def _story_notes(doc: etree._Element, region: scope.Region) -> str:
    """The story notes: eFiction's notes box, else the value after a "Story Notes:" label."""
    notes = [n for n in doc.xpath(f"//*[{_has_class('notes')}]") if not region.excludes(n)]
    if notes:
        return _notes_html(notes[0])
    label = next((el for el in region.iter() if labels.is_label(el)
                  and label_key(labels.label_name(el)) == "story_notes"), None)
    return metablock.labelled_value_html(label) if label is not None else ""


def _index_chapters(region: scope.Region, base: str, sid: int) -> list[Chapter]:
    stream = metablock.region_tokens(region)
    chapters: dict[int, Chapter] = {}
    for position, token in enumerate(stream):
        if token.kind != "link":
            continue
        script, query = _query(token.href)
        if not (script == "viewstory.php" and query.get("sid") == str(sid)
                and query.get("chapter", "").isdigit()):
            continue
        number = int(query["chapter"])
        line = _row_after(token.el) or _line_tokens(stream[position + 1:], sid)
        chapid = None
        for t in line:
            if t.kind == "link":
                s, q = _query(t.href)
                if s == "reviews.php" and q.get("chapid", "").isdigit():
                    chapid = int(q["chapid"])
                    break
        words = _WORDS.search(" ".join(t.text for t in line if t.kind == "text"))
        chapter = Chapter(number=number, id=chapid, title=token.text,
                          authors=_authors((t.el for t in line if t.kind == "link" and t.el is not None), base),
                          word_count=_int(words.group(1)) if words else None)
        chapters.setdefault(number, chapter)
    return [chapters[n] for n in sorted(chapters)]


def index_chapter_numbers(page: Page, sid: int) -> list[int]:
    """The chapter numbers a story index lists (for routing when no listing gave the count)."""
    numbers = set()
    for href in re.findall(rb"""href=["']([^"']*viewstory\.php\?[^"']*)["']""", page.body):
        _, query = _query(href.decode("latin-1"))
        if query.get("sid") == str(sid) and query.get("chapter", "").isdigit():
            numbers.add(int(query["chapter"]))
    return sorted(numbers)


def _jump_menu_chapters(doc: etree._Element) -> list[Chapter]:
    chapters = []
    for option in doc.xpath("//select[@name='chapter']/option"):
        value = option.get("value", "")
        if value.isdigit():
            title = re.sub(r"^\s*\d+\.\s*", "", _text(option))
            chapters.append(Chapter(number=int(value), id=None, title=title))
    return chapters


# --- chapter texts: printable view and chapter pages -----------------------------------------------

@dataclass
class ChapterText:
    number: int
    title: str
    text_html: str
    notes_html: str = ""
    end_notes_html: str = ""
    source_url: str = ""
    has_text: bool = False  # a text container was present (an empty chapter is still a chapter)
    heading: str = ""  # the chapter title line as shown ("Title by Author" in the printable view)


@dataclass
class PrintableStory:
    story_notes_html: str
    chapters: dict[int, ChapterText]
    header_html: str = ""  # what stands before the first chapter: the title line and metadata


def _header_html(first: etree._Element | None) -> str:
    """Everything before ``first`` in document order (the printable view's title and infobox)."""
    if first is None:
        return ""
    parts: list[str] = []
    for el in [first, *first.iterancestors()]:
        parts[:0] = [lxml.html.tostring(s, encoding="unicode", method="html")
                     for s in reversed(list(el.itersiblings(preceding=True))) if isinstance(s.tag, str)]
    return "".join(parts)


def printable_record(printable: PrintableStory, page: Page, base: str, sid: int, date_format: str) -> Story | None:
    """The story's metadata as the printable view shows it (for the agreement check), None when
    the view shows none."""
    if not printable.header_html.strip():
        return None
    doc = lxml.html.document_fromstring(f"<html><body>{printable.header_html}</body></html>")
    try:
        return _story_record(page, doc, scope.story_region(doc, sid), base, sid, date_format)
    except ParseError:
        return None


def parse_printable(page: Page, encoding: str | None = None) -> PrintableStory:
    """Every chapter's text and notes from ``viewstory.php?action=printable&chapter=all``."""
    doc = parse_document(page, encoding)
    gate = detect_gate(page, doc)
    if gate is not None:
        raise StoryUnavailable(page.url, gate.kind, f"printable view shows {gate.kind}: {gate.text}")
    # any element: skins write the chapter titles in headings and the notes in blockquotes
    xpath = (f"//*[{_has_class('chaptertitle')} or {_has_class('chapter')} or {_has_class('notes')}"
             f" or {_has_class('endnotes')}]")
    story_notes = ""
    chapters: dict[int, ChapterText] = {}
    current: ChapterText | None = None
    divs = doc.xpath(xpath)
    header = _header_html(next((d for d in divs if "chaptertitle" in _classes(d) or "chapter" in _classes(d)), None))
    for div in divs:
        classes = _classes(div)
        if div.xpath(f"ancestor::*[{_has_class('chapter')}]"):
            continue  # the story's own markup inside a chapter's text
        if "chaptertitle" in classes:
            anchor = div.xpath(".//a[@name]")
            name = anchor[0].get("name", "") if anchor else ""
            if not name.isdigit():  # chapter=K prints one chapter without the '#K' anchor
                name = urls.script_and_query(page.url)[1].get("chapter", "")
            number = int(name) if name.isdigit() else len(chapters) + 1
            heading = _text(div)
            current = ChapterText(number, _before_by(heading), "", source_url=page.url, heading=heading)
            chapters[number] = current
        elif "notes" in classes or "endnotes" in classes:
            if current is None:
                story_notes = story_notes or _notes_html(div)
            elif current.has_text or "endnotes" in classes:
                current.end_notes_html = _notes_html(div)
            else:
                current.notes_html = _notes_html(div)
        elif "chapter" in classes and current is not None:
            current.text_html = inner_html(div)
            current.has_text = True
    return PrintableStory(story_notes, chapters, header)


def printable_chapter_numbers(page: Page, encoding: str | None = None) -> set[int]:
    """Chapters whose text the printable view gave (for the spider's fallback decision).  The
    parse is kept on the page for extract_story (it is the largest page of a story)."""
    return printable_chapters(page, encoding)[0]


def printable_chapters(page: Page, encoding: str | None = None) -> tuple[set[int], set[int]]:
    """(chapters whose text the printable view gave, chapters its list names); the parse is
    kept on the page, as by :func:`printable_chapter_numbers`."""
    try:
        printable = parse_once(parse_printable, page, encoding)
    except (ParseError, StoryUnavailable):
        return set(), set()
    return {n for n, c in printable.chapters.items() if c.has_text}, set(printable.chapters)


def parse_chapter_page(page: Page, number: int, encoding: str | None = None) -> tuple[ChapterText, str]:
    """One chapter from ``viewstory.php?sid=N&chapter=K``; returns (chapter, story notes)."""
    doc = parse_document(page, encoding)
    gate = detect_gate(page, doc)
    if gate is not None:
        raise StoryUnavailable(page.url, gate.kind, f"chapter page shows {gate.kind}: {gate.text}")
    story_div = next(iter(doc.xpath(f"//div[@id='story'] | //div[{_has_class('chapter')}]")), None)
    if story_div is None:
        raise ParseError(page.url, f"chapters[{number}].text", "no div#story or div.chapter on the chapter page")
    children = list(story_div)
    holder = story_div
    if len(children) == 1 and children[0].tag == "span" and not (story_div.text or "").strip() \
            and not (children[0].tail or "").strip():
        holder = children[0]
    title = ""
    for option in doc.xpath("//select[@name='chapter']/option[@selected]"):
        title = re.sub(r"^\s*\d+\.\s*", "", _text(option))
    chapter = ChapterText(number, title, inner_html(holder), source_url=page.url, has_text=True)
    story_notes = ""
    for div in doc.xpath(f"//*[{_has_class('notes')}]"):
        before = div in story_div.itersiblings(preceding=True) or bool(
            div.xpath("following::div[@id='story']"))
        label = _text(next(iter(div.xpath(".//*[contains(@class, 'label')] | .//b | .//strong")), None))
        if before and (label_key(label) == "story_notes" or "story" in label.lower()):
            story_notes = _notes_html(div)
        elif before:
            chapter.notes_html = _notes_html(div)
        else:
            chapter.end_notes_html = _notes_html(div)
    return chapter, story_notes


# --- listings (browse.php?type=titles) -------------------------------------------------------------

@dataclass
class ListingEntry:
    story_id: int
    title: str
    gate: dict[str, str]  # parameters that pass the story's gate (warning=, ageconsent=)
    members_only: bool
    story: Story  # the metadata the listing shows


@dataclass
class Listing:
    entries: list[ListingEntry]
    page_urls: list[str]  # other pages of the same listing (absolute, cleaned)


def parse_listing(page: Page, base: str, date_format: str = DEFAULT_DATE_FORMAT,
                  encoding: str | None = None) -> Listing:
    """Every story a listing page shows (outside the side blocks), each read from its own block
    (:func:`mirror.parsing.scope.listing_blocks`), and the listing's other pages."""
    doc = parse_document(page, encoding)
    entries = [_listing_entry(listed, page.url, base, date_format) for listed in scope.listing_blocks(doc)]
    page_urls = []
    for link in doc.xpath("//div[@id='pagelinks']//a[contains(@href, 'offset=')]"):
        url = urls.clean(urls.absolute(page.url, link.get("href", "")))
        if url not in page_urls:
            page_urls.append(url)
    return Listing(entries, page_urls)


def _listing_entry(listed: scope.ListedStory, url: str, base: str, date_format: str) -> ListingEntry:
    region, sid = listed.region, listed.story_id
    line = listed.link.getparent()
    own = [a for a in region.iter("a") if scope.own_link(a.get("href", ""), sid)]
    meta = metablock.parse_block(region, url, date_format, base, ParseError,
                                 metablock.summary_html(region, line, own))
    title = _text(listed.link)
    authors = _authors(_line_after(listed.link), base) or _authors(
        (a for a in region.iter("a") if a is not listed.link), base)
    story = Story(site=base, story_id=sid, url=urls.story_url(base, sid), title=title, authors=authors,
                  review_count=_review_count(region, sid), extra=meta.extra, **meta.fields)
    story.warnings = meta.warnings
    story.shown = meta.found | {"title", "authors"}
    return ListingEntry(sid, title, listed.gate, listed.members_only, story)


def looks_like_efiction(page: Page) -> bool:
    """Does this page come from an eFiction archive (its PHP's links and ids)?"""
    body = page.body
    return any(marker in body for marker in (b"viewstory.php?sid=", b"browse.php?type=", b"viewuser.php?uid=",
                                             b"id=\"pagetitle\"", b"id='pagetitle'"))


def page_language(page: Page, encoding: str | None = None) -> str | None:
    """The language of a page's metadata labels (:func:`label_language`), None when it has none."""
    doc = parse_document(page, encoding)
    return label_language(labels.label_name(el) for el in doc.iter() if labels.is_label(el))


def listing_dates(page: Page, base: str, encoding: str | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """The dates a listing page shows, as displayed: (every Published/Updated, the (published,
    updated) pairs), to infer the site's date format from (:func:`mirror.parsing.dates.infer_date_format`)."""
    samples: list[str] = []
    pairs: list[tuple[str, str]] = []
    for entry in parse_listing(page, base, DEFAULT_DATE_FORMAT, encoding).entries:
        shown = (entry.story.published_display, entry.story.updated_display)
        samples += [s for s in shown if s]
        if all(shown):
            pairs.append((shown[0], shown[1]))
    return samples, pairs


# --- a whole story ---------------------------------------------------------------------------------

def _pages(story_pages: StoryPages, kind: str) -> Iterator[Page]:
    return (p for p in story_pages.pages if p.kind == kind)


def restricted_story(story_pages: StoryPages, gate: Gate, encoding: str | None = None) -> Story:
    """A members-only story: what the listing shows about it, without text."""
    base, sid = story_pages.site, story_pages.story_id
    story: Story | None = None
    if story_pages.listing is not None:
        for entry in parse_listing(story_pages.listing, base, story_pages.date_format, encoding).entries:
            if entry.story_id == sid:
                story = entry.story
    if story is None:
        story = Story(site=base, story_id=sid, url=urls.story_url(base, sid), title=gate.title)
    story.title = story.title or gate.title
    story.status = STATUS_RESTRICTED
    if story_pages.login_problem:
        story.warnings.append(f"members only: {story_pages.login_problem}")
    story.chapters = []
    story.requests = story_pages.requests
    return story


def _agree(story: Story, others: dict[str, Story | None]) -> None:
    """The renderings compared (:mod:`mirror.parsing.agreement`): what disagreed is kept with
    the story (its warnings, recorded with its crawl state) and counted by the pipeline."""
    for disagreement in agreement.settle(story, others):
        story.disagreements.append(disagreement.field)
        story.warnings.append(str(disagreement))


def extract_story(story_pages: StoryPages, encoding: str | None = None) -> Story:
    """Build a Story (with chapters) from every page fetched for it."""
    base, sid = story_pages.site, story_pages.story_id
    index_pages = list(_pages(story_pages, "index"))
    if not index_pages:
        raise ParseError(f"{base}viewstory.php?sid={sid}", "index", "no story index page was fetched")
    index = index_pages[-1]  # the last one: after a gate was passed
    story = parse_kept(read_index, index, base, sid, story_pages.date_format, encoding)
    if isinstance(story, Gate) and story.kind == "members":
        return restricted_story(story_pages, story, encoding)
    if isinstance(story, Gate):
        raise StoryUnavailable(index.url, story.kind, f"story index shows {story.kind}: {story.text}")
    texts: dict[int, ChapterText] = {}
    printable_errors: list[Exception] = []
    printed: Story | None = None  # the printable view's rendering of the metadata
    for page in _pages(story_pages, "printable"):
        try:
            printable = parse_kept(parse_printable, page, encoding)
        except (ParseError, StoryUnavailable) as exc:  # the chapter pages fetched instead must do
            story.warnings.append(f"printable view unusable: {exc}")
            printable_errors.append(exc)
            continue
        printed = printed or printable_record(printable, page, base, sid, story_pages.date_format)
        story.story_notes_html = story.story_notes_html or printable.story_notes_html
        texts.update({n: c for n, c in printable.chapters.items() if c.has_text})
    for page in _pages(story_pages, "chapter"):
        value = urls.script_and_query(page.url)[1].get("chapter", "")
        number = int(value) if value.isdigit() else 1  # viewstory.php?sid=N shows chapter 1
        chapter_text, notes = parse_chapter_page(page, number, encoding)
        texts[number] = chapter_text
        story.story_notes_html = story.story_notes_html or notes
    _agree(story, {"printable": printed, "listing": story_pages.listed})
    missing = []
    for chapter in story.chapters:
        if not chapter.authors:
            chapter.authors = list(story.authors)
        found = texts.get(chapter.number)
        if found is None and story_pages.failures:
            missing.append(chapter.number)  # its request failed: kept, without text
            continue
        if found is None and printable_errors:
            raise printable_errors[0]  # the real cause: the printable view was an error page
        if found is None:
            raise ParseError(index.url, f"chapters[{chapter.number}].text",
                             "no printable or chapter page gave this chapter's text")
        chapter.text_html = found.text_html
        chapter.notes_html = found.notes_html
        chapter.end_notes_html = found.end_notes_html
        chapter.title = chapter.title or found.title
        chapter.source_url = found.source_url
    if missing:
        story.status = STATUS_INCOMPLETE
        reasons = "; ".join(f"{url}: {reason}" for url, reason in story_pages.failures)
        story.warnings.append(f"incomplete: chapters {missing} could not be fetched ({reasons})")
    story.requests = story_pages.requests
    return story
