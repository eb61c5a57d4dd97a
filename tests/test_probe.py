"""`mirror probe`: a handful of polite requests to the sample archive (127.0.0.1 only), a report,
and a profile that loads and matches the site, for several date formats."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys

import pytest

from mirror import __version__
from mirror.probe import MAX_REQUESTS, PoliteClient, items_per_page, probe, rss_dates
from mirror.profiles import load_profile
from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from tests.test_crawl_sample import run


def archive_with(dateformat: str):
    archive = ARCHIVE.copy()
    archive.site = dataclasses.replace(archive.site, dateformat=dateformat)
    return archive


@pytest.mark.parametrize("dateformat", ["d/m/y", "M d Y", "m/d/Y", "F d, Y", "Y.m.d", "l, jS F Y"])
def test_probe_gets_the_profile_right(tmp_path, dateformat):
    with SampleArchive(archive=archive_with(dateformat)) as site:
        report = probe(site.base_url, delay=0)
        log = site.request_log()
    assert report.is_efiction and report.skin == "Berrygood"
    assert report.understood, report.verdict
    assert any("3.5" in hint for hint in report.version_hints)
    assert report.date_format.format == dateformat and report.date_format.certain, report.date_format
    assert report.items_per_page == ARCHIVE.site.items_per_page
    assert report.printable_gives_text is True
    assert report.viewstory_shows_index is False  # stock 3.5: viewstory.php?sid=N shows chapter 1
    assert any(g.startswith("warning") for g in report.rating_gates)
    assert report.encoding_used == "windows-1252" and report.encoding_declared == "cp1252"
    # polite: robots.txt first, a handful of requests, all to the archive
    assert log[0].path_qs == "/robots.txt" and len(log) <= MAX_REQUESTS == 10
    assert all(r.path_qs == "/robots.txt" or r.path_qs.startswith("/efiction/") for r in log)
    path = tmp_path / "sites" / "sample.toml"
    path.parent.mkdir()
    path.write_text(report.profile_toml("sample"), encoding="utf-8")
    profile = load_profile(path)
    assert profile.base_url == site.base_url and profile.date_format == dateformat
    assert profile.concurrency == 1 and profile.engine == "efiction"


def test_probe_is_polite(monkeypatch):
    with SampleArchive() as site:
        report = probe(site.base_url, delay=0.2, contact="admin@example.org")
        log = site.request_log()
    gaps = [b.time - a.time for a, b in zip(log, log[1:])]
    # starts are spaced 0.2 s; arrivals jitter a little on a loaded machine, the average does not
    assert (log[-1].time - log[0].time) / len(gaps) >= 0.19 and min(gaps) >= 0.1, gaps
    assert report.delay == 0.2
    assert all(isinstance(status, int) for _, status in report.requests)


def test_probe_obeys_robots_txt_and_its_crawl_delay():
    with SampleArchive(robots=False) as site:
        site.faults.append(lambda req: _robots(req, "User-agent: *\nCrawl-delay: 0.3\nDisallow: /efiction/rss.php\n"))
        report = probe(site.base_url, delay=0)
        paths = [r.path_qs for r in site.request_log()]
    assert "/efiction/rss.php" not in paths
    assert report.delay == 0.3 and report.robots_crawl_delay == 0.3
    assert report.date_format.format == "d/m/y"  # still inferred, without RSS
    assert report.understood, report.verdict


def _robots(req, text):
    from mirror.sample.server import Response

    if req.path == "/robots.txt":
        return Response(200, text.encode(), "text/plain")
    return None


def test_user_agent_is_the_crawls():
    seen = []
    with SampleArchive() as site:
        site.faults.append(lambda req: seen.append(req.headers.get("User-Agent")) or None)
        probe(site.base_url, delay=0, contact="admin@example.org")
    assert seen and all(ua.startswith(f"fic-mirror/{__version__}") and "contact: admin@example.org" in ua
                        for ua in seen)


def test_not_efiction():
    from mirror.sample.server import Response

    with SampleArchive() as site:
        site.faults.append(lambda req: Response(200, b"<html><body>Hello</body></html>", "text/html")
                           if req.path != "/robots.txt" else None)
        report = probe(site.base_url, delay=0)
    assert not report.is_efiction
    assert not report.understood and report.verdict.startswith("not understood: not an eFiction archive")


def test_client_stays_on_the_site_and_within_budget():
    client = PoliteClient("http://127.0.0.1:9/efiction/", user_agent="x", delay=0, max_requests=0)
    assert not client.allowed("http://elsewhere.example/efiction/browse.php")
    assert client.get("http://127.0.0.1:9/efiction/browse.php") is None  # budget spent: nothing sent
    assert client.log == []


def test_pure_helpers():
    assert items_per_page(["http://h/browse.php?type=titles&offset=20",
                           "http://h/browse.php?type=titles&offset=10"]) == 10
    assert items_per_page([]) is None
    rss = (b"<rss><channel><item><link>http://h/viewstory.php?sid=7</link>"
           b"<pubDate>Fri, 01 Mar 2013 12:00:00 +0000</pubDate></item></channel></rss>")
    assert rss_dates(rss) == {7: dt.date(2013, 3, 1)}


def test_cli_writes_a_profile_that_crawl_uses(tmp_path, monkeypatch, db):
    config = tmp_path / "config"
    monkeypatch.setenv("MIRROR_CONFIG_DIR", str(config))
    with SampleArchive(archive=archive_with("M d Y")) as site:
        out = config / "sites" / "willow.toml"
        proc = run(sys.executable, "-m", "mirror", "probe", site.base_url, "--write", str(out), "--delay", "0")
        assert proc.returncode == 0, proc.stderr
        assert "date format: M d Y (certain)" in proc.stdout
        profile = load_profile(out)
        assert profile.name == "willow" and profile.date_format == "M d Y"
        again = run(sys.executable, "-m", "mirror", "probe", site.base_url, "--write", str(out), "--delay", "0")
        assert again.returncode == 2 and "exists" in again.stderr
        site.clear_requests()
        crawl = run(sys.executable, "-m", "mirror", "crawl", "--profile", "willow", "--db", db,
                    "--log-level", "INFO")
    assert crawl.returncode == 0, crawl.stderr
    from mirror.storage import Store

    store = Store(db)
    try:
        stories = {s.story_id: s for s in store.iter_stories()}
    finally:
        store.close()
    truth = ARCHIVE.public_stories()[0]
    assert stories[truth.sid].published == truth.published and stories[truth.sid].updated == truth.updated
