"""Pure parsers for the browse pages that describe a site's taxonomy (eFiction 3.5).

* ``browse.php`` (no type): the browse menu; its ``type=class&type_id=T`` links name the class
  types ("Genres", "Warnings").
* ``browse.php?type=categories``: the top-level categories, one ``<div>`` each in
  ``#columncontainer``: ``<a href=…catid=N>Name</a> [story count] description``.  A category's own
  page (``&catid=N``) lists its subcategories the same way, then its stories.
* ``browse.php?type=characters`` (paginated by ``offset``), ``type=ratings`` (``rating=<rid>``)
  and ``type=class&type_id=T`` (``classid=C``): name links in ``#columncontainer``.
* Rating gates (``viewstory.php?sid=N`` in a session that has not passed them): a rating's warning
  text (the text before "Continue", or the age-consent link's text) with its ``warning=<rid>``.

Nothing here touches the network or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mirror import urls
from mirror.items import Page, TaxonomyEntry, TaxonomyInfo, TaxonomyPages
from mirror.parsing.efiction import FATAL_ERROR_TEXT, ParseError, _query, _text, parse_document, shows_fatal_error

# browse.php types -> the taxonomy part they belong to
_PART_OF_TYPE = {"categories": "categories", "characters": "characters", "ratings": "ratings", "class": "classes"}
# the id parameter of each list page's links
_ID_PARAM = {"characters": "charid", "ratings": "rating", "class": "classid"}
_KIND_OF_TYPE = {"characters": "character", "ratings": "rating", "class": "class"}


def page_type(url: str) -> str | None:
    """"menu", "categories", "characters", "ratings", "class" or "gate" for a taxonomy page's URL."""
    script, query = urls.script_and_query(url)
    if script == "viewstory.php":
        return "gate"
    if script != "browse.php":
        return None
    kind = query.get("type", "")
    if not kind:
        return "menu"
    return kind if kind in _PART_OF_TYPE else None


def part_of(url: str) -> str | None:
    """The taxonomy part a page belongs to (the menu names the class types: "classes")."""
    kind = page_type(url)
    return "classes" if kind == "menu" else _PART_OF_TYPE.get(kind or "")


def _offset(url: str) -> int:
    value = urls.script_and_query(url)[1].get("offset", "0")
    return int(value) if value.isdigit() else 0


def _document(page: Page, encoding: str | None):
    doc = parse_document(page, encoding)
    if shows_fatal_error(doc):
        raise ParseError(page.url, "body", f"the page shows an error: {FATAL_ERROR_TEXT}")
    return doc


def _number(page: Page, name: str, value: str) -> int:
    if not value.isdigit():
        raise ParseError(page.url, name, f"{name}={value!r} is not a number")
    return int(value)


def _page_urls(page: Page, doc, browse_type: str) -> list[str]:
    """The other pages (``offset=``) of this same list, from ``#pagelinks``."""
    found: list[str] = []
    own = urls.script_and_query(page.url)[1]
    for link in doc.xpath("//div[@id='pagelinks']//a[contains(@href, 'offset=')]"):
        url = urls.clean(urls.absolute(page.url, link.get("href", "")))
        script, query = urls.script_and_query(url)
        if script != "browse.php" or query.get("type") != browse_type or _ID_PARAM.get(browse_type, "") in query:
            continue
        if browse_type == "class" and query.get("type_id") != own.get("type_id"):
            continue
        # the first page was asked for without offset=: its "offset=0" link is not another page
        if url not in found and _offset(url) not in (0, _offset(page.url)):
            found.append(url)
    return found


def parse_browse_menu(page: Page, encoding: str | None = None) -> list[TaxonomyEntry]:
    """``browse.php``: the class types (``type=class&type_id=T`` links), in menu order."""
    doc = _document(page, encoding)
    found: list[TaxonomyEntry] = []
    for link in doc.iter("a"):
        script, query = _query(link.get("href", ""))
        if script != "browse.php" or query.get("type") != "class" or "classid" in query:
            continue
        type_id = _number(page, "type_id", query.get("type_id", ""))
        if any(e.id == type_id for e in found):
            continue
        name = _text(link)
        if not name:
            raise ParseError(page.url, "class type", f"the link to class type {type_id} has no title")
        found.append(TaxonomyEntry("class_type", type_id, name, position=len(found)))
    return found


@dataclass
class CategoryPage:
    catid: int | None  # None: the top level
    children: list[TaxonomyEntry] = field(default_factory=list)  # in the site's order


def parse_categories_page(page: Page, encoding: str | None = None) -> CategoryPage:
    """``browse.php?type=categories[&catid=N]``: the categories listed (the top level, or
    category N's subcategories), each with its story count and description."""
    script, query = urls.script_and_query(page.url)
    if script != "browse.php" or query.get("type") != "categories":
        raise ParseError(page.url, "type", "not a browse.php?type=categories URL")
    parent = _number(page, "catid", query["catid"]) if query.get("catid") else None
    doc = _document(page, encoding)
    if not doc.xpath("//*[@id='pagetitle']"):
        raise ParseError(page.url, "pagetitle", "no #pagetitle: not a categories page")
    result = CategoryPage(parent)
    boxes = doc.xpath("//div[@id='columncontainer']/div")
    if parent is None and not doc.xpath("//div[@id='columncontainer']"):
        raise ParseError(page.url, "categories", "no #columncontainer with the category list")
    for box in boxes:
        link = next((a for a in box.iter("a")
                     if _query(a.get("href", ""))[1].get("type") == "categories"), None)
        if link is None:
            continue
        catid = _number(page, "catid", _query(link.get("href", ""))[1].get("catid", ""))
        name = _text(link)
        if not name:
            raise ParseError(page.url, "category name", f"category {catid} has no name")
        rest = " ".join((link.tail or "").split())
        for sibling in link.itersiblings():
            rest = " ".join(f"{rest} {_text(sibling)} {' '.join((sibling.tail or '').split())}".split())
        match = re.match(r"\[\s*(\d+)\s*\]\s*(.*)", rest, re.S)
        count, description = (int(match.group(1)), match.group(2).strip()) if match else (None, rest)
        if any(e.id == catid for e in result.children):
            continue
        result.children.append(TaxonomyEntry("category", catid, name, parent_id=parent,
                                             position=len(result.children), description=description,
                                             story_count=count))
    return result


@dataclass
class NameList:
    browse_type: str  # "characters", "ratings" or "class"
    type_id: int | None  # the class type of a type=class page
    type_title: str  # a type=class page's #pagetitle
    entries: list[TaxonomyEntry] = field(default_factory=list)
    page_urls: list[str] = field(default_factory=list)  # the list's other offset= pages


def parse_name_list(page: Page, encoding: str | None = None) -> NameList:
    """``browse.php?type=characters|ratings|class&type_id=T`` (one page): the names with their
    ids in page order (positions count from the page's ``offset``), and the other pages."""
    script, query = urls.script_and_query(page.url)
    browse_type = query.get("type", "")
    if script != "browse.php" or browse_type not in _ID_PARAM:
        raise ParseError(page.url, "type", "not a browse.php?type=characters|ratings|class URL")
    type_id = _number(page, "type_id", query.get("type_id", "")) if browse_type == "class" else None
    doc = _document(page, encoding)
    title_box = next(iter(doc.xpath("//*[@id='pagetitle']")), None)
    if title_box is None:
        raise ParseError(page.url, "pagetitle", f"no #pagetitle: not a {browse_type} list")
    result = NameList(browse_type, type_id, _text(title_box))
    id_param, kind, base = _ID_PARAM[browse_type], _KIND_OF_TYPE[browse_type], _offset(page.url)
    for link in doc.xpath("//div[@id='columncontainer']//a"):
        script, linked = _query(link.get("href", ""))
        if script != "browse.php" or linked.get("type") != browse_type or id_param not in linked:
            continue
        if type_id is not None and linked.get("type_id") != str(type_id):
            continue
        item_id = _number(page, id_param, linked[id_param])
        name = _text(link)
        if not name:
            raise ParseError(page.url, f"{kind} name", f"{id_param}={item_id} has no name")
        if any(e.id == item_id for e in result.entries):
            continue
        result.entries.append(TaxonomyEntry(kind, item_id, name, parent_id=type_id,
                                            position=base + len(result.entries)))
    result.page_urls = _page_urls(page, doc, browse_type)
    return result


def parse_rating_gate(page: Page, encoding: str | None = None) -> tuple[int, str] | None:
    """A story's rating gate: (rid, warning text), or None when the page shows no warning or
    age-consent gate (the story itself, members only, access denied)."""
    doc = _document(page, encoding)
    for box in doc.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' errortext ')]"):
        for link in box.iter("a"):
            script, query = _query(link.get("href", ""))
            if script != "viewstory.php" or "warning" not in query:
                continue
            rid = _number(page, "warning", query["warning"])
            shown = _text(link)
            if "ageconsent" in query:  # "Age Consent Required<br /><a …>warning text</a>"
                return rid, shown
            before = [box.text or ""]  # "This story is rated R. …<br /><a …>Continue</a>"
            for el in box:
                if el is link:
                    break
                before += [_text(el), el.tail or ""]
            return rid, " ".join(" ".join(before).split()) or shown
    return None


def extract_taxonomy(capture: TaxonomyPages, encoding: str | None = None) -> TaxonomyInfo:
    """The taxonomy record from every page fetched: per part, what its pages list.  A part with
    a failed or unreadable page is partial (its rows are then updated, none removed)."""
    info = TaxonomyInfo(site=capture.site, requests=capture.requests)
    broken: set[str] = set()
    for url, reason in capture.failures:
        part = part_of(url)
        if part is not None:
            broken.add(part)
        info.warnings.append(f"{url}: not fetched ({reason})")
    categories: dict[int, TaxonomyEntry] = {}
    names: dict[tuple[str, int], TaxonomyEntry] = {}
    types: dict[int, TaxonomyEntry] = {}
    warnings: dict[int, str] = {}
    for page in sorted(capture.pages, key=lambda p: (page_type(p.url) or "", _offset(p.url))):
        kind = page_type(page.url)
        try:
            if kind == "menu":
                for entry in parse_browse_menu(page, encoding):
                    types.setdefault(entry.id, entry)
            elif kind == "categories":
                for entry in parse_categories_page(page, encoding).children:
                    categories.setdefault(entry.id, entry)
            elif kind in _ID_PARAM:
                shown = parse_name_list(page, encoding)
                for entry in shown.entries:
                    names.setdefault((entry.kind, entry.id), entry)
                if shown.type_id is not None and shown.type_id not in types:
                    types[shown.type_id] = TaxonomyEntry("class_type", shown.type_id, shown.type_title,
                                                         position=len(types))
            elif kind == "gate":
                gate = parse_rating_gate(page, encoding)
                if gate is not None:
                    warnings[gate[0]] = gate[1]
            else:
                raise ParseError(page.url, "url", "not a taxonomy page")
        except ParseError as exc:
            part = part_of(page.url)
            if part is not None and kind != "gate":
                broken.add(part)
            info.warnings.append(str(exc))
    for entry in names.values():
        if entry.kind == "rating":
            entry.warning_text = warnings.get(entry.id)
    info.entries = (list(categories.values()) + sorted(types.values(), key=lambda e: e.position or 0)
                    + list(names.values()))
    for part in capture.parts:
        (info.partial_parts if part in broken else info.parts).append(part)
    return info
