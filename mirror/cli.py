"""The `mirror` command: a thin layer over library functions."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from pathlib import Path


EXIT_USAGE = 2
EXIT_NOTHING = 1  # --site/--story matched nothing stored


class UserError(Exception):
    """A problem the user can fix: printed as one line, no traceback."""


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

    extra = dict(parse_setting(item) for item in args.set or [])
    check_crawl_options(date_format=args.date_format, encoding=args.encoding, settings=extra)
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
    from mirror.cliparser import build_parser as build

    return build(sys.modules[__name__])


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
