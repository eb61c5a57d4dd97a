"""End to end: challenges and series reviews crawled from the sample archive, checked against its
ground truth; a re-sync reads a challenge again only when a new or changed story names it."""

from __future__ import annotations

import json
import sys

import pytest

from mirror.sample import SampleArchive
from tests.test_crawl_sample import mirrored_copy, crawl, last_run, run


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory, backend):
    yield from mirrored_copy(tmp_path_factory, "challenges", backend)


def responses(archive, chalid):
    """What challenges.php shows: the listed stories answering the challenge, in listing order."""
    return [s.sid for s in archive.listed_stories() if chalid in s.challenges]


def test_challenges_match_the_archive(mirrored):
    site, archive, store, _, log = mirrored
    stored = {c.challenge_id: c for c in store.iter_challenges(site.base_url)}
    assert set(stored) == set(archive.challenges) and stored
    for chalid, truth in archive.challenges.items():
        got = stored[chalid]
        assert got.title == truth.title and got.summary_html == truth.summary
        assert (got.owner.id, got.owner.name) == (truth.uid, archive.author(truth.uid).penname)
        assert [t.id for t in got.categories] == list(truth.catids)
        assert [t.id for t in got.characters] == list(truth.charids)
        assert got.story_ids == responses(archive, chalid) and got.complete
    paths = [r.path_qs for r in log if "challenges" in r.path_qs]
    assert sorted(paths) == sorted(["/efiction/browse.php?type=challenges&offset=0"] + [
        f"/efiction/modules/challenges/challenges.php?chalid={c}" for c in archive.challenges])
    stats = last_run(store)["stats"]
    assert stats["mirror/requests/challenges"] == len(archive.challenges)
    assert stats.get("mirror/challenges/dropped", 0) == 0


def test_series_reviews_match_the_archive(mirrored):
    site, archive, store, _, log = mirrored
    stored = {}
    for review in store.iter_reviews(site.base_url, "SE"):
        stored.setdefault(review.item_id, set()).add(review.review_id)
    truth = {sid: {r.reviewid for r in archive.reviews_of("SE", sid)} for sid in archive.series}
    assert stored == {sid: ids for sid, ids in truth.items() if ids} and stored
    # only series whose page shows reviews have their review pages read
    paths = [r.path_qs for r in log if "type=SE" in r.path_qs]
    assert {p.split("item=")[1].split("&")[0] for p in paths} == {str(s) for s, ids in truth.items() if ids}


def test_export_challenges(mirrored):
    site, archive, _, db, _ = mirrored
    result = run(sys.executable, "-m", "mirror", "export", "jsonl", "--db", db, "--kind", "challenges")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["challenge_id"] for r in records] == sorted(archive.challenges)
    assert records[0]["story_ids"] == responses(archive, records[0]["challenge_id"])
    assert list(records[0]) == ["site", "challenge_id", "url", "title", "owner", "summary_html", "categories",
                                "characters", "story_ids", "response_count"]


def test_resync_reads_challenges_only_of_changed_stories(mirrored):
    site, archive, store, db, _ = mirrored
    site.clear_requests()
    crawl(site.base_url, db)  # an unchanged archive: no challenge page, no challenges listing
    assert not [r.path_qs for r in site.request_log() if "challenges" in r.path_qs]
    before = {c.challenge_id: c.story_ids for c in store.iter_challenges(site.base_url)}
    # the newest story now answers challenge 2 as well (its listing summary changes too)
    newest = max(archive.listed_stories(), key=lambda s: (s.updated_at, s.sid))
    chalid = next(c for c in archive.challenges if c not in newest.challenges)
    archive.edit_story(newest.sid, challenges=(*newest.challenges, chalid), summary="A new summary.")
    site.clear_requests()
    crawl(site.base_url, db)
    paths = [r.path_qs for r in site.request_log() if "challenges" in r.path_qs]
    assert sorted(paths) == sorted(f"/efiction/modules/challenges/challenges.php?chalid={c}"
                                   for c in {chalid, *archive.story(newest.sid).challenges})
    after = {c.challenge_id: c.story_ids for c in store.iter_challenges(site.base_url)}
    assert newest.sid not in before[chalid]
    assert newest.sid in after[chalid] and after[chalid] == responses(archive, chalid)
    assert len(store.challenge_versions(site.base_url, chalid)) == 2  # the old version kept


def test_switch_turns_challenges_off(tmp_path):
    with SampleArchive() as site:
        crawl(site.base_url, f"sqlite:///{tmp_path / 'off.sqlite'}", "-s", "MIRROR_CHALLENGES=0")
        paths = [r.path_qs for r in site.request_log()]
    assert not [p for p in paths if "challenges" in p]
