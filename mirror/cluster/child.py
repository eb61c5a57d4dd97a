"""The crawl process of a cluster task: ``python -m mirror.cluster.child SITE --db URL ...``.

It takes the site's lock (:mod:`mirror.cluster.lock`), crawls with
:func:`mirror.crawl.run_crawl` (the same crawl, resume included, as ``mirror crawl``) and prints
one line ``MIRROR-RESULT {json}`` on standard output.  Exit codes: those of ``mirror crawl``
(0 done, 1 some stories failed or the site paused, 2 a usage or configuration problem, 130
interrupted), and :data:`EXIT_BUSY` when another process holds the site's lock (nothing crawled).

The lock (a ``site_locks`` row) names this process, and the crawl keeps its heartbeat: when the
process dies, whatever kills it, the next crawl of the site takes the lock over (at once on this
host, after ``MIRROR_SITE_LOCK_STALE`` seconds without a heartbeat from another).  The process also dies with its parent: the worker
sets ``PR_SET_PDEATHSIG`` where Linux has it, and ``--parent-pid`` makes a watcher thread kill the
process once the parent is gone (every platform).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time

EXIT_BUSY = 75  # EX_TEMPFAIL: try again later
RESULT_PREFIX = "MIRROR-RESULT "

logger = logging.getLogger("mirror.cluster.child")


def watch_parent(parent_pid: int, interval: float = 1.0) -> threading.Thread:
    """Kill this process (SIGKILL: the crawl state is in the database) when the parent is gone."""
    def run() -> None:
        while True:
            if os.getppid() != parent_pid:
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(interval)

    thread = threading.Thread(target=run, name="parent-watch", daemon=True)
    thread.start()
    return thread


def finished_since(db_url: str, base_url: str, since: float) -> bool:
    """Did a crawl of the site that started at ``since`` (epoch seconds) or later finish?  Then a
    crawl requested at ``since`` is done already (a duplicate or redelivered task)."""
    import datetime as dt

    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from mirror.storage import CrawlRun, SiteRow, Store

    store = Store(db_url)
    try:
        with store.engine.connect() as conn:
            started = conn.scalar(
                select(CrawlRun.started_at).join(SiteRow, SiteRow.id == CrawlRun.site_id)
                .where(SiteRow.base_url == base_url, CrawlRun.status == "finished")
                .order_by(CrawlRun.started_at.desc()).limit(1))
    except SQLAlchemyError as exc:  # e.g. a new database without the tables yet: crawl
        logger.info("no finished crawl found for %s (%s)", base_url, exc.__class__.__name__)
        return False
    finally:
        store.close()
    if started is None:
        return False
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.timezone.utc)
    return started.timestamp() >= since


def emit(result: dict) -> None:
    sys.stdout.write(RESULT_PREFIX + json.dumps(result, sort_keys=True) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mirror.cluster.child")
    parser.add_argument("site", help="a site profile's name, or an archive's base URL")
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--delay", type=float)
    parser.add_argument("--contact")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--parent-pid", type=int)
    parser.add_argument("--requested-at", type=float,
                        help="epoch seconds: do nothing if a crawl started since then has finished")
    parser.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", default=[])
    args = parser.parse_args(argv)
    if args.parent_pid:
        watch_parent(args.parent_pid)

    from mirror.cli import parse_setting
    from mirror.cluster.lock import LockError, SiteLock
    from mirror.crawl import check_database, resolve_profile, run_crawl
    from mirror.profiles import ProfileError
    from mirror.storage import StorageError
    from mirror.urls import BadURL

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    extra = dict(parse_setting(item) for item in args.set)
    if args.full:
        extra["MIRROR_FULL"] = True
    is_url = "://" in args.site
    result: dict = {"site": args.site, "pid": os.getpid()}
    try:
        base, _profile = resolve_profile(args.site if is_url else None, None if is_url else args.site,
                                         extra.get("MIRROR_CONFIG_DIR"))
        result["base_url"] = base
        check_database(args.db)  # a damaged database is refused before the lock writes into it
        lock = SiteLock(args.db, base, extra.get("MIRROR_SITE_LOCK_STALE"))
        if not lock.acquire():
            print(f"{base} is being crawled by {lock.holder.describe()}", file=sys.stderr, flush=True)
            emit({**result, "status": "busy", "returncode": EXIT_BUSY})
            return EXIT_BUSY
        print(f"lock taken for {base}", file=sys.stderr, flush=True)
        if args.requested_at and finished_since(args.db, base, args.requested_at):
            lock.release()
            print(f"lock released for {base}: a crawl started after this one was requested has "
                  "finished", file=sys.stderr, flush=True)
            emit({**result, "status": "done_already", "returncode": 0})
            return 0
    except (ProfileError, BadURL, LockError, StorageError, ValueError) as exc:
        emit({**result, "status": "error", "error": str(exc), "returncode": 2})
        return 2
    started = time.time()
    try:
        crawl = run_crawl(base, db_url=args.db, delay=args.delay, contact=args.contact,
                          log_level=args.log_level, extra_settings=extra)
    except (ProfileError, BadURL, StorageError, ValueError, OSError) as exc:
        emit({**result, "status": "error", "error": str(exc), "returncode": 2})
        return 2
    finally:
        try:
            lock.release()
            print(f"lock released for {base}", file=sys.stderr, flush=True)
        except LockError as exc:  # the next crawl takes a dead holder's lock over
            print(f"could not release the lock: {exc}", file=sys.stderr, flush=True)
    code = crawl.exit_code
    status = {0: "finished", 130: "interrupted", EXIT_BUSY: "busy"}.get(code, "failed")
    emit({**result, "status": status,
          "returncode": code, "finish_reason": crawl.finish_reason, "message": crawl.finish_message,
          "started": started,
          "seconds": round(crawl.seconds, 3), "stories": crawl.stories,
          "new": crawl.count("mirror/stories/new"), "changed": crawl.count("mirror/stories/changed"),
          "unchanged": crawl.count("mirror/stories/unchanged"),
          "already_done": crawl.count("mirror/stories/skipped_resumed"),
          "failed": crawl.failed})
    return code


if __name__ == "__main__":
    sys.exit(main())
