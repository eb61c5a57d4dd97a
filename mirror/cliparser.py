"""`mirror`'s command line: its sub-commands, their options and help (the commands themselves are
in :mod:`mirror.cli`)."""

from __future__ import annotations

import argparse
from types import ModuleType

from mirror import __version__


def build_parser(commands: ModuleType) -> argparse.ArgumentParser:
    """The parser of every sub-command; each runs ``commands.cmd_NAME`` (mirror.cli)."""
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
    crawl.set_defaults(func=commands.cmd_crawl)

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
    export.set_defaults(func=commands.cmd_export)

    status = sub.add_parser("status", help="what the mirror holds per site, and its last runs")
    status.add_argument("--db", help="database URL")
    status.add_argument("--site", help="only this archive (its base URL)")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=commands.cmd_status)

    sync = sub.add_parser("sync-all", help="re-sync every site profile in config/sites/, one after the other")
    sync.add_argument("--db", help="database URL")
    sync.add_argument("--config-dir", help="folder holding sites/*.toml (default: ./config)")
    sync.add_argument("crawl_args", nargs=argparse.REMAINDER,
                      help="options passed to each `mirror crawl` (after --), e.g. -- --contact you@example.org")
    sync.set_defaults(func=commands.cmd_sync_all)

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
    enqueue.set_defaults(func=commands.cmd_enqueue)

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
    worker.set_defaults(func=commands.cmd_worker)

    beat = sub.add_parser("beat", help="run Celery beat: queue each profile's re-sync every `interval`")
    beat.add_argument("--broker", help=broker_help)
    beat.add_argument("--queue", help=queue_help)
    beat.add_argument("--schedule", metavar="FILE", help="beat's state file (default celerybeat-schedule)")
    beat.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    beat.set_defaults(func=commands.cmd_beat)

    demo = sub.add_parser("demo", help="mirror the bundled sample archive (offline)")
    demo.add_argument("--db-path", default="mirror-demo.sqlite", help="SQLite file to write")
    demo.add_argument("--out", default="mirror-demo.jsonl", help="JSON Lines file to write")
    demo.add_argument("--delay", type=float, default=0.05, help="seconds between requests")
    demo.add_argument("--port", type=port, help="serve the sample archive on this port (default: the port of "
                                               "the demo's site in --db-path, else 8765, else a free one)")
    demo.set_defaults(func=commands.cmd_demo)

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
    sample.set_defaults(func=commands.cmd_sample_site)

    probe = sub.add_parser("probe", help="look at an archive (a handful of polite requests), report what it "
                                          "is and write its site profile")
    probe.add_argument("url", help="the archive's base URL, e.g. http://example.org/fiction/")
    probe.add_argument("--write", metavar="PATH", help="write the profile there, e.g. config/sites/NAME.toml "
                                                       "(default: print it)")
    probe.add_argument("--name", help="the profile's name (default: the file name, else the host and path)")
    probe.add_argument("--force", action="store_true", help="replace an existing --write file")
    probe.add_argument("--delay", type=float, help="seconds between requests (default 2; robots.txt may raise it)")
    probe.add_argument("--contact", help="an e-mail or URL for the site's admin, sent in the User-Agent")
    probe.set_defaults(func=commands.cmd_probe)

    history = sub.add_parser("history", help="what the site said about one story over time")
    history.add_argument("url", help="the story's address, e.g. http://example.org/fiction/viewstory.php?sid=12")
    history.add_argument("--db", help="database URL")
    history.add_argument("--json", action="store_true", help="one JSON document instead of lines")
    history.set_defaults(func=commands.cmd_history)

    reparse = sub.add_parser("reparse", help="extract the stored stories again from their WARC records "
                                              "(after a parser fix), with no request to the site")
    reparse.add_argument("--warc", metavar="DIR", help="the WARC folder (default: the latest crawl's)")
    reparse.add_argument("--db", help="database URL")
    reparse.add_argument("--site", help="only this archive (its base URL)")
    reparse.add_argument("--story", type=int, action="append", metavar="ID", help="only this story id (repeatable)")
    reparse.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING or ERROR")
    reparse.set_defaults(func=commands.cmd_reparse)

    verify = sub.add_parser("verify", help="check the WARC files, and that every stored chapter is in its "
                                            "WARC record; exits 1 on any mismatch")
    verify.add_argument("--warc", metavar="DIR", help="the WARC folder (default: the latest crawl's)")
    verify.add_argument("--db", help="database URL")
    verify.add_argument("--site", help="only this archive (its base URL)")
    verify.set_defaults(func=commands.cmd_verify)

    db = sub.add_parser("db", help="the database: upgrade its schema, show its revision, check it")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_sub.add_parser("upgrade", help="bring the database to this fic-mirror's schema "
                                                    "(SQLite: a backup copy is made first)")
    db_upgrade.add_argument("--db", help="database URL (default: $MIRROR_DATABASE_URL or sqlite:///mirror.sqlite)")
    db_upgrade.add_argument("--revision", default="head", help="target revision (default: the newest)")
    db_upgrade.add_argument("--no-backup", action="store_true", help="SQLite: do not copy the file first")
    db_upgrade.set_defaults(func=commands.cmd_db_upgrade)
    db_current = db_sub.add_parser("current", help="show the database's schema revision")
    db_current.add_argument("--db", help="database URL (default: $MIRROR_DATABASE_URL or sqlite:///mirror.sqlite)")
    db_current.set_defaults(func=commands.cmd_db_current)
    db_check = db_sub.add_parser("check", help="run the database's own integrity check (SQLite: "
                                               "integrity_check; PostgreSQL: every table read)")
    db_check.add_argument("--db", help="database URL (default: $MIRROR_DATABASE_URL or sqlite:///mirror.sqlite)")
    db_check.set_defaults(func=commands.cmd_db_check)
    return parser
