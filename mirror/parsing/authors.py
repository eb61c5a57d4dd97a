"""Pure parser for eFiction author profiles (``viewuser.php?uid=N``).

The profile (``#profile #bio``, from ``profile.tpl``) is label lines: ``Penname:`` (then a
Contact link), ``Real name:``, ``Member Since:``, ``Membership status:``, ``Bio:`` (HTML up to
the end of the block) and the site's own author fields.  Then ``#tabs`` (Stories by, Series by,
Reviews by, ... each with a ``[count]``) and the default panel: the member's stories as listing
blocks.  A uid the site does not have shows the same template, empty.  The "Series by" panel
(``viewuser.php?action=seriesby&uid=N[&offset=K]``) shows the same profile, then the member's
series as listing blocks (``viewseries.php?seriesid=N`` title links).  Nothing here touches the
network or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from mirror import urls
from mirror.items import AuthorPages, AuthorProfile, Page, Series
from mirror.parsing import labels, scope
from mirror.parsing.dates import DEFAULT_FORMAT as DEFAULT_DATE_FORMAT, DateFormatError, parse_date
from mirror.parsing.efiction import (FATAL_ERROR_TEXT, ParseError, StoryUnavailable, _query,
                                     parse_document, parse_kept, shows_fatal_error)

PENNAME_LABELS = {"penname", "pen name", "autorenname", "benutzername"}
REALNAME_LABELS = {"real name", "echter name", "name"}
SINCE_LABELS = {"member since", "mitglied seit"}
STATUS_LABELS = {"membership status", "mitgliedsstatus", "status"}
BIO_LABELS = {"bio", "biographie", "biografie"}
TABS = {"storiesby": "story_count", "seriesby": "series_count", "reviewsby": "review_count"}


class AuthorUnavailable(StoryUnavailable):
    """The site has no such member (an empty profile) or sent an error page."""


# Font Awesome icons a skin shows instead of labels (Epiphany's profile.tpl: fa-user, fa-calendar)
ICON_CLASSES = {"fa-user": "penname", "fa-calendar": "member since"}


def _icon(el: etree._Element) -> str | None:
    return next((ICON_CLASSES[c] for c in labels.classes(el) if c in ICON_CLASSES), None) \
        if el.tag in ("i", "span") and not (el.text or "").strip() else None


def _label(el: etree._Element) -> str:
    if _icon(el):
        return _icon(el)
    text = el.get("alt") or el.get("title") or "" if el.tag == "img" else el.text_content()
    return " ".join(text.split()).rstrip(":").strip().lower()


_PROFILE_LABELS = PENNAME_LABELS | REALNAME_LABELS | SINCE_LABELS | STATUS_LABELS | BIO_LABELS


def _profile_labels(bio: etree._Element) -> list[etree._Element]:
    """The profile's labels in any style a skin writes them: ``span.label``, bold, a table cell,
    or an icon whose ``alt`` names the field (``<img alt="Penname"> DreamsofSpike``).  Inside the
    bio itself only eFiction's ``span.label`` counts (a member's own bold "Fandoms:" is bio)."""
    found, in_bio = [], False
    for el in bio.iter():
        if el.tag == "img" or el.tag in ("th", "dt") or _icon(el):
            is_one = _label(el) in _PROFILE_LABELS and not in_bio
        elif "label" in (el.get("class") or "").split() and el.tag != "div":
            is_one = True
        else:
            is_one = not in_bio and labels.is_label(el)
        if is_one:
            found.append(el)
            in_bio = in_bio or _label(el) in BIO_LABELS
    return found


def _value_html(label: etree._Element, following: etree._Element | None) -> str:
    """A label's value: what follows it, or the next table cell or definition."""
    cell = label.getnext()
    if label.tag in ("th", "td", "dt") and not (label.tail or "").strip() and cell is not None \
            and cell.tag in ("td", "dd"):
        return _html_between(cell, None, inner=True)
    return _html_between(label, following)


def _since(profile: AuthorProfile, value: str, date_format: str) -> None:
    profile.member_since_display = value
    try:
        profile.member_since = parse_date(value, date_format)
    except DateFormatError as exc:
        profile.warnings.append(f"member since: {value!r} not in format {date_format!r} ({exc})")


def _read_labels(profile: AuthorProfile, found: list[etree._Element], date_format: str) -> None:
    for index, label in enumerate(found):
        name = _label(label)
        following = next((el for el in found[index + 1:] if el.getparent() is label.getparent()), None)
        html = _value_html(label, following)
        line = re.split(r"<br\s*/?>", html, maxsplit=1)[0]  # one line: the bio alone runs on
        value = " ".join(re.sub(r"<[^>]+>", " ", line).split())
        if name in PENNAME_LABELS:  # "DreamsofSpike  [<a ...>Contact</a>]": the text before the links
            profile.pen_name = re.split(r"\s*\[", value)[0].strip()
        elif name in REALNAME_LABELS:
            profile.real_name = value
        elif name in SINCE_LABELS:
            _since(profile, value, date_format)
        elif name in STATUS_LABELS:
            profile.status = value
        elif name in BIO_LABELS:
            profile.bio_html = html
        elif name:
            profile.fields[" ".join(label.text_content().split()).rstrip(":").strip()] = html


_CLASSED = {"penname": "pen_name", "realname": "real_name", "membersince": "member_since",
            "status": "status", "bio": "bio_html", "biocontent": "bio_html"}


def _read_unlabelled(profile: AuthorProfile, bio: etree._Element, date_format: str) -> None:
    """A skin that shows the fields without labels: elements named by their class
    (``div.realname``, ``div.membersince`` "Member since 19/11/05 · Member", ``div.bio``), the
    pen name in the profile's heading."""
    for el in bio.iter():
        field_name = next((_CLASSED[c] for c in labels.classes(el) if c in _CLASSED), None) \
            if isinstance(el.tag, str) else None
        if field_name is None or getattr(profile, field_name if field_name != "member_since" else
                                         "member_since_display"):
            continue
        text = " ".join(el.text_content().split())
        if field_name == "member_since":
            parts = [labels.clean_value(p) for p in labels.SEPARATOR_SPLIT.split(text)]
            _since(profile, re.sub(r"^(member since|mitglied seit)\s*", "", parts[0], flags=re.I), date_format)
            profile.status = profile.status or (parts[1] if len(parts) > 1 else None)
        elif field_name == "bio_html":
            profile.bio_html = _html_between(el, None, inner=True)
        else:
            setattr(profile, field_name, re.split(r"\s*\[", text)[0].strip())
    heading = next(bio.iter("h1", "h2", "h3", "h4"), None)
    if not profile.pen_name and heading is not None:
        profile.pen_name = " ".join(heading.text_content().split())


def _html_between(start: etree._Element, stop: etree._Element | None, inner: bool = False) -> str:
    """The HTML after ``start`` (its tail and following siblings) up to ``stop``; ``inner``: the
    content of ``start`` itself."""
    if inner:
        parts = [start.text or ""] + [lxml.html.tostring(c, encoding="unicode", method="html", with_tail=True)
                                      for c in start]
        html = "".join(parts).strip()
        return re.sub(r"(\s*<br\s*/?>\s*)+$", "", re.sub(r"^(\s*<br\s*/?>\s*)+", "", html)).strip()
    parts = [start.tail or ""]
    for sibling in start.itersiblings():
        if stop is not None and sibling is stop:
            break
        parts.append(lxml.html.tostring(sibling, encoding="unicode", method="html", with_tail=True))
    html = "".join(parts).strip()
    html = re.sub(r"^(\s*<br\s*/?>\s*)+", "", html)
    return re.sub(r"(\s*<br\s*/?>\s*)+$", "", html).strip()


def parse_author_page(page: Page, base_url: str, date_format: str = DEFAULT_DATE_FORMAT,
                      encoding: str | None = None) -> AuthorProfile:
    """A member's profile.  Raises :class:`AuthorUnavailable` for a uid the site does not have,
    :class:`ParseError` (naming the field and the URL) for a page it cannot read."""
    script, query = urls.script_and_query(page.url)
    if script != "viewuser.php" or not query.get("uid", "").isdigit():
        raise ParseError(page.url, "uid", "not a viewuser.php?uid=N URL")
    uid = int(query["uid"])
    doc = parse_document(page, encoding)
    if shows_fatal_error(doc):
        raise AuthorUnavailable(page.url, "fatal", f"profile shows an error: {FATAL_ERROR_TEXT}")
    bio = next(iter(doc.xpath("//*[@id='bio']") or doc.xpath("//*[@id='profile']")), None)
    if bio is None:
        raise ParseError(page.url, "bio", "no #bio profile block")
    profile = AuthorProfile(site=base_url, author_id=uid, url=urls.author_url(base_url, uid), pen_name="")
    _read_labels(profile, _profile_labels(bio), date_format)
    _read_unlabelled(profile, bio, date_format)
    if not profile.pen_name:
        raise AuthorUnavailable(page.url, "missing", f"no such member {uid} (the site shows an empty profile)")
    for link in doc.xpath("//*[@id='tabs']//a"):
        tab_script, tab_query = _query(link.get("href", ""))
        attribute = TABS.get(tab_query.get("action", ""))
        if tab_script == "viewuser.php" and attribute:
            holder = link.getparent()
            match = re.search(r"\[(\d+)\]", (link.tail or "") + (holder.text_content() if holder is not None else ""))
            setattr(profile, attribute, int(match.group(1)) if match else None)
    # the stories of the profile's first panel: story blocks, never a side block's story
    profile.story_ids = [listed.story_id for listed in scope.listing_blocks(doc)]
    return profile


@dataclass
class AuthorSeriesPage:
    """What one page of a member's "Series by" panel shows."""

    author_id: int
    url: str
    series: list[Series] = field(default_factory=list)  # this page's series, in page order
    offset: int = 0
    page_urls: list[str] = field(default_factory=list)  # other pages of the panel (absolute, cleaned)


def is_series_panel(url: str) -> bool:
    """``viewuser.php?action=seriesby&uid=N[&offset=K]``."""
    script, query = urls.script_and_query(url)
    return script == "viewuser.php" and query.get("action") == "seriesby"


def _panel_offset(url: str) -> int:
    value = urls.script_and_query(url)[1].get("offset", "0")
    return int(value) if value.isdigit() else 0


def parse_author_series_page(page: Page, base_url: str, date_format: str = DEFAULT_DATE_FORMAT,
                             encoding: str | None = None) -> AuthorSeriesPage:
    """One page of the "Series by" panel: the series' title links in the listing blocks, in page
    order.  Raises :class:`AuthorUnavailable` for an error page, :class:`ParseError` (naming the
    field and the URL) for a page it cannot read."""
    script, query = urls.script_and_query(page.url)
    if not is_series_panel(page.url) or not query.get("uid", "").isdigit():
        raise ParseError(page.url, "uid", "not a viewuser.php?action=seriesby&uid=N URL")
    uid = int(query["uid"])
    doc = parse_document(page, encoding)
    if shows_fatal_error(doc):
        raise AuthorUnavailable(page.url, "fatal", f"series panel shows an error: {FATAL_ERROR_TEXT}")
    if not doc.xpath("//*[@id='bio']"):
        raise ParseError(page.url, "bio", "no #bio profile block above the series panel")
    shown = AuthorSeriesPage(author_id=uid, url=page.url, offset=_panel_offset(page.url))
    for block in doc.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), ' listbox ')]"):
        title = next(iter(block.xpath(".//*[contains(concat(' ', normalize-space(@class), ' '), ' title ')]")), None)
        for link in (title.iter("a") if title is not None else ()):
            link_script, link_query = _query(link.get("href", "").replace("&amp;", "&"))
            if link_script != "viewseries.php" or not link_query.get("seriesid", "").isdigit():
                continue
            seriesid = int(link_query["seriesid"])
            name = " ".join(link.text_content().split())
            if not name:
                raise ParseError(page.url, "series title", f"series {seriesid} has an empty title link")
            if seriesid not in [s.id for s in shown.series]:
                shown.series.append(Series(id=seriesid, title=name, url=urls.series_url(base_url, seriesid)))
            break
    for link in doc.xpath("//div[@id='pagelinks']//a[contains(@href, 'offset=')]"):
        url = urls.clean(urls.absolute(page.url, link.get("href", "")))
        link_query = urls.script_and_query(url)[1]
        if is_series_panel(url) and link_query.get("uid") == str(uid) and url not in shown.page_urls:
            shown.page_urls.append(url)
    return shown


def extract_author(author_pages: AuthorPages, encoding: str | None = None) -> AuthorProfile:
    """The profile from the first page that is not the "Series by" panel; the member's series
    from the panel's pages (in offset order), when they were read."""
    profile_pages = [p for p in author_pages.pages if not is_series_panel(p.url)]
    if not profile_pages:
        raise ParseError(urls.author_url(author_pages.site, author_pages.author_id), "pages",
                         "no profile page was fetched")
    profile = parse_kept(parse_author_page, profile_pages[0], author_pages.site, author_pages.date_format, encoding)
    panel = sorted((p for p in author_pages.pages if is_series_panel(p.url)), key=lambda p: _panel_offset(p.url))
    unread = False
    for page in panel:
        try:
            shown = parse_kept(parse_author_series_page, page, author_pages.site, author_pages.date_format, encoding)
        except (ParseError, AuthorUnavailable) as exc:  # the profile stands; its series list is partial
            profile.warnings.append(f"series: {exc}")
            unread = True
            continue
        for series in shown.series:
            if series.id not in [s.id for s in profile.series]:
                profile.series.append(series)
    if panel and not unread and not author_pages.failures and profile.series_count is not None \
            and profile.series_count != len(profile.series):
        profile.warnings.append(f"series: the tab counts {profile.series_count}, "
                                f"the panel lists {len(profile.series)}")
    profile.requests = author_pages.requests
    return profile
