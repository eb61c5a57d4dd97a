"""eFiction's side blocks (``blocks/NAME/NAME.php`` of eFiction 3.5), as the skins show them.

Each function returns the block's ``$content`` (what a template gets as ``{NAME_content}``):

* ``info`` (blocks/info/info.php, the default style): ``div#infoblock`` with one
  ``<div><span class='label'>Members: </span>11</div>`` line per site statistic (members,
  series, stories, chapters, word count, authors, reviews, reviewers, the newest member
  with a ``viewuser.php?uid=`` link) plus the challenges module's line: numbers that look
  like a story's metadata but belong to no story;
* ``featured``, ``random``, ``recent``: without a template, one
  ``<div class='featuredstory'>`` (``randomstory``, ``recentstory``) per story: its title
  link, "by", the author links, the rating name, ``<br />`` and the summary stripped of tags
  and cut at 75 characters.  With a template (the skin's ``featuredblock``) the story
  goes through includes/storyblock.php like a listing's story (:meth:`SkinRenderer.fill_story`).
  The "random" story is not random here: :func:`random_story` picks it by a hash of the
  page's address, so every page is the same bytes every time;
* ``menu``, ``login``, ``search``, ``skinchange``, ``categories``, ``news`` for the frames.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Iterable, Mapping

from ..archive import Story
from ..render import Viewer, strip_tags

if TYPE_CHECKING:
    from .base import SkinRenderer

__all__ = ["TITLES", "featured", "featured_stories", "info", "login", "menu", "random_story", "skinchange",
           "story_line", "truncate"]

# fanfiction_blocks.block_title of a stock install
TITLES = {"info": "Site Info", "featured": "Featured Stories", "random": "Random Story", "recent": "Most Recent",
          "categories": "Categories", "news": "News", "login": "Login", "skinchange": "Skin", "search": "Search",
          "menu": "Menu"}


def truncate(summary: str, length: int = 75) -> str:
    """strip_tags() and truncate_text(): cut at the first space after ``length`` characters."""
    text = strip_tags(summary)
    if len(text) > length:
        pos = text.find(" ", length)
        if pos > 0:
            text = text[:pos].strip("\n\t.,") + "..."
    return text


def story_line(r: "SkinRenderer", story: Story, viewer: Viewer, css: str) -> str:
    """The template-less story line of the featured, random and recent blocks."""
    return (f"<div class='{css}'>{r.title_link(story, viewer)} by {r.author_links(story)} {story.rating}<br />"
            f"{truncate(r.summary(story))}</div>")


def featured_stories(r: "SkinRenderer") -> list[Story]:
    return [s for s in r.a.listed_stories() if s.featured]


def featured(r: "SkinRenderer", viewer: Viewer) -> str:
    return "".join(story_line(r, s, viewer, "featuredstory") for s in featured_stories(r))


def random_story(r: "SkinRenderer", key: str) -> Story:
    """``ORDER BY rand()``, made deterministic: the story picked by a hash of the page's address."""
    listed = r.a.listed_stories()
    return listed[zlib.crc32(key.encode("utf-8", "surrogateescape")) % len(listed)]


def info(r: "SkinRenderer") -> str:
    a = r.a
    listed = a.listed_stories()
    newest = max(a.authors.values(), key=lambda m: (m.member_since, m.uid))
    reviewers = {rv.uid for rv in a.all_reviews().values() if rv.uid}
    stats = (("Members", len(a.authors)), ("Series", len(a.series)), ("Stories", len(listed)),
             ("Chapters", sum(len(s.chapters) for s in listed)), ("Word count", sum(s.wordcount for s in listed)),
             ("Authors", len(a.author_uids_with_stories)), ("Reviews", sum(s.review_count for s in listed)),
             ("Reviewers", len(reviewers)))
    lines = "".join(f"<div><span class='label'>{label}: </span>{n}</div>\n" for label, n in stats)
    return ("<div id='infoblock'>\n" + lines
            + f"<div><span class='label'>Newest Member: </span><a href=\"viewuser.php?uid={newest.uid}\">"
              f"{newest.penname}</a></div>"
            + f"<div><span class='label'>Challenges: </span>{len(a.challenges)}</div>"
            + "<div></div><div class='cleaner'>&nbsp;</div></div>")


def login(links: Mapping[str, str], viewer: Viewer, *, long_form: bool = True) -> str:
    if viewer.is_member:
        return links.get("account", "")
    form = ('<label for="penname=">Penname:</label><INPUT type="text" class="textbox" name="penname" id="penname" '
            'size="15"> <label for="password">Password:</label><INPUT type="password" class="textbox" '
            'name="password" id="password" size="15"> <span id=\'rememberme\'><INPUT type="checkbox" class="checkbox" '
            'name="cookiecheck" id="cookiecheck" value="1"><label for="cookiecheck=">Remember Me</label></span> '
            '<INPUT type="submit" class="button" name="submit" value="Go">')
    if long_form:
        form += f" <div id='loginlinks'>{links.get('register', '')} | {links.get('lostpassword', '')}</div>"
    return ('<form method="POST" id="loginblock" enctype="multipart/form-data" action="user.php?action=login">'
            + form + "</form>")


def search() -> str:
    return ('<form method="POST" id="searchblock" enctype="multipart/form-data" action="search.php?action=advanced">'
            '\n\t\t\t<INPUT type="text" class="textbox" name="searchterm" id="searchterm" size="15"> '
            '\n\t\t\t<INPUT type="hidden" name="searchtype" value="advanced">'
            '\n\t\t\t<INPUT type="submit" class="button" name="submit" value="Search"></form>')


def skinchange(php_self: str, get: Mapping[str, str], options: Iterable[str], selected: str | None) -> str:
    """blocks/skinchange: a select whose onChange reloads PHP_SELF with ?skin= and the query."""
    query = "".join(f"&amp;{k}={v}" for k, v in get.items() if k != "skin")
    opts = "".join(f'<option value="{o}"{" selected" if o == selected else ""}>{o}</option>'
                   for o in sorted(options, key=str.lower))
    return (f"<select name=\"skin\" onChange=\"document.location = '{php_self}?skin=' + "
            f"this.options[this.selectedIndex].value + '{query}';\">{opts}</select>")


def menu(links: Mapping[str, str], content: Iterable[str], style: int, current: str) -> str:
    """blocks/menu: the page links of the skin's list, bare (style 1) or in a <ul> (style 0)."""
    if style:
        inner = "".join(links[p] for p in content if p in links)
    else:
        inner = "<ul>" + "".join(f"<li {'id=' + chr(34) + 'menu_current' + chr(34) if current == p else ''}>"
                                 f"{links[p]}</li>" for p in content if p in links) + "</ul>"
    return f'<div id="menu">{inner}</div>'


def categories(r: "SkinRenderer") -> str:
    rows = "".join(f'<div class="row"> <a href="browse.php?type=categories&amp;catid={c.catid}">{c.name}</a> '
                   f"[{r.a.category_count(c.catid)}] {c.description}</div>" for c in r.a.subcategories(-1))
    return f'<div id="categoryblock">{rows}</div>'


def simple(r: "SkinRenderer", name: str, viewer: Viewer) -> str:
    """The blocks that depend on nothing but the archive (and the visitor)."""
    if name == "info":
        return info(r)
    if name == "recent":
        return "".join(story_line(r, s, viewer, "recentstory") for s in r.a.by_update()[:1])
    if name == "categories":
        return categories(r)
    if name == "search":
        return search()
    return ""  # news: the sample has none
