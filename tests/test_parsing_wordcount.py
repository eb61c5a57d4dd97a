"""Per-chapter word counts from the printable view (mirror.parsing.wordcount), the way eFiction's
stories.php computed them from the stored text: checked against the story index's "(N words)" on
the real saved pages, against the sample archive's ground truth in every skin and variant, and
case by case (line breaks, references, letters, tags, empty chapters)."""

from __future__ import annotations

import re

import pytest

from mirror.items import Page
from mirror.parsing.efiction import parse_story_index
from mirror.parsing.wordcount import (chapter_containers, efiction_count, php_strip_tags, printable_word_counts,
                                      punctuation_fixed, settle, shown_bounds)
from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE, MEMBER_PASSWORD, MEMBER_PENNAME, Archive, Story
from mirror.sample.serve import sample_archive
from mirror.sample.server import Request
from mirror.sample.variants import SKINS, VARIANTS, SiteVariant
from tests.parsing_helpers import BASE, fixture_bytes, page

# --- the real saved pages ------------------------------------------------------------------------

PAIRS = [("printable_sid6_all.html", "viewstory_sid6_index.html", 6),
         ("printable_sid12_all.html", "viewstory_sid12_index.html", 12),
         ("printable_sid1_all.html", "viewstory_sid1_index.html", 1),
         ("deftpl_printable_sid6_all.html", "deftpl_viewstory_sid6_index.html", 6)]
# sid 12 mixes chapters whose quotes were stored as cp1252 bytes (1, 3) with an imported one that
# stored them as &#8212; (2): the page cannot say which, and the total (887) fits several mixes.
UNDECIDED = {"printable_sid12_all.html": {1, 2, 3}}


def index_counts(name: str, sid: int) -> dict[int, int | None]:
    return {c.number: c.word_count for c in parse_story_index(page(name), BASE, sid).chapters}


@pytest.mark.parametrize(("printable", "index", "sid"), PAIRS)
def test_real_printable_views_give_the_index_counts(printable, index, sid):
    want = index_counts(index, sid)
    got = printable_word_counts(page(printable, kind="printable"))
    assert got == {n: count for n, count in want.items() if n not in UNDECIDED.get(printable, set())}


def test_the_chapters_left_out_are_within_their_bounds():
    body = fixture_bytes("printable_sid12_all.html")
    fixed = punctuation_fixed(body)
    bounds = [shown_bounds(span, fixed) for span in chapter_containers(body)]
    assert fixed is True and bounds == [(290, 299), (122, 124), (18, 36), (455, 455)]
    assert list(index_counts("viewstory_sid12_index.html", 12).values()) == [290, 124, 18, 455]
    assert sum(low for low, _ in bounds) < 887 < sum(high for _, high in bounds)


def test_a_single_chapter_view_of_a_longer_story_has_no_total_to_settle_it():
    assert printable_word_counts(page("printable_sid6_ch1.html", kind="printable")) == {}


def test_a_gate_instead_of_the_story_gives_nothing():
    assert printable_word_counts(page("printable_sid14_gate.html", kind="printable")) == {}


# --- the sample archive, every skin and variant --------------------------------------------------

SITES = {"stock": SiteVariant(), **SKINS, **VARIANTS}
SESSION = "wordcounttest"


def sample_page(site: SampleArchive, story: Story) -> Page:
    rating = site.archive.rating(story.rid)
    query = f"viewstory.php?action=printable&sid={story.sid}&chapter=all"
    query += f"&ageconsent=ok&warning={rating.rid}" if rating.age_consent else (
        f"&warning={rating.rid}" if rating.warning else "")
    resp = site.dispatch(Request("GET", site.prefix + query, {"Cookie": f"PHPSESSID={SESSION}"}))
    assert resp.status == 200, query
    return Page(url=f"http://127.0.0.1:8000{site.prefix}{query}", status=200,
                headers={"Content-Type": [resp.content_type]}, body=resp.body, kind="printable")


def logged_in(variant: SiteVariant, archive=ARCHIVE) -> SampleArchive:
    """The site, not started (pages are rendered by dispatch), with a member's session."""
    site = SampleArchive(variant=variant, archive=archive, cache_bytes=0)
    form = f"penname={MEMBER_PENNAME}&password={MEMBER_PASSWORD}&submit=Login".encode()
    site.dispatch(Request("POST", site.prefix + "user.php?action=login",
                          {"Cookie": f"PHPSESSID={SESSION}", "Content-Type": "application/x-www-form-urlencoded"},
                          form))
    return site


def cp1252_punctuation(story: Story) -> bool:
    return any(re.search("[\u2018\u2019\u201c\u201d\u2014\u2013\u2026]", c.source) for c in story.chapters)


@pytest.mark.parametrize("name", list(SITES))
def test_sample_archive_counts_in_every_skin_and_variant(name):
    variant = SITES[name]
    site = logged_in(variant)
    decided = 0
    for story in ARCHIVE.listed_stories():
        got = printable_word_counts(sample_page(site, story))
        truth = {c.inorder: c.wordcount for c in story.chapters}
        if not variant.printable:  # an error page
            assert got == {}, (name, story.sid)
        elif variant.charset == "utf-8" and got != truth:
            # the sample writes &#8220; on its UTF-8 pages, where eFiction's format_story() does not
            # rewrite them: such a page means references stored as such, which the total denies
            assert got == {} and cp1252_punctuation(story), (name, story.sid)
        else:
            assert got == truth, (name, story.sid)
        decided += len(got)
    assert decided or not variant.printable, name


@pytest.mark.parametrize("archive", [sample_archive(changes=3), Archive.generated(200, seed=7)],
                         ids=["after-3-weeks", "generated-200"])
def test_sample_archive_changed_and_larger(archive):
    site = logged_in(SiteVariant(), archive)
    for story in archive.listed_stories():
        got = printable_word_counts(sample_page(site, story))
        assert got == {c.inorder: c.wordcount for c in story.chapters}, story.sid


# --- case by case ----------------------------------------------------------------------------------

def test_plain_text_line_breaks_were_separators():
    assert shown_bounds(b"one<br />two<br /><br />three", False) == (3, 3)  # nl2br2 output
    assert shown_bounds(b"\r\none<br />two\r\n", False) == (2, 2)  # template whitespace around it
    assert shown_bounds(b"<P>one<br />two</P>", False) == (2, 2)  # strpos() is case-sensitive


def test_html_text_kept_its_br_tags_which_separate_nothing():
    assert shown_bounds(b"<p>one<br />two</p>", False) == (1, 1)
    assert shown_bounds(b"one<br>two", False) == (1, 1)
    assert shown_bounds(b"one<br />\r\ntwo<br />three", False) == (2, 2)  # a line break: no nl2br2


def test_iso_references_are_bytes_or_written_so_the_bounds_say():
    text = b"&#8220;Hello,&#8221; she said &#8212; twice."
    assert shown_bounds(text, True) == (4, 8)
    assert shown_bounds(text, None) == (4, 8)
    assert shown_bounds(text, False) == (8, 8)  # not ISO mode: stored as shown
    assert shown_bounds(b"It&#8217;s", True) == (2, 2)  # inside a word: the same either way


def test_other_references_were_stored_as_written():
    assert shown_bounds(b"&#1055;&#1088;&#1080;", True) == (4, 4)  # "&", "1055;&", "1088;&", "1080;"
    assert shown_bounds(b"caf&eacute; &amp; bar", True) == (3, 3)


def test_non_ascii_letters_separate_words():
    assert efiction_count(b"Montr\xe9al") == 2
    assert efiction_count("Montréal".encode("utf-8")) == 2
    assert efiction_count(b"na\xefve caf\xe9") == 3


def test_tags_go_the_way_php_strip_tags_takes_them():
    assert efiction_count(b"<i>word</i>s and <b>more</b>") == 3
    assert php_strip_tags(b"a < b") == b"a < b" and efiction_count(b"a < b") == 2
    assert php_strip_tags(b"a<!-- hidden words -->b") == b"ab"
    assert php_strip_tags(b'x<img alt="a > b">y') == b"xy"
    assert php_strip_tags(b"end <unclosed tag") == b"end "
    assert php_strip_tags(b"a<?php echo '?>'; ?>b") == b"ab"
    assert php_strip_tags(b"a\0b") == b"ab"


def test_the_separator_class_is_php_s():
    assert efiction_count(b"don't (really) e-mail me@home.org, ok?!") == 5
    assert efiction_count(b"a\\b") == 2  # "\\|" in PHP's double quotes is "\|": no backslash
    assert efiction_count(b"a#b*c") == 3


def test_an_empty_chapter_counts_one():
    assert efiction_count(b"") == 1 and efiction_count(b"<p></p>") == 1
    assert shown_bounds(b"", True) == (1, 1)


def test_the_charset_constant_decides_the_rewrite():
    meta = b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=%s"></head>'
    assert punctuation_fixed(meta % b"ISO-8859-1") is True
    assert punctuation_fixed(meta % b"US-ASCII") is True
    assert punctuation_fixed(meta % b"iso-8859-1") is False  # PHP's != is case-sensitive
    assert punctuation_fixed(meta % b"UTF-8") is False
    assert punctuation_fixed(b"<html><head><title>x</title></head>") is None


def test_the_total_settles_the_bounds_only_at_their_ends():
    assert settle({1: (82, 96), 2: (661, 661)}, 743) == {1: 82, 2: 661}
    assert settle({1: (2, 4), 2: (3, 5)}, 9) == {1: 4, 2: 5}
    assert settle({1: (2, 4), 2: (3, 3)}, 6) == {2: 3}  # in between: no proof
    assert settle({1: (2, 4), 2: (3, 3)}, 9) == {} and settle({1: (2, 4), 2: (3, 3)}, 4) == {}
    assert settle({1: (2, 4), 2: (3, 3)}, None) == {2: 3}


def edited_sid6(chapter1: bytes | None = None, total: bytes = b"743") -> Page:
    body = fixture_bytes("printable_sid6_all.html").replace(b"Word count:</span> 743", b"Word count:</span> " + total)
    if chapter1 is not None:
        old = chapter_containers(body)[0]
        body = body.replace(old, chapter1, 1)
    return page("printable_sid6_all.html", kind="printable", body=body)


def test_a_total_the_text_does_not_give_leaves_out_what_it_cannot_prove():
    assert printable_word_counts(edited_sid6(total=b"744")) == {2: 661}  # ch 1 is 82 to 96
    assert printable_word_counts(edited_sid6(total=b"700")) == {}


def test_an_empty_chapter_on_a_page():
    assert printable_word_counts(edited_sid6(b"", b"662")) == {1: 1, 2: 661}


def test_a_container_the_raw_scan_cannot_match_is_left_out():
    # an unclosed <div> in the chapter text: lxml and the raw scan end the container elsewhere
    got = printable_word_counts(edited_sid6(b"<p>one</p><div>two", b"663"))
    assert 1 not in got
