"""End to end: real Scrapy crawls (subprocesses) of the sample archive on 127.0.0.1.

Each crawl runs `python -m mirror crawl ...` (or `scrapy crawl efiction ...`) in
a child process, because Scrapy's reactor cannot restart inside one process.
The database is then compared with the archive's ground truth.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import select

from mirror.export.jsonl import write_jsonl
from mirror.items import STATUS_OK, STATUS_RESTRICTED
from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from mirror.sample.render import fmt_date
from mirror.storage import CrawlRun, Store
from tests.storage_fixtures import database, table_counts

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT, timeout: int = 180) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MIRROR_DATABASE_URL", None)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def crawl(base_url: str, db_url: str, *extra: str) -> subprocess.CompletedProcess:
    result = run(sys.executable, "-m", "mirror", "crawl", base_url, "--db", db_url, "--delay", "0",
                 "--log-level", "WARNING", *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def last_run(store: Store) -> dict:
    with store.engine.connect() as conn:
        run_id = conn.scalar(select(CrawlRun.id).order_by(CrawlRun.id.desc()).limit(1))
    return store.get_run(run_id)


def canon(html: str) -> str:
    """Serialise HTML the same way whatever its source spelling (<br /> vs <br>)."""
    if not html.strip():
        return ""
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    return lxml.html.tostring(fragment, encoding="unicode")


def export(store: Store, site: str | None = None) -> str:
    stream = io.StringIO()
    write_jsonl(store, stream, site=site)
    return stream.getvalue()


def mirrored_copy(tmp_path_factory, name: str, backend: str = "sqlite"):
    """A fixture body: a copy of the sample archive served and crawled once into a fresh database
    of ``backend``; yields (site, archive, store, db URL, the server's request log)."""
    archive = ARCHIVE.copy()
    with database(backend, tmp_path_factory.mktemp(name)) as db, SampleArchive(archive=archive) as site:
        crawl(site.base_url, db)
        store = Store(db)
        try:
            yield site, archive, store, db, site.request_log()
        finally:
            store.close()


@pytest.fixture(scope="module")
def archive():
    with SampleArchive() as server:
        yield server


@pytest.fixture(scope="module")
def mirrored(archive, tmp_path_factory, backend):
    """One crawl of the sample archive into SQLite and one into PostgreSQL, each shared by the
    tests below."""
    with database(backend, tmp_path_factory.mktemp("crawl")) as db:
        archive.clear_requests()
        result = crawl(archive.base_url, db)
        store = Store(db)
        try:
            yield archive, store, result, archive.request_log()
        finally:
            store.close()


def test_every_public_story_with_every_field(mirrored):
    archive, store, _, _ = mirrored
    assert_every_story_matches(store, archive.base_url)


def assert_every_story_matches(store: Store, base_url: str, dateformat: str = "d/m/y") -> None:
    """Every listed story stored, every field of every public story as the archive's ground truth
    (dates displayed in the site's ``dateformat``); shared with tests/test_crawl_variants.py."""
    stored = {s.story_id: s for s in store.iter_stories(site=base_url)}
    assert set(stored) == {s.sid for s in ARCHIVE.listed_stories()}
    for truth in ARCHIVE.public_stories():
        story = stored[truth.sid]
        where = f"story {truth.sid}"
        assert story.status == STATUS_OK, where
        assert story.url == f"{base_url}viewstory.php?sid={truth.sid}"
        assert story.title == truth.title, where
        assert [(a.id, a.name) for a in story.authors] == [
            (uid, ARCHIVE.author(uid).penname) for uid in truth.author_uids], where
        assert canon(story.summary_html) == canon(truth.summary), where
        assert story.rating == truth.rating, where
        assert [c.name for c in story.categories] == [name for _, name in truth.categories], where
        assert [c.name for c in story.characters] == list(truth.characters), where
        assert {title: [t.name for t in tags] for title, tags in story.classes.items()} == {
            title: list(names) for title, names in truth.classes.items()}, where
        assert [c.id for c in story.challenges] == list(truth.challenges), where
        assert [s.id for s in story.series] == list(truth.series), where
        assert story.chapter_count == len(truth.chapters), where
        assert story.completed is truth.completed, where
        assert story.word_count == truth.wordcount, where
        assert story.read_count == truth.read_count, where
        assert story.review_count == truth.review_count, where
        assert story.featured is truth.featured and story.retired is truth.retired, where
        assert story.published == truth.published and story.updated == truth.updated, where
        assert story.published_display == fmt_date(truth.published, dateformat), where
        assert story.updated_display == fmt_date(truth.updated, dateformat), where
        assert canon(story.story_notes_html) == canon(truth.story_notes), where
        assert len(story.chapters) == len(truth.chapters), where
        for chapter, expected in zip(story.chapters, truth.chapters):
            at = f"{where} chapter {expected.inorder}"
            # the chapid: from the index, or the story's review pages; none when neither was read
            assert (chapter.number, chapter.title) == (expected.inorder, expected.title), at
            assert chapter.id in (expected.chapid, None), at
            assert [a.id for a in chapter.authors] == [expected.uid], at
            assert chapter.word_count == expected.wordcount, at
            assert canon(chapter.text_html) == canon(expected.text), at
            assert canon(chapter.notes_html) == canon(expected.notes), at
            assert canon(chapter.end_notes_html) == canon(expected.end_notes), at


def test_special_stories(mirrored):
    archive, store, _, _ = mirrored
    stored = {s.story_id: s for s in store.iter_stories(site=archive.base_url)}
    longest = max(ARCHIVE.public_stories(), key=lambda s: len(s.chapters))
    assert len(longest.chapters) >= 20 and len(stored[longest.sid].chapters) == len(longest.chapters)
    coauthored = next(s for s in ARCHIVE.public_stories() if len(s.author_uids) > 1)
    assert len(stored[coauthored.sid].authors) == len(coauthored.author_uids) > 1
    robin = next(s for s in ARCHIVE.public_stories() if s.round_robin)
    assert len({c.authors[0].id for c in stored[robin.sid].chapters}) > 1
    gated = [s for s in ARCHIVE.public_stories() if s.gated]
    assert gated and all(stored[s.sid].chapters for s in gated)
    # windows-1252 bytes in titles and names come out as the right characters
    assert any("\u201c" in s.title for s in stored.values())
    assert any("ë" in a.name for s in stored.values() for a in s.authors)


def test_members_only_recorded_as_restricted(mirrored):
    archive, store, _, _ = mirrored
    for truth in ARCHIVE.restricted_stories():
        story = store.get_story(archive.base_url, truth.sid)
        assert story is not None and story.status == STATUS_RESTRICTED
        assert story.title == truth.title
        assert [a.id for a in story.authors] == list(truth.author_uids)
        assert story.rating == truth.rating
        assert story.chapters == []


def test_unvalidated_story_not_stored(mirrored):
    archive, store, _, _ = mirrored
    for truth in ARCHIVE.unvalidated_stories():
        assert store.get_story(archive.base_url, truth.sid) is None


def test_requests_per_story_and_crawl_record(mirrored):
    archive, store, result, requests = mirrored
    run_record = last_run(store)
    stats = run_record["stats"]
    stored = stats["mirror/stories/stored"]
    assert stored == len(ARCHIVE.listed_stories())
    # one request per story: the index of the round robin, of the members-only story and of the
    # first story (the index check) only (mirror/spiders/story.py)
    assert stats["mirror/requests/story"] / stored <= 1.1
    assert {k: v for k, v in stats.items() if k.startswith("mirror/index/")} == {
        "mirror/index/calibration": 1, "mirror/index/chapter_authors": 1, "mirror/index/members_only": 1,
        "mirror/index/not_needed": stored - 3, "mirror/index/trusted": True}
    assert stats["mirror/requests/listing"] == 3  # 25 stories, 10 per page
    assert stats.get("mirror/dropped", 0) == 0
    assert run_record["status"] == "finished" and run_record["stories_new"] == stored
    assert run_record["finished_at"] >= run_record["started_at"]
    assert "requests per story" in result.stdout
    # the server saw only allowed URLs: no action, trap or member URLs
    paths = [r.path_qs for r in requests]
    assert not [p for p in paths if any(bad in p for bad in (
        "/user.php", "stories.php", "admin.php", "contact.php", "action=add", "skin=", "textsize="))]
    assert paths[0] == "/robots.txt"
    # gates were passed inside one PHP session
    assert len({r.session_id for r in requests if r.session_id}) == 1


def test_series_order_nesting_and_positions(mirrored):
    archive, store, _, requests = mirrored
    stored = {s.series_id: s for s in store.iter_series(site=archive.base_url)}
    assert set(stored) == set(ARCHIVE.series)  # series 4 holds only a members-only story
    for truth in ARCHIVE.series.values():
        got, where = stored[truth.seriesid], f"series {truth.seriesid}"
        assert got.title == truth.title, where
        assert got.owner is not None and (got.owner.id, got.owner.name) == (truth.uid, ARCHIVE.author(truth.uid).penname)
        assert canon(got.summary_html) == canon(truth.summary), where
        assert got.series_type == truth.series_type.lower(), where
        parent = ARCHIVE.parent_series(truth.seriesid)
        assert got.parent_series_id == (parent.seriesid if parent else None), where
        assert [(e.story_id, e.series_id) for e in got.entries] == [
            (item_id, None) if kind == "story" else (None, item_id) for kind, item_id in truth.items()], where
    assert any(e.series_id is not None for s in stored.values() for e in s.entries)  # a nested series
    # each story knows its number among its series' stories (sub-series not counted)
    for story in store.iter_stories(site=archive.base_url):
        for series in story.series:
            sids = ARCHIVE.series[series.id].sids
            assert series.position == sids.index(story.story_id) + 1, (story.story_id, series.id)
    # each series page once; the series listing once
    paths = [r.path_qs for r in requests]
    series_paths = [p for p in paths if "viewseries.php" in p]
    assert len(series_paths) == len(set(series_paths)) == len(ARCHIVE.series)
    assert sum("type=series" in p for p in paths) == 1


def test_second_crawl_changes_nothing(mirrored):
    archive, store, _, _ = mirrored
    before_rows, before_export = table_counts(store), export(store)
    # --full: every story fetched and stored again (a plain re-run is a re-sync: tests/test_resync.py)
    crawl(archive.base_url, str(store.engine.url.render_as_string(hide_password=False)), "--full")
    run_record = last_run(store)
    assert run_record["stories_unchanged"] == len(ARCHIVE.listed_stories())
    assert run_record["stories_new"] == run_record["stories_changed"] == 0
    after_rows = table_counts(store)
    # the run itself is recorded (one run row, one state row per story): nothing else changes
    assert after_rows.pop("crawl_runs") == before_rows.pop("crawl_runs") + 1
    assert after_rows.pop("crawl_stories") == before_rows.pop("crawl_stories") + len(ARCHIVE.listed_stories())
    assert after_rows == before_rows
    assert export(store) == before_export


def test_jsonl_export_of_the_crawl(mirrored, tmp_path):
    archive, store, _, _ = mirrored
    out = tmp_path / "out.jsonl"
    db = store.engine.url.render_as_string(hide_password=False)
    result = run(sys.executable, "-m", "mirror", "export", "jsonl", "--db", db, "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(ARCHIVE.listed_stories())
    records = [json.loads(line) for line in lines]
    assert [r["story_id"] for r in records] == sorted(r["story_id"] for r in records)
    assert {r["status"] for r in records} == {"ok", "restricted"}
    assert out.read_text(encoding="utf-8") == export(store)


def test_scrapy_crawl_without_printable_gives_the_same_mirror(mirrored, tmp_path):
    """`scrapy crawl efiction -a url=...` works, and the per-chapter fallback extracts the same data."""
    archive, store, _, _ = mirrored
    db = f"sqlite:///{tmp_path / 'chapters.sqlite'}"
    archive.clear_requests()
    result = run(sys.executable, "-m", "scrapy", "crawl", "efiction", "-a", f"url={archive.base_url}", "-s", f"MIRROR_DATABASE_URL={db}",
                 "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "MIRROR_PRINTABLE=0", "-s", "LOG_LEVEL=WARNING")
    assert result.returncode == 0, result.stderr
    assert not any("printable" in r.path_qs for r in archive.request_log())
    other = Store(db)
    try:  # the same, but for the chapter ids only an index shows (this crawl read every index)
        assert without_chapter_ids(export(other)) == without_chapter_ids(export(store))
        assert all(c["id"] for line in export(other).splitlines() for c in json.loads(line)["chapters"])
    finally:
        other.close()


def without_chapter_ids(jsonl: str) -> list[dict]:
    records = [json.loads(line) for line in jsonl.splitlines()]
    for record in records:
        for chapter in record["chapters"]:
            chapter["id"] = None
    return records


def test_crawl_into_postgresql(archive, tmp_path):
    from tests.storage_fixtures import _postgres_url

    base = _postgres_url()
    if base is None:
        pytest.skip("MIRROR_TEST_POSTGRES_URL is not set")
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        db = url.render_as_string(hide_password=False)
        crawl(archive.base_url, db)
        sqlite_db = f"sqlite:///{tmp_path / 'ref.sqlite'}"
        crawl(archive.base_url, sqlite_db)
        pg, lite = Store(db), Store(sqlite_db)
        try:
            assert export(pg) == export(lite)
            assert pg.site_summary(archive.base_url)["stories"] == len(ARCHIVE.listed_stories())
        finally:
            pg.close()
            lite.close()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
