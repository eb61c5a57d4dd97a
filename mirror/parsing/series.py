"""Pure parsers for eFiction series pages (``viewseries.php?seriesid=N[&offset=K]``).

A series page opens with the series header (``#pagetitle`` "Title by Owner", then
label lines: Summary, Categories, Characters, the class types, Challenges, Parent
Series, Stories, Series Type) and lists the series' stories *and* sub-series as
listing blocks in ``inorder`` order, paginated by ``offset`` (``#pagelinks``).
Nothing here touches the network or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from mirror import urls
from mirror.items import Author, Page, SeriesEntry, SeriesInfo, SeriesPages, Tag
from mirror.parsing.dates import DEFAULT_FORMAT as DEFAULT_DATE_FORMAT
from mirror.parsing.efiction import (FATAL_ERROR_TEXT, ParseError, StoryUnavailable, _authors, _has_class,
                                     _parse_block, _query, _segments, _text, _title_link_target, _tokens,
                                     parse_document, parse_kept, shows_fatal_error)

SERIES_TYPES = {"open": "open", "moderated": "moderated", "closed": "closed"}
# Header labels that belong to the series, not to its tags (English; cf. efiction.LABELS).
PARENT_LABELS = {"parent series"}
TYPE_LABELS = {"series type", "open"}
COUNT_LABELS = {"stories"}
_SERIES_LABELS = PARENT_LABELS | TYPE_LABELS | COUNT_LABELS


class SeriesUnavailable(StoryUnavailable):
    """The site has no such series (eFiction shows an empty series template) or sent an error page."""


@dataclass
class SeriesPage:
    """What one page of a series shows."""

    series_id: int
    url: str
    title: str
    owner: Author | None
    summary_html: str = ""
    categories: list[Tag] = field(default_factory=list)
    characters: list[Tag] = field(default_factory=list)
    classes: dict[str, list[Tag]] = field(default_factory=dict)
    series_type: str | None = None
    parent_series_id: int | None = None
    story_count: int | None = None
    review_count: int | None = None  # "[Reviews - N]" by the title (#titleinfo), where shown
    entries: list[SeriesEntry] = field(default_factory=list)  # this page's items, in order
    offset: int = 0
    page_urls: list[str] = field(default_factory=list)  # other pages of this series (absolute, cleaned)
    warnings: list[str] = field(default_factory=list)


def _offset(url: str) -> int:
    value = urls.script_and_query(url)[1].get("offset", "0")
    return int(value) if value.isdigit() else 0


def _series_id_of(url: str) -> int | None:
    script, query = urls.script_and_query(url)
    value = query.get("seriesid", "")
    return int(value) if script == "viewseries.php" and value.isdigit() else None


def _inside(el: etree._Element, containers: list[etree._Element]) -> bool:
    return any(el is c or c in el.iterancestors() for c in containers)


def _title_and_owner(box: etree._Element | None, base: str) -> tuple[str, Author | None]:
    """"Title by <a>Owner</a>": the text before the owner link, less its last word (_BY)."""
    if box is None:
        return "", None
    owner_link = next((a for a in box.iter("a") if _query(a.get("href", ""))[0] == "viewuser.php"), None)
    owners = _authors([owner_link], base) if owner_link is not None else []
    if owner_link is None:
        match = re.match(r"(.*\S)\s+by\s+", _text(box))
        return (match.group(1) if match else _text(box)), None
    parts = [box.text or ""]
    for child in box:
        if child is owner_link or owner_link in child.iterdescendants():
            break
        parts.append(child.text_content() + (child.tail or ""))
    before = " ".join("".join(parts).split())
    match = re.match(r"(.*\S)\s+\S+$", before)  # drop the "by" word, whatever the language
    return (match.group(1) if match else ""), (owners[0] if owners else None)


def _header_block(doc: etree._Element) -> etree._Element | None:
    block = next(iter(doc.xpath("//*[@id='titleblock']")), None)
    if block is not None:
        return block
    # another skin: the element holding the "Series Type" label
    for span in doc.iter("span"):
        if "label" in (span.get("class") or "").split() and _text(span).rstrip(":").strip().lower() in TYPE_LABELS:
            return span.getparent()
    return None


def parse_series_page(page: Page, base_url: str, date_format: str = DEFAULT_DATE_FORMAT,
                      encoding: str | None = None) -> SeriesPage:
    """The header and this page's ordered items of one ``viewseries.php`` page.

    Raises :class:`SeriesUnavailable` for a series the site does not have (eFiction answers
    with its empty template: no title, ``viewuser.php?uid=`` without a number) or an SQL error
    page, and :class:`ParseError` (naming the field and URL) for a page it cannot read."""
    doc = parse_document(page, encoding)
    series_id = _series_id_of(page.url)
    if series_id is None:
        raise ParseError(page.url, "seriesid", "not a viewseries.php?seriesid=N URL")
    if shows_fatal_error(doc):
        raise SeriesUnavailable(page.url, "fatal", f"series page shows an error: {FATAL_ERROR_TEXT}")
    title_box = next(iter(doc.xpath("//*[@id='pagetitle']")), None)
    title, owner = _title_and_owner(title_box, base_url)
    if not title and owner is None:
        raise SeriesUnavailable(page.url, "missing", f"no such series {series_id} (the site shows an empty series)")
    if not title:
        raise ParseError(page.url, "title", "no series title in #pagetitle")
    header = _header_block(doc)
    if header is None:
        raise ParseError(page.url, "header", "no series header block (Summary:, Series Type:, ...)")
    meta = _parse_block(header, page.url, date_format, base_url)
    result = SeriesPage(series_id=series_id, url=page.url, title=title, owner=owner,
                        summary_html=meta.fields["summary_html"], categories=meta.fields["categories"],
                        characters=meta.fields["characters"], offset=_offset(page.url),
                        warnings=list(meta.warnings))
    _, segments = _segments(_tokens(header, []))
    for segment in segments:
        label = segment.label.lower()
        if label in PARENT_LABELS:
            parents = [_series_id_of(urls.absolute(page.url, t.href)) for t in segment.tokens if t.kind == "link"]
            result.parent_series_id = next((p for p in parents if p is not None), None)
        elif label in TYPE_LABELS and segment.text:
            result.series_type = SERIES_TYPES.get(segment.text.lower(), segment.text)
            if segment.text.lower() not in SERIES_TYPES:
                result.warnings.append(f"series type: unknown value {segment.text!r}")
        elif label in COUNT_LABELS and segment.text:
            digits = re.sub(r"\D", "", segment.text)
            if not digits:
                raise ParseError(page.url, "story_count", f"expected a number, got {segment.text!r}")
            result.story_count = int(digits)
    result.review_count = _series_review_count(doc, series_id)
    result.classes = {name: tags for name, tags in meta.fields["classes"].items()
                      if name and name.lower() not in _SERIES_LABELS}
    result.entries = _entries(doc, page.url, series_id, [header, *([title_box] if title_box is not None else [])])
    for link in doc.xpath("//div[@id='pagelinks']//a[contains(@href, 'offset=')]"):
        url = urls.clean(urls.absolute(page.url, link.get("href", "")))
        if _series_id_of(url) == series_id and url not in result.page_urls:
            result.page_urls.append(url)
    return result


def _series_review_count(doc: etree._Element, series_id: int) -> int | None:
    """The number link of "[Reviews - N]" for this series (``reviews.php?type=SE&item=N``)."""
    for link in doc.iter("a"):
        script, query = _query(link.get("href", ""))
        if (script == "reviews.php" and query.get("type") == "SE" and query.get("item") == str(series_id)
                and "action" not in query and re.fullmatch(r"\d+", _text(link))):
            return int(_text(link))
    return None


def _entries(doc: etree._Element, url: str, series_id: int, skip: list[etree._Element]) -> list[SeriesEntry]:
    """Story and sub-series title links, in page order.  A title link opens a line of its block;
    links after a label ("Series:", "Parent Series:") are metadata of an item, not items."""
    body = doc.find("body") if doc.find("body") is not None else doc
    pagelinks = doc.xpath(f"//*[@id='pagelinks'] | //*[{_has_class('jumpmenu')}]")
    entries: list[SeriesEntry] = []
    labelled = False
    for token in _tokens(body, []):
        if token.kind == "label":
            labelled = True
        elif token.kind in ("br", "break"):
            labelled = False
        elif token.kind == "link" and not labelled and not _inside(token.el, skip + pagelinks):
            href = token.href.replace("&amp;", "&")
            target = _title_link_target(href)
            if target is not None:
                entry = SeriesEntry(story_id=target[0])
            else:
                script, query = urls.script_and_query(href)
                if script != "viewseries.php" or set(query) != {"seriesid"} or not query["seriesid"].isdigit():
                    continue
                child = int(query["seriesid"])
                if child == series_id:
                    continue
                entry = SeriesEntry(series_id=child)
            if entry not in entries:
                entries.append(entry)
    return entries


def extract_series(series_pages: SeriesPages, encoding: str | None = None) -> SeriesInfo:
    """A series' record from every page fetched for it: the header of the first page, the
    items of all pages in offset order."""
    base, seriesid = series_pages.site, series_pages.series_id
    pages = sorted(series_pages.pages, key=lambda p: _offset(p.url))
    if not pages:
        raise ParseError(urls.series_url(base, seriesid), "pages", "no series page was fetched")
    parsed = [parse_kept(parse_series_page, p, base, series_pages.date_format, encoding) for p in pages]
    first = parsed[0]
    info = SeriesInfo(site=base, series_id=seriesid, url=urls.series_url(base, seriesid), title=first.title,
                      owner=first.owner, summary_html=first.summary_html, categories=first.categories,
                      characters=first.characters, classes=first.classes, series_type=first.series_type,
                      parent_series_id=first.parent_series_id, story_count=first.story_count,
                      review_count=first.review_count,
                      requests=series_pages.requests, warnings=list(first.warnings))
    for one in parsed:
        for entry in one.entries:
            if entry not in info.entries:
                info.entries.append(entry)
    if series_pages.failures:
        info.entries_complete = False
        reasons = "; ".join(f"{url}: {reason}" for url, reason in series_pages.failures)
        info.warnings.append(f"incomplete: some pages of the series could not be fetched ({reasons})")
    return info


@dataclass
class SeriesListing:
    series_ids: list[int]  # in page order
    page_urls: list[str]  # other pages of the listing (absolute, cleaned)


def parse_series_listing(page: Page, encoding: str | None = None) -> SeriesListing:
    """``browse.php?type=series``: the series title links (not the "Parent Series:" links) and
    the other pages of the listing.  It also lists series whose stories are all members-only."""
    doc = parse_document(page, encoding)
    body = doc.find("body") if doc.find("body") is not None else doc
    ids: list[int] = []
    labelled = False
    for token in _tokens(body, []):
        if token.kind == "label":
            labelled = True
        elif token.kind in ("br", "break"):
            labelled = False
        elif token.kind == "link" and not labelled:
            script, query = _query(token.href)
            if script == "viewseries.php" and set(query) == {"seriesid"} and query["seriesid"].isdigit():
                if int(query["seriesid"]) not in ids:
                    ids.append(int(query["seriesid"]))
    page_urls = []
    for link in doc.xpath("//div[@id='pagelinks']//a[contains(@href, 'offset=')]"):
        url = urls.clean(urls.absolute(page.url, link.get("href", "")))
        if url not in page_urls:
            page_urls.append(url)
    return SeriesListing(ids, page_urls)
