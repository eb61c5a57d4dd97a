"""Benchmark: what `mirror crawl --warc` costs, on the sample archive (or a generated one) on loopback.

    python bench/warc.py [--stories 200] [--runs 3] [--delay 0]

Crawls the archive the same way with and without WARC capture (each crawl in its own process,
a fresh database each time; the runs alternate) and prints the crawl time (median) and the bytes
on disk per stored story: WARC files, their CDXJ index, and the database for comparison.
``--stories 0`` crawls the bundled 25-story sample.  Nothing is timed in tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mirror.sample import SampleArchive  # noqa: E402
from mirror.sample.archive import Archive  # noqa: E402


def child(url: str, db: str, delay: float, warc: str | None) -> None:
    from mirror.crawl import run_crawl

    extra = {"AUTOTHROTTLE_ENABLED": False}
    if warc:
        extra["MIRROR_WARC_DIR"] = warc
    result = run_crawl(url, db_url=db, delay=delay, log_level="ERROR", extra_settings=extra)
    print(json.dumps({"seconds": result.seconds, "stories": result.stories,
                      "responses": result.stats.get("downloader/response_count", 0)}))


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def crawl(url: str, tmp: Path, n: int, delay: float, warc: bool) -> dict:
    db = tmp / f"run{n}-{warc}.sqlite"
    folder = tmp / f"warc{n}"
    args = [sys.executable, __file__, "--child", url, f"sqlite:///{db}", str(delay)] + ([str(folder)] if warc else [])
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["db_bytes"] = size(db)
    if warc:
        figures["warc_bytes"] = sum(p.stat().st_size for p in folder.glob("*.warc.gz"))
        figures["index_bytes"] = size(folder / "indexes")
    return figures


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else None)
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=200, help="generated archive size (0: the 25-story sample)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    archive = Archive.generated(args.stories) if args.stories else None
    with tempfile.TemporaryDirectory() as tmp, SampleArchive(archive=archive) as site:
        plain, captured = [], []
        for n in range(args.runs):
            plain.append(crawl(site.base_url, Path(tmp), n, args.delay, warc=False))
            captured.append(crawl(site.base_url, Path(tmp), n, args.delay, warc=True))
    stories = captured[-1]["stories"]
    without = statistics.median(r["seconds"] for r in plain)
    with_warc = statistics.median(r["seconds"] for r in captured)
    last = captured[-1]
    print(f"archive:            {stories} stories stored, {last['responses']} responses per crawl, "
          f"delay {args.delay}s, {args.runs} runs each")
    print(f"crawl time:         {without:.2f} s without --warc, {with_warc:.2f} s with "
          f"({(with_warc / without - 1) * 100:+.0f}%)")
    print(f"WARC per story:     {last['warc_bytes'] / stories / 1024:.1f} KiB "
          f"(+ {last['index_bytes'] / stories / 1024:.2f} KiB CDXJ index); "
          f"{last['warc_bytes'] / 1e6:.1f} MB in all")
    print(f"database per story: {last['db_bytes'] / stories / 1024:.1f} KiB (SQLite, for comparison)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
