"""The store's transactions in processes of their own (``MIRROR_STORE_PROCESSES``): the same
database as a crawl that writes in threads; a database error, a killed store process, a killed
crawl and Ctrl-C each lose nothing stored."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from mirror.items import Story
from mirror.sample import SampleArchive
from mirror.storage import StorageError, Store
from mirror.storage.processes import StoreProcesses
from tests.storage_fixtures import make_story
from tests.test_crawl_sample import canon, crawl, export, last_run
from tests.test_resume_and_login import LISTED, reference, start_crawl, wait_for_stories  # noqa: F401

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="finds processes in /proc")


def store_pids(parent: int) -> list[int]:
    """The store processes of the crawl process ``parent`` (multiprocessing's spawned children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids):
        assert time.monotonic() < deadline, f"store processes outlived their crawl: {pids}"
        time.sleep(0.1)


def every_story_whole(store: Store, site: str) -> None:
    from mirror.sample.archive import ARCHIVE

    for story in store.iter_stories(site=site):
        if story.status == "ok":
            truth = ARCHIVE.story(story.story_id)
            assert [canon(c.text_html) for c in story.chapters] == [canon(c.text) for c in truth.chapters]


def crawl_again(store: Store, site: SampleArchive, db: str, reference: str, *extra: str) -> dict:  # noqa: F811
    """Crawl once more (resuming what was cut short): the database then matches the reference."""
    crawl(site.base_url, db, *extra)
    assert export(store).replace(site.base_url, "BASE/") == reference
    return last_run(store)


def test_a_crawl_with_store_processes_stores_what_a_crawl_with_threads_stores(db, reference):  # noqa: F811
    with SampleArchive() as site:
        crawl(site.base_url, db, "-s", "MIRROR_STORE_PROCESSES=2")
        store = Store(db)
        try:
            run_record = last_run(store)
            assert run_record["status"] == "finished"
            assert run_record["stats"]["mirror/store/processes"] == 2
            assert run_record["stats"]["mirror/store/peak_rss_mib"] > 10  # both processes, added up
            assert run_record["stats"]["mirror/stories/stored"] == LISTED
            assert export(store).replace(site.base_url, "BASE/") == reference
        finally:
            store.close()


def test_a_killed_store_process_stops_the_run_and_the_next_crawl_finishes_it(tmp_path, reference):  # noqa: F811
    # SQLite only: what the database does with a connection cut mid-transaction is the killed
    # crawl's test below, on both backends; this one is about the crawl's side
    db = f"sqlite:///{tmp_path / 'killed-store.sqlite'}"
    with SampleArchive() as site:
        process = start_crawl(site.base_url, db, "0.1", "-s", "MIRROR_STORE_PROCESSES=1")
        wait_for_stories(process, db, 3)
        (pid,) = store_pids(process.pid)
        os.kill(pid, signal.SIGKILL)  # the out-of-memory killer, say
        out, err = process.communicate(timeout=120)
        assert process.returncode == 1, err
        assert "the database failed permanently" in err and "a store process died" in err
        store = Store(db)
        try:
            stopped = last_run(store)
            assert stopped["status"] == "stopped: database_error"
            assert 3 <= stopped["stats"]["mirror/stories/stored"] < LISTED
            every_story_whole(store, site.base_url)
            assert crawl_again(store, site, db, reference, "-s", "MIRROR_STORE_PROCESSES=1")["status"] == "finished"
        finally:
            store.close()


def test_store_processes_die_with_a_killed_crawl_and_the_next_crawl_resumes(db, reference):  # noqa: F811
    with SampleArchive() as site:
        process = start_crawl(site.base_url, db, "0.05", "-s", "MIRROR_STORE_PROCESSES=2")
        wait_for_stories(process, db, 5)
        pids = store_pids(process.pid)
        assert len(pids) == 2
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        wait_gone(pids)  # no writer left behind to hold locks or write after the crawl
        store = Store(db)
        try:
            every_story_whole(store, site.base_url)
            resumed = crawl_again(store, site, db, reference, "-s", "MIRROR_STORE_PROCESSES=2")
            assert resumed["mode"] == "resumed" and resumed["status"] == "finished"
        finally:
            store.close()


def test_ctrl_c_on_the_terminal_lets_the_store_processes_finish_their_writes(tmp_path, reference):  # noqa: F811
    """A terminal's Ctrl-C reaches the whole process group: the store processes ignore it, the
    crawl stops gracefully and every story it counted as stored is there (signals: SQLite only)."""
    db = f"sqlite:///{tmp_path / 'ctrl-c.sqlite'}"
    with SampleArchive() as site:
        process = start_crawl(site.base_url, db, "0.1", "-s", "MIRROR_STORE_PROCESSES=1", new_session=True)
        wait_for_stories(process, db, 3)
        pids = store_pids(process.pid)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        assert "Traceback" not in err and "not stored" not in err
        wait_gone(pids)  # shut down by the crawl
        store = Store(db)
        try:
            run_record = last_run(store)
            assert run_record["status"] == "stopped: shutdown"
            stored = run_record["stats"]["mirror/stories/stored"]
            assert len(store.story_ids(site.base_url)) >= stored
            every_story_whole(store, site.base_url)
            assert crawl_again(store, site, db, reference)["mode"] == "resumed"
        finally:
            store.close()


# ---------------------------------------------------------------- StoreProcesses on its own


def test_results_and_errors_come_back_from_a_store_process(db):
    processes = StoreProcesses(db, 1)
    try:
        assert processes.submit("upsert_story", make_story(1)).result(timeout=60) == "new"
        assert processes.submit("upsert_story", make_story(1)).result(timeout=60) == "unchanged"
        bad = make_story(2)
        bad.status = "lost"  # an invalid item: the Store's own ValueError
        with pytest.raises(ValueError):
            processes.submit("upsert_story", bad).result(timeout=60)
        with pytest.raises(ValueError, match="not a store write"):
            processes.submit("iter_stories", None)
        assert processes.peak_rss_kib()[0] > 10_000
    finally:
        processes.close()
    store = Store(db)
    try:
        stored = store.get_story(make_story(1).site, 1)
        assert isinstance(stored, Story) and len(stored.chapters) == 2
    finally:
        store.close()


def test_a_database_error_in_a_store_process_comes_back_as_a_storage_error(tmp_path):
    folder = tmp_path / "not-here"  # SQLite cannot create a file in a folder that does not exist
    processes = StoreProcesses(f"sqlite:///{folder / 'x.sqlite'}", 1)
    try:
        with pytest.raises(StorageError, match="cannot open database"):
            processes.submit("upsert_story", make_story(1)).result(timeout=60)
    finally:
        processes.close()


def test_at_least_one_store_process():
    with pytest.raises(ValueError, match="at least 1"):
        StoreProcesses("sqlite://", 0)
