"""Benchmark: what a re-sync costs the site.

    python bench/resync.py [--stories 1000] [--changed 10]

Builds a generated sample archive on loopback (25 stories per listing page), mirrors it once,
re-syncs it unchanged, changes N stories (a new chapter each: their Updated date moves), and
re-syncs again.  Prints the requests each crawl made, from the server's own log.
Targets: the unchanged re-sync makes no story request; with N changed stories, at most
2 requests per changed story plus the listing pages up to them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mirror.sample import SampleArchive  # noqa: E402
from mirror.sample.archive import Archive  # noqa: E402


def crawl(base: str, db: str, *extra: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "mirror", "crawl", base, "--db", db, "--delay", "0",
                    "--log-level", "ERROR", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "MIRROR_PROGRESS=off", *extra],
                   check=True, capture_output=True, cwd=ROOT)
    return time.monotonic() - started


def counts(log) -> tuple[int, int, int]:
    story = sum("viewstory.php" in r.path_qs for r in log)
    listing = sum("browse.php" in r.path_qs for r in log)
    return len(log), story, listing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=10)
    args = parser.parse_args()
    built = time.monotonic()
    archive = Archive.generated(args.stories)
    print(f"archive: {len(archive.listed_stories())} stories, "
          f"{sum(len(s.chapters) for s in archive.listed_stories())} chapters "
          f"(built in {time.monotonic() - built:.1f} s)")
    with tempfile.TemporaryDirectory() as tmp, SampleArchive(archive=archive, items_per_page=25) as site:
        db = f"sqlite:///{tmp}/bench.sqlite"
        for label, change in (("first crawl", None), ("unchanged re-sync", None), ("re-sync, changed", args.changed)):
            if change:
                archive.advance(days=1)
                for story in archive.public_stories()[:change]:
                    archive.add_chapter(story.sid, "A new chapter", "<p>Posted after the last sync.</p>")
            site.clear_requests()
            seconds = crawl(site.base_url, db)
            total, story, listing = counts(site.request_log())
            extra = f", {story / change:.1f} story requests per changed story" if change else ""
            print(f"{label:20} {total:6} requests ({story} story pages, {listing} listing pages, "
                  f"1 robots.txt) in {seconds:.1f} s{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
