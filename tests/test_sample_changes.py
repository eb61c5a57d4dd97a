"""Sample archive content that changes between crawls, and the large generated archive.

Every test serves its own copy (``SampleArchive(archive=ARCHIVE.copy())``), changes it
with the :class:`~mirror.sample.archive.Archive` mutation methods while the server runs,
and checks the change over real HTTP on 127.0.0.1.  ``-s`` prints render timings of the
generated 1,000-story archive.
"""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.parse
import urllib.request
from datetime import date, datetime

import lxml.html
import pytest

from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE, Archive, NewChapter, efiction_word_count
from mirror.sample.changes import churn

ACCESS_DENIED = "Access denied. This story has not been validated"


class Client:
    """One visitor (its own cookie jar, so its own PHP session)."""

    def __init__(self, site: SampleArchive) -> None:
        self.base_url = site.base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> bytes:
        with self.opener.open(urllib.parse.urljoin(self.base_url, path), timeout=10) as resp:
            assert resp.status == 200, path
            return resp.read()

    def text(self, path: str) -> str:
        return self.get(path).decode("cp1252")

    def doc(self, path: str):
        return lxml.html.fromstring(self.text(path))


@pytest.fixture()
def archive() -> Archive:
    return ARCHIVE.copy()


@pytest.fixture()
def site(archive):
    with SampleArchive(archive=archive) as s:
        yield s


@pytest.fixture()
def client(site) -> Client:
    return Client(site)


# -- page helpers --------------------------------------------------------------------


def _sid(href: str) -> int:
    return int(re.search(r"sid=(\d+)", href).group(1))


def listed_sids(doc) -> list[int]:
    """sids of a listing page, in order (plain and javascript: gated title links)."""
    return [_sid(a.get("href")) for a in doc.xpath('//div[contains(@class,"listbox")]/div[@class="title"]/a[1]')]


def all_listed(client: Client, url: str) -> list[int]:
    """Every sid of a paginated listing, following the page links."""
    out: list[int] = []
    todo, seen = [url + "&offset=0"], set()  # page links name the first page "offset=0"
    while todo:
        u = todo.pop(0)
        if u in seen:
            continue
        seen.add(u)
        doc = client.doc(u)
        out += listed_sids(doc)
        todo += [a.get("href") for a in doc.xpath('//div[@id="pagelinks"]//a[contains(@href,"offset=")]')]
    return out


def block(doc, sid: int) -> str:
    """Text of the listing block of story ``sid`` (whitespace collapsed)."""
    for box in doc.xpath('//div[contains(@class,"listbox")]'):
        links = box.xpath('./div[@class="title"]/a[1]')
        if links and _sid(links[0].get("href")) == sid:
            return " ".join(box.text_content().split())
    raise AssertionError(f"story {sid} not listed")


def field(text: str, label: str) -> str:
    m = re.search(re.escape(label) + r"\s*(\S+)", text)
    assert m, (label, text[:300])
    return m.group(1)


def page_text(doc) -> str:
    return " ".join(doc.text_content().split())


def index_chapters(doc) -> list[tuple[int, str]]:
    """(inorder, title) of the chapter lines of a story index."""
    out = []
    for a in doc.xpath('//p/b/a[contains(@href,"chapter=")]'):
        out.append((int(re.search(r"chapter=(\d+)", a.get("href")).group(1)), a.text_content()))
    return out


def story_text(doc) -> str:
    return " ".join(doc.xpath('//div[@id="story"]/span')[0].text_content().split())


def errortext(doc) -> str:
    return " ".join(e.text_content() for e in doc.xpath('//div[contains(@class,"errortext")]'))


def portless(body: bytes) -> bytes:
    """A page without the server's port (printable and RSS pages carry absolute URLs)."""
    return re.sub(rb"127\.0\.0\.1:\d+", b"127.0.0.1:PORT", body)


def d(day: date) -> str:
    return day.strftime("%d/%m/%y")


def rss_sids(client: Client) -> list[int]:
    return [_sid(m) for m in re.findall(r"<link>[^<]*viewstory\.php\?sid=\d+</link>", client.text("rss.php"))]


def by_update_sids(archive: Archive) -> list[int]:
    return [s.sid for s in archive.by_update()]


TEXT_1 = "<p>The gulls came back to Willowmere on the first warm morning of April. Marker-alpha.</p>"
TEXT_2 = "<p>By evening the harbour was full of boats, and nobody could say where they had come from. Marker-beta.</p>"


# -- the module ground truth stays put ------------------------------------------------


def test_module_archive_is_untouched_by_changes_to_a_copy(site, archive, client):
    before = ARCHIVE.fingerprint()
    with SampleArchive() as plain:
        reference = {p: portless(Client(plain).get(p)) for p in
                     ("browse.php?type=titles&sort=update", "viewstory.php?sid=9&index=1", "rss.php")}

    archive.now = date(2013, 4, 1)
    new = archive.add_story("A Story Nobody Else Sees", [TEXT_1])
    archive.add_chapter(9, "From Mary", TEXT_2)
    archive.edit_chapter(6, 1, text=TEXT_1)
    archive.edit_story(2, summary="Changed.", completed=False, title="Changed Title")
    archive.delete_chapter(1, 22)
    archive.remove_story(3)
    archive.remove_story(4, how="unvalidate")
    archive.set_read_count(5, 1)
    archive.bump_read_counts(by=3)
    assert "A Story Nobody Else Sees" in client.text("browse.php?type=titles")

    assert ARCHIVE.fingerprint() == before
    assert ARCHIVE.story(new.sid) is None and len(ARCHIVE.story(9).chapters) == 2
    assert ARCHIVE.story(3) is not None and ARCHIVE.story(4).validated
    assert ARCHIVE.now == datetime(2013, 3, 1, 12, 0, 0)
    assert ARCHIVE.copy().fingerprint() == before  # a fresh copy starts from the original
    with SampleArchive() as plain:
        for p, body in reference.items():
            assert portless(Client(plain).get(p)) == body, p
    # the shared archive refuses changes outright
    for change in (lambda: ARCHIVE.add_chapter(9, "x", "y"), lambda: ARCHIVE.remove_story(1),
                   lambda: ARCHIVE.bump_read_counts(), lambda: setattr(ARCHIVE, "now", date(2014, 1, 1))):
        with pytest.raises(TypeError):
            change()
    with pytest.raises(ValueError):
        SampleArchive(count_reads=True)
    assert ARCHIVE.fingerprint() == before


# -- new stories ---------------------------------------------------------------------------


def test_new_story_appears_everywhere(archive, client):
    before_alpha = all_listed(client, "browse.php?type=titles")
    archive.now = date(2013, 4, 2)
    story = archive.add_story(
        "Gulls Over Willowmere",
        [NewChapter("Arrival", TEXT_1, notes="First of two."), ("Evening", TEXT_2)],
        uid=3, summary="The gulls come back, and so do the boats.", rid=2, catids=(4,), classids=(2, 8),
    )
    sid = story.sid
    assert sid == max(ARCHIVE.stories) + 1 and story.published == story.updated == date(2013, 4, 2)
    assert [c.chapid for c in story.chapters] == [max(ARCHIVE._chapters) + 1, max(ARCHIVE._chapters) + 2]

    # listings: A-Z at its place, first by update, recent, the author's page
    alpha = all_listed(client, "browse.php?type=titles")
    assert alpha == [s.sid for s in archive.by_title()] and sorted(alpha) == sorted(before_alpha + [sid])
    upd = client.doc("browse.php?type=titles&sort=update")
    assert listed_sids(upd)[0] == sid
    text = block(upd, sid)
    assert field(text, "Updated:") == "02/04/13" and field(text, "Published:") == "02/04/13"
    assert field(text, "Chapters:") == "2" and field(text, "Word count:") == str(story.wordcount)
    assert "New!" in text and "The gulls come back, and so do the boats." in text
    assert sid in listed_sids(client.doc("browse.php?type=recent"))
    assert sid in listed_sids(client.doc("viewuser.php?uid=3"))
    assert rss_sids(client)[0] == sid

    # story pages
    index = client.doc(f"viewstory.php?sid={sid}&index=1")
    assert index_chapters(index) == [(1, "Arrival"), (2, "Evening")]
    assert field(page_text(index), "Word count:") == str(efiction_word_count(TEXT_1) + efiction_word_count(TEXT_2))
    assert "Marker-alpha" in story_text(client.doc(f"viewstory.php?sid={sid}"))
    assert "Marker-beta" in story_text(client.doc(f"viewstory.php?sid={sid}&chapter=2"))
    assert "Marker-beta" in story_text(client.doc(f"viewstory.php?chapid={story.chapters[1].chapid}"))
    printable = client.text(f"viewstory.php?action=printable&sid={sid}&chapter=all")
    assert "Marker-alpha" in printable and "Marker-beta" in printable and "First of two." in printable

    # ground truth follows
    assert archive.story(sid) == story and story in archive.public_stories()
    assert archive.chapter(story.chapters[1].chapid).title == "Evening"


def test_same_update_time_sorts_by_title(archive, client):
    archive.now = datetime(2013, 5, 1, 9, 30)
    b = archive.add_story("Bravo at Nine-Thirty", [TEXT_1])
    a = archive.add_story("Alpha at Nine-Thirty", [TEXT_2])
    assert listed_sids(client.doc("browse.php?type=titles&sort=update"))[:2] == [a.sid, b.sid]
    assert by_update_sids(archive)[:2] == [a.sid, b.sid]


# -- new chapters -----------------------------------------------------------------------


def test_new_chapter_moves_the_story_up(archive, client):
    old = archive.story(9)
    assert listed_sids(client.doc("browse.php?type=titles&sort=update"))[0] != 9
    archive.now = datetime(2013, 3, 5, 9, 0)
    ch = archive.add_chapter(9, "From Mary", TEXT_2, end_notes="Mary has opinions.")
    story = archive.story(9)
    assert (ch.inorder, ch.chapid) == (3, max(ARCHIVE._chapters) + 1)
    assert story.updated == date(2013, 3, 5) and story.published == old.published
    assert story.wordcount == old.wordcount + efiction_word_count(TEXT_2)

    upd = client.doc("browse.php?type=titles&sort=update")
    assert listed_sids(upd)[0] == 9
    text = block(upd, 9)
    assert field(text, "Updated:") == "05/03/13" and field(text, "Published:") == d(old.published)
    assert field(text, "Chapters:") == "3" and field(text, "Word count:") == str(story.wordcount)
    index = client.doc("viewstory.php?sid=9&index=1")
    assert [t for _, t in index_chapters(index)] == [c.title for c in old.chapters] + ["From Mary"]
    assert field(page_text(index), "Updated:") == "05/03/13"
    # the old last chapter gets a Next link; the new one is reachable and has none
    ch2 = client.doc("viewstory.php?sid=9&chapter=2")
    assert ch2.xpath('//a[@class="next"]')[0].get("href").endswith("chapter=3")
    ch3 = client.doc("viewstory.php?sid=9&chapter=3")
    assert "Marker-beta" in story_text(ch3) and not ch3.xpath('//a[@class="next"]')
    assert [o.text_content() for o in ch3.xpath('//select[@name="chapter"]/option')][-1] == "3. From Mary"
    assert "Mary has opinions." in page_text(ch3)
    assert "Marker-beta" in story_text(client.doc(f"viewstory.php?chapid={ch.chapid}"))
    assert "Marker-beta" in client.text("viewstory.php?action=printable&sid=9&chapter=all")
    assert rss_sids(client)[0] == 9


# -- edits ------------------------------------------------------------------------------


def test_chapter_edit_changes_text_but_not_the_date(archive, client):
    order = all_listed(client, "browse.php?type=titles&sort=update")
    old = archive.story(6)
    archive.advance(days=30)
    ch = archive.edit_chapter(6, 2, text=TEXT_1 + "\n" + TEXT_2, title="The Lamp Room, Revised")
    story = archive.story(6)
    assert ch.chapid == old.chapters[1].chapid and story.updated_at == old.updated_at
    assert ch.wordcount == efiction_word_count(TEXT_1 + "\n" + TEXT_2) != old.chapters[1].wordcount

    page = client.doc("viewstory.php?sid=6&chapter=2")
    assert "Marker-alpha" in story_text(page) and "Marker-beta" in story_text(page)
    assert "2. The Lamp Room, Revised" in [o.text_content() for o in page.xpath('//select[@name="chapter"]/option')]
    index = client.doc("viewstory.php?sid=6&index=1")
    assert (2, "The Lamp Room, Revised") in index_chapters(index)
    assert f"({ch.wordcount} words)" in page_text(index)
    assert field(page_text(index), "Word count:") == str(story.wordcount)
    assert field(page_text(index), "Updated:") == d(old.updated)
    assert "Marker-beta" in client.text("viewstory.php?action=printable&sid=6&chapter=2")
    # sort=update does not move; the listing shows the new word count and the old date
    assert all_listed(client, "browse.php?type=titles&sort=update") == order
    text = block(client.doc(f"browse.php?type=titles&sort=update&offset={order.index(6) // 10 * 10}"), 6)
    assert field(text, "Word count:") == str(story.wordcount) and field(text, "Updated:") == d(old.updated)


def test_story_edit_changes_metadata_but_not_the_date(archive, client):
    order = all_listed(client, "browse.php?type=titles&sort=update")
    old = archive.story(3)
    archive.advance(days=10)
    archive.edit_story(3, title="Zebras at Half Past Never", summary="Rewritten summary, with zebras.",
                       completed=False, rid=3)
    story = archive.story(3)
    assert story.updated_at == old.updated_at and story.chapters == old.chapters and story.rating == "PG-13"

    alpha = all_listed(client, "browse.php?type=titles")
    assert alpha[-1] == 3 and alpha == [s.sid for s in archive.by_title()]
    assert all_listed(client, "browse.php?type=titles&sort=update") == order
    text = block(client.doc("browse.php?type=titles&let=Z"), 3)
    assert "Zebras at Half Past Never" in text and "Rewritten summary, with zebras." in text
    assert field(text, "Completed:") == "No" and field(text, "Rated:") == "PG-13"
    assert field(text, "Updated:") == d(old.updated)
    index = page_text(client.doc("viewstory.php?sid=3&index=1"))
    assert "Zebras at Half Past Never" in index and "Rewritten summary, with zebras." in index
    assert "Rewritten summary" in client.text("viewstory.php?action=printable&sid=3&chapter=all")
    assert 3 in listed_sids(client.doc("browse.php?type=titles&complete=0"))


def test_deleted_chapter_renumbers_the_rest(archive, client):
    old = archive.story(5)
    archive.delete_chapter(5, 2)
    assert [(c.inorder, c.chapid) for c in archive.story(5).chapters] == \
        [(1, old.chapters[0].chapid), (2, old.chapters[2].chapid), (3, old.chapters[3].chapid)]
    index = client.doc("viewstory.php?sid=5&index=1")
    assert index_chapters(index) == [(1, old.chapters[0].title), (2, old.chapters[2].title), (3, old.chapters[3].title)]
    assert field(page_text(index), "Updated:") == d(old.updated)
    assert story_text(client.doc("viewstory.php?sid=5&chapter=4")) == ""  # out of range: empty span
    with pytest.raises(ValueError):
        archive.delete_chapter(2, 1)  # the only chapter


# -- removal and restore ---------------------------------------------------------------


def test_deleted_story_is_gone_then_restored(archive, client):
    alpha_before = all_listed(client, "browse.php?type=titles")
    upd_before = all_listed(client, "browse.php?type=titles&sort=update")
    series_before = listed_sids(client.doc("viewseries.php?seriesid=2"))
    assert series_before == [2, 9]
    old = archive.story(9)
    archive.advance(days=3)
    archive.remove_story(9)  # deleted by its author

    for path in ("viewstory.php?sid=9", "viewstory.php?sid=9&chapter=2", "viewstory.php?sid=9&index=1",
                 f"viewstory.php?chapid={old.chapters[0].chapid}"):
        doc = client.doc(path)
        assert ACCESS_DENIED in errortext(doc) and doc.xpath('//div[@id="pagetitle"]')[0].text_content() == ""
    assert ACCESS_DENIED in client.text("viewstory.php?action=printable&sid=9&chapter=all")
    assert 9 not in all_listed(client, "browse.php?type=titles")
    assert 9 not in all_listed(client, "browse.php?type=titles&sort=update")
    assert 9 not in listed_sids(client.doc("viewuser.php?uid=3")) and 9 not in rss_sids(client)
    assert listed_sids(client.doc("viewseries.php?seriesid=2")) == [2]
    assert archive.story(9) is None and 9 not in [s.sid for s in archive.public_stories()]
    assert archive.removed_sids() == (9,) and 9 in archive.missing_sids

    archive.restore_story(9)
    assert archive.story(9) == old  # as it was: same chapids, same dates
    assert all_listed(client, "browse.php?type=titles") == alpha_before
    assert all_listed(client, "browse.php?type=titles&sort=update") == upd_before
    assert listed_sids(client.doc("viewseries.php?seriesid=2")) == series_before
    assert "From Jane" in [t for _, t in index_chapters(client.doc("viewstory.php?sid=9&index=1"))]
    assert story_text(client.doc("viewstory.php?sid=9&chapter=2"))


def test_unvalidated_story_keeps_its_title_and_comes_back_on_top(archive, client):
    title = archive.story(2).title
    archive.remove_story(2, how="unvalidate")
    doc = client.doc("viewstory.php?sid=2")
    assert ACCESS_DENIED in errortext(doc) and doc.xpath('//div[@id="pagetitle"]')[0].text_content() == title
    assert ACCESS_DENIED in client.text("viewstory.php?sid=2&index=1")
    assert 2 not in all_listed(client, "browse.php?type=titles")
    assert listed_sids(client.doc("viewseries.php?seriesid=2")) == [9]
    assert archive.story(2) in archive.unvalidated_stories()

    archive.now = date(2013, 6, 1)
    archive.restore_story(2)  # validated again: eFiction stamps `updated`
    upd = client.doc("browse.php?type=titles&sort=update")
    assert listed_sids(upd)[0] == 2 and field(block(upd, 2), "Updated:") == "01/06/13"
    assert story_text(client.doc("viewstory.php?sid=2"))


# -- read counts and time ---------------------------------------------------------------


def test_read_counts_drift(archive, site):
    client = Client(site)
    archive.set_read_count(1, 12345)
    assert field(block(client.doc("browse.php?type=titles&let=T"), 1), "Read Count:") == "12345"
    assert field(page_text(client.doc("viewstory.php?sid=1&index=1")), "Read:") == "12345"
    bumped = archive.bump_read_counts(seed=7)
    assert bumped and all(v > 0 for v in bumped.values())
    doc = client.doc("browse.php?type=titles")
    for sid in listed_sids(doc):
        assert field(block(doc, sid), "Read Count:") == str(archive.story(sid).read_count)
    assert archive.story(1).read_count == 12345 + bumped.get(1, 0)


def test_count_reads_counts_chapter_views():
    archive = ARCHIVE.copy()
    with SampleArchive(archive=archive, count_reads=True) as site:
        client = Client(site)
        start = archive.story(2).read_count
        client.get("viewstory.php?sid=2")
        client.get("viewstory.php?sid=2&chapter=1")
        client.get("viewstory.php?sid=2&index=1")  # the index is not a read
        assert archive.story(2).read_count == start + 2
        assert field(page_text(client.doc("viewstory.php?sid=2&index=1")), "Read:") == str(start + 2)


def test_the_clock_drives_new_and_recent(archive, client):
    archive.now = datetime(2013, 7, 1, 12, 0)
    s = archive.add_story("Fresh Off the Press", [TEXT_1])
    assert "New!" in block(client.doc("browse.php?type=recent"), s.sid)
    assert archive.advance(days=8) == datetime(2013, 7, 9, 12, 0)
    assert s.sid not in listed_sids(client.doc("browse.php?type=recent"))
    assert "New!" not in block(client.doc("browse.php?type=titles&sort=update"), s.sid)


def test_churn_is_deterministic_and_served(archive, client):
    twin = ARCHIVE.copy()
    log = churn(archive, seed=3, new_stories=2, new_chapters=3, edited_chapters=2, edited_stories=2, removed=1)
    assert churn(twin, seed=3, new_stories=2, new_chapters=3, edited_chapters=2, edited_stories=2,
                 removed=1) == log
    assert twin.fingerprint() == archive.fingerprint()
    served = all_listed(client, "browse.php?type=titles&sort=update")
    assert served == by_update_sids(archive)
    assert set(served[:len(log.updated)]) == log.updated
    assert not set(log.removed) & set(served) and set(log.added) <= set(served)
    for sid, inorders in log.chapters_edited.items():
        for k in inorders:
            expected = " ".join(lxml.html.fromstring(archive.story(sid).chapters[k - 1].text).text_content().split())
            assert story_text(client.doc(f"viewstory.php?sid={sid}&chapter={k}")) == expected


# -- the generated archive ----------------------------------------------------------------


@pytest.fixture(scope="module")
def big() -> Archive:
    t = time.perf_counter()
    a = Archive.generated(1000)
    print(f"\nArchive.generated(1000) built in {time.perf_counter() - t:.2f} s")
    return a


def test_generated_archive_shape(big):
    listed = big.listed_stories()
    chapters = [c for s in listed for c in s.chapters]
    assert len(listed) == 1000 and 4000 <= len(chapters) <= 6000
    sizes = [len(c.source.encode("cp1252", "xmlcharrefreplace")) for c in chapters]
    assert 1000 <= min(sizes) and max(sizes) <= 4000
    assert len({s.updated_at for s in listed}) == 1000
    assert min(s.published for s in listed).year <= 2005 and max(s.updated for s in listed).year == 2013
    assert len({s.uid for s in listed}) >= 50 and len(big.series) >= 10
    assert 5 <= sum(s.gated for s in listed) <= 100 and big.restricted_stories()
    assert all(c.wordcount == efiction_word_count(c.source) for c in chapters[:500])
    assert len({s.title.casefold() for s in listed}) == 1000
    assert big.site.items_per_page == 25 and not big.frozen


def test_generated_archive_is_deterministic(big):
    paths = ["browse.php?type=titles", "browse.php?type=titles&sort=update&offset=500", "viewstory.php?sid=17&index=1",
             "viewstory.php?action=printable&sid=500&chapter=all", "viewstory.php?sid=999&chapter=1", "rss.php",
             "authors.php?list=authors", "viewseries.php?seriesid=3"]
    twin = Archive.generated(1000)
    assert twin.fingerprint() == big.fingerprint()
    other = Archive.generated(1000, seed=1)
    assert other.fingerprint() != big.fingerprint()
    with SampleArchive(archive=big) as s1, SampleArchive(archive=twin) as s2, SampleArchive(archive=other) as s3:
        c1, c2, c3 = Client(s1), Client(s2), Client(s3)
        for p in paths:
            body = c1.get(p)
            assert portless(body) == portless(c2.get(p)), p
        assert c1.get(paths[0]) != c3.get(paths[0])


def test_generated_archive_is_served_quickly(big):
    by_update = big.by_update()
    public = [s for s in big.public_stories() if not s.gated]
    with SampleArchive(archive=big) as site:
        assert site.items_per_page == 25
        client = Client(site)
        # sort=update is the archive's truth, 25 a page, 40 pages
        first = client.doc("browse.php?type=titles&sort=update")
        assert listed_sids(first) == [s.sid for s in by_update[:25]]
        last = client.doc("browse.php?type=titles&sort=update&offset=975")
        assert listed_sids(last) == [s.sid for s in by_update[975:]]
        s = public[123]
        assert [t for _, t in index_chapters(client.doc(f"viewstory.php?sid={s.sid}&index=1"))] == \
            [c.title for c in s.chapters]

        def timed(paths: list[str]) -> float:
            t = time.perf_counter()
            total = sum(len(client.get(p)) for p in paths)
            dt = time.perf_counter() - t
            assert total > 0
            return dt

        pages = []
        for i in range(17):
            pages.append(f"browse.php?type=titles&sort=update&offset={25 * i}")
            pages.append(f"viewstory.php?sid={public[i * 7].sid}&index=1")
            pages.append(f"viewstory.php?action=printable&sid={public[i * 7].sid}&chapter=all")
        pages = pages[:50]
        cold = timed(pages)
        warm = timed(pages)
        site.archive.bump_read_counts(by=1)  # any change invalidates the page cache
        changed = timed(pages)
        print(f"\ngenerated(1000): 50 pages (listing + index + printable) served in {cold * 1000:.0f} ms "
              f"({cold * 20:.1f} ms/page) cold, {warm * 1000:.0f} ms cached, "
              f"{changed * 1000:.0f} ms after a change")
