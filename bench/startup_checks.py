"""Benchmark: what a crawl's start costs before its first request, on a large SQLite mirror.

    python bench/startup_checks.py [--stories 3000] [--chapters 8] [--kib 8]

Builds a SQLite database of ``--stories`` generated stories (``--chapters`` chapters of ``--kib``
KiB each) in a temporary folder, then times, three times each (the median is printed):

* ``PRAGMA quick_check``: what every crawl runs first (mirror/storage/check.py: a crawl never
  writes into a damaged database);
* ``PRAGMA integrity_check``: what ``mirror db check`` runs;
* taking and giving back the site's lock (mirror/storage/locks.py), and one heartbeat.

No network: nothing is served.  Nothing here is a timed test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from mirror.items import Author, Chapter, Story
from mirror.storage import Store
from mirror.storage.check import check, quick_check
from mirror.storage.locks import SiteLock

SITE = "http://archive.example/fiction/"


def story(sid: int, chapters: int, kib: int) -> Story:
    text = ("<p>" + "word " * 200 + "</p>\n") * max(1, kib * 1024 // 1010)
    author = Author(sid % 97 + 1, f"Author {sid % 97 + 1}", f"{SITE}viewuser.php?uid={sid % 97 + 1}")
    return Story(site=SITE, story_id=sid, url=f"{SITE}viewstory.php?sid={sid}", title=f"Story {sid}",
                 authors=[author], summary_html="<p>A summary.</p>", rating="G",
                 chapter_count=chapters,
                 chapters=[Chapter(number=n, id=sid * 100 + n, title=f"Chapter {n}", text_html=f"<p>{sid}/{n}</p>" + text)
                           for n in range(1, chapters + 1)])


def timed(fn, times: int = 3) -> float:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=3000)
    parser.add_argument("--chapters", type=int, default=8)
    parser.add_argument("--kib", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mirror.sqlite"
        url = f"sqlite:///{path}"
        started = time.perf_counter()
        with Store(url) as store:
            store.create_schema()
            for sid in range(1, args.stories + 1):
                store.upsert_story(story(sid, args.chapters, args.kib))
        built = time.perf_counter() - started
        size = path.stat().st_size / 2**20
        print(f"database: {args.stories} stories x {args.chapters} chapters of {args.kib} KiB: "
              f"{size:.0f} MiB (built in {built:.0f} s)")
        print(f"PRAGMA quick_check (every crawl, first):  {timed(lambda: quick_check(url)):.2f} s")
        print(f"PRAGMA integrity_check (mirror db check): {timed(lambda: check(url)):.2f} s")
        with Store(url) as store:
            lock = SiteLock(store, SITE, stale=180)

            def take_and_give_back() -> None:
                assert lock.acquire()
                lock.heartbeat(None)
                lock.release()

            print(f"site lock taken, one heartbeat, given back: {timed(take_and_give_back) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
