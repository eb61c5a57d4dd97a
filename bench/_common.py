"""Shared by the benchmarks: a generated sample archive served from its own process, a client
that measures what that server can serve on its own, and a crawl run in a child process.

    python bench/_common.py --serve N [--items-per-page 25]      (used by bench/scale.py)

The server process builds ``Archive.generated(N, **SIZES)``, serves it on 127.0.0.1 (a free
port), prints one JSON line (base URL, stories, chapters, text bytes, build time, its RSS) and
then answers commands on stdin, one a line: ``log`` prints (as one JSON line) what it served
since the last ``log``, and clears it; end of input stops it.  Loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Realistic sizes: ~20% one-shots, the rest 1-23 chapters (mean ~10 chapters a story), chapters
# of 2-20 kB of text (mean ~11 kB): 10,000 stories hold ~100,000 chapters, ~1.1 GB of text.
SIZES: dict[str, Any] = {"chapters": (1, 23), "one_shots": 0.2, "chapter_bytes": (2000, 20000)}


def rss_mib() -> float:
    """Peak RSS of this process so far, in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------
# The server, in a process of its own
# ---------------------------------------------------------------------------


def _serve(n: int, items_per_page: int | None) -> int:
    from mirror.sample import SampleArchive
    from mirror.sample import server as server_module
    from mirror.sample.archive import Archive

    started = time.monotonic()
    archive = Archive.generated(n, **SIZES)
    stories = archive.listed_stories()
    info = {
        "stories": len(stories),
        "chapters": sum(len(s.chapters) for s in stories),
        "text_bytes": sum(len(c.text) for s in stories for c in s.chapters),
        "build_seconds": time.monotonic() - started,
    }
    # TCP_NODELAY: without it, the tail of each response waits for the client's delayed ACK
    # (~40 ms a request on a keep-alive connection).  Only this process's handler class.
    server_module._Handler.disable_nagle_algorithm = True
    # No page cache: every request renders its page, as on the first crawl (the worst case).
    site = SampleArchive(archive=archive, items_per_page=items_per_page, cache_bytes=0).start()
    info["base_url"] = site.base_url
    info["rss_mib"] = rss_mib()
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        if line.strip() == "log":
            log = site.request_log()
            site.clear_requests()
            print(json.dumps({
                "requests": len(log),
                "story": sum("viewstory.php" in r.path_qs for r in log),
                "listing": sum("browse.php" in r.path_qs and "type=titles" in r.path_qs for r in log),
                "by_script": dict(Counter(urlsplit(r.path_qs).path.rsplit("/", 1)[-1] for r in log)),
                "rss_mib": rss_mib(),
            }), flush=True)
    site.stop()
    return 0


class ServerProcess:
    """``with ServerProcess(n) as server:`` a generated archive served by another process."""

    def __init__(self, n: int, items_per_page: int | None = None) -> None:
        self.n = n
        self.items_per_page = items_per_page
        self.proc: subprocess.Popen | None = None
        self.info: dict[str, Any] = {}

    def __enter__(self) -> "ServerProcess":
        args = [sys.executable, str(Path(__file__).resolve()), "--serve", str(self.n)]
        if self.items_per_page:
            args += ["--items-per-page", str(self.items_per_page)]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError(f"the sample server did not start (exit {self.proc.wait()})")
        self.info = json.loads(line)
        return self

    @property
    def base_url(self) -> str:
        return self.info["base_url"]

    def log(self) -> dict[str, Any]:
        """What the server served since the last call (and forget it)."""
        assert self.proc is not None
        self.proc.stdin.write("log\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------------------
# Server capacity: a client hammering it (in a process of its own)
# ---------------------------------------------------------------------------


def story_paths(prefix: str, sids: list[int]) -> list[str]:
    """The pages a crawl fetches per story: its index and its printable whole story."""
    out = []
    for sid in sids:
        out.append(f"{prefix}viewstory.php?sid={sid}&index=1")
        out.append(f"{prefix}viewstory.php?action=printable&sid={sid}&chapter=all")
    return out


def _hammer(base_url: str, paths: list[str], concurrency: int, seconds: float) -> dict[str, Any]:
    """Fetch ``paths`` (round robin) with ``concurrency`` keep-alive connections for ``seconds``."""
    parts = urlsplit(base_url)
    lock = threading.Lock()
    state = {"next": 0, "pages": 0, "bytes": 0, "errors": 0}
    deadline = time.monotonic() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                path = paths[state["next"] % len(paths)]
                state["next"] += 1
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                ok = resp.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                body, ok = b"", False
            with lock:
                state["pages" if ok else "errors"] += 1
                state["bytes"] += len(body)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - started
    return {"pages_per_s": state["pages"] / took, "mb_per_s": state["bytes"] / took / 1e6,
            "pages": state["pages"], "errors": state["errors"], "seconds": took}


def server_capacity(base_url: str, sids: list[int], concurrency: int = 16, seconds: float = 5.0) -> dict[str, Any]:
    """The story pages a crawl fetches, served as fast as the server can (a client process)."""
    args = [sys.executable, str(Path(__file__).resolve()), "--hammer", base_url, str(concurrency), str(seconds),
            ",".join(map(str, sids))]
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# A crawl in a child process (Scrapy's reactor runs once per process)
# ---------------------------------------------------------------------------


@dataclass
class CrawlFigures:
    seconds: float
    stories: int
    responses: int
    story_requests: int
    peak_rss_mib: float  # the crawling process's own peak
    cpu_seconds: float  # the crawling process's user + system time (all its threads)
    stats: dict[str, Any]
    store_processes: int = 0  # MIRROR_STORE_PROCESSES
    store_peak_rss_mib: float = 0.0  # the store processes' peaks, added up (0: none)

    @property
    def total_peak_rss_mib(self) -> float:
        """The crawl's memory, store processes included: the peaks added up (an upper bound:
        they need not coincide)."""
        return self.peak_rss_mib + self.store_peak_rss_mib

    @property
    def pages_per_s(self) -> float:
        return self.responses / self.seconds if self.seconds else 0.0

    @property
    def stories_per_s(self) -> float:
        return self.stories / self.seconds if self.seconds else 0.0


def _crawl_child(url: str, db: str, extra_json: str) -> int:
    from mirror.crawl import run_crawl

    result = run_crawl(url, db_url=db, delay=0, log_level="ERROR", extra_settings=json.loads(extra_json))
    stats = {k: v for k, v in result.stats.items() if isinstance(v, (int, float, str))}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": result.seconds, "stories": result.stories, "stats": stats,
                      "peak_rss_mib": rss_mib(), "cpu_seconds": usage.ru_utime + usage.ru_stime}, default=str))
    return 0


def impolite(concurrency: int = 16, store_processes: int | str = "auto") -> dict[str, Any]:
    """Politeness off: no delay (``delay=0``), no AutoThrottle, ``concurrency`` requests at once;
    the store's transactions in ``store_processes`` processes (0: the reactor's threads; auto:
    the crawl's own default, which is 1 process with politeness off)."""
    settings: dict[str, Any] = {"AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": concurrency,
                                "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "MIRROR_PROGRESS": "off"}
    if store_processes != "auto":
        settings["MIRROR_STORE_PROCESSES"] = store_processes
    return settings


def crawl(url: str, db: str, extra: dict[str, Any]) -> CrawlFigures:
    """One crawl of ``url`` into ``db`` in a child process; its figures and its peak RSS."""
    args = [sys.executable, str(Path(__file__).resolve()), "--crawl", url, db, json.dumps(extra)]
    out = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(f"crawl failed (exit {out.returncode}):\n{out.stderr[-4000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    stats = data["stats"]
    return CrawlFigures(seconds=data["seconds"], stories=data["stories"],
                        responses=int(stats.get("downloader/response_count", 0)),
                        story_requests=int(stats.get("mirror/requests/story", 0)),
                        peak_rss_mib=data["peak_rss_mib"], cpu_seconds=data["cpu_seconds"], stats=stats,
                        store_processes=int(stats.get("mirror/store/processes", 0)),
                        # the store processes' peaks (VmHWM: RUSAGE_CHILDREN would count each at
                        # this process's size, as its fork was before its exec)
                        store_peak_rss_mib=float(stats.get("mirror/store/peak_rss_mib", 0.0)))


@dataclass
class Schema:  # noqa: D101
    url: str
    name: str


@contextlib.contextmanager
def postgres_schema(server_url: str, name: str) -> Iterator[Schema]:
    """A fresh PostgreSQL schema (dropped afterwards) and a URL whose search_path is it."""
    import sqlalchemy as sa

    engine = sa.create_engine(server_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    url = sa.engine.make_url(server_url).update_query_dict({"options": f"-csearch_path={name}"})
    try:
        yield Schema(url.render_as_string(hide_password=False), name)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        engine.dispose()


def main() -> int:
    if sys.argv[1:2] == ["--crawl"]:
        return _crawl_child(*sys.argv[2:5])
    if sys.argv[1:2] == ["--hammer"]:
        base, concurrency, seconds, sids = sys.argv[2:6]
        prefix = urlsplit(base).path
        paths = story_paths(prefix, [int(s) for s in sids.split(",")])
        print(json.dumps(_hammer(base, paths, int(concurrency), float(seconds))))
        return 0
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--serve", type=int, required=True, metavar="N")
    p.add_argument("--items-per-page", type=int, default=None)
    args = p.parse_args()
    return _serve(args.serve, args.items_per_page)


if __name__ == "__main__":
    sys.exit(main())
