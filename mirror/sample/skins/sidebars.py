"""A Berrygood site with side blocks on every page (``skins/Sidebars/``): the kind of install
whose every page, a story's own pages too, carries other stories' metadata.

Made up from Berrygood's templates and eFiction's blocks (read from e107-eFiction/efiction-3.5.x:
``blocks/info/info.php``, ``blocks/featured/featured.php``, ``blocks/random/random.php``,
``blocks/recent/recent.php``, ``includes/storyblock.php``), all with status 1 (every page):

* before the content, ``div#leftcolumn``: the info block (``div#infoblock``, the site's
  statistics in ``<span class='label'>Members: </span>9`` lines, the newest member's
  ``viewuser.php?uid=`` link) and the featured block with a template of the skin's own
  (blocks/featured with ``tpl``: each featured story through includes/storyblock.php, with
  its ribbon, ``span.label`` labels, categories, characters, chapters, completed, word count,
  dates);
* after the content, ``div#rightcolumn``: the "random" block (template-less:
  ``<div class='randomstory'>`` title link, by, author links, rating, summary), its story
  picked by a hash of the page's address (:func:`.blocks.random_story`: the same story on
  every load of a page, another story on most pages of a story), and the most recent story.

Featured stories show in the featured block of their own pages too.
"""

from __future__ import annotations

from ..render import Viewer
from .base import BerrygoodSkin, print_head, tp_fill, tpl

__all__ = ["SidebarsRenderer"]

_LEFT = tpl("""<div id="leftcolumn">
<div class="block">
<div class="title">{info_title}</div>
<div class="content">{info_content}</div>
</div>
<div class="block">
<div class="title">{featured_title}</div>
<div class="content">{featuredblock}</div>
</div>
</div>
""")

_RIGHT = tpl("""<div id="rightcolumn">
<div class="block">
<div class="title">{random_title}</div>
<div class="content">{random_content}</div>
</div>
<div class="block">
<div class="title">{recent_title}</div>
<div class="content">{recent_content}</div>
</div>
</div>
""")

_CONTENT_START = '<div id="mainpage">\r\n<div id="content">\r\n'
_CONTENT_END = '</div>\r\n</div>\r\n<div id="footer">'


class SidebarsRenderer(BerrygoodSkin):
    SKIN = "Sidebars"
    _PRINT_HEAD = print_head("skins/Sidebars/printable.css")
    BLOCKS = {"info": 1, "featured": 1, "random": 1, "recent": 1}
    FEATURED_TPL = tpl("""<div class="featuredstory">{featuredstory}{title} by {author} <span class="label">Rated:</span> {rating}<br />
<span class="label">Summary: </span>{summary}<br />
<span class="label">Categories:</span> {category} <span class="label">Characters: </span> {characters}<br />
<span class="label">Chapters: </span> {numchapters} <span class="label">Completed:</span> {completed} <span class="label">Word count:</span> {wordcount}<br />
<span class="label">Published: </span>{published} <span class="label">Updated:</span> {updated}</div>
""")

    def frame(self, content: str, viewer: Viewer, *, title: str | None = None, meta: str | None = None,
              browse_js: bool = False, current: str | None = None) -> str:
        page = super().frame(content, viewer, title=title, meta=meta, browse_js=browse_js, current=current)
        values = self.frame_values(viewer, self.current(current))
        page = page.replace(_CONTENT_START, '<div id="mainpage">\r\n' + tp_fill(_LEFT, values)
                            + '<div id="content">\r\n', 1)
        end = page.rindex(_CONTENT_END) + len("</div>\r\n")  # after the content's </div>
        return page[:end] + tp_fill(_RIGHT, values) + page[end:]
