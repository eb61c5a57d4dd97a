"""The E-zfiction skin of eFiction 3.5 (by Kali): a featured story in the banner of every page.

Read from e107-eFiction/efiction-3.5.x: ``skins/E-zfiction/header.tpl``, ``footer.tpl``,
``index.tpl``, ``storyindex.tpl``, ``viewstory.tpl``, ``profile.tpl``, ``variables.php``.
The stored copy has no default.tpl, user.tpl, listings.tpl or printstory.tpl of E-zfiction:
those come from ``default_tpls/`` (and printable.css too).

* header.tpl: ``div#container``, ``div#menu`` with the page links in a ``<ul>`` separated by
  " |", then ``div#banner`` > ``div#featured``: the featured block with a template of its own
  (variables.php: status 1, tpl 2): every featured story as
  ``{title} by {author} | <span class="label">Rated:</span> … Category: … Summary:``
  before the content of every page: a story's metadata on pages of other stories;
* footer.tpl: ``div#footercon`` with the site name, the login block (on every page), the page
  links, the copyright;
* storyindex.tpl: default_tpls' without the ``{storyend}{last_read}`` line; viewstory.tpl:
  Berrygood's without ``div#skinny``; profile.tpl: no "Contact" link.
"""

from __future__ import annotations

from .base import SORT_FORM, SkinRenderer, print_head, tpl

__all__ = ["EzfictionRenderer"]


class EzfictionRenderer(SkinRenderer):
    SKIN = "E-zfiction"
    STYLESHEET = "skins/E-zfiction/style.css"
    _PRINT_HEAD = print_head("default_tpls/printable.css")
    BLOCKS = {"categories": 1, "info": 2, "login": 1, "random": 2, "recent": 2, "featured": 1, "skinchange": 1,
              "news": 2, "search": 1}
    FEATURED_TPL = tpl("""\t\t\t{title} by {author} | <span class="label">Rated:</span> {rating}<br />
\t\t\t<span class="label">Category:</span> {category}<br />
\t\t\t<span class="label">Summary: </span><span class="greytext">{summary}</span><br />
""")

    HEADER = tpl("""<body>
<div id="container">
<div id="menu">
\t<ul id="menulist">
<li>{home}</li> |
<li>{login} |
<li>{recent}</li> |
<li>{authors}</li> |
<li>{catslink}</li> |
<li>{titles}</li> |
<li>{series}</li> |
<li>{challenges}</li> |
<li>{tens}</li> |
<li>{search}</li> 
<li>{adminarea}</li>  
</ul>
</div>
<div id="banner">
<div id="bannerimage">
&nbsp;
</div>
<div id="featured">
<p>
<div class="headertitle">Featured Story</div>
{featuredblock}</p>
</div>
</div>
<div id="navigation">
<div id="search">
{search_content}
</div>
</div>
<div id="mainpage">
""")

    FOOTER = tpl("""</div>
<div id="footercon">
<div id="footertitle">
{sitename}
</div>
<div id="footerlogin">
{login_content}
</div>
<div id="footermenu">
{home} | {tos} | {rules} | {help} | {contactus} | {recent} | {authors} | {catslink} | {titles} | {series} | {challenges} | {tens} | {search}
</div>
<div id="footerblurb">
{footer}
<p><a href="http://www.made-by-kali.com">Efiction 3 skin created by Kali</a></p>
</div>
<div id="footerbottom">
</div>
</div>
</body></html>
""")

    INDEX = tpl("""<div id="leftindex">
      <div class="block">
       <div class="title">{info_title}</div>
       <div class="content">{info_content}</div>
\t</div>
<div class="block">
       <div class="title">{login_title}</div>
       <div class="content">{login_content}</div>
     </div>
<div class="block">
       <div class="title">{skinchange_title}</div>
       <div class="content">{skinchange_content}</div>
     </div>
     <div class="block">
       <div class="title">{random_title}</div>
       <div class="content">{random_content}</div>
     </div>
     <div class="block">
       <div class="title">{recent_title}</div>
       <div class="content">{recent_content}</div>
     </div>
    <div class="block">
       <div class="title">{categories_title}</div>
       <div class="content">{categories_content}</div>
     </div>
</div>
<div id="rightindex">
\t<div class="block">
       <div class="title">Welcome</div>
       <div class="content">{welcome}</div>
     </div>
     <div class="block">
       <div class="title">{news_title}</div>
       <div class="content">{news_content}</div>
    </div>
</div>
""")

    _STORYINDEX = tpl("""<div id="pagetitle">{title} by {author}</div>
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
{adminlinks}
</div>
<div style='text-align: center;'>{addtofaves}</div>
{storynotes}{chapterlines}<div id="pagelinks"><div class="jumpmenu"></div></div>
<div class="respond">{roundrobin}</div>

</div>
""")

    _VIEWSTORY = tpl("""<div id="pagetitle">{title} by {author}</div>
<div class="storyinfo"> [{reviews} - {numreviews}]<br />
{toc} {reportthis}<br />
{printicon} <br />
{adminlinks} </div>
<div class="jumpmenu">{textsizer}{jumpmenu}</div>
{storynotes}{notes}<div id="story">{story}</div>
{endnotes}<div id="prev">{prev}</div><div id="next">{next}</div>
{storyend}
<div class="jumpmenu2">{jumpmenu2}</div>
<div class="respond">{addtofaves} {roundrobin}</div>
{reviewform}
""")

    # default_tpls/user.tpl around E-zfiction's profile.tpl
    _PROFILE = tpl("""<div id="profile">
<div id="profile">
<div id="bio">
\t<div id="biotitle"><span class="label">Penname: </span>{penname} <span class="label">Real name: </span>{realname}</div>
\t<div id="biocontent">
\t<span class="label">Member Since: </span>{membersince}<br />
\t<span class="label">Membership status:</span> {status}<br />
\t<span class="label">Bio:</span><br>{image}{bio}<br />
\t{authorfields} 
\t</div>
</div>
{adminoptions} [<a href="contact.php?action=report&amp;url=viewuser.php?uid={uid}">Report This</a>]
</div>
{adminoptions}
<div id="sort">""" + SORT_FORM + """</div>
</div>
\t<div id="tabs">
""")
