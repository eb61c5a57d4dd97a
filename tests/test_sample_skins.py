"""The sample archive in more skins (mirror.sample.variants.SKINS, mirror/sample/skins/).

Each skin is served on 127.0.0.1; its pages must answer, parse, keep the markup eFiction's PHP
writes (title links, ``div#story``, the chapter menu, ``div#pagelinks``, ``div.errortext``),
show every field of a story somewhere the crawler reads (story index, chapter page, printable
view; less what SKIN_OMITS says) and carry the skin's own markers.  The saved pages of
tests/fixtures/skins/ must still be what the server renders (tests/fixtures/skins/make.py).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import lxml.html
import pytest

from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE, Story
from mirror.sample.render import Renderer, fmt_date
from mirror.sample.skins import renderer_class
from mirror.sample.variants import PAGE_OMITS, SKIN_OMITS, SKINS, VARIANTS, AltRenderer, SiteVariant

FIXTURES = Path(__file__).parent / "fixtures" / "skins"
LISTING = "browse.php?type=titles&offset=0"
PAGES = [LISTING, "viewstory.php?sid=1&index=1", "viewstory.php?sid=1&chapter=12",
         "viewstory.php?action=printable&sid=1&chapter=all", "viewuser.php?uid=6", "viewseries.php?seriesid=1",
         "reviews.php?type=ST&item=1", "index.php", "authors.php?list=authors", "viewstory.php?sid=8"]
FRAMED = [p for p in PAGES if "printable" not in p]  # the pages with header.tpl and footer.tpl


def _load_make():
    spec = importlib.util.spec_from_file_location("skin_fixtures_make", FIXTURES / "make.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sites():
    servers = {name: SampleArchive(variant=variant).start() for name, variant in SKINS.items()}
    try:
        yield servers
    finally:
        for s in servers.values():
            s.stop()


def get(site: SampleArchive, path: str) -> bytes:
    with urllib.request.urlopen(site.base_url + path, timeout=10) as resp:
        assert resp.status == 200, path
        return resp.read()


def doc(body: bytes):
    return lxml.html.fromstring(body.decode("cp1252"))


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def fragment_text(html: str) -> str:
    return norm(lxml.html.fragment_fromstring(html, create_parent="div").text_content()) if html else ""


def hrefs(page) -> list[str]:
    return [a.get("href") or "" for a in page.iter("a")]


skins = pytest.mark.parametrize("skin", list(SKINS))


def test_registry_and_stock_renderers_unchanged():
    assert renderer_class(SiteVariant().skin) is Renderer
    assert renderer_class("alt") is AltRenderer
    assert set(SKINS).isdisjoint(VARIANTS) and set(SKIN_OMITS) == set(SKINS)
    assert all(v.skin == name and v.name == name for name, v in SKINS.items())
    assert {skin for skin, _ in PAGE_OMITS} <= set(SKINS)
    with pytest.raises(ValueError):
        renderer_class("no-such-skin")


@skins
def test_pages_answer_parse_and_fill_every_variable(sites, skin):
    for path in PAGES:
        body = get(sites[skin], path)
        page = doc(body)
        assert page.xpath("//a"), (skin, path)
        # TemplatePower leaves no {variable}; "{footer}" is part of the sample's copyright text
        assert set(re.findall(rb"\{\w+\}", body)) <= {b"{footer}"}, (skin, path)
        if path in FRAMED:
            assert b"</html>" in body[-40:], (skin, path)


@skins
def test_stable_php_markup(sites, skin):
    site = sites[skin]
    listing = doc(get(site, LISTING))
    for story in ARCHIVE.by_title()[:10]:
        links = [a for a in listing.iter("a") if a.text_content() == story.title]
        assert any(re.search(rf"viewstory\.php\?sid={story.sid}\b", a.get("href")) for a in links), story.sid
    assert listing.xpath('//div[@id="pagelinks"]//a[contains(@href, "offset=10")]')
    chapter = doc(get(site, "viewstory.php?sid=1&chapter=12"))
    text = chapter.xpath('//div[@id="story"]')[0].text_content()
    assert norm(text) == fragment_text(ARCHIVE.story(1).chapter(12).text)
    options = chapter.xpath('//select[@name="chapter"]/option')
    assert len(options) == 22 and options[11].get("selected") is not None
    single = doc(get(site, "viewstory.php?sid=12"))
    assert single.xpath('//div[@id="story"]') and not single.xpath('//select[@name="chapter"]')
    gate = doc(get(site, "viewstory.php?sid=8"))
    assert "warning=4" in " ".join(hrefs(gate)) and gate.xpath('//div[@class="errortext"]')
    printable = doc(get(site, "viewstory.php?action=printable&sid=1&chapter=all"))
    assert len(printable.xpath("//div[@class='chapter']")) == 22


def _index_shows(skin: str, page, story: Story) -> None:
    omits = SKIN_OMITS[skin]
    text = norm(page.text_content())
    links = hrefs(page)
    where = f"{skin} sid {story.sid}"
    assert story.title in text and fragment_text(story.summary) in text, where
    for uid in story.author_uids:
        assert f"viewuser.php?uid={uid}" in links and ARCHIVE.author(uid).penname in text, where
    values = [story.rating, str(story.read_count), *story.category_names, *story.characters,
              fmt_date(story.published_at, ARCHIVE.site.dateformat),
              fmt_date(story.updated_at, ARCHIVE.site.dateformat)]
    values += [name for names in story.classes.values() for name in names]
    assert all(v in text for v in values), (where, [v for v in values if v not in text])
    assert re.search(rf"\b{len(story.chapters)}\b", text) and str(story.wordcount) in text, where
    assert all(f"viewseries.php?seriesid={s}" in links for s in story.series), where
    assert all(f"modules/challenges/challenges.php?chalid={c}" in links for c in story.challenges), where
    reviews = [a.text_content() for a in page.iter("a") if a.get("href") == f"reviews.php?type=ST&item={story.sid}"]
    assert str(story.review_count) in reviews, where
    ribbon = "images/blueribbon.gif" if story.featured else "images/redribbon.gif" if story.retired else None
    if ribbon:
        assert ribbon in [img.get("src") for img in page.iter("img")], where
    if "story_notes" not in omits:
        assert fragment_text(story.story_notes) in text, where
    for c in story.chapters:
        assert f"viewstory.php?sid={story.sid}&chapter={c.inorder}" in links and c.title in text, (where, c.inorder)
        assert f"reviews.php?type=ST&item={story.sid}&chapid={c.chapid}" in links, (where, c.inorder)
        assert f"viewuser.php?uid={c.uid}" in links and f"({c.wordcount} words)" in text, (where, c.inorder)


@skins
@pytest.mark.parametrize("sid", [1, 6, 7, 15])  # notes and a ribbon; co-authored; round robin; retired
def test_story_index_shows_every_field(sites, skin, sid):
    _index_shows(skin, doc(get(sites[skin], f"viewstory.php?sid={sid}&index=1")), ARCHIVE.story(sid))


@skins
def test_chapter_page_and_printable_show_text_and_notes(sites, skin):
    story = ARCHIVE.story(1)
    chapter = story.chapter(12)
    text = norm(doc(get(sites[skin], "viewstory.php?sid=1&chapter=12")).text_content())
    assert fragment_text(chapter.notes) in text and fragment_text(chapter.end_notes) in text
    printable = doc(get(sites[skin], "viewstory.php?action=printable&sid=1&chapter=all"))
    ptext = norm(printable.text_content())
    assert all(c.title in ptext and fragment_text(c.text) in ptext for c in story.chapters)
    assert all(fragment_text(c.notes) in ptext and fragment_text(c.end_notes) in ptext for c in story.chapters)
    assert fragment_text(story.story_notes) in ptext and fragment_text(story.summary) in ptext


# -- the skins' own markup ------------------------------------------------------------------------


def test_sidebars_blocks_on_every_page(sites):
    site = sites["sidebars"]
    for path in FRAMED:
        body = get(site, path).decode("cp1252")
        page = lxml.html.fromstring(body)
        assert page.xpath('//div[@id="infoblock"]'), path
        assert "<span class='label'>Members: </span>" in body and "<span class='label'>Word count: </span>" in body
        assert body.index('id="leftcolumn"') < body.index('<div id="content">') < body.index('id="rightcolumn"'), path
        content = body.index('<div id="content">')
        assert body.index('class="featuredstory"') < content < body.index("class='randomstory'"), path
        assert get(site, path) == get(site, path)  # the "random" story is the same on every load
    info = lxml.html.fromstring(get(site, "index.php")).xpath('//div[@id="infoblock"]')[0].text_content()
    listed = ARCHIVE.listed_stories()
    assert f"Chapters: {sum(len(s.chapters) for s in listed)}" in info
    assert f"Word count: {sum(s.wordcount for s in listed)}" in info


def _block_sid(page, css: str) -> int:
    a = page.xpath(f'//div[contains(@class, "{css}")]//a')[0]
    return int(re.search(r"sid=(\d+)", a.get("href")).group(1))


def test_sidebars_blocks_show_other_stories_and_the_same_one(sites):
    site = sites["sidebars"]
    own = doc(get(site, "viewstory.php?sid=1&index=1"))
    assert _block_sid(own, "featuredstory") == 1  # a featured story's own page
    others = {sid: _block_sid(doc(get(site, f"viewstory.php?sid={sid}&index=1")), "randomstory")
              for sid in (2, 6, 7, 13)}
    assert any(picked != sid for sid, picked in others.items())
    assert len(set(others.values())) > 1  # "random": not the same story on every page


def test_bold_mixed_labels(sites):
    site = sites["bold-mixed"]
    listing = get(site, LISTING)
    assert b"<b>Summary:</b>" in listing and b"<span class='label'>Genres: </span>" in listing
    assert b"<b>Rating:</b>" in get(site, "viewstory.php?action=printable&sid=1&chapter=all")
    assert b"<b>Summary:</b>" in get(site, "viewstory.php?sid=1&index=1")
    author = doc(get(site, "viewuser.php?uid=6"))
    blocks = author.xpath('//div[contains(@class, "listbox")]')
    assert len(blocks) == 4 and not any(b.xpath('.//span[@class="label"]') for b in blocks)
    pen = author.xpath('//img[@alt="Penname"]')[0]
    assert pen.get("src") == "skins/Boldface/images/pen.gif" and "tea_and_toast" in (pen.tail or "")


def test_unlabelled_markup(sites):
    site = sites["unlabelled"]
    for path in ("viewstory.php?sid=1&index=1", "viewstory.php?sid=1&chapter=12",
                 "viewstory.php?action=printable&sid=1&chapter=all"):
        page = doc(get(site, path))
        assert page.xpath('//h3/a[@href="viewstory.php?sid=1"]') and not page.xpath('//div[@id="pagetitle"]'), path
    index = get(site, "viewstory.php?sid=6&index=1").decode("cp1252")
    assert " \u00b7 " in index and "Story Length: 4 chapters (1323 words)" in index
    assert '<blockquote class="summary">' in index and "Story is Complete" in index
    assert "<span class=\"label\">Rating and Advisories:</span> PG-13" in index
    assert "Story Incomplete" in get(site, LISTING).decode("cp1252")


def test_table_markup(sites):
    site = sites["table"]
    listing = doc(get(site, LISTING))
    assert [th.text for th in listing.xpath('//table[contains(@class, "listbox")][1]//th')][1:4] == [
        "Summary", "Rated", "Categories"]
    printable = doc(get(site, "viewstory.php?action=printable&sid=1&chapter=all"))
    rated = printable.xpath('//dl/dt[text()="Rated"]')[0]
    assert rated.getnext().tag == "dd" and rated.getnext().text == "PG-13"


def test_stock_skins_own_markup(sites):
    epiphany = get(sites["epiphany"], "viewstory.php?sid=1&chapter=12").decode("cp1252")
    assert "</a> von <a" in epiphany and "Kapitel Abschlussbemerkung:" in epiphany
    assert epiphany.index('<div id="story">') < epiphany.index('<div id="pagelinks">') < epiphany.index("infoblock")
    ez = get(sites["ezfiction"], "viewstory.php?sid=6&index=1").decode("cp1252")
    assert ez.index('<div class="headertitle">Featured Story</div>') < ez.index('href="viewstory.php?sid=1"') \
        < ez.index('<div id="mainpage">')
    sommer = get(sites["sommerbrise"], "viewstory.php?sid=1&index=1").decode("cp1252")
    assert "<b>Zusammenfassung:</b>" in sommer and "<b>Wörter:</b>" in sommer and "<body" not in sommer
    assert "<b>Hits</b>:" in get(sites["sommerbrise"], LISTING).decode("cp1252")
    deftpl = get(sites["default_tpls"], "viewstory.php?sid=6").decode("cp1252")
    assert '<div id="viewstory">' in deftpl and "href='default_tpls/style.css'" in deftpl
    assert "document.location = '/efiction/viewstory.php?skin=' + " in deftpl


# -- saved pages and the command line -------------------------------------------------------------


@skins
def test_saved_pages_are_what_the_server_renders(skin):
    make = _load_make()
    rendered = make.render(skin)
    for name, body in rendered.items():
        saved = FIXTURES / skin / name
        assert saved.exists(), f"{saved} missing: python tests/fixtures/skins/make.py"
        assert saved.read_bytes() == body, f"{saved} differs: python tests/fixtures/skins/make.py"


def test_server_command_line_takes_skins():
    out = subprocess.run([sys.executable, "-m", "mirror.sample.server", "--help"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert all(name in out for name in SKINS) and "alt-skin-de" in out
