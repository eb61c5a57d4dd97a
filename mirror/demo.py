"""`mirror demo`: mirror the bundled sample archive, offline, and export it."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mirror.crawl import CrawlResult, run_crawl
from mirror.export.jsonl import write_jsonl
from mirror.sample import SampleArchive
from mirror.storage import Store


@dataclass
class DemoResult:
    crawl: CrawlResult
    summary: dict
    exported: int
    jsonl_path: Path


# the archive's other records, fetched after the stories (their mirror/requests/<kind> counters)
OTHER_RECORDS = ("series", "series_listing", "reviews", "authors", "challenges", "challenge_listing",
                 "taxonomy", "images")

def run_demo(*, db_path: str = "mirror-demo.sqlite", jsonl_path: str = "mirror-demo.jsonl",
             delay: float = 0.05, log_level: str = "WARNING") -> DemoResult:
    db_url = f"sqlite:///{Path(db_path).resolve()}"
    with SampleArchive() as archive:
        crawl = run_crawl(archive.base_url, db_url=db_url, delay=delay, log_level=log_level,
                          contact="mirror-demo@localhost")
    store = Store(db_url)
    try:
        out = Path(jsonl_path)
        with out.open("w", encoding="utf-8", newline="\n") as stream:
            exported = write_jsonl(store, stream, site=crawl.base_url)
        summary = store.site_summary(crawl.base_url)
    finally:
        store.close()
    return DemoResult(crawl, summary, exported, out)


def print_summary(result: DemoResult, stream: TextIO = sys.stdout) -> None:
    crawl, summary = result.crawl, result.summary
    rate = crawl.stories / crawl.seconds if crawl.seconds else 0.0
    lines = [
        f"Mirrored the sample archive at {crawl.base_url}",
        f"  stories:           {summary.get('stories', 0)} "
        f"({summary.get('restricted', 0)} members-only, recorded without text)",
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
    ]
    print("\n".join(lines), file=stream)
