"""A whole story from its listing block and printable view, without the index
(mirror/parsing/whole.py), on real eFiction 3.5 pages: the same story as with the index, and
each reason the index is still needed."""

from __future__ import annotations

import pytest

from mirror.items import StoryPages
from mirror.parsing.efiction import ParseError, extract_story, parse_listing
from mirror.parsing.whole import IndexNeeded, differences, extract, read_without_index
from tests.parsing_helpers import BASE, fixture_bytes, page

# (listing page showing the story, its printable view, its index) as served by eFiction 3.5
REAL = {6: ("browse_characters_charid7.html", "printable_sid6_all.html", "viewstory_sid6_index.html"),
        1: ("browse_titles_p1.html", "printable_sid1_all.html", "viewstory_sid1_index.html"),
        12: ("browse_titles_offset10.html", "printable_sid12_all.html", "viewstory_sid12_index.html")}


def capture(sid: int, listing: bytes | None = None, printable: bytes | None = None,
            index: bool = False) -> StoryPages:
    listing_name, printable_name, index_name = REAL[sid]
    listing_page = page(listing_name, kind="listing", body=listing)
    entry = next(e for e in parse_listing(listing_page, BASE).entries if e.story_id == sid)
    pages = [page(printable_name, kind="printable", body=printable)]
    if index:
        pages.append(page(index_name, kind="index"))
    return StoryPages(site=BASE, story_id=sid, pages=pages, listing=listing_page, listed=entry.story)


@pytest.mark.parametrize("sid", [6, 1])
def test_the_same_story_as_with_its_index(sid):
    without = read_without_index(capture(sid))
    assert not isinstance(without, IndexNeeded), without
    indexed = extract_story(capture(sid, index=True))
    assert differences(indexed, without) == []
    assert [c.word_count for c in without.chapters] == [c.word_count for c in indexed.chapters]
    assert all(c.id is None for c in without.chapters)  # a chapter id only the index (or reviews) shows
    assert all(c.id is not None for c in indexed.chapters)


def test_word_counts_the_page_cannot_settle_need_the_index():
    # story 12 mixes raw and referenced quotes: several counts fit its total (mirror/parsing/wordcount.py)
    found = read_without_index(capture(12))
    assert isinstance(found, IndexNeeded) and found.reason == "word_counts"
    assert [c.word_count for c in extract_story(capture(12, index=True)).chapters] == [290, 124, 18, 455]


def test_a_reparse_reads_the_listing_page_kept_with_the_story():
    kept = capture(6)
    kept.listed = None  # what mirror reparse rebuilds: the listing page, not its parse
    story = extract(kept)
    assert story.title == "The Adventure of the Second Ledger" and len(story.chapters) == 2


def test_the_pipeline_names_why_a_story_without_index_cannot_be_read():
    listing = fixture_bytes(REAL[6][0])
    at = listing.index(b"viewstory.php?sid=6")
    start = listing.index(b'<span class="label">Rated:</span> PG', at)
    broken = capture(6, listing=listing[:start] + listing[start + len(b'<span class="label">Rated:</span> PG'):])
    with pytest.raises(ParseError, match="listing_fields: rating"):
        extract(broken)


def reason(sid: int, listing: bytes | None = None, printable: bytes | None = None) -> str:
    found = read_without_index(capture(sid, listing, printable))
    assert isinstance(found, IndexNeeded), "the index should be needed"
    return found.reason


def edited(name: str, old: bytes, new: bytes, count: int = 1) -> bytes:
    body = fixture_bytes(name)
    assert body.count(old) >= count, old
    return body.replace(old, new, count)


def test_a_chapter_by_someone_the_listing_does_not_name_needs_the_index():
    # a round robin: only the index links each chapter's author
    printable = edited(REAL[6][1], b"Arrival by Zo\xeb Marchetti", b"Arrival by Cassie_M")
    assert reason(6, printable=printable) == "chapter_authors"


def test_a_listing_count_the_printable_view_does_not_show_needs_the_index():
    listing = fixture_bytes(REAL[6][0])
    at = listing.index(b"viewstory.php?sid=6")
    cut = listing.index(b"Chapters: </span> 2", at)
    listing = listing[:cut] + b"Chapters: </span> 3" + listing[cut + len(b"Chapters: </span> 2"):]
    assert reason(6, listing=listing) == "chapter_count"


def test_a_gate_on_the_printable_view_needs_the_index():
    assert reason(6, printable=fixture_bytes("printable_sid14_gate.html")) == "gate"


def test_renderings_that_disagree_need_the_index():
    printable = edited(REAL[6][1], b"Word count:</span> 743", b"Word count:</span> 744")
    assert reason(6, printable=printable) == "disagreement"


def test_word_counts_that_do_not_add_up_need_the_index():
    printable = edited(REAL[6][1], b"<div class='chapter'>", b"<div class='chapter'>three more words ")
    assert reason(6, printable=printable) == "word_counts"


def test_a_missing_chapter_text_needs_the_index():
    printable = edited(REAL[6][1], b"<div class='chapter'>", b"<div class='chapterx'>")
    assert reason(6, printable=printable) == "printable_incomplete"


def test_a_story_no_listing_shows_needs_the_index():
    pages = capture(6)
    pages.listed, pages.listing = None, None
    assert read_without_index(pages).reason == "not_listed"


def test_differences_name_the_fields_only_the_index_shows():
    indexed = extract_story(capture(6, index=True))
    without = read_without_index(capture(6))
    without.shown = without.shown - {"challenges"}
    without.chapters[1].word_count += 1
    assert differences(indexed, without) == ["shown only by the index: challenges", "chapters[2].word_count"]
