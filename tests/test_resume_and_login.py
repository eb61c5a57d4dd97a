"""A crawl killed at any moment resumes without loss; Ctrl-C stops gracefully; logins."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import MetaData, func, select

from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE, MEMBER_PASSWORD, MEMBER_PENNAME
from mirror.storage import CrawlStory, Store
from tests.storage_fixtures import BACKENDS, database
from tests.test_crawl_sample import ROOT, canon, crawl, export, last_run

LISTED = len(ARCHIVE.listed_stories())


def start_crawl(base_url: str, db: str, delay: str = "0.05", *extra: str,
                new_session: bool = False) -> subprocess.Popen:
    """``mirror crawl`` in the background (``new_session``: in a process group of its own, as
    from a terminal of its own)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "mirror", "crawl", base_url, "--db", db,
                             "--delay", delay, "--log-level", "WARNING", *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=new_session)


def stored_so_far(db: str) -> int:
    store = Store(db)
    try:
        with store.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(CrawlStory)
                               .where(CrawlStory.state.in_(("stored", "restricted"))))
    except Exception:  # noqa: BLE001 - the schema may not exist yet
        return 0
    finally:
        store.close()


def wait_for_stories(process: subprocess.Popen, db: str, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while stored_so_far(db) < count:
        assert process.poll() is None, "the crawl ended before it could be interrupted"
        assert time.monotonic() < deadline, "the crawl did not store stories in time"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same archive mirrored by one uninterrupted crawl (into SQLite: only its JSONL export,
    the same from either backend, is compared with)."""
    with SampleArchive() as site:
        db = f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.sqlite'}"
        crawl(site.base_url, db)
        store = Store(db)
        text = export(store).replace(site.base_url, "BASE/")
        store.close()
    return text


@pytest.mark.parametrize("kind", BACKENDS)
def test_kill_9_then_the_same_command_resumes_without_loss(tmp_path, reference, kind):
    with database(kind, tmp_path, "killed") as db, SampleArchive() as site:
        process = start_crawl(site.base_url, db)
        wait_for_stories(process, db, 8)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        store = Store(db)
        try:
            killed_run = last_run(store)
            assert killed_run["status"] == "running" and killed_run["finished_at"] is None
            done_before = {sid for sid, (state, _) in store.story_states(killed_run["id"]).items()
                           if state in ("stored", "restricted")}
            # nothing half-written: every stored public story has all its chapters, with text
            for story in store.iter_stories(site=site.base_url):
                truth = ARCHIVE.story(story.story_id)
                if story.status == "ok":
                    assert [canon(c.text_html) for c in story.chapters] == [canon(c.text) for c in truth.chapters]
            site.clear_requests()
            resumed = crawl(site.base_url, db)
            fetched = {r.path_qs for r in site.request_log()}
            resumed_run = last_run(store)
            assert resumed_run["mode"] == "resumed" and resumed_run["status"] == "finished"
            assert store.get_run(killed_run["id"])["status"] == "interrupted"
            assert resumed_run["settings"]["resumes_runs"] == [killed_run["id"]]
            for sid in done_before:  # stories already stored are not fetched again
                assert not any(f"viewstory.php?sid={sid}&" in path or f"&sid={sid}&" in path
                               for path in fetched), sid
            assert f"{len(done_before)} already done" in resumed.stdout
            assert export(store).replace(site.base_url, "BASE/") == reference
        finally:
            store.close()


def test_ctrl_c_stops_gracefully_and_says_how_to_resume(db, reference):
    with SampleArchive() as site:
        process = start_crawl(site.base_url, db, delay="0.1")
        wait_for_stories(process, db, 3)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        assert "interrupted" in err and "run the same command again to resume" in err
        store = Store(db)
        try:
            run_record = last_run(store)
            assert run_record["status"] == "stopped: shutdown" and run_record["finished_at"]
            assert run_record["stats"]["mirror/stories/stored"] < LISTED
            crawl(site.base_url, db)
            assert last_run(store)["mode"] == "resumed"
            assert export(store).replace(site.base_url, "BASE/") == reference
        finally:
            store.close()


def login_env(site: SampleArchive, password: str) -> dict[str, str]:
    return {"MIRROR_127_0_0_1_USERNAME": MEMBER_PENNAME, "MIRROR_127_0_0_1_PASSWORD": password}


def crawl_with_env(site: SampleArchive, db: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "mirror", "crawl", site.base_url, "--db", db, "--delay", "0",
                           "--log-level", "DEBUG"], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=180)


def everything_stored(db: str) -> str:
    """The SQLite file's bytes (as text); on PostgreSQL, every row of every table."""
    if db.startswith("sqlite:///"):
        return Path(db.removeprefix("sqlite:///")).read_bytes().decode("latin-1")
    store = Store(db)
    try:
        with store.engine.connect() as conn:
            tables = MetaData()
            tables.reflect(conn)
            return "\n".join(repr(conn.execute(select(table)).all()) for table in tables.sorted_tables)
    finally:
        store.close()


def test_login_reads_members_only_stories_and_never_leaks_the_password(db):
    members_only = ARCHIVE.restricted_stories()
    assert members_only
    with SampleArchive() as site:
        result = crawl_with_env(site, db, login_env(site, MEMBER_PASSWORD))
        posts = [r for r in site.request_log() if r.method == "POST"]
    assert result.returncode == 0, result.stderr
    assert [p.path_qs for p in posts] == ["/efiction/user.php?action=login"]
    assert "logged in" in result.stderr
    store = Store(db)
    try:
        for truth in members_only:
            story = store.get_story(site.base_url, truth.sid)
            assert story.status == "ok"
            assert [canon(c.text_html) for c in story.chapters] == [canon(c.text) for c in truth.chapters]
        jsonl = export(store)
    finally:
        store.close()
    for place in (result.stdout, result.stderr, jsonl, everything_stored(db)):
        assert MEMBER_PASSWORD not in place


def test_failed_login_is_a_clear_error_for_members_only_stories_only(db):
    with SampleArchive() as site:
        result = crawl_with_env(site, db, login_env(site, "not-the-password"))
    assert "login to" in result.stderr and "failed" in result.stderr
    assert "not-the-password" not in result.stdout + result.stderr
    store = Store(db)
    try:
        run_record = last_run(store)
        states = store.story_states(run_record["id"])
        for truth in ARCHIVE.restricted_stories():
            assert store.get_story(site.base_url, truth.sid).status == "restricted"
            state, reason = states[truth.sid]
            assert state == "restricted" and "login failed" in reason
        assert run_record["stats"]["mirror/stories/stored"] == LISTED  # everything else as usual
        assert run_record["stats"]["mirror/login"] == "failed"
    finally:
        store.close()


def test_half_set_credentials_are_a_user_error(tmp_path):
    # SQLite only: the crawl stops before it stores anything (the database gets its empty schema)
    env = {"MIRROR_127_0_0_1_USERNAME": "someone"}
    with SampleArchive() as site:
        result = crawl_with_env(site, f"sqlite:///{tmp_path / 'x.sqlite'}", env)
    assert result.returncode == 2
    assert "set both MIRROR_127_0_0_1_USERNAME and MIRROR_127_0_0_1_PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr
