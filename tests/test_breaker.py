"""A misunderstanding never becomes load on the site.

* a skin the parser cannot read: the crawl stops within a handful of requests (on probation only
  the first five stories are asked for: 7 requests), exit 1, with one line naming the field and
  the page and pointing to ``mirror probe`` (mirror/breaker.py);
* a listing that misreports every chapter count (a side block's "Chapters: 174" read as the
  story's): only the chapters the story's own pages list are ever asked for; the breaker stops
  the crawl (the renderings disagree), and with ``--force`` every story is stored right, at
  about 2 story pages per story, each disagreement counted (mirror/consistency/...);
* eFiction's info block and a featured story block on every page, before the content: never
  read as the story (the sample archive in every skin is crawled in tests/test_crawl_skins.py).
"""

from __future__ import annotations

import re
import subprocess
import sys

from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from mirror.sample.faults import on, real_page
from mirror.storage import Store
from tests.test_crawl_sample import assert_every_story_matches, last_run

# the info block and a featured block as eFiction 3.5.5 serves them (shared/reference index.html)
SIDE_BLOCKS = (b"""<div id="sidebar"><div class="block"><div class="title">Site Info</div><div class="content">"""
               b"""<div id='infoblock'><div><span class='label'>Members: </span>11</div>"""
               b"""<div><span class='label'>Stories: </span>39</div><div><span class='label'>Chapters: </span>174</div>"""
               b"""<div><span class='label'>Word count: </span>132402</div>"""
               b"""<div><span class='label'>Newest Member: </span><a href="viewuser.php?uid=11">bookish_reader</a></div>"""
               b"""</div></div></div><div class="block"><div class="title">Featured Stories</div><div class="content">"""
               b"""<a href="viewstory.php?sid=4">The Long Night</a> by <a href="viewuser.php?uid=9">Fennimore</a><br />"""
               b"""<span class="label">Summary: </span>A snowbound inn.<br /><span class="label">Rated:</span> PG-13<br />"""
               b"""<span class="label">Categories:</span> <a href='browse.php?type=categories&amp;catid=4'>Sherlock Holmes</a>"""
               b"""<br /><span class="label">Chapters: </span> 174<br /></div></div></div>""")


def mirror_crawl(base_url: str, db: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mirror", "crawl", base_url, "--db", db, "--delay", "0",
                           "--log-level", "ERROR", *extra], capture_output=True, text=True, timeout=300)


def _index_page(req) -> bool:
    return req.path.endswith("viewstory.php") and bool(req.get.get("index"))


def _unreadable(req):
    """A story index with no label and no title box: nothing the parser knows."""
    resp = real_page(req)
    body = re.sub(rb"<span class=[\"']label[\"']>[^<]*</span>", b"", resp.body)
    resp.body = body.replace(b'id="pagetitle"', b'id="heading"')
    return resp


def _chapters_174(req):
    resp = real_page(req)
    resp.body = re.sub(rb"(Chapters: </span>\s*)\d+", rb"\g<1>174", resp.body)
    return resp


def _with_side_blocks(req):
    resp = real_page(req)
    resp.body = resp.body.replace(b'<div id="mainpage">', b'<div id="mainpage">' + SIDE_BLOCKS, 1)
    return resp


def test_a_skin_it_cannot_read_stops_within_a_handful_of_requests(tmp_path):
    with SampleArchive() as site:
        site.faults.append(on(_index_page, _unreadable))
        result = mirror_crawl(site.base_url, f"sqlite:///{tmp_path / 'm.sqlite'}")
        requests = site.request_log()
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("mirror:")]
    assert len(lines) == 1 and "is not understood (3 of the first 3 stories)" in lines[0], result.stderr
    assert "cannot parse metadata" in lines[0] and "index=1" in lines[0] and f"mirror probe {site.base_url}" in lines[0]
    # on probation: robots.txt, the listing page, the first five stories' printable views and the
    # indexes the index check read (one story after the other: each could not be compared)
    story_pages = [r for r in requests if "viewstory.php" in r.path_qs]
    assert len(story_pages) <= 8 and len(requests) <= 16, [r.path_qs for r in requests]
    assert not any("chapter=" in r.path_qs and "printable" not in r.path_qs for r in requests)
    store = Store(f"sqlite:///{tmp_path / 'm.sqlite'}")
    try:
        assert list(store.iter_stories(site=site.base_url)) == []  # nothing half-understood stored
        assert last_run(store)["status"] == "stopped: not_understood"
    finally:
        store.close()


def test_a_misread_chapter_count_never_becomes_requests(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.sqlite'}"
    with SampleArchive() as site:
        site.faults.append(on(lambda req: req.path.endswith("browse.php"), _chapters_174))
        stopped = mirror_crawl(site.base_url, db)
        first = site.request_log()
        site.clear_requests()
        forced = mirror_crawl(site.base_url, f"sqlite:///{tmp_path / 'forced.sqlite'}", "--force")
        requests = site.request_log()
    assert stopped.returncode == 1 and "renderings disagree on chapter_count: index " in stopped.stderr
    assert "listing 174; kept the index's" in stopped.stderr, stopped.stderr
    assert len(first) <= 25, [r.path_qs for r in first]  # five stories and what the listing asked for
    assert not any("chapter=" in r.path_qs and "printable" not in r.path_qs for r in first)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    chapter_pages = [r.path_qs for r in requests if "chapter=" in r.path_qs and "printable" not in r.path_qs]
    assert chapter_pages == []  # the printable view gave every chapter the index listed
    store = Store(f"sqlite:///{tmp_path / 'forced.sqlite'}")
    try:
        stats = last_run(store)["stats"]
        assert stats["mirror/requests/story"] / stats["mirror/stories/stored"] <= 2.0
        assert stats["mirror/consistency/chapter_count"] == len(ARCHIVE.public_stories())
        assert stats["mirror/breaker/forced"] is True and last_run(store)["settings"]["MIRROR_BREAKER_ENABLED"] is False
        for truth in ARCHIVE.public_stories():
            assert store.get_story(site.base_url, truth.sid).chapter_count == len(truth.chapters)
    finally:
        store.close()
    status = subprocess.run([sys.executable, "-m", "mirror", "status", "--db", f"sqlite:///{tmp_path / 'forced.sqlite'}"],
                            capture_output=True, text=True, timeout=60).stdout
    assert f"renderings disagreed (--force): chapter_count {len(ARCHIVE.public_stories())}" in status, status
    assert "renderings disagree on chapter_count: index " in status and "listing 174; kept the index's" in status


def test_side_blocks_on_every_page_are_nobodys_story(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.sqlite'}"
    with SampleArchive() as site:
        site.faults.append(on(lambda req: True, _with_side_blocks))
        result = mirror_crawl(site.base_url, db)
        story_requests = [r for r in site.request_log() if "viewstory.php" in r.path_qs]
    assert result.returncode == 0, result.stdout + result.stderr
    store = Store(db)
    try:
        assert_every_story_matches(store, site.base_url)
        stats = last_run(store)["stats"]
        assert not any(k.startswith("mirror/consistency/") for k in stats), stats
        assert stats["mirror/requests/story"] / stats["mirror/stories/stored"] <= 2.0
        assert not any("chapter=" in r.path_qs and "printable" not in r.path_qs for r in story_requests)
    finally:
        store.close()


def test_a_listing_whose_story_blocks_cannot_be_read_is_not_a_finished_crawl_of_nothing(tmp_path):
    """A listing that links stories but shows none the parser can read: exit 1 and one line,
    never "0 stories stored, finished"."""
    def one_link_per_page(req):
        resp = real_page(req)
        resp.body = re.sub(rb"<div class=\"listbox[^\"]*\">.*?<div class=\"tail\">.*?</div>\s*</div>",
                           b'<p><a href="viewstory.php?sid=2">x</a></p>', resp.body, count=1, flags=re.S)
        resp.body = re.sub(rb"<div class=\"listbox[^\"]*\">.*?<div class=\"tail\">.*?</div>\s*</div>", b"",
                           resp.body, flags=re.S)
        return resp

    with SampleArchive() as site:
        site.faults.append(on(lambda req: req.path.endswith("browse.php"), one_link_per_page))
        result = mirror_crawl(site.base_url, f"sqlite:///{tmp_path / 'm.sqlite'}")
        requests = site.request_log()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "links stories but no story block on it could be read" in result.stderr
    assert len(requests) == 2  # robots.txt and the listing
