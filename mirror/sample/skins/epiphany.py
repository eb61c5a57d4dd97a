"""The Epiphany skin of eFiction 3.5 (Artphilia Designs): a grid layout, the side blocks after
the content of every page, a half-German viewstory.tpl.

Read from e107-eFiction/efiction-3.5.x: ``skins/Epiphany/header.tpl``, ``footer.tpl``,
``viewstory.tpl``, ``profile.tpl``, ``default.tpl``, ``variables.php``.  Epiphany has no
listings.tpl, storyindex.tpl, user.tpl, index.tpl or printstory.tpl there: those pages use
``default_tpls/`` (listings, storyindex, user, index, printstory; no printable.css either).

* header.tpl: ``div.grid-wrapper`` > ``div.gb-full`` > ``div#header`` (login link, the login
  block's form, the search block, the site name, the slogan, ``div#menu`` around the menu
  block's ``<ul>``), then ``div.gb-80.content`` holds the page;
* footer.tpl: after the content, ``div.gb-20.sidebar`` with the info block (status 1 in its
  variables.php: on every page) and the skin changer, then ``div.gb-full`` with the featured,
  recent and random blocks (also on every page, template-less story lines), then the footer;
* viewstory.tpl: the title in ``<h2>{title} von {author}</h2>``, ``div#jumpmenu`` (an id)
  with the chapter menu, ``div#sort``, the notes in ``<blockquote>`` ("Story Bemerkung:",
  "Kapitel Bemerkung:", "Kapitel Abschlussbemerkung:"), ``div#pagelinks`` around the
  previous/next links (a chapter page with a ``div#pagelinks``), no "Report This";
* profile.tpl: Font Awesome icons instead of labels, no real name, no membership status.
"""

from __future__ import annotations

from .base import SORT_FORM, SkinRenderer, print_head, tpl
from .deftpls import DEFAULT_INDEX

__all__ = ["EpiphanyRenderer"]


class EpiphanyRenderer(SkinRenderer):
    SKIN = "Epiphany"
    STYLESHEET = "skins/Epiphany/style.css"
    _PRINT_HEAD = print_head("default_tpls/printable.css")
    BLOCKS = {"categories": 1, "featured": 1, "info": 1, "menu": 1, "login": 1, "random": 1, "recent": 1,
              "skinchange": 1, "news": 1, "search": 1}
    MENU = ("home", "recent", "authors", "titles", "catslink", "browse", "help", "contact us")
    MENU_STYLE = 0
    INDEX = DEFAULT_INDEX

    HEADER = tpl("""<body>
\t<div class="grid-wrapper container">
\t\t\t<div class="gb-full">
\t\t\t\t<div id="header">
\t\t\t\t\t<div class="gb-50">
\t\t\t\t\t\t<div align="left"><span class="fa fa-power-off"></span> {adminarea} {login} {logout}</div><div id="login">{login_content}</div>
\t\t\t\t\t</div>
\t\t\t\t\t<div class="gb-50">
\t\t\t\t\t\t<div align="right">{search_content}</div>
\t\t\t\t\t</div>
\t\t\t\t\t<div id="sitename">{sitename}</div>
\t\t\t\t\t<div id="slogan">{slogan}</div>
\t\t\t\t\t<div id="menu">{menu_content}</div>
\t\t\t\t</div>
\t\t\t</div>
\t\t<div class="gb-80 content">
""")

    FOOTER = tpl("""\t\t</div>
\t\t<div class="gb-20 sidebar">
\t\t\t\t<h3><span>{info_title}</span></h3>{info_content}<br /><br />{online_content}

\t\t\t\t<!-- Just delete the < !-- and -- > before and after the shoutbox/poll to make it visible. Remember to add the blocks at your admin panel. -->
\t\t\t\t<br />Your <b>shoutbox and/or poll</b> could be here. Just edit the footer.tpl<br />
\t\t\t\t<!-- <h3>{shoutbox_title}</h3>{shoutbox_content} -->
\t\t\t\t<!-- <h3>{poll_title}</h3>{poll_content} -->
\t\t\t\t<br />
\t\t\t\t<div align="center">{xml} {skinchange_content}</div>
\t\t</div>

\t\t<div class="gb-full">
\t\t\t\t<div class="gb-33"><h3>{featured_title}</h3>{featured_content}</div>
\t\t\t\t<div class="gb-33"><h3>{recent_title}</h3>{recent_content}</div>
\t\t\t\t<div class="gb-33"><h3>{random_title}</h3>{random_content}</div>
\t\t</div>
\t\t
    <div class="gb-full footer">
\t\t\t<hr />
\t\t\t{footer}
\t\t\t<div class="copyright">Skin by <a href="http://artphilia.de">Artphilia Designs</a>. All rights reserved.</div>
    </div>

\t</div> <!-- closing content grid -->   \t\t\t

\t</body>
</html>""")

    _VIEWSTORY = tpl("""<div class="gb-full">
\t<h2>{title} von {author}</h2>
\t<div id="jumpmenu">{jumpmenu}</div>
\t<div id="sort">[{reviews} - {numreviews}] &nbsp; {printicon} {toc}<br>
\t<div align="right">{adminlinks}</div><br>
\t{textsizer}</div>
\t
{storynotes}\t
{notes}\t
\t<div id="story">{story}</div>
\t
{endnotes}\t
\t<div id="pagelinks"><div id="prev">{prev}</div><div class="jumpmenu">{jumpmenu2}</div><div id="next">{next}</div></div>
\t<div class="respond">{roundrobin}</div>
\t<div id="reviewform">{reviewform}</div>
</div>
""")
    _STORYNOTES_VIEW = tpl("\t<blockquote><h2>Story Bemerkung:</h2> {storynotes}</blockquote>\n")
    _NOTES_VIEW = tpl("\t<blockquote><b>Kapitel Bemerkung:</b> {notes}</blockquote>\n")
    _ENDNOTES_VIEW = tpl("\t<blockquote><b>Kapitel Abschlussbemerkung:</b> {endnotes}</blockquote>\n")

    # default_tpls/user.tpl around Epiphany's profile.tpl
    _PROFILE = tpl("""<div id="profile">
<div id="bio">
\t<!-- Website Profile Link -->
\t
\t<i class="fa fa-user"></i> {penname}<br />
\t<i class="fa fa-calendar"></i> {membersince}<br />
\t<i class="fa fa-globe"></i> {location}<br />
\t<i class="fa fa-home"></i> {website}<br>
  <i class="fa fa-twitter"></i> {twitter}<br>

\t<!-- End Website Profile Link -->
\t

\t<br><blockquote>{bio}</blockquote><br>

</div>
<div align="right">{adminoptions}</div>
<br />
[<a href="contact.php?action=report&amp;url=viewuser.php?uid={uid}">Report This</a>]
{adminoptions}
<div id="sort">""" + SORT_FORM + """</div>
</div>
\t<div id="tabs">
""")
