"""End to end: reviews and author profiles crawled from the sample archive, checked against its
ground truth; a re-sync fetches review pages only where the listed review count changed."""

from __future__ import annotations

import pytest

from mirror.sample import SampleArchive
from mirror.sample.render import fmt_date
from tests.test_crawl_sample import mirrored_copy, canon, crawl, last_run


def shown_reviews(archive, sid):
    """What reviews.php shows of a story (eFiction 3.5 hides rating-only reviews)."""
    return archive.reviews_of("ST", sid)


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory, backend):
    yield from mirrored_copy(tmp_path_factory, "reviews", backend)


def test_reviews_match_the_archive(mirrored):
    site, archive, store, _, _ = mirrored
    stored = {r.review_id: r for r in store.iter_reviews(site.base_url, "ST")}  # series': test_crawl_challenges
    listed = {s.sid for s in archive.listed_stories()}
    truth = {r.reviewid: r for sid in listed for r in shown_reviews(archive, sid)}
    assert set(stored) == set(truth) and len(truth) > 40
    for reviewid, want in truth.items():
        got, where = stored[reviewid], f"review {reviewid}"
        chapter = archive.chapter(want.chapid)
        assert (got.item_type, got.item_id) == ("ST", want.item), where
        assert (got.chapter_number, got.chapter_id, got.chapter_title) == (chapter.inorder, chapter.chapid,
                                                                            chapter.title), where
        assert got.reviewer_name == want.reviewer, where
        assert got.reviewer_uid == (want.uid or None) and got.signed == bool(want.uid), where
        assert got.score == (want.rating if want.rating > 0 else None), where
        assert got.posted.replace(tzinfo=None) == want.date, where
        assert got.date_display.startswith(fmt_date(want.date, archive.site.dateformat)), where
        assert canon(got.text_html) == canon(want.review), where
        assert got.response_html == want.respond and not got.rating_only, where
    # the variety the sample promises: guests, unrated, responses, hidden rating-only ones
    assert any(not r.signed for r in stored.values()) and any(r.score is None for r in stored.values())
    assert any(r.response_html for r in stored.values())
    assert any(r.rating_only for r in archive.all_reviews().values())
    # a story's reviews over several pages (itemsperpage), each page once
    counts = {sid: len(shown_reviews(archive, sid)) for sid in listed}
    assert max(counts.values()) > archive.site.items_per_page


def test_review_requests(mirrored):
    site, archive, store, _, log = mirrored
    paths = [r.path_qs for r in log if "reviews.php" in r.path_qs and "type=SE" not in r.path_qs]
    assert len(paths) == len(set(paths))
    listed = {s.sid: s for s in archive.listed_stories()}
    ipp = archive.site.items_per_page
    expected = sum(-(-len(shown_reviews(archive, sid)) // ipp) for sid, s in listed.items() if s.review_count)
    assert len(paths) == expected
    assert not [p for p in paths if "action=" in p or "chapid=" in p]
    stats = last_run(store)["stats"]
    series_pages = [r.path_qs for r in log if "reviews.php?type=SE" in r.path_qs]  # series' reviews
    assert stats["mirror/requests/reviews"] == expected + len(series_pages)
    assert stats.get("mirror/reviews/dropped", 0) == 0
    # the story accounting is that of the story pages alone
    assert stats["mirror/requests/story"] / stats["mirror/stories/stored"] <= 2.0


def test_author_profiles_match_the_archive(mirrored):
    site, archive, store, _, log = mirrored
    authors = {a.author_id: a for a in store.iter_authors(site.base_url)}
    # the stories' authors and a round robin's chapter authors (whom only its index links)
    wanted = {uid for s in archive.listed_stories() for uid in s.author_uids}
    wanted |= {c.uid for s in archive.public_stories() for c in s.chapters}
    assert wanted <= set(authors)
    for uid in wanted:
        truth, got = archive.author(uid), authors[uid]
        assert got.pen_name == truth.penname
        assert got.real_name == truth.realname
        assert got.member_since == truth.member_since
        assert got.status == ("Administrator" if truth.is_admin else "Member")
        assert canon(got.bio_html) == canon(truth.bio)
        assert got.story_count == len(archive.stories_by(uid))
        assert got.series_count == len([s for s in archive.series.values() if s.uid == uid])
        assert set(got.story_ids) == {s.sid for s in archive.listed_stories() if uid in s.author_uids}
        # the "Series by" panel: the series they own, read once, only where the tab counts any
        owned = sorted(s.seriesid for s in archive.series.values() if s.uid == uid)
        assert [s.id for s in got.series] == owned, uid
        assert [s.title for s in got.series] == [archive.series[n].title for n in owned]
    profile_paths = [r.path_qs for r in log if "viewuser.php" in r.path_qs and "action=" not in r.path_qs]
    assert len(profile_paths) == len(set(profile_paths)) == len(wanted)
    panels = [r.path_qs for r in log if "viewuser.php?action=seriesby" in r.path_qs]
    owners = {s.uid for s in archive.series.values()} & wanted
    assert sorted(panels) == sorted(f"/efiction/viewuser.php?action=seriesby&uid={uid}" for uid in owners)
    assert len(owners) >= 2
    assert not [r.path_qs for r in log if "viewuser.php?action=" in r.path_qs and "seriesby" not in r.path_qs]


def test_resync_fetches_reviews_only_where_the_count_changed(mirrored):
    site, archive, store, db, _ = mirrored
    site.clear_requests()
    crawl(site.base_url, db)  # a re-sync of an unchanged archive
    assert not [r.path_qs for r in site.request_log() if "reviews.php" in r.path_qs or "viewuser.php" in r.path_qs]
    # a new review on the most recently updated story: its count changes on the first listing page
    newest = max(archive.listed_stories(), key=lambda s: (s.updated_at, s.sid))
    review = archive.add_review(newest.sid, 1)
    site.clear_requests()
    crawl(site.base_url, db)
    paths = [r.path_qs for r in site.request_log()]
    assert [p for p in paths if "reviews.php" in p] == [f"/efiction/reviews.php?type=ST&item={newest.sid}"] + [
        f"/efiction/reviews.php?type=ST&item={newest.sid}&offset={k * archive.site.items_per_page}"
        for k in range(1, -(-len(shown_reviews(archive, newest.sid)) // archive.site.items_per_page))]
    assert not [p for p in paths if "viewstory.php" in p or "viewuser.php" in p]  # the story did not change
    stored = {r.review_id: r for r in store.iter_reviews(site.base_url)}
    assert review.reviewid in stored and stored[review.reviewid].item_id == newest.sid
    stats = last_run(store)["stats"]
    assert stats["mirror/reviews/new"] == 1


def test_switches_turn_reviews_and_profiles_off(tmp_path):
    with SampleArchive() as site:
        crawl(site.base_url, f"sqlite:///{tmp_path / 'off.sqlite'}", "-s", "MIRROR_REVIEWS=0", "-s", "MIRROR_AUTHORS=0")
        paths = [r.path_qs for r in site.request_log()]
    assert not [p for p in paths if "reviews.php" in p or "viewuser.php" in p]
