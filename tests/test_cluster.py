"""Distributed crawling on Celery, for real: Redis or RabbitMQ, PostgreSQL, worker processes,
sample archives on loopback ports (no mocks).

* the beat schedule and the profiles' ``interval`` (pure functions), and beat's scheduler queueing
  a profile's re-sync on the broker once its interval has passed;
* the per-site lock (a ``site_locks`` row, tests/test_site_lock.py for the rest): two processes,
  one holds it, and it is free again the moment the holder is SIGKILLed;
* a cluster: two `mirror worker` processes (one crawl at a time each) and four sample archives;
  every site enqueued twice (the duplicates prove the lock); one worker SIGKILLed mid-crawl; every
  site ends mirrored completely, no site was ever crawled by two processes at once, and the killed
  worker's task was finished by the other worker.

Services: ``MIRROR_TEST_POSTGRES_URL`` (CI sets it), ``MIRROR_TEST_REDIS_URL`` (default
redis://127.0.0.1:6379) and ``MIRROR_TEST_AMQP_URL`` (default amqp://guest:guest@127.0.0.1:5672//).
A broker given in the environment must be up; an unset one is skipped when nothing listens there.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mirror.profiles import ProfileError, parse_interval, validate
from mirror.sample import SampleArchive
from mirror.sample import faults
from mirror.sample.archive import Archive
from mirror.storage import Store
from tests.storage_fixtures import database, db_url  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
BROKERS = {
    "redis": ("MIRROR_TEST_REDIS_URL", "redis://127.0.0.1:6379"),
    "amqp": ("MIRROR_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}


# ------------------------------------------------------------------------- pure functions


def test_interval_is_parsed_and_validated():
    assert parse_interval("6h") == 6 * 3600
    assert parse_interval("1d") == 86400
    assert parse_interval("1d12h") == 36 * 3600
    assert parse_interval(" 2W ") == 14 * 86400
    profile = validate({"base_url": "http://example.org/fiction/", "interval": "6h"}, "x.toml")
    assert profile.interval == 6 * 3600
    assert validate({"base_url": "http://example.org/"}, "y.toml").interval is None
    for bad, says in [("6 hours", "is not a duration"), ("h", "is not a duration"), ("", "is not a duration"),
                      ("1m", "out of range"), ("400d", "out of range")]:
        with pytest.raises(ProfileError) as exc:
            validate({"base_url": "http://example.org/", "interval": bad}, "bad.toml")
        assert str(exc.value).startswith("bad.toml: 'interval' ") and says in str(exc.value), bad
    with pytest.raises(ProfileError, match="'interval' has the wrong type"):
        validate({"base_url": "http://example.org/", "interval": 3600}, "bad.toml")


def test_beat_schedule_has_one_resync_per_profile_with_an_interval():
    from mirror.cluster.app import TASK_NAME, beat_schedule

    profiles = [validate({"name": "a", "base_url": "http://a.example/", "interval": "6h"}, "a.toml"),
                validate({"name": "b", "base_url": "http://b.example/"}, "b.toml"),
                validate({"name": "c", "base_url": "http://c.example/", "interval": "1d12h"}, "c.toml")]
    schedule = beat_schedule(profiles, queue="q1")
    assert schedule == {
        "resync a": {"task": TASK_NAME, "schedule": timedelta(hours=6), "args": ("a",),
                     "kwargs": {"on_busy": "skip"}, "options": {"queue": "q1", "expires": 6 * 3600.0}},
        "resync c": {"task": TASK_NAME, "schedule": timedelta(hours=36), "args": ("c",),
                     "kwargs": {"on_busy": "skip"}, "options": {"queue": "q1", "expires": 36 * 3600.0}},
    }
    assert beat_schedule([]) == {}


# ------------------------------------------------------------------------------ the lock

HOLD = """
import sys, time
from mirror.cluster.lock import SiteLock
lock = SiteLock(sys.argv[1], sys.argv[2])
print("held" if lock.acquire() else "busy", flush=True)
time.sleep(float(sys.argv[3]))
"""


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MIRROR_DATABASE_URL", None)
    return env


def _try_lock(db: str, site: str, hold: float = 0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLD, db, site, str(hold)], stdout=subprocess.PIPE,
                            text=True, env=_env())


def test_site_lock_is_held_by_one_process_and_freed_when_it_is_killed(db_url):  # noqa: F811
    site = "http://127.0.0.1:1/fiction/"
    holder = _try_lock(db_url, site, hold=60)
    try:
        assert holder.stdout.readline().strip() == "held"
        other = _try_lock(db_url, site)
        assert other.communicate(timeout=30)[0].strip() == "busy"
        elsewhere = _try_lock(db_url, "http://127.0.0.1:2/fiction/")  # another site: its own lock
        assert elsewhere.communicate(timeout=30)[0].strip() == "held"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        deadline = time.monotonic() + 10  # the server notices the closed socket at once
        while True:
            again = _try_lock(db_url, site)
            if again.communicate(timeout=30)[0].strip() == "held":
                break
            assert time.monotonic() < deadline, "the lock of a killed holder was not released"
            time.sleep(0.2)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_site_lock_in_process_release_and_reacquire(db_url):  # noqa: F811
    from mirror.cluster.lock import SiteLock

    first, second = SiteLock(db_url, "http://127.0.0.1:3/x/"), SiteLock(db_url, "http://127.0.0.1:3/x")
    with first:
        # the crawl process holds it for the crawl it runs: re-entered, and given back by the taker
        assert second.acquire() and not second.owned
        second.release()
        assert first.current() is not None
    assert first.current() is None
    assert second.acquire() and second.owned
    second.release()


# ---------------------------------------------------------------------------- the cluster


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 0), timeout=2).close()
        return True
    except OSError:
        return False


@pytest.fixture(params=sorted(BROKERS))
def broker(request) -> str:
    env, default = BROKERS[request.param]
    url = os.environ.get(env)
    if url:
        return url
    if not _listening(default):
        pytest.skip(f"{env} is not set and nothing listens at {default}")
    return default


@pytest.fixture
def pg_url(tmp_path):
    """A fresh PostgreSQL schema: a cluster shares one PostgreSQL database (the URL's ``options``
    set the search_path, for the crawl processes too)."""
    with database("postgresql", tmp_path) as url:
        yield url


def test_beat_queues_each_profiles_resync_when_it_is_due(broker, tmp_path, monkeypatch):
    """The scheduler `mirror beat` runs (Celery's, with the schedule made from the profiles), on
    the real broker: nothing is queued before a profile's interval has passed, then one re-sync
    task per profile with an interval, on the cluster's queue, expiring when the next one is due."""
    from celery.beat import Scheduler
    from kombu import Queue

    from mirror.cluster import app as cluster

    for name in ("MIRROR_BROKER_URL", "MIRROR_CLUSTER_QUEUE", "MIRROR_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)  # configure() sets them: put back afterwards
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "hourly.toml").write_text('base_url = "http://127.0.0.1:9/a/"\ninterval = "10m"\n')
    (tmp_path / "sites" / "manual.toml").write_text('base_url = "http://127.0.0.1:9/b/"\n')
    queue = f"mirror-beat-{uuid.uuid4().hex[:12]}"
    cluster.configure(broker=broker, queue=queue)
    cluster.purge(queue)
    cluster._set_schedule(str(tmp_path))

    def scheduler(last_run_ago: timedelta | None = None) -> Scheduler:
        """Beat's own scheduler, its state in memory: just started, or as if the entries had
        last run that long ago (a restarted beat reads that from its schedule file)."""
        made = Scheduler(app=cluster.app, lazy=False)
        for entry in made.schedule.values():
            if last_run_ago is not None:
                entry.last_run_at = entry.last_run_at - last_run_ago
        return made

    def queued() -> list:
        found = []
        with cluster.app.connection_for_read() as conn:
            bound = Queue(queue).bind(conn.default_channel)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                message = bound.get(no_ack=True)
                if message is not None:
                    found.append(message)
                elif found:
                    break
                else:
                    time.sleep(0.1)
        return found

    try:
        fresh = scheduler()
        assert sorted(fresh.schedule) == ["resync hourly"]
        fresh.tick()
        assert queued() == []  # a new entry waits one interval
        scheduler(last_run_ago=timedelta(minutes=9)).tick()
        assert queued() == []
        scheduler(last_run_ago=timedelta(minutes=11)).tick()
        [message] = queued()
        args, kwargs, _ = message.decode()
        assert message.headers["task"] == cluster.TASK_NAME and args == ["hourly"]
        assert kwargs["on_busy"] == "skip" and message.headers["expires"]  # a busy site: skipped
        assert abs(kwargs["requested_at"] - time.time()) < 60  # stamped when queued (done_already)
    finally:
        cluster.purge(queue)
        cluster.app.close()


SITES = 4
STORIES = 14
STORY_DELAY = 0.15  # seconds per story page: a crawl lasts a few seconds, long enough to kill one


def _write_profiles(config: Path, sites: list[SampleArchive]) -> list[str]:
    names = []
    for index, site in enumerate(sites):
        name = f"site{index}"
        (config / "sites").mkdir(parents=True, exist_ok=True)
        (config / "sites" / f"{name}.toml").write_text(
            f'base_url = "{site.base_url}"\ndelay = 0\ninterval = "6h"\n', encoding="utf-8")
        names.append(name)
    return names


def _start_worker(name: str, broker: str, db: str, queue: str, config: Path, log: Path,
                  extra_env: dict[str, str]) -> subprocess.Popen:
    env = {**_env(), "MIRROR_CONFIG_DIR": str(config), **extra_env}
    return subprocess.Popen(
        [sys.executable, "-m", "mirror", "worker", "--broker", broker, "--db", db, "--queue", queue,
         "--concurrency", "1", "--name", f"{name}@%h", "--logfile", str(log)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)


def _sessions(site: SampleArchive) -> list[tuple[float, float, str]]:
    """(first, last request time, PHPSESSID) per crawl: each crawl process has its own session."""
    spans: dict[str, list[float]] = {}
    for record in site.request_log():
        if record.session_id:
            spans.setdefault(record.session_id, []).append(record.time)
    return sorted((min(t), max(t), sid) for sid, t in spans.items())


def test_cluster_mirrors_every_site_once_at_a_time_and_survives_a_killed_worker(broker, pg_url, tmp_path):
    from mirror.cluster import app as cluster

    queue = f"mirror-test-{uuid.uuid4().hex[:12]}"
    results = f"{broker.rstrip('/')}/1" if broker.startswith("redis") else "rpc://"
    if broker.startswith("redis"):
        broker = f"{broker.rstrip('/')}/0"
    extra_env = {"MIRROR_CLUSTER_VISIBILITY_TIMEOUT": "8", "MIRROR_CLUSTER_BUSY_RETRY": "1",
                 "MIRROR_RESULT_BACKEND": results,
                 "MIRROR_CLUSTER_CRAWL_ARGS": "--delay 0 --log-level WARNING -s MIRROR_PROGRESS=off"}
    archives = [Archive.generated(STORIES, seed=seed, items_per_page=10) for seed in range(SITES)]
    sites = [SampleArchive(archive=a).start() for a in archives]
    for site in sites:  # slow story pages a little: a crawl takes a few seconds
        site.faults.append(faults.on(faults.path("viewstory.php"), faults.slow(STORY_DELAY)))
    config = tmp_path / "config"
    names = _write_profiles(config, sites)
    old_env = {k: os.environ.get(k) for k in [*extra_env, "MIRROR_CONFIG_DIR", "MIRROR_BROKER_URL",
                                              "MIRROR_CLUSTER_QUEUE", "MIRROR_DATABASE_URL"]}
    os.environ.update(extra_env, MIRROR_CONFIG_DIR=str(config))
    workers: dict[str, subprocess.Popen] = {}
    logs = {name: tmp_path / f"{name}.log" for name in ("w1", "w2")}
    started = time.monotonic()
    try:
        cluster.configure(broker=broker, db_url=pg_url, queue=queue, result_backend=results)
        cluster.purge(queue)
        for name, log in logs.items():
            workers[name] = _start_worker(name, broker, pg_url, queue, config, log, extra_env)
        # every site, then every site again: the duplicates find the site locked and wait
        tasks = cluster.enqueue(names)
        if results.startswith("rpc"):  # rpc:// results go to their publisher only: this process
            tasks += cluster.enqueue(names)
        else:  # the duplicates as an operator queues them: `mirror enqueue --all`
            queued = subprocess.run([sys.executable, "-m", "mirror", "enqueue", "--all", "--broker", broker,
                                     "--queue", queue, "--db", pg_url], capture_output=True, text=True,
                                    cwd=ROOT, timeout=60)
            assert queued.returncode == 0, queued.stderr
            tasks += [tuple(m) for m in re.findall(r"^(\S+): queued \(task (\S+)\)$", queued.stdout, re.M)]
            assert [site for site, _ in tasks[len(names):]] == sorted(names), queued.stdout

        # kill w1 (SIGKILL to its process group: main and pool processes; the crawl process, in
        # a session of its own, dies with its parent) once its crawl has stored a few stories
        victim_site, stored_before_kill = None, 0
        deadline = time.monotonic() + 60
        while victim_site is None:
            assert time.monotonic() < deadline, "w1 never crawled long enough:\n" + logs["w1"].read_text()
            log_text = logs["w1"].read_text() if logs["w1"].exists() else ""
            for name, site in zip(names, sites):
                if log_text.count(f"crawl {name}: lock taken") > log_text.count(f"crawl {name}: lock released"):
                    stored_before_kill = _stored_count(pg_url, site.base_url)
                    if stored_before_kill >= 2:
                        victim_site = name
            time.sleep(0.05)
        os.killpg(workers["w1"].pid, signal.SIGKILL)
        workers["w1"].wait(timeout=10)
        killed_at = time.monotonic()

        outcomes = [cluster.app.AsyncResult(task_id).get(timeout=90) for _site, task_id in tasks]
        elapsed = time.monotonic() - started
    finally:
        for proc in workers.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for site in sites:
            site.stop()
        for key, value in old_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    worker_logs = "\n".join(f"--- {n}\n{p.read_text()}" for n, p in logs.items() if p.exists())

    # every task finished, every site mirrored completely
    assert all(o["status"] in ("finished", "done_already") and o["returncode"] == 0 for o in outcomes), \
        (outcomes, worker_logs)
    # a duplicate waits while the site is locked, then finds its crawl done by the other task
    assert any(o["status"] == "done_already" or o["retries"] for o in outcomes), outcomes
    store = Store(pg_url)
    try:
        for name, site, archive in zip(names, sites, archives):
            stored = {s.story_id: s for s in store.iter_stories(site=site.base_url)}
            assert set(stored) == {s.sid for s in archive.listed_stories()}, name
            for truth in archive.public_stories():
                story = stored[truth.sid]
                assert story.status == "ok", (name, truth.sid, story.status)
                assert len(story.chapters) == len(truth.chapters), (name, truth.sid)
                assert all(c.text_html for c in story.chapters), (name, truth.sid)
    finally:
        store.close()

    # never two crawls of one site at once: each crawl process is one PHP session on the site
    for name, site in zip(names, sites):
        spans = _sessions(site)
        for (_s1, end1, sid1), (start2, _e2, sid2) in zip(spans, spans[1:]):
            assert end1 <= start2, f"{name}: crawls {sid1} and {sid2} overlapped"

    # the killed worker's crawl was finished by the other worker, resuming what it had stored
    victim = [o for o in outcomes if o["site"] == victim_site]
    assert victim and all(o["worker"].startswith("w2@") for o in victim), (victim, worker_logs)
    # resumed: what the killed crawl stored was not fetched again (counted resumed or unchanged)
    assert any(o.get("already_done", 0) + o.get("unchanged", 0) >= 1 for o in victim), (victim, stored_before_kill)
    assert len(_sessions(sites[names.index(victim_site)])) >= 2  # the killed crawl, then the finishing one
    busy_retries = sum(o["retries"] for o in outcomes)
    print(f"cluster: {elapsed:.1f} s, killed w1 crawling {victim_site} "
          f"({stored_before_kill} stories stored), finished {time.monotonic() - killed_at:.1f} s later, "
          f"{busy_retries} busy retries")


def _stored_count(db: str, base_url: str) -> int:
    store = Store(db)
    try:
        return sum(1 for _ in store.iter_stories(site=base_url))
    finally:
        store.close()
