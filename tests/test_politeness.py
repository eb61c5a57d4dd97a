"""Being a guest: Retry-After, backoff, Crawl-delay, the User-Agent, robots.txt.

Timings are read from the sample server's own log of request times.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone

from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from mirror.sample.faults import on, path, status, story
from mirror.sample.server import Response
from mirror.storage import Store
from tests.storage_fixtures import database
from tests.test_crawl_sample import last_run, run


# Story pages only: these tests are about the spacing of requests, and each extra page costs
# a delay (the reviews, profiles, series, challenges, browse pages and images have tests of their own).
STORIES_ONLY = [arg for name in ("REVIEWS", "AUTHORS", "SERIES", "CHALLENGES", "TAXONOMY", "IMAGES")
                for arg in ("-s", f"MIRROR_{name}=0")]


def crawl_any(base_url: str, db: str, *extra: str):
    return run(sys.executable, "-m", "mirror", "crawl", base_url, "--db", db, "--delay", "0",
               "--log-level", "INFO", *STORIES_ONLY, *extra)


def gap_after(log, index_of_fault: int) -> float:
    """Seconds between a faulted request and the next request the site received."""
    return log[index_of_fault + 1].time - log[index_of_fault].time


def faulted(log, code: int) -> int:
    return next(i for i, r in enumerate(log) if r.status == code)


def test_retry_after_seconds_and_http_date_and_backoff(db):
    first, second, third = (s.sid for s in ARCHIVE.public_stories()[:3])
    def three_seconds_from_now(req):  # an HTTP date, computed when the answer is served
        return status(429, retry_after=datetime.now(timezone.utc) + timedelta(seconds=3))(req)

    with SampleArchive() as site:
        site.faults += [on(story(first, "printable"), status(503, retry_after=2), times=1),
                        on(story(second, "printable"), three_seconds_from_now, times=1),
                        on(story(third, "printable"), status(429), times=1)]
        result = crawl_any(site.base_url, db)
        log = site.request_log()
    assert result.returncode == 0, result.stderr
    waits = {code: [] for code in (503, 429)}
    for i, record in enumerate(log[:-1]):
        if record.status in waits:
            waits[record.status].append(log[i + 1].time - record.time)
    assert waits[503][0] >= 1.9  # Retry-After: 2
    assert max(waits[429]) >= 1.5  # the HTTP date: 2-3 s away when served (whole seconds)
    assert min(waits[429]) >= 0.45  # no header: backoff of 1 s x [0.5, 1.5]
    store = Store(db)
    try:
        stats = last_run(store)["stats"]
        assert stats["mirror/retry_after/503"] == 1 and stats["mirror/retry_after/429"] == 2
        assert {first, second, third} <= set(store.story_ids(site.base_url))
        assert all(store.get_story(site.base_url, sid).status == "ok" for sid in (first, second, third))
    finally:
        store.close()


def assert_spaced(log, delay):
    """Requests reached the server about `delay` apart.

    Scrapy spaces the *starts* of downloads; the server sees arrivals, which jitter by a few
    tens of milliseconds on a loaded machine. So: the average gap (which telescopes, so one
    late arrival barely moves it) is the delay, and nine gaps in ten are close to it. Without
    the delay the gaps are about 0.04 s, and both checks fail by far.
    """
    gaps = sorted(b.time - a.time for a, b in zip(log, log[1:]))
    assert len(gaps) >= 10, gaps
    assert (log[-1].time - log[0].time) / len(gaps) >= delay * 0.97, gaps
    assert gaps[len(gaps) // 10] >= delay * 0.9, gaps


def test_crawl_delay_from_robots_txt_and_user_agent_contact(db):
    agents = []

    def remember_agent(req):
        agents.append(req.headers.get("User-Agent"))

    robots = Response(200, b"User-agent: *\nCrawl-delay: 0.15\nDisallow: /efiction/user.php\n", "text/plain")
    with SampleArchive() as site:
        site.faults += [lambda req: remember_agent(req), on(path("/robots.txt"), lambda req: robots)]
        result = crawl_any(site.base_url, db, "--contact", "archivist@example.org")
        log = site.request_log()
    assert result.returncode == 0, result.stderr
    assert_spaced(log[1:], 0.15)  # --delay 0 (about 0.04 s apart), but the site asked for 0.15 s
    assert "Crawl-delay 0.15" in result.stderr
    assert set(agents) == {"fic-mirror/0.1.0 (archival crawler for eFiction archives; contact: archivist@example.org)"}


def test_robots_txt_is_obeyed_unless_explicitly_ignored(backend, tmp_path):
    deny_all = Response(200, b"User-agent: *\nDisallow: /\n", "text/plain")
    with database(backend, tmp_path, "a") as a, database(backend, tmp_path, "b") as b, SampleArchive() as site:
        site.faults.append(on(path("/robots.txt"), lambda req: deny_all))
        obeyed = crawl_any(site.base_url, a)
        assert [r.path_qs for r in site.request_log()] == ["/robots.txt"]
        ignored = crawl_any(site.base_url, b, "--ignore-robots")
        assert "0 stories stored" in obeyed.stdout
        assert ignored.returncode == 0 and f"{len(ARCHIVE.listed_stories())} stories stored" in ignored.stdout
        assert "robots.txt is NOT obeyed" in ignored.stderr
        store = Store(b)
        try:
            assert last_run(store)["settings"]["ROBOTSTXT_OBEY"] is False
        finally:
            store.close()


def test_site_profile_delay_applies_unless_the_command_line_sets_one(backend, tmp_path, monkeypatch):
    with database(backend, tmp_path, "a") as a, database(backend, tmp_path, "b") as b, SampleArchive() as site:
        sites = tmp_path / "config" / "sites"
        sites.mkdir(parents=True)
        (sites / "sample.toml").write_text(f'name = "sample"\nbase_url = "{site.base_url}"\ndelay = 0.15\n',
                                           encoding="utf-8")
        monkeypatch.setenv("MIRROR_CONFIG_DIR", str(tmp_path / "config"))
        profiled = run(sys.executable, "-m", "mirror", "crawl", site.base_url, "--db",
                       a, "--log-level", "INFO", *STORIES_ONLY)
        log = site.request_log()
        site.clear_requests()
        explicit = crawl_any(site.base_url, b)
        fast = site.request_log()
    assert profiled.returncode == 0 and explicit.returncode == 0, profiled.stderr + explicit.stderr
    assert "site profile sample: 0.15 s between requests" in profiled.stderr
    assert_spaced(log[1:], 0.15)
    gaps = [b.time - a.time for a, b in zip(log[1:], log[2:])]
    assert sorted(gaps)[len(gaps) // 2] < 1.0  # the profile's 0.15 s, not 2 s
    assert min(b.time - a.time for a, b in zip(fast[1:], fast[2:])) < 0.1  # --delay 0 wins
