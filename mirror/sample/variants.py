"""Customised eFiction sites: the sample archive served the way real, customised installs are.

A :class:`SiteVariant` says how one site differs from the stock 3.5.5 install with the Berrygood
skin that :class:`~mirror.sample.server.SampleArchive` serves by default:

* ``skin="alt"``: another skin ("Zwielicht"): a table layout instead of Berrygood's divs, the
  story blocks as tables, labels in ``<strong>`` (no ``span.label``), the chapter text in
  ``div.chapter`` instead of ``div#story``, the metadata one field per line;
* ``language="de"``: the labels (and Yes/No/None, "words") of a German install.  eFiction's
  labels come from its language file and the skin's templates; these are real-looking German
  labels (``Zusammenfassung``, ``Altersfreigabe``, ``Kategorien``, ``Charaktere``, ``Kapitel``,
  ``Abgeschlossen``, ``Wörter``, ``Gelesen``, ``Veröffentlicht``, ``Aktualisiert``, …), not
  copied from a particular site's files;
* ``dateformat``: the site's PHP ``date()`` format (PHP writes English month names);
* ``charset="utf-8"``: pages declared and sent as UTF-8 (eFiction's ``_CHARSET`` set to UTF-8:
  no numeric references for curly quotes, raw UTF-8 bytes) instead of ISO-8859-1/windows-1252;
* ``displayindex=True``: ``viewstory.php?sid=N`` shows the story index, not chapter 1 (the
  ``displayindex`` admin setting); chapter 1 is ``&chapter=1``;
* ``printable=False``: the printable view switched off: no printer link, and
  ``action=printable`` answers an error page;
* ``base_path``: where the archive lives (``/efiction/`` by default), e.g. ``/archiv/fiction/``;
* ``public_scheme="https"``: the site's configured ``url`` says https (a site moved to https):
  every link is written absolute, ``https://HOST:PORT/base_path/script.php?…``, while the
  test server itself speaks plain http on the same host and port.  The crawler reads links to
  its own host and path under another scheme as its own pages (:func:`mirror.urls.absolute`).

Variants are parameters of the renderer (another template set for the skin) plus a small
post-processing of each rendered page (:func:`finish_page`); the stock rendering is unchanged.

:data:`SKINS` are more skins, each a variant of its own (the renderers are in
:mod:`mirror.sample.skins`): ``default_tpls``, the stock skins ``epiphany``, ``ezfiction`` and
``sommerbrise`` of eFiction 3.5 from their real templates, and the made-up ``sidebars``,
``bold-mixed``, ``unlabelled`` and ``table``.  :data:`SKIN_OMITS` says which fields a skin
does not show at all (field names of :mod:`mirror.items`; ``author.*`` for the profile);
:data:`PAGE_OMITS` which fields one of its page types does not show though others do:

* ``epiphany``: its profile.tpl shows the pen name, the member-since date and the bio with
  icons, no real name and no membership status;
* ``bold-mixed``: the story blocks of its author pages (its user.tpl has a storyblock of its
  own) leave out ``{classifications}``, so they have no ``span.label`` line at all: the
  classes and challenges are on its listings, story index and printable view.

Every other field is shown by every skin somewhere the crawler reads (listing, story index,
chapter page, printable view).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .render import Renderer, Viewer, _crlf

__all__ = ["SiteVariant", "AltRenderer", "finish_page", "VARIANTS", "SKINS", "SKIN_OMITS", "PAGE_OMITS"]


@dataclass(frozen=True)
class SiteVariant:
    name: str = "stock"
    skin: str = "default"  # "default" (Berrygood), "alt" (Zwielicht: tables, <strong> labels) or a SKINS name
    language: str = "en"  # "en" or "de"
    dateformat: str | None = None  # None: the archive's own (d/m/y)
    charset: str = "iso-8859-1"  # or "utf-8"
    displayindex: bool = False  # viewstory.php?sid=N shows the index
    printable: bool = True  # the printable view is on
    base_path: str = "/efiction/"
    public_scheme: str | None = None  # "https": absolute links with this scheme

    @property
    def skin_name(self) -> str:
        return _SKIN_NAMES.get(self.skin, "Berrygood")


# SiteVariant.skin -> the skin's directory (skins/NAME/, what the stylesheet link names)
_SKIN_NAMES = {"alt": "Zwielicht", "default_tpls": "default_tpls", "epiphany": "Epiphany", "ezfiction": "E-zfiction",
               "sommerbrise": "Sommerbrise", "sidebars": "Sidebars", "bold-mixed": "Boldface",
               "unlabelled": "Plainsong", "table": "Tabular"}


# The variants the crawl and probe tests run on (each alone, and one with everything).
VARIANTS = {
    "alt-skin-de": SiteVariant("alt-skin-de", skin="alt", language="de", dateformat="d.m.Y"),
    "M-d-Y": SiteVariant("M-d-Y", dateformat="M d Y"),
    "utf-8": SiteVariant("utf-8", charset="utf-8"),
    "index-first": SiteVariant("index-first", displayindex=True),
    "no-printable": SiteVariant("no-printable", printable=False),
    "https-sub-path": SiteVariant("https-sub-path", base_path="/archiv/fanfiction/", public_scheme="https"),
    "everything": SiteVariant("everything", skin="alt", language="de", dateformat="M d Y", charset="utf-8",
                              displayindex=True, printable=False, base_path="/archiv/fanfiction/",
                              public_scheme="https"),
}


# More skins (mirror/sample/skins/): each served alone, the stock install otherwise.
SKINS = {name: SiteVariant(name, skin=name) for name in (
    "default_tpls", "epiphany", "ezfiction", "sommerbrise", "sidebars", "bold-mixed", "unlabelled", "table")}

# skin -> the fields it shows nowhere (see the module docstring)
SKIN_OMITS: dict[str, frozenset[str]] = {name: frozenset() for name in SKINS}
SKIN_OMITS["epiphany"] = frozenset({"author.real_name", "author.status"})

# (skin, page type) -> the fields that page type does not show (shown on other page types)
PAGE_OMITS: dict[tuple[str, str], frozenset[str]] = {
    ("bold-mixed", "viewuser"): frozenset({"classes", "challenges"}),
}


# --- the alternative skin -------------------------------------------------------------------------

_ALT_TOP = _crlf("""<table id="layout" width="100%" cellpadding="0" cellspacing="0">
<tr><td id="header" colspan="2"><h1>{sitename}</h1><div class="slogan">{slogan}</div></td></tr>
<tr><td id="navigation" valign="top" width="160">
<a href="index.php">Home</a><br />
<a href="browse.php?type=titles">Titles</a><br />
<a href="browse.php?type=categories">Categories</a><br />
<a href="browse.php?type=series">Series</a><br />
<a href="authors.php?list=authors">Authors</a><br />
<a href="toplists.php">Top Tens</a><br />
{loginlink}
</td>
<td id="main" valign="top">
""")

_ALT_BOTTOM = _crlf("""</td></tr>
<tr><td id="bottom" colspan="2">Powered by eFiction 3.5.5 | Skin Zwielicht</td></tr>
</table>
</body></html>
""")


class AltRenderer(Renderer):
    """The "Zwielicht" skin: other wrappers, tables, ``<strong>`` labels, ``div.chapter`` text."""

    def frame(self, content: str, viewer: Viewer, *, title: str | None = None, meta: str | None = None,
              browse_js: bool = False, current: str | None = None) -> str:
        page = super().frame(content, viewer, title=title, meta=meta, browse_js=browse_js, current=current)
        head = page[: page.index("</head><body>\r\n") + len("</head><body>\r\n")]
        login = ('<a href="user.php?action=logout">Logout</a><br />' if viewer.is_member
                 else '<a href="user.php?action=login">Login</a><br />')
        top = _ALT_TOP.replace("{sitename}", self.site.sitename).replace("{slogan}", self.site.slogan) \
            .replace("{loginlink}", login)
        return head.replace("skins/Berrygood/", "skins/Zwielicht/") + top + content + _ALT_BOTTOM

    def skinny(self, inner: str) -> str:
        return '<div class="box">\r\n' + inner + "</div>\r\n"

    def classifications(self, story, printable: bool = False) -> str:
        out = super().classifications(story, printable)
        return re.sub(r"<span class='label'>([^<:]*): </span>", r"<strong>\1:</strong>", out)

    _STORYBLOCK = _crlf("""<table class="story {oddeven}" width="100%" cellspacing="0">
<tr><th class="storytitle" align="left">{title} by {author} <strong>Rated:</strong> {rating} {roundrobin} {score} [{reviews} - {numreviews}] {new}</th></tr>
<tr><td class="storyinfo"><strong>Summary:</strong> {featuredstory}{summary}<br />
<strong>Categories:</strong> {category}<br />
<strong>Characters:</strong> {characters}<br />
{classifications}
<strong>Series:</strong> {serieslinks}<br />
<strong>Chapters:</strong> {numchapters} {toc}<br />
<strong>Completed:</strong> {completed}<br />
<strong>Word count:</strong> {wordcount}<br />
<strong>Read Count:</strong> {count}</td></tr>
<tr><td class="storyfoot">{reportthis} <strong>Published:</strong> {published} <strong>Updated:</strong> {updated}</td></tr>
</table>

""")

    _STORYINDEX = _crlf("""<div id="pagetitle">{title} by {author}</div>
<div class="storyactions">[{reviews} - {numreviews}] {score}{printicon}</div>
<table class="storyindex" width="100%"><tr><td class="storyinfo">{featuredstory}<strong>Summary:</strong> {summary}<br />
<strong>Rated:</strong> {rating}<br />
<strong>Categories:</strong> {category}<br />
<strong>Characters:</strong> {characters}<br />
{classifications}
<strong>Challenges:</strong> {challengelinks}<br />
<strong>Series:</strong> {serieslinks}<br />
<strong>Chapters:</strong> {numchapters}<br />
<strong>Completed:</strong> {completed}<br />
<strong>Word count:</strong> {wordcount}<br />
<strong>Read:</strong> {count}<br />
<strong>Published:</strong> {published}<br />
<strong>Updated:</strong> {updated}</td></tr></table>
{storynotes}<div class="chapterlist">
{chapterlines}</div>
<div class="respond">{roundrobin}</div>
""")

    _PRINT_INFO = _crlf("""<div id="pagetitle">{title} by {author}</div>
<table class="storyinfo"><tr><td>{featuredstory}<strong>Summary:</strong> {summary}<br />
<strong>Categories:</strong> {category}<br />
<strong>Characters:</strong> {characters}<br />
{classifications}
<strong>Challenges:</strong> {challengelinks}<br />
<strong>Series:</strong> {serieslinks}<br />
<strong>Chapters:</strong> {numchapters}<br />
<strong>Completed:</strong> {completed}<br />
<strong>Word count:</strong> {wordcount}<br />
<strong>Read:</strong> {count}<br />
<strong>Published:</strong> {published}<br />
<strong>Updated:</strong> {updated}</td></tr></table>
""")

    _VIEWSTORY = _crlf("""<div id="pagetitle">{title} by {author}</div>
<table class="storynav" width="100%"><tr><td>[{reviews} - {numreviews}] {toc} {reportthis} {printicon}</td>
<td align="right">{textsizer}{jumpmenu}</td></tr></table>
{storynotes}{notes}<div class="chapter">{story}</div>
{endnotes}<table class="chapternav" width="100%"><tr><td>{prev}</td><td align="right">{next}</td></tr></table>
<div class="jumpmenu2">{jumpmenu2}</div>
<div class="respond"> {roundrobin}</div>
{reviewform}
""")


# --- the language ---------------------------------------------------------------------------------

# label as written by the templates and eFiction's PHP -> German
_LABELS_DE = {
    "Summary": "Zusammenfassung", "Rated": "Altersfreigabe", "Categories": "Kategorien",
    "Characters": "Charaktere", "Challenges": "Herausforderungen", "Series": "Serie",
    "Chapters": "Kapitel", "Completed": "Abgeschlossen", "Word count": "Wörter", "Read": "Gelesen",
    "Read Count": "Gelesen", "Published": "Veröffentlicht", "Updated": "Aktualisiert",
    "Story Notes": "Anmerkungen zur Geschichte", "Author's Chapter Notes": "Anmerkungen des Autors",
    "Chapter End Notes": "Schlussbemerkungen", "Author's Notes": "Anmerkungen des Autors",
    "End Notes": "Schlussbemerkungen",
}
_WORDS_DE = {"Yes": "Ja", "No": "Nein", "None": "Keine", "Orphan": "Keine"}
_LABEL_RE = re.compile(r"(<span class=[\"']label[\"']>|<strong>)(\s*)([^<:]+?)(:?\s*)(</span>|</strong>)"
                       r"(\s*)(Yes|No|None|Orphan)?(?=\s|<)")


def _translate_de(page: str) -> str:
    def label(m: re.Match[str]) -> str:
        name = m.group(3).strip()
        german = _LABELS_DE.get(name)
        if german is None:  # e.g. "[Report This] Published" in the listing's tail, or a class type
            parts = name.rsplit("] ", 1)
            if len(parts) == 2 and parts[1] in _LABELS_DE:
                german = f"{parts[0]}] {_LABELS_DE[parts[1]]}"
        value = m.group(7) or ""
        if value in ("Yes", "No") and name == "Completed" or value in ("None", "Orphan") and name != "Summary":
            value = _WORDS_DE[value]
        return (m.group(1) + m.group(2) + (german or m.group(3)) + m.group(4) + m.group(5) + m.group(6)
                + value)

    page = _LABEL_RE.sub(label, page)
    page = re.sub(r"\((\d+) words\)", r"(\1 Wörter)", page)
    return page.replace("<html><head>", '<html lang="de"><head>', 1)


# --- the whole page -------------------------------------------------------------------------------

_META_ISO = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
_META_UTF8 = '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'
_PRINTER_LINK = re.compile(
    r"""(?:<img src='images/print\.gif' border='0' alt='Printer'> )?"""
    r"""<a href="viewstory\.php\?action=printable[^"]*"[^>]*>.*?</a>(?: or <a href="viewstory\.php\?action=printable[^"]*"[^>]*>.*?</a>)?""",
    re.DOTALL)
_RELATIVE_LINK = re.compile(r"""((?:href|src|action)=)(["'])(?![a-z]+:|/|#|\2)""", re.IGNORECASE)


_FORMAT_STORY_NCR = re.compile(r"&#(8216|8217|8220|8221|8212|8211|8230);")


def finish_page(page: str, variant: SiteVariant, public_base: str, *, rss: bool = False) -> str:
    """The stock page as the variant's site writes it (labels, charset, links)."""
    if variant.language == "de" and not rss:
        page = _translate_de(page)
    if variant.charset == "utf-8":
        # format_story() on a UTF-8 site returns the text as stored: no references for the
        # curly quotes and dashes it writes as &#8216;... in ISO-8859-1 mode
        page = _FORMAT_STORY_NCR.sub(lambda m: chr(int(m.group(1))), page)
        page = page.replace(_META_ISO, _META_UTF8)
        page = page.replace('<?xml version="1.0" encoding="ISO-8859-1"?>', '<?xml version="1.0" encoding="UTF-8"?>')
    if rss and variant.language != "en":
        page = page.replace("<language>en</language>", f"<language>{variant.language}</language>")
    if not variant.printable and not rss:
        page = _PRINTER_LINK.sub("", page)
    if variant.public_scheme and not rss:
        page = _RELATIVE_LINK.sub(lambda m: m.group(1) + m.group(2) + public_base, page)
    return page


def encode(page: str, variant: SiteVariant) -> bytes:
    if variant.charset == "utf-8":
        return page.encode("utf-8")
    return page.encode("cp1252", errors="xmlcharrefreplace")

