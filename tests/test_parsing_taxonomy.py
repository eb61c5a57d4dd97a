"""Parsing the browse pages that describe a site's taxonomy (categories, characters, ratings,
class types and classes), on the saved reference pages (real eFiction 3.5.5;
tests/fixtures/efiction35/INDEX.tsv)."""

from __future__ import annotations

import pytest

from mirror.items import TaxonomyPages
from mirror.parsing.efiction import ParseError
from mirror.parsing.taxonomy import (extract_taxonomy, parse_browse_menu, parse_categories_page, parse_name_list,
                                     parse_rating_gate)
from tests.parsing_helpers import BASE, page


def _rows(entries):
    return [(e.id, e.name) for e in entries]


def test_top_level_categories():
    shown = parse_categories_page(page("browse_categories.html"))
    assert shown.catid is None
    assert [(e.id, e.name, e.story_count, e.position, e.parent_id) for e in shown.children] == [
        (1, "Buffy the Vampire Slayer", 13, 0, None), (4, "Sherlock Holmes", 7, 1, None),
        (5, "Original Fiction", 18, 2, None), (7, "Crossovers", 2, 3, None)]
    assert shown.children[0].description == "Stories set in the Buffyverse."
    assert shown.children[3].description == "When worlds collide."


def test_a_parent_category_lists_its_subcategories():
    shown = parse_categories_page(page("browse_categories_catid1.html"))
    assert shown.catid == 1
    assert [(e.id, e.name, e.story_count, e.parent_id, e.position, e.description) for e in shown.children] == [
        (2, "General Fics", 10, 1, 0, "Buffy stories of every kind."),
        (3, "Angel the Series", 3, 1, 1, "Stories set in Los Angeles and beyond.")]


def test_a_leaf_category_lists_no_subcategories():
    # a story listing page: its stories' category links are not subcategories
    shown = parse_categories_page(page("browse_titles_p1.html", url=BASE + "browse.php?type=categories&catid=2"))
    assert shown.catid == 2 and shown.children == []


def test_characters_list_and_its_pages():
    shown = parse_name_list(page("browse_characters.html"))
    assert _rows(shown.entries)[:3] == [(5, "Angel"), (1, "Buffy Summers"), (6, "Cordelia Chase")]
    assert len(shown.entries) == 10 and shown.entries[-1].name == "Sherlock Holmes"
    assert all(e.kind == "character" and e.category_id is None for e in shown.entries)
    assert [e.position for e in shown.entries] == list(range(10))
    # the alphabet (let=) links are not followed; the offset pages are
    assert shown.page_urls == [BASE + "browse.php?type=characters&offset=10"]
    # seen as page 2: positions go on from the offset, the link back to page 1 is not another page
    second = parse_name_list(page("browse_characters.html", url=BASE + "browse.php?type=characters&offset=10"))
    assert second.entries[0].position == 10 and second.page_urls == []


def test_ratings_list():
    shown = parse_name_list(page("browse_ratings.html"))
    assert _rows(shown.entries) == [(1, "G"), (2, "PG"), (3, "PG-13"), (4, "R"), (5, "NC-17"), (6, "Adult Only")]
    assert shown.page_urls == []


def test_class_type_page_and_menu():
    shown = parse_name_list(page("browse_class_genres.html"))
    assert shown.type_id == 1 and shown.type_title == "Genres"
    assert _rows(shown.entries)[:2] == [(2, "Action"), (8, "Adventure")]
    assert len(shown.entries) == 9 and all(e.kind == "class" and e.parent_id == 1 for e in shown.entries)
    menu = parse_browse_menu(page("browse.html"))
    assert [(e.kind, e.id, e.name) for e in menu] == [("class_type", 1, "Genres"), ("class_type", 2, "Warnings")]


def test_rating_warning_texts_from_gates():
    assert parse_rating_gate(page("viewstory_sid1_warning_gate.html")) == (
        4, "This story is rated R. It contains violence and strong language. Reader discretion is advised.")
    assert parse_rating_gate(page("viewstory_sid14_ageconsent_gate.html")) == (
        5, "I am 18 or older and wish to read stories rated NC-17.")
    assert parse_rating_gate(page("viewstory_sid15_membersonly.html")) is None


def test_extract_taxonomy_record():
    capture = TaxonomyPages(site=BASE, parts=["categories", "characters", "ratings", "classes"], pages=[
        page("browse.html"), page("browse_categories.html"), page("browse_categories_catid1.html"),
        page("browse_characters.html"), page("browse_ratings.html"), page("browse_class_genres.html"),
        page("viewstory_sid1_warning_gate.html")], requests=7,
        failures=[(BASE + "browse.php?type=class&type_id=2", "HTTP 500")])
    info = extract_taxonomy(capture)
    assert info.parts == ["categories", "characters", "ratings"] and info.partial_parts == ["classes"]
    by = {(e.kind, e.id): e for e in info.entries}
    assert by[("category", 2)].parent_id == 1 and by[("category", 1)].parent_id is None
    assert by[("rating", 4)].warning_text.startswith("This story is rated R.")
    assert by[("rating", 5)].warning_text is None  # no gate page seen for it
    assert by[("class_type", 2)].name == "Warnings" and by[("class", 1)].name == "Romance"
    assert any("type_id=2" in w and "HTTP 500" in w for w in info.warnings)


def test_errors_name_the_field_and_url():
    with pytest.raises(ParseError) as err:
        parse_name_list(page("browse_ratings.html", url=BASE + "browse.php?type=class&type_id=x"))
    assert err.value.field == "type_id" and "type_id=x" in err.value.url
    with pytest.raises(ParseError) as err:
        parse_categories_page(page("browse_ratings.html", url=BASE + "browse.php?type=ratings"))
    assert err.value.field == "type"
    broken = page("browse_categories.html", body=b"<html><body>A fatal MySQL error was encountered</body></html>")
    with pytest.raises(ParseError) as err:
        parse_categories_page(broken)
    assert err.value.field == "body" and err.value.url.endswith("type=categories")
