"""Parse-level checks on the saved pages of every sample skin (tests/fixtures/skins/<skin>/, made
by make.py from :data:`mirror.sample.variants.SKINS`): the listing, story indexes, the printable
view and an author page, read field by field against the archive's ground truth, and the
renderings agree.  The whole crawl of each skin is tests/test_crawl_skins.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.items import Page
from mirror.parsing.agreement import compare
from mirror.parsing.authors import parse_author_page
from mirror.parsing.efiction import parse_listing, parse_printable, parse_story_index, printable_record
from mirror.sample.archive import ARCHIVE
from mirror.sample.variants import SKIN_OMITS, SKINS
from tests.test_crawl_sample import canon

SKIN_PAGES = Path(__file__).parent / "fixtures" / "skins"
BASE = "http://127.0.0.1:8000/efiction/"
INDEXES = {1: "viewstory_sid1_index.html", 6: "viewstory_sid6_index.html", 7: "viewstory_sid7_index.html"}


def saved(skin: str, name: str, url: str, kind: str) -> Page:
    return Page(url=BASE + url, status=200, headers={"Content-Type": ["text/html; charset=_CHARSET"]},
                body=(SKIN_PAGES / skin / name).read_bytes(), kind=kind)


def assert_metadata(story, truth, where: str) -> None:
    assert story.title == truth.title, where
    assert [a.id for a in story.authors] == list(truth.author_uids), where
    assert story.rating == truth.rating, where
    assert canon(story.summary_html) == canon(truth.summary), where
    assert [c.name for c in story.categories] == [name for _, name in truth.categories], where
    assert story.chapter_count == len(truth.chapters), where
    assert story.completed is truth.completed and story.word_count == truth.wordcount, where
    assert (story.published, story.updated) == (truth.published, truth.updated), where


@pytest.mark.parametrize("skin", list(SKINS))
def test_story_indexes(skin):
    for sid, name in INDEXES.items():
        truth = ARCHIVE.story(sid)
        story = parse_story_index(saved(skin, name, f"viewstory.php?sid={sid}&index=1", "index"), BASE, sid)
        where = f"{skin} {name}"
        assert_metadata(story, truth, where)
        assert {k: [t.name for t in v] for k, v in story.classes.items()} == {
            k: list(v) for k, v in truth.classes.items()}, where
        assert [(c.number, c.id, c.title, [a.id for a in c.authors], c.word_count) for c in story.chapters] == [
            (c.inorder, c.chapid, c.title, [c.uid], c.wordcount) for c in truth.chapters], where
        assert canon(story.story_notes_html) == canon(truth.story_notes), where


@pytest.mark.parametrize("skin", list(SKINS))
def test_listing_page(skin):
    listing = parse_listing(saved(skin, "browse_titles.html", "browse.php?type=titles&offset=0", "listing"), BASE)
    shown = [e.story_id for e in listing.entries]
    assert len(shown) == ARCHIVE.site.items_per_page and listing.page_urls, skin
    for entry in listing.entries:
        truth = ARCHIVE.story(entry.story_id)
        if truth.gated and entry.members_only:
            continue
        assert_metadata(entry.story, truth, f"{skin} listing story {entry.story_id}")


@pytest.mark.parametrize("skin", list(SKINS))
def test_printable_view_gives_every_chapter_and_agrees(skin):
    page = saved(skin, "printable_sid1_all.html", "viewstory.php?action=printable&sid=1&chapter=all", "printable")
    printable = parse_printable(page)
    truth = ARCHIVE.story(1)
    assert sorted(n for n, c in printable.chapters.items() if c.has_text) == [c.inorder for c in truth.chapters]
    for chapter in truth.chapters:
        got = printable.chapters[chapter.inorder]
        assert canon(got.text_html) == canon(chapter.text), (skin, chapter.inorder)
        assert canon(got.notes_html) == canon(chapter.notes) and canon(got.end_notes_html) == canon(chapter.end_notes)
    index = parse_story_index(saved(skin, INDEXES[1], "viewstory.php?sid=1&index=1", "index"), BASE, 1)
    printed = printable_record(printable, page, BASE, 1, ARCHIVE.site.dateformat)
    assert printed is not None and compare({"index": index, "printable": printed}) == [], skin


@pytest.mark.parametrize("skin", list(SKINS))
def test_author_page(skin):
    profile = parse_author_page(saved(skin, "viewuser_uid6.html", "viewuser.php?uid=6", "author"), BASE)
    truth = ARCHIVE.author(6)
    assert profile.pen_name == truth.penname and profile.member_since == truth.member_since, skin
    if "author.real_name" not in SKIN_OMITS[skin]:
        assert profile.real_name == truth.realname, skin
    assert set(profile.story_ids) == {s.sid for s in ARCHIVE.listed_stories() if 6 in s.author_uids}, skin
