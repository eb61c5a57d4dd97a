"""Story-scoped, self-checking extraction on skins nobody here drew: side blocks, mixed label
styles, table cells, unlabelled and run-on values, titles in headings, gates by message text."""

from __future__ import annotations

import datetime as dt
import re

from mirror.parsing.agreement import compare, settle
from mirror.parsing.efiction import detect_gate, parse_listing, parse_story_index
from mirror.parsing.labels import clean_value, completion_sentence, label_key
from tests.parsing_helpers import BASE, raw_page

INFO_BLOCK = """<div class="block"><div class="title">Site Info</div><div class="content"><div id='infoblock'>
<div><span class='label'>Members: </span>11</div><div><span class='label'>Chapters: </span>174</div>
<div><span class='label'>Word count: </span>132402</div>
<div><span class='label'>Newest Member: </span><a href="viewuser.php?uid=11">bookish_reader</a></div></div></div></div>"""
FEATURED = """<div class="sidebox"><a href="viewstory.php?sid=4">Saint Ives</a> by <a href="viewuser.php?uid=9">Fennimore</a><br />
<span class="label">Summary: </span>A snowbound inn.<br /><span class="label">Rated:</span> PG-13<br />
<span class="label">Chapters: </span> 32<br /></div>"""

INDEX = """<html><head><title>Ravens by Zo</title></head><body><table><tr><td id="left">{info}</td><td>
<div id="pagetitle"><a href="viewstory.php?sid=6">Ravens</a> by <a href="viewuser.php?uid=6">Zo</a></div>
<div>[<a href="reviews.php?type=ST&amp;item=6">Reviews</a> - <a href="reviews.php?type=ST&amp;item=6">2</a>]</div>
<div class="content"><b>Summary:</b> Two <i>birds</i>.<br />
<b>Rated:</b> PG<br />
<span class='label'>Genres: </span> <a href='browse.php?type=class&amp;type_id=1&amp;classid=5'>Drama</a><br />
<b>Chapters:</b> 2 <b>Completed:</b> Yes<br /><b>Word count:</b> 743<br />
<b>Published:</b> 21/07/06 <b>Updated:</b> 24/07/06</div>
<p><a href="viewstory.php?sid=6&amp;chapter=1">One</a> by <a href="viewuser.php?uid=6">Zo</a> (300 words)</p>
<p><a href="viewstory.php?sid=6&amp;chapter=2">Two</a> by <a href="viewuser.php?uid=7">Other</a> (443 words)</p>
</td><td id="right">{featured}</td></tr></table></body></html>"""


def index(html: str, sid: int = 6):
    return parse_story_index(raw_page(html.encode("utf-8"), url=f"{BASE}viewstory.php?sid={sid}&index=1"), BASE, sid)


def test_side_blocks_before_and_after_the_content_are_nobodys():
    story = index(INDEX.format(info=INFO_BLOCK, featured=FEATURED))
    assert story.title == "Ravens" and [a.id for a in story.authors] == [6]
    assert (story.chapter_count, story.word_count, story.rating, story.completed) == (2, 743, "PG", True)
    assert story.summary_html == "Two <i>birds</i>."
    assert [c.number for c in story.chapters] == [1, 2] and [a.id for a in story.chapters[1].authors] == [7]
    assert story.extra == {}


def test_bold_labels_and_php_span_labels_mixed_on_one_listing():
    html = """<html><body>{info}<div id="list">
<div class="story"><b><a href="viewstory.php?sid=3">A</a></b> by <a href="viewuser.php?uid=2">Ann</a><br />
<b>Summary:</b> First.<br /><b>Rating:</b> G<br /><b>Chapters:</b> 1<br /><b>Completed:</b> No<br />
<b>Published:</b> 01/02/03</div>
<div class="story"><b><a href="viewstory.php?sid=4">B</a></b> by <a href="viewuser.php?uid=3">Bob</a><br />
<b>Summary:</b> Second.<br /><span class='label'>Genres: </span> <a href='browse.php?type=class&amp;type_id=1&amp;classid=5'>Drama</a><br />
<b>Chapters:</b> 3<br /><b>Published:</b> 01/02/04</div></div></body></html>""".format(info=INFO_BLOCK)
    listing = parse_listing(raw_page(html.encode(), url=BASE + "browse.php?type=titles"), BASE)
    stories = {e.story_id: e.story for e in listing.entries}
    assert set(stories) == {3, 4}  # the newest member's link is nobody's story, and no story is lost
    assert (stories[3].summary_html, stories[3].rating, stories[3].chapter_count, stories[3].completed) == (
        "First.", "G", 1, False)
    assert [a.id for a in stories[4].authors] == [3] and stories[4].chapter_count == 3
    assert {k: [t.name for t in v] for k, v in stories[4].classes.items()} == {"Genres": ["Drama"]}


def test_table_cells_and_definition_lists():
    html = """<html><body><h2><a href="viewstory.php?sid=5">Tables</a></h2> by <a href="viewuser.php?uid=2">Ann</a>
<table class="meta"><tr><th>Summary</th><td>In <b>cells</b>.</td></tr><tr><th>Rated</th><td>PG-13</td></tr>
<tr><td><b>Completed:</b></td><td>Yes</td></tr></table>
<dl><dt>Word count</dt><dd>1,204</dd><dt>Published</dt><dd>03/04/05</dd></dl>
<p><a href="viewstory.php?sid=5&amp;chapter=1">Only</a> (1204 words)</p></body></html>"""
    story = index(html, 5)
    assert story.title == "Tables" and [a.id for a in story.authors] == [2]
    assert story.summary_html == "In <b>cells</b>."
    assert (story.rating, story.completed, story.word_count, story.published) == ("PG-13", True, 1204, dt.date(2005, 4, 3))


def test_unlabelled_summary_sentences_separators_and_a_heading_title():
    html = """<html><body><div class="main"><h3><a href="viewstory.php?sid=24">Round</a> by <a href="viewuser.php?uid=2">Ann</a></h3>
<blockquote>A round robin, unlabelled.</blockquote>
<div class="info"><span class="label">Rating and Advisories:</span> R · Story is Complete<br />
<span class="label">Story Length:</span> 2 chapters (4619 words)<br />
<span class="label">Published:</span> 22/08/11 · <span class="label">Updated:</span> 23/08/11 |</div>
<p><a href="viewstory.php?sid=24&amp;chapter=1">One</a> by <a href="viewuser.php?uid=2">Ann</a></p>
<p><a href="viewstory.php?sid=24&amp;chapter=2">Two</a> by <a href="viewuser.php?uid=5">Eve</a></p></div></body></html>"""
    story = index(html, 24)
    assert story.title == "Round" and [a.id for a in story.authors] == [2]  # never the chapter authors
    assert story.summary_html == "A round robin, unlabelled."
    assert (story.rating, story.completed, story.chapter_count, story.word_count) == ("R", True, 2, 4619)
    assert (story.published, story.updated) == (dt.date(2011, 8, 22), dt.date(2011, 8, 23))
    assert story.published_display == "22/08/11"


def test_label_helpers():
    assert label_key("Rating and Advisories") == "rating" and label_key("Story Length:") == "length"
    assert clean_value(" 22/08/11 · ") == "22/08/11" and clean_value("[ 5 ]") == "5"
    assert completion_sentence("Story Incomplete") is False and completion_sentence("Story is Complete") is True
    assert completion_sentence("A story") is None


def test_gates_by_message_text_whatever_the_class():
    denied = b"<html><body><div id='pagetitle'>X</div><div class='errormsg'>Access denied. Not validated.</div></body></html>"
    assert detect_gate(raw_page(denied)).kind == "denied"
    bare = b"<html><body><h1>X</h1><p>Registered Users Only</p></body></html>"
    assert detect_gate(raw_page(bare)).kind == "members"
    story = b"<html><body><div id='story'><span>Access denied, she said.</span></div></body></html>"
    assert detect_gate(raw_page(story)) is None


def test_renderings_compared_and_the_chapter_list_wins():
    listed = index(INDEX.format(info="", featured=""))
    story = index(INDEX.format(info="", featured=""))
    listed.chapter_count, listed.word_count = 174, 132402
    disagreements = compare({"index": story, "listing": listed})
    assert [d.field for d in disagreements] == ["chapter_count", "word_count"]
    assert str(disagreements[0]) == "renderings disagree on chapter_count: index 2, listing 174; kept the index's"
    story.chapter_count, story.read_count = 5, None
    listed.read_count = 9
    found = settle(story, {"listing": listed})
    assert story.chapter_count == 2 and story.read_count == 9  # the list shown twice; a missing field filled
    assert "chapter list" in str(found[-1])


def test_author_profiles_with_icons_or_bold_labels_instead_of_span_labels():
    from mirror.parsing.authors import parse_author_page
    from tests.parsing_helpers import fixture_bytes, request_url

    stock = fixture_bytes("viewuser_uid2.html")
    icons = stock
    for name in (b"Penname", b"Real name", b"Member Since", b"Membership status", b"Bio"):
        icons = re.sub(rb'<span class="label">' + name + rb':?\s*</span>',
                       b'<img src="skins/x/images/' + name.replace(b" ", b"") + b'.gif" alt="' + name + b'">', icons)
    bold = re.sub(rb'<span class="label">([^<]*)</span>', rb"<b>\1</b>", stock)
    url = request_url("viewuser_uid2.html")
    expected = parse_author_page(raw_page(stock, url=url), BASE)
    for body in (icons, bold):
        assert body != stock
        profile = parse_author_page(raw_page(body, url=url), BASE)
        assert (profile.pen_name, profile.real_name, profile.member_since, profile.status, profile.story_ids) == (
            expected.pen_name, expected.real_name, expected.member_since, expected.status, expected.story_ids)
        assert profile.bio_html == expected.bio_html and expected.pen_name == "DreamsofSpike"


def test_a_grid_listing_without_labels_and_a_story_in_an_unnamed_side_column():
    rows = "".join(f"""<tr><td><a href="viewstory.php?sid={sid}">Story {sid}</a></td><td><a href="viewuser.php?uid=2">Ann</a></td>
<td>PG</td><td>3</td></tr>""" for sid in (3, 4, 5))
    side = """<td><b>Top Tens</b><br /><a href="viewstory.php?sid=4">Story 4</a> Chapters: 9 - Word count: 99<br /></td>"""
    html = f"""<html><body><table><tr>{side}<td><table><tr><th>Title</th><th>Author</th><th>Rating</th>
<th>Chapters</th></tr>{rows}</table></td></tr></table></body></html>"""
    listing = parse_listing(raw_page(html.encode(), url=BASE + "browse.php?type=titles"), BASE)
    assert [e.story_id for e in listing.entries] == [3, 4, 5]  # bare: their own pages give the metadata
    assert all([a.id for a in e.story.authors] == [2] and e.story.chapter_count is None for e in listing.entries)


def test_translated_orphan_is_no_category():
    html = INDEX.format(info="", featured="").replace(
        "<b>Rated:</b> PG<br />", "<b>Rated:</b> PG<br /><b>Categorías:</b> Huérfana<br />")
    assert index(html).categories == []


def test_date_labels_with_a_preposition():
    assert label_key("Publiée le :") == "published" and label_key("Mise à jour le") == "updated"
    assert label_key("Aktualisiert am:") == "updated" and label_key("Publicado el") == "published"


def test_a_date_with_a_month_name_read_when_the_guessed_format_cannot():
    html = INDEX.format(info="", featured="").replace("21/07/06", "21 Jul 2006")
    assert index(html).published == dt.date(2006, 7, 21)  # parsed with d/m/y: the month name settles it
