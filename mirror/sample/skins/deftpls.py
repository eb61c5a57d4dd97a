"""eFiction 3.5's stock ``default_tpls/`` templates (a site whose skin directory is missing, or
one set up without a skin): the markup of the saved pages tests/fixtures/efiction35/deftpl_*.html.

Read from e107-eFiction/efiction-3.5.x: ``default_tpls/header.tpl``, ``footer.tpl``,
``index.tpl``, ``viewstory.tpl``, ``storyindex.tpl``, ``listings.tpl``, ``printstory.tpl``,
``user.tpl``, ``series_title.tpl``, ``default.tpl`` and ``variables.php`` (the blocks: the menu
and the skin changer on every page, the others on the index).

The content templates are the ones :class:`~mirror.sample.render.Renderer` already fills
(Berrygood only wraps them in ``div#skinny``): what changes is the frame (``div#{page_id}``,
the banner with the skin changer and the RSS link, the menu block's bare links,
``div#mainpage``, the footer), no ``div#skinny``, and viewstory.tpl without Berrygood's
``{storyend}`` line.
"""

from __future__ import annotations

from .base import SkinRenderer, print_head, tpl

__all__ = ["DefaultTplsRenderer", "DEFAULT_INDEX", "DEFAULT_VIEWSTORY"]

DEFAULT_VIEWSTORY = tpl("""<div id="pagetitle">{title} by {author}</div>
<div class="storyinfo"> [{reviews} - {numreviews}]<br />
{toc} {reportthis}<br />
{printicon} <br />
{adminlinks} </div>
<div class="jumpmenu">{textsizer}{jumpmenu}</div>
{storynotes}{notes}<div id="story">{story}</div>
{endnotes}<div id="prev">{prev}</div><div id="next">{next}</div>
<div class="jumpmenu2">{jumpmenu2}</div>
<div class="respond">{addtofaves} {roundrobin}</div>
{reviewform}
""")

DEFAULT_INDEX = tpl("""<div id="leftindex">
      <div class="block">
       <div class="title">{info_title}</div>
       <div class="content">{welcome}{info_content}<br>{login_content}</div>
     </div>
     <div class="block">
       <div class="title">{random_title}</div>
       <div class="content">{random_content}</div>
     </div>
</div>
<div id="rightindex">
     <div class="block">
       <div class="title">{categories_title}</div>
       <div class="content">{categories_content}</div>
     </div>
     <div class="block">
       <div class="title">{recent_title}</div>
       <div class="content">{recent_content}</div>
     </div>
     <div class="block">
       <div class="title">{news_title}</div>
       <div class="content">{news_content}</div>
    </div>
</div>
""")


class DefaultTplsRenderer(SkinRenderer):
    """default_tpls: no skin selected in the skin changer, default_tpls/style.css."""

    SKIN = None
    STYLESHEET = "default_tpls/style.css"
    _PRINT_HEAD = print_head("default_tpls/printable.css")
    BLOCKS = {"categories": 2, "info": 2, "menu": 1, "login": 2, "random": 2, "recent": 2, "skinchange": 1,
              "news": 2}
    HEADER = tpl("""<body>
<div id="{page_id}">
\t<div id="banner"><div id="sitename">{sitename}</div><div id="slogan">{slogan}</div><div id="skin">{skinchange_content}</div><div id="rss">{rss}</div>
</div>
{menu_content}
<div id="mainpage">
""")
    FOOTER = tpl("""</div>
<div id="footer">{footer}</div></div>
</body></html>
""")
    INDEX = DEFAULT_INDEX
    _VIEWSTORY = DEFAULT_VIEWSTORY
