"""Tests of the bundled sample eFiction 3.5 server (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import lxml.html
import pytest

from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE, MEMBER_PASSWORD, MEMBER_PENNAME, efiction_word_count


class Client:
    """A browser-ish client: its own cookie jar (= its own PHP session)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data: dict[str, str] | None = None):
        url = urllib.parse.urljoin(self.base_url, path)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=10) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get(self, path: str) -> bytes:
        status, _, body = self.request(path)
        assert status == 200, (path, status)
        return body

    def doc(self, path: str):
        return lxml.html.fromstring(self.get(path).decode("cp1252"))

    def session_id(self) -> str | None:
        return next((c.value for c in self.jar if c.name == "PHPSESSID"), None)


@pytest.fixture(scope="module")
def site():
    with SampleArchive() as s:
        yield s


@pytest.fixture()
def client(site):
    return Client(site.base_url)


def listed_sids(doc) -> list[int]:
    """sids of the story title links of a listing page (plain or javascript: gated links)."""
    out = []
    for a in doc.xpath('//div[contains(@class,"listbox")]/div[@class="title"]/a[1]'):
        m = re.search(r"sid=(\d+)", a.get("href"))
        out.append(int(m.group(1)))
    return out


def errortext(doc) -> str:
    return " ".join(e.text_content() for e in doc.xpath('//div[@class="errortext"]'))


# ---------------------------------------------------------------------------


def test_base_url_and_archive_shape(site):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/efiction/", site.base_url)
    listed = ARCHIVE.listed_stories()
    assert 24 <= len(listed) <= 26
    assert any(len(s.chapters) >= 20 for s in listed)
    assert [s.sid for s in ARCHIVE.unvalidated_stories()] == [19]
    assert [s.sid for s in ARCHIVE.restricted_stories()] == [11]
    assert len(ARCHIVE.public_stories()) == len(listed) - 1
    for s in listed:
        assert s.published <= s.updated
        assert s.wordcount == sum(c.wordcount for c in s.chapters)
        assert all(c.wordcount == efiction_word_count(c.source) for c in s.chapters)


def test_pagination_reaches_every_listed_story_once(client):
    seen: list[int] = []
    todo, done = ["browse.php?type=titles&offset=0"], set()
    while todo:
        url = todo.pop(0)
        if url in done:
            continue
        done.add(url)
        doc = client.doc(url)
        seen += listed_sids(doc)
        for a in doc.xpath('//div[@id="pagelinks"]//a[contains(@href,"offset=")]'):
            todo.append(a.get("href"))
    assert len(done) == 3
    assert sorted(seen) == [s.sid for s in ARCHIVE.listed_stories()]
    assert len(seen) == len(set(seen))
    assert 19 not in seen


def test_pagelinks_markup_and_sort_update(client):
    body = client.get("browse.php?type=titles&sort=update&offset=10")
    assert (b"<div id=\"pagelinks\"><a href='browse.php?type=titles&amp;sort=update&amp;offset=0' "
            b"id='plprev'>[Previous]</a>") in body
    assert b"offset=10'id='currentpage'>2</a>" in body
    by_update = sorted(ARCHIVE.listed_stories(), key=lambda s: s.updated_at, reverse=True)
    assert listed_sids(lxml.html.fromstring(body.decode("cp1252"))) == [s.sid for s in by_update[10:20]]
    # the alphabet links append let= to the current terms (the crawler trap)
    doc = client.doc("browse.php?type=titles&let=S")
    assert doc.xpath('//div[@id="alphabet"]/a')[0].get("href") == "browse.php?type=titles&let=S&let=A"
    assert all(ARCHIVE.story(sid).title.startswith("S") for sid in listed_sids(doc))
    assert not doc.xpath('//div[@id="pagelinks"]')
    wip = listed_sids(client.doc("browse.php?type=titles&complete=0"))
    assert sorted(wip) == [s.sid for s in ARCHIVE.listed_stories() if not s.completed]


def test_bogus_content_type_meta_and_session_cookie(client):
    status, headers, body = client.request("viewstory.php?sid=1")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=_CHARSET"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">' in body
    assert re.fullmatch(r"PHPSESSID=[0-9a-f]+; path=/", headers["Set-Cookie"])
    _, headers2, _ = client.request("index.php")
    assert headers2["Set-Cookie"] == f"PHPSESSID={client.session_id()}; path=/"


def test_raw_cp1252_bytes_and_ncr_text(client):
    page = client.get("viewstory.php?sid=2")
    assert b"Elizabeth Says \x93Perhaps\x94 \x97 Again</a> by" in page
    assert b"Elizabeth\x92s answer is \x93perhaps\x94" in client.get("browse.php?type=titles&let=E")
    assert b">Zo\xeb Fairweather</a>" in client.get("viewstory.php?sid=13")
    assert b"Penname: </span>Zo\xeb Fairweather" in client.get("viewuser.php?uid=4")
    story = page.split(b'<div id="story">', 1)[1].split(b"</div>", 1)[0]
    assert b"&#8220;" in story or b"&#8217;" in story
    assert not re.search(rb"[\x91-\x97]", story)
    cafe = client.get("viewstory.php?sid=13&chapter=2")
    assert b"Caf\xe9 M\xfcller" in cafe and b"d\xe9j\xe0 vu" in cafe


@pytest.mark.parametrize("sid,chapter", [(1, 1), (13, 1), (13, 2), (16, 1), (21, 3), (7, 3)])
def test_chapter_text_matches_ground_truth(client, sid, chapter):
    doc = client.doc(f"viewstory.php?sid={sid}&chapter={chapter}")
    span = doc.xpath('//div[@id="story"]/span')[0]
    truth = lxml.html.fragment_fromstring(ARCHIVE.story(sid).chapter(chapter).text, create_parent="div")
    assert span.text_content() == truth.text_content()
    assert span.get("style") == "font-size: 100%;"


def test_story_index(client):
    story = ARCHIVE.story(7)  # round robin
    doc = client.doc("viewstory.php?sid=7&index=1")
    lines = doc.xpath('//div[@id="output"]/p')
    assert len(lines) == len(story.chapters)
    for p, ch in zip(lines, story.chapters):
        hrefs = [a.get("href") for a in p.xpath(".//a")]
        assert f"viewuser.php?uid={ch.uid}" in hrefs
        assert f"reviews.php?type=ST&item=7&chapid={ch.chapid}" in hrefs
        assert f"({ch.wordcount} words)" in p.text_content()
    assert len({c.uid for c in story.chapters}) == len(story.chapters)
    assert "My turn!" in lines[2].text_content()
    bare = client.doc("viewstory.php?sid=12&index=1").xpath('//div[@class="content"]')[0].text_content()
    assert "Categories: Orphan" in bare and "Characters:  None" in bare and "Series: None" in bare
    assert "Genres:  None" in bare and "Pairing:  None" in bare


def test_chapter_navigation_chapid_textsize_out_of_range(client):
    doc = client.doc("viewstory.php?sid=1&chapter=22")
    assert doc.xpath('//a[@class="prev"]') and not doc.xpath('//a[@class="next"]')
    assert doc.xpath('//select[@name="chapter"]/option[@selected]')[0].text == "22. Epilogue: Spring"
    chap = ARCHIVE.story(1).chapter(5)
    doc = client.doc(f"viewstory.php?chapid={chap.chapid}")
    assert doc.xpath('//select[@name="chapter"]/option[@selected]')[0].get("value") == "5"
    assert client.doc("viewstory.php?sid=1&chapter=3&textsize=2").xpath(
        '//div[@id="story"]/span/@style') == ["font-size: 140%;"]
    span = client.doc("viewstory.php?sid=1&chapter=99").xpath('//div[@id="story"]/span')[0]
    assert span.text_content() == "" and len(span) == 0
    single = client.doc("viewstory.php?sid=12")
    assert not single.xpath('//select[@name="chapter"]') and not single.xpath('//a[@class="next"]')


def test_warning_gate_per_session(site, client):
    doc = client.doc("viewstory.php?sid=8&chapter=2")
    assert "This story is rated R" in errortext(doc)
    assert doc.xpath('//div[@class="errortext"]/a/@href') == ["viewstory.php?sid=8&warning=4"]
    assert client.doc("browse.php?type=titles").xpath('//a[contains(@href,"sid=8&warning=4")]/@href')[0] \
        .startswith("javascript:if(confirm(")
    assert client.doc("viewstory.php?sid=8&warning=4").xpath('//div[@id="story"]')
    for path in ("viewstory.php?sid=8&chapter=2", "viewstory.php?sid=8&index=1",
                 "viewstory.php?sid=8&action=printable&chapter=all"):
        assert not errortext(client.doc(path)), path
    fresh = Client(site.base_url)
    assert "This story is rated R" in errortext(fresh.doc("viewstory.php?sid=8&chapter=2"))
    assert "This story is rated R" in errortext(fresh.doc("viewstory.php?sid=8&action=printable&chapter=all"))
    # ?warning=<rid> on any page sets the session flag
    fresh.get("index.php?warning=4")
    assert not errortext(fresh.doc("viewstory.php?sid=8"))


def test_age_consent_gate(site, client):
    doc = client.doc("viewstory.php?sid=10")
    assert errortext(doc).startswith("Age Consent Required")
    link = doc.xpath('//div[@class="errortext"]/a/@href')[0]
    assert link == "viewstory.php?sid=10&ageconsent=ok&warning=5"
    assert client.doc(link).xpath('//div[@id="story"]/span')[0].text_content()
    assert not errortext(client.doc("viewstory.php?sid=10&chapter=2"))
    assert "Age Consent Required" in errortext(Client(site.base_url).doc("viewstory.php?sid=10&chapter=2"))


def test_members_only_and_login(client):
    doc = client.doc("viewstory.php?sid=11")
    assert errortext(doc) == "Registered Users Only"
    assert b"class='errortext'>Registered Users Only<br /></div>" in client.get("viewstory.php?sid=11&index=1")
    href = client.doc("browse.php?type=titles&let=T").xpath('//a[contains(@href,"sid=11")]/@href')[0]
    assert "location = 'user.php?action=login&sid=11'" in href
    form = client.doc("user.php?action=login").xpath("//form")[0]
    assert {i.get("name") for i in form.xpath(".//input")} >= {"penname", "password", "cookiecheck", "submit"}
    bad = client.request("user.php?action=login", {
        "penname": MEMBER_PENNAME, "password": "wrong", "cookiecheck": "1", "submit": "Submit"})
    assert bad[0] == 200 and b"doesn't match" in bad[2] and b'name="password"' in bad[2]
    assert errortext(client.doc("viewstory.php?sid=11")) == "Registered Users Only"
    status, headers, body = client.request("user.php?action=login", {
        "penname": MEMBER_PENNAME, "password": MEMBER_PASSWORD, "cookiecheck": "1", "submit": "Submit"})
    assert status == 200 and b"Your Account" in body
    doc = client.doc("viewstory.php?sid=11")
    assert not errortext(doc) and doc.xpath('//div[@id="story"]/span')[0].text_content()
    assert client.doc("browse.php?type=titles&let=T").xpath('//a[contains(@href,"sid=11")]/@href')[0] \
        == "viewstory.php?sid=11"
    client.get("user.php?action=logout")
    assert errortext(client.doc("viewstory.php?sid=11")) == "Registered Users Only"


@pytest.mark.parametrize("path", ["viewstory.php?sid=99999", "viewstory.php?sid=abc", "viewstory.php",
                                  "viewstory.php?sid=23", "viewstory.php?sid=19",
                                  "viewstory.php?sid=19&action=printable&chapter=all"])
def test_access_denied(client, path):
    doc = client.doc(path)
    assert errortext(doc) == ("Access denied. This story has not been validated by the adminstrators "
                              "of this site.")
    title = doc.xpath('//div[@id="pagetitle"]')[0].text_content()
    assert title == ("Unfinished Business" if "sid=19" in path else "")


def test_printable_structure(client):
    story = ARCHIVE.story(1)
    body = client.get("viewstory.php?action=printable&sid=1&chapter=all")
    assert b"<body" not in body
    text = body.decode("cp1252")
    n = len(story.chapters)
    assert len(re.findall(r"<p><b>\d+\.</b> <a href='#\d+'>[^<]+</a> by Hollis Crane</p>", text)) == n
    doc = lxml.html.fromstring(text)
    assert len(doc.xpath('//div[@class="infobox"]')) == 1
    assert len(doc.xpath('//div[@class="chaptertitle"]')) == n == len(doc.xpath('//div[@class="chapter"]'))
    assert len(doc.xpath('//div[@class="toplink"]')) == n
    assert doc.xpath('//div[@id="archivedat"]/a/@href') == [f"{client.base_url}viewstory.php?sid=1"]
    # story notes right after the infobox; author's notes before, end notes after the chapter text
    assert text.index("Story Notes:") < text.index("<p><b>1.</b>")
    first = text.index("<a name='1'></a>")
    assert first < text.index("Author's Notes:") < text.index("<div class='chapter'>", first)
    last = text.index("<a name='22'></a>")
    assert text.index("<div class='chapter'>", last) < text.index("End Notes:", last)
    one = client.get("viewstory.php?action=printable&sid=1&chapter=3").decode("cp1252")
    assert one.count("<div class='chapter'>") == 1 and "<div class='toplink'></div>" in one


def test_other_pages(site, client):
    coauthored = client.doc("viewstory.php?sid=6").xpath('//div[@id="pagetitle"]')[0]
    assert [a.get("href") for a in coauthored.xpath("a")][1:] == ["viewuser.php?uid=7", "viewuser.php?uid=8"]
    assert ", " in coauthored.text_content()
    assert listed_sids(client.doc("viewseries.php?seriesid=1")) == [3, 4, 5]
    assert sorted(listed_sids(client.doc("viewuser.php?uid=6"))) == [s.sid for s in ARCHIVE.stories_by(6)]
    authors = client.doc("authors.php?list=authors").xpath('//div[@class="column"]/a/@href')
    assert sorted(int(h.split("=")[1]) for h in authors) == list(ARCHIVE.author_uids_with_stories)
    status, headers, rss = client.request("rss.php")
    assert status == 200 and headers["Content-Type"] == "application/rss+xml"
    assert rss.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>') and rss.count(b"<item>") == 20
    status, headers, robots = client.request("/robots.txt")
    assert status == 200 and b"Disallow: /efiction/user.php" in robots and b"Crawl-delay" not in robots
    assert client.request("categories.php")[0] == 404
    assert client.request("/efiction/admin.php")[0] == 404
    with SampleArchive(robots=False) as bare:
        assert Client(bare.base_url).request("/robots.txt")[0] == 404


def test_request_log(site):
    c = Client(site.base_url)
    site.clear_requests()
    c.get("index.php")
    c.get("viewstory.php?sid=2&chapter=1")
    c.request("nothing.php")
    log = site.request_log()
    assert [(r.method, r.path_qs, r.status) for r in log] == [
        ("GET", "/efiction/index.php", 200),
        ("GET", "/efiction/viewstory.php?sid=2&chapter=1", 200),
        ("GET", "/efiction/nothing.php", 404),
    ]
    assert log[0].session_id is None and log[1].session_id == c.session_id()
    assert log[0].time <= log[1].time <= log[2].time


def _category_body(page: bytes) -> bytes:
    """The #skinny content of a category page with each category link's id, name, count and
    description (and the page title's) replaced by placeholders: the page's shape, byte for byte."""
    body = page[page.index(b'<div id="pagetitle">'):page.index(b'<div id="skinnybottom">')]
    body = re.sub(rb"catid=\d+(['\"])>[^<]*</a>", rb"catid=N\1>NAME</a>", body)
    body = re.sub(rb"</a> \[\d+\] [^\r\n<]*\r\n", b"</a> [COUNT] DESCRIPTION\r\n", body)
    row = rb'<div> <a href="browse.php\?type=categories&amp;catid=N">NAME</a> \[COUNT\] DESCRIPTION\r\n</div>'
    return re.sub(rb"(?:%s)+" % row, b"ROWS", body)  # however many subcategories


def test_nested_categories_as_efiction_shows_them(client):
    """Top level only on type=categories; a category's page shows its subcategories (display
    order, counts with their subcategories' stories) above the stories filed in it; a parent
    without stories of its own has the bytes of the real eFiction 3.5 page (catid=1 there)."""
    fixtures = Path(__file__).parent / "fixtures" / "efiction35"
    real_parent = (fixtures / "browse_categories_catid1.html").read_bytes()

    def rows(path: str) -> list[tuple[int, int]]:
        doc = client.doc(path)
        links = doc.xpath('//div[@id="columncontainer"]/div/a')
        return [(int(a.get("href").rsplit("=", 1)[1]), int(a.tail.split("]")[0].strip(" ["))) for a in links]

    top = rows("browse.php?type=categories")
    assert top == [(c.catid, ARCHIVE.category_count(c.catid)) for c in ARCHIVE.subcategories(-1)]
    assert all(ARCHIVE.categories[c].parentcatid == -1 for c, _ in top) and len(top) < len(ARCHIVE.categories)
    assert rows("browse.php?type=categories&catid=4") == [(7, 1), (6, 1)]  # display order, not catid order
    assert rows("browse.php?type=categories&catid=7") == [(8, 1)]
    assert rows("browse.php?type=categories&catid=8") == []
    # Original Fiction: 8 stories counted, 6 listed (2 are in its subcategories)
    assert dict(top)[4] == 8
    own = [s.sid for s in ARCHIVE.listed_stories() if 4 in dict(s.categories)]
    assert len(own) == 6 and sorted(listed_sids(client.doc("browse.php?type=categories&catid=4"))) == own
    assert listed_sids(client.doc("browse.php?type=categories&catid=8")) == [25]
    assert listed_sids(client.doc("browse.php?type=categories&catid=6")) == [27]
    # other listings filter by a category with its subcategories
    assert 25 in listed_sids(client.doc("browse.php?type=titles&catid=7"))
    # the top level, and Fantasy: subcategories, then "No results found.", byte for byte as the real pages
    assert _category_body(client.get("browse.php?type=categories")) == _category_body(
        (fixtures / "browse_categories.html").read_bytes())
    assert _category_body(client.get("browse.php?type=categories&catid=7")) == _category_body(real_parent)
    # a story in a child category shows the child (extendcats off: no breadcrumb)
    cats = client.doc("viewstory.php?sid=27&index=1").xpath("//a[contains(@href, 'type=categories&catid=')]")
    assert [(a.get("href"), a.text) for a in cats] == [("browse.php?type=categories&catid=6", "Science Fiction")]
