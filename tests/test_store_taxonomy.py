"""Storing a site's taxonomy: parts replaced when read whole, kept when partial, every distinct
content of a part kept as a version (SQLite and, with MIRROR_TEST_POSTGRES_URL, PostgreSQL)."""

from __future__ import annotations

import copy

from mirror.items import TaxonomyEntry, TaxonomyInfo
from mirror.storage import Store
from tests.storage_fixtures import SITE_A, db_url, store, table_counts  # noqa: F401  (fixtures)


def _info(parts=("categories", "ratings", "classes"), partial=()) -> TaxonomyInfo:
    return TaxonomyInfo(site=SITE_A, parts=list(parts), partial_parts=list(partial), entries=[
        TaxonomyEntry("category", 1, "Buffy", position=0, description="Sunnydale.", story_count=13),
        TaxonomyEntry("category", 2, "General", parent_id=1, position=0, story_count=10),
        TaxonomyEntry("rating", 4, "R", position=0, warning_text="Rated R."),
        TaxonomyEntry("rating", 5, "NC-17", position=1),
        TaxonomyEntry("class_type", 1, "Genres", position=0),
        TaxonomyEntry("class", 3, "Angst", parent_id=1, position=0)])


def test_taxonomy_replaced_per_part_with_versions(store: Store) -> None:
    assert store.upsert_taxonomy(_info()) == {"categories": "new", "ratings": "new", "classes": "new"}
    stored = store.taxonomy(SITE_A)
    assert stored.parts == ["categories", "ratings", "classes"]
    assert [(e.kind, e.id, e.parent_id) for e in stored.entries] == [
        ("category", 1, None), ("category", 2, 1), ("class_type", 1, None), ("class", 3, 1),
        ("rating", 4, None), ("rating", 5, None)]
    counts = table_counts(store)
    assert counts["taxonomy"] == 6 and counts["taxonomy_versions"] == 3
    # the same again: nothing new
    assert set(store.upsert_taxonomy(copy.deepcopy(_info())).values()) == {"unchanged"}
    assert table_counts(store) == counts
    # a category renamed, a subcategory gone, the R warning not read this time: it stays
    info = _info(parts=("categories", "ratings"))
    info.entries = [e for e in info.entries if e.id != 2 or e.kind != "category"]
    info.entries[0].name = "Buffy the Vampire Slayer"
    info.entries[1].warning_text = None
    assert store.upsert_taxonomy(info) == {"categories": "changed", "ratings": "unchanged"}
    stored = {(e.kind, e.id): e for e in store.taxonomy(SITE_A).entries}
    assert ("category", 2) not in stored and stored[("category", 1)].name == "Buffy the Vampire Slayer"
    assert stored[("rating", 4)].warning_text == "Rated R."
    versions = store.taxonomy_versions(SITE_A, "categories")
    assert len(versions) == 2 and [e["id"] for e in versions[0]["content"]] == [1, 2]  # the old tree kept


def test_a_partial_part_removes_nothing(store: Store) -> None:
    store.upsert_taxonomy(_info())
    info = _info(parts=(), partial=("categories",))
    info.entries = [TaxonomyEntry("category", 9, "New", position=5)]
    assert store.upsert_taxonomy(info) == {"categories": "changed"}
    assert sorted(e.id for e in store.taxonomy(SITE_A).entries if e.kind == "category") == [1, 2, 9]
