"""One crawl per site on every path: the lock in the database (mirror/storage/locks.py), taken by
every crawl before any request (mirror/sitelock.py), and `mirror status` telling a live run from
one whose process is gone.  Real processes, a real sample archive on 127.0.0.1, SQLite and
PostgreSQL (``MIRROR_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from mirror.sample import SampleArchive
from mirror.status import write_status
from mirror.storage import CrawlRun, Store
from mirror.storage.locks import LOCKS, SiteBusy, SiteLock, process_started
from mirror.storage.models import utcnow

ROOT = Path(__file__).resolve().parent.parent
SITE = "http://127.0.0.1:9/fiction/"
STALE = 60.0


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MIRROR_DATABASE_URL", None)
    return env


def _mirror(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mirror", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), cwd=cwd)


def _holder_row(store: Store, site: str, **values) -> None:
    """A lock row as another crawl would have written it."""
    now = utcnow()
    row = {"base_url": site, "token": "f" * 32, "host": "elsewhere", "pid": 1, "pid_started": None,
           "started_at": now, "heartbeat_at": now, "run_id": None, **values}
    store.create_schema()
    with store.engine.begin() as conn:
        conn.execute(insert(LOCKS).values(**row))


def _rows(store: Store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(select(LOCKS)).all()


# only the stories: a shorter crawl (the lock does not care what is fetched)
STORIES_ONLY = [arg for name in ("SERIES", "REVIEWS", "AUTHORS", "CHALLENGES", "TAXONOMY", "IMAGES")
                for arg in ("-s", f"MIRROR_{name}=false")]


def _user_agents(archive: SampleArchive) -> list[str]:
    """Every request's User-Agent, in order (a fault hook that lets every request through)."""
    seen: list[str] = []
    archive.faults.append(lambda req: seen.append(req.headers.get("User-Agent", "")) or None)
    return seen


# ------------------------------------------------------------------------------ the lock itself


def test_lock_is_taken_once_reentered_in_its_process_and_released(db):
    with Store(db) as store:
        first = SiteLock(store, SITE, stale=STALE)
        assert first.acquire() and first.owned
        (row,) = _rows(store)
        assert (row.host, row.pid, row.pid_started) == (socket.gethostname(), os.getpid(),
                                                        process_started(os.getpid()))
        again = SiteLock(store, SITE.rstrip("/"), stale=STALE)  # the same process: the cluster's child
        assert again.acquire() and not again.owned
        assert again.heartbeat(run_id=7)
        again.release()
        assert _rows(store)[0].run_id == 7  # the re-entered one let go; the taker still holds it
        first.release()
        assert _rows(store) == []


def test_live_holders_refuse_dead_ones_are_taken_over(db):
    with Store(db) as store:
        _holder_row(store, SITE)  # another host, fresh heartbeat: alive
        lock = SiteLock(store, SITE, stale=STALE)
        with pytest.raises(SiteBusy, match=r"is being crawled by pid 1 on host elsewhere since \d\d:\d\d"):
            lock.__enter__()
        assert _rows(store)[0].token == "f" * 32
    zombie = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    zombie.send_signal(signal.SIGKILL)
    time.sleep(0.5)
    for dead in ({"heartbeat_at": utcnow() - dt.timedelta(seconds=STALE + 1)},  # another host, stale
                 {"host": socket.gethostname(), "pid": _dead_pid()},  # this host, process gone
                 {"host": socket.gethostname(), "pid": zombie.pid},  # killed, not reaped yet
                 # this host, the pid now another process's (another start time): reused
                 {"host": socket.gethostname(), "pid": os.getppid(), "pid_started": -1}):
        with Store(db) as store:
            store.create_schema()
            with store.engine.begin() as conn:
                conn.execute(LOCKS.delete())
            _holder_row(store, SITE, **dead)
            lock = SiteLock(store, SITE, stale=STALE)
            assert lock.acquire(), dead
            assert _rows(store)[0].pid == os.getpid()
            stolen = SiteLock(store, SITE, stale=STALE)
            stolen.token, stolen.held = "f" * 32, True
            assert not stolen.heartbeat()  # the old holder learns it lost the lock
            lock.release()
    zombie.wait()
    with Store(db) as store:  # this host, a live process that is not us: busy
        _holder_row(store, SITE, host=socket.gethostname(), pid=os.getppid(),
                    pid_started=process_started(os.getppid()),
                    heartbeat_at=utcnow() - dt.timedelta(days=1))
        assert not SiteLock(store, SITE, stale=STALE).acquire()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ------------------------------------------------------------------------ status: dead or alive


def test_status_shows_a_run_whose_process_is_gone_as_interrupted(db):
    with Store(db) as store:
        run = store.start_run(SITE)  # "running", never finished: its process was killed
        out = io.StringIO()
        write_status(store, out)
        assert f"last run:  #{run} full, interrupted," in out.getvalue()
        lock = SiteLock(store, SITE, stale=STALE)
        assert lock.acquire() and lock.heartbeat(run)
        out = io.StringIO()
        write_status(store, out)
        assert f"#{run} full, running (pid {os.getpid()} on host {socket.gethostname()})," in out.getvalue()
        lock.release()


# ----------------------------------------------------------------------------- real crawls


def test_a_second_crawl_refuses_and_a_killed_holder_is_taken_over(db, tmp_path):
    with SampleArchive() as archive:
        agents = _user_agents(archive)
        first = _mirror("crawl", archive.base_url, "--db", db, "--delay", "0.3", "--contact", "first@x",
                        *STORIES_ONLY, cwd=tmp_path)
        try:
            deadline = time.monotonic() + 60
            while not archive.requests:
                assert first.poll() is None and time.monotonic() < deadline, first.communicate()
                time.sleep(0.05)
            second = _mirror("crawl", archive.base_url, "--db", db, "--delay", "0",
                             "--contact", "second@x", cwd=tmp_path)
            out, err = second.communicate(timeout=120)
            assert first.poll() is None, "the first crawl ended before the second was refused"
            assert second.returncode == 75, err
            assert out == ""
            assert err.strip().splitlines()[-1].startswith(
                f"mirror: error: {archive.base_url} is being crawled by pid {first.pid} on host ")
            assert "wait for it to finish, or stop it" in err
            assert [a for a in agents if "second@x" in a] == []  # not one request, robots.txt included
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        status = subprocess.run([sys.executable, "-m", "mirror", "status", "--db", db],
                                capture_output=True, text=True, env=_env(), timeout=120, cwd=tmp_path)
        assert "last run:  #1 full, interrupted," in status.stdout, status.stdout + status.stderr
        third = _mirror("crawl", archive.base_url, "--db", db, "--delay", "0", "--contact", "third@x",
                        *STORIES_ONLY, cwd=tmp_path)
        out, err = third.communicate(timeout=240)
        assert third.returncode == 0, err[-3000:]
        assert "finish reason: finished" in out
        assert any("third@x" in a for a in agents)
    with Store(db) as store:
        assert _rows(store) == []  # released at the end
        with store.engine.connect() as conn:
            runs = conn.execute(select(CrawlRun.id, CrawlRun.status, CrawlRun.mode).order_by(CrawlRun.id)).all()
    assert [tuple(r) for r in runs] == [(1, "interrupted", "full"), (2, "finished", "resumed")]


@pytest.mark.parametrize("command", ["mirror", "scrapy"])
def test_a_busy_site_gets_no_request_and_its_run_is_left_alone(command, tmp_path):
    db = f"sqlite:///{tmp_path / 'busy.sqlite'}"
    with SampleArchive() as archive, Store(db) as store:
        run = store.start_run(archive.base_url)  # the live crawl's run, started long ago
        since = dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
        _holder_row(store, archive.base_url, run_id=run, started_at=since)
        if command == "mirror":
            argv = [sys.executable, "-m", "mirror", "crawl", archive.base_url, "--db", db, "--delay", "0"]
        else:
            argv = [sys.executable, "-m", "scrapy", "crawl", "efiction", "-a", f"url={archive.base_url}",
                    "-s", f"MIRROR_DATABASE_URL={db}", "-s", "DOWNLOAD_DELAY=0"]
        done = subprocess.run(argv, capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=120)
        assert archive.requests == []
        if command == "mirror":
            assert done.returncode == 75
            assert done.stdout == ""
            assert done.stderr.strip().splitlines()[-1] == (
                f"mirror: error: {archive.base_url} is being crawled by pid 1 on host elsewhere since "
                f"{since.astimezone().strftime('%Y-%m-%d %H:%M')} (run {run}); wait for it to finish, "
                "or stop it")
        else:
            assert "(site_busy)" in done.stderr
        with store.engine.connect() as conn:
            runs = conn.execute(select(CrawlRun.id, CrawlRun.status)).all()
        assert [tuple(r) for r in runs] == [(run, "running")]  # not "resumed", not marked interrupted
        assert _rows(store)[0].token == "f" * 32
