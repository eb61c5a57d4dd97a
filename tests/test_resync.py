"""Re-sync: the sample archive changes between crawls; each re-sync fetches exactly what changed,
updates drifting counters without calling them changes, and keeps old versions."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from contextlib import ExitStack

import pytest

from mirror.sample import SampleArchive
from mirror.sample import faults as F
from mirror.sample.archive import ARCHIVE
from sqlalchemy import create_engine, insert, select, update

from mirror.storage import ChapterVersionRow, ReviewRow, SiteRow, Store, StoryRow, StoryVersionRow, migrate
from tests.storage_fixtures import cloned, database, template_database
from tests.test_crawl_sample import ROOT, canon, crawl, last_run, run

STORY_PAGES = "viewstory.php"
re_progress = re.compile(r"progress: stories \d+/(about )?\d+(, \w+ \d+/\d+)*; \d+ requests?, \d+ errors?")


def fetched_story_ids(log) -> set[int]:
    ids = set()
    for record in log:
        if STORY_PAGES in record.path_qs:
            query = dict(p.split("=", 1) for p in record.path_qs.split("?", 1)[1].split("&") if "=" in p)
            ids.add(int(query["sid"]))
    return ids


@pytest.fixture(scope="module")
def template(backend, tmp_path_factory):
    """The sample archive mirrored once per module and backend: (backend, database URL, the
    archive as the crawl left it, the port it was served on).  Each test gets a copy of both."""
    archive = ARCHIVE.copy()
    with template_database(backend, tmp_path_factory.mktemp("template")) as db:
        with SampleArchive(archive=archive) as site:
            crawl(site.base_url, db)
            port = site.port
        yield backend, db, archive, port


@pytest.fixture
def mirrored(template, tmp_path):
    """A private copy of the archive, served where the template's crawl found it, and of the
    database that crawl filled: the state of a first full crawl, without crawling again.  Should
    another process hold that port now, the test serves its copy elsewhere and crawls afresh."""
    backend, template_db, template_archive, port = template
    archive = template_archive.copy()
    with ExitStack() as stack:
        try:
            site = stack.enter_context(SampleArchive(archive=archive, port=port))
        except OSError:  # the port is taken: a first crawl of our own
            site = stack.enter_context(SampleArchive(archive=archive))
            db = stack.enter_context(database(backend, tmp_path))
            crawl(site.base_url, db)
        else:
            db = stack.enter_context(cloned(backend, template_db, tmp_path))
        store = Store(db)
        stack.callback(store.close)
        yield site, archive, store, db


def resync(site, db, *extra):
    site.clear_requests()
    crawl(site.base_url, db, *extra)
    return site.request_log()


def test_an_unchanged_archive_costs_one_listing_page_and_no_story_request(mirrored):
    site, archive, store, db = mirrored
    log = resync(site, db)
    assert fetched_story_ids(log) == set()
    assert [r.path_qs for r in log] == ["/robots.txt", "/efiction/browse.php?type=titles&sort=update&offset=0"]
    run_record = last_run(store)
    assert run_record["mode"] == "resync" and run_record["status"] == "finished"
    assert run_record["stories_unchanged"] == 10  # the one listing page read: 10 stories seen, unchanged
    assert run_record["stories_new"] == run_record["stories_changed"] == 0


LISTING = "/efiction/browse.php?type=titles&sort=update&offset=0"


def review_requests(log) -> list[str]:
    return [r.path_qs for r in log if "reviews.php" in r.path_qs]


def first_page_reviewed(archive) -> list[int]:
    """The stories with reviews on the first listing page (the one a re-sync reads), public ones."""
    page = archive.by_update()[:archive.site.items_per_page]
    return [s.sid for s in page if s.review_count and not s.members_only]


def drift(store, site, sids) -> None:
    """Store one review fewer than each story's listing counts, as on a site whose counter keeps
    what its review pages no longer show (reviews of a deleted chapter, or edited to "No Review")."""
    for sid in sids:
        review = next(r for r in store.iter_reviews(site.base_url, "ST") if r.item_id == sid)
        with store.engine.begin() as conn:
            conn.execute(update(ReviewRow).where(ReviewRow.review_id == review.review_id)
                         .values(removed_at=dt.datetime.now(dt.timezone.utc)))


def test_an_unchanged_resync_reads_no_review_page_when_stored_review_counts_differ(mirrored):
    site, archive, store, db = mirrored
    reviewed = first_page_reviewed(archive)
    assert len(reviewed) >= 3
    drift(store, site, reviewed)
    stored = store.review_counts(site.base_url)
    assert all(stored.get(sid, 0) != archive.story(sid).review_count for sid in reviewed)
    for _ in range(2):
        log = resync(site, db)
        assert [r.path_qs for r in log] == ["/robots.txt", LISTING]
    # the listing's count (its counter) is stored as it is; the reviews as the last read left them
    assert {sid: store.get_story(site.base_url, sid).review_count for sid in reviewed} == {
        sid: archive.story(sid).review_count for sid in reviewed}
    assert store.review_counts(site.base_url) == stored


def test_only_the_story_whose_listed_review_count_changed_has_its_reviews_read(mirrored):
    site, archive, store, db = mirrored
    grown, drifted, *_ = first_page_reviewed(archive)
    drift(store, site, [drifted])
    new = archive.add_review(grown)  # a reader's review: the listing's count moves, nothing else
    log = resync(site, db)
    assert fetched_story_ids(log) == set()
    assert review_requests(log) == [f"/efiction/reviews.php?type=ST&item={grown}"]
    assert new.reviewid in {r.review_id for r in store.iter_reviews(site.base_url, "ST") if r.item_id == grown}
    assert store.review_counts(site.base_url)[grown] == archive.story(grown).review_count
    assert [r.path_qs for r in resync(site, db)] == ["/robots.txt", LISTING]


def test_reviews_whose_pages_failed_are_read_again_until_read_whole(mirrored):
    site, archive, store, db = mirrored
    sid = next(sid for sid in first_page_reviewed(archive) if len(archive.story(sid).chapters) > 1)
    while archive.story(sid).review_count <= site.items_per_page:  # two review pages
        fewest = min(archive.story(sid).chapters, key=lambda c: c.review_count)
        archive.add_review(sid, fewest.inorder)
    second = F.on(lambda req: f"reviews.php?type=ST&item={sid}&offset=" in req.path_qs, F.status(404))
    with F.injected(site, second):
        log = resync(site, db)
    assert second.hits == 1 and len(review_requests(log)) == 2
    assert store.review_reads(site.base_url)[sid] is None  # not read whole
    log = resync(site, db)  # nothing changed on the site since, but that read was cut short
    assert len(review_requests(log)) == 2
    assert store.review_reads(site.base_url)[sid] == archive.story(sid).review_count
    assert store.review_counts(site.base_url)[sid] == archive.story(sid).review_count
    assert [r.path_qs for r in resync(site, db)] == ["/robots.txt", LISTING]


def test_an_upgraded_database_compares_with_the_reviews_it_stored_until_they_are_read(db):
    """Migration 0007: a database mirrored before takes, as the count listed at the last read,
    the reviews it stores with text and not removed (what a re-sync compared with before)."""
    migrate.upgrade(db, "0006")
    engine = create_engine(db)
    review = {"site_id": 1, "item_type": "ST", "reviewer_name": "Guest", "signed": False, "date_display": "",
              "text_html": "<p>Yes.</p>", "rating_only": False, "response_html": "", "source_url": "",
              "content_hash": "x", "removed_at": None}
    with engine.begin() as conn:
        conn.execute(insert(SiteRow.__table__).values(id=1, base_url="http://archive.example/"))
        conn.execute(insert(ReviewRow.__table__), [
            {**review, "review_id": 1, "item_id": 5}, {**review, "review_id": 2, "item_id": 5},
            {**review, "review_id": 3, "item_id": 5, "removed_at": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)},
            {**review, "review_id": 4, "item_id": 6, "rating_only": True, "text_html": "No Review"},
            {**review, "review_id": 5, "item_id": 2, "item_type": "SE"}])
    engine.dispose()
    migrate.upgrade(db)
    with Store(db) as store:
        assert store.review_reads("http://archive.example/") == {5: 2, 6: 0}
        assert store.review_reads("http://archive.example/", "SE") == {2: 1}


def test_read_counts_drift_without_counting_as_changes(mirrored):
    site, archive, store, db = mirrored
    # the newest story: on the first listing page, the one a re-sync reads
    sid = max(archive.public_stories(), key=lambda s: (s.updated, s.title)).sid
    archive.set_read_count(sid, archive.story(sid).read_count + 57)
    log = resync(site, db)
    assert fetched_story_ids(log) == set()
    assert store.get_story(site.base_url, sid).read_count == archive.story(sid).read_count
    assert last_run(store)["stories_changed"] == 0
    assert [e for e in store.story_history(site.base_url, sid) if e["kind"] != "first_seen"] == []


def test_new_story_new_chapter_and_edited_summary_are_fetched_and_nothing_else(mirrored):
    site, archive, store, db = mirrored
    public = [s for s in archive.public_stories() if not s.gated]
    newest_first = sorted(public, key=lambda s: s.updated, reverse=True)
    grown = newest_first[-1].sid  # the oldest: a new chapter brings it to the top of the listing
    edited = newest_first[0].sid  # on the first listing page: its listed summary shows the edit
    archive.advance(days=3)
    new = archive.add_story("A Brand New Story", ["<p>Fresh words for the re-sync.</p>"], summary="New.")
    archive.add_chapter(grown, "An Extra Chapter", "<p>One more chapter, added later.</p>")
    old_summary = store.get_story(site.base_url, edited).summary_html
    archive.edit_story(edited, summary="A summary rewritten by its author.")
    log = resync(site, db)
    story_requests = sum(STORY_PAGES in r.path_qs for r in log)
    assert story_requests <= 2 * len(fetched_story_ids(log))
    run_record = last_run(store)
    assert run_record["stories_new"] == 1
    stored_new = store.get_story(site.base_url, new.sid)
    assert stored_new.title == "A Brand New Story" and stored_new.chapters
    stored_grown = store.get_story(site.base_url, grown)
    assert [c.title for c in stored_grown.chapters][-1] == "An Extra Chapter"
    assert len(stored_grown.chapters) == len(archive.story(grown).chapters)
    assert fetched_story_ids(log) == {new.sid, grown, edited}
    assert "rewritten" in store.get_story(site.base_url, edited).summary_html
    changes = [e for e in store.story_history(site.base_url, edited) if e["kind"] == "metadata_changed"]
    assert len(changes) == 1, changes
    assert run_record["stories_changed"] == 2
    assert store.get_story(site.base_url, edited).summary_html != old_summary
    with store.engine.connect() as conn:  # the earlier summary is kept as a version
        kept = [m["summary_html"] for m in conn.execute(select(StoryVersionRow.data).join(
            StoryRow, StoryRow.id == StoryVersionRow.story_pk).where(StoryRow.story_id == edited)
            .order_by(StoryVersionRow.id)).scalars()]
    assert kept[0] == old_summary and "rewritten" in kept[-1]


def series_fetched(log) -> set[int]:
    return {int(re.search(r"seriesid=(\d+)", r.path_qs).group(1)) for r in log if "viewseries.php" in r.path_qs}


def test_a_new_story_in_a_series_refetches_that_series_only(mirrored):
    site, archive, store, db = mirrored
    assert {s.series_id for s in store.iter_series(site.base_url) if s.entries} == set(archive.series)
    archive.advance(days=3)
    new = archive.add_story("Another Letter", ["<p>Dear Jane.</p>"], summary="More letters.", series=[2])
    log = resync(site, db)
    assert fetched_story_ids(log) == {new.sid}
    assert series_fetched(log) == {2}  # the series of the new story; the others are unchanged
    assert not any("type=series" in r.path_qs for r in log)  # no series listing on a re-sync
    letters = next(s for s in store.iter_series(site.base_url) if s.series_id == 2)
    assert [e.story_id for e in letters.entries] == list(archive.series[2].sids)
    assert [s.position for s in store.get_story(site.base_url, new.sid).series] == [len(archive.series[2].sids)]


def test_edited_chapter_text_is_caught_by_full_and_the_old_version_kept(mirrored):
    site, archive, store, db = mirrored
    story = next(s for s in archive.public_stories() if not s.gated and len(s.chapters) > 1)
    before = store.get_story(site.base_url, story.sid).chapters[1].text_html
    archive.edit_chapter(story.sid, 2, text=archive.story(story.sid).chapters[1].source.replace(
        "the", "thee", 1))
    resync(site, db)
    after_resync = store.get_story(site.base_url, story.sid).chapters[1].text_html
    log = resync(site, db, "--full")
    assert story.sid in fetched_story_ids(log)
    assert last_run(store)["mode"] == "full"
    now = store.get_story(site.base_url, story.sid).chapters[1].text_html
    assert now != before and canon(now) == canon(archive.story(story.sid).chapters[1].text)
    events = store.story_history(site.base_url, story.sid)
    assert any(e["kind"] == "chapter_changed" and e.get("number") == 2 for e in events), events
    assert after_resync in (before, now)
    with store.engine.connect() as conn:  # both versions of the chapter are kept
        texts = conn.execute(select(ChapterVersionRow.text_html).join(
            StoryRow, StoryRow.id == ChapterVersionRow.story_pk).where(
            StoryRow.story_id == story.sid, ChapterVersionRow.number == 2).order_by(ChapterVersionRow.id)).scalars().all()
    assert texts == [before, now]


def test_removed_story_is_marked_removed_content_kept_then_restored(mirrored):
    site, archive, store, db = mirrored
    sid = archive.public_stories()[-1].sid
    text = store.get_story(site.base_url, sid).chapters[0].text_html
    archive.remove_story(sid)
    resync(site, db, "--full")
    assert store.get_story(site.base_url, sid).chapters[0].text_html == text
    assert last_run(store)["stats"]["mirror/stories/removed"] == 1
    status = run(sys.executable, "-m", "mirror", "status", "--db", db, "--json")
    record = json.loads(status.stdout)[0]
    assert record["stories"]["removed"] == 1
    archive.restore_story(sid)
    resync(site, db, "--full")
    assert last_run(store)["stats"]["mirror/stories/restored"] == 1
    kinds = [e["kind"] for e in store.story_history(site.base_url, sid)]
    assert "removed" in kinds and "restored" in kinds
    status = run(sys.executable, "-m", "mirror", "status", "--db", db, "--json")
    assert json.loads(status.stdout)[0]["stories"]["removed"] == 0


def test_status_reports_the_site_and_the_last_run(mirrored):
    site, archive, store, db = mirrored
    result = run(sys.executable, "-m", "mirror", "status", "--db", db)
    assert result.returncode == 0, result.stderr
    assert site.base_url in result.stdout
    assert f"{len(archive.listed_stories())} present, 0 removed, 1 members-only" in result.stdout
    assert "last successful sync: 20" in result.stdout and "last run:  #1 full, finished" in result.stdout


def test_progress_lines_when_not_on_a_terminal(mirrored):
    site, archive, store, db = mirrored
    result = run(sys.executable, "-m", "mirror", "crawl", site.base_url, "--db", db, "--full", "--delay", "0.05",
                 "-s", "MIRROR_PROGRESS_INTERVAL=0.3")
    assert result.returncode == 0, result.stderr
    assert re_progress.search(result.stderr), result.stderr[-2000:]


def test_sync_all_resyncs_every_profile_and_fails_if_one_does(tmp_path, db):
    sites_dir = tmp_path / "config" / "sites"
    sites_dir.mkdir(parents=True)
    with SampleArchive() as one, SampleArchive() as two:
        for name, site in (("one", one), ("two", two)):
            (sites_dir / f"{name}.toml").write_text(f'base_url = "{site.base_url}"\n', encoding="utf-8")
        ok = run(sys.executable, "-m", "mirror", "sync-all", "--db", db, "--config-dir", str(tmp_path / "config"),
                 "--", "--delay", "0")
        (sites_dir / "zdead.toml").write_text('base_url = "http://127.0.0.1:9/fiction/"\n', encoding="utf-8")
        bad = run(sys.executable, "-m", "mirror", "sync-all", "--db", db, "--config-dir", str(tmp_path / "config"),
                  "--", "--delay", "0")
        status = json.loads(run(sys.executable, "-m", "mirror", "status", "--db", db, "--json").stdout)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "one: ok" in ok.stdout and "two: ok" in ok.stdout
    assert {r["site"] for r in status} == {one.base_url, two.base_url}
    assert all(r["stories"]["present"] == len(ARCHIVE.listed_stories()) for r in status)
    assert bad.returncode == 1 and "zdead: FAILED" in bad.stdout and "one: ok" in bad.stdout
    assert "cannot reach 127.0.0.1:9" in bad.stdout + bad.stderr


def test_a_story_the_site_now_refuses_is_marked_removed_and_kept(mirrored):
    from mirror.sample.faults import access_denied, on, story as story_pages

    site, archive, store, db = mirrored
    sid = next(s.sid for s in archive.public_stories() if not s.gated)
    before = store.get_story(site.base_url, sid)
    site.faults.append(on(story_pages(sid), access_denied()))
    resync(site, db, "--full")
    run_record = last_run(store)
    assert run_record["stats"]["mirror/stories/removed"] == 1
    assert store.story_states(run_record["id"])[sid][0] == "dropped"
    after = store.get_story(site.base_url, sid)
    assert after.chapters == before.chapters and after.title == before.title
    assert [e["kind"] for e in store.story_history(site.base_url, sid)][-1] == "removed"


def test_progress_bar_on_a_terminal(mirrored):
    import shutil
    import subprocess

    if shutil.which("script") is None:
        pytest.skip("util-linux `script` (to give the crawl a terminal) is not installed")
    site, archive, store, db = mirrored
    command = f"{sys.executable} -m mirror crawl {site.base_url} --db {db} --full --delay 0.02 --log-level WARNING"
    result = subprocess.run(["script", "-qc", command, "/dev/null"], capture_output=True, text=True,
                            timeout=120, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout[-2000:]
    total = len(archive.listed_stories())
    assert f"{total}/{total}" in result.stdout and "requests, 0 errors" in result.stdout
