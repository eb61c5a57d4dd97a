"""Benchmark: fic-mirror at scale, on generated sample archives served from loopback.

    python bench/scale.py [--stories 10000] [--small 1000] [--db sqlite|postgresql|both]
                          [--concurrency 16] [--store-processes auto] [--skip-scrapy-bench]
                          [--scrapy-bench-seconds 10] [--quick]

For each archive size (``--small`` and ``--stories`` stories, ~10 chapters of 2-20 kB each a
story: bench/_common.py SIZES), a server process builds the archive and serves it on 127.0.0.1
(no page cache: every page is rendered when asked).  Then, for each database:

* the server's own capacity: a client process fetching story pages (index and printable, the
  pages a crawl spends its time on) over ``--concurrency`` keep-alive connections, so the crawl
  figures can be seen not to be server-bound;
* a full crawl with politeness off (no delay, no AutoThrottle, ``--concurrency`` requests at a
  time; robots.txt still obeyed; the store's transactions in ``--store-processes`` processes
  of their own: ``MIRROR_STORE_PROCESSES``, whose default ``auto`` is 1 with politeness off; 0
  for the reactor's threads) in a child process:
  stories/s, pages/s, peak RSS (the crawl's own plus each store process's), requests per story
  (as the server counted them);
* an unchanged re-sync (the same crawl again, same database): its requests.

``scrapy bench`` (Scrapy's own loopback benchmark: 16 requests at a time, link extraction, no
items) runs right before and right after each full crawl, and that crawl's pages/s is given as a
ratio of the mean of the two: a virtual machine's speed drifts over minutes (other tenants), so
a single ``scrapy bench`` at the start would compare figures taken at different speeds.
Targets (issue 10): pages/s at least half of ``scrapy bench``; peak RSS under 300 MB and the
larger archive's within 1.2x of the smaller's.  A Markdown table for the README comes last.
PostgreSQL: ``--pg-url`` (default $MIRROR_TEST_POSTGRES_URL), a fresh schema per crawl, dropped
afterwards.  Nothing here is a timed test (tests/test_bench.py only runs ``--quick`` tiny).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    CrawlFigures, ServerProcess, crawl, impolite, postgres_schema, server_capacity,
)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MEMORY_LIMIT_MIB = 300 * 1e6 / 2**20  # "under 300 MB"
_RATE_RE = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


@dataclass
class ScrapyBench:
    rate: float  # pages/s: the median of the per-interval rates its log reports (ramp-up apart)
    overall: float  # pages/s: responses / elapsed time
    pages: int


SCRAPY_BENCH_SECONDS = 10  # scrapy bench's own CLOSESPIDER_TIMEOUT


def scrapy_bench(seconds: float = SCRAPY_BENCH_SECONDS) -> ScrapyBench:
    """``scrapy bench`` in a subprocess (its own loopback server); its page rate."""
    scrapy = Path(sys.executable).with_name("scrapy")
    cmd = [str(scrapy)] if scrapy.exists() else [sys.executable, "-m", "scrapy.cmdline"]
    with tempfile.TemporaryDirectory() as tmp:  # outside our project: Scrapy's defaults only
        out = subprocess.run([*cmd, "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds:g}"],
                             capture_output=True, text=True, cwd=tmp, check=True)
    log = out.stdout + out.stderr
    rates = [int(m.group(2)) / 60 for m in _RATE_RE.finditer(log)]
    steady = [r for r in rates[1:] if r > 0] or rates  # the first interval is the ramp-up
    count = re.search(r"'downloader/response_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([0-9.]+)", log)
    pages = int(count.group(1)) if count else 0
    overall = pages / float(elapsed.group(1)) if count and elapsed else 0.0
    return ScrapyBench(statistics.median(steady) if steady else overall, overall, pages)


@dataclass
class Run:
    db: str  # "SQLite" / "PostgreSQL"
    size: int  # stories asked for
    chapters: int
    full: CrawlFigures
    full_served: dict
    resync: CrawlFigures
    resync_served: dict
    bench: list[ScrapyBench]  # scrapy bench right before and right after the full crawl (or none)

    @property
    def bench_rate(self) -> float | None:
        return statistics.mean(b.rate for b in self.bench) if self.bench else None

    @property
    def per_story(self) -> float:
        return self.full_served["requests"] / max(1, self.full.stories)

    @property
    def resync_per_story(self) -> float:
        return self.resync_served["requests"] / max(1, self.full.stories)


def run_size(n: int, dbs: list[str], concurrency: int, store_processes: int | str, pg_url: str, tmp: Path,
             bench_seconds: float | None) -> tuple[list[Run], dict]:
    print(f"\n== {n:,} stories ==", flush=True)
    with ServerProcess(n) as server:
        info = server.info
        print(f"archive: {info['stories']:,} stories, {info['chapters']:,} chapters, "
              f"{info['text_bytes'] / 1e6:,.0f} MB of chapter text; built in {info['build_seconds']:.1f} s, "
              f"server RSS {info['rss_mib']:,.0f} MiB", flush=True)
        cap = server_capacity(server.base_url, list(range(1, min(n, 400) + 1)), concurrency=concurrency,
                              seconds=1.0 if n < 100 else 3.0 if n < 1000 else 5.0)
        server.log()
        info["capacity"] = cap["pages_per_s"]
        print(f"server capacity: {cap['pages_per_s']:,.0f} pages/s ({cap['mb_per_s']:.0f} MB/s) "
              f"of story pages (index + printable), {concurrency} connections, from another process",
              flush=True)
        runs = []
        for db in dbs:
            if db == "sqlite":
                path = tmp / f"scale-{n}.sqlite"
                runs.append(run_db("SQLite", n, info, f"sqlite:///{path}", server, concurrency,
                                   store_processes, bench_seconds))
                path.unlink(missing_ok=True)
            else:
                with postgres_schema(pg_url, f"bench_{uuid.uuid4().hex[:12]}") as schema:
                    runs.append(run_db("PostgreSQL", n, info, schema.url, server, concurrency,
                                       store_processes, bench_seconds))
        print(f"server peak RSS: {server.log()['rss_mib']:,.0f} MiB", flush=True)
    return runs, info


def _bench(label: str, when: str, seconds: float) -> ScrapyBench:
    found = scrapy_bench(seconds)
    print(f"{label:10} scrapy bench {when}: {found.rate:.0f} pages/s (median of its per-minute rates; "
          f"{found.overall:.0f} pages/s overall, {found.pages:,} pages)", flush=True)
    return found


def run_db(label: str, n: int, info: dict, db_url: str, server: ServerProcess, concurrency: int,
           store_processes: int | str, bench_seconds: float | None) -> Run:
    """A full crawl (scrapy bench right before and after it, unless *bench_seconds* is None),
    then an unchanged re-sync."""
    settings = impolite(concurrency, store_processes)
    bench = [_bench(label, "before", bench_seconds)] if bench_seconds else []
    full = crawl(server.base_url, db_url, settings)
    full_served = server.log()
    if bench_seconds:
        bench.append(_bench(label, "after", bench_seconds))
    print(f"{label:10} full crawl: {full.stories:,} stories, {full_served['requests']:,} requests "
          f"({full.responses:,} responses) in {full.seconds:.1f} s: {full.stories_per_s:.1f} stories/s, "
          f"{full.pages_per_s:.0f} pages/s; peak RSS {full.total_peak_rss_mib:.0f} MiB ({_rss(full)}); "
          f"CPU {full.cpu_seconds:.0f} s in the crawl's own process; "
          f"{full_served['story'] / max(full.stories, 1):.2f} story pages and "
          f"{full_served['requests'] / max(full.stories, 1):.2f} requests per story (by script: "
          f"{full_served['by_script']})", flush=True)
    resync = crawl(server.base_url, db_url, settings)
    resync_served = server.log()
    print(f"{label:10} unchanged re-sync: {resync_served['requests']} requests "
          f"({resync_served['story']} story pages, {resync_served['listing']} listing pages; by script: "
          f"{resync_served['by_script']}) in {resync.seconds:.1f} s", flush=True)
    return Run(label, n, info["chapters"], full, full_served, resync, resync_served, bench)


def _rss(figures: CrawlFigures) -> str:
    if not figures.store_processes:
        return "crawl process; store in its threads"
    return (f"crawl {figures.peak_rss_mib:.0f} + {figures.store_processes} store process"
            f"{'es' if figures.store_processes > 1 else ''} {figures.store_peak_rss_mib:.0f}")


def _processes(value: str) -> int | str:
    return "auto" if value == "auto" else int(value)


def table(runs: list[Run]) -> str:
    bench = any(r.bench_rate for r in runs)
    head = ["Database", "Stories", "Chapters", "Full crawl", "Stories/s", "Pages/s"]
    if bench:
        head.append("Pages/s vs `scrapy bench`")
    head += ["Peak RSS (crawl + store)", "Requests/story: full", "Requests/story: unchanged re-sync"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in runs:
        row = [r.db, f"{r.full.stories:,}", f"{r.chapters:,}", f"{r.full.seconds:,.0f} s",
               f"{r.full.stories_per_s:.1f}", f"{r.full.pages_per_s:.0f}"]
        if bench:
            row.append(f"{r.full.pages_per_s / r.bench_rate:.2f} (of {r.bench_rate:.0f})")
        row += [f"{r.full.total_peak_rss_mib:.0f} MiB", f"{r.per_story:.2f}",
                f"{r.resync_per_story:.4f} ({r.resync_served['requests']} requests)"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=None, help="the large archive (default 10000; --quick 200)")
    parser.add_argument("--small", type=int, default=None, help="the small archive (default 1000; --quick 100)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("MIRROR_TEST_POSTGRES_URL") or DEFAULT_PG)
    parser.add_argument("--concurrency", type=int, default=16, help="requests at a time (scrapy bench: 16)")
    parser.add_argument("--store-processes", type=_processes, default="auto",
                        help="MIRROR_STORE_PROCESSES for the crawls (default: the crawl's own, auto, which "
                             "is 1 with politeness off; 0: the reactor's threads)")
    parser.add_argument("--skip-scrapy-bench", action="store_true")
    parser.add_argument("--scrapy-bench-seconds", type=float, default=SCRAPY_BENCH_SECONDS,
                        help="how long each scrapy bench runs (default: its own 10 s)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 100 and 200 stories")
    args = parser.parse_args()
    large = args.stories if args.stories is not None else (200 if args.quick else 10000)
    small = args.small if args.small is not None else (100 if args.quick else 1000)
    sizes = sorted({small, large})
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    command = " ".join(["python bench/scale.py", *(shlex.quote(a) for a in sys.argv[1:])])
    cpus = os.cpu_count()
    print(f"machine: {cpus} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}", flush=True)

    started = time.monotonic()
    runs: list[Run] = []
    servers: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            got, servers[n] = run_size(n, dbs, args.concurrency, args.store_processes, args.pg_url, Path(tmp),
                                      None if args.skip_scrapy_bench else args.scrapy_bench_seconds)
            runs += got

    print(f"\n== Results ({time.monotonic() - started:.0f} s) ==\n")
    print(f"Command: `{command}`; {cpus} cores; politeness off: no delay, no AutoThrottle, "
          f"{args.concurrency} requests at a time, robots.txt obeyed; server and crawl in separate processes; "
          f"store processes (MIRROR_STORE_PROCESSES): {args.store_processes}.")
    print()
    print(table(runs))
    print()
    rates = [b.rate for r in runs for b in r.bench]
    if rates:
        print(f"`scrapy bench` (16 requests at a time, link extraction only, no items, tiny pages), "
              f"right before and after each full crawl: {min(rates):.0f}-{max(rates):.0f} pages/s; the "
              f"ratio is to the mean of the two around that crawl (in brackets).")
    for n in sizes:
        info = servers[n]
        fastest = max((r.full.pages_per_s for r in runs if r.size == n), default=0)
        print(f"Server ({n:,} stories): {info['capacity']:,.0f} pages/s of story pages on its own "
              f"({info['capacity'] / fastest:.1f}x the fastest crawl's pages/s)." if fastest else "")
    print("\nTargets:")
    for db in dict.fromkeys(r.db for r in runs):
        mine = [r for r in runs if r.db == db]
        if all(r.bench_rate for r in mine):
            worst = min(r.full.pages_per_s / r.bench_rate for r in mine)
            print(f"- {db}: pages/s >= 0.5x scrapy bench: {'met' if worst >= 0.5 else 'MISSED'} "
                  f"(lowest {worst:.2f}x)")
        peak = max(r.full.total_peak_rss_mib for r in mine)
        print(f"- {db}: peak RSS < 300 MB ({MEMORY_LIMIT_MIB:.0f} MiB): "
              f"{'met' if peak < MEMORY_LIMIT_MIB else 'MISSED'} (highest {peak:.0f} MiB)")
        if len(mine) > 1:
            ratio = mine[-1].full.total_peak_rss_mib / mine[0].full.total_peak_rss_mib
            print(f"- {db}: peak RSS at {mine[-1].size:,} within 1.2x of {mine[0].size:,}: "
                  f"{'met' if ratio <= 1.2 else 'MISSED'} ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
