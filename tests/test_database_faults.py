"""The database misbehaving under a running crawl: a lock is waited out, a permanent error stops
the run cleanly, with nothing half-written."""

from __future__ import annotations

import sqlite3
import time

import pytest

from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from mirror.storage import Store
from tests.test_crawl_sample import export, last_run
from tests.test_resume_and_login import start_crawl, wait_for_stories


def test_a_locked_sqlite_database_is_waited_out(tmp_path):
    path = tmp_path / "locked.sqlite"
    db = f"sqlite:///{path}"
    with SampleArchive() as site:
        process = start_crawl(site.base_url, db, delay="0.05")
        wait_for_stories(process, db, 3)
        locker = sqlite3.connect(path, timeout=30)
        locker.execute("BEGIN EXCLUSIVE")  # another program holds the database for a while
        time.sleep(2.5)
        locker.rollback()
        locker.close()
        out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    store = Store(db)
    try:
        run_record = last_run(store)
        assert run_record["status"] == "finished"
        assert run_record["stats"]["mirror/stories/stored"] == len(ARCHIVE.listed_stories())
        assert run_record["stats"].get("mirror/dropped", 0) == 0
    finally:
        store.close()


@pytest.mark.parametrize("store_processes", [0, 1], ids=["threads", "store-process"])
def test_a_permanent_database_error_stops_the_run_with_nothing_half_written(tmp_path, store_processes):
    path = tmp_path / "broken.sqlite"
    db = f"sqlite:///{path}"
    with SampleArchive() as site:
        process = start_crawl(site.base_url, db, "0.1", "-s", f"MIRROR_STORE_PROCESSES={store_processes}")
        wait_for_stories(process, db, 3)
        breaker = sqlite3.connect(path, timeout=30)
        breaker.execute("ALTER TABLE chapter_authors RENAME TO chapter_authors_gone")
        breaker.commit()
        breaker.close()
        out, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    assert "the database failed permanently" in err and "stopping the crawl" in err
    with sqlite3.connect(path) as conn:  # repair it, to look at what was stored
        conn.execute("ALTER TABLE chapter_authors_gone RENAME TO chapter_authors")
    store = Store(db)
    try:
        run_record = last_run(store)
        assert run_record["status"] == "stopped: database_error"
        stored = run_record["stats"]["mirror/stories/stored"]
        assert 3 <= stored < len(ARCHIVE.listed_stories())
        # every story row that exists has all of its chapters: nothing half-written
        records = export(store).splitlines()
        assert len(records) == stored
        for story in store.iter_stories(site=site.base_url):
            if story.status == "ok":
                assert len(story.chapters) == len(ARCHIVE.story(story.story_id).chapters)
                assert all(c.text_html for c in story.chapters)
    finally:
        store.close()
