"""HTML rendering of the sample archive, modelled on eFiction 3.5.5 with the
Berrygood skin (``skins/Berrygood/*.tpl`` + ``default_tpls/listings.tpl`` and
``printstory.tpl``).

Pages are built as ``str`` and encoded to windows-1252 at the end
(:func:`encode_page`), so:

* titles, pen names and summaries come out as raw cp1252 bytes (``\\x93``,
  ``\\xEB``), as on a real ISO-8859-1 site;
* chapter text and notes first go through :func:`format_story`, which writes
  the cp1252 punctuation as numeric character references (``&#8220;``), like
  eFiction's ``format_story()`` in ISO mode, and any character outside
  cp1252 as ``&#NNNN;`` (text imported with references).

Template lines use CRLF, PHP-generated fragments use LF, as on the real site.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Iterable, Sequence

from .archive import Archive, Chapter, Series, Site, Story, is_plain_text, nl2br2, sort_by_title, sort_by_update

# ---------------------------------------------------------------------------
# Viewer state (what the PHP session/cookies say about the visitor)
# ---------------------------------------------------------------------------


@dataclass
class Viewer:
    uid: int | None = None  # logged-in member
    warned: frozenset[int] = frozenset()  # $_SESSION[sitekey_warned][rid]
    ageconsent: bool = False  # $_SESSION[sitekey_ageconsent]
    member_ageconsent: bool = False  # profile flag of the logged-in member

    @property
    def is_member(self) -> bool:
        return self.uid is not None


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

_FIELD = re.compile(r"\{(\w+)\}")


def _crlf(s: str) -> str:
    return s.replace("\n", "\r\n")


def _fill(tpl: str, **values: object) -> str:
    """TemplatePower-like substitution; unknown {tokens} are left alone."""

    def repl(m: re.Match[str]) -> str:
        key = m.group(1)
        if key in values:
            v = values[key]
            return "" if v is None else str(v)
        return m.group(0)

    return _FIELD.sub(repl, tpl)


_PHP_DATE_CHARS = {"d": "%d", "m": "%m", "y": "%y", "Y": "%Y",
                   "H": "%H", "i": "%M", "s": "%S"}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def fmt_date(d: date | datetime, php_format: str = "d/m/y") -> str:
    """PHP date(php_format) (the site's ``dateformat``; eFiction's default d/m/y), English names."""
    out, escape = [], False
    for char in php_format:
        if escape:
            out.append(char)
            escape = False
        elif char == "\\":
            escape = True
        elif char in ("j", "n"):
            out.append(str(d.day if char == "j" else d.month))
        elif char in ("M", "F"):
            out.append(_MONTHS_EN[d.month - 1][: 3 if char == "M" else None])
        elif char in ("D", "l"):
            out.append(_DAYS_EN[d.weekday()][: 3 if char == "D" else None])
        elif char == "S":
            out.append("th" if 11 <= d.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th"))
        elif char in _PHP_DATE_CHARS:
            out.append(d.strftime(_PHP_DATE_CHARS[char]))
        else:
            out.append(char)
    return "".join(out)


def php_empty(v: str | None) -> bool:
    return v is None or v == "" or v == "0"


def htmlspecialchars(s: str) -> str:
    """PHP htmlspecialchars($s, ENT_QUOTES)."""
    return (
        s.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def strip_tags(s: str) -> str:
    return re.sub(r"<[^>]*>", "", s)


# format_story(): cp1252 punctuation (and, by a Mac-Roman bug, some Latin-1
# capitals) become numeric character references.
_FORMAT_STORY_MAP = {
    "\u2018": "&#8216;", "\u2019": "&#8217;", "\u201c": "&#8220;", "\u201d": "&#8221;",
    "\u2014": "&#8212;", "\u2013": "&#8211;", "\u2026": "&#8230;",
    "\u00d4": "&#8216;", "\u00d5": "&#8217;", "\u00d2": "&#8220;", "\u00d3": "&#8221;",
    "\u00d1": "&#8212;", "\u00d0": "&#8211;", "\u00c9": "&#8230;",
}
_FORMAT_STORY_RE = re.compile("[" + "".join(_FORMAT_STORY_MAP) + "]")


def _ncr_non_cp1252(text: str) -> str:
    """Each character windows-1252 cannot encode as ``&#N;`` (N its code point, decimal)."""
    # The codec does it in C (the same references as a loop over the characters, which made
    # rendering a printable story ~100x slower: bench/scale.py).
    return text.encode("cp1252", errors="xmlcharrefreplace").decode("cp1252")


def format_story(text: str) -> str:
    """eFiction format_story() in ISO-8859-1 mode (text given as stored, Unicode)."""
    text = text.strip()
    if not text:
        return ""
    if is_plain_text(text):
        text = nl2br2(text)
    text = _ncr_non_cp1252(text)
    return _FORMAT_STORY_RE.sub(lambda m: _FORMAT_STORY_MAP[m.group(0)], text)


def encode_page(page: str) -> bytes:
    # Content is cp1252-clean by construction; echoed request values may not be.
    return page.encode("cp1252", errors="xmlcharrefreplace")


# ---------------------------------------------------------------------------
# Page frame (header.tpl / footer.tpl of Berrygood)
# ---------------------------------------------------------------------------

_CSS = _crlf("""#columncontainer { margin: 1em auto; width: auto;}
#browseblock, #memberblock { width: 100%; padding: 0; margin: 0; float: left; border: 0px solid transparent; }
.column { float: left; width: 99%; }
html>body .column { width: 100%; }
.cleaner { clear: both; height: 1px; font-size: 1px; margin: 0; padding: 0; background: transparent; }
#settingsform { margin: 0; padding: 0; border: none; }
#settingsform FORM { width: 100%; margin: 0 10%; }
#settingsform LABEL { float: left; display: block; width: 30%; text-align: right; padding-right: 10px; clear: left; }
#settingsform DIV { margin: 1ex auto; clear: both;}
#settingsform .fieldset SPAN { float: left; display: block; width: 30%; text-align: right; padding-right: 10px; clear: left;}
#settingsform .fieldset LABEL { float: none; width: auto; display: inline; text-align: left; clear: none; }
#settingsform { float: left; margin: 1ex 10%; }
#settingsform .tinytoggle { text-align: center; }
#settingsform .tinytoggle LABEL { float: none; display: inline; width: auto; text-align: center; padding: 0; clear: none; }
#settingsform #submitdiv { text-align: center; width: 100%;clear: both; height: 3em; }
#settingsform #submitdiv #submit { position: absolute; z-index: 10001; margin: 1em; }
a.pophelp{
    position: relative; /* this is the key*/
    vertical-align: super;
}

a.pophelp:hover{z-index:100; border: none; text-decoration: none;}

a.pophelp span{display: none; position: absolute; top: -25em; left: 20em; }

a.pophelp:hover span{ /*the span will display just on :hover state*/
    display:block;
    position: absolute;
    top: -3em; left: 8em; width: 225px;
    border:1px solid #000;
    background-color:#CCC; color:#000;
    text-decoration: none;
    text-align: left;
    padding: 5px;
    font-weight: normal;
    visibility: visible;
}
.required { color: red; }
.shim {
\tposition: absolute;
\tdisplay: none;
\theight: 0;
\twidth:0;
\tmargin: 0;
\tpadding: 0;
\tz-index: 100;
}

.ajaxOptList {
\tbackground: #CCC;
\tborder: 1px solid #000;
\tmargin: 0;
\tposition: absolute;
\tpadding: 0;
\tz-index: 1000;
\ttext-align: left;
}
.ajaxListOptOver {
\tpadding: 4px;
\tbackground: #CCC;
\tmargin: 0;
}
.ajaxListOpt {
\tbackground: #EEE;
\tpadding: 4px;
\tmargin: 0;
}
.multiSelect {
\twidth: 300px;
}

""")

_BROWSE_JS = (
    '<script language="javascript" type="text/javascript" src="includes/xmlhttp.js"></script>'
    '<script language="javascript" type="text/javascript">\r\n'
    "lang = new Array( );\r\n\r\n"
    "lang['Back2Cats'] = 'Back to Main Categories';\r\n"
    "lang['ChooseCat'] = 'Choose a Category';\r\n"
    "lang['Categories'] = 'Categories';\r\n"
    "lang['Characters'] = 'Characters';\r\n"
    "lang['MoveTop'] = 'Move to Top';\r\n"
    "lang['TopLevel'] = 'Top Level Category';\r\n"
    "lang['CatLocked'] = 'This category is locked.';\r\n"
    "basedir = '';\r\n\r\n"
    "categories = new Array( );\r\n"
    "characters = new Array( );\r\n\n"
    "</script>"
)

_DOCTYPE = ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
            '"http://www.w3.org/TR/html4/loose.dtd"><html><head>')
_META_CT = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'

_HEAD = (
    _DOCTYPE + "{meta}<title>{title}</title>\r\n"
    + _META_CT + '<script language="javascript" type="text/javascript" src="includes/javascript.js"></script>\r\n'
    '<link rel="alternate" type="application/rss+xml" title="{sitename} RSS Feed" href="rss.php">{extrajs}'
    '<style type="text/css">\r\n' + _CSS + "</style>\r\n"
    "<link rel='stylesheet' type='text/css' href='skins/Berrygood/style.css' /> \n\r\n"
    "<meta name='viewport' content='width=device-width, initial-scale=1.0' />\r\n"
    "</head><body>\r\n"
)

_MENU = _crlf("""<div id="menu">
\t<ul id="menulist">
<li><a href="index.php" title="Home">Home</a></li>
{loginlink}
<li><a href="viewpage.php?page=tos" title="Terms of Service">Terms of Service</a></li>
<li><a href="viewpage.php?page=rules" title="Rules">Rules</a></li>   
<li><a href="viewpage.php?page=help" title="Help">Help</a></li> 
{registerlink}
<li></li>  
</ul>
</div>
<div id="container">
<div id="banner">&nbsp;
</div>
<div id="submenu">
\t<ul id="submenulist">
<li>Browse By:</li>
<li><a href="browse.php?type=recent" title="Most Recent">Most Recent</a></li> 
<li><a href="authors.php?list=authors" title="Authors">Authors</a></li>
<li><a href="browse.php?type=categories" title="Categories">Categories</a></li>
<li><a href="browse.php?type=titles" title="Titles">Titles</a></li> 
<li><a href="browse.php?type=series" title="Series">Series</a></li> 
<li><a href="browse.php?type=challenges" title="Challenges">Challenges</a></li>
<li><a href="toplists.php" title="Top Tens">Top Tens</a></li>  
<li><a href="search.php" title="Search">Search</a></li> 
</ul>
</div>
<div id="mainpage">
<div id="content">
""")

_FOOTER = _crlf("""</div>
</div>
<div id="footer">
This is your sample copyright footer.  Include it in your footer.tpl with <b>{footer}</b><br />
<u>Disclaimer:</u>  All publicly recognizable characters, settings, etc. are the property of their respective owners.  The original characters and plot are the property of the author.  No money is being made from this work.  No copyright infringement is intended.
<Br /><Br />
<center><a href="viewpage.php?page=tos" title="Terms of Service">Terms of Service</a> | <a href="viewpage.php?page=rules" title="Rules">Rules</a> | <a href="contact.php" title="Contact Us">Contact Us</a><br />
Skin created by <a href="http://www.made-by-kali.com">Kali</a></center></div>
</div>
</body></html>
""")

_SKINNY_END = _crlf("""<div id="skinnybottom">
&nbsp;
</div>
""")

_PRINT_HEAD = (
    _DOCTYPE + "{meta}<title>{title}</title>\r\n"
    + _META_CT + '<link rel="stylesheet" type="text/css" href="skins/Berrygood/printable.css">'
    + _crlf("""<script type='text/javascript'>
<!--
if (window.print) {
    window.print() ;  
} else {
    var WebBrowser = '<OBJECT ID="WebBrowser1" WIDTH=0 HEIGHT=0 CLASSID="CLSID:8856F961-340A-11D0-A96B-00C04FD705A2"></OBJECT>';
document.body.insertAdjacentHTML('beforeEnd', WebBrowser);
    WebBrowser1.ExecWB(6, 2);//Use a 1 vs. a 2 for a prompting dialog box    WebBrowser1.outerHTML = "";  
}
-->
</script></head>""")
)

_PRINT_COPYRIGHT = (
    "<u>Disclaimer:</u> All publicly recognizable characters and settings are the property of their "
    "respective owners. The original characters and plot are the property of the author. No money is being "
    "made from this work. No copyright infringement is intended."
)


def write_error(msg: str) -> str:
    return f"<div style='text-align: center; margin: 1em;' class='errortext'>{msg}</div>"


def write_message(msg: str) -> str:
    return f"<div style='text-align: center; margin: 1em;'>{msg}</div>"


# Language strings (languages/en.php)
ACCESSDENIED = "Access denied. This story has not been validated by the adminstrators of this site."
NOTAUTHORIZED = "You are not authorized to access that function."
RUSERSONLY = "Registered Users Only"
AGECHECK = "Age Consent Required"
AGECONSENT = ("I am of the age of consent in my locale to view materials with adult content.&nbsp; "
              "I realize that by agreeing, the normal warnings for stories with adult content will be by-passed.")
NORESULTS = "No results found."
ERROR = "An error has occurred."
WRONGPASSWORD = "That password doesn't match the one in our database."
NOSUCHACCOUNT = "There is no account on this site with that penname."
ACTIONSUCCESSFUL = "Action successful."


class Renderer:
    """Renders every page of the sample archive (as ``str``; see :func:`encode_page`)."""

    def __init__(self, archive: Archive, *, items_per_page: int = 10, site_url: str = "") -> None:
        self.a = archive
        self.ipp = items_per_page
        self.site_url = site_url.rstrip("/")  # the eFiction `url` setting (printable, RSS)

    @property
    def site(self) -> Site:
        """The archive's settings, read live: its clock (``now``) can change."""
        return self.a.site

    # ------------------------------------------------------------------ frame

    def frame(self, content: str, viewer: Viewer, *, title: str | None = None, meta: str | None = None,
              browse_js: bool = False, current: str | None = None) -> str:
        if title is None:
            title = f"{self.site.sitename} :: {self.site.slogan}"
        head = _fill(
            _HEAD,
            meta=f"<meta name='description' content='{meta}'>" if meta is not None else "",
            title=title,
            sitename=self.site.sitename,
            extrajs=_BROWSE_JS if browse_js else "",
        )
        if viewer.is_member:
            login = '<li><a href="user.php?action=logout" title="Logout">Logout</a></li> '
            register = '<li><a href="user.php" title="Account Info">Account Info</a></li>'
        else:
            cur = ' id="current"' if current == "login" else ""
            login = f'<li><a href="user.php?action=login" title="Login"{cur}>Login</a></li> '
            register = '<li><a href="user.php?action=register" title="Register">Register</a></li>'
        return head + _fill(_MENU, loginlink=login, registerlink=register) + content + _FOOTER

    def skinny(self, inner: str) -> str:
        return '<div id="skinny">\r\n' + inner + "</div>\r\n" + _SKINNY_END

    def begin_request(self, php_self: str, get: dict[str, str]) -> None:
        """Called by the server before it renders a page (``PHP_SELF`` and ``$_GET``); a skin whose
        blocks depend on the page (the skin changer, a "random" story) keeps them; stock: nothing."""

    # Template hooks: skins (mirror/sample/skins/) replace these; the values here are the stock page.
    _PRINT_HEAD = _PRINT_HEAD

    def story_extras(self, story: Story, viewer: Viewer | None = None, printable: bool = False) -> dict[str, object]:
        """More template variables for a story (e.g. one per class type); stock templates use none."""
        return {}

    # ------------------------------------------------------------- fragments

    def penname(self, uid: int) -> str:
        a = self.a.author(uid)
        return a.penname if a else ""

    def user_link(self, uid: int, quote: str = '"') -> str:
        return f"<a href={quote}viewuser.php?uid={uid}{quote}>{self.penname(uid)}</a>"

    def author_links(self, story: Story) -> str:
        return ", ".join(self.user_link(u) for u in story.author_uids)

    def author_names(self, story: Story) -> str:
        return ", ".join(self.penname(u) for u in story.author_uids)

    def summary(self, story: Story) -> str:
        if story.summary_stored_ncr:
            # saved through the story form: format_story() ran on it at save time
            return _FORMAT_STORY_RE.sub(lambda m: _FORMAT_STORY_MAP[m.group(0)], story.summary)
        return story.summary

    def meta_description(self, story: Story) -> str:
        return htmlspecialchars(strip_tags(self.summary(story)))

    def story_page_title(self, story: Story) -> str:
        return f"{story.title} by {self.author_names(story)}"

    def title_link(self, story: Story, viewer: Viewer) -> str:
        """includes/corefunctions.php title_link(): javascript: links for gated ratings."""
        rating = self.a.rating(story.rid)
        plain = f'<a href="viewstory.php?sid={story.sid}">{story.title}</a>'
        if not rating.ratingwarning:
            return plain
        warningtext = strip_tags(rating.warningtext)
        warning = location = ""
        if rating.warning and rating.rid not in viewer.warned:
            location = f"viewstory.php?sid={story.sid}&amp;warning={rating.rid}"
            warning = warningtext
        if rating.age_consent and not viewer.member_ageconsent and not viewer.ageconsent:
            location = f"viewstory.php?sid={story.sid}&amp;ageconsent=ok&amp;warning={rating.rid}"
            warning = f"{AGECHECK} - {AGECONSENT} {warningtext} -- 1"
        if rating.members_only and not viewer.is_member:
            location = f"user.php?action=login&amp;sid={story.sid}"
            warning = f"{RUSERSONLY} - {warningtext}"
        if warning:
            warning = warning.replace("'", "\\'")
            return f"<a href=\"javascript:if(confirm('{warning}')) location = '{location}'\">{story.title}</a>"
        return plain

    def ratingpics(self, score: int) -> str:
        if score <= 0:
            return ""
        stars = ""
        x = 0
        while x < score / 2 - 0.5:
            stars += '<img src="images/star.gif" alt="star">'
            x += 1
        if score % 2:
            stars += '<img src="images/starhalf.gif" alt="half-star">'
        return f"<span style='white-space: nowrap;'>{stars}</span>"

    def catlist(self, story: Story) -> str:
        if not story.categories:
            return "Orphan"
        return ", ".join(
            f"<a href='browse.php?type=categories&amp;catid={cid}'>{name}</a>" for cid, name in story.categories
        )

    def charlist(self, story: Story, printable: bool = False) -> str:
        if not story.character_ids:
            return "None"
        if printable:
            return ", ".join(story.characters)
        return ", ".join(
            f"<a href='browse.php?type=characters&amp;charid={cid}'>{self.a.characters[cid].name}</a>"
            for cid in story.character_ids
        )

    def challengelinks(self, story: Story) -> str:
        links = [
            f"<a href='modules/challenges/challenges.php?chalid={c}'>{self.a.challenges[c].title}</a>"
            for c in story.challenges
        ]
        return ", ".join(links)

    def classifications(self, story: Story, printable: bool = False) -> str:
        out = ""
        for t in self.a.class_types.values():
            ids = [c for c in story.class_ids if self.a.classes[c].type_id == t.type_id]
            if ids:
                if printable:
                    vals = ", ".join(self.a.classes[c].name for c in ids)
                else:
                    vals = ", ".join(
                        f"<a href='browse.php?type=class&amp;type_id={t.type_id}&amp;classid={c}'>"
                        f"{self.a.classes[c].name}</a>" for c in ids
                    )
            else:
                vals = "None"
            out += f"<span class='label'>{t.title}: </span> {vals}<br />"
        if story.challenges:  # modules/challenges/storyblock.php
            out += f"<span class='label'>Challenges: </span> {self.challengelinks(story)}<br />"
        return out

    def serieslinks(self, story: Story, printable: bool = False) -> str:
        series = self.a.series_of_story(story.sid)
        if not series:
            return "None"
        if printable:
            return ", ".join(s.title for s in series)
        return ", ".join(f'<a href="viewseries.php?seriesid={s.seriesid}">{s.title}</a>' for s in series)

    def featured(self, story: Story) -> str:
        if story.featured:
            return '<img src="images/blueribbon.gif" class="featured" alt="Feature">'
        if story.retired:
            return '<img src="images/redribbon.gif"align="left" class="retired" alt="Past Featured Story">'
        return ""

    def is_new(self, story: Story) -> bool:
        return story.updated_at > self.site.now - timedelta(days=self.site.recentdays)

    def reviews_links(self, story: Story) -> tuple[str, str]:
        url = f"reviews.php?type=ST&amp;item={story.sid}"
        return f'<a href="{url}">Reviews</a>', f'<a href="{url}">{story.review_count}</a>'

    # --------------------------------------------------------------- listings

    _STORYBLOCK = _crlf("""<div class="listbox {oddeven}">
<div class="title">{title} by {author} <span class="label">Rated:</span> {rating} {roundrobin} {score} [{reviews} - {numreviews}] {new} </div>
<div class="content"><span class="label">Summary: </span>{featuredstory}{summary}<br />
<span class="label">Categories:</span> {category} <br />
<span class="label">Characters: </span> {characters}<br />
{classifications}
<span class="label">Series:</span> {serieslinks}<br />
<span class="label">Chapters: </span> {numchapters} {toc}<br />
<span class="label">Completed:</span> {completed}  
<span class="label">Word count:</span> {wordcount} <span class="label">Read Count:</span> {count}
</div>
<div class="tail"><span class="label"> {reportthis} Published: </span>{published} <span class="label">Updated:</span> {updated}</div>
</div>

""")

    def story_block(self, story: Story, count: int, viewer: Viewer, template: str | None = None) -> str:
        """listings.tpl's storyblock (or another block ``template``) filled for ``story``."""
        reviews, numreviews = self.reviews_links(story)
        return _fill(
            self._STORYBLOCK if template is None else template,
            oddeven="odd" if count % 2 else "even",
            title=self.title_link(story, viewer),
            author=self.author_links(story),
            rating=story.rating,
            roundrobin='<img src="images/roundrobin.gif" alt="Round robin">' if story.round_robin else "",
            score=self.ratingpics(story.score),
            reviews=reviews,
            numreviews=numreviews,
            new="New!" if self.is_new(story) else "",
            featuredstory=self.featured(story),
            summary=self.summary(story),
            category=self.catlist(story),
            characters=self.charlist(story),
            classifications=self.classifications(story),
            serieslinks=self.serieslinks(story),
            numchapters=len(story.chapters),
            toc=f'<a href="viewstory.php?sid={story.sid}&amp;index=1">Table of Contents</a>',
            completed="Yes" if story.completed else "No",
            wordcount=story.wordcount,
            count=story.read_count,
            reportthis=f'[<a href="contact.php?action=report&amp;url=viewstory.php?sid={story.sid}">Report This</a>]',
            published=fmt_date(story.published_at, self.site.dateformat),
            updated=fmt_date(story.updated_at, self.site.dateformat),
            **self.story_extras(story, viewer),
        )

    def pagelinks(self, url: str, total: int, offset: int, linkstyle: int = 0, linkrange: int = 5) -> str:
        """includes/corefunctions.php build_pagelinks() (linkstyle 0 by default)."""
        ipp = self.ipp
        if ipp >= total or ipp == 0:
            return ""
        totpages = total // ipp + (1 if total % ipp else 0)
        curpage = offset // ipp + 1
        if not linkstyle:
            start = curpage
        elif totpages <= linkrange or curpage == 1:
            start = 1
        elif curpage >= totpages - linkrange // 2 + 1:
            start = totpages - linkrange
        else:
            start = max(curpage - linkrange // 2, 1)
        if start >= totpages - linkrange:
            start = totpages - linkrange if totpages - linkrange > 0 else 1
        stop = start + linkrange if totpages > start + linkrange else totpages + 1
        pages = ""
        if curpage > 1 and linkstyle != 1:
            pages += f"<a href='{url}offset={offset - ipp}' id='plprev'>[Previous]</a> "
        if start > 1 and linkstyle > 0:
            pages += f"<a href='{url}offset=0'>1</a><span class='ellipses'>...</span>"
        for x in range(start, stop):
            cur = "id='currentpage'" if x == curpage else ""
            pages += f"<a href='{url}offset={(x - 1) * ipp}'{cur}>{x}</a> \n"
        if stop < totpages and linkstyle > 0:
            pages += f"<span class='ellipses'>...</span> <a href='{url}offset={(totpages - 1) * ipp}'>{totpages}</a>\n"
        if curpage < totpages and linkstyle != 1:
            pages += f" <a href='{url}offset={offset + ipp}' id='plnext'>[Next]</a>"
        return f'<div id="pagelinks">{pages}</div>'

    _STORIES_HEADER = '<div class="sectionheader">Stories</div>\r\n'

    def listing(self, stories: Sequence[Story], offset: int, viewer: Viewer, pagelink: str) -> str:
        """listings.tpl with the 'Stories' header, one page of blocks and the page links."""
        page = stories[offset: offset + self.ipp]
        out = self._STORIES_HEADER
        out += "".join(self.story_block(s, i, viewer) for i, s in enumerate(page))
        links = self.pagelinks(pagelink, len(stories), offset)
        return out + (links + "\r\n" if links else "\r\n")

    def alphabet(self, url: str) -> str:
        letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["Other"]
        return '<div id="alphabet">' + "".join(f'<a href="{url}let={L}">{L}</a> \n' for L in letters) + "</div>"

    def sortform(self, action: str, *, catid: int | None, charids: Sequence[int], rid: int | None,
                 classin: Sequence[int], sort_update: bool, complete: str, type_: str) -> str:
        a = self.a
        parts = []
        if type_ != "categories":  # $catlist (ORDER BY leveldown, displayorder): catid's children and itself
            thiscat = catid or -1
            cats = "".join(
                f'<option value="{c.catid}"{" selected" if catid == c.catid else ""}>{c.name}</option>\n'
                for c in sorted(a.categories.values(), key=lambda c: (c.leveldown, c.displayorder))
                if c.parentcatid == thiscat or c.catid == thiscat
            )
            parts.append('<select class="textbox" name="catid" id="catid" onChange="browseCategories(\'catid\')">'
                         f'<option value="-1">{"Back to Main Categories" if catid else "Categories"}</option>\n'
                         f"{cats}</select>\n")
        # characters of the category browsed and, except on type=categories, its subcategories
        allowed_cats = {-1} | (set(a.category_tree(catid) if type_ != "categories" else (catid,)) if catid else set())
        chars = [c for c in a.characters.values() if c.catid in allowed_cats]
        menus = []
        for n in (1, 2):
            sel = charids[n - 1] if len(charids) >= n else None
            opts = "".join(
                f'<option value="{c.charid}"{" selected" if sel == c.charid else ""}>{c.name}</option>\n'
                for c in chars
            )
            menus.append(f'<select class="textbox" name="charlist{n}" id="charlist{n}">\n'
                         f'<option value="0">Characters</option>\n{opts}</select>')
        if type_ != "characters":
            parts.append(" " + menus[0] + " " + menus[1] + "  ")
        else:
            parts.append(" " + menus[1] + "  ")
        ropts = "".join(
            f'<option value="{r.rid}"{" selected" if rid == r.rid else ""}>{r.name}</option>\n'
            for r in a.ratings.values()
        )
        parts.append(f'<select class="textbox" name="rating">\n<option value="0">Ratings</option>\n{ropts}</select>\n ')
        for t in a.class_types.values():
            opts = "".join(
                f'<option value="{c.classid}"{" selected" if c.classid in classin else ""}>{c.name}</option>\n'
                for c in sorted(a.classes.values(), key=lambda c: c.name.lower()) if c.type_id == t.type_id
            )
            parts.append(f'<select class="textbox" name="{t.name}">\n<option value="">{t.title}</option>{opts}</select>\n ')
        parts.append(' <select class="textbox" name="sort">\n<option value=\'\'>Sort</option>'
                     f'<option value="alpha"{"" if sort_update else " selected"}>Alphabetically</option>\n'
                     f'<option value="update"{" selected" if sort_update else ""}>Most Recent</option>\n</select>\n ')
        parts.append('<select class="textbox" name="complete">\n'
                     f'<option value="all"{" selected" if complete == "all" else ""}>All Stories</option>\n'
                     f'<option value="1"{" selected" if complete == "1" else ""}>Completed Only</option>\n'
                     f'<option value="0"{" selected" if complete == "0" else ""}>Work in Progress Only</option>\n'
                     "</select>\n ")
        return ('<div id="sortform"><form style="margin:0" method="POST" id="form" enctype="multipart/form-data" '
                f'action="{action}">' + "".join(parts) +
                '<INPUT type="submit" class="button" name="go" value="Go"></form></div>\r\n')

    # ------------------------------------------------------------------ pages

    def browse_page(self, viewer: Viewer, *, pagetitle_html: str, alphabet_url: str | None, sortform: str,
                    stories: Sequence[Story], offset: int, pagelink: str, before_list: str = "") -> str:
        inner = pagetitle_html
        if alphabet_url is not None:
            inner += self.alphabet(alphabet_url)
        inner += "\r\n" if not inner.endswith("\r\n") else ""
        if stories:
            inner += sortform + "\r\n\r\n\r\n\r\n"
            inner += before_list + self.listing(stories, offset, viewer, pagelink)
        else:  # listings.tpl without stories: "{seriesheader}\r\n{stories}\r\n{pagelinks}\r\n"
            inner += "\r\n\r\n" + before_list + write_message(NORESULTS) + "\r\n"
        return self.frame(self.skinny(inner), viewer, browse_js=True)

    def subcategory_list(self, catid: int) -> str:
        """browse/categories.php's list of the categories under ``catid`` (-1: the top level),
        with ``displaycolumns`` 1: each filled into categories.tpl (``{image}{link} {count}
        {description}``, CRLF line ends) inside a ``<div>``; "" when there are none."""
        rows = "".join(
            f'<div> <a href="browse.php?type=categories&amp;catid={c.catid}">{c.name}</a> '
            f"[{self.a.category_count(c.catid)}] {c.description}\r\n</div>"
            for c in self.a.subcategories(catid)
        )
        return f'<div id="columncontainer">{rows}</div>' if rows else ""

    def browse_menu(self, viewer: Viewer) -> str:
        items = [
            '<a href="browse.php?type=categories">Categories</a><br />\n',
            '<a href="browse.php?type=challenges">Challenges</a><br />\n',
            '<a href="browse.php?type=characters">Characters</a><br />\n',
        ]
        items += [f"<a href='browse.php?type=class&amp;type_id={t.type_id}'>{t.title}</a><br />\n"
                  for t in self.a.class_types.values()]
        items += [
            '<a href="browse.php?type=ratings">Ratings</a><br />\n',
            '<a href="browse.php?type=series">Series</a><br />\n',
            '<a href="browse.php?type=titles">Titles</a><br />\n',
        ]
        inner = ("<div id='pagetitle'>Browse</div><div id=\"columncontainer\"><div id=\"browseblock\">"
                 "<div class=\"column\">" + "".join(items) + "</div></div><div class='cleaner'>&nbsp;</div></div>\r\n")
        return self.frame(self.skinny(inner), viewer, browse_js=True)

    def simple_list_page(self, viewer: Viewer, title_html: str, rows: Iterable[str]) -> str:
        inner = (title_html + '<div id="columncontainer"><div id="browseblock"><div class="column">'
                 + "".join(rows) + "</div></div><div class='cleaner'>&nbsp;</div></div>\r\n")
        return self.frame(self.skinny(inner), viewer, browse_js=True)

    def error_page(self, viewer: Viewer, message: str) -> str:
        return self.frame(self.skinny(write_error(message) + "\r\n"), viewer)

    # -- story pages -------------------------------------------------------

    def gate_page(self, story: Story | None, message: str, viewer: Viewer, *, printable: bool = False) -> str:
        """viewstory.php error output: access denied, warnings, age consent, members only."""
        title = story.title if story else ""
        body = f"<div id='pagetitle'>{title}</div>" + write_error(message) + "\r\n"
        page_title = self.story_page_title(story) if story else None
        meta = self.meta_description(story) if story else None
        if printable:
            t = page_title if page_title is not None else f"{self.site.sitename} :: {self.site.slogan}"
            head = _fill(self._PRINT_HEAD, title=t,
                         meta=f"<meta name='description' content='{meta}'>" if meta is not None else "")
            return head + self.skinny(body)
        return self.frame(self.skinny(body), viewer, title=page_title, meta=meta)

    _VIEWSTORY = _crlf("""<div id="pagetitle">{title} by {author}</div>
<div class="storyinfo"> [{reviews} - {numreviews}]<br />
{toc} {reportthis}<br />
{printicon} <br />
 </div>
<div class="jumpmenu">{textsizer}{jumpmenu}</div>
{storynotes}{notes}<div id="story">{story}</div>
{endnotes}<div id="prev">{prev}</div><div id="next">{next}</div>

<div class="jumpmenu2">{jumpmenu2}</div>
<div class="respond"> {roundrobin}</div>
{reviewform}
""")

    _STORYNOTES_VIEW = _crlf("""<div class='notes'>
\t<div class='title'><span class='label'>Story Notes:</span></div>
\t<div class='noteinfo'>{storynotes}</div>
</div>
""")

    _NOTES_VIEW = ("<div class='notes'><div class='title'><span class='label'>Author's Chapter Notes:</span></div>"
                   "<div class='noteinfo'>{notes}</div></div>\r\n")
    _ENDNOTES_VIEW = ("<div class='notes'><div class='title'><span class='label'>Chapter End Notes:</span></div>"
                      "<div class='noteinfo'>{endnotes}</div></div>\r\n")

    _REVIEWFORM = _crlf("""<form method="POST" id="reviewform" enctype="multipart/form-data" action="reviews.php?action=add&amp;type=ST&amp;item={sid}&amp;next={next}">
<div style="width: 350px; margin: 0 auto; text-align: left;"><label for="reviewer">Name:</label> <INPUT name="reviewer" id="reviewer" size="30" maxlength="200"><br /><label for="review">Review:</label><br />
<textarea class="textbox" name="review" id="review" cols="40" rows="5"></textarea><div><label for="rating">Rating:</label> <select name="rating"><option value="10">10</option><option value="9">9</option><option value="8">8</option><option value="7">7</option><option value="6">6</option><option value="5">5</option><option value="4">4</option><option value="3">3</option><option value="2">2</option><option value="1">1</option><option value="-1" selected>None</option></select></div><INPUT type="hidden" name="chapid" value="{chapid}"><div style="text-align: center; margin: 1ex;"><INPUT type="submit" class="button" name="submit" value="Submit"></div></div></form>""")

    def chapter_page(self, story: Story, chapter_param: int | None, textsize: int, viewer: Viewer) -> str:
        sid = story.sid
        chapters = story.chapters
        multi = len(chapters) > 1
        chapter_no = chapter_param or 1
        jumpmenu = prev = nxt = ""
        if multi:
            chap = story.chapter(chapter_no)
            printicon = (
                "<img src='images/print.gif' border='0' alt='Printer'> "
                f'<a href="viewstory.php?action=printable&amp;textsize={textsize}&amp;sid={sid}&amp;chapter={chapter_no}" '
                'target="_blank">Chapter</a> or '
                f'<a href="viewstory.php?action=printable&amp;textsize={textsize}&amp;sid={sid}&amp;chapter=all" '
                'target="_blank">Story</a>'
            )
            if chapter_no > 1:
                ts = f"textsize={textsize}&amp;" if textsize else ""
                prev = f'<a href="viewstory.php?sid={sid}&amp;{ts}chapter={chapter_no - 1}" class="prev">Previous</a> '
            opts = "".join(
                f"<option value='{c.inorder}'{' selected' if c.inorder == chapter_no else ''}>{c.inorder}. {c.title}</option>"
                for c in chapters
            )
            jumpmenu = (
                '<form name="jump" action=""><select class="textbox" name="chapter" onchange="if(document.jump.chapter.'
                f'selectedIndex.value != {chapter_no}) document.location = \'viewstory.php?sid={sid}&amp;textsize='
                f"{textsize}&amp;chapter=' + document.jump.chapter.options[document.jump.chapter.selectedIndex].value\">"
                f"{opts}</select></form>"
            )
            if chapter_no < len(chapters):
                nextchapter = str(chapter_no + 1)
                nxt = (f'<a href="viewstory.php?sid={sid}&amp;textsize={textsize}&amp;chapter={chapter_no + 1}" '
                       'class="next">Next</a>')
            else:
                nextchapter = ""
        else:
            chap = chapters[0]
            printicon = (
                f'<a href="viewstory.php?action=printable&amp;sid={sid}&amp;textsize={textsize}&amp;chapter=1" '
                "target=\"_blank\"><img src='images/print.gif' border='0' alt='Printer'></a>"
            )
            nextchapter = ""
        chapid = chap.chapid if chap else ""
        inorder = chap.inorder if chap else None
        ch_part = f"&amp;chapter={inorder}" if inorder else ""
        textsizer = (
            f'<a href="viewstory.php?sid={sid}{ch_part}&amp;textsize={textsize - 1}">-</a> <strong>Text Size</strong> '
            f'<a href="viewstory.php?sid={sid}{ch_part}&amp;textsize={textsize + 1}">+</a> '
        )
        jm2 = (f'<option value="reviews.php?action=add&amp;type=ST&amp;item={sid}&amp;chapid={chapid}&amp;'
               f'next={nextchapter}">Submit a Review</option>'
               f'<option value="contact.php?action=report&amp;url=viewstory.php?chapid={chapid}">Report This</option>')
        rr = ""
        if story.round_robin:
            rr = f'[<a href="stories.php?action=newchapter&amp;sid={sid}">Contribute to Round Robin</a>]'
            jm2 += f'<option value="stories.php?action=newchapter&amp;sid={sid}">Contribute to Round Robin</option>'
        jumpmenu2 = (
            '<form name="jump2" action=""><select class="textbox" name="jump2" onchange="if(this.selectedIndex.value '
            "!= 'false') document.location = document.jump2.jump2.options[document.jump2.jump2.selectedIndex].value\">"
            f'<option value="false">Options</option>{jm2}</select></form>'
        )
        storynotes = notes = endnotes = ""
        if chap and chap.inorder == 1 and story.story_notes:
            storynotes = _fill(self._STORYNOTES_VIEW, storynotes=format_story(story.story_notes))
        if chap and chap.notes:
            notes = _fill(self._NOTES_VIEW, notes=format_story(chap.notes))
        if chap and chap.end_notes:
            endnotes = _fill(self._ENDNOTES_VIEW, endnotes=format_story(chap.end_notes))
        text = format_story(chap.source) if chap else ""
        reviews, numreviews = self.reviews_links(story)
        inner = _fill(
            self._VIEWSTORY,
            title=f'<a href="viewstory.php?sid={sid}">{story.title}</a>',
            author=self.author_links(story),
            reviews=reviews,
            numreviews=numreviews,
            toc=f'<a href="viewstory.php?sid={sid}&amp;index=1">Table of Contents</a>',
            reportthis=f'[<a href="contact.php?action=report&amp;url=viewstory.php?chapid={chapid}">Report This</a>]',
            printicon=printicon,
            textsizer=textsizer,
            jumpmenu=jumpmenu,
            storynotes=storynotes,
            notes=notes,
            story=f'<span style="font-size: {100 + textsize * 20}%;">{text}</span>',
            endnotes=endnotes,
            prev=prev,
            next=nxt,
            jumpmenu2=jumpmenu2,
            roundrobin=rr,
            reviewform=_fill(self._REVIEWFORM, sid=sid, next=nextchapter, chapid=chapid),
            **self.chapter_extras(story, chap, viewer),
        )
        return self.frame(self.skinny(inner), viewer, title=self.story_page_title(story),
                          meta=self.meta_description(story))

    _STORYINDEX = _crlf("""<div id="pagetitle">{title} by {author}</div>
<div id="sort"> [{reviews} - {numreviews}] {score}{printicon}</div>
<div id="output">
<div class="jumpmenu"></div>
<div class="listbox">
<div class="content">{featuredstory}<span class="label">Summary: </span>{summary}<br />
<span class="label">Rated:</span> {rating}<br />
<span class="label">Categories:</span> {category} <span class="label">Characters: </span> {characters}<br />
{classifications}
<span class="label">Challenges:</span> {challengelinks}<br /> <span class="label">Series:</span> {serieslinks}<br />
<span class="label">Chapters: </span> {numchapters} <span class="label">Completed:</span> {completed} <br /> 
<span class="label">Word count:</span> {wordcount} <span class="label">Read:</span> {count}<br />
<span class="label"> Published: </span>{published} <span class="label">Updated:</span> {updated} </div>

</div>
<div style='text-align: center;'></div>
{storynotes}{chapterlines}
<div id="pagelinks"><div class="jumpmenu"></div></div>
<div class="respond">{roundrobin}</div>

</div>
""")

    _INDEX_CHAPTER = ("      <p><b>{chapternumber}. {title} </b>by {author} [{reviews} - {numreviews}] {ratingpics} "
                      "({wordcount} words)<br />\r\n\t{chapternotes}</p>\r\n")
    _INDEX_STORYNOTES = ("<div class='notes'><div class='title'><span class='label'>Story Notes:</span></div>"
                         "<div class='noteinfo'>{storynotes}</div></div>\r\n")

    def chapter_extras(self, story: Story, chapter: Chapter | None, viewer: Viewer | None = None) -> dict[str, object]:
        """More template variables for a chapter page or a line of the story index; stock: none."""
        return {}

    def index_chapter_line(self, story: Story, c: Chapter) -> str:
        """storyindex.tpl's storyindexblock for one chapter."""
        url = f"reviews.php?type=ST&amp;item={story.sid}&amp;chapid={c.chapid}"
        return _fill(
            self._INDEX_CHAPTER,
            chapternumber=c.inorder,
            title=f'<a href="viewstory.php?sid={story.sid}&amp;chapter={c.inorder}">{c.title}</a>',
            author=self.user_link(c.uid, quote=chr(39)),
            reviews=f'<a href="{url}">Reviews</a>',
            numreviews=f'<a href="{url}">{c.review_count}</a>',
            ratingpics=self.ratingpics(c.score),
            wordcount=c.wordcount,
            chapternotes=format_story(c.notes),
            **self.chapter_extras(story, c),
        )

    def index_page(self, story: Story, textsize: int, viewer: Viewer) -> str:
        sid = story.sid
        lines = "".join(self.index_chapter_line(story, c) for c in story.chapters)
        storynotes = ""
        if story.story_notes:
            storynotes = _fill(self._INDEX_STORYNOTES, storynotes=format_story(story.story_notes))
        reviews, numreviews = self.reviews_links(story)
        inner = _fill(
            self._STORYINDEX,
            title=f'<a href="viewstory.php?sid={sid}">{story.title}</a>',
            author=self.author_links(story),
            reviews=reviews,
            numreviews=numreviews,
            score=self.ratingpics(story.score),
            printicon=(f'<a href="viewstory.php?action=printable&amp;textsize={textsize}&amp;sid={sid}&amp;chapter=all"'
                       " target=\"_blank\"><img src='images/print.gif' border='0' alt='Printer'></a>"),
            featuredstory=self.featured(story),
            summary=self.summary(story),
            rating=story.rating,
            category=self.catlist(story),
            characters=self.charlist(story),
            classifications=self.classifications(story),
            challengelinks=self.challengelinks(story) or "None",
            serieslinks=self.serieslinks(story),
            numchapters=len(story.chapters),
            completed="Yes" if story.completed else "No",
            wordcount=story.wordcount,
            count=story.read_count,
            published=fmt_date(story.published_at, self.site.dateformat),
            updated=fmt_date(story.updated_at, self.site.dateformat),
            storynotes=storynotes,
            chapterlines=lines,
            roundrobin=(f'[<a href="stories.php?action=newchapter&amp;sid={sid}">Contribute to Round Robin</a>]'
                        if story.round_robin else ""),
            **self.story_extras(story, viewer),
        )
        return self.frame(self.skinny(inner), viewer, title=self.story_page_title(story),
                          meta=self.meta_description(story))

    _PRINT_INFO = _crlf("""<div id="pagetitle">{title} by {author}</div>
<div class="infobox">
<div class="content">{featuredstory}<span class="label">Summary: </span>{summary}<br />
<span class="label">Categories:</span> {category} <span class="label">Characters: </span> {characters}<br />
{classifications}
<span class="label">Challenges:</span> {challengelinks}<br /> <span class="label">Series:</span> {serieslinks}<br />
<span class="label">Chapters: </span> {numchapters} <span class="label">Completed:</span> {completed}  
<span class="label">Word count:</span> {wordcount} <span class="label">Read:</span> {count}
<span class="label"> Published: </span>{published} <span class="label">Updated:</span> {updated} </div>
</div>
""")

    _PRINT_STORYNOTES = _INDEX_STORYNOTES
    _PRINT_INDEXLINE = "      <p><b>{chapternumber}.</b> {title} by {author}</p>\r\n"
    _PRINT_CHAPTERTITLE = "<div class='chaptertitle'>{chaptertitle} by {chapterauthor}</div>\r\n"
    _PRINT_NOTES = ("<div class='notes'><div class='title'><span class='label'>Author's Notes:</div>"
                    "<div class='noteinfo'>{notes}</div></div>\r\n")
    _PRINT_CHAPTERTEXT = "<div class='chapter'>{chaptertext}</div>\r\n"
    _PRINT_ENDNOTES = ("<div class='notes'><div class='title'><span class='label'>End Notes:</div>"
                       "<div class='noteinfo'>{endnotes}</div></div>\r\n")
    _PRINT_TOPLINK = "<div class='toplink'>{back2top}</div>\r\n"
    _PRINT_TAIL = '<div id="copyright">{copyright}</div>\r\n<div id="archivedat">{archivedat}</div>'

    def print_chapter_block(self, c: Chapter, anchor: bool) -> str:
        """printstory.tpl's chapterblock (with its notes and endnotes blocks)."""
        name = f"<a name='{c.inorder}'></a>{c.title}" if anchor else c.title
        b = _fill(self._PRINT_CHAPTERTITLE, chaptertitle=name, chapterauthor=self.penname(c.uid))
        if c.notes:
            b += _fill(self._PRINT_NOTES, notes=format_story(c.notes))
        b += _fill(self._PRINT_CHAPTERTEXT, chaptertext=format_story(c.source))
        if c.end_notes:
            b += _fill(self._PRINT_ENDNOTES, endnotes=format_story(c.end_notes))
        return b + _fill(self._PRINT_TOPLINK, back2top="<a href='#1'>Back to index</a>" if anchor else "")

    def printable_page(self, story: Story, chapter: int | None, viewer: Viewer) -> str:
        """viewstory.php?action=printable (printstory.tpl): no <body>, whole story when chapter is None."""
        sid = story.sid
        out = _fill(
            self._PRINT_INFO,
            title=f'<a href="viewstory.php?sid={sid}">{story.title}</a>',
            author=self.author_links(story),
            featuredstory=self.featured(story),
            summary=self.summary(story),
            category=self.catlist(story),
            characters=self.charlist(story, printable=True),
            classifications=self.classifications(story, printable=True),
            challengelinks=self.challengelinks(story) or "None",
            serieslinks=self.serieslinks(story, printable=True),
            numchapters=len(story.chapters),
            completed="Yes" if story.completed else "No",
            wordcount=story.wordcount,
            count=story.read_count,
            published=fmt_date(story.published_at, self.site.dateformat),
            updated=fmt_date(story.updated_at, self.site.dateformat),
            **self.story_extras(story, viewer, printable=True),
        )
        storynotes = _fill(self._PRINT_STORYNOTES, storynotes=format_story(story.story_notes))
        archivedat = (f'This story archived at <a href="{self.site_url}/viewstory.php?sid={sid}">'
                      f"{self.site_url}/viewstory.php?sid={sid}</a>")
        copyright_ = _PRINT_COPYRIGHT

        if chapter is None:
            if story.story_notes:
                out += storynotes
            for c in story.chapters:
                out += _fill(self._PRINT_INDEXLINE, chapternumber=c.inorder,
                             title=f"<a href='#{c.inorder}'>{c.title}</a>", author=self.penname(c.uid))
            for c in story.chapters:
                out += self.print_chapter_block(c, anchor=True)
        else:
            c = story.chapter(chapter)
            if c is None:
                copyright_ = ""
                archivedat = write_error(ACCESSDENIED)
            else:
                if c.inorder == 1 and story.story_notes:
                    out += storynotes
                out += self.print_chapter_block(c, anchor=False)
        out += _fill(self._PRINT_TAIL, copyright=copyright_, archivedat=archivedat)
        head = _fill(self._PRINT_HEAD, title=self.story_page_title(story),
                     meta=f"<meta name='description' content='{self.meta_description(story)}'>")
        return head + out

    # -- authors -------------------------------------------------------------

    _PROFILE = _crlf("""<div id="profile">
<div id="profile">
<div id="bio">
\t<div id="biotitle"><span class="label">Penname: </span>{penname}  {contact}<span class="label">Real name: </span>{realname}</div>
\t<div id="biocontent">
\t<span class="label">Member Since: </span>{membersince}<br />
\t<span class="label">Membership status:</span> {status}<br />
\t<span class="label">Bio:</span><br>{bio}<br />
\t 
\t</div>
</div>
 [<a href="contact.php?action=report&amp;url=viewuser.php?uid={uid}">Report This</a>]
</div>

<div id="sort"><form name="sort" action=""><label for="sort">Sort:</label> <select name="sort" class="textbox" onchange="if(this.selectedIndex.value != 'false') document.location = document.sort.sort.options[document.sort.sort.selectedIndex].value"><option value="false">Options</option><option value="viewuser.php?{actionpart}uid={uid}&amp;sort=alpha">Alphabetically</option><option value="viewuser.php?{actionpart}uid={uid}&amp;sort=update">Most Recent</option></select></form></div>
</div>
\t<div id="tabs">
""")

    _PANELTAB = "<span {class}>{link}\n{count}</span>\r\n"
    _TABS_END = "<div class='cleaner' style='clear: both;'>&nbsp;</div>\r\n\t</div>\r\n"

    def user_story_block(self, story: Story, count: int, viewer: Viewer) -> str:
        """A story block of an author's page (user.tpl includes listings.tpl: the same block)."""
        return self.story_block(story, count, viewer)

    def viewuser_page(self, uid: int, action: str, sort: str | None, offset: int, viewer: Viewer) -> str:
        author = self.a.author(uid)
        pen = author.penname if author else ""
        stories = self.a.stories_by(uid)
        if sort == "update":
            stories = sort_by_update(stories)
        else:
            stories = sort_by_title(stories)
        series = [s for s in self.a.series.values() if s.uid == uid]
        challenges = [c for c in self.a.challenges.values() if c.uid == uid]
        inner = _fill(
            self._PROFILE,
            penname=pen,
            contact=f'[<a href="viewuser.php?action=contact&amp;uid={uid}">Contact</a>] ' if author else "",
            realname=author.realname if author else "",
            membersince=fmt_date(author.member_since if author else self.site.now, self.site.dateformat),
            status="Administrator" if author and author.is_admin else "Member",
            bio=author.bio if author else "",
            uid=uid,
            actionpart=f"action={action}" if action != "storiesby" and action else "",
        )
        tabs = [
            ("storiesby", f"Stories by {pen}", len(stories) if author else None),
            ("seriesby", f"Series by {pen}", len(series)),
            ("reviewsby", f"Reviews by {pen}", 0),
            ("challengesby", f"Challenges by {pen}", len(challenges)),
            ("favlist", f"{pen}'s Favorites", 0),
        ]
        for name, label, n in tabs:
            inner += _fill(self._PANELTAB, **{"class": "id='active'" if name == action else ""},
                           link=f'<a href="viewuser.php?action={name}&amp;uid={uid}">{label}</a>',
                           count=f"  [{n}]" if n is not None else " ")
        inner += self._TABS_END
        if action == "storiesby" and stories:
            inner += f"\r\n\r\n<div class='sectionheader'>Stories by {pen}</div>\r\n"
            inner += "".join(self.user_story_block(s, i, viewer)
                             for i, s in enumerate(stories[offset: offset + self.ipp]))
            sortpart = "" if sort is None else ("&amp;sort=alpha" if sort == "alpha" else "&amp;sort=update")
            links = self.pagelinks(f"viewuser.php?action=storiesby&amp;uid={uid}{sortpart}&amp;", len(stories), offset)
            inner += (links + "\r\n") if links else "\r\n"
        elif action == "seriesby" and series:
            inner += f"\r\n\r\n<div class='sectionheader'>Series by {pen}</div>\r\n"
            inner += "".join(self.series_block(s, i) for i, s in enumerate(series[offset: offset + self.ipp]))
            links = self.pagelinks(f"viewuser.php?action=seriesby&amp;uid={uid}&amp;", len(series), offset)
            inner += (links + "\r\n") if links else ""
        else:
            inner += write_message(NORESULTS) + "\r\n"
        title = f"{self.site.sitename} :: {pen}" if author else None
        return self.frame(self.skinny(inner), viewer, title=title)

    # -------------------------------------------------------------- reviews

    _REVIEWBLOCK = _crlf("""<div class="listbox">
<div class="content{oddeven}">
<span class="label">Reviewer: </span>{reviewer} <span class="label">{signed}</span> {rating} [<a href="contact.php?action=report&amp;url=reviews.php?reviewid={reviewid}">Report This</a>]<br />
<span class="label">Date: </span>{date}
<span class="label">Title: </span>{chapter}
{review}
</div>
</div>
""")

    def reviews_page(self, type_: str, item: int, chapid: int | None, offset: int, viewer: Viewer,
                     reviewid: int | None = None) -> str:
        """reviews.php (eFiction 3.5.5 reviews.tpl): newest first, ``itemsperpage`` a page; the
        author's response appended to the text; rating-only reviews ("No Review") hidden."""
        a = self.a
        if reviewid is not None:
            one = a.all_reviews().get(reviewid)
            reviews = [one] if one is not None and not one.rating_only else []
            type_, item = (one.type, one.item) if one is not None else (type_, item)
        elif type_ == "SE":
            reviews = a.series_page_reviews(item)
        else:
            reviews = [r for r in a.reviews_of("ST", item) if chapid is None or r.chapid == chapid]
        if type_ == "SE":
            series = a.series.get(item)
            title = f'<a href="series.php?seriesid={item}">{series.title if series else ""}</a>'
            options = "".join(f'<option value="reviews.php?type=ST&amp;item={sid}">Reviews For {a.stories[sid].title}</option>'
                              for sid in sorted(series.sids if series else (), key=lambda s: a.stories[s].title)
                              if sid in a.stories)
            jump = (f'<select name="sid" onChange="if (this.selectedIndex >0) window.location=this.options[this.selectedIndex].value">'
                    f'<option value="reviews.php?type=SE&amp;item={item}">View All Reviews</option>{options}</select>')
        else:
            story = a.story(item)
            title = self.title_link(story, viewer) if story else ""
            selected = " selected" if chapid is None else ""
            options = ""
            if story and chapid is None and not offset and reviewid is None:
                options = "\n".join(f'<option value="reviews.php?chapid={c.chapid}&amp;type=ST&amp;item={item}">'
                                    f"Reviews For {c.inorder}. {c.title}</option>" for c in story.chapters)
            jump = (f'<select name="sid" onChange="window.location=this.options[this.selectedIndex].value">'
                    f'<option value="reviews.php?type=ST&amp;item={item}"{selected}>View All Reviews</option>{options}</select>')
        add = f"reviews.php?action=add&amp;type={type_}&amp;item={item}" + (f"&amp;chapid={chapid}" if chapid else "")
        inner = (f'<div id="pagetitle">Reviews For {title}</div>\r\n'
                 f'<div class="respond"><a href="{add}">Submit a Review</a></div>\r\n'
                 f'<div class="jumpmenu"><form name="jump" action="">{jump}</form></div>\r\n\r\n')
        for n, r in enumerate(reviews[offset: offset + self.ipp]):
            if r.type == "SE":
                chapter = a.series[r.item].title if r.item in a.series else ""
            elif type_ == "SE":
                chapter = a.stories[r.item].title if r.item in a.stories else ""
            else:
                c = a.chapter(r.chapid)
                chapter = c.title if c else ""
            text = r.review
            if r.respond:
                text = re.sub(r"(</p>)?\s*$", lambda m: f"<br><br><i>Author's Response: {r.respond}</i>{m.group(1) or ''}",
                              text, count=1)
            inner += _fill(self._REVIEWBLOCK, oddeven="even" if n % 2 == 0 else "odd",
                           reviewer=self.user_link(r.uid) if r.uid else r.reviewer,
                           signed="Signed" if r.uid else "Anonymous",
                           rating=self.ratingpics(r.rating) if r.rating > 0 else "",
                           reviewid=r.reviewid, date=f"{fmt_date(r.date, self.site.dateformat)} - {r.date:%I:%M} "
                           f"{'am' if r.date.hour < 12 else 'pm'}", chapter=chapter, review=text)
        if reviewid is None:
            extra = f"&amp;chapid={chapid}" if chapid else ""
            links = self.pagelinks(f"reviews.php?type={type_}&amp;item={item}{extra}&amp;", len(reviews), offset)
            inner += (links + "\r\n") if links else "\r\n"
        return self.frame(self.skinny(inner), viewer)

    def viewuser_unauthorized(self, viewer: Viewer) -> str:
        inner = ('<div id="profile">\r\n\r\n<div id="sort"></div>\r\n</div>\r\n\t<div id="tabs">\r\n'
                 "<div class='cleaner' style='clear: both;'>&nbsp;</div>\r\n\t</div>\r\n"
                 + write_error(NOTAUTHORIZED) + "\r\n")
        return self.frame(self.skinny(inner), viewer)

    def authors_page(self, list_: str, let: str | None, offset: int, viewer: Viewer) -> str:
        if list_ == "authors":
            uids = self.a.author_uids_with_stories
        else:
            uids = tuple(sorted(self.a.authors))
        members = [self.a.authors[u] for u in uids]
        if let:
            if let == "Other":
                members = [m for m in members if not m.penname[:1].isalpha() or not m.penname[:1].isascii()]
            else:
                members = [m for m in members if m.penname.lower().startswith(let.lower())]
        members.sort(key=lambda m: m.penname.casefold())
        page = members[offset: offset + self.ipp]
        rows = "".join(f'<a href="viewuser.php?uid={m.uid}">{m.penname}</a> [{len(self.a.stories_by(m.uid))}]<br />\n'
                       for m in page)
        sel = {k: (" selected" if k == list_ else "") for k in ("members", "authors", "admins")}
        inner = (
            '<div id="pagetitle">Authors</div><div style="text-align: center;"><form name="list" action="">'
            '<select name="list" onchange="if(this.selectedIndex.value != \'false\') document.location = '
            'document.list.list.options[document.list.list.selectedIndex].value">'
            f'<option value="authors.php?list=members"{sel["members"]}>All Members</option>\r\n'
            f'\t\t<option value="authors.php?list=authors"{sel["authors"]}>Authors</option>\r\n'
            f'\t\t<option value="authors.php?list=admins"{sel["admins"]}>Site Admins</option>\r\n'
            "\t\t</select></form></div>"
            + self.alphabet(f"authors.php?list={list_}&amp;")
            + '<div id="columncontainer"><div id="memberblock"><div class="column">' + rows
            + "</div></div><div class='cleaner'>&nbsp;</div></div>\r\n"
        )
        links = self.pagelinks(f"authors.php?list={list_}&amp;" + (f"let={let}&amp;" if let else ""),
                               len(members), offset)
        if links:
            inner += links + "\r\n"
        return self.frame(self.skinny(inner), viewer)

    # -- series / challenges --------------------------------------------------

    def _series_story_union(self, series: Series) -> tuple[list[int], list[int], list[int]]:
        cats: list[int] = []
        chars: list[int] = []
        classes: list[int] = []
        for sid in series.sids:
            s = self.a.story(sid)
            if not s or not s.validated:
                continue
            for cid, _ in s.categories:
                if cid not in cats:
                    cats.append(cid)
            for c in s.character_ids:
                if c not in chars:
                    chars.append(c)
            for c in s.class_ids:
                if c not in classes:
                    classes.append(c)
        return cats, chars, classes

    _SERIESBLOCK = _crlf("""<div class="listbox {oddeven}">
<div class="title">{title} by {author} [{reviews} - {numreviews}]</div>
<div class="content"><span class="label">Summary: </span>{summary}<br />
<span class="label">Parent Series:</span> {parentseries}<br />
<span class="label">Categories:</span> {category}<br />
 <span class="label">Characters: </span>{characters}<br />
<span class="label">Stories:</span> {numstories}<br />
<span class="label">Open:</span> {open}  {reportthis}
</div>
</div>

""")

    def series_block(self, series: Series, count: int) -> str:
        cats, chars, _ = self._series_story_union(series)
        catl = ", ".join(f"<a href='browse.php?type=categories&amp;catid={c}'>{self.a.categories[c].name}</a>"
                         for c in cats) or "None"
        charl = ", ".join(f"<a href='browse.php?type=characters&amp;charid={c}'>{self.a.characters[c].name}</a>"
                          for c in chars) or "None"
        url = f"reviews.php?type=SE&amp;item={series.seriesid}"
        return _fill(
            self._SERIESBLOCK, oddeven="odd" if count % 2 else "even",
            title=f'<a href="viewseries.php?seriesid={series.seriesid}">{series.title}</a>',
            author=self.user_link(series.uid), reviews=f'<a href="{url}">Reviews</a>',
            numreviews=f'<a href="{url}">{series.review_count}</a>', summary=series.summary,
            parentseries=self.parent_link(series), category=catl, characters=charl, numstories=len(series.sids),
            open="Yes" if series.open else "No",
            reportthis=f'[<a href="contact.php?action=report&amp;url=viewseries.php?seriesid={series.seriesid}">'
                       "Report This</a>]",
        )

    def parent_link(self, series: Series) -> str:
        parent = self.a.parent_series(series.seriesid)
        if parent is None:
            return "None"
        return f"<a href='viewseries.php?seriesid={parent.seriesid}'>{parent.title}</a>"

    _SERIES_TITLE = _crlf("""<div id="pagetitle">{title} by {author} </div>
<div id="titleinfo"> [<a href="reviews.php?type=SE&amp;item={seriesid}">Reviews</a> - <a href="reviews.php?type=SE&amp;item={seriesid}">{reviews}</a>]</div>
<div id="titleblock">
<span class="label">Summary:</span> {summary}<br />
<span class="label">Categories:</span> {category}<br />
<span class="label">Characters:</span> {characters}<br />
{classifications}
<span class="label">Parent Series:</span> {parent}<br />
<span class="label">Stories:</span> {numstories}<br />
<span class="label">Series Type:</span> {seriestype}<br />
<span class="label"><br />
</div>
<div class="jumpmenu"><form name="jump2" action=""><select name="jump2" onchange="if(this.selectedIndex.value != 'false') document.location = document.jump2.jump2.options[document.jump2.jump2.selectedIndex].value"><option value="false">Options</option><option value="reviews.php?action=add&amp;type=SE&amp;item={seriesid}">Submit a Review</option></select></form></div>

""")

    def viewseries_page(self, seriesid: int, offset: int, viewer: Viewer) -> str:
        series = self.a.series.get(seriesid)
        if series is None:
            cls = "".join(f"<span class='label'>{t.title}: </span> None<br />" for t in self.a.class_types.values())
            inner = _fill(self._SERIES_TITLE, title="", author='<a href="viewuser.php?uid="></a>', seriesid=seriesid,
                          reviews="", summary="", category="None", characters="None",
                          classifications=cls + "<span class='label'>_CHALLENGES: </span> None<br />",
                          numstories="", seriestype="", parent="None")
            return self.frame(self.skinny(inner) + "\r\n" * 30, viewer)
        cats, chars, classes = self._series_story_union(series)
        catl = ", ".join(f"<a href='browse.php?type=categories&amp;catid={c}'>{self.a.categories[c].name}</a>"
                         for c in cats) or "None"
        charl = ", ".join(f"<a href='browse.php?type=characters&amp;charid={c}'>{self.a.characters[c].name}</a>"
                          for c in chars) or "None"
        cls = ""
        for t in self.a.class_types.values():
            ids = [c for c in classes if self.a.classes[c].type_id == t.type_id]
            vals = ", ".join(f"<a href='browse.php?type=class&amp;type_id={t.type_id}&amp;classid={c}'>"
                             f"{self.a.classes[c].name}</a>" for c in ids) or "None"
            cls += f"<span class='label'>{t.title}: </span> {vals}<br />"
        cls += "<span class='label'>Challenges: </span> None<br />"
        inner = _fill(self._SERIES_TITLE, title=series.title, author=self.user_link(series.uid),
                      seriesid=seriesid, reviews=series.review_count, summary=series.summary, category=catl,
                      characters=charl, classifications=cls, numstories=len(series.sids),
                      seriestype=series.series_type, parent=self.parent_link(series))
        # stories and sub-series share one inorder (viewseries.php: fanfiction_inseries)
        items: list[Story | Series] = []
        for kind, item_id in series.items():
            if kind == "series" and item_id in self.a.series:
                items.append(self.a.series[item_id])
            elif kind == "story":
                story = self.a.story(item_id)
                if story and story.validated:
                    items.append(story)
        listing = "\r\n\r\n"
        for i, item in enumerate(items[offset: offset + self.ipp]):
            if isinstance(item, Series):
                listing += self.series_block(item, i) + "\r\n\r\n"
            else:
                listing += self.story_block(item, i, viewer) + "\r\n\r\n"
        links = self.pagelinks(f"viewseries.php?seriesid={seriesid}&amp;", len(items), offset)
        listing += (links + "\r\n") if links else "\r\n" * 20
        return self.frame(self.skinny(inner) + listing, viewer)

    def challenges_listing(self, viewer: Viewer) -> str:
        """browse.php?type=challenges as the challenges module writes it (browse_challenges.html):
        one listbox per challenge, newest first, with its response count."""
        blocks = ""
        for i, chal in enumerate(sorted(self.a.challenges.values(), key=lambda c: -c.chalid)):
            url = f"modules/challenges/challenges.php?chalid={chal.chalid}"
            responses = sum(1 for s in self.a.listed_stories() if chal.chalid in s.challenges)
            cats = ", ".join(f"<a href='browse.php?type=categories&amp;catid={c}'>{self.a.categories[c].name}</a>"
                             for c in chal.catids) or "None"
            chars = ", ".join(f"<a href='browse.php?type=characters&amp;charid={c}'>{self.a.characters[c].name}</a>"
                              for c in chal.charids) or "None"
            blocks += _crlf(
                f'<div class="listbox {"odd" if i % 2 == 0 else "even"} clearfix">\n'
                f'<div class="title"><a href="{url}">{chal.title}</a> by {self.user_link(chal.uid)} '
                f'[<a href="{url}">Responses</a> - <a href="{url}">{responses}</a>] '
                f'[<a href="contact.php?action=report&amp;url={url}">Report This</a>]</div>\n'
                '<div class="content">\n'
                f'<span class="label">Summary: </span>{chal.summary}<br />\n'
                f'<span class="label">Categories:</span> {cats} <span class="label">Characters: </span>{chars}</div>\n'
                "\n\n</div>\n")
        inner = ("<div id='pagetitle'>Challenges</div><div class=\"respond\"><a href=\"modules/challenges/"
                 "challenges.php?action=add\">Issue a challenge!</a></div>\r\n\r\n" + blocks)
        return self.frame(self.skinny(inner), viewer, browse_js=True)

    def challenge_page(self, chalid: int | None, viewer: Viewer) -> str:
        chal = self.a.challenges.get(chalid) if chalid is not None else None
        if chal is None:
            return self.frame("", viewer)
        cats = ", ".join(f"<a href='../../browse.php?type=categories&amp;catid={c}'>{self.a.categories[c].name}</a>"
                         for c in chal.catids) or "None"
        chars = ", ".join(f"<a href='../../browse.php?type=characters&amp;charid={c}'>{self.a.characters[c].name}</a>"
                          for c in chal.charids) or "None"
        inner = _crlf(
            f'\t<div id="pagetitle">{chal.title} by <a href="../../viewuser.php?uid={chal.uid}">'
            f"{self.penname(chal.uid)}</a> </div>\n"
            '\t<div id="titleblock">\n'
            f'\t\t<span class="label">Summary: </span>{chal.summary}<br />\n'
            f'\t\t<span class="label">Categories:</span> {cats}<br />\n'
            f'\t\t<span class="label">Characters: </span>{chars}<br />\n'
            f'\t\t[<a href="../../contact.php?action=report&amp;url=modules/challenges/challenges.php?chalid={chal.chalid}">'
            "Report This</a>]\n\t</div>\n"
            f'\t<div class="respond"><a href="challenges.php?action=respond&amp;chalid={chal.chalid}">'
            "Respond to the challenge!</a></div>\n\n"
        )
        stories = [s for s in self.a.listed_stories() if chal.chalid in s.challenges]
        listing = "\r\n" + "".join(self.story_block(s, i, viewer) for i, s in enumerate(stories))
        # Links in the module page are relative to modules/challenges/.
        listing = re.sub(r'(href=["\'])(?!https?:|javascript:|\.\./|#)', r"\1../../", listing)
        listing = listing.replace("location = 'viewstory.php", "location = '../../viewstory.php")
        listing = listing.replace("location = 'user.php", "location = '../../user.php")
        return self.frame(self.skinny(inner) + listing, viewer)

    # -- home ------------------------------------------------------------------

    def _index_story(self, story: Story, viewer: Viewer) -> str:
        summary = self.summary(story)
        if len(summary) > 75:
            pos = summary.find(" ", 75)
            if pos > 0:
                summary = summary[:pos].strip("\n\t.,") + "..."
        return _crlf(
            f"{self.title_link(story, viewer)} by {self.author_links(story)}<br />\n"
            f'<span class="label">Summary: </span>{summary}<br />\n'
            f'<span class="label">Rated:</span> {story.rating} {self.ratingpics(story.score)}<br />\n'
            f'<span class="label">Categories:</span> {self.catlist(story)} <br />\n<hr>\n'
        )

    def home_page(self, viewer: Viewer) -> str:
        a = self.a
        listed = a.listed_stories()
        featured = [s for s in listed if s.featured]
        recent = a.by_update()[:1]
        random_story = [listed[(len(listed) * 7) // 11]]  # "random", but fixed
        members = sorted(a.authors.values(), key=lambda m: m.member_since)
        newest = members[-1]
        catrows = "".join(  # the categories block: the top level, with numitems
            f'<div class="row"> <a href="browse.php?type=categories&amp;catid={c.catid}">{c.name}</a> '
            f"[{a.category_count(c.catid)}] {c.description}</div>"
            for c in a.subcategories(-1)
        )

        def block(title: str, body: str) -> str:
            return _crlf(f'    <div class="block">\n       <div class="title">{title}</div>\n'
                         '       <div class="content">\n') + body + "\t</div>\r\n</div>\r\n"

        login = ('\t<a href="user.php?action=logout" title="Logout">Logout</a><br />\r\n' if viewer.is_member else
                 '\t<a href="user.php?action=login" title="Login">Login</a><br />\r\n'
                 '\t<a href="user.php?action=register" title="Register">Register</a>\r\n')
        info = _crlf(
            '<div id="leftindex">\n      <div class="block">\n       <div class="title">Site Info</div>\n'
            "       <div class=\"content\"><div id='infoblock'>\n"
            f"<div><span class='label'>Members: </span>{len(a.authors)}</div>\n"
            f"<div><span class='label'>Series: </span>{len(a.series)}</div>\n"
            f"<div><span class='label'>Stories: </span>{len(listed)}</div>\n"
            f"<div><span class='label'>Chapters: </span>{sum(len(s.chapters) for s in listed)}</div>\n"
            f"<div><span class='label'>Word count: </span>{sum(s.wordcount for s in listed)}</div>\n"
            f"<div><span class='label'>Authors: </span>{len(a.author_uids_with_stories)}</div>\n"
            f"<div><span class='label'>Reviews: </span>{sum(s.review_count for s in listed)}</div>\n"
            f"<div><span class='label'>Newest Member: </span>"
            f'<a href="viewuser.php?uid={newest.uid}">{newest.penname}</a></div>'
            f"<div><span class='label'>Challenges: </span>{len(a.challenges)}</div>"
            "<div class='cleaner'>&nbsp;</div></div><Br />\n"
        ) + login + _crlf("\t</div>\n</div>\n</div>\n")
        right = '<div id="rightindex">\r\n'
        right += block("Featured Stories", "".join(self._index_story(s, viewer) for s in featured))
        right += block("Most Recent", "".join(self._index_story(s, viewer) for s in recent))
        right += block("Random Story", "".join(self._index_story(s, viewer) for s in random_story))
        right += "</div>\r\n"
        middle = _crlf(
            '<div id="middleindex">\n\t<div class="block">\n       <div class="title">Welcome</div>\n'
            f'       <div class="content">Welcome to the {a.site.sitename}. Pull up a chair by the fire.</div>\n'
            '     </div>\n    <div class="block">\n       <div class="title">Categories</div>\n'
            f'       <div class="content"><div id="categoryblock">{catrows}</div></div>\n     </div>\n</div>\n'
        )
        return self.frame(info + right + middle, viewer)

    # -- user.php ----------------------------------------------------------------

    _LOGIN_FORM = _crlf("""<div style="width: 250px; margin: 0 auto; text-align: center;"><form method="POST" enctype="multipart/form-data" action="user.php?action=login{sidpart}">
\t\t<div class="label" style="float: left;  width: 30%; text-align: right;"><label for="penname">Penname:</label></div><INPUT type="text" class="textbox" name="penname" id="penname"><br />
\t\t<div class="label" style="float: left; width: 30%; text-align: right;"><label for="pswd">Password:</label></div><INPUT type="password" class="textbox" id="pswd" name="password"><br />
\t\t<INPUT type="checkbox" class="checkbox" name="cookiecheck" id="cookiecheck" value="1"><label for="cookiecheck">Remember Me</label><br />
\t\t<INPUT type="submit" class="button" name="submit" value="Submit">
\t\t</form></div><div style='text-align: center;'><a href="user.php?action=register" title="Register">Register</a> | <a href="user.php?action=lostpassword" title="Lost Password">Lost Password</a></div>
""")

    def login_page(self, viewer: Viewer, *, error: str | None = None, sid: int | None = None) -> str:
        inner = '<div id="pagetitle">Member Login</div>'
        if error:
            inner += write_error(error)
        inner += _fill(self._LOGIN_FORM, sidpart=f"&amp;sid={sid}" if sid is not None else "")
        return self.frame(self.skinny(inner), viewer, current="login")

    def account_page(self, viewer: Viewer) -> str:
        links = [("editbio", "Edit Bio"), ("editprefs", "Edit Preferences"), ("favlist", "Favorites"),
                 ("logout", "Logout")]
        inner = ('<div id="pagetitle">Your Account</div>\r\n\t\t<div class="tblborder" id="useropts" '
                 'style="padding: 5px; width: 50%; margin: 1em 25%;">'
                 + "".join(f'<a href="user.php?action={k}">{v}</a><br />\n' for k, v in links) + "</div>\n")
        return self.frame(self.skinny(inner), viewer)

    def message_page(self, viewer: Viewer, message: str) -> str:
        return self.frame(self.skinny(write_message(message) + "\r\n"), viewer)

    # -- feeds ---------------------------------------------------------------------

    def rss(self) -> str:
        def xmlentities(s: str) -> str:
            return (s.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&apos;")
                    .replace("<", "&lt;").replace(">", "&gt;"))

        now = self.site.now
        out = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<rss version="2.0">\n<channel>\n'
        out += f"<copyright>Copyright {now.year}</copyright>\n"
        out += f"<lastBuildDate>{format_datetime(now.replace(tzinfo=_UTC))}</lastBuildDate>\n"
        out += f"<description>{xmlentities(self.site.slogan)}</description>\n"
        out += f"<link>{self.site_url}</link>\n"
        out += f"<title>{xmlentities(self.site.sitename)}</title>\n"
        out += f"<managingEditor>{self.site.siteemail}</managingEditor>\n"
        out += f"<webMaster>{self.site.siteemail}</webMaster>\n<language>en</language>\n"
        stories = self.a.by_update()[:20]
        for s in stories:
            authors = ", ".join(strip_tags(xmlentities(self.penname(u))) for u in s.author_uids)
            out += (
                "<item>\r\n"
                f"\t<title>{strip_tags(xmlentities(s.title))} by {authors} [{s.rating}]</title>\r\n"
                f"\t<link>{self.site_url}/viewstory.php?sid={s.sid}</link>\r\n"
                f"\t<description>{strip_tags(xmlentities(self.summary(s)))}</description>\r\n"
                f"\t<pubDate>{format_datetime(s.updated_at.replace(tzinfo=_UTC))}</pubDate>\r\n"
                "     </item>\n"
            )
        out += "</channel>\n</rss>"
        return out


_UTC = timezone.utc

NOT_FOUND_TEMPLATE = (
    "<!doctype html><html><head><title>404 Not Found</title><style>\n"
    "body { background-color: #fcfcfc; color: #333333; margin: 0; padding:0; }\n"
    "h1 { font-size: 1.5em; font-weight: normal; background-color: #9999cc; min-height:2em; line-height:2em; "
    "border-bottom: 1px inset black; margin: 0; }\n"
    "h1, p { padding-left: 10px; }\n"
    "code.url { background-color: #eeeeee; font-family:monospace; padding:0 2px;}\n"
    "</style>\n"
    "</head><body><h1>Not Found</h1><p>The requested resource <code class=\"url\">{path}</code> "
    "was not found on this server.</p></body></html>"
)


def not_found_page(path: str) -> bytes:
    return NOT_FOUND_TEMPLATE.replace("{path}", html.escape(path)).encode("utf-8")
