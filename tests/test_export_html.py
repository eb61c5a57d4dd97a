"""HTML site export: golden files, sanitising, streaming, and a real browser (headless Chromium).

Regenerate the golden site after an intended change with::

    MIRROR_UPDATE_GOLDEN=1 python -m pytest tests/test_export_html.py

and review the diff of ``tests/golden/html/`` by eye.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import weakref
from pathlib import Path

import pytest
from lxml import html as lxml_html

from mirror.export.html import write_html_site
from mirror.export.manifest import MANIFEST
from mirror.export.run import export
from mirror.export.sanitize import clean_html
from mirror.items import Author, Series, Story
from mirror.storage import Store
from tests.storage_fixtures import db_url, make_story, store  # noqa: F401  (fixtures)
from tests.test_export_jsonl import A, sample_stories

GOLDEN = Path(__file__).parent / "golden" / "html"
UPDATE_GOLDEN = os.environ.get("MIRROR_UPDATE_GOLDEN") == "1"

HOSTILE = """\
<p>Before the storm.</p>
<script>document.body.innerHTML = 'PWNED-script';</script>
<img src="http://evil.example/x.png" alt="a lighthouse" onerror="document.body.innerHTML='PWNED-img'">
<img src=x onerror="document.title='PWNED-onerror'">
<a href="javascript:alert('PWNED-js')">click me</a>
<a href="jav&#x61;script:alert(1)">encoded link</a>
<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">decimal link</a>
<a href=" java\tscript:alert(1)">tab link</a>
<a href="vbscript:msgbox(1)">vb link</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>
<a href="//evil.example/">protocol relative</a>
<a href="http://example.org/page" onclick="alert(1)" target="_top">good link</a>
<link rel="stylesheet" href="http://evil.example/style.css">
<meta http-equiv="refresh" content="0; url=http://evil.example/">
<base href="http://evil.example/">
<svg onload="document.body.innerHTML='PWNED-svg'"><circle r="5"/></svg>
<p style="background: url(http://evil.example/bg.png); color: red">styled text</p>
<p style="width: expression(alert(1))">expression text</p>
<div style="background-image: u\\72l(http://evil.example/x)">escaped url text</div>
<iframe src="http://evil.example/frame"></iframe>
<object data="http://evil.example/flash.swf">object fallback</object>
<embed src="http://evil.example/e.swf">
<form action="http://evil.example/"><input name="q" value="x"><button>Go</button></form>
<style>body { background: url(http://evil.example/s.png) }</style>
<body onload="alert(1)">
<table><tr><td onmouseover="alert(1)">cell text</td></tr></table>
<p>After the storm &amp; <b>bold</b> <em>words</em>.</p>
"""


def site_stories() -> list[Story]:
    """The JSONL sample stories plus a three-chapter story in a series with a hostile chapter."""
    zoe = Author(id=7, name="Zoë", url=A + "viewuser.php?uid=7")
    saga = Series(id=4, title="The Saga", url=A + "viewseries.php?seriesid=4")
    storm = make_story(
        20, site=A, chapters=3, title="A <Storm> & “Calm”", authors=[zoe], series=[saga],
        summary_html='<p>Weather <script>alert(1)</script>happens.</p>',
    )
    storm.chapters[1].title = "The <Eye>"
    storm.chapters[1].text_html = HOSTILE
    storm.chapters[2].title = "Calm"
    storm.chapters[2].notes_html = "<p>Last one.</p>"
    storm.chapters[2].end_notes_html = "<p>Thanks for reading!</p>"
    return sample_stories() + [storm]


@pytest.fixture
def site(store: Store, tmp_path: Path) -> Path:
    for story in site_stories():
        assert store.upsert_story(story) == "new"
    out = tmp_path / "site"
    result = export(store, "html", str(out))
    assert result.stories == 5
    return out


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


# ---------------------------------------------------------------- golden, layout, links


def test_site_matches_golden(site: Path) -> None:
    files = tree(site)
    if UPDATE_GOLDEN:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name, data in files.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
    assert sorted(files) == sorted(tree(GOLDEN))
    for name, data in files.items():
        assert data == (GOLDEN / name).read_bytes(), name


def test_layout(site: Path) -> None:
    assert sorted(tree(site)) == [
        "authors.html",
        "authors/1-12.html",
        "authors/1-7.html",
        "authors/2-1.html",
        "index.html",
        "series.html",
        "stories/1-000003-the-long-winter/chapter-001.html",
        "stories/1-000003-the-long-winter/chapter-002.html",
        "stories/1-000003-the-long-winter/index.html",
        "stories/1-000008-members-only/index.html",
        "stories/1-000012-untitled/chapter-001.html",
        "stories/1-000012-untitled/index.html",
        "stories/1-000020-a-storm-calm/chapter-001.html",
        "stories/1-000020-a-storm-calm/chapter-002.html",
        "stories/1-000020-a-storm-calm/chapter-003.html",
        "stories/1-000020-a-storm-calm/index.html",
        "stories/2-000001-elsewhere/chapter-001.html",
        "stories/2-000001-elsewhere/index.html",
        "style.css",
    ]


def test_links_are_relative_and_resolve(site: Path) -> None:
    for path in sorted(site.rglob("*.html")):
        doc = lxml_html.fromstring(path.read_bytes())
        for el in doc.iter("a", "link", "img", "script", "iframe"):
            assert el.tag in ("a", "link"), (path, el.tag)
            href = el.get("href")
            if href is None:
                continue
            if href.startswith(("http://", "https://", "mailto:")):
                assert el.tag == "a" and el.get("rel") == "nofollow noopener", (path, href)
                continue
            assert not href.startswith("/") and ":" not in href, (path, href)
            target, _, anchor = href.partition("#")
            resolved = (path.parent / target).resolve()
            assert resolved.is_file() and site.resolve() in resolved.parents, (path, href)
            if anchor:
                assert f'id="{anchor}"' in resolved.read_text(encoding="utf-8"), (path, href)


def test_pages_content(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    titles = re.findall(r'class="story-title" href="[^"]+">([^<]+)</a>', index)
    assert titles == ["A &lt;Storm&gt; &amp; “Calm”", "Elsewhere", "Members Only", "The Long Winter",
                      "Зима “близко” 🌨"]
    assert "Иван Петров" in index and "PG-13" in index and "3,456" in index and "2011-01-02" in index
    assert "31/02/12" in index  # unparseable date kept as shown
    assert "<script" not in index and "Weather happens." in index

    winter = (site / "stories/1-000003-the-long-winter/index.html").read_text(encoding="utf-8")
    assert "Thanks to my beta." in winter and "Mild Language" in winter and "Beta" in winter
    assert winter.index('href="chapter-001.html">Snow') < winter.index('href="chapter-002.html">Thaw')
    members = (site / "stories/1-000008-members-only/index.html").read_text(encoding="utf-8")
    assert "members of the archive only" in members and "chapter-001" not in members

    last = (site / "stories/1-000003-the-long-winter/chapter-002.html").read_text(encoding="utf-8")
    assert "Spring came at last." in last and "The end." in last and 'rel="prev"' in last
    assert 'rel="next"' not in last and 'href="../../index.html"' in last and 'href="index.html"' in last

    authors = (site / "authors.html").read_text(encoding="utf-8")
    assert authors.index("Admin") < authors.index("Zoë") < authors.index("Иван Петров")
    zoe = authors[authors.index('id="a-1-7"'):authors.index('id="a-1-12"')]
    assert zoe.count('class="story-title"') == 4  # Storm, Members Only, Winter (co-author), Зима

    series = (site / "series.html").read_text(encoding="utf-8")
    saga = series[series.index('id="s-1-4"'):]
    assert saga.index("The Long Winter") < saga.index("A &lt;Storm&gt;")  # same published date: by id


def test_hostile_chapter_is_defused(site: Path) -> None:
    page = (site / "stories/1-000020-a-storm-calm/chapter-002.html").read_text(encoding="utf-8")
    body = page[page.index("<body>"):]
    lowered = body.lower()
    for bad in ("<script", "onerror", "onload", "onclick", "onmouseover", "javascript:", "vbscript:",
                "data:text", "evil.example", "<iframe", "<object", "<embed", "<form", "<input",
                "<svg", "<meta", "<link", "<base", "<style", "url(", "expression(", "<img", "target="):
        assert bad not in lowered, bad
    for text in ("Before the storm.", "[image: a lighthouse]", "click me", "encoded link", "tab link",
                 "good link", "styled text", "expression text", "escaped url text", "object fallback", "cell text",
                 "After the storm &amp; <b>bold</b> <em>words</em>."):
        assert text in body, text
    assert '<a href="http://example.org/page" rel="nofollow noopener">good link</a>' in body
    assert '<p style="color: red">styled text</p>' in body
    head = page[:page.index("<body>")]
    assert head.count("<link") == 1 and 'href="../../style.css"' in head and "http" not in head


def test_export_is_deterministic(store: Store, tmp_path: Path) -> None:
    for story in site_stories():
        store.upsert_story(story)
    export(store, "html", str(tmp_path / "one"))
    export(store, "html", str(tmp_path / "two"))
    export(store, "html", str(tmp_path / "two"))  # replacing an existing site
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_empty_site(tmp_path: Path) -> None:
    write_html_site(iter([]), tmp_path)
    assert sorted(tree(tmp_path)) == ["authors.html", "index.html", "series.html", "style.css"]
    assert "No stories." in (tmp_path / "index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- sanitiser


@pytest.mark.parametrize("fragment, expected", [
    ("<p>Hi <b onclick=x()>there</b><script>alert(1)</script>!</p>", "<p>Hi <b>there</b>!</p>"),
    ('<a href="jav&#x61;script:alert(1)">x</a>', "<a>x</a>"),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', "<a>x</a>"),
    ('<a href="java\nscript:alert(1)">x</a>', "<a>x</a>"),
    ('<a href="data:text/html,hi">x</a>', "<a>x</a>"),
    ('<a href="mailto:a@b.example">m</a>', '<a href="mailto:a@b.example" rel="nofollow noopener">m</a>'),
    ('<a href="viewstory.php?sid=1&amp;chapter=2">r</a>',
     '<a href="viewstory.php?sid=1&amp;chapter=2" rel="nofollow noopener">r</a>'),
    ('<img src="https://evil.example/i.png" alt="cat">', "[image: cat]"),
    ('<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="svg">', "[image: svg]"),
    ('<img src="data:image/png;base64,iVBORw0KGgo=" alt="ok" onerror="x">',
     '<img src="data:image/png;base64,iVBORw0KGgo=" alt="ok">'),
    ('<font face="Comic Sans" color="red" size="7">f</font>', "<font>f</font>"),
    ('<span style="color: rgb(1, 2, 3); position: fixed; background: url(x)">s</span>',
     '<span style="color: rgb(1, 2, 3)">s</span>'),
    ("<o:p>word</o:p><section>sec</section>", "wordsec"),
    ("<!-- hidden --><p>shown</p>", "<p>shown</p>"),
    ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
    ("<p>broken <i>markup", "<p>broken <i>markup</i></p>"),
    ("", ""),
    (None, ""),
])
def test_clean_html(fragment: str, expected: str) -> None:
    assert clean_html(fragment) == expected


def test_clean_html_deep_and_odd_input() -> None:
    deep = clean_html("<div>" * 2000 + "core" + "</div>" * 2000 + "after")
    assert "core" in deep and "after" in deep and deep.count("<div>") == deep.count("</div>") == 2000
    # deeper than libxml2 goes: the text, escaped, without markup
    deeper = clean_html("<div>" * 3000 + "<script>x()</script>core &amp; <b>more</b>" + "</div>" * 3000)
    assert deeper == "core &amp; more"
    assert clean_html('<?xml version="1.0" encoding="iso-8859-1"?><p>x\x00\x01y</p>') == "<p>xy</p>"


# ---------------------------------------------------------------- streaming


def test_streams_stories(tmp_path: Path) -> None:
    """Stories are released once written: no more than the current one is kept alive."""
    refs: list[weakref.ref] = []

    def produce():
        for n in range(1, 30):
            story = make_story(n, chapters=2, text=f"<p>{'word ' * 20000}</p>")
            refs.append(weakref.ref(story))
            if n > 2:
                gc.collect()
                assert refs[n - 3]() is None, f"story {n - 2} still alive while writing story {n}"
            yield story

    write_html_site(produce(), tmp_path)
    assert len(list((tmp_path / "stories").iterdir())) == 29
    assert len((tmp_path / "index.html").read_bytes()) < 40_000  # index data only, no chapter text


# ---------------------------------------------------------------- a real browser


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run_chromium(binary: str, profile: Path, url: str, *extra: str) -> str:
    args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", *extra, url]
    done = subprocess.run(args, capture_output=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    return done.stdout.decode("utf-8")


def test_site_in_headless_chromium(site: Path, tmp_path: Path) -> None:
    binary = _chromium()
    if binary is None:
        pytest.skip("no chromium binary found (Debian: apt-get install -y chromium)")
    profile = tmp_path / "profile"

    def dom(page: Path) -> lxml_html.HtmlElement:
        return lxml_html.fromstring(_run_chromium(binary, profile, page.resolve().as_uri(), "--dump-dom"))

    index = site / "index.html"
    root = dom(index)
    titles = [a.text_content() for a in root.iter("a") if a.get("class") == "story-title"]
    assert titles == ["A <Storm> & “Calm”", "Elsewhere", "Members Only", "The Long Winter",
                      "Зима “близко” 🌨"]
    story_href = next(a.get("href") for a in root.iter("a") if a.text_content() == "A <Storm> & “Calm”")
    story = (index.parent / story_href).resolve()

    toc = [a.get("href") for a in dom(story).iter("a") if (a.getparent().tag == "li")]
    page = (story.parent / toc[0]).resolve()
    visited = []
    while True:
        doc = dom(page)
        text = doc.text_content()
        assert "PWNED" not in text and "PWNED" not in (doc.findtext(".//title") or "")
        visited.append(page.name)
        nexts = [a.get("href") for a in doc.iter("a") if a.get("rel") == "next"]
        if not nexts:
            break
        page = (page.parent / nexts[0]).resolve()
        assert len(visited) < 10
    assert visited == ["chapter-001.html", "chapter-002.html", "chapter-003.html"]
    assert "Thanks for reading!" in text and "Calm" in text

    shot = tmp_path / "last.png"
    _run_chromium(binary, profile, page.as_uri(), f"--screenshot={shot}", "--window-size=1200,900")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 900)


def test_index_data_stays_small(tmp_path: Path) -> None:
    """Only the small index entries accumulate: 1,000 stories with long chapters stay in a few MB."""
    import tracemalloc

    def produce():
        for n in range(1, 1001):
            yield make_story(n, chapters=1, text=f"<p>{'word ' * 5000}</p>")

    tracemalloc.start()
    try:
        write_html_site(produce(), tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, peak  # about 1.5 kB per story (20,000 stories: ~30 MB)
