"""A page that cannot be parsed is dropped with its reason and counted; the crawl goes on."""

from __future__ import annotations

import pytest

from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from mirror.sample.server import Response
from mirror.storage import Store
from tests.storage_fixtures import database
from tests.test_crawl_sample import crawl, last_run

BROKEN_INDEX = (b"<html><head><meta http-equiv='Content-Type' content='text/html; charset=ISO-8859-1'>"
                b"</head><body><div id='pagetitle'></div><p>half a page, no metadata")
FATAL = (b"<html><body><div id='pagetitle'></div>A fatal MySQL error was encountered.<br />"
         b"Query: SELECT ...</body></html>")


def answer(sid: int, body: bytes):
    def fault(req):
        if req.path.endswith("viewstory.php") and req.get.get("sid") == str(sid):
            return Response(200, body, "text/html; charset=_CHARSET")
        return None
    return fault


@pytest.fixture(scope="module")
def result(backend, tmp_path_factory):
    broken, fatal = (s.sid for s in ARCHIVE.public_stories()[2:4])
    with database(backend, tmp_path_factory.mktemp("bad")) as db, SampleArchive() as archive:
        archive.faults += [answer(broken, BROKEN_INDEX), answer(fatal, FATAL)]
        output = crawl(archive.base_url, db)
        store = Store(db)
        yield archive, store, broken, fatal, output
        store.close()


def test_bad_pages_are_dropped_and_counted(result):
    archive, store, broken, fatal, output = result
    stats = last_run(store)["stats"]
    assert stats["mirror/dropped"] == 2
    assert stats["mirror/dropped/parse_error"] == 1
    assert stats["mirror/dropped/unavailable/fatal"] == 1
    assert store.get_story(archive.base_url, broken) is None
    assert store.get_story(archive.base_url, fatal) is None
    assert "2 dropped" in output.stdout


def test_the_crawl_goes_on(result):
    archive, store, broken, fatal, _ = result
    stored = set(store.story_ids(archive.base_url))
    assert stored == {s.sid for s in ARCHIVE.listed_stories()} - {broken, fatal}


def test_drop_reason_names_url_and_field(result):
    archive, store, broken, _, output = result
    assert f"viewstory.php?sid={broken}&index=1" in output.stderr
    assert "cannot parse title" in output.stderr


def printable(sid: int, response: Response):
    def fault(req):
        if req.get.get("action") == "printable" and req.get.get("sid") == str(sid):
            return response
        return None
    return fault


def test_printable_missing_or_empty_falls_back_to_chapter_pages(db):
    """A site with the printable view switched off (404) or giving no text still mirrors whole."""
    multi = [s for s in ARCHIVE.public_stories() if len(s.chapters) > 2 and not s.gated]
    gone, empty = multi[0], multi[1]
    with SampleArchive() as archive:
        archive.faults += [
            printable(gone.sid, Response(404, b"<h1>Not Found</h1>", "text/html")),
            printable(empty.sid, Response(200, b"<html><body><div id='pagetitle'>x</div></body></html>",
                                          "text/html; charset=_CHARSET")),
        ]
        crawl(archive.base_url, db)
        paths = [r.path_qs for r in archive.request_log()]
    store = Store(db)
    try:
        for truth in (gone, empty):
            story = store.get_story(archive.base_url, truth.sid)
            assert story is not None and [c.number for c in story.chapters] == [
                c.inorder for c in truth.chapters]
            assert all(c.text_html for c in story.chapters)
            assert sum(f"?sid={truth.sid}&chapter=" in p for p in paths) == len(truth.chapters)
        stats = last_run(store)["stats"]
        assert stats["mirror/printable/failed"] == 1 and stats["mirror/printable/incomplete"] == 1
        assert stats.get("mirror/stories/failed", 0) == 0
    finally:
        store.close()
