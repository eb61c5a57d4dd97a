"""A made-up table-based skin (``skins/Tabular/``): the metadata in table rows.

* listing blocks and the story index: ``<table>``\\ s, one field a row, the label in a
  ``<th>`` and the value in a ``<td>`` (``<tr><th>Summary</th><td>…</td></tr>``; the story
  index writes its labels in a first ``<td class="label">`` with a colon instead); eFiction's
  classification lines in a row of their own (``<td colspan="2">``);
* the chapters of the story index: one row each (number, title link, author, "(N words)",
  the chapter's reviews link), the chapter's notes in the next row;
* the printable view: a definition list (``<dl><dt>Rated</dt><dd>PG</dd> …</dl>``);
* the chapter page: notes in small tables (``<th>Author's Chapter Notes</th>``), the chapter
  text in ``div#story`` as everywhere;
* the profile: a table of ``<th>``/``<td>`` rows.
"""

from __future__ import annotations

from .base import SORT_FORM, SkinRenderer, print_head, tpl
from .deftpls import DEFAULT_INDEX

__all__ = ["TableRenderer"]


def _rows(*pairs: tuple[str, str]) -> str:
    return "".join(f"<tr><th>{label}</th><td>{value}</td></tr>\n" for label, value in pairs)


class TableRenderer(SkinRenderer):
    SKIN = "Tabular"
    STYLESHEET = "skins/Tabular/style.css"
    SKIN_OPTIONS = ("Tabular",)
    _PRINT_HEAD = print_head("skins/Tabular/printable.css")
    BLOCKS = {"menu": 1, "info": 2, "random": 2, "recent": 2, "categories": 2, "login": 2, "news": 2}
    INDEX = DEFAULT_INDEX

    HEADER = tpl("""<body>
<table id="page" width="100%" cellspacing="0">
<tr><td id="banner"><h1>{sitename}</h1> {slogan}</td></tr>
<tr><td id="navigation">{menu_content}</td></tr>
<tr><td id="main">
""")
    FOOTER = tpl("""</td></tr>
<tr><td id="footer">{footer}</td></tr>
</table>
</body></html>
""")

    _STORYBLOCK = tpl("""<table class="listbox {oddeven}" width="100%">
<tr><th colspan="2" class="title">{title} by {author} {roundrobin} {score} {new}</th></tr>
""" + _rows(("Summary", "{featuredstory}{summary}"), ("Rated", "{rating}"), ("Categories", "{category}"),
            ("Characters", "{characters}")) + """<tr><td colspan="2" class="classifications">{classifications}</td></tr>
""" + _rows(("Series", "{serieslinks}"), ("Chapters", "{numchapters} {toc}"), ("Completed", "{completed}"),
            ("Word count", "{wordcount}"), ("Reviews", "{reviews} - {numreviews}"), ("Read Count", "{count}"),
            ("Published", "{published}"), ("Updated", "{updated}")) + """<tr><td colspan="2" class="tail">{reportthis}</td></tr>
</table>

""")

    _STORYINDEX = tpl("""<div id="pagetitle">{title} by {author}</div>
<table class="storyinfo" width="100%">
<tr><td class="label">Summary:</td><td>{featuredstory}{summary}</td></tr>
<tr><td class="label">Rated:</td><td>{rating} {score}</td></tr>
<tr><td class="label">Categories:</td><td>{category}</td></tr>
<tr><td class="label">Characters:</td><td>{characters}</td></tr>
<tr><td colspan="2">{classifications}</td></tr>
<tr><td class="label">Challenges:</td><td>{challengelinks}</td></tr>
<tr><td class="label">Series:</td><td>{serieslinks}</td></tr>
<tr><td class="label">Chapters:</td><td>{numchapters}</td></tr>
<tr><td class="label">Completed:</td><td>{completed}</td></tr>
<tr><td class="label">Word count:</td><td>{wordcount}</td></tr>
<tr><td class="label">Reviews:</td><td>{reviews} - {numreviews}</td></tr>
<tr><td class="label">Read:</td><td>{count}</td></tr>
<tr><td class="label">Published:</td><td>{published}</td></tr>
<tr><td class="label">Updated:</td><td>{updated}</td></tr>
<tr><td colspan="2">{printicon}</td></tr>
</table>
{storynotes}<table class="chapters" width="100%">
<tr><th>#</th><th>Chapter</th><th>Author</th><th>Length</th><th>Reviews</th></tr>
{chapterlines}</table>
<div class="respond">{roundrobin}</div>
""")
    _INDEX_STORYNOTES = tpl('<table class="notes"><tr><th>Story Notes</th></tr><tr><td>{storynotes}</td></tr></table>\n')
    _INDEX_CHAPTER = tpl("""<tr><td>{chapternumber}.</td><td>{title}</td><td>{author}</td><td>({wordcount} words)</td><td>[{reviews} - {numreviews}] {ratingpics}</td></tr>
<tr class="chapternotes"><td></td><td colspan="4">{chapternotes}</td></tr>
""")

    _VIEWSTORY = tpl("""<div id="pagetitle">{title} by {author}</div>
<table class="storynav" width="100%"><tr><td>[{reviews} - {numreviews}] {toc} {reportthis} {printicon}</td>
<td align="right">{textsizer}{jumpmenu}</td></tr></table>
{storynotes}{notes}<div id="story">{story}</div>
{endnotes}<table class="chapternav" width="100%"><tr><td id="prev">{prev}</td><td id="next" align="right">{next}</td></tr></table>
<div class="jumpmenu2">{jumpmenu2}</div>
<div class="respond"> {roundrobin}</div>
{reviewform}
""")
    _STORYNOTES_VIEW = tpl('<table class="notes"><tr><th>Story Notes</th></tr><tr><td>{storynotes}</td></tr></table>\n')
    _NOTES_VIEW = tpl('<table class="notes"><tr><th>Author\'s Chapter Notes</th></tr><tr><td>{notes}</td></tr></table>\n')
    _ENDNOTES_VIEW = tpl('<table class="notes"><tr><th>Chapter End Notes</th></tr><tr><td>{endnotes}</td></tr></table>\n')

    _PRINT_INFO = tpl("""<div id="pagetitle">{title} by {author}</div>
<dl class="storyinfo">
<dt>Summary</dt><dd>{featuredstory}{summary}</dd>
<dt>Rated</dt><dd>{storyrating}</dd>
<dt>Categories</dt><dd>{category}</dd>
<dt>Characters</dt><dd>{characters}</dd>
<dt>Classifications</dt><dd>{classifications}</dd>
<dt>Challenges</dt><dd>{challengelinks}</dd>
<dt>Series</dt><dd>{serieslinks}</dd>
<dt>Chapters</dt><dd>{numchapters}</dd>
<dt>Completed</dt><dd>{completed}</dd>
<dt>Word count</dt><dd>{wordcount}</dd>
<dt>Read</dt><dd>{count}</dd>
<dt>Published</dt><dd>{published}</dd>
<dt>Updated</dt><dd>{updated}</dd>
</dl>
""")
    _PRINT_STORYNOTES = tpl("<dl class='notes'><dt>Story Notes</dt><dd>{storynotes}</dd></dl>\n")
    _PRINT_NOTES = tpl("<dl class='notes'><dt>Author's Notes</dt><dd>{notes}</dd></dl>\n")
    _PRINT_ENDNOTES = tpl("<dl class='notes'><dt>End Notes</dt><dd>{endnotes}</dd></dl>\n")

    _PROFILE = tpl("""<div id="profile">
<table id="bio">
""" + _rows(("Penname", "{penname} {contact}"), ("Real name", "{realname}"), ("Member Since", "{membersince}"),
            ("Membership status", "{status}"), ("Bio", "{bio}")) + """</table>
 [<a href="contact.php?action=report&amp;url=viewuser.php?uid={uid}">Report This</a>]
<div id="sort">""" + SORT_FORM + """</div>
</div>
\t<div id="tabs">
""")
