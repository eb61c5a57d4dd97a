"""Which part of a page belongs to which story.

eFiction's side blocks (``blocks/``: the site statistics of ``info``, the ``featured``,
``random`` and ``recent`` story blocks, news, login, menus, the skin chooser, polls…) use the
same markup as a story's metadata: ``span.label`` lines, title links, author links.  A skin can
place them on every page type, before or after the content.  A value belongs to story N only
when it is found in N's own part of the page:

* **furniture** (:func:`furniture`) is never any story's: HTML5 ``aside``/``nav``/``header``/
  ``footer``, containers whose id or class names a block or the frame (``block``, ``sidebar``,
  ``infoblock``, ``menu``, ``footer``, …: :data:`FURNITURE_WORDS`, whole words), and any element
  holding two or more of the info block's statistics labels (Members, Newest Member, Reviewers…)
  whatever it is called.  An element holding the page's own content (``protect``: the story
  text, the story's title box or chapter list, the listing's page links) is never furniture, so
  a skin that wraps its content in a ``div.block`` is still read;
* on a **story's own pages** (index, printable view) the story's region
  (:func:`story_region`) is the smallest element holding N's own links (its title link, chapter
  links, table of contents, printable and review links), less furniture and less any part that
  holds another story's title link (a featured or random story inside the content);
* on a **listing**, story N's block (:func:`listing_blocks`) is the largest element holding N's
  title link (or its gated ``javascript:`` link) and no other story's, outside furniture.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from mirror import urls
from mirror.parsing.labels import SITE_STAT_LABELS, is_label, label_key, label_name

FURNITURE_WORDS = {
    "block", "blocks", "sideblock", "sidebar", "sidebox", "sidecol", "leftindex", "rightindex",
    "leftcol", "rightcol", "leftcolumn", "rightcolumn", "infoblock", "categoryblock", "newsbox",
    "news", "menu", "submenu", "menulist", "submenulist", "navigation", "nav", "navbar", "footer",
    "header", "banner", "copyright", "login", "loginblock", "skinchange", "skin", "online",
    "poll", "shoutbox", "countdown", "linktous", "widget", "blocktitle", "blockcontent",
    # the story blocks' own classes (blocks/featured, recent, random)
    "featuredstory", "recentstory", "randomstory",
}
FURNITURE_TAGS = {"aside", "nav", "header", "footer"}
_CONTAINER_TAGS = {"div", "td", "table", "tr", "tbody", "aside", "nav", "section", "header", "footer",
                   "ul", "ol", "dl", "center", "form", "li"}
_WORD = re.compile(r"[a-z]+")
_JS_LOCATION = re.compile(r"location\s*=\s*['\"]([^'\"]+)['\"]")


def _query(href: str) -> tuple[str, dict[str, str]]:
    return urls.script_and_query(href.replace("&amp;", "&"))


def title_link_target(href: str) -> tuple[int, dict[str, str], bool] | None:
    """(sid, gate params, members only) for a story title link, else None."""
    href = href.replace("&amp;", "&")
    if href.lower().startswith("javascript:"):
        match = _JS_LOCATION.search(href)
        if not match:
            return None
        href = match.group(1).replace("&amp;", "&")
    script, query = urls.script_and_query(href)
    if not query.get("sid", "").isdigit():
        return None
    if script == "user.php":
        return int(query["sid"]), {}, True
    if script != "viewstory.php" or set(query) - {"sid", "warning", "ageconsent"}:
        return None
    gate = {k: v for k, v in query.items() if k in ("ageconsent", "warning")}
    return int(query["sid"]), gate, False


def own_link(href: str, sid: int) -> bool:
    """A link of story ``sid``'s own pages: its chapters, index, printable view, reviews, report."""
    script, query = _query(href)
    if script == "viewstory.php":
        return query.get("sid") == str(sid)
    if script == "reviews.php":
        return query.get("item") == str(sid) and query.get("type", "ST") == "ST"
    if script == "contact.php":
        return _query(query.get("url", ""))[1].get("sid") == str(sid)
    return False


def _words(el: etree._Element) -> set[str]:
    return set(_WORD.findall(f"{el.get('id') or ''} {el.get('class') or ''}".lower()))


def _names_furniture(el: etree._Element) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag in FURNITURE_TAGS or (tag in _CONTAINER_TAGS and bool(_words(el) & FURNITURE_WORDS))


def _statistics_boxes(doc: etree._Element) -> Iterator[etree._Element]:
    """The smallest element around each group of the info block's statistics labels."""
    stats = [el for el in doc.iter() if is_label(el) and label_name(el).lower() in SITE_STAT_LABELS]
    seen: set[etree._Element] = set()
    for label in stats:
        for ancestor in label.iterancestors():
            inside = sum(1 for other in stats if other is not label and _contains(ancestor, other))
            if inside:
                if ancestor not in seen:
                    seen.add(ancestor)
                    yield ancestor
                break


def _contains(outer: etree._Element, inner: etree._Element) -> bool:
    return inner is outer or any(a is outer for a in inner.iterancestors())


def furniture(doc: etree._Element, protect: Iterable[etree._Element] = ()) -> set[etree._Element]:
    """The page's side blocks and frame (module docstring); none of them holds ``protect``."""
    protect = [p for p in protect if p is not None]
    found = [el for el in doc.iter() if _names_furniture(el)] + list(_statistics_boxes(doc))
    return {el for el in found if not any(_contains(el, p) for p in protect)}


@dataclass
class Region:
    """The part of a page that belongs to one story: ``root`` less the ``skip`` subtrees."""

    root: etree._Element
    skip: set[etree._Element]

    def excludes(self, el: etree._Element) -> bool:
        return el in self.skip or any(a in self.skip for a in el.iterancestors())

    def iter(self, *tags: str) -> Iterator[etree._Element]:
        return (el for el in self.root.iter(*tags) if not self.excludes(el))


def _common_ancestor(elements: list[etree._Element]) -> etree._Element | None:
    if not elements:
        return None
    chains = [[el, *el.iterancestors()] for el in elements]
    others = [set(chain) for chain in chains[1:]]
    return next((a for a in chains[0] if all(a in chain for chain in others)), None)


def protected_content(doc: etree._Element) -> list[etree._Element]:
    """What is the page's content on any skin (eFiction's PHP writes these ids)."""
    return doc.xpath("//*[@id='story' or @id='pagetitle' or @id='pagelinks']")


def story_region(doc: etree._Element, sid: int) -> Region:
    """Story ``sid``'s part of its own page (index or printable view): module docstring."""
    own = [a for a in doc.iter("a") if own_link(a.get("href", ""), sid)]
    chapter_links = [a for a in own if _query(a.get("href", ""))[1].get("chapter", "").isdigit()]
    skip = furniture(doc, protected_content(doc) + chapter_links)
    own = [a for a in own if not any(a is s or _contains(s, a) for s in skip)]
    # the links only the story's own page shows (its chapter list, printable view, title box):
    # a side block showing this very story has its title, TOC and review links, never these
    strong = [a for a in own if _strong(a)]
    own = strong if len(strong) > 1 else own
    root = _common_ancestor(own) if len(own) > 1 else None
    if root is None:
        body = doc.find("body")
        root = body if body is not None else doc
    skip |= _foreign_story_parts(root, sid)
    return Region(root, skip)


def _strong(link: etree._Element) -> bool:
    _, query = _query(link.get("href", ""))
    return (query.get("chapter", "") not in ("",) or query.get("action") == "printable"
            or any(a.get("id") == "pagetitle" for a in link.iterancestors()))


def _foreign_story_parts(root: etree._Element, sid: int) -> set[etree._Element]:
    """Inside story ``sid``'s region: the largest parts holding another story's title link and
    none of ``sid``'s own links (a featured or random story block inside the content)."""
    parts = set()
    for link in root.iter("a"):
        target = title_link_target(link.get("href", ""))
        if target is None or target[0] == sid:
            continue
        part = link
        for ancestor in link.iterancestors():
            if ancestor is root or any(own_link(a.get("href", ""), sid) for a in ancestor.iter("a")):
                break
            part = ancestor
        parts.add(part)
    return parts


def _shows_dates(block: etree._Element) -> bool:
    """A story block is whole once it holds its Published or Updated line (a page showing one
    story must not take the rest of the page as that story's)."""
    return any(is_label(el) and label_key(label_name(el)) in ("published", "updated") for el in block.iter())


def shows_metadata(region: Region) -> bool:
    """A story block, not a bare link (a gate's "Continue", a chapter page's title, a block's
    one-line story): it shows a known metadata label or a category link."""
    for el in region.iter():
        if is_label(el) and label_key(label_name(el)) not in (None, "story_notes", "reviews",
                                                              "chapter_notes", "end_notes"):
            return True
        if el.tag == "a" and _query(el.get("href", ""))[1].get("catid"):
            return True
    return False


@dataclass
class ListedStory:
    link: etree._Element  # the title link
    story_id: int
    gate: dict[str, str]
    members_only: bool
    region: Region  # its block


def listing_blocks(doc: etree._Element) -> list[ListedStory]:
    """Every story a listing page shows outside furniture, each with its block, in page order:
    per story the first block that shows metadata, those inside the listing itself first (a
    side block nobody recognised as one may show the same story: it never hides the listing's
    block).  A listing none of whose blocks shows a label (a grid with column headers) still
    gives its stories, bare, when it shows two or more: their own pages give the metadata."""
    links = [(a, title_link_target(a.get("href", ""))) for a in doc.iter("a")]
    links = [(a, t) for a, t in links if t is not None]
    sids_under: dict[etree._Element, set[int]] = {}
    for link, (sid, _, _) in links:
        for ancestor in link.iterancestors():
            sids_under.setdefault(ancestor, set()).add(sid)
    container = _listing_container(links, sids_under)
    skip = furniture(doc, protected_content(doc) + container)
    candidates = []
    for position, (link, (sid, gate, members_only)) in enumerate(links):
        if any(_contains(s, link) for s in skip):
            continue
        block = link
        for ancestor in link.iterancestors():
            if sids_under[ancestor] != {sid} or ancestor in skip or _shows_dates(block):
                break
            block = ancestor
        inside = bool(container) and _contains(container[0], link)
        candidates.append((not inside, position, ListedStory(link, sid, gate, members_only, Region(block, skip))))
    candidates.sort(key=lambda c: c[:2])
    chosen: dict[int, tuple[int, ListedStory]] = {}
    for _, position, listed in candidates:
        if listed.story_id not in chosen and shows_metadata(listed.region):
            chosen[listed.story_id] = (position, listed)
    if not chosen and len({c[2].story_id for c in candidates if not c[0]}) >= 2:
        for outside, position, listed in candidates:
            if not outside:
                chosen.setdefault(listed.story_id, (position, listed))
    return [listed for _, listed in sorted(chosen.values(), key=lambda c: c[0])]


def _listing_container(links, sids_under) -> list[etree._Element]:
    """The smallest element holding more than half of the page's stories: the listing itself
    (never furniture, even in a skin that calls its content a block)."""
    total = len({t[0] for _, t in links})
    if total < 2:
        return []
    holders = [el for el, sids in sids_under.items() if len(sids) * 2 > total]
    return [min(holders, key=lambda el: len(list(el.iter())))] if holders else []
