"""The Sommerbrise skin of eFiction 3.5 (Artphilia Designs): bold labels, a German story index.

Read from e107-eFiction/efiction-3.5.x: ``skins/Sommerbrise/header.tpl``, ``footer.tpl``,
``listings.tpl``, ``storyindex.tpl``, ``user.tpl``, ``browse.tpl``, ``index.tpl``,
``reviews.tpl``, ``extra_header.php`` (and its printable.css).  It has no viewstory.tpl,
profile.tpl or printstory.tpl: those come from ``default_tpls/``; no variables.php either, so
the blocks are the install's (the menu as a ``<ul>`` of the default page list, the skin
changer in the footer).

* header.tpl: no ``<body>`` tag at all; the login link and the search block, the site name,
  ``div#menu``, then ``div.grid-wrapper`` > ``div.gb-full.content`` holds the page;
* listings.tpl: ``<h2>{title} {new} by {author}</h2>``, ``<b>Rated:</b> … &bull; {numreviews}
  {reviews}``, ``<b>Summary:</b>``, ``div.storyinfo`` with ``<b>Categories:</b>``,
  ``<b>Characters:</b>``, the PHP's ``span.label`` classification lines, one line
  ``<b>Chapters:</b> N | <b>Completed:</b> … | <b>Words:</b> … | <b>Hits</b>: … |
  <b>Published:</b> </b>… | <b>Updated:</b> …`` (the stray ``</b>`` is the template's);
* storyindex.tpl: ``<h1>{title} von {author}</h1>`` and German bold labels
  (Zusammenfassung, Eingestuft, Kategorie, Charaktere, Herausforderung, Serie, Kapitel,
  Abgeschlossen, Wörter, Gelesen, Veröffentlicht, Aktualisiert), the story notes in a
  ``<blockquote>`` ("Story Anmerkungen:"), chapter lines ``<b>N.</b> {title} by {author} …
  (N words)`` without ``<p>``;
* user.tpl: the profile, the sort menu, the panel tabs as ``<div>``s; reviews.tpl: "Name:",
  "Datum:", "Für:" in bold with the review in a ``<blockquote>``.
"""

from __future__ import annotations

from .base import SORT_FORM, SkinRenderer, print_head, tpl
from .deftpls import DEFAULT_VIEWSTORY

__all__ = ["SommerbriseRenderer"]

_EXTRA_HEADER = """
<link href='https://fonts.googleapis.com/css?family=Source+Sans+Pro:300,400,600,700&display=swap&subset=latin-ext' rel='stylesheet'>
<link href='https://fonts.googleapis.com/css?family=Courgette&display=swap&subset=latin-ext' rel='stylesheet'>
<link href='https://netdna.bootstrapcdn.com/font-awesome/4.3.0/css/font-awesome.css'>

 """


class SommerbriseRenderer(SkinRenderer):
    SKIN = "Sommerbrise"
    STYLESHEET = "skins/Sommerbrise/style.css"
    EXTRA_HEADER = "\n" + _EXTRA_HEADER
    _PRINT_HEAD = print_head("skins/Sommerbrise/printable.css")
    BLOCKS = {"menu": 1, "skinchange": 1, "search": 1, "news": 2}
    MENU = ("home", "recent", "titles", "catslink", "series", "members", "authors", "challenges", "search", "tens",
            "featured", "help", "contactus", "login", "logout", "adminarea")
    MENU_STYLE = 0

    HEADER = tpl("""\t<div class="login"><span class="fa fa-sign-in"></span> {adminarea} {login} {logout} {search_content}</div>
\t<div id="sitename">{sitename}</div>
\t<div id="spacer"></div>
\t<div id="slogan">{slogan}</div>
\t<div id="menu">{menu_content}</div>
\t<div class="grid-wrapper container">\t
\t\t<div class="gb-full content">
""")

    FOOTER = tpl("""\t\t</div>
\t
    <div class="gb-full footer">
\t\t\t<hr />
\t\t\t{footer}
\t\t\t<div class="copyright">Copyright &copy; 2015 <a href="http://artphilia.de">Artphilia Designs</a>. All rights reserved.</div>
\t\t\t{skinchange_content}
    </div>

\t</div> <!-- closing content grid -->   \t\t\t

\t</body>
</html>""")

    INDEX = tpl("""\t\t\t<div class="gb-full">
\t\t\t\t<div class="gb-50">{welcome}</div>
\t\t\t\t<div class="gb-50"><h1><span>{news_title}</span></h1>{news_content} <br /> <div align="center">{newsarchive}</div></div>
\t\t\t</div>
""")

    _VIEWSTORY = DEFAULT_VIEWSTORY
    _STORIES_HEADER = tpl('<br />\n\n<div class="sectionheader">Stories</div><br />\n')

    _STORYBLOCK = tpl("""<div class="listbox {oddeven} clearfix">
<h2>{title} {new} by {author}</h2>
<b>Rated:</b> {rating} &bull; {numreviews} {reviews} {score} {featuredstory} {roundrobin}<br />
<b>Summary:</b> {summary}<br />
<div class="storyinfo">
<b>Categories:</b> {category}<br />
<b>Characters:</b> {characters}<br />
{classifications}
<b>Series:</b> {serieslinks}<br />
<b>Chapters:</b> {numchapters} | <b>Completed:</b> {completed} | <b>Words:</b> {wordcount} | <b>Hits</b>: {count} | <b>Published:</b> </b>{published} | <b>Updated:</b> {updated}
<br />{addtofaves} {reportthis} {comment}<br />{adminlinks}<br />
</div></div>
""")

    _SERIESBLOCK = tpl("""<div class="listbox {oddeven}  clearfix">
<h2>{title} {new} by {author}</h2>
<b>Rated:</b> {rating} &bull; {numreviews} {reviews} {score} {featuredstory} {roundrobin}<br />
<b>Summary:</b> {summary}<br />
<div class="storyinfo">
<b>Categories:</b> {category}<br />
<b>Characters:</b> {characters}<br />
{classifications}
<b>Open:</b> {open} {comment}<br />{adminoptions}
</div></div>
""", "new", "rating", "score", "featuredstory", "roundrobin", "classifications")  # not in the sample's series

    _STORYINDEX = tpl("""<div class="gb-full"> 
\t<h1>{title} von {author}</h1>
\t<div align="right">{printicon} {printepub}</div>
\t<div id="output">
\t<div class="jumpmenu"></div>
\t<div class="listbox">
\t<b>Zusammenfassung:</b> {summary}<br>
\t<b>Eingestuft:</b> {rating} [{reviews} - {numreviews}] {score} {featuredstory}<br>
\t<b>Kategorie:</b> {category}<br>
\t<b>Charaktere:</b> {characters}<br>
\t{classifications}
\t<b>Herausforderung:</b> {challengelinks}<br> <b>Serie:</b> {serieslinks}<br>
\t<b>Kapitel: </b> {numchapters} <b>Abgeschlossen:</b> {completed} <br> 
\t<b>Wörter:</b> {wordcount} <b>Gelesen:</b> {count}<br>
\t<b>Veröffentlicht:</b> {published} <b>Aktualisiert:</b> {updated}
\t</div>
\t{adminlinks}<br>
\t<div align="center">{addtofaves}</div>
\t</div>
\t
\t<br><br>
\t
{storynotes}\t<br><br>
\t
{chapterlines}\t
\t{storyend} {last_read}
\t<div id="pagelinks"><div class="jumpmenu"></div></div>
\t<div class="respond">{roundrobin}</div>
\t
</div>
""")
    _INDEX_STORYNOTES = tpl("\t<blockquote><i><b>Story Anmerkungen:</b></i> {storynotes}</blockquote>\n")
    _INDEX_CHAPTER = tpl("""\t<b>{chapternumber}.</b> {title} by {author} [{reviews} - {numreviews}] {ratingpics} ({wordcount} words)
\t<br><i>{chapternotes}</i> {adminoptions}<br>
""")

    # Sommerbrise's user.tpl around default_tpls' profile.tpl
    _PROFILE = tpl("""<div id="profile">
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
<div align="center">""" + SORT_FORM + """</div>
<br><br>
""")
    _PANELTAB = "<div {class}>{link}\n{count}</div>\r\n"
    _TABS_END = "\r\n"

    _REVIEWBLOCK = tpl("""

<b>Name:</b> {reviewer} ({signed}) &middot; <b>Datum:</b> {date} &middot; <b>Für:</b> {chapter}
<blockquote>{review}</blockquote>
<div align="right">{adminoptions}</div>

<br /><br />

""")

    def browse_page(self, viewer, *, pagetitle_html, alphabet_url, **kw):  # type: ignore[override]
        """browse.tpl: ``{output}<h2>{otherresults}</h2>`` (an empty ``<h2>`` after the title)."""
        if alphabet_url is not None:
            pagetitle_html += self.alphabet(alphabet_url)
        return super().browse_page(viewer, pagetitle_html=pagetitle_html + "<h2></h2>", alphabet_url=None, **kw)
