"""The Celery application: site crawls as tasks, one site per task.

Configuration comes from the environment (``MIRROR_*``), and the CLI's options override it
(:func:`configure`):

* ``MIRROR_BROKER_URL``: the broker, ``redis://HOST:6379/0`` or ``amqp://USER:PASS@HOST:5672//``;
* ``MIRROR_DATABASE_URL``: the database every worker writes to (PostgreSQL for a cluster);
* ``MIRROR_CLUSTER_QUEUE`` (``mirror``): the queue name;
* ``MIRROR_RESULT_BACKEND`` (none): where task results go, e.g. ``redis://…/1`` or ``rpc://``;
* ``MIRROR_CLUSTER_VISIBILITY_TIMEOUT`` (3600 s): Redis only -- how long a task taken by a worker
  that died stays invisible before another worker gets it (RabbitMQ redelivers at once);
* ``MIRROR_CLUSTER_BUSY_RETRY`` (300 s): an enqueued crawl of a site that is being crawled right
  now waits this long, then tries again (a scheduled re-sync is skipped instead);
* ``MIRROR_CLUSTER_CRAWL_ARGS``: options for every crawl, e.g. ``--contact you@example.org``.

Tasks are acknowledged late (``acks_late``) and rejected back to the queue when their worker
process dies (``reject_on_worker_lost``); a worker takes one task at a time per process
(``worker_prefetch_multiplier = 1``).  A task whose worker died is therefore delivered again, and
the crawl it starts resumes from the crawl state in the database.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.signals import before_task_publish

from mirror.cluster.child import EXIT_BUSY, RESULT_PREFIX

logger = logging.getLogger("mirror.cluster")

BROKER_ENV = "MIRROR_BROKER_URL"
DATABASE_ENV = "MIRROR_DATABASE_URL"
QUEUE_ENV = "MIRROR_CLUSTER_QUEUE"
RESULT_ENV = "MIRROR_RESULT_BACKEND"
VISIBILITY_ENV = "MIRROR_CLUSTER_VISIBILITY_TIMEOUT"
BUSY_RETRY_ENV = "MIRROR_CLUSTER_BUSY_RETRY"
CRAWL_ARGS_ENV = "MIRROR_CLUSTER_CRAWL_ARGS"
DEFAULT_QUEUE = "mirror"
DEFAULT_VISIBILITY_TIMEOUT = 3600
DEFAULT_BUSY_RETRY = 300
TASK_NAME = "mirror.crawl_site"
SCHEDULE_PREFIX = "resync "

ON_BUSY = ("retry", "skip")


class ClusterError(ValueError):
    """A cluster setting the user can fix (no broker URL, a bad number)."""


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ClusterError(f"${name} must be a number of seconds, not {raw!r}") from exc
    if value <= 0:
        raise ClusterError(f"${name} must be more than 0 seconds, not {raw!r}")
    return value


def _new_app() -> Celery:
    new = Celery("mirror", set_as_current=True)
    new.task(bind=True, name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, max_retries=None)(crawl_site)
    return new


def configure(broker: str | None = None, db_url: str | None = None, queue: str | None = None,
              result_backend: str | None = None) -> Celery:
    """Set up :data:`app` from the arguments, else the ``MIRROR_*`` environment; returns it.

    The values are also put in the environment, so that the worker's pool processes (and the
    crawl processes) see the same ones.  Each call makes a new app: its connection pools are
    those of the new broker."""
    global app
    broker = broker or os.environ.get(BROKER_ENV, "").strip()
    if not broker:
        raise ClusterError(f"no broker: give --broker URL or set ${BROKER_ENV} "
                           "(redis://127.0.0.1:6379/0 or amqp://guest:guest@127.0.0.1:5672//)")
    if not broker.startswith(("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")):
        raise ClusterError(f"unsupported broker URL {broker!r}: use redis://… or amqp://…")
    os.environ[BROKER_ENV] = broker
    if db_url:
        os.environ[DATABASE_ENV] = db_url
    queue = queue or os.environ.get(QUEUE_ENV, "").strip() or DEFAULT_QUEUE
    os.environ[QUEUE_ENV] = queue
    result_backend = result_backend or os.environ.get(RESULT_ENV, "").strip() or None
    visibility = _env_number(VISIBILITY_ENV, DEFAULT_VISIBILITY_TIMEOUT)
    _env_number(BUSY_RETRY_ENV, DEFAULT_BUSY_RETRY)  # a bad value fails now, not in a task
    app.close()
    app = _new_app()
    transport: dict[str, Any] = {}
    if broker.startswith(("redis://", "rediss://")):
        # an unacknowledged task of a dead worker comes back after visibility_timeout; sweep for
        # such tasks often enough that the timeout, not the sweep, sets the delay
        transport = {"visibility_timeout": visibility,
                     "unacked_restore_interval": max(1, min(10, int(visibility / 4))),
                     "unacked_restore_throttle": 1}
    app.conf.update(
        broker_url=broker,
        result_backend=result_backend,
        task_ignore_result=result_backend is None,
        result_expires=7 * 86400,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True,
        task_default_queue=queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        task_track_started=True,
        worker_prefetch_multiplier=1,
        worker_concurrency=1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        enable_utc=True,
        timezone="UTC",
    )
    return app


@before_task_publish.connect
def _stamp_request_time(sender: str | None = None, body: Any = None, **_: Any) -> None:
    """Every crawl task carries the time it was first requested (a retry keeps it; beat's ticks
    get it too): the crawl is then skipped if one that started since has finished."""
    if sender == TASK_NAME and isinstance(body, (tuple, list)) and len(body) >= 2 and isinstance(body[1], dict):
        body[1].setdefault("requested_at", time.time())


# ---------------------------------------------------------------------------------- the crawl


@dataclass
class SiteRun:
    """What one crawl process did."""

    returncode: int
    result: dict[str, Any]
    stderr_tail: str

    @property
    def busy(self) -> bool:
        return self.returncode == EXIT_BUSY


def _die_with_parent() -> None:
    """preexec_fn: the crawl process gets SIGKILL when the process that started it dies (Linux)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def crawl_command(site: str, db_url: str, crawl_args: Sequence[str] = ()) -> list[str]:
    return [sys.executable, "-m", "mirror.cluster.child", site, "--db", db_url,
            "--parent-pid", str(os.getpid()), *crawl_args]


def run_site(site: str, db_url: str, crawl_args: Sequence[str] = (), *,
             poll: float = 1.0) -> SiteRun:
    """Crawl ``site`` (a profile name or base URL) in a child process and wait for it.

    The child takes the site's lock itself; it is killed if this process dies.  If this process
    is orphaned (the worker's main process died: a pool process is then re-parented), the crawl
    is killed and this process exits, so that nothing outlives the worker and the task is
    delivered again to another one."""
    command = crawl_command(site, db_url, crawl_args)
    worker_pid = os.getppid()
    logger.info("crawling %s: %s", site, shlex.join(command[2:]))
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=_die_with_parent, start_new_session=True)
    # start_new_session: a Ctrl-C on the worker's terminal does not interrupt the crawl (a warm
    # shutdown lets it finish); a cold one kills the pool process, and the crawl with it.
    stderr_lines: list[str] = []
    import threading

    def drain() -> None:
        assert child.stderr is not None
        for line in child.stderr:
            stderr_lines.append(line)
            del stderr_lines[:-200]
            logger.info("crawl %s: %s", site, line.rstrip())

    drainer = threading.Thread(target=drain, name="crawl-stderr", daemon=True)
    drainer.start()
    out_lines: list[str] = []

    def read_out() -> None:
        assert child.stdout is not None
        out_lines.extend(child.stdout)

    reader = threading.Thread(target=read_out, name="crawl-stdout", daemon=True)
    reader.start()
    while True:
        try:
            child.wait(timeout=poll)
            break
        except subprocess.TimeoutExpired:
            if os.getppid() != worker_pid:
                logger.error("the worker died: stopping the crawl of %s (the task goes back to the queue)", site)
                child.kill()
                child.wait()
                os._exit(70)
    reader.join(timeout=10)
    drainer.join(timeout=10)
    result: dict[str, Any] = {}
    for line in reversed(out_lines):
        if line.startswith(RESULT_PREFIX):
            try:
                result = json.loads(line[len(RESULT_PREFIX):])
            except json.JSONDecodeError:
                logger.error("unreadable result line from the crawl of %s: %r", site, line[:200])
            break
    if not result:
        result = {"site": site, "status": "error", "returncode": child.returncode,
                  "error": f"the crawl process ended with exit code {child.returncode} and no result"}
    return SiteRun(child.returncode, result, "".join(stderr_lines[-20:]))


def site_busy(site: str, db_url: str) -> bool:
    """Is the site's lock held right now?  (A hint: the crawl process takes the lock for real.)"""
    from mirror.cluster.lock import SiteLock
    from mirror.profiles import ProfileError, get_profile
    from mirror.storage import StorageError
    from mirror.urls import BadURL

    try:
        base = site if "://" in site else get_profile(site).base_url
        probe = SiteLock(db_url, base)
        holder = probe.live_holder()
        probe.store.close()
        return holder is not None
    except (ProfileError, BadURL, StorageError, ValueError) as exc:  # the crawl process reports it
        logger.info("could not look at the lock of %s first: %s", site, exc)
    return False


def worker_crawl_args() -> list[str]:
    raw = os.environ.get(CRAWL_ARGS_ENV, "")
    try:
        return shlex.split(raw)
    except ValueError as exc:
        raise ClusterError(f"${CRAWL_ARGS_ENV} is not a valid command line: {exc}") from exc


def crawl_site(self, site: str, db_url: str | None = None, on_busy: str = "retry",
               crawl_args: Sequence[str] | None = None, requested_at: float | None = None) -> dict[str, Any]:
    """Crawl one site (profile name or base URL) into ``db_url`` (default: the worker's database).

    The site's lock taken by another crawl: ``on_busy="retry"`` tries again after
    ``MIRROR_CLUSTER_BUSY_RETRY`` seconds; ``"skip"`` (scheduled re-syncs) reports it and ends."""
    from mirror.storage import database_url

    db = database_url(db_url)
    args = [*worker_crawl_args(), *(crawl_args or ())]
    if requested_at:
        args += ["--requested-at", repr(float(requested_at))]
    if site_busy(site, db):  # a cheap look first: no crawl process started for a busy site
        run = SiteRun(EXIT_BUSY, {"site": site, "status": "busy", "returncode": EXIT_BUSY}, "")
    else:
        run = run_site(site, db, args)
    hostname = self.request.hostname
    result = {**run.result, "worker": hostname, "task_id": self.request.id,
              "retries": self.request.retries, "redelivered": bool(self.request.delivery_info
                                                                   and self.request.delivery_info.get("redelivered"))}
    if run.busy:
        if on_busy == "retry":
            countdown = _env_number(BUSY_RETRY_ENV, DEFAULT_BUSY_RETRY)
            logger.warning("%s is already being crawled: trying again in %.0f s (retry %d)",
                           site, countdown, self.request.retries + 1)
            raise self.retry(countdown=countdown)
        logger.warning("%s is already being crawled: skipped", site)
        return {**result, "status": "skipped_busy"}
    if run.returncode == 130:
        # the crawl was interrupted (SIGTERM/SIGINT to it): queue it again, it resumes
        logger.warning("the crawl of %s was interrupted: queued again", site)
        raise self.retry(countdown=5)
    if run.returncode != 0:
        logger.error("the crawl of %s ended with exit code %d: %s%s", site, run.returncode,
                     result.get("error") or result.get("message") or "", "\n" + run.stderr_tail
                     if result.get("status") == "error" else "")
    else:
        logger.info("crawled %s: %s", site, json.dumps(result, sort_keys=True))
    return result


# ----------------------------------------------------------------------------- enqueue, beat


def enqueue(sites: Iterable[str], *, db_url: str | None = None, on_busy: str = "retry",
            crawl_args: Sequence[str] = (), queue: str | None = None) -> list[tuple[str, str]]:
    """Put one crawl task per site on the queue; [(site, task id)]."""
    if on_busy not in ON_BUSY:
        raise ClusterError(f"on_busy must be one of {', '.join(ON_BUSY)}, not {on_busy!r}")
    queued = []
    for site in sites:
        sent = app.send_task(TASK_NAME, args=(site,), kwargs={"db_url": db_url, "on_busy": on_busy,
                                                             "crawl_args": list(crawl_args)},
                             queue=queue or app.conf.task_default_queue)
        queued.append((site, sent.id))
    return queued


def beat_schedule(profiles: Iterable[Any], *, queue: str = DEFAULT_QUEUE) -> dict[str, dict[str, Any]]:
    """Celery beat's schedule from the site profiles: one re-sync entry per profile with an
    ``interval``; a busy site is skipped (the next tick comes), and a tick still queued when the
    next one is due expires."""
    schedule = {}
    for profile in profiles:
        if profile.interval is None:
            continue
        schedule[SCHEDULE_PREFIX + profile.name] = {
            "task": TASK_NAME,
            "schedule": timedelta(seconds=profile.interval),
            "args": (profile.name,),
            "kwargs": {"on_busy": "skip"},
            "options": {"queue": queue, "expires": profile.interval},
        }
    return schedule


def run_worker(*, concurrency: int = 1, name: str | None = None, loglevel: str = "INFO",
               beat: bool = False, schedule_file: str | None = None, config_dir: str | None = None,
               logfile: str | None = None) -> None:
    """Run a Celery worker on the queue (blocks).  Each pool process crawls one site at a time."""
    if concurrency < 1:
        raise ClusterError(f"--concurrency must be 1 or more, not {concurrency}")
    argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", "--pool=prefork",
            f"--queues={app.conf.task_default_queue}", "--without-gossip", "--without-mingle"]
    if name:
        argv.append(f"--hostname={name}")
    if logfile:
        argv.append(f"--logfile={logfile}")
    if beat:
        _set_schedule(config_dir)
        argv.append("--beat")
        if schedule_file:
            argv.append(f"--schedule={schedule_file}")
    app.worker_main(argv)


def _set_schedule(config_dir: str | None) -> dict[str, Any]:
    from mirror.profiles import load_profiles

    schedule = beat_schedule(load_profiles(config_dir), queue=app.conf.task_default_queue)
    if not schedule:
        logger.warning("no site profile has an interval: beat has nothing to schedule")
    for key, entry in schedule.items():
        logger.info("scheduled: %s every %s", key, entry["schedule"])
    app.conf.beat_schedule = schedule
    return schedule


def run_beat(*, config_dir: str | None = None, schedule_file: str | None = None,
             loglevel: str = "INFO") -> None:
    """Run Celery beat with the schedule of the site profiles (blocks).  Run exactly one."""
    _set_schedule(config_dir)
    argv = ["beat", f"--loglevel={loglevel}"]
    if schedule_file:
        argv.append(f"--schedule={schedule_file}")
    app.start(argv)


def purge(queue: str | None = None) -> int:
    """Drop every task waiting on the queue (declared if missing); how many."""
    from kombu import Queue

    name = queue or app.conf.task_default_queue
    with app.connection_for_write() as conn:
        bound = Queue(name).bind(conn.default_channel)
        bound.declare()
        return bound.purge() or 0


def wait_for(task_ids: Mapping[str, str], timeout: float) -> dict[str, Any]:
    """Results of the tasks (needs a result backend), {site: result}; TimeoutError past timeout."""
    deadline = time.monotonic() + timeout
    results = {}
    for site, task_id in task_ids.items():
        results[site] = app.AsyncResult(task_id).get(timeout=max(0.1, deadline - time.monotonic()))
    return results


app = _new_app()
