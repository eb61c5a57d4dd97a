"""What every skin of :mod:`mirror.sample.skins` shares: eFiction's page frame as TemplatePower
fills it from a skin's ``header.tpl`` and ``footer.tpl`` (``includes/pagesetup.php``).

* the ``<head>`` that ``header.php`` writes, with the skin's ``style.css`` (and its
  ``extra_header.php``), ``printable.css`` from the skin or else from ``default_tpls``;
* the template variables pagesetup.php assigns: one link per page link (``{home}``,
  ``{login}``, ``{recent}`` …: :data:`PAGELINKS`), ``{sitename}``, ``{slogan}``,
  ``{page_id}`` (the script's ``$current``), ``{rss}``, ``{footer}`` (the copyright message), and
  ``{NAME_title}`` / ``{NAME_content}`` of each side block the skin switches on
  (:attr:`SkinRenderer.BLOCKS`: 1 on every page, 2 on the index only; :mod:`.blocks`);
* TemplatePower's rules: a ``<!-- START/END BLOCK -->`` line goes with its line break, a
  variable nobody assigned comes out empty (:func:`tpl` blanks them in the templates).

The page being rendered (``PHP_SELF`` and ``$_GET``, for the skin changer and the "random" story)
comes from the server through :meth:`SkinRenderer.begin_request` (a thread-local: the server
renders each request in its own thread).
"""

from __future__ import annotations

import re
import threading
from typing import Mapping

from ..archive import Story
from ..render import _PRINT_HEAD, Renderer, Viewer, _crlf
from . import blocks

__all__ = ["PAGELINKS", "BerrygoodSkin", "SkinRenderer", "print_head", "tpl", "tp_fill"]

_REQUEST = threading.local()

# fanfiction_pagelinks of a stock install: name -> (url, text, access: 0 all, 1 members, -1 guests)
PAGELINKS: dict[str, tuple[str, str, int]] = {
    "home": ("index.php", "Home", 0),
    "recent": ("browse.php?type=recent", "Most Recent", 0),
    "authors": ("authors.php?list=authors", "Authors", 0),
    "catslink": ("browse.php?type=categories", "Categories", 0),
    "titles": ("browse.php?type=titles", "Titles", 0),
    "series": ("browse.php?type=series", "Series", 0),
    "search": ("search.php", "Search", 0),
    "tens": ("toplists.php", "Top Tens", 0),
    "challenges": ("browse.php?type=challenges", "Challenges", 0),
    "help": ("viewpage.php?page=help", "Help", 0),
    "contactus": ("contact.php", "Contact Us", 0),
    "tos": ("viewpage.php?page=tos", "Terms of Service", 0),
    "rules": ("viewpage.php?page=rules", "Rules", 0),
    "browse": ("browse.php", "Browse", 0),
    "members": ("authors.php?action=list", "Members", 0),
    "featured": ("browse.php?type=featured", "Featured Stories", 0),
    "login": ("user.php?action=login", "Login", -1),
    "register": ("user.php?action=register", "Register", -1),
    "lostpassword": ("user.php?action=lostpassword", "Lost Password", -1),
    "account": ("user.php", "Account Info", 1),
    "logout": ("user.php?action=logout", "Logout", 1),
}

# $current of each script (the page id of default_tpls' header, the menu's id="current")
_CURRENT = {"index.php": "home", "browse.php": "browse", "viewstory.php": "viewstory", "viewuser.php": "viewuser",
            "viewseries.php": "series", "reviews.php": "reviews", "authors.php": "authors", "user.php": "user",
            "challenges.php": "challenges"}

# fanfiction_messages 'copyright' of a stock install ({footer} of every skin's footer.tpl)
COPYRIGHT = _crlf("""This is your sample copyright footer.  Include it in your footer.tpl with <b>{footer}</b><br />
<u>Disclaimer:</u>  All publicly recognizable characters, settings, etc. are the property of their respective owners.  The original characters and plot are the property of the author.  No money is being made from this work.  No copyright infringement is intended.
""")

# The skins/ directories of a stock 3.5 install, as the skin changer lists them
STOCK_SKINS = ("Berrygood", "E-zfiction", "Epiphany", "Sommerbrise", "SurpriseMe")

# Variables the sample never assigns (admin links, favourites, comments, …): empty, as TemplatePower
# leaves a variable nobody assigned.
UNASSIGNED = ("adminlinks", "addtofaves", "adminoptions", "adminarea", "comment", "last_read", "storyend",
              "printepub", "image", "authorfields", "location", "website", "twitter", "online_content",
              "xml", "newsarchive", "addtoseries", "shoutbox_title", "shoutbox_content", "poll_title",
              "poll_content")
_UNASSIGNED_RE = re.compile(r"\{(?:" + "|".join(UNASSIGNED) + r")\}")
_VAR_RE = re.compile(r"\{(\w+)\}")
# the variables Renderer passes to the story templates (story_extras must not name them)
_STORY_VARS = frozenset(("oddeven", "title", "author", "rating", "roundrobin", "score", "reviews", "numreviews", "new",
                         "featuredstory", "summary", "category", "characters", "classifications", "serieslinks",
                         "numchapters", "toc", "completed", "wordcount", "count", "reportthis", "published",
                         "updated", "printicon", "challengelinks", "storynotes", "chapterlines"))

# The sort menu of user.tpl ({sort}), as viewuser.php writes it
SORT_FORM = ('<form name="sort" action=""><label for="sort">Sort:</label> <select name="sort" class="textbox" '
             "onchange=\"if(this.selectedIndex.value != 'false') document.location = document.sort.sort.options"
             '[document.sort.sort.selectedIndex].value"><option value="false">Options</option><option value='
             '"viewuser.php?{actionpart}uid={uid}&amp;sort=alpha">Alphabetically</option><option value='
             '"viewuser.php?{actionpart}uid={uid}&amp;sort=update">Most Recent</option></select></form>')


def tpl(text: str, *unassigned: str) -> str:
    """A template as the sample fills it: CRLF line ends (the real files have them), the variables
    the sample never assigns blanked (``{adminlinks}`` …, and ``unassigned``)."""
    for name in unassigned:
        text = text.replace("{" + name + "}", "")
    return _crlf(_UNASSIGNED_RE.sub("", text))


def tp_fill(template: str, values: Mapping[str, object]) -> str:
    """TemplatePower's output: each ``{var}`` its value, unassigned ones empty."""
    return _VAR_RE.sub(lambda m: str(values.get(m.group(1), "") or ""), template)


def print_head(css: str) -> str:
    """header.php for ``action=printable``: the skin's printable.css (or default_tpls')."""
    return _PRINT_HEAD.replace("skins/Berrygood/printable.css", css)


def pagelinks(viewer: Viewer, current: str) -> dict[str, str]:
    """pagesetup.php: each page link the visitor may see as ``<a href=… title=…>text</a>``."""
    out = {}
    for name, (url, text, access) in PAGELINKS.items():
        if access == (-1 if viewer.is_member else 1):
            continue
        cur = ' id="current"' if current == name else ""
        out[name] = f'<a href="{url}" title="{text}"{cur}>{text}</a>'
    return out


class SkinRenderer(Renderer):
    """A skin's page frame (header.tpl + content + footer.tpl) with its blocks; the content
    templates are the class attributes of :class:`~mirror.sample.render.Renderer`."""

    SKIN: str | None = None  # the skin's directory name (selected in the skin changer)
    STYLESHEET = "default_tpls/style.css"
    EXTRA_HEADER = ""  # skins/NAME/extra_header.php's output
    SKIN_OPTIONS: tuple[str, ...] = STOCK_SKINS
    HEADER = ""  # header.tpl's header block (after </head>)
    FOOTER = ""  # footer.tpl
    INDEX = ""  # index.tpl (between the header and the footer)
    # block -> status (1: every page, 2: index.php only), as the skin's variables.php sets them
    BLOCKS: Mapping[str, int] = {}
    MENU: tuple[str, ...] = ("home", "recent", "authors", "catslink", "titles", "series", "search", "tens",
                             "challenges", "help", "contactus", "login", "logout", "adminarea")
    MENU_STYLE = 1  # blocks/menu: 0 a <ul> list, 1 bare links
    LOGIN_FORM = 1  # blocks/login: 1 the long form (register and lost password links)
    FEATURED_TPL: str | None = None  # the skin's featuredblock (blocks/featured with tpl)

    # -- the page being rendered -------------------------------------------------------------

    def begin_request(self, php_self: str, get: dict[str, str]) -> None:
        _REQUEST.php_self, _REQUEST.get = php_self, dict(get)

    def request(self) -> tuple[str, dict[str, str]]:
        return getattr(_REQUEST, "php_self", "/efiction/index.php"), getattr(_REQUEST, "get", {})

    def current(self, current: str | None = None) -> str:
        return current or _CURRENT.get(self.request()[0].rsplit("/", 1)[-1], "")

    def page_key(self) -> str:
        """The page's address (PHP_SELF and query): what the deterministic "random" block hashes."""
        php_self, get = self.request()
        return php_self + "?" + "&".join(f"{k}={v}" for k, v in sorted(get.items()))

    # -- the frame ---------------------------------------------------------------------------

    def head(self, *, title: str | None, meta: str | None, browse_js: bool) -> str:
        page = Renderer.frame(self, "", Viewer(), title=title, meta=meta, browse_js=browse_js)
        head = page[: page.index("</head>") + len("</head>")]
        head = head.replace("skins/Berrygood/style.css", self.STYLESHEET)
        return head.replace('<style type="text/css">', self.EXTRA_HEADER + '<style type="text/css">', 1)

    def frame(self, content: str, viewer: Viewer, *, title: str | None = None, meta: str | None = None,
              browse_js: bool = False, current: str | None = None) -> str:
        values = self.frame_values(viewer, self.current(current))
        return (self.head(title=title, meta=meta, browse_js=browse_js) + tp_fill(self.HEADER, values) + content
                + tp_fill(self.FOOTER, values))

    def frame_values(self, viewer: Viewer, current: str) -> dict[str, object]:
        values: dict[str, object] = dict(pagelinks(viewer, current))
        values.update(sitename=self.site.sitename, slogan=self.site.slogan, page_id=current, footer=COPYRIGHT,
                      skindir=f"skins/{self.SKIN}" if self.SKIN else "default_tpls",
                      rss="<a href='rss.php'><img src='images/xml.gif' alt='RSS' title = 'RSS' border='0'></a>")
        for name, status in self.BLOCKS.items():
            if status == 1 or (status == 2 and current == "home"):
                values[f"{name}_title"] = blocks.TITLES.get(name, "")
                values[f"{name}_content"] = self.block(name, viewer, current)
        if self.FEATURED_TPL is not None and self.BLOCKS.get("featured"):
            values["featuredblock"] = self.block("featuredblock", viewer, current)
        return values

    def block(self, name: str, viewer: Viewer, current: str) -> str:
        """One block's ``$content`` (blocks/NAME/NAME.php)."""
        if name == "menu":
            links = pagelinks(viewer, current)
            return blocks.menu(links, self.MENU, self.MENU_STYLE, current)
        if name == "login":
            return blocks.login(pagelinks(viewer, current), viewer, long_form=bool(self.LOGIN_FORM))
        if name == "skinchange":
            return blocks.skinchange(*self.request(), self.SKIN_OPTIONS, self.SKIN)
        if name == "featured":
            return "" if self.FEATURED_TPL is not None else blocks.featured(self, viewer)
        if name == "featuredblock":
            return "".join(self.fill_story(self.FEATURED_TPL or "", s, viewer) for s in blocks.featured_stories(self))
        if name == "random":
            return blocks.story_line(self, blocks.random_story(self, self.page_key()), viewer, "randomstory")
        return blocks.simple(self, name, viewer)

    def skinny(self, inner: str) -> str:
        return inner  # default.tpl: {output} alone

    def home_page(self, viewer: Viewer) -> str:
        """index.php: the skin's index.tpl with its blocks (BLOCKS of status 1 or 2)."""
        values = self.frame_values(viewer, "home")
        values["welcome"] = f"Welcome to the {self.site.sitename}. Pull up a chair by the fire."
        return self.frame(tp_fill(self.INDEX, values), viewer, current="home")

    # -- story variables ---------------------------------------------------------------------

    def story_extras(self, story: Story, viewer: Viewer | None = None, printable: bool = False) -> dict[str, object]:
        """storyblock.php also assigns each class type by its name (``{genre}``, ``{warnings}``);
        the custom skins use a few more (``{storyrating}``, ``{storylength}``, ``{completedtext}``)."""
        out: dict[str, object] = {}
        for t in self.a.class_types.values():
            if t.name in _STORY_VARS:  # a class type named like a template variable: not assigned
                continue
            names = [self.a.classes[c].name for c in story.class_ids if self.a.classes[c].type_id == t.type_id]
            out[t.name] = ", ".join(names) or "None"
        n = len(story.chapters)
        length = f"{n} chapter{'' if n == 1 else 's'} ({story.wordcount} words)"
        out.update(storyrating=story.rating, storylength=length,
                   completedtext="Story is Complete" if story.completed else "Story Incomplete")
        return out

    def fill_story(self, template: str, story: Story, viewer: Viewer, count: int = 0) -> str:
        """A block's story template (a featuredblock) as includes/storyblock.php fills it,
        the summary without tags and cut at 75 characters (the blocks' sumlength)."""
        block = self.story_block(story, count, viewer, template=template.replace("{summary}", "\x00S\x00"))
        return block.replace("\x00S\x00", blocks.truncate(self.summary(story)))


class BerrygoodSkin(SkinRenderer):
    """A skin made from Berrygood (its frame, ``div#skinny``, its index page) in a directory of
    its own, ``skins/SKIN/``: what many sites run, Berrygood copied and changed."""

    SKIN = "Berrygood"

    def frame(self, content: str, viewer: Viewer, *, title: str | None = None, meta: str | None = None,
              browse_js: bool = False, current: str | None = None) -> str:
        page = Renderer.frame(self, content, viewer, title=title, meta=meta, browse_js=browse_js, current=current)
        return page.replace("skins/Berrygood/", f"skins/{self.SKIN}/")

    def skinny(self, inner: str) -> str:
        return Renderer.skinny(self, inner)

    def home_page(self, viewer: Viewer) -> str:
        return Renderer.home_page(self, viewer)
