"""EPUB 3 export: one book per story, built with ebooklib, byte-for-byte reproducible.

Layout of a book (``EPUB/`` inside the zip):

* ``title.xhtml``: the story's metadata as shown on the site (title, authors, summary, rating,
  categories, characters, every class type, other labelled fields, challenges, series, chapters,
  completed, words, published/updated as displayed, source URL) and the story notes;
* ``nav.xhtml`` (EPUB 3 navigation) and ``toc.ncx`` (EPUB 2 readers): title page + chapters;
* ``chapter-001.xhtml`` ...: heading, notes, text, end notes, in chapter order.

Restricted (members-only) stories have no text: they get the title page only, with a notice.

Package metadata: ``dc:title``, one ``dc:creator`` per author (role ``aut``), ``dc:description``
(summary as plain text), ``dc:subject`` per category, character and class value (in that order,
duplicates dropped), ``dc:date`` (published), ``dcterms:modified`` (``updated``, else
``published``, else 1980-01-01: never the wall clock), ``dc:language`` ``en``,
``dc:publisher`` (the site's base URL), ``dc:source`` and a second ``dc:identifier`` (the story
URL).  The unique identifier is ``urn:uuid:`` + uuid5(URL namespace, story URL), so it is stable.
The first series goes out both as calibre's ``calibre:series`` / ``calibre:series_index`` and as
EPUB 3 ``belongs-to-collection``; the index (and ``group-position``) is the story's number
among that series' stories, read from the series page (``Series.position``).  When the series
page was not read the index is **1** (calibre's own default for an unknown position).

Chapter HTML from the site is HTML, often broken: :func:`html_to_xhtml` parses it as an HTML
fragment and rebuilds it from a whitelist of elements and attributes (scripts, styles, forms,
frames, event handlers, ``javascript:`` and other non-web links dropped; obsolete presentational
tags such as ``<font>``/``<center>`` mapped to ``<span>``/``<div>``; relative links made absolute
against the page they came from; stored images (issue 9) embedded as ``images/<sha256>.<ext>``,
other images, which EPUB does not allow from the web, replaced by a link), fixes the nesting EPUB's XHTML schema rejects (blocks inside ``<p>`` or inline elements,
orphan list items and table cells, nested links) and serialises it as XML, entities such as
``&nbsp;`` becoming plain characters.

Determinism: the zip is rewritten entry by entry with a fixed date (1980-01-01 00:00), fixed
permissions and system, ``mimetype`` first and stored, everything else deflated at level 9.
The bytes depend only on the story (and on the zlib build: a different deflate implementation,
e.g. zlib-ng, could change the compressed bytes, not the content).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable
from typing import IO
from urllib.parse import quote, urljoin, urlsplit

import lxml.html
from ebooklib import epub
from lxml import etree

from mirror.images import EPUB_TYPES, ImageRef, ImageSource, local_images
from mirror.items import STATUS_INCOMPLETE, STATUS_RESTRICTED, Author, Chapter, Story, Tag

__all__ = ["ZIP_DATE", "book_uid", "html_to_plain", "html_to_xhtml", "write_epub"]

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FALLBACK_MODIFIED = dt.datetime(1980, 1, 1)
LANGUAGE = "en"
SERIES_INDEX_UNKNOWN = "1"  # the story's position in its series was not read

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"

CSS = """\
body { margin: 0 1em; line-height: 1.4; }
h1, h2 { text-align: center; }
p.byline, p.chapter-authors { text-align: center; font-style: italic; }
p.notice { font-weight: bold; }
dl.meta dt { font-weight: bold; margin-top: 0.3em; }
dl.meta dd { margin-left: 1.5em; }
div.notes, div.end-notes, div.story-notes { margin: 1em 0; padding: 0.5em; border: 1px solid #999; }
p.label { font-weight: bold; margin-top: 0; }
hr.separator { margin: 1.5em 0; }
"""

# ------------------------------------------------------------------ HTML -> XHTML

# Kept as they are (attributes permitting).
_KEEP = frozenset("""
    a abbr address article aside b bdi blockquote br caption cite code dd del dfn div dl dt em
    figcaption figure footer h1 h2 h3 h4 h5 h6 header hr i ins kbd li mark ol p pre q rp rt ruby
    s samp section small span strong sub sup table tbody td tfoot th thead tr u ul var wbr
""".split())
# Obsolete or unknown-to-EPUB elements mapped to an allowed one.
_RENAME = {
    "font": "span", "big": "span", "blink": "span", "marquee": "span", "nobr": "span",
    "center": "div", "strike": "s", "tt": "code", "acronym": "abbr", "dir": "ul", "menu": "ul",
    "listing": "pre", "xmp": "pre", "plaintext": "pre", "main": "div", "nav": "div",
    "summary": "div", "details": "div", "fieldset": "div", "legend": "div", "label": "span",
}
# Dropped with everything inside them.
_DROP = frozenset("""
    script style noscript iframe frame frameset object embed applet form input button select
    textarea option optgroup head title meta link base svg math template canvas audio video
    source track map area param dialog
""".split())
_BLOCK = frozenset("""
    address article aside blockquote div dl figure footer h1 h2 h3 h4 h5 h6 header hr ol p pre
    section table ul
""".split())
# Elements whose content must be phrasing only.
_PHRASING_ONLY = frozenset("""
    abbr b bdi cite code dfn em h1 h2 h3 h4 h5 h6 i kbd mark p pre q rp rt ruby s samp small
    span strong sub sup u var dt caption
""".split())
# Attributes only some elements may carry (checked again after elements were renamed).
_TAG_ATTRIBUTES = {
    "href": {"a"}, "colspan": {"td", "th"}, "rowspan": {"td", "th"}, "start": {"ol"},
    "type": {"ol"}, "value": {"li"}, "style": {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6",
                                               "td", "th", "caption"},
}
_DROP_IF_EMPTY = frozenset("b i em strong u s span small sub sup mark code abbr cite q".split())
_VOID = frozenset({"br", "hr", "wbr"})
_ALIGNABLE = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "caption"})
_ALIGN_VALUES = frozenset({"left", "right", "center", "justify"})
_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,100}")
_DIGITS_RE = re.compile(r"[0-9]{1,4}")
_TEXT_ALIGN_RE = re.compile(r"text-align\s*:\s*(left|right|center|justify)\b", re.I)
# Characters XML 1.0 does not allow (and C1 controls, which are never meant).
_BAD_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def _clean_text(text: str | None) -> str:
    return _BAD_CHARS_RE.sub("", text or "")


def safe_url(href: str | None, base: str = "") -> str | None:
    """An absolute http(s)/mailto URL, percent-encoded where needed, or ``None``."""
    href = _clean_text(href).strip()
    if not href:
        return None
    href = re.sub(r"[\t\n\r]", "", href)
    try:
        absolute = urljoin(base, href) if base else href
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https", "mailto"):
        return None
    if scheme != "mailto" and not urlsplit(absolute).netloc:
        return None
    return quote(absolute, safe=_URL_SAFE)


def _fragment(source: str) -> lxml.html.HtmlElement:
    source = _clean_text(source)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)
    try:
        return lxml.html.fragment_fromstring(source, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        root = lxml.html.Element("div")
        root.text = source
        return root


def _drop(el: etree._Element) -> None:
    """Remove ``el`` and its content, keeping its tail."""
    el.drop_tree()


def _clean_attributes(el: lxml.html.HtmlElement, tag: str, base: str, ids: set[str]) -> None:
    old = dict(el.attrib)
    el.attrib.clear()
    for name in ("title", "lang"):
        value = _clean_text(old.get(name)).strip()
        if value and (name != "lang" or re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", value)):
            el.set(name, value)
    direction = (old.get("dir") or "").strip().lower()
    if direction in ("ltr", "rtl", "auto"):
        el.set("dir", direction)
    ident = (old.get("id") or (old.get("name") if tag == "a" else None) or "").strip()
    if ident and _ID_RE.fullmatch(ident) and ident not in ids:
        ids.add(ident)
        el.set("id", ident)
    if tag in _ALIGNABLE:
        align = (old.get("align") or "").strip().lower()
        match = _TEXT_ALIGN_RE.search(old.get("style") or "")
        if match:
            align = match.group(1).lower()
        if align in _ALIGN_VALUES:
            el.set("style", f"text-align: {align}")
    if tag == "a":
        href = (old.get("href") or "").strip()
        if href.startswith("#"):
            el.set("href", href)  # checked against the ids once all are known
        else:
            url = safe_url(href, base)
            if url:
                el.set("href", url)
    elif tag in ("td", "th"):
        for name in ("colspan", "rowspan"):
            value = (old.get(name) or "").strip()
            if _DIGITS_RE.fullmatch(value) and int(value) > 0:
                el.set(name, value)
    elif tag == "ol":
        value = (old.get("start") or "").strip()
        if re.fullmatch(r"-?[0-9]{1,6}", value):
            el.set("start", value)
        kind = (old.get("type") or "").strip()
        if kind in ("1", "a", "A", "i", "I"):
            el.set("type", kind)
    elif tag == "li":
        value = (old.get("value") or "").strip()
        if re.fullmatch(r"-?[0-9]{1,6}", value):
            el.set("value", value)


def _image_link(el: lxml.html.HtmlElement, base: str) -> lxml.html.HtmlElement:
    """EPUB forbids images from the web: a link to the image, labelled with its alt text."""
    alt = " ".join(_clean_text(el.get("alt")).split())
    label = f"[image: {alt}]" if alt else "[image]"
    url = safe_url(el.get("src"), base)
    new = lxml.html.Element("a" if url else "span")
    if url:
        new.set("href", url)
    new.text = label
    new.tail = el.tail
    el.getparent().replace(el, new)
    return new


def _local_image(el: lxml.html.HtmlElement, src: str) -> None:
    """A stored image, embedded in the book: ``src`` is its path inside the EPUB."""
    alt = " ".join(_clean_text(el.get("alt")).split())
    title = " ".join(_clean_text(el.get("title")).split())
    el.attrib.clear()
    el.set("src", src)
    el.set("alt", alt)
    if title:
        el.set("title", title)
    for child in list(el):
        child.drop_tree()
    el.text = None


def _has_block(el: etree._Element) -> bool:
    return any(d.tag in _BLOCK for d in el.iterdescendants())


def _fix_structure(root: lxml.html.HtmlElement) -> None:
    """Repair nesting the XHTML content models reject, deepest elements first."""
    # Context first, outermost elements first: a child sees its parent's final name.
    for el in list(root.iterdescendants()):
        tag = el.tag
        parent = el.getparent()
        if tag == "li" and parent.tag not in ("ul", "ol"):
            el.tag = "div"
        elif tag in ("dt", "dd") and parent.tag != "dl":
            el.tag = "div"
        elif tag in ("td", "th") and parent.tag != "tr":
            el.tag = "div"
        elif tag == "tr" and parent.tag not in ("table", "thead", "tbody", "tfoot"):
            el.tag = "div"
        elif tag in ("thead", "tbody", "tfoot", "caption") and parent.tag != "table":
            el.tag = "div"
        elif tag in ("rt", "rp") and parent.tag != "ruby":
            el.tag = "span"
    # Then content, deepest first: inline elements cannot hold blocks, links cannot nest.
    for el in reversed(list(root.iterdescendants())):
        tag = el.tag
        if el.getparent() is None:
            continue
        if tag in _PHRASING_ONLY and _has_block(el):
            if tag in ("span", "p", "pre", "h1", "h2", "h3", "h4", "h5", "h6"):
                el.tag = "div"
            else:
                el.drop_tag()
        elif tag == "a" and any(a.tag == "a" for a in el.iterancestors()):
            el.drop_tag()
    for el in reversed(list(root.iter("ul", "ol", "dl", "tr"))):
        wrapper = {"ul": "li", "ol": "li", "dl": "dd", "tr": "td"}[el.tag]
        allowed = {"ul": {"li"}, "ol": {"li"}, "dl": {"dt", "dd"}, "tr": {"td", "th"}}[el.tag]
        _wrap_strays(el, wrapper, allowed)
    for el in reversed(list(root.iter("table", "thead", "tbody", "tfoot"))):
        allowed = {"tr"} if el.tag != "table" else {"caption", "thead", "tbody", "tfoot", "tr"}
        _foster(el, allowed)
    for el in reversed(list(root.iter("tr", "thead", "tbody", "tfoot", "caption"))):
        if len(el) == 0 and el.tag != "caption":
            _remove_keep_tail(el)
    for el in list(root.iter("table")):
        captions = [c for c in el if c.tag == "caption"]
        for extra in captions[1:]:
            extra.tag = "div"
            _remove_keep_tail(extra, move_before=el)
        if captions and el.index(captions[0]) != 0:
            el.insert(0, captions[0])
        groups = [c for c in el if c.tag in ("thead", "tbody", "tfoot")]
        if groups and any(c.tag == "tr" for c in el):
            for child in list(el):
                if child.tag == "tr":
                    body = lxml.html.Element("tbody")
                    child.addprevious(body)
                    body.append(child)
        for kind in ("thead", "tfoot"):
            for extra in [c for c in el if c.tag == kind][1:]:
                extra.tag = "tbody"
        order = {"caption": 0, "thead": 1, "tbody": 2, "tr": 2, "tfoot": 3}
        children = sorted(el, key=lambda c: order.get(c.tag, 2))
        for child in children:
            el.append(child)
        if not any(c.tag in ("tr", "tbody", "thead", "tfoot") for c in el):
            el.tag = "div"
            for child in el:
                if child.tag == "caption":
                    child.tag = "div"
    for el in list(root.iter("ul", "ol")):
        if len(el) == 0:
            el.tag = "div"
    # dl must start with dt and end with dd; anything else becomes plain divs.
    for el in list(root.iter("dl")):
        if len(el) == 0 or el[0].tag != "dt" or el[-1].tag != "dd":
            el.tag = "div"
            for child in el:
                if child.tag in ("dt", "dd"):
                    child.tag = "div"


def _remove_keep_tail(el: etree._Element, move_before: etree._Element | None = None) -> None:
    if move_before is not None:
        tail = el.tail
        el.tail = None
        move_before.addprevious(el)
        el.tail = tail
        return
    el.drop_tree()


def _foster(table: etree._Element, allowed: set[str]) -> None:
    """Move text and elements a table part cannot hold to just before the outermost table."""
    outer = table
    for anc in table.iterancestors():
        if anc.tag == "table":
            outer = anc
    strays: list = []
    if table.text and table.text.strip():
        strays.append(table.text)
    table.text = None
    for child in list(table):
        tail = child.tail
        child.tail = None
        if child.tag not in allowed:
            table.remove(child)
            strays.append(child)
        if tail and tail.strip():
            strays.append(tail)
    if not strays:
        return
    holder = lxml.html.Element("div")
    for stray in strays:
        if isinstance(stray, str):
            if len(holder):
                holder[-1].tail = (holder[-1].tail or "") + stray
            else:
                holder.text = (holder.text or "") + stray
        else:
            holder.append(stray)
    holder.tail = None
    if outer is table and table.getparent() is None:
        return
    outer.addprevious(holder)


def _wrap_strays(el: etree._Element, wrapper: str, allowed: set[str]) -> None:
    """Move text and disallowed children of ``el`` into new ``wrapper`` children."""
    current = None
    text = el.text
    el.text = None
    if text and text.strip():
        current = lxml.html.Element(wrapper)
        current.text = text
        el.insert(0, current)
    for child in list(el):
        if child is current:
            continue
        if child.tag in allowed:
            tail = child.tail
            child.tail = None
            current = None
            if tail and tail.strip():
                current = lxml.html.Element(wrapper)
                current.text = tail
                child.addnext(current)
            continue
        if current is None:
            current = lxml.html.Element(wrapper)
            child.addprevious(current)
        current.append(child)  # carries its tail along
    for child in el:
        if child.tail and not child.tail.strip():
            child.tail = None


def html_to_xhtml(source: str, base: str = "", ids: set[str] | None = None,
                  images: Callable[[str | None, str | None], str | None] | None = None) -> str:
    """Site HTML (a fragment, maybe broken) as well-formed, EPUB-valid XHTML (no namespace).

    The result is a sequence of nodes meant to sit inside an XHTML ``<body>`` or ``<div>``:
    only whitelisted elements and attributes, links absolute (against ``base``) and limited to
    http(s) and mailto, entities as characters.  ``images``: ``(src, srcset) -> path in the book``
    of a stored image (:func:`mirror.images.local_images`), else ``None``: an image not stored
    becomes a link to it, labelled with its alt text.  ``ids`` collects the ids kept: pass the same
    set for every fragment of one document so that no id is used twice.
    """
    if not source or not source.strip():
        return ""
    root = _fragment(source)
    ids = set() if ids is None else ids
    for el in list(root.iterdescendants()):
        if el.getparent() is None:  # inside something already dropped
            continue
        if not isinstance(el.tag, str):
            _drop(el)
            continue
        tag = el.tag.lower() if el.tag else ""
        if tag in _DROP:
            _drop(el)
        elif tag == "img":
            local = images(el.get("src"), el.get("srcset")) if images is not None else None
            if local:
                _local_image(el, local)
            else:
                _image_link(el, base)
        elif tag in _KEEP or tag in _RENAME:
            new_tag = _RENAME.get(tag, tag)
            el.tag = new_tag
            if tag == "center":
                el.set("align", "center")
            _clean_attributes(el, new_tag, base, ids)
            if new_tag in _VOID:
                for child in list(el):
                    child.drop_tree()
                el.text = None
        else:
            el.drop_tag()
    for el in root.iter("a"):
        href = el.get("href")
        if href is not None and href.startswith("#") and href[1:] not in ids:
            del el.attrib["href"]
    _fix_structure(root)
    for el in root.iterdescendants():
        for name in list(el.attrib):
            if name in _TAG_ATTRIBUTES and el.tag not in _TAG_ATTRIBUTES[name]:
                del el.attrib[name]
    for el in reversed(list(root.iterdescendants())):
        if el.tag in _DROP_IF_EMPTY and len(el) == 0 and not el.text and not el.attrib:
            el.drop_tag()
    parts = [html.escape(root.text or "", quote=False)]
    for child in root:
        parts.append(etree.tostring(child, method="xml", encoding="unicode", with_tail=True))
    return "".join(parts).strip()


def html_to_plain(source: str) -> str:
    """Site HTML as plain text: paragraphs separated by a blank line, line breaks kept."""
    if not source or not source.strip():
        return ""
    root = _fragment(source)
    for el in list(root.iter("script", "style")):
        el.drop_tree()
    for el in root.iter():
        if el is root or not isinstance(el.tag, str):
            continue
        if el.tag == "br":
            el.tail = "\n" + (el.tail or "")
        elif el.tag in _BLOCK or el.tag in ("li", "dd", "dt", "tr", "center"):
            el.tail = "\n\n" + (el.tail or "")
    text = root.text_content()
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", out)


# ------------------------------------------------------------------ documents


def _e(text: object) -> str:
    return html.escape(_clean_text(str(text)), quote=True)


def _document(title: str, body: str, *, epub_ns: bool = False) -> bytes:
    doc = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<!DOCTYPE html>\n"
        f'<html xmlns="{XHTML_NS}"'
        + (f' xmlns:epub="{EPUB_NS}"' if epub_ns else "")
        + f' xml:lang="{LANGUAGE}" lang="{LANGUAGE}">\n'
        "<head>\n"
        '<meta charset="utf-8" />\n'
        f"<title>{_e(title)}</title>\n"
        '<link rel="stylesheet" type="text/css" href="style/style.css" />\n'
        "</head>\n"
        f"<body>\n{body}\n</body>\n"
        "</html>\n"
    )
    data = doc.encode("utf-8")
    etree.fromstring(data)  # well-formed, or fail loudly here rather than in a reader
    return data


def _link(text: str, url: str | None) -> str:
    href = safe_url(url)
    return f'<a href="{_e(href)}">{_e(text)}</a>' if href else _e(text)


def _names(authors: Iterable[Author]) -> str:
    links = [_link(a.name, a.url) for a in authors]
    if len(links) <= 2:
        return " and ".join(links)
    return ", ".join(links[:-1]) + " and " + links[-1]


def _tags(tags: Iterable[Tag]) -> str:
    return ", ".join(_e(t.name) for t in tags)


def _date_text(display: str | None, date: dt.date | None) -> str | None:
    if display:
        return display
    return date.isoformat() if date else None


def _title_page(story: Story, refs: list[ImageRef] = ()) -> bytes:
    body = [f"<h1>{_e(story.title)}</h1>"]
    if story.authors:
        body.append(f'<p class="byline">by {_names(story.authors)}</p>')
    if story.status == STATUS_RESTRICTED:
        body.append('<p class="notice">This story is for members only on the site: '
                    "its metadata was mirrored, its text was not.</p>")
    elif story.status == STATUS_INCOMPLETE:
        body.append('<p class="notice">Some chapters of this story could not be fetched: '
                    "this copy is incomplete.</p>")
    ids: set[str] = set()
    summary = html_to_xhtml(story.summary_html, story.url, ids)
    if summary:
        body.append(f'<div class="summary">\n{summary}\n</div>')

    rows: list[tuple[str, str]] = []
    if story.rating:
        rows.append(("Rating", _e(story.rating)))
    if story.categories:
        rows.append(("Categories", _tags(story.categories)))
    if story.characters:
        rows.append(("Characters", _tags(story.characters)))
    for kind, values in story.classes.items():
        if values:
            rows.append((kind, _tags(values)))
    for label, value in story.extra.items():
        if value:
            rows.append((label, _e(value)))
    if story.challenges:
        rows.append(("Challenges", _tags(story.challenges)))
    if story.series:
        rows.append(("Series", ", ".join(_link(s.title, s.url) for s in story.series)))
    chapters = story.chapter_count if story.chapter_count is not None else (len(story.chapters) or None)
    if chapters is not None:
        rows.append(("Chapters", _e(chapters)))
    if story.completed is not None:
        rows.append(("Completed", "Yes" if story.completed else "No"))
    if story.word_count is not None:
        rows.append(("Words", _e(story.word_count)))
    published = _date_text(story.published_display, story.published)
    if published:
        rows.append(("Published", _e(published)))
    updated = _date_text(story.updated_display, story.updated)
    if updated:
        rows.append(("Updated", _e(updated)))
    rows.append(("Source", _link(story.url, story.url)))
    body.append('<dl class="meta">')
    for label, value in rows:
        body.append(f"<dt>{_e(label)}</dt>\n<dd>{value}</dd>")
    body.append("</dl>")

    notes = html_to_xhtml(story.story_notes_html, story.url, ids, _shown(refs, story.url))
    if notes:
        body.append(f'<div class="story-notes">\n<p class="label">Story notes</p>\n{notes}\n</div>')
    return _document(story.title, "\n".join(body))


def chapter_title(chapter: Chapter) -> str:
    title = " ".join(_clean_text(chapter.title).split())
    return title or f"Chapter {chapter.number}"


def _shown(refs: list[ImageRef], base: str):
    return local_images(refs, base, keep=lambda ref: ref.content_type in EPUB_TYPES) if refs else None


def _chapter_page(story: Story, chapter: Chapter, refs: list[ImageRef] = ()) -> bytes:
    base = chapter.source_url or story.url
    shown = _shown(refs, base)
    title = chapter_title(chapter)
    body = [f'<h2 class="chapter-title">{_e(title)}</h2>']
    if chapter.authors and [a.id for a in chapter.authors] != [a.id for a in story.authors]:
        body.append(f'<p class="chapter-authors">by {_names(chapter.authors)}</p>')
    ids: set[str] = set()
    notes = html_to_xhtml(chapter.notes_html, base, ids, shown)
    if notes:
        body.append(f'<div class="notes">\n<p class="label">Notes</p>\n{notes}\n</div>')
    text = html_to_xhtml(chapter.text_html, base, ids, shown)
    body.append(f'<div class="text">\n{text}\n</div>' if text else '<div class="text"></div>')
    end_notes = html_to_xhtml(chapter.end_notes_html, base, ids, shown)
    if end_notes:
        body.append(f'<div class="end-notes">\n<p class="label">End notes</p>\n{end_notes}\n</div>')
    return _document(f"{title} - {story.title}", "\n".join(body))


# ------------------------------------------------------------------ book


def book_uid(story: Story) -> str:
    """The book's stable unique identifier: uuid5 of the story URL."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, story.url)}"


def _modified(story: Story) -> dt.datetime:
    day = story.updated or story.published
    if day is None:
        return FALLBACK_MODIFIED
    return dt.datetime(day.year, day.month, day.day)


def _subjects(story: Story) -> list[str]:
    seen: list[str] = []
    tags = list(story.categories) + list(story.characters)
    for values in story.classes.values():
        tags.extend(values)
    for tag in tags:
        name = " ".join(_clean_text(tag.name).split())
        if name and name not in seen:
            seen.append(name)
    return seen


def build_book(story: Story, images: ImageSource | None = None) -> epub.EpubBook:
    """The book; ``images`` (stored images) are embedded as ``images/<sha256>.<ext>``, PNG,
    JPEG, GIF and WebP only (EPUB's core media types; others become links)."""
    refs = images.refs(story) if images is not None and story.status != STATUS_RESTRICTED else []
    book = epub.EpubBook()
    # ebooklib names itself (and its version) as generator: keep the bytes about the story only
    book.metadata.get(epub.NAMESPACES["OPF"], {}).pop("generator", None)
    book.set_identifier(book_uid(story))
    book.set_title(_clean_text(story.title) or "Untitled")
    book.set_language(LANGUAGE)
    for n, author in enumerate(story.authors, 1):
        book.add_author(_clean_text(author.name), role="aut", uid=f"creator{n}")
    book.add_metadata("DC", "identifier", story.url, {"id": "source-url"})
    book.add_metadata("DC", "source", story.url)
    book.add_metadata("DC", "publisher", story.site)
    description = html_to_plain(story.summary_html)
    if description:
        book.add_metadata("DC", "description", description)
    for subject in _subjects(story):
        book.add_metadata("DC", "subject", subject)
    if story.published:
        book.add_metadata("DC", "date", story.published.isoformat())
    if story.series:
        series = _clean_text(story.series[0].title)
        index = str(story.series[0].position) if story.series[0].position else SERIES_INDEX_UNKNOWN
        book.add_metadata(None, "meta", "", {"name": "calibre:series", "content": series})
        book.add_metadata(None, "meta", "", {"name": "calibre:series_index", "content": index})
        book.add_metadata(None, "meta", series, {"property": "belongs-to-collection", "id": "series"})
        book.add_metadata(None, "meta", "series", {"refines": "#series", "property": "collection-type"})
        book.add_metadata(None, "meta", index, {"refines": "#series", "property": "group-position"})

    css = epub.EpubItem(uid="style", file_name="style/style.css", media_type="text/css",
                        content=CSS.encode("utf-8"))
    book.add_item(css)
    title = epub.EpubItem(uid="title", file_name="title.xhtml", media_type="application/xhtml+xml",
                          content=_title_page(story, refs))
    book.add_item(title)
    embedded: set[str] = set()
    for ref in refs:
        if ref.content_type in EPUB_TYPES and ref.sha256 not in embedded:
            embedded.add(ref.sha256)
            book.add_item(epub.EpubImage(uid=f"image-{ref.sha256[:16]}", file_name=ref.path,
                                         media_type=ref.content_type, content=images.data(ref.sha256)))
    toc: list = [epub.Link("title.xhtml", "Title page", "toc-title")]
    spine: list = [title, "nav"]
    if story.status != STATUS_RESTRICTED:
        for chapter in sorted(story.chapters, key=lambda c: c.number):
            name = f"chapter-{chapter.number:03d}.xhtml"
            item = epub.EpubItem(uid=f"chapter-{chapter.number:03d}", file_name=name,
                                 media_type="application/xhtml+xml",
                                 content=_chapter_page(story, chapter, refs))
            book.add_item(item)
            spine.append(item)
            toc.append(epub.Link(name, chapter_title(chapter), f"toc-chapter-{chapter.number:03d}"))
    book.toc = toc
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = spine
    return book


def _normalised_zip(data: bytes, stream: IO[bytes]) -> None:
    """Copy the zip ``data`` to ``stream`` with fixed dates and attributes, mimetype first."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = source.namelist()
        ordered = ["mimetype"] + [n for n in names if n != "mimetype"]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as out:
            for name in ordered:
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.create_system = 3
                info.external_attr = 0o100644 << 16
                if name == "mimetype":
                    info.compress_type = zipfile.ZIP_STORED
                    out.writestr(info, b"application/epub+zip")
                else:
                    info.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(info, source.read(name), compresslevel=9)
    stream.write(buffer.getvalue())


def epub_bytes(story: Story, images: ImageSource | None = None) -> bytes:
    """The EPUB file for ``story``: the same story always gives the same bytes."""
    book = build_book(story, images)
    raw = io.BytesIO()
    writer = epub.EpubWriter(raw, book, {"mtime": _modified(story), "raise_exceptions": True})
    writer.process()
    writer.write()
    out = io.BytesIO()
    _normalised_zip(raw.getvalue(), out)
    return out.getvalue()


def write_epub(story: Story, stream: IO[bytes], images: ImageSource | None = None) -> None:
    """Write ``story`` as an EPUB 3 book to the binary ``stream`` (with its stored ``images``)."""
    stream.write(epub_bytes(story, images))
