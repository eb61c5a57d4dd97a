"""The series page parsers, on real pages saved from an eFiction 3.5.5 install.

Expected values were read from the saved HTML (tests/fixtures/efiction35/viewseries_*.html,
browse_series.html; ``deftpl_`` = the stock default templates), not copied from the output.
"""

from __future__ import annotations

import pytest

from mirror.items import Page, SeriesEntry, SeriesPages
from mirror.parsing.efiction import ParseError, StoryUnavailable
from mirror.parsing.series import (SeriesUnavailable, extract_series, parse_series_listing,
                                   parse_series_page)
from tests.parsing_helpers import BASE, author, fixture_bytes, page, raw_page, tags


def series_page(name: str, url: str | None = None):
    return parse_series_page(page(name, kind="series", url=url), BASE)


@pytest.mark.parametrize("name", ["viewseries_1.html", "deftpl_viewseries_1.html"])
def test_series_header_and_stories_in_order(name):
    got = series_page(name)
    assert got.series_id == 1
    assert got.title == "Sunnydale Nights"
    assert got.owner == author(2, "DreamsofSpike")
    assert got.summary_html.startswith("Three stories about Spike, Buffy and Dawn after the Hellmouth")
    assert got.categories == tags((2, "General Fics"))
    assert got.characters == tags((1, "Buffy Summers"), (2, "Spike"), (12, "Dawn Summers"))
    assert got.classes == {"Genres": tags((1, "Romance"), (2, "Action"), (3, "Angst"), (5, "Drama"), (9, "Fluff")),
                           "Warnings": []}
    assert got.series_type == "closed"
    assert got.parent_series_id is None
    assert got.story_count == 3
    # the prequel, Belonging (a rating-gated javascript: link), the sequel: the site's order, not by id
    assert got.entries == [SeriesEntry(story_id=2), SeriesEntry(story_id=1), SeriesEntry(story_id=3)]
    assert got.page_urls == [] and got.warnings == []


def test_sub_series_is_an_item_in_its_place():
    got = series_page("viewseries_4_subseries.html")
    assert (got.series_id, got.title, got.owner) == (4, "Tales from the Hollow", author(4, "ErinTheGrey"))
    assert got.categories == tags((5, "Original Fiction"), (6, "Poetry"))
    # the empty series block eFiction prints first is no item; the "Parent Series:" link inside the
    # sub-series block and the stories' "Series:" links are metadata, not items
    assert got.entries == [SeriesEntry(series_id=3), SeriesEntry(story_id=27), SeriesEntry(story_id=28)]
    assert got.parent_series_id is None and got.series_type == "closed" and got.story_count == 5


def test_missing_series_is_unavailable_not_garbage():
    with pytest.raises(SeriesUnavailable) as caught:
        series_page("viewseries_99999.html")
    assert isinstance(caught.value, StoryUnavailable) and caught.value.reason == "missing"
    assert "99999" in str(caught.value)


def test_parent_series_line_and_pagination():
    body = fixture_bytes("viewseries_1.html").replace(
        b'<span class="label">Parent Series:</span> None',
        b'<span class="label">Parent Series:</span> <a href=\'viewseries.php?seriesid=4\'>Tales</a>').replace(
        b'<div id="skinnybottom">',
        b"<div id=\"pagelinks\"><a href='viewseries.php?seriesid=1&amp;offset=0'>1</a> "
        b"<a href='viewseries.php?seriesid=1&amp;offset=10'>2</a> "
        b"<a href='viewseries.php?seriesid=1&amp;offset=10' id='plnext'>[Next]</a></div><div id=\"skinnybottom\">")
    got = parse_series_page(raw_page(body, url=BASE + "viewseries.php?seriesid=1&offset=0", kind="series"), BASE)
    assert got.parent_series_id == 4
    assert got.page_urls == [BASE + "viewseries.php?seriesid=1&offset=0", BASE + "viewseries.php?seriesid=1&offset=10"]
    assert len(got.entries) == 3


def test_extract_series_joins_pages_in_offset_order():
    first = page("viewseries_1.html", kind="series", url=BASE + "viewseries.php?seriesid=1&offset=0")
    second = page("viewseries_1.html", kind="series", url=BASE + "viewseries.php?seriesid=1&offset=10",
                  body=fixture_bytes("viewseries_1.html").replace(b"sid=2", b"sid=42").replace(b"sid=1&", b"sid=41&")
                  .replace(b"sid=1\"", b"sid=41\"").replace(b"sid=3", b"sid=43"))
    info = extract_series(SeriesPages(site=BASE, series_id=1, pages=[second, first], requests=2))
    assert [e.story_id for e in info.entries] == [2, 1, 3, 42, 41, 43]
    assert info.story_positions()[42] == 4 and info.entries_complete and info.requests == 2
    assert info.url == BASE + "viewseries.php?seriesid=1"


def test_story_positions_count_stories_only():
    got = series_page("viewseries_4_subseries.html")
    info = extract_series(SeriesPages(site=BASE, series_id=4, pages=[page("viewseries_4_subseries.html", kind="series")]))
    assert info.entries == got.entries
    assert info.story_positions() == {27: 1, 28: 2}  # the sub-series is item 1 but no story number


def test_a_failed_page_keeps_the_order_unknown():
    info = extract_series(SeriesPages(site=BASE, series_id=1, pages=[page("viewseries_1.html", kind="series")],
                                      failures=[(BASE + "viewseries.php?seriesid=1&offset=10", "HTTP 500")]))
    assert not info.entries_complete and any("HTTP 500" in w for w in info.warnings)


def test_errors_name_the_field_and_url():
    with pytest.raises(ParseError) as caught:
        parse_series_page(Page(BASE + "viewstory.php?sid=1", 200, {}, fixture_bytes("viewseries_1.html"), "series"), BASE)
    assert caught.value.field == "seriesid" and "viewstory.php?sid=1" in str(caught.value)
    fatal = raw_page(b"<html><body>A fatal MySQL error was encountered</body></html>",
                     url=BASE + "viewseries.php?seriesid=2", kind="series")
    with pytest.raises(SeriesUnavailable) as caught:
        parse_series_page(fatal, BASE)
    assert caught.value.reason == "fatal"


def test_series_listing_takes_title_links_not_parent_links():
    listing = parse_series_listing(page("browse_series.html", kind="listing"))
    # series 4 appears twice on the page: its own title, and series 3's "Parent Series:" line
    assert listing.series_ids == [2, 3, 1, 4]
    assert listing.page_urls == []
