"""Parsing the challenges module's pages and a series' review count, on the saved reference pages
(real eFiction 3.5.5; tests/fixtures/efiction35/INDEX.tsv)."""

from __future__ import annotations

import pytest

from mirror.items import ChallengePages
from mirror.parsing.challenges import (ChallengeUnavailable, extract_challenge, parse_challenge_listing,
                                       parse_challenge_page)
from mirror.parsing.efiction import ParseError
from mirror.parsing.series import parse_series_page
from tests.parsing_helpers import BASE, author, page, tags


def test_challenge_page():
    shown = parse_challenge_page(page("challenges_chalid1.html"), BASE)
    assert shown.challenge_id == 1
    assert shown.title == "Winter Prompt: A Door Left Open"
    assert shown.owner == author(1, "ArchiveKeeper")
    assert shown.summary_html.startswith("Write a story in which a door is left open on a winter night.")
    assert shown.categories == tags((4, "Sherlock Holmes"), (7, "Crossovers"))
    assert shown.characters == tags((7, "Sherlock Holmes"))
    # the responses, in page order; their links are relative to modules/challenges/
    assert shown.story_ids == [7, 21]
    assert shown.page_urls == []


def test_extract_challenge_record():
    capture = ChallengePages(site=BASE, challenge_id=1, pages=[page("challenges_chalid1.html")], requests=1,
                             listed_count=2)
    info = extract_challenge(capture)
    assert (info.url, info.story_ids, info.listed_count, info.complete) == (
        BASE + "modules/challenges/challenges.php?chalid=1", [7, 21], 2, True)


def test_challenge_module_without_a_challenge_is_unavailable():
    # the module shows an empty page for a chalid it does not have (as without chalid)
    empty = page("challenges_module.html", url=BASE + "modules/challenges/challenges.php?chalid=99")
    with pytest.raises(ChallengeUnavailable, match="no such challenge 99"):
        parse_challenge_page(empty, BASE)
    with pytest.raises(ParseError, match="chalid"):
        parse_challenge_page(page("challenges_module.html"), BASE)


def test_challenges_listing():
    listing = parse_challenge_listing(page("browse_challenges.html"))
    assert listing.challenge_ids == [2, 1]  # newest first, as the module lists them
    assert listing.response_counts == {2: 2, 1: 2}
    assert listing.page_urls == []


def test_series_page_review_count():
    assert parse_series_page(page("viewseries_1.html"), BASE).review_count == 9
    assert parse_series_page(page("viewseries_4_subseries.html"), BASE).review_count == 3
