"""Benchmark: export a large mirror to every format; peak memory and stories per second.

    python bench/export.py [--stories 20000] [--db sqlite:///bench-export.sqlite] [--formats jsonl,txt,...]

Builds (once; reused when the database already holds them) a database of N generated stories
(3-5 chapters of about 3 kB each), then runs `mirror export FORMAT` for each format in its own
process and prints its peak RSS (that child's ru_maxrss, from wait4) and stories per second.
Target: peak RSS under 200 MB for every format.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mirror.items import Author, Chapter, Series, Story, Tag  # noqa: E402
from mirror.storage import Store  # noqa: E402

SITE = "http://bench.example/fiction/"
WORDS = ("lantern harbour winter letter quiet night snow feather clock ledger river station door "
         "garden morning shadow promise").split()


def make_story(sid: int, rng: random.Random) -> Story:
    authors = [Author(sid % 400 + 1, f"Author {sid % 400 + 1}", f"{SITE}viewuser.php?uid={sid % 400 + 1}")]
    chapters = []
    for number in range(1, rng.randint(3, 5) + 1):
        paragraphs = ["<p>" + " ".join(rng.choice(WORDS) for _ in range(60)) + ".</p>" for _ in range(8)]
        text = "\n".join(paragraphs)
        chapters.append(Chapter(number, sid * 10 + number, f"Chapter {number}", authors, len(text.split()),
                                "", "", text))
    updated = dt.date(2005, 1, 1) + dt.timedelta(days=sid % 3000)
    return Story(site=SITE, story_id=sid, url=f"{SITE}viewstory.php?sid={sid}", title=f"Story number {sid}",
                 authors=authors, summary_html=f"A generated story, number {sid}.", rating="PG",
                 categories=[Tag(1, "Original Fiction")], characters=[Tag(2, "Someone")],
                 classes={"Genres": [Tag(3, "Drama")], "Warnings": [Tag(4, "None")]},
                 series=[Series(sid % 50 + 1, f"Series {sid % 50 + 1}", f"{SITE}viewseries.php?seriesid={sid % 50 + 1}")]
                 if sid % 7 == 0 else [],
                 chapter_count=len(chapters), completed=True, word_count=sum(c.word_count for c in chapters),
                 read_count=sid, review_count=0, published=updated, updated=updated,
                 published_display=updated.strftime("%d/%m/%y"), updated_display=updated.strftime("%d/%m/%y"),
                 chapters=chapters)


def build(db: str, n: int) -> None:
    store = Store(db)
    try:
        have = store.site_summary(SITE)["stories"]
        if have >= n:
            return
        rng = random.Random(0)
        started = time.monotonic()
        for sid in range(1, n + 1):
            story = make_story(sid, rng)
            if sid > have:
                store.upsert_story(story)
        print(f"built {n} stories in {time.monotonic() - started:.0f} s")
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=20000)
    parser.add_argument("--db", default="sqlite:///bench-export.sqlite")
    parser.add_argument("--formats", default="jsonl,txt,epub,csv,html,opendoors")
    args = parser.parse_args()
    build(args.db, args.stories)
    print(f"{'format':10} {'stories/s':>10} {'peak RSS':>10} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats.split(","):
            out = f"{tmp}/{fmt}" + (".jsonl" if fmt == "jsonl" else "")
            started = time.monotonic()
            with open(f"{tmp}/{fmt}.log", "w") as log:
                child = subprocess.Popen([sys.executable, "-m", "mirror", "export", fmt, "--db", args.db,
                                          "--out", out], cwd=ROOT, stdout=log, stderr=log)
                _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS
            seconds = time.monotonic() - started
            if os.waitstatus_to_exitcode(status) != 0:
                print(f"{fmt:10} FAILED: {Path(f'{tmp}/{fmt}.log').read_text().strip().splitlines()[-1:]}")
                continue
            print(f"{fmt:10} {args.stories / seconds:10.0f} {usage.ru_maxrss / 1024:8.0f} MB {seconds:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
