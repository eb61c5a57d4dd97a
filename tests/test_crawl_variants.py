"""Customised eFiction sites: the whole crawl on every variant of the sample archive.

Each variant (:data:`mirror.sample.variants.VARIANTS`: another skin with German labels, ``M d Y``
dates, UTF-8, the index shown in place of chapter 1, the printable view switched off, a sub-path
behind absolute https links, and all of them at once) is served on 127.0.0.1, crawled once by
``python -m mirror crawl URL`` (module-scoped, one crawl per variant and backend, SQLite and
PostgreSQL), and every field of every story is compared with the archive's ground truth by the
helpers of tests/test_crawl_sample.py.
"""

from __future__ import annotations

import pytest

from mirror.items import STATUS_RESTRICTED
from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from mirror.sample.variants import VARIANTS
from mirror.storage import Store
from tests.storage_fixtures import database
from tests.test_crawl_sample import assert_every_story_matches, crawl, last_run


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant_mirror(request, tmp_path_factory, backend):
    variant = VARIANTS[request.param]
    with database(backend, tmp_path_factory.mktemp(f"variant-{variant.name}")) as db, \
            SampleArchive(variant=variant) as site:
        result = crawl(site.base_url, db)
        store = Store(db)
        try:
            yield variant, site, store, result, site.request_log()
        finally:
            store.close()


def test_every_story_with_every_field(variant_mirror):
    variant, site, store, _, _ = variant_mirror
    assert_every_story_matches(store, site.base_url, variant.dateformat or ARCHIVE.site.dateformat)


def test_members_only_and_unvalidated(variant_mirror):
    _, site, store, _, _ = variant_mirror
    for truth in ARCHIVE.restricted_stories():
        story = store.get_story(site.base_url, truth.sid)
        assert story is not None and story.status == STATUS_RESTRICTED and story.title == truth.title
        assert [a.id for a in story.authors] == list(truth.author_uids) and story.rating == truth.rating
    for truth in ARCHIVE.unvalidated_stories():
        assert store.get_story(site.base_url, truth.sid) is None


def test_series_and_the_crawl_record(variant_mirror):
    variant, site, store, _, requests = variant_mirror
    stored = {s.series_id: s for s in store.iter_series(site=site.base_url)}
    assert set(stored) == set(ARCHIVE.series)
    for truth in ARCHIVE.series.values():
        assert stored[truth.seriesid].title == truth.title
        assert [(e.story_id, e.series_id) for e in stored[truth.seriesid].entries] == [
            (item_id, None) if kind == "story" else (None, item_id) for kind, item_id in truth.items()]
    stats = last_run(store)["stats"]
    assert stats["mirror/stories/stored"] == len(ARCHIVE.listed_stories())
    assert stats.get("mirror/dropped", 0) == 0
    paths = [r.path_qs for r in requests]
    # every request on the served address, under the site's path (never the https links' scheme)
    assert all(p == "/robots.txt" or p.startswith(variant.base_path) for p in paths), paths
    if not variant.printable:  # switched off: each story read chapter by chapter
        assert stats.get("mirror/printable/incomplete", 0) >= 1
        assert any("chapter=" in p and "printable" not in p for p in paths)
    else:  # one request per story, but for the check, the round robin and the members-only story
        assert stats["mirror/requests/story"] / stats["mirror/stories/stored"] <= 1.1


def test_a_profile_saying_printable_false_never_asks_for_the_printable_view(tmp_path, db):
    variant = next(v for v in VARIANTS.values() if not v.printable and not v.skin == "alt")
    with SampleArchive(variant=variant) as site:
        (tmp_path / "sites").mkdir()
        (tmp_path / "sites" / "noprint.toml").write_text(
            f'base_url = "{site.base_url}"\ndate_format = "auto"\nprintable = false\n', encoding="utf-8")
        crawl(site.base_url, db, "-s", f"MIRROR_CONFIG_DIR={tmp_path}")
        paths = [r.path_qs for r in site.request_log()]
    assert not [p for p in paths if "printable" in p]
    with Store(db) as store:
        assert_every_story_matches(store, site.base_url, variant.dateformat or ARCHIVE.site.dateformat)
        stats = last_run(store)["stats"]
        chapters = sum(len(s.chapters) for s in store.iter_stories() if s.status != STATUS_RESTRICTED)
    assert stats.get("mirror/printable/failed", 0) == 0
    # the index, then each chapter: no request wasted on the switched-off view
    assert stats["mirror/requests/story"] <= len(ARCHIVE.listed_stories()) + chapters
