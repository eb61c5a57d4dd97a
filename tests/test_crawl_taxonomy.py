"""End to end: the taxonomy (category tree, characters, ratings with their warning texts, class
types and classes) crawled from the sample archive's browse pages, checked against its ground
truth; a re-sync reads a part again only when a new or changed story shows something not stored."""

from __future__ import annotations

import json
import sys

import pytest

from mirror.sample import SampleArchive
from mirror.sample.archive import Character
from tests.test_crawl_sample import mirrored_copy, crawl, last_run, run


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory, backend):
    yield from mirrored_copy(tmp_path_factory, "taxonomy", backend)


def _taxonomy_paths(log):
    return [r.path_qs for r in log if "browse.php?type=c" in r.path_qs and "offset" not in r.path_qs
            or r.path_qs.endswith("browse.php") or "type=ratings" in r.path_qs
            or ("viewstory.php" in r.path_qs and "index=" not in r.path_qs and "action=" not in r.path_qs)]


def test_taxonomy_matches_the_archive(mirrored):
    site, archive, store, _, log = mirrored
    stored = store.taxonomy(site.base_url)
    assert stored.parts == ["categories", "characters", "ratings", "classes"]
    by = {}
    for e in stored.entries:
        by.setdefault(e.kind, {})[e.id] = e
    listed = archive.listed_stories()
    assert {i: (e.name, e.parent_id, e.description, e.story_count) for i, e in by["category"].items()} == {
        c.catid: (c.name, None if c.parentcatid == -1 else c.parentcatid, c.description,
                  archive.category_count(c.catid))
        for c in archive.categories.values()}
    # the tree: each category's children, in the site's order (display order, not catid order)
    for parent in (-1, *archive.categories):
        children = sorted((e for e in by["category"].values() if e.parent_id == (None if parent == -1 else parent)),
                          key=lambda e: e.position)
        assert [(e.id, e.position) for e in children] == [
            (c.catid, n) for n, c in enumerate(archive.subcategories(parent))], parent
    # the sample nests: two children shown out of catid order, and a grandchild
    assert [c.catid for c in archive.subcategories(4)] == [7, 6] and [c.catid for c in archive.subcategories(7)] == [8]
    assert archive.categories[8].leveldown == 2
    # a parent's count includes its subcategories' stories
    assert by["category"][4].story_count == archive.category_count(4) > sum(1 for s in listed if 4 in dict(s.categories))
    assert {i: e.name for i, e in by["character"].items()} == {c.charid: c.name for c in archive.characters.values()}
    assert {i: e.name for i, e in by["class_type"].items()} == {t.type_id: t.title for t in archive.class_types.values()}
    assert {i: (e.name, e.parent_id) for i, e in by["class"].items()} == {
        c.classid: (c.name, c.type_id) for c in archive.classes.values()}
    assert {i: e.name for i, e in by["rating"].items()} == {r.rid: r.name for r in archive.ratings.values()}
    for rating in archive.ratings.values():  # the warning texts of gates a listed story shows
        gated = (rating.warning or rating.age_consent) and not rating.members_only \
            and any(s.rid == rating.rid for s in listed)
        assert by["rating"][rating.rid].warning_text == (rating.warningtext if gated else None), rating
    assert sum(1 for e in by["rating"].values() if e.warning_text) >= 2
    stats = last_run(store)["stats"]
    assert stats["mirror/taxonomy/stored"] == 1 and stats.get("mirror/taxonomy/failed", 0) == 0
    # a handful of requests: the menu, the category tree, the lists, one gate per warned rating
    assert stats["mirror/requests/taxonomy"] == (1 + 1 + len(archive.categories) + 1 + 1
                                                 + len(archive.class_types) + 2)


def test_stories_in_child_categories_are_stored_with_them(mirrored):
    site, archive, store, _, _ = mirrored
    stored = {s.story_id: s for s in store.iter_stories(site=site.base_url)}
    nested = [s for s in archive.listed_stories()
              if any(archive.categories[c].parentcatid != -1 for c, _ in s.categories)]
    assert {archive.categories[c].leveldown for s in nested for c, _ in s.categories} == {1, 2}
    for truth in nested:  # the child category itself (its id and name), not its parent
        assert [(t.id, t.name) for t in stored[truth.sid].categories] == list(truth.categories), truth.sid
    catids = {e.id for e in store.taxonomy(site.base_url).entries if e.kind == "category"}
    assert {c for s in nested for c, _ in s.categories} <= catids


def test_export_taxonomy(mirrored):
    site, archive, _, db, _ = mirrored
    result = run(sys.executable, "-m", "mirror", "export", "jsonl", "--db", db, "--kind", "taxonomy")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [r["kind"] for r in records]
    assert kinds.count("category") == len(archive.categories) and kinds.count("rating") == len(archive.ratings)
    assert kinds.count("class") == len(archive.classes) and kinds.count("character") == len(archive.characters)
    assert list(records[0]) == ["site", "kind", "id", "name", "parent_id", "position", "description",
                                "story_count", "category_id", "warning_text"]


def test_resync_reads_only_the_part_that_changed(mirrored):
    site, archive, store, db, _ = mirrored
    site.clear_requests()
    crawl(site.base_url, db)  # an unchanged archive: no taxonomy page at all
    assert not [p for p in (r.path_qs for r in site.request_log())
                if "browse.php" in p and "type=titles" not in p]
    assert not [r.path_qs for r in site.request_log() if "viewstory.php" in r.path_qs]
    # a new character, shown by the newest story
    newest = max(archive.listed_stories(), key=lambda s: (s.updated_at, s.sid))
    charid = max(archive.characters) + 1
    archive.characters[charid] = Character(charid, "Aaron Newcomer", -1)
    archive.edit_story(newest.sid, charids=(*newest.character_ids, charid), summary="A new summary.")
    site.clear_requests()
    crawl(site.base_url, db)
    paths = [r.path_qs for r in site.request_log() if "browse.php" in r.path_qs and "type=titles" not in r.path_qs]
    assert paths == ["/efiction/browse.php?type=characters"], paths
    stored = {e.id: e.name for e in store.taxonomy(site.base_url).entries if e.kind == "character"}
    assert stored[charid] == "Aaron Newcomer"
    assert len(store.taxonomy_versions(site.base_url, "characters")) == 2  # the old list kept
    assert len(store.taxonomy_versions(site.base_url, "categories")) == 1


def test_switch_turns_taxonomy_off(tmp_path):
    with SampleArchive() as site:
        crawl(site.base_url, f"sqlite:///{tmp_path / 'off.sqlite'}", "-s", "MIRROR_TAXONOMY=0")
        paths = [r.path_qs for r in site.request_log()]
    assert not [p for p in paths if "type=categories" in p or "type=ratings" in p or p.endswith("browse.php")]
