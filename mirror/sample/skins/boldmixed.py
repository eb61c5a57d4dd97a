"""A made-up skin writing bold labels (``skins/Boldface/``, Berrygood's frame): its own
listings.tpl, storyindex.tpl, viewstory.tpl, printstory.tpl and user.tpl write ``<b>Summary:</b>``,
``<b>Rated:</b>``, ``<b>Categories:</b>`` …, while eFiction's PHP still writes its
``<span class='label'>Genres: </span>`` classification lines and the challenges line into
``{classifications}``: one page, two label styles.

Its user.tpl has a storyblock of its own (TemplatePower uses a block a template defines itself
before an included one, as Sommerbrise's reviews.tpl does with reviewsblock): a compact block
without ``{classifications}``, so the story blocks of an author's page have no ``span.label``
at all.  That is the one place a story's classes and challenges are not shown; its listings,
story index and printable view show them (:data:`~mirror.sample.variants.PAGE_OMITS`).  Its
profile shows icons in place of labels (``<img src="skins/Boldface/images/pen.gif"
alt="Penname"> …``).
"""

from __future__ import annotations

from ..archive import Story
from ..render import Viewer
from .base import SORT_FORM, BerrygoodSkin, print_head, tpl

__all__ = ["BoldMixedRenderer"]

_IMG = '<img src="skins/Boldface/images/{0}.gif" alt="{1}">'


class BoldMixedRenderer(BerrygoodSkin):
    SKIN = "Boldface"
    _PRINT_HEAD = print_head("skins/Boldface/printable.css")

    _STORYBLOCK = tpl("""<div class="listbox {oddeven}">
<div class="title">{title} by {author} <b>Rated:</b> {rating} {roundrobin} {score} [{reviews} - {numreviews}] {new}</div>
<div class="content"><b>Summary:</b> {featuredstory}{summary}<br />
<b>Categories:</b> {category}<br />
<b>Characters:</b> {characters}<br />
{classifications}
<b>Series:</b> {serieslinks}<br />
<b>Chapters:</b> {numchapters} {toc}<br />
<b>Completed:</b> {completed}<br />
<b>Word count:</b> {wordcount} <b>Read Count:</b> {count}
</div>
<div class="tail">{reportthis} <b>Published:</b> {published} <b>Updated:</b> {updated}</div>
</div>

""")

    # user.tpl's own storyblock: no {classifications}
    _USER_STORYBLOCK = tpl("""<div class="listbox {oddeven}">
<div class="title">{title} by {author} <b>Rated:</b> {rating} [{reviews} - {numreviews}] {new}</div>
<div class="content"><b>Summary:</b> {featuredstory}{summary}<br />
<b>Categories:</b> {category} <b>Characters:</b> {characters}<br />
<b>Series:</b> {serieslinks} <b>Chapters:</b> {numchapters} {toc} <b>Completed:</b> {completed}<br />
<b>Word count:</b> {wordcount} <b>Read Count:</b> {count} <b>Published:</b> {published} <b>Updated:</b> {updated}</div>
</div>

""")

    _STORYINDEX = tpl("""<div id="pagetitle">{title} by {author}</div>
<div id="sort"> [{reviews} - {numreviews}] {score}{printicon}</div>
<div id="output">
<div class="listbox">
<div class="content">{featuredstory}<b>Summary:</b> {summary}<br />
<b>Rated:</b> {rating}<br />
<b>Categories:</b> {category} <b>Characters:</b> {characters}<br />
{classifications}
<b>Challenges:</b> {challengelinks}<br /> <b>Series:</b> {serieslinks}<br />
<b>Chapters:</b> {numchapters} <b>Completed:</b> {completed}<br />
<b>Word count:</b> {wordcount} <b>Read:</b> {count}<br />
<b>Published:</b> {published} <b>Updated:</b> {updated}</div>
</div>
{storynotes}{chapterlines}
<div id="pagelinks"><div class="jumpmenu"></div></div>
<div class="respond">{roundrobin}</div>
</div>
""")
    _INDEX_STORYNOTES = tpl("<div class='notes'><b>Story Notes:</b> {storynotes}</div>\n")
    _INDEX_CHAPTER = tpl("""<p><b>{chapternumber}.</b> {title} by {author} [{reviews} - {numreviews}] {ratingpics} ({wordcount} words)<br />
{chapternotes}</p>
""")

    _STORYNOTES_VIEW = tpl("<div class='notes'><b>Story Notes:</b><br />\n{storynotes}</div>\n")
    _NOTES_VIEW = tpl("<div class='notes'><b>Author's Chapter Notes:</b><br />\n{notes}</div>\n")
    _ENDNOTES_VIEW = tpl("<div class='notes'><b>Chapter End Notes:</b><br />\n{endnotes}</div>\n")

    _PRINT_INFO = tpl("""<div id="pagetitle">{title} by {author}</div>
<div class="infobox">
<div class="content">{featuredstory}<b>Summary:</b> {summary}<br />
<b>Rating:</b> {storyrating}<br />
<b>Categories:</b> {category} <b>Characters:</b> {characters}<br />
{classifications}
<b>Challenges:</b> {challengelinks}<br /> <b>Series:</b> {serieslinks}<br />
<b>Chapters:</b> {numchapters} <b>Completed:</b> {completed}<br />
<b>Word count:</b> {wordcount} <b>Read:</b> {count}<br />
<b>Published:</b> {published} <b>Updated:</b> {updated}</div>
</div>
""")
    _PRINT_STORYNOTES = tpl("<div class='notes'><b>Story Notes:</b> {storynotes}</div>\n")
    _PRINT_NOTES = tpl("<div class='notes'><b>Author's Notes:</b> {notes}</div>\n")
    _PRINT_ENDNOTES = tpl("<div class='notes'><b>End Notes:</b> {endnotes}</div>\n")

    _PROFILE = tpl("""<div id="profile">
<div class="profile">
<div id="bio">
\t""" + _IMG.format("pen", "Penname") + """ {penname} {contact}<br />
\t""" + _IMG.format("id", "Real name") + """ {realname}<br />
\t""" + _IMG.format("calendar", "Member Since") + """ {membersince}<br />
\t""" + _IMG.format("star", "Membership status") + """ {status}<br />
\t<div class="biotext">{bio}</div>
</div>
 [<a href="contact.php?action=report&amp;url=viewuser.php?uid={uid}">Report This</a>]
</div>
<div id="sort">""" + SORT_FORM + """</div>
</div>
\t<div id="tabs">
""")

    def user_story_block(self, story: Story, count: int, viewer: Viewer) -> str:
        return self.story_block(story, count, viewer, template=self._USER_STORYBLOCK)
