"""Every stored page points at its WARC record; `mirror reparse` rebuilds the database from the
WARCs with the site gone; `mirror verify` passes on a whole copy and fails on a damaged one."""

from __future__ import annotations

import gzip
import shutil
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from mirror.sample import SampleArchive
from mirror.storage import ChapterRow, Store, StoryRow, StorySourceRow
from tests.storage_fixtures import cloned, template_database
from tests.test_crawl_sample import crawl, run

import sys


def mirror(*args: str):
    return run(sys.executable, "-m", "mirror", *args)


@pytest.fixture(scope="module")
def captured(tmp_path_factory, backend):
    """The sample archive crawled with --warc, into SQLite and into PostgreSQL; the server is gone
    afterwards (a dead site).  The database is a template: a test that changes it uses a copy."""
    folder = tmp_path_factory.mktemp("warc")
    warc = folder / "warc"
    with template_database(backend, folder) as db:
        with SampleArchive() as server:
            crawl(server.base_url, db, "--warc", str(warc))
            site = server.base_url
        yield folder, db, warc, site


@pytest.fixture
def copied(captured, backend, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A copy of the captured database and of its WARC folder, for one test to change."""
    _, db, warc, _ = captured
    shutil.copytree(warc, tmp_path / "warc")
    with cloned(backend, db, tmp_path) as url:
        yield url, tmp_path / "warc"


def test_every_story_page_and_chapter_points_at_its_warc_record(captured):
    _, db, warc, _ = captured
    with Store(db) as store, Session(store.engine) as session:
        sources = session.scalars(select(StorySourceRow)).all()
        chapters = session.scalars(select(ChapterRow)).all()
        stories = session.scalar(select(StoryRow.id).limit(1))
    assert stories is not None and sources and chapters
    assert all(s.warc_filename and s.warc_offset is not None and s.warc_record_id for s in sources)
    assert {s.kind for s in sources} >= {"index", "printable"}
    assert all((warc / s.warc_filename).is_file() for s in sources)
    assert all(c.warc_filename and c.warc_offset is not None for c in chapters if c.text_html)
    # a chapter points at the record of the page its text came from
    by_location = {(s.warc_filename, s.warc_offset): s.url for s in sources}
    assert all(by_location[(c.warc_filename, c.warc_offset)] == c.source_url for c in chapters if c.text_html)


def test_verify_passes_on_a_whole_copy(captured):
    _, db, warc, _ = captured
    result = mirror("verify", "--db", db, "--warc", str(warc))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout
    assert " 0 stories" not in result.stdout


def test_verify_finds_the_folder_from_the_crawl_run(captured):
    _, db, _, _ = captured
    result = mirror("verify", "--db", db)
    assert result.returncode == 0, result.stdout + result.stderr


def _corrupt_record(path: Path, offset: int) -> None:
    """Change one byte of the (decompressed) record at *offset*, keeping it valid gzip."""
    data = path.read_bytes()
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    record = decomp.decompress(data[offset:])
    end = len(data) - len(decomp.unused_data)
    body_at = record.rindex(b"\r\n\r\n", 0, len(record) - 4) + 4  # inside the HTTP body
    damaged = record[:body_at] + bytes([record[body_at] ^ 0x20]) + record[body_at + 1:]
    path.write_bytes(data[:offset] + gzip.compress(damaged) + data[end:])


def test_verify_fails_when_a_record_is_corrupted(copied):
    db, warc = copied
    with Store(db) as store, Session(store.engine) as session:
        source = session.scalars(select(StorySourceRow).where(StorySourceRow.kind == "printable")
                                 .order_by(StorySourceRow.warc_offset.desc()).limit(1)).one()
    _corrupt_record(warc / source.warc_filename, source.warc_offset)
    result = mirror("verify", "--db", db, "--warc", str(warc))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "MISMATCH" in result.stdout and "digest" in result.stdout.lower()


def test_verify_fails_when_a_stored_chapter_differs_from_its_record(copied):
    db, warc = copied
    with Store(db) as store, Session(store.engine) as session, session.begin():
        session.execute(update(ChapterRow).where(ChapterRow.id == 1).values(text_html="<p>tampered</p>"))
    result = mirror("verify", "--db", db, "--warc", str(warc))
    assert result.returncode == 1
    assert "differs from its WARC record" in result.stdout


def test_verify_fails_when_a_warc_file_is_missing(copied):
    db, warc = copied
    for path in warc.glob("*.warc.gz"):
        path.unlink()
    result = mirror("verify", "--db", db, "--warc", str(warc))
    assert result.returncode == 1
    assert "source record missing" in result.stdout


def test_reparse_rebuilds_the_database_from_the_warcs_without_the_site(copied):
    db, warc = copied
    with Store(db) as store:
        before = {s.story_id: s for s in store.iter_stories()}
        series_before = list(store.iter_series())
        reviews_before = list(store.iter_reviews())
        authors_before = list(store.iter_authors())
        challenges_before = list(store.iter_challenges())
        site = next(iter(before.values())).site
        taxonomy_before = store.taxonomy(site)
    assert series_before and any(s.entries for s in series_before)
    assert {e.kind for e in taxonomy_before.entries} == {"category", "class_type", "class", "character", "rating"}
    assert any(e.kind == "rating" and e.warning_text for e in taxonomy_before.entries)  # from a gate page
    assert any(a.series for a in authors_before)  # the "Series by" panels
    assert reviews_before and authors_before
    # a "parser bug" damaged what was stored: one chapter's text, one story's title, series orders
    damaged_sid = next(sid for sid, s in before.items() if s.status == "ok" and s.chapters)
    with Store(db) as store, Session(store.engine) as session, session.begin():
        pk = session.scalar(select(StoryRow.id).where(StoryRow.story_id == damaged_sid))
        session.execute(update(StoryRow).where(StoryRow.id == pk).values(title="Wrongly parsed"))
        session.execute(update(ChapterRow).where(ChapterRow.story_pk == pk, ChapterRow.number == 1)
                        .values(text_html="<p>lost</p>"))
        session.execute(text("DELETE FROM series_items"))
        session.execute(text("UPDATE reviews SET text_html = 'garbled', content_hash = 'x'"))
        session.execute(text("UPDATE challenges SET title = 'garbled', content_hash = 'x'"))
        session.execute(text("UPDATE author_profiles SET bio_html = 'garbled', content_hash = 'x'"))
        session.execute(text("UPDATE series SET owner_author_pk = NULL"))
        # the taxonomy: a category lost, names and a warning text garbled
        session.execute(text("DELETE FROM taxonomy WHERE id = (SELECT min(id) FROM taxonomy WHERE kind = 'category')"))
        session.execute(text("UPDATE taxonomy SET name = 'garbled' WHERE kind IN ('character', 'class')"))
        session.execute(text("UPDATE taxonomy SET warning_text = NULL"))
    # the site is down (the server stopped with the fixture): reparse must not need it
    result = mirror("reparse", "--db", db, "--warc", str(warc))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"changed: {damaged_sid}" in result.stdout and "1 taxonomy captures" in result.stdout
    assert f"{len(before)} stories reparsed (1 changed, {len(before) - 1} unchanged, 0 dropped), " \
           f"{len(series_before)} series" in result.stdout
    with Store(db) as store:
        after = {s.story_id: s for s in store.iter_stories()}
        assert list(store.iter_series()) == series_before
        assert list(store.iter_reviews()) == reviews_before
        assert list(store.iter_authors()) == authors_before
        assert list(store.iter_challenges()) == challenges_before
        assert store.taxonomy(site) == taxonomy_before
        history = store.story_history(next(iter(before.values())).site, damaged_sid)
    assert {sid: _content(s) for sid, s in after.items()} == {sid: _content(s) for sid, s in before.items()}
    assert history  # the damaged and the repaired versions are both kept
    assert mirror("verify", "--db", db, "--warc", str(warc)).returncode == 0


def test_reparse_reports_stories_whose_records_are_gone(copied):
    db, warc = copied
    for path in warc.glob("*.warc.gz"):
        path.unlink()
    result = mirror("reparse", "--db", db, "--warc", str(warc))
    assert result.returncode == 1
    assert "without their WARC records" in result.stdout
    with Store(db) as store:
        assert all(s.chapters or s.status == "restricted" for s in store.iter_stories())  # nothing lost


def test_reparse_without_a_warc_folder_is_a_clear_error(db):
    with Store(db) as store:  # a database no crawl with --warc wrote to (a missing one: "no database")
        store.create_schema()
    result = mirror("reparse", "--db", db)
    assert result.returncode == 2
    assert "--warc DIR" in result.stderr


def _content(story):
    return (story.title, story.summary_html, [(c.number, c.title, c.text_html, c.notes_html) for c in story.chapters])


def test_reparse_reads_dates_right_when_no_crawl_recorded_the_format(copied):
    """A killed crawl records no resolved date format: the stored dates tell which format it was."""
    db, warc = copied
    with Store(db) as store, Session(store.engine) as session, session.begin():
        session.execute(text("DELETE FROM crawl_stories"))
        session.execute(text("DELETE FROM crawl_runs"))
    result = mirror("reparse", "--db", db, "--warc", str(warc))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(0 changed, 25 unchanged, 0 dropped)" in result.stdout, result.stdout + result.stderr
