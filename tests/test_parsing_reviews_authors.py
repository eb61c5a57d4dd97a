"""Review pages and author profiles, parsed from saved eFiction 3.5.5 pages (both skins)."""

from __future__ import annotations

import datetime as dt

import pytest

from mirror.items import AuthorPages, Page, ReviewPages
from mirror.parsing.authors import AuthorUnavailable, extract_author, parse_author_page, parse_author_series_page
from mirror.parsing.efiction import ParseError
from mirror.parsing.reviews import extract_reviews, parse_review_time, parse_reviews_page
from tests.parsing_helpers import BASE, fixture_bytes, page


@pytest.mark.parametrize("name", ["reviews_ST_item1.html", "deftpl_reviews_ST_item1.html"])
def test_story_reviews_both_skins(name):
    shown = parse_reviews_page(page(name), BASE)
    assert (shown.item_type, shown.item_id, shown.item_title) == ("ST", 1, "Belonging")
    assert [r.review_id for r in shown.reviews] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert shown.page_urls == []
    first = shown.reviews[0]
    assert (first.reviewer_uid, first.reviewer_name, first.signed, first.score) == (8, "Cassie_M", True, 9)
    assert first.date_display == "17/07/06 - 06:34 am"
    assert first.posted == dt.datetime(2006, 7, 17, 6, 34)
    assert first.chapter_title == "Snowbound"
    assert first.text_html == "<p>The pacing in this chapter was perfect.</p>"
    assert first.response_html == "" and not first.rating_only


def test_anonymous_unrated_and_responses():
    reviews = {r.review_id: r for r in parse_reviews_page(page("reviews_ST_item1.html"), BASE).reviews}
    lea = reviews[5]
    assert (lea.reviewer_uid, lea.reviewer_name, lea.signed, lea.score) == (None, "Léa from Québec", False, 10)
    assert lea.text_html == "<p>The description of the snow was beautiful.</p>"
    assert lea.response_html == "Merci, Léa!"
    assert reviews[4].score is None and reviews[4].reviewer_name == "Anonymous Fan"  # no stars: no rating
    assert reviews[6].score == 7  # 3 stars and a half
    assert reviews[1].response_html == "Thank you so much! Hope the bus ride was okay."
    assert reviews[1].posted == dt.datetime(2006, 3, 28, 10, 13)
    assert reviews[2].posted == dt.datetime(2006, 3, 15, 1, 44)


def test_pagination_and_chapters_resolved():
    pages = [page("reviews_ST_item4_offset10.html"), page("reviews_ST_item4_p1.html")]
    first = parse_reviews_page(pages[1], BASE)
    assert first.page_urls == [BASE + "reviews.php?type=ST&item=4&offset=0",
                               BASE + "reviews.php?type=ST&item=4&offset=10"]
    assert first.chapters["Paper Boats"] == [(26, 46)]
    got = extract_reviews(ReviewPages(site=BASE, item_type="ST", item_id=4, pages=pages, requests=2))
    assert len(got.reviews) == 19 and got.complete
    assert [r.review_id for r in got.reviews][:3] == [36, 35, 34] and got.reviews[-1].review_id == 9
    by_id = {r.review_id: r for r in got.reviews}
    assert (by_id[36].chapter_number, by_id[36].chapter_id) == (26, 46)
    assert (by_id[9].chapter_number, by_id[9].chapter_id) == (1, 21)  # page 2 uses page 1's chapter menu
    assert by_id[33].score is None and by_id[33].signed and by_id[33].reviewer_uid == 2
    assert by_id[14].response_html == "Thanks for reading all thirty-two nights!"


def test_the_pages_the_spider_parsed_are_not_parsed_again():
    """The spider parses review and profile pages for their links (parse_and_keep, with its base
    URL, date format and encoding); the extraction takes those parses and lets them go."""
    from mirror.parsing.efiction import parse_and_keep

    fresh = extract_reviews(ReviewPages(site=BASE, item_type="ST", item_id=4, requests=2, pages=[
        page("reviews_ST_item4_p1.html"), page("reviews_ST_item4_offset10.html")]))
    pages = [page("reviews_ST_item4_p1.html"), page("reviews_ST_item4_offset10.html")]
    kept = [parse_and_keep(parse_reviews_page, p, BASE, "d/m/y", None) for p in pages]
    got = extract_reviews(ReviewPages(site=BASE, item_type="ST", item_id=4, pages=pages, requests=2))
    assert all(p.parsed == {} for p in pages)  # taken
    assert got == fresh and got.reviews[0] is kept[0].reviews[0]
    profile, panel = page("viewuser_uid2.html"), page("viewuser_uid2_seriesby.html")
    parse_and_keep(parse_author_page, profile, BASE, "d/m/y", None)
    parse_and_keep(parse_author_series_page, panel, BASE, "d/m/y", None)
    extract_author(AuthorPages(site=BASE, author_id=2, requests=2, pages=[profile, panel]))
    assert profile.parsed == {} and panel.parsed == {}


def test_one_chapter_page_and_single_review():
    chapter = parse_reviews_page(page("reviews_ST_item1_chapid1.html"), BASE)
    assert [r.review_id for r in chapter.reviews] == [2, 1]
    single = parse_reviews_page(page("reviews_reviewid1.html"), BASE)
    assert (single.item_type, single.item_id, [r.review_id for r in single.reviews]) == ("ST", 1, [1])


def test_series_reviews_keep_only_the_series_own():
    shown = parse_reviews_page(page("reviews_SE_item1.html"), BASE)
    assert (shown.item_type, shown.item_id, shown.item_title) == ("SE", 1, "Sunnydale Nights")
    assert [r.review_id for r in shown.reviews] == [23]
    assert shown.other_items == 8  # its stories' reviews: read from the stories' own pages
    assert shown.reviews[0].text_html == "<p>The whole series works beautifully together.</p>"


def test_rating_only_review_when_a_site_shows_it():
    # eFiction 3.5 hides "No Review" rows; a site that shows one: kept as a rating without text
    body = fixture_bytes("reviews_ST_item1_chapid1.html").replace(
        b"<p>This is my favourite story on the archive.</p>", b"No Review")
    shown = parse_reviews_page(page("reviews_ST_item1_chapid1.html", body=body), BASE)
    rating = shown.reviews[0]
    assert rating.rating_only and rating.text_html == "" and rating.score == 9


def test_review_errors_name_field_and_url():
    body = fixture_bytes("reviews_ST_item1_chapid1.html").replace(b"reviews.php?reviewid=2", b"x.php")
    with pytest.raises(ParseError) as info:
        parse_reviews_page(page("reviews_ST_item1_chapid1.html", body=body), BASE)
    assert info.value.field == "review_id" and "reviews.php?type=ST&item=1&chapid=1" in str(info.value)
    with pytest.raises(ParseError, match="item"):
        parse_reviews_page(Page(url=BASE + "reviews.php?type=XX&item=1", status=200, headers={},
                                body=b"<html><body>x</body></html>", kind="reviews"), BASE)


def test_review_time_formats():
    assert parse_review_time("17/07/06 - 12:05 am", "d/m/y") == (dt.date(2006, 7, 17), dt.time(0, 5))
    assert parse_review_time("17/07/06 - 12:05 pm", "d/m/y") == (dt.date(2006, 7, 17), dt.time(12, 5))
    assert parse_review_time("2006-07-17 18:05", "Y-m-d") == (dt.date(2006, 7, 17), dt.time(18, 5))
    assert parse_review_time("17/07/06", "d/m/y") == (dt.date(2006, 7, 17), None)


@pytest.mark.parametrize("name", ["viewuser_uid2.html", "deftpl_viewuser_uid2.html"])
def test_author_profile_both_skins(name):
    profile = parse_author_page(page(name), BASE)
    assert (profile.author_id, profile.pen_name, profile.real_name) == (2, "DreamsofSpike", "")
    assert profile.member_since == dt.date(2004, 3, 11) and profile.member_since_display == "11/03/04"
    assert profile.status == "Member"
    assert profile.bio_html == "Writing since the late nineties. Mostly Spuffy, occasionally angst with a happy ending."
    assert profile.story_ids == [2, 1, 20, 36, 3]
    assert (profile.story_count, profile.series_count, profile.review_count) == (5, 1, 2)


def test_author_non_ascii_reader_and_missing():
    zoe = parse_author_page(page("viewuser_uid6_nonascii.html"), BASE)
    assert (zoe.pen_name, zoe.real_name, zoe.story_count) == ("Zoë Marchetti", "Zoë M.", 3)
    reader = parse_author_page(page("viewuser_uid11_reader.html"), BASE)
    assert (reader.pen_name, reader.story_ids, reader.story_count, reader.review_count) == ("bookish_reader", [], 0, 9)
    assert reader.bio_html == ""
    with pytest.raises(AuthorUnavailable):
        parse_author_page(page("viewuser_uid99999.html"), BASE)
    with pytest.raises(ParseError, match="pages"):
        extract_author(AuthorPages(site=BASE, author_id=3))


def test_author_custom_fields():
    body = fixture_bytes("viewuser_uid2.html").replace(
        b"<span class=\"label\">Bio:</span>",
        b"<span class=\"label\">Website:</span> <a href=\"http://example.org/\">example.org</a><br />\n\t"
        b"<span class=\"label\">Bio:</span>")
    profile = parse_author_page(page("viewuser_uid2.html", body=body), BASE)
    assert profile.fields == {"Website": '<a href="http://example.org/">example.org</a>'}
    assert profile.bio_html.startswith("Writing since")


def test_author_series_panel():
    """The "Series by" panel (viewuser.php?action=seriesby&uid=N): the member's series, with the
    profile read from the profile page and the series from the panel."""
    panel = page("viewuser_uid2_seriesby.html")
    shown = parse_author_series_page(panel, BASE)
    assert (shown.author_id, shown.offset, shown.page_urls) == (2, 0, [])
    assert [(s.id, s.title, s.url) for s in shown.series] == [(1, "Sunnydale Nights", BASE + "viewseries.php?seriesid=1")]
    profile = extract_author(AuthorPages(site=BASE, author_id=2, requests=2,
                                         pages=[page("viewuser_uid2.html"), panel]))
    assert profile.story_ids == [2, 1, 20, 36, 3] and profile.series_count == 1
    assert [s.id for s in profile.series] == [1] and not profile.warnings and profile.requests == 2
    # the panel alone is not a profile; a profile page is not a panel
    with pytest.raises(ParseError, match="pages"):
        extract_author(AuthorPages(site=BASE, author_id=2, pages=[panel]))
    with pytest.raises(ParseError, match="seriesby"):
        parse_author_series_page(page("viewuser_uid2.html"), BASE)
    # a later page of the panel is followed; a page without the profile block is named
    body = fixture_bytes("viewuser_uid2_seriesby.html").replace(
        b"<div id=\"skinnybottom\">",
        b"<div id=\"pagelinks\"><a href=\"viewuser.php?action=seriesby&amp;uid=2&amp;offset=10\">2</a></div>"
        b"<div id=\"skinnybottom\">")
    assert parse_author_series_page(page("viewuser_uid2_seriesby.html", body=body), BASE).page_urls == [
        BASE + "viewuser.php?action=seriesby&uid=2&offset=10"]
    broken = fixture_bytes("viewuser_uid2_seriesby.html").replace(b"id=\"bio\"", b"id=\"other\"")
    with pytest.raises(ParseError, match="seriesby.*bio"):
        parse_author_series_page(page("viewuser_uid2_seriesby.html", body=broken), BASE)
