"""The `mirror` command: a thin layer over library functions."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from pathlib import Path

from mirror import __version__

EXIT_USAGE = 2
EXIT_NOTHING = 1  # --site/--story matched nothing stored


class UserError(Exception):
    """A problem the user can fix: printed as one line, no traceback."""


def _open_out(path: str):
    if path == "-":
        return sys.stdout, False
    try:
        return open(path, "w", encoding="utf-8", newline="\n"), True
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}; choose another --out path") from exc




def check_writable(path: Path, *, force: bool = False) -> None:
    """UserError unless ``path`` can be written: not a folder, not an existing file without
    ``force``, and its nearest existing folder writable."""
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name, e.g. {path / 'NAME.toml'}")
    if path.exists() and not force:
        raise UserError(f"{path} exists; use --force to replace it")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {path}: {folder} is not a writable folder")


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def selected(store, site: str | None, story_ids=None) -> str | None:
    """The stored site ``--site`` names (None: all); ``--site``/``--story`` that match nothing
    stored raise NothingSelected (one line, exit 1)."""
    from mirror.selection import select

    return select(store, site, story_ids)


def parse_setting(item: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise UserError(f"-s takes NAME=VALUE, not {item!r}")
    return name.strip(), value


def cmd_crawl(args: argparse.Namespace) -> int:
    from mirror.crawl import run_crawl
    from mirror.options import check_crawl_options

    check_crawl_options(date_format=args.date_format, encoding=args.encoding,
                        settings=[parse_setting(item)[0] for item in args.set or []])
    extra = dict(parse_setting(item) for item in args.set or [])
    if args.ignore_robots:
        extra["ROBOTSTXT_OBEY"] = False
    if args.full:
        extra["MIRROR_FULL"] = True
    if args.force:  # recorded on the run (its settings): the breaker was off
        extra["MIRROR_BREAKER_ENABLED"] = False
    if args.warc:
        extra["MIRROR_WARC_DIR"] = str(Path(args.warc).resolve())  # recorded on the run: reparse/verify find it
    if args.warc_max_size:
        extra["MIRROR_WARC_MAX_SIZE"] = args.warc_max_size
    if not args.url and not args.profile:
        raise UserError("give the archive's URL, or --profile NAME (a config/sites/NAME.toml)")
    result = run_crawl(args.url, db_url=args.db, delay=args.delay, date_format=args.date_format,
                       encoding=args.encoding, contact=args.contact,
                       log_level=args.log_level or ("INFO" if args.verbose else None),
                       extra_settings=extra, profile=args.profile)
    reason = result.finish_reason
    if reason == "site_busy":  # nothing was done: the one line naming the running crawl
        print(f"mirror: {result.finish_message}", file=sys.stderr)
        return result.exit_code
    if result.exit_code == EXIT_USAGE:  # not an eFiction archive at this address: one line
        print(f"mirror: error: {result.finish_message}", file=sys.stderr)
        return result.exit_code
    print(result.summary())
    if result.finish_message:
        print(f"mirror: {result.finish_message}", file=sys.stderr)
        return result.exit_code
    if result.listing_failure:
        failure = result.listing_failure
        print(f"mirror: error: could not read the story listing {failure['url']} ({failure['reason']}); "
              "check the address and that the site is up, then run the same command again",
              file=sys.stderr)
    return result.exit_code


def cmd_export(args: argparse.Namespace) -> int:
    import datetime as dt

    from mirror.export.common import ExportFilter
    from mirror.export.run import FORMATS, export
    from mirror.storage import Store, database_url

    try:
        since = dt.date.fromisoformat(args.updated_since) if args.updated_since else None
    except ValueError as exc:
        raise UserError(f"--updated-since takes a date such as 2024-01-31, not {args.updated_since!r}") from exc
    flt = ExportFilter(site=args.site, story_ids=tuple(args.story) if args.story else None,
                       author_ids=tuple(args.author) if args.author else None, updated_since=since)
    kind = FORMATS[args.format].kind
    out = args.out or ("-" if kind == "stream" else "mirror.wacz" if kind == "archive" else f"mirror-{args.format}")
    records = getattr(args, "kind", None) or "stories"
    if records != "stories" and args.format != "jsonl":
        raise UserError(f"--kind {records} is for jsonl only")
    if records != "stories" and (args.story or args.author or since):
        raise UserError(f"--kind {records} takes --site only (--story, --author, --updated-since select stories)")
    store = Store(database_url(args.db), create=False)
    try:
        flt = dataclasses.replace(flt, site=selected(store, args.site, args.story))
        if records != "stories":
            from mirror.export.run import export_records
            count = export_records(store, records, out, site=flt.site, force=args.force)
            print(f"exported {count} {records} records as jsonl to "
                  f"{'standard output' if out == '-' else out}", file=sys.stderr)
            return 0
        result = export(store, args.format, out, flt, warc_dir=args.warc, force=args.force)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}; choose another --out path") from exc
    finally:
        store.close()
    where = "standard output" if out == "-" else out
    print(f"exported {plural(result.stories, 'story', 'stories')} as {args.format} to {where}", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from mirror.status import write_status
    from mirror.storage import Store, database_url

    store = Store(database_url(args.db), create=False)
    try:
        write_status(store, sys.stdout, site=selected(store, args.site), as_json=args.json)
    finally:
        store.close()
    return 0


def cmd_sync_all(args: argparse.Namespace) -> int:
    from mirror.syncall import sync_all

    results = sync_all(db_url=args.db, config_dir=args.config_dir, extra_args=args.crawl_args)
    failed = [r for r in results if r.returncode != 0]
    for result in results:
        print(f"{result.profile}: {'ok' if result.returncode == 0 else f'FAILED (exit {result.returncode})'}"
              f" — {result.summary}")
    if not results:  # a fresh install: nothing failed, there is nothing to sync yet
        from mirror.profiles import no_profiles_message

        print(f"mirror: {no_profiles_message(args.config_dir)}", file=sys.stderr)
    return 1 if failed else 0


def _cluster(args: argparse.Namespace):
    from mirror.cluster import app as cluster

    try:
        cluster.configure(broker=args.broker, db_url=getattr(args, "db", None), queue=args.queue)
    except cluster.ClusterError as exc:
        raise UserError(str(exc)) from exc
    return cluster


def cmd_enqueue(args: argparse.Namespace) -> int:
    from mirror.profiles import get_profile, load_profiles, no_profiles_message

    cluster = _cluster(args)
    if args.all == bool(args.sites):
        raise UserError("give profile names (or base URLs), or --all, not both")
    if args.all:
        sites = [p.name for p in load_profiles()]
        if not sites:
            raise UserError(no_profiles_message())
    else:
        sites = [s if "://" in s else get_profile(s).name for s in args.sites]  # unknown: error now
    import shlex

    try:
        crawl_args = shlex.split(args.crawl)
    except ValueError as exc:
        raise UserError(f"--crawl {args.crawl!r}: {exc}") from exc
    for site, task_id in cluster.enqueue(sites, db_url=args.db, on_busy=args.if_busy, crawl_args=crawl_args):
        print(f"{site}: queued (task {task_id})")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    cluster = _cluster(args)
    cluster.run_worker(concurrency=args.concurrency, name=args.name, loglevel=args.log_level,
                       beat=args.beat, schedule_file=args.schedule, logfile=args.logfile)
    return 0


def cmd_beat(args: argparse.Namespace) -> int:
    cluster = _cluster(args)
    cluster.run_beat(schedule_file=args.schedule, loglevel=args.log_level)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from mirror.demo import print_summary, run_demo
    from mirror.sample.serve import invocation

    result = run_demo(db_path=args.db_path, jsonl_path=args.out, delay=args.delay, port=args.port)
    print_summary(result, program=invocation())
    return result.crawl.exit_code


def cmd_sample_site(args: argparse.Namespace) -> int:
    from mirror.sample.serve import serve, start_site

    site = start_site(args.host, args.port, changes=args.changes, variant=args.variant)
    serve(site, changes=args.changes)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from mirror.history import UnknownStory, write_history
    from mirror.storage import Store, database_url

    store = Store(database_url(args.db), create=False)
    try:
        write_history(store, args.url, sys.stdout, as_json=args.json)
    except UnknownStory as exc:
        raise UserError(str(exc)) from exc
    finally:
        store.close()
    return 0


def _warc_dir(args: argparse.Namespace) -> str:
    """--warc, else the folder the latest crawl (of --site) captured into."""
    if args.warc:
        return args.warc
    from mirror.storage import Store, database_url

    with Store(database_url(args.db), create=False) as store:
        found = store.last_run_setting("MIRROR_WARC_DIR", args.site)
    if not found:
        raise UserError("no crawl of this database recorded a WARC folder: give it with --warc DIR")
    return str(found)


def cmd_reparse(args: argparse.Namespace) -> int:
    from mirror.reparse import run_reparse
    from mirror.storage import Store, database_url

    with Store(database_url(args.db), create=False) as store:
        site = selected(store, args.site, args.story)
    result = run_reparse(_warc_dir(args), db_url=database_url(args.db), site=site,
                         story_ids=args.story, log_level=args.log_level)
    for site in result.sites:
        print(site.summary())
    if not result.sites:
        print("the database holds no stories to reparse")
    return 0 if result.ok else 1


def cmd_verify(args: argparse.Namespace) -> int:
    from mirror.storage import Store, database_url
    from mirror.verify import verify

    with Store(database_url(args.db), create=False) as store:
        site = selected(store, args.site)
    report = verify(_warc_dir(args), db_url=database_url(args.db), site=site)
    for problem in report.problems:
        print(f"MISMATCH {problem}")
    print(report.summary())
    return 0 if report.ok else 1


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from mirror.storage import database_url
    from mirror.storage.migrate import upgrade

    report = upgrade(database_url(args.db), args.revision, backup=not args.no_backup)
    print(report.summary())
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from mirror.storage import database_url
    from mirror.storage.check import require_existing
    from mirror.storage.migrate import schema_state

    require_existing(database_url(args.db))  # a missing file: say so, do not report it "empty"
    state = schema_state(database_url(args.db))
    print(f"{state.url}: {state.describe()}")
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    from mirror.storage import database_url
    from mirror.storage.check import check

    report = check(database_url(args.db))
    print("\n".join(report.lines()))
    if not report.ok:
        raise report.error()
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mirror.probe import probe
    from mirror.urls import normalise_base

    if args.write:  # a target it could not write is said before any request to the site
        check_writable(Path(args.write), force=args.force)
    report = probe(args.url, delay=args.delay, contact=args.contact)
    print("\n".join(report.summary_lines()))
    if not report.is_efiction:
        print(f"mirror: {report.base_url} does not look like an eFiction archive; no profile written",
              file=sys.stderr)
        return 1
    name = args.name or (Path(args.write).stem if args.write else None) or \
        re.sub(r"[^A-Za-z0-9._-]+", "-", normalise_base(args.url).split("://", 1)[1]).strip("-.")
    text = report.profile_toml(name)
    if not report.understood:  # the report says why; the profile is shown, not written
        print("\n# the profile it would write (not written: the site was not understood):\n" + text, end="")
        print(f"mirror: {report.verdict}" + (f"; {args.write} not written" if args.write else ""), file=sys.stderr)
        return 1
    if not args.write:
        print("\n# profile (save it as config/sites/NAME.toml, or use --write):\n" + text, end="")
        return 0
    path = Path(args.write)
    check_writable(path, force=args.force)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
    print(f"wrote {path}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from mirror.options import SuggestingParser, port

    parser = SuggestingParser(prog="mirror", description="Polite mirroring of eFiction archives.")
    parser.add_argument("--version", action="version", version=f"fic-mirror {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser("crawl", help="mirror an eFiction archive into the database")
    crawl.add_argument("url", nargs="?",
                       help="the archive's base URL, e.g. http://example.org/fiction/ (or --profile)")
    crawl.add_argument("--profile", metavar="NAME",
                       help="the site profile config/sites/NAME.toml: its base_url, date format, delay, ...")
    crawl.add_argument("--db", help="database URL (default: $MIRROR_DATABASE_URL or sqlite:///mirror.sqlite)")
    crawl.add_argument("--delay", type=float, help="seconds between requests to the site (default 2)")
    crawl.add_argument("--date-format", help="the site's PHP date() format, or auto (default: the profile's, "
                                             "else auto: inferred from the listing's dates)")
    crawl.add_argument("--encoding", help="force the page encoding (default: detect)")
    crawl.add_argument("--contact", help="an e-mail or URL for the site's admin, sent in the User-Agent")
    crawl.add_argument("--full", action="store_true",
                       help="fetch every story, not only new and changed ones (a re-sync is the default "
                            "once the site is mirrored)")
    crawl.add_argument("--force", action="store_true",
                       help="crawl on even when the pages are not understood (the site-level breaker off)")
    crawl.add_argument("--warc", metavar="DIR",
                       help="also write every HTTP exchange to WARC files in DIR (with a CDXJ index)")
    crawl.add_argument("--warc-max-size", type=int, metavar="BYTES",
                       help="start a new WARC file at this size (default 1000000000)")
    crawl.add_argument("--ignore-robots", action="store_true",
                       help="do not obey robots.txt (logged, and recorded on the crawl run)")
    crawl.add_argument("-v", "--verbose", action="store_true",
                       help="show the log on the terminal (INFO) instead of writing it to the log file")
    crawl.add_argument("--log-level", help="show the log on the terminal at this level: DEBUG, INFO, WARNING "
                                           "or ERROR (default: the log goes to the log file, see MIRROR_LOG_FILE)")
    crawl.add_argument("-s", "--set", action="append", metavar="NAME=VALUE",
                       help="any setting from mirror/settings.py, e.g. -s DOWNLOAD_TIMEOUT=30")
    crawl.set_defaults(func=cmd_crawl)

    export = sub.add_parser("export", help="export the mirror (jsonl, txt, epub, csv, html, opendoors, wacz)")
    export.add_argument("format", choices=["jsonl", "txt", "epub", "csv", "html", "opendoors", "wacz"],
                        help="output format")
    export.add_argument("--db", help="database URL")
    export.add_argument("--out", help="jsonl: a file, or - for standard output (default); "
                                      "the others: a folder (default mirror-FORMAT)")
    export.add_argument("--warc", metavar="DIR", help="wacz: the folder of WARC files (mirror crawl --warc DIR)")
    export.add_argument("--site", help="only this archive (its base URL)")
    export.add_argument("--kind", choices=["stories", "authors", "series", "reviews", "challenges", "taxonomy"],
                        default="stories",
                        help="jsonl: which records, one per line (default stories, each with its reviews)")
    export.add_argument("--story", type=int, action="append", metavar="ID", help="only this story id (repeatable)")
    export.add_argument("--author", type=int, action="append", metavar="ID",
                        help="only stories by this author id (repeatable)")
    export.add_argument("--updated-since", metavar="YYYY-MM-DD", help="only stories updated on or after this date")
    export.add_argument("--force", action="store_true",
                        help="write into a folder that holds other files too (they are left untouched; "
                             "only an earlier export's files are replaced), or replace an existing --out file")
    export.set_defaults(func=cmd_export)

    status = sub.add_parser("status", help="what the mirror holds per site, and its last runs")
    status.add_argument("--db", help="database URL")
    status.add_argument("--site", help="only this archive (its base URL)")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=cmd_status)

    sync = sub.add_parser("sync-all", help="re-sync every site profile in config/sites/, one after the other")
    sync.add_argument("--db", help="database URL")
    sync.add_argument("--config-dir", help="folder holding sites/*.toml (default: ./config)")
    sync.add_argument("crawl_args", nargs=argparse.REMAINDER,
                      help="options passed to each `mirror crawl` (after --), e.g. -- --contact you@example.org")
    sync.set_defaults(func=cmd_sync_all)

    broker_help = "the Celery broker: redis://HOST:6379/0 or amqp://USER:PASS@HOST:5672// ($MIRROR_BROKER_URL)"
    queue_help = "the queue's name (default: $MIRROR_CLUSTER_QUEUE, else mirror)"
    enqueue = sub.add_parser("enqueue", help="queue site crawls for the cluster's workers (see `mirror worker`)")
    enqueue.add_argument("sites", nargs="*", metavar="PROFILE",
                         help="site profile names (config/sites/NAME.toml), or base URLs")
    enqueue.add_argument("--all", action="store_true", help="every site profile")
    enqueue.add_argument("--broker", help=broker_help)
    enqueue.add_argument("--queue", help=queue_help)
    enqueue.add_argument("--db", help="database URL the crawls write to (default: each worker's own)")
    enqueue.add_argument("--if-busy", choices=["retry", "skip"], default="retry",
                         help="when the site is being crawled already: try again later (default, "
                              "every $MIRROR_CLUSTER_BUSY_RETRY s) or drop the task")
    enqueue.add_argument("--crawl", metavar="OPTIONS", default="",
                         help="`mirror crawl` options for these crawls, e.g. --crawl=\"--full\"")
    enqueue.set_defaults(func=cmd_enqueue)

    worker = sub.add_parser("worker", help="run a Celery worker: crawls queued sites, one site per task")
    worker.add_argument("--broker", help=broker_help)
    worker.add_argument("--queue", help=queue_help)
    worker.add_argument("--db", help="database URL (default: $MIRROR_DATABASE_URL); PostgreSQL for many machines")
    worker.add_argument("--concurrency", type=int, default=1, help="sites crawled at once by this worker (default 1)")
    worker.add_argument("--name", help="the worker's name, e.g. w1@%%h (default celery@HOST)")
    worker.add_argument("--beat", action="store_true",
                        help="also run the scheduler in this worker (one machine only: run one beat per cluster)")
    worker.add_argument("--schedule", metavar="FILE", help="--beat: beat's state file (default celerybeat-schedule)")
    worker.add_argument("--logfile", metavar="FILE", help="log to FILE instead of standard error")
    worker.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    worker.set_defaults(func=cmd_worker)

    beat = sub.add_parser("beat", help="run Celery beat: queue each profile's re-sync every `interval`")
    beat.add_argument("--broker", help=broker_help)
    beat.add_argument("--queue", help=queue_help)
    beat.add_argument("--schedule", metavar="FILE", help="beat's state file (default celerybeat-schedule)")
    beat.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    beat.set_defaults(func=cmd_beat)

    demo = sub.add_parser("demo", help="mirror the bundled sample archive (offline)")
    demo.add_argument("--db-path", default="mirror-demo.sqlite", help="SQLite file to write")
    demo.add_argument("--out", default="mirror-demo.jsonl", help="JSON Lines file to write")
    demo.add_argument("--delay", type=float, default=0.05, help="seconds between requests")
    demo.add_argument("--port", type=port, help="serve the sample archive on this port (default: the port of "
                                               "the demo's site in --db-path, else 8765, else a free one)")
    demo.set_defaults(func=cmd_demo)

    from mirror.sample.serve import DEFAULT_HOST, DEFAULT_PORT

    sample = sub.add_parser("sample-site", help="serve the bundled sample archive (the demo's site) until "
                                                 "Ctrl-C, to try crawl, probe, re-sync and reparse on")
    sample.add_argument("--port", type=port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}, the demo's")
    sample.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    sample.add_argument("--changes", type=int, default=0, metavar="N",
                        help="serve it as it is N weeks later: new stories and chapters, edits, removals "
                             "(the same each time), for a re-sync with something to find")
    sample.add_argument("--variant", metavar="NAME",
                        help="serve a customised site or another skin (VARIANTS and SKINS of "
                             "mirror/sample/variants.py), e.g. to try probe on; a wrong name lists them")
    sample.set_defaults(func=cmd_sample_site)

    probe = sub.add_parser("probe", help="look at an archive (a handful of polite requests), report what it "
                                          "is and write its site profile")
    probe.add_argument("url", help="the archive's base URL, e.g. http://example.org/fiction/")
    probe.add_argument("--write", metavar="PATH", help="write the profile there, e.g. config/sites/NAME.toml "
                                                       "(default: print it)")
    probe.add_argument("--name", help="the profile's name (default: the file name, else the host and path)")
    probe.add_argument("--force", action="store_true", help="replace an existing --write file")
    probe.add_argument("--delay", type=float, help="seconds between requests (default 2; robots.txt may raise it)")
    probe.add_argument("--contact", help="an e-mail or URL for the site's admin, sent in the User-Agent")
    probe.set_defaults(func=cmd_probe)

    history = sub.add_parser("history", help="what the site said about one story over time")
    history.add_argument("url", help="the story's address, e.g. http://example.org/fiction/viewstory.php?sid=12")
    history.add_argument("--db", help="database URL")
    history.add_argument("--json", action="store_true", help="one JSON document instead of lines")
    history.set_defaults(func=cmd_history)

    reparse = sub.add_parser("reparse", help="extract the stored stories again from their WARC records "
                                              "(after a parser fix), with no request to the site")
    reparse.add_argument("--warc", metavar="DIR", help="the WARC folder (default: the latest crawl's)")
    reparse.add_argument("--db", help="database URL")
    reparse.add_argument("--site", help="only this archive (its base URL)")
    reparse.add_argument("--story", type=int, action="append", metavar="ID", help="only this story id (repeatable)")
    reparse.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING or ERROR")
    reparse.set_defaults(func=cmd_reparse)

    verify = sub.add_parser("verify", help="check the WARC files, and that every stored chapter is in its "
                                            "WARC record; exits 1 on any mismatch")
    verify.add_argument("--warc", metavar="DIR", help="the WARC folder (default: the latest crawl's)")
    verify.add_argument("--db", help="database URL")
    verify.add_argument("--site", help="only this archive (its base URL)")
    verify.set_defaults(func=cmd_verify)

    db = sub.add_parser("db", help="the database: upgrade its schema, show its revision, check it")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_sub.add_parser("upgrade", help="bring the database to this fic-mirror's schema "
                                                    "(SQLite: a backup copy is made first)")
    db_upgrade.add_argument("--db", help="database URL (default: $MIRROR_DATABASE_URL or sqlite:///mirror.sqlite)")
    db_upgrade.add_argument("--revision", default="head", help="target revision (default: the newest)")
    db_upgrade.add_argument("--no-backup", action="store_true", help="SQLite: do not copy the file first")
    db_upgrade.set_defaults(func=cmd_db_upgrade)
    db_current = db_sub.add_parser("current", help="show the database's schema revision")
    db_current.add_argument("--db", help="database URL (default: $MIRROR_DATABASE_URL or sqlite:///mirror.sqlite)")
    db_current.set_defaults(func=cmd_db_current)
    db_check = db_sub.add_parser("check", help="run the database's own integrity check (SQLite: "
                                               "integrity_check; PostgreSQL: every table read)")
    db_check.add_argument("--db", help="database URL (default: $MIRROR_DATABASE_URL or sqlite:///mirror.sqlite)")
    db_check.set_defaults(func=cmd_db_check)
    return parser


EXIT_READER_GONE = 141  # 128 + SIGPIPE, as a shell reports a program whose reader went away


def reader_gone() -> int:
    """The program reading our output (``| head``) stopped reading: end quietly.  Standard output
    is pointed at /dev/null so that Python's flush at exit does not complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
    return EXIT_READER_GONE


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from mirror.profiles import ProfileError
    from mirror.storage import StorageError
    from mirror.urls import BadURL

    from mirror.selection import NothingSelected

    try:
        return args.func(args)
    except NothingSelected as exc:
        print(f"mirror: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    except (UserError, BadURL, ProfileError, StorageError, ValueError, OSError) as exc:
        if isinstance(exc, BrokenPipeError) or isinstance(exc.__cause__, BrokenPipeError):
            return reader_gone()
        if args.debug:
            raise
        print(f"mirror: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("mirror: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
