"""Reviews and author profiles in the store (SQLite, and PostgreSQL when configured) and exports."""

from __future__ import annotations

import dataclasses
import io
import json

from mirror.export.html import write_html_site
from mirror.export.jsonl import story_reviews, write_jsonl, write_records
from mirror.items import AuthorPages, ReviewPages
from mirror.parsing.authors import extract_author
from mirror.parsing.reviews import extract_reviews
from mirror.storage import Store
from tests.parsing_helpers import BASE, page
from tests.storage_fixtures import db_url, store  # noqa: F401  (fixtures)
from tests.test_export_jsonl import A, sample_stories


def story4_reviews():
    return extract_reviews(ReviewPages(site=BASE, item_type="ST", item_id=4, requests=2, pages=[
        page("reviews_ST_item4_p1.html"), page("reviews_ST_item4_offset10.html")]))


def test_reviews_versions_and_removal(store: Store) -> None:
    reviews = story4_reviews()
    assert store.upsert_reviews(reviews) == {"new": 19, "changed": 0, "unchanged": 0, "removed": 0}
    [first] = store.review_versions(BASE, 9)
    assert store.upsert_reviews(story4_reviews()) == {"new": 0, "changed": 0, "unchanged": 19, "removed": 0}
    [seen_again] = store.review_versions(BASE, 9)
    assert seen_again["first_seen"] == first["first_seen"] and seen_again["last_seen"] > first["last_seen"]

    def answered():
        again = story4_reviews()
        again.reviews[0].response_html = "Thank you!"  # the author answered review 36
        del again.reviews[1]  # review 35 was deleted
        return again

    assert store.upsert_reviews(answered()) == {"new": 0, "changed": 1, "unchanged": 17, "removed": 1}
    versions = store.review_versions(BASE, 36)
    assert [v["response_html"] for v in versions] == ["", "Thank you!"]  # the old version is kept
    store.upsert_reviews(answered())  # unchanged: only the current version is seen again
    old, current = store.review_versions(BASE, 36)
    assert old["last_seen"] == versions[0]["last_seen"] and current["last_seen"] > versions[1]["last_seen"]
    assert store.review_counts(BASE) == {4: 18}
    kept = {r.review_id: r for r in store.iter_reviews(BASE, include_removed=True)}
    assert 35 in kept and 35 not in {r.review_id for r in store.iter_reviews(BASE)}
    # an incomplete read (a page failed) marks nothing gone
    partial = story4_reviews()
    partial.reviews = partial.reviews[:3]
    partial.complete = False
    assert store.upsert_reviews(partial)["removed"] == 0
    got = next(r for r in store.iter_reviews(BASE) if r.review_id == 36)
    assert (got.chapter_number, got.chapter_id, got.score, got.signed) == (26, 46, 10, False)
    assert got.posted.year == 2011 and got.posted.tzinfo is None  # the site's own time, as shown


def test_author_profiles_and_iteration(store: Store) -> None:
    profile = extract_author(AuthorPages(site=BASE, author_id=2, pages=[page("viewuser_uid2.html")], requests=1))
    assert store.upsert_author_profile(profile) == "new"
    assert store.upsert_author_profile(dataclasses.replace(profile)) == "unchanged"
    assert store.upsert_author_profile(dataclasses.replace(profile, bio_html="New bio.")) == "changed"
    reader = extract_author(AuthorPages(site=BASE, author_id=11, pages=[page("viewuser_uid11_reader.html")]))
    store.upsert_author_profile(reader)
    authors = {a.author_id: a for a in store.iter_authors(BASE)}
    assert authors[2].bio_html == "New bio." and authors[2].member_since.year == 2004
    assert authors[11].review_count == 9
    assert store.profiled_authors(BASE) == ({2, 11}, set())


def test_author_series_panel_is_stored_as_ownership(store: Store) -> None:
    """The "Series by" panel's series: stored (a series row, if the series page was not read)
    and owned by the member; iter_authors lists them; the profile's content is unchanged by it."""
    plain = extract_author(AuthorPages(site=BASE, author_id=2, pages=[page("viewuser_uid2.html")]))
    assert store.upsert_author_profile(plain) == "new" and not next(store.iter_authors(BASE)).series
    both = extract_author(AuthorPages(site=BASE, author_id=2, pages=[
        page("viewuser_uid2.html"), page("viewuser_uid2_seriesby.html")]))
    assert store.upsert_author_profile(both) == "unchanged"
    got = {a.author_id: a for a in store.iter_authors(BASE)}[2]
    assert [(s.id, s.title, s.url) for s in got.series] == [(1, "Sunnydale Nights", BASE + "viewseries.php?seriesid=1")]
    assert [(s.series_id, s.owner.id if s.owner else None) for s in store.iter_series(BASE)] == [(1, 2)]


def test_exports_show_reviews_and_profiles(store: Store, tmp_path) -> None:
    for story in sample_stories():
        store.upsert_story(story)
    reviews = story4_reviews()
    site = A
    for review in reviews.reviews:  # the reference reviews, moved onto story 3 of the sample stories
        review.site, review.item_id = site, 3
    reviews.site, reviews.item_id = site, 3
    reviews.reviews[0].text_html = '<p onclick="x()">Nice<script>alert(1)</script></p>'
    store.upsert_reviews(reviews)
    profile = extract_author(AuthorPages(site=site, author_id=7, pages=[
        page("viewuser_uid2.html", url=site + "viewuser.php?uid=7"),
        page("viewuser_uid2_seriesby.html", url=site + "viewuser.php?action=seriesby&uid=7")]))
    store.upsert_author_profile(profile)
    out = io.StringIO()
    write_jsonl(store, out)
    records = {(r["site"], r["story_id"]): r for r in map(json.loads, out.getvalue().splitlines())}
    mine = records[(site, 3)]["reviews"]
    assert [r["review_id"] for r in mine][:2] == [36, 35] and len(mine) == 19
    out = io.StringIO()
    assert write_records(store, "reviews", out) == 19
    assert json.loads(out.getvalue().splitlines()[0])["item_type"] == "ST"
    out = io.StringIO()
    write_records(store, "authors", out)
    assert any(json.loads(line)["pen_name"] == "DreamsofSpike" for line in out.getvalue().splitlines())
    write_html_site(store.iter_stories(), tmp_path / "site", reviews=story_reviews(store),
                    authors=list(store.iter_authors()))
    story_dir = next(p for p in (tmp_path / "site" / "stories").iterdir() if p.name.startswith("1-000003-"))
    chapter = (story_dir / "chapter-001.html").read_text(encoding="utf-8")
    index = (story_dir / "index.html").read_text(encoding="utf-8")
    html = chapter + index
    assert 'class="reviews"' in html and "Thanks for reading all thirty-two nights!" in html
    assert "<script" not in html and "onclick" not in html
    authors = (tmp_path / "site" / "authors.html").read_text(encoding="utf-8")
    assert "Writing since the late nineties." in authors and "Member since: 11/03/04" in authors
    # the author's own page, linked from authors.html and the story pages: profile, stories, series
    assert '<a href="authors/1-7.html">' in authors and 'href="../../authors/1-7.html"' in index
    own = (tmp_path / "site" / "authors" / "1-7.html").read_text(encoding="utf-8")
    assert "Writing since the late nineties." in own
    assert "Member since: 11/03/04" in own and 'href="../stories/1-000003-' in own
    assert "<h2>Series</h2>" in own and "<li>Sunnydale Nights</li>" in own  # no stories of it here
    out = io.StringIO()
    write_records(store, "authors", out)
    zoe = next(r for r in map(json.loads, out.getvalue().splitlines()) if r["author_id"] == 7)
    assert zoe["series_ids"] == [1] and zoe["images"] == []
