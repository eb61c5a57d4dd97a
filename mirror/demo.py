"""`mirror demo`: mirror the bundled sample archive, offline, and export it.

The sample archive is served on ``127.0.0.1:8765`` (:data:`mirror.sample.serve.DEFAULT_PORT`), the
address `mirror sample-site` serves it on too, so the demo's database holds one site whatever runs
after it: a second demo, or a `mirror crawl` of `mirror sample-site`, is a re-sync of that site.
A database that holds the demo's site already is crawled on that site's port again.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mirror.crawl import CrawlResult, run_crawl
from mirror.export.jsonl import write_jsonl
from mirror.sample.serve import DEFAULT_HOST, DEFAULT_PORT, PortInUse, start_site
from mirror.storage import Store

_DEMO_SITE = re.compile(rf"^http://{re.escape(DEFAULT_HOST)}:(\d+)/efiction/$")


@dataclass
class DemoResult:
    crawl: CrawlResult
    summary: dict
    exported: int
    jsonl_path: Path
    note: str = ""  # why the archive is not on the default port, if it is not


# the archive's other records, fetched after the stories (their mirror/requests/<kind> counters)
OTHER_RECORDS = ("series", "series_listing", "reviews", "authors", "challenges", "challenge_listing",
                 "taxonomy", "images")


def demo_site_port(db_path: Path) -> int | None:
    """The port of the demo's site in an earlier demo's database, if there is one."""
    if not db_path.is_file():
        return None
    with Store(f"sqlite:///{db_path}") as store:
        ports = [int(m[1]) for m in map(_DEMO_SITE.match, store.sites()) if m]
    return ports[0] if ports else None


def start_demo_site(db_path: Path, port: int | None):
    """(the started sample archive, a note): on ``port``, else the port of the site already in the
    database, else the default port or, when that is taken, any free one."""
    earlier = demo_site_port(db_path)
    wanted = port if port is not None else earlier
    if wanted is not None:
        try:
            return start_site(DEFAULT_HOST, wanted), ""
        except PortInUse as exc:
            if port is not None:
                raise
            raise PortInUse(f"{exc}; {db_path} holds the demo's site on port {earlier}: free that "
                            "port and run the demo again, or give --db-path for a new demo") from exc
    try:
        return start_site(DEFAULT_HOST, DEFAULT_PORT), ""
    except PortInUse:
        site = start_site(DEFAULT_HOST, 0)
        return site, f"port {DEFAULT_PORT} was in use: the sample archive was served on port {site.port}"


def run_demo(*, db_path: str = "mirror-demo.sqlite", jsonl_path: str = "mirror-demo.jsonl",
             delay: float = 0.05, log_level: str = "WARNING", port: int | None = None) -> DemoResult:
    path = Path(db_path).resolve()
    db_url = f"sqlite:///{path}"
    archive, note = start_demo_site(path, port)
    try:
        crawl = run_crawl(archive.base_url, db_url=db_url, delay=delay, log_level=log_level,
                          contact="mirror-demo@localhost")
    finally:
        archive.stop()
    store = Store(db_url)
    try:
        out = Path(jsonl_path)
        with out.open("w", encoding="utf-8", newline="\n") as stream:
            exported = write_jsonl(store, stream, site=crawl.base_url)
        summary = store.site_summary(crawl.base_url)
    finally:
        store.close()
    return DemoResult(crawl, summary, exported, out, note)


def next_commands(result: DemoResult, program: str) -> list[str]:
    """What to run next, on the demo's database (every command with --db)."""
    crawl = result.crawl
    db = shlex.quote(crawl.database_url)
    port = re.search(r":(\d+)/", crawl.base_url)[1]
    return [
        "next, on the demo's database:",
        f"  {program} status --db {db}",
        f"  {program} export html --db {db} --out mirror-demo-html",
        "serve the sample archive as it is a week later (until Ctrl-C), and re-sync it from another terminal:",
        f"  {program} sample-site --port {port} --changes 1",
        f"  {program} crawl {crawl.base_url} --db {db} --delay 0.05",
    ]


def print_summary(result: DemoResult, stream: TextIO = sys.stdout, *, program: str = "mirror") -> None:
    crawl, summary = result.crawl, result.summary
    rate = crawl.stories / crawl.seconds if crawl.seconds else 0.0
    lines = [
        f"Mirrored the sample archive at {crawl.base_url}",
        f"  stories:           {summary.get('stories', 0)} "
        f"({summary.get('restricted', 0)} members-only, recorded without text)",
        f"  this run:          {'a re-sync, ' if crawl.stats.get('mirror/mode') == 'resync' else ''}"
        f"{crawl.count('mirror/stories/new')} new, "
        f"{crawl.count('mirror/stories/changed')} changed, {crawl.count('mirror/stories/unchanged')} unchanged",
        f"  chapters:          {summary.get('chapters', 0)}",
        f"  words:             {summary.get('words', 0)}",
        f"  requests:          {crawl.count('downloader/request_count')} in all, "
        f"{crawl.requests_per_story:.2f} per story (+ {crawl.count('mirror/requests/listing')} listing pages, "
        f"{sum(crawl.count(f'mirror/requests/{kind}') for kind in OTHER_RECORDS)} for series, reviews, "
        "profiles, challenges, categories and images)",
        f"  dropped:           {crawl.count('mirror/dropped')}",
        f"  time:              {crawl.seconds:.1f} s ({rate:.1f} stories/s)",
        f"  database:          {crawl.database_url}",
        f"  JSON Lines export: {result.jsonl_path} ({result.exported} stories)",
        *([f"  note:              {result.note}"] if result.note else []),
        "",
        *next_commands(result, program),
    ]
    print("\n".join(lines), file=stream)
