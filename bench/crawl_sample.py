"""Benchmark: crawl the bundled sample archive on loopback and print the figures.

    python bench/crawl_sample.py [--delay 0] [--no-printable] [--autothrottle] [--no-reviews] [--no-authors] [--no-images]
                                 [--skin NAME | --every-skin]

Prints requests per story (story pages, listing pages apart), stories per second and pages per
second, and peak memory (RSS) of the crawling process.  ``--skin NAME``: the sample served in one
of its skins or variants (mirror/sample/variants.py: SKINS, VARIANTS); ``--every-skin``: one line
per skin (each crawl in a process of its own: Scrapy's reactor runs once per process) with the
story pages per story, all requests per story and the renderings' disagreements.  Loopback only;
nothing is timed in tests.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mirror.crawl import run_crawl  # noqa: E402
from mirror.sample import SampleArchive  # noqa: E402
from mirror.sample.variants import SKINS, VARIANTS  # noqa: E402

SKIN_NAMES = {**SKINS, **VARIANTS}


def every_skin() -> int:
    """One crawl per skin, each in a process of its own; a line of figures each."""
    print(f"{'skin':<16} {'stored':>6} {'story pages/story':>18} {'all/story':>10} {'disagreements':>14}")
    for name in ["stock", *SKIN_NAMES]:
        args = [sys.executable, __file__, "--brief"] + ([] if name == "stock" else ["--skin", name])
        line = subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
        print(f"{name:<16} {line}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--no-printable", action="store_true", help="one request per chapter")
    parser.add_argument("--autothrottle", action="store_true", help="keep AutoThrottle on (off by default here)")
    parser.add_argument("--no-reviews", action="store_true", help="MIRROR_REVIEWS=0: no review pages")
    parser.add_argument("--no-authors", action="store_true", help="MIRROR_AUTHORS=0: no author profiles")
    parser.add_argument("--no-images", action="store_true", help="MIRROR_IMAGES=0: no images")
    parser.add_argument("--skin", choices=sorted(SKIN_NAMES), help="serve the sample in this skin or variant")
    parser.add_argument("--every-skin", action="store_true", help="one line of figures per skin")
    parser.add_argument("--brief", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.every_skin:
        return every_skin()
    variant = SKIN_NAMES[args.skin] if args.skin else None
    with tempfile.TemporaryDirectory() as tmp, SampleArchive(variant=variant) as archive:
        result = run_crawl(archive.base_url, db_url=f"sqlite:///{tmp}/bench.sqlite", delay=args.delay,
                           log_level="ERROR",
                           extra_settings={"MIRROR_PRINTABLE": not args.no_printable,
                                           "AUTOTHROTTLE_ENABLED": args.autothrottle,
                                           "MIRROR_REVIEWS": not args.no_reviews,
                                           "MIRROR_AUTHORS": not args.no_authors,
                                           "MIRROR_IMAGES": not args.no_images})
        served = len(archive.request_log())
    stats = result.stats
    pages = stats.get("downloader/response_count", 0)
    if args.brief:
        stored = result.stories or 1
        per_story = (stats.get("mirror/requests/story", 0) + stats.get("mirror/requests/reviews", 0)
                     + stats.get("mirror/requests/authors", 0)) / stored
        disagreements = sum(v for k, v in stats.items() if k.startswith("mirror/consistency/"))
        print(f"{result.stories:>6} {result.requests_per_story:>18.2f} {per_story:>10.2f} {disagreements:>14}")
        return 0
    print(f"mode:               {'per-chapter' if args.no_printable else 'printable'}, delay {args.delay}s, "
          f"AutoThrottle {'on' if args.autothrottle else 'off'}")
    print(f"stories stored:     {result.stories}")
    print(f"requests per story: {result.requests_per_story:.2f} "
          f"(+ {stats.get('mirror/requests/listing', 0)} listing pages, 1 robots.txt)")
    print(f"series:             {stats.get('mirror/series/stored', 0)} stored, "
          f"{stats.get('mirror/requests/series', 0)} series pages "
          f"(+ {stats.get('mirror/requests/series_listing', 0)} series listing pages)")
    reviews, authors = stats.get("mirror/requests/reviews", 0), stats.get("mirror/requests/authors", 0)
    stored = result.stories or 1
    print(f"reviews:            {reviews} review pages ({reviews / stored:.2f} per story), "
          f"{stats.get('mirror/reviews/new', 0)} new reviews")
    print(f"author profiles:    {authors} pages ({authors / stored:.2f} per story)")
    print(f"challenges:         {stats.get('mirror/challenges/stored', 0)} stored, "
          f"{stats.get('mirror/requests/challenges', 0)} challenge pages "
          f"(+ {stats.get('mirror/requests/challenge_listing', 0)} challenges listing pages)")
    print(f"taxonomy:           {stats.get('mirror/requests/taxonomy', 0)} browse and gate pages "
          f"({stats.get('mirror/taxonomy/failed', 0)} failed)")
    images = stats.get("mirror/requests/images", 0)
    print(f"images:             {images} requests ({images / stored:.2f} per story), "
          f"{stats.get('mirror/images/new', 0)} stored, {stats.get('mirror/images/failed', 0)} failed")
    story_pages = stats.get("mirror/requests/story", 0)
    print(f"per story, all:     {(story_pages + reviews + authors) / stored:.2f} "
          f"(story pages + reviews + profiles; listings and series apart)")
    print(f"requests in all:    {pages} (server saw {served})")
    print(f"time:               {result.seconds:.2f} s")
    print(f"stories/s:          {result.stories / result.seconds:.1f}")
    print(f"pages/s:            {pages / result.seconds:.1f}")
    print(f"peak RSS:           {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
