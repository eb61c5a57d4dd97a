"""A made-up skin with few labels (``skins/Plainsong/``): values a parser has to find by their
place and their element, not by a "Label:".

* the story title in an ``<h3>`` holding the title link (no ``div#pagetitle`` on the story
  index, the chapter pages and the printable view), "by" and the authors in ``div.byline``;
* the summary bare: ``<div class="summary">`` in listings and the printable view,
  ``<blockquote class="summary">`` on the story index;
* several values on one line with `` · `` between them:
  ``<span class="label">Published:</span> 22/08/11 · <span class="label">Updated:</span> …``;
* the rating as "Rating and Advisories:", the read count as "Hits:";
* "Story Length: 4 chapters (2981 words)" ("1 chapter" for one) instead of Chapters and
  Word count;
* completion as a sentence ("Story is Complete" / "Story Incomplete") in listings and on the
  index, a bare "Yes"/"No" in ``<span class="completed">`` on the printable view;
* the chapters of the index in an ``<ol>`` (no number written), notes under ``<h4>``
  headings, the printable view's notes and end notes in bare ``<blockquote>``\\ s.

eFiction's PHP parts are as everywhere: the classification lines (in ``div.classes``), link
URLs, ``div#story``, the jump menus, ``div#pagelinks``.
"""

from __future__ import annotations

from .base import SkinRenderer, print_head, tpl
from .deftpls import DEFAULT_INDEX

__all__ = ["UnlabelledRenderer"]


class UnlabelledRenderer(SkinRenderer):
    SKIN = "Plainsong"
    STYLESHEET = "skins/Plainsong/style.css"
    SKIN_OPTIONS = ("Plainsong",)
    _PRINT_HEAD = print_head("skins/Plainsong/printable.css")
    BLOCKS = {"menu": 1, "info": 2, "random": 2, "recent": 2, "categories": 2, "login": 2, "news": 2}
    MENU_STYLE = 0
    INDEX = DEFAULT_INDEX

    HEADER = tpl("""<body>
<div id="wrapper">
<div id="header"><h1>{sitename}</h1><p class="slogan">{slogan}</p></div>
<div id="nav">{menu_content}</div>
<div id="content">
""")
    FOOTER = tpl("""</div>
<div id="footer">{footer}</div>
</div>
</body></html>
""")

    _STORYBLOCK = tpl("""<div class="listbox {oddeven}">
<h3>{title}</h3> <div class="byline">by {author} {roundrobin} {score} {new}</div>
<div class="summary">{featuredstory}{summary}</div>
<div class="meta"><span class="label">Rating and Advisories:</span> {rating} · <span class="label">Categories:</span> {category} · <span class="label">Characters:</span> {characters}</div>
<div class="classes">{classifications}</div>
<div class="meta"><span class="label">Series:</span> {serieslinks} · Story Length: {storylength} · {completedtext} · <span class="label">Hits:</span> {count} · [{reviews} - {numreviews}]</div>
<div class="dates"><span class="label">Published:</span> {published} · <span class="label">Updated:</span> {updated} · {toc} {reportthis}</div>
</div>

""")

    _STORYINDEX = tpl("""<h3>{title}</h3>
<div class="byline">by {author}</div>
<div class="storyinfo">[{reviews} - {numreviews}] {score}{printicon}</div>
<blockquote class="summary">{featuredstory}{summary}</blockquote>
<div class="meta"><span class="label">Rating and Advisories:</span> {rating} · <span class="label">Categories:</span> {category} · <span class="label">Characters:</span> {characters}</div>
<div class="classes">{classifications}</div>
<div class="meta"><span class="label">Challenges:</span> {challengelinks} · <span class="label">Series:</span> {serieslinks}</div>
<div class="meta">Story Length: {storylength} · {completedtext} · <span class="label">Hits:</span> {count}</div>
<div class="dates"><span class="label">Published:</span> {published} · <span class="label">Updated:</span> {updated}</div>
{storynotes}<ol class="chapters">
{chapterlines}</ol>
<div class="respond">{roundrobin}</div>
""")
    _INDEX_STORYNOTES = tpl('<div class="notes"><h4>Story Notes</h4>{storynotes}</div>\n')
    _INDEX_CHAPTER = tpl("""<li>{title} <span class="byline">by {author}</span> ({wordcount} words) [{reviews} - {numreviews}] {ratingpics}<div class="chapternotes">{chapternotes}</div></li>
""")

    _VIEWSTORY = tpl("""<h3>{title}</h3>
<div class="byline">by {author}</div>
<div class="storyinfo">[{reviews} - {numreviews}] · {toc} · {reportthis} · {printicon}</div>
<div class="jumpmenu">{textsizer}{jumpmenu}</div>
{storynotes}{notes}<div id="story">{story}</div>
{endnotes}<div id="prev">{prev}</div><div id="next">{next}</div>
<div class="jumpmenu2">{jumpmenu2}</div>
<div class="respond"> {roundrobin}</div>
{reviewform}
""")
    _STORYNOTES_VIEW = tpl('<div class="notes"><h4>Story Notes</h4>{storynotes}</div>\n')
    _NOTES_VIEW = tpl('<div class="notes"><h4>Author\'s Notes</h4>{notes}</div>\n')
    _ENDNOTES_VIEW = tpl('<div class="endnotes"><h4>End Notes</h4>{endnotes}</div>\n')

    _PRINT_INFO = tpl("""<h3>{title}</h3>
<div class="byline">by {author}</div>
<div class="summary">{featuredstory}{summary}</div>
<div class="meta"><span class="label">Rating and Advisories:</span> {storyrating} · <span class="label">Categories:</span> {category} · <span class="label">Characters:</span> {characters}</div>
<div class="classes">{classifications}</div>
<div class="meta"><span class="label">Challenges:</span> {challengelinks} · <span class="label">Series:</span> {serieslinks}</div>
<div class="meta">Story Length: {storylength} · <span class="completed">{completed}</span> · <span class="label">Hits:</span> {count}</div>
<div class="dates"><span class="label">Published:</span> {published} · <span class="label">Updated:</span> {updated}</div>
""")
    _PRINT_STORYNOTES = tpl('<div class="notes"><h4>Story Notes</h4>{storynotes}</div>\n')
    _PRINT_INDEXLINE = tpl('<div class="toc">{chapternumber}. {title} · {author}</div>\n')
    _PRINT_CHAPTERTITLE = tpl('<h4 class="chaptertitle">{chaptertitle} <span class="byline">by {chapterauthor}</span></h4>\n')
    _PRINT_NOTES = tpl('<blockquote class="notes">{notes}</blockquote>\n')
    _PRINT_ENDNOTES = tpl('<blockquote class="endnotes">{endnotes}</blockquote>\n')

    _PROFILE = tpl("""<div id="profile">
<h3>{penname}</h3> {contact}
<div class="realname">{realname}</div>
<div class="membersince">Member since {membersince} · {status}</div>
<div class="bio">{bio}</div>
[<a href="contact.php?action=report&amp;url=viewuser.php?uid={uid}">Report This</a>]
</div>
<div id="tabs">
""")
