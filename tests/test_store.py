"""Storage layer tests, on real SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mirror.items import Author, Series, Story, Tag
from mirror.storage import (
    DEFAULT_DATABASE_URL,
    AuthorRow,
    StorageError,
    Store,
    StoryRow,
    database_url,
)
from tests.storage_fixtures import (  # noqa: F401  (fixtures)
    IVAN,
    KIM,
    SITE_A,
    SITE_B,
    ZOE,
    chapter,
    db_url,
    make_story,
    store,
    table_counts,
)

SERIES_1 = Series(id=1, title="The Saga", url=SITE_A + "viewseries.php?seriesid=1")
SERIES_2 = Series(id=2, title="Side Stories", url=SITE_A + "viewseries.php?seriesid=2")


def rich_story(story_id: int = 1) -> Story:
    """Co-authors, round-robin chapter authors, series, three class types."""
    story = make_story(story_id, authors=[IVAN, ZOE, KIM], chapters=4)
    rota = [ZOE, IVAN, KIM, ZOE]
    for ch, author in zip(story.chapters, rota):
        ch.authors = [author]
    story.chapters[3].authors = [ZOE, IVAN]
    story.series = [SERIES_2, SERIES_1]
    story.classes = {
        "Genre": [Tag(10, "Angst")],
        "Warnings": [Tag(20, "Violence"), Tag(21, "Language")],
        "Type": [Tag(30, "Het")],
    }
    story.challenges = [Tag(5, "Winter Fest")]
    return story


# --------------------------------------------------------------- results


def test_new_unchanged_changed(store: Store) -> None:
    story = make_story(1)
    assert store.upsert_story(story) == "new"
    assert store.upsert_story(copy.deepcopy(story)) == "unchanged"

    story.title = "Story 1 (revised)"
    assert store.upsert_story(story) == "changed"
    assert store.upsert_story(story) == "unchanged"

    story.read_count = 101  # drifting counters are not content (but are kept current)
    story.review_count = 6
    assert store.upsert_story(story) == "unchanged"

    story.rating = "R"  # any other field difference counts
    assert store.upsert_story(story) == "changed"

    story.chapters[1].text_html += "<p>More.</p>"
    assert store.upsert_story(story) == "changed"

    story.requests = 99  # crawl cost, not content
    assert store.upsert_story(story) == "unchanged"
    assert store.get_story(SITE_A, 1) == story


def test_unchanged_updates_last_fetched_only(store: Store) -> None:
    store.upsert_story(make_story(1))
    with Session(store.engine) as session:
        first = session.scalars(select(StoryRow)).one()
        first_seen, fetched, changed = first.first_seen, first.last_fetched, first.last_changed
    assert first_seen.tzinfo is not None and first_seen.utcoffset() == dt.timedelta(0)
    time.sleep(0.01)
    assert store.upsert_story(make_story(1)) == "unchanged"
    with Session(store.engine) as session:
        row = session.scalars(select(StoryRow)).one()
        assert row.first_seen == first_seen
        assert row.last_changed == changed
        assert row.last_fetched > fetched


def test_storing_twice_leaves_one_copy_of_every_row(store: Store) -> None:
    stories = [rich_story(1), rich_story(2), make_story(3, status="restricted", chapters=0)]
    for s in stories:
        assert store.upsert_story(s) == "new"
    counts = table_counts(store)
    assert counts == {
        "sites": 1,
        "authors": 3,
        "crawl_runs": 0,
        "crawl_stories": 0,
        "series": 2,
        "series_items": 0,
        "stories": 3,
        "chapters": 8,
        "story_authors": 7,
        "story_series": 4,
        "chapter_authors": 10,
        "story_versions": 3,
        "chapter_versions": 8,
        "story_events": 0,
        "story_sources": 0,
        "reviews": 0,
        "review_versions": 0,
        "review_reads": 0,
        "author_profiles": 0,
        "author_profile_versions": 0,
        "challenges": 0,
        "challenge_versions": 0,
        "taxonomy": 0,
        "taxonomy_versions": 0,
        "images": 0,
        "image_urls": 0,
        "site_locks": 0,
    }
    for s in stories:
        assert store.upsert_story(copy.deepcopy(s)) == "unchanged"
    assert table_counts(store) == counts
    # a changed story is rewritten in place, not duplicated; only the history grows
    stories[0].title = "New title"
    stories[0].chapters[0].text_html = "<p>Rewritten.</p>"
    assert store.upsert_story(stories[0]) == "changed"
    assert table_counts(store) == {**counts, "story_versions": 4, "chapter_versions": 9}


def test_invalid_items_are_rejected(store: Store) -> None:
    story = make_story(1, chapters=2)
    story.chapters[1].number = 1
    with pytest.raises(ValueError, match="duplicate chapter number 1"):
        store.upsert_story(story)
    with pytest.raises(ValueError, match="status"):
        store.upsert_story(make_story(2, status="hidden"))
    with pytest.raises(TypeError):
        store.upsert_story({"story_id": 1})  # type: ignore[arg-type]
    assert table_counts(store)["stories"] == 0


# -------------------------------------------------------------- chapters


def test_chapters_shrink_and_grow(store: Store) -> None:
    story = rich_story(1)
    store.upsert_story(story)
    assert table_counts(store)["chapters"] == 4

    story.chapters = story.chapters[:2]
    story.chapter_count = 2
    assert store.upsert_story(story) == "changed"
    counts = table_counts(store)
    assert counts["chapters"] == 2
    assert counts["chapter_authors"] == 2
    assert [c.number for c in store.get_story(SITE_A, 1).chapters] == [1, 2]

    story.chapters.append(chapter(1, 3, authors=[KIM], text="<p>New third chapter.</p>"))
    assert store.upsert_story(story) == "changed"
    stored = store.get_story(SITE_A, 1)
    assert stored == story
    assert table_counts(store)["chapters"] == 3


def test_chapters_are_stored_in_number_order(store: Store) -> None:
    story = make_story(1, chapters=3)
    shuffled = copy.deepcopy(story)
    shuffled.chapters.reverse()
    assert store.upsert_story(shuffled) == "new"
    assert store.get_story(SITE_A, 1) == story
    assert store.upsert_story(story) == "unchanged"


# --------------------------------------------------------------- authors


def test_coauthor_order_is_kept(store: Store) -> None:
    story = make_story(1, authors=[IVAN, ZOE, KIM])
    store.upsert_story(story)
    assert [a.id for a in store.get_story(SITE_A, 1).authors] == [12, 7, 3]

    story.authors = [KIM, IVAN, ZOE]
    assert store.upsert_story(story) == "changed"
    assert [a.name for a in store.get_story(SITE_A, 1).authors] == ["Kim", "Иван", "Zoë"]

    story.authors = [KIM]
    assert store.upsert_story(story) == "changed"
    assert store.get_story(SITE_A, 1).authors == [KIM]
    counts = table_counts(store)
    assert counts["story_authors"] == 1
    assert counts["authors"] == 3  # author rows stay: other stories may use them


def test_round_robin_chapter_authors(store: Store) -> None:
    story = rich_story(1)
    store.upsert_story(story)
    stored = store.get_story(SITE_A, 1)
    assert [[a.name for a in c.authors] for c in stored.chapters] == [
        ["Zoë"],
        ["Иван"],
        ["Kim"],
        ["Zoë", "Иван"],
    ]
    assert stored == story

    story.chapters[1].authors = [KIM]
    assert store.upsert_story(story) == "changed"
    assert store.get_story(SITE_A, 1).chapters[1].authors == [KIM]


def test_author_renamed_on_a_later_crawl(store: Store) -> None:
    store.upsert_story(make_story(1, authors=[ZOE]))
    renamed = Author(id=ZOE.id, name="Zoë Q.", url=ZOE.url + "&x=1")
    assert store.upsert_story(make_story(2, authors=[renamed])) == "new"

    counts = table_counts(store)
    assert counts["authors"] == 1
    with Session(store.engine) as session:
        row = session.scalars(select(AuthorRow)).one()
        assert (row.author_id, row.name, row.url) == (7, "Zoë Q.", renamed.url)
    # every story by that author now reads the new name
    assert store.get_story(SITE_A, 1).authors == [renamed]
    # a re-crawl of story 1 with the new name is no change any more
    assert store.upsert_story(make_story(1, authors=[renamed])) == "unchanged"


def test_same_author_ids_on_two_sites_are_distinct(store: Store) -> None:
    store.upsert_story(make_story(1, site=SITE_A, authors=[ZOE]))
    other = Author(id=ZOE.id, name="Someone else", url=SITE_B + "viewuser.php?uid=7")
    store.upsert_story(make_story(1, site=SITE_B, authors=[other]))
    assert table_counts(store)["authors"] == 2
    assert store.get_story(SITE_A, 1).authors == [ZOE]
    assert store.get_story(SITE_B, 1).authors == [other]


# ---------------------------------------------------------------- series


def test_series_links(store: Store) -> None:
    one = rich_story(1)
    two = make_story(2, series=[SERIES_1])
    store.upsert_story(one)
    store.upsert_story(two)
    assert store.get_story(SITE_A, 1).series == [SERIES_2, SERIES_1]
    assert store.get_story(SITE_A, 2).series == [SERIES_1]
    counts = table_counts(store)
    assert (counts["series"], counts["story_series"]) == (2, 3)

    one.series = [SERIES_1]
    assert store.upsert_story(one) == "changed"
    assert store.get_story(SITE_A, 1).series == [SERIES_1]
    counts = table_counts(store)
    assert (counts["series"], counts["story_series"]) == (2, 2)

    retitled = Series(id=1, title="The Saga (complete)", url=SERIES_1.url)
    two.series = [retitled]
    assert store.upsert_story(two) == "changed"
    assert store.get_story(SITE_A, 1).series == [retitled]


# ------------------------------------------------- restricted, non-ASCII


def test_restricted_story_without_chapters(store: Store) -> None:
    story = make_story(5, status="restricted", chapters=0)
    story.chapter_count = 3  # the listing says 3 chapters; none are readable
    story.word_count = 4500
    assert store.upsert_story(story) == "new"
    stored = store.get_story(SITE_A, 5)
    assert stored == story
    assert stored.status == "restricted" and stored.chapters == []
    assert store.upsert_story(story) == "unchanged"


def test_a_story_gone_members_only_keeps_its_preserved_text(store: Store) -> None:
    public = make_story(6, chapters=3)
    assert store.upsert_story(public) == "new"
    now_restricted = make_story(6, status="restricted", chapters=0)
    assert store.upsert_story(now_restricted) == "changed"
    stored = store.get_story(SITE_A, 6)
    assert stored.status == "restricted"
    assert [c.text_html for c in stored.chapters] == [c.text_html for c in public.chapters]


def test_an_incomplete_crawl_never_blanks_text_stored_before(store: Store) -> None:
    whole = make_story(7, chapters=3)
    assert store.upsert_story(whole) == "new"
    partial = make_story(7, chapters=3, status="incomplete")
    partial.chapters[1].text_html = ""  # this crawl could not fetch chapter 2
    assert store.upsert_story(partial) == "changed"
    stored = store.get_story(SITE_A, 7)
    assert stored.status == "incomplete"
    assert [c.text_html for c in stored.chapters] == [c.text_html for c in whole.chapters]
    fresh = make_story(8, chapters=2, status="incomplete")
    fresh.chapters[0].text_html = ""
    assert store.upsert_story(fresh) == "new"
    assert store.get_story(SITE_A, 8).chapters[0].text_html == ""


def test_non_ascii_round_trips(store: Store) -> None:
    zoe = Author(id=99, name="Zoë “Z” Ångström", url=SITE_A + "viewuser.php?uid=99")
    story = make_story(
        1,
        authors=[zoe],
        title="“Quoted” — Привет, мир 🌍",
        summary_html="<p>Zoë’s summary: ¿qué? 日本語 🐉</p>",
        characters=[Tag(1, "Zoë"), Tag(2, "Фёдор")],
        classes={"Жанр": [Tag(1, "Драма")], "Genre 🎭": [Tag(None, "Übermensch")]},
        extra={"Übersetzer": "Łukasz", "Note": "line\nbreak\u2028sep"},
        published_display="14. März 2010",
    )
    story.chapters[0].title = "Глава 1: “Начало” 🚀"
    story.chapters[0].text_html = "<p>Zoë said “hi” — Ёж 🦔 \U0001f9d1\u200d\U0001f680</p>"
    story.chapters[0].authors = [zoe]
    store.upsert_story(story)
    assert store.get_story(SITE_A, 1) == story
    assert store.upsert_story(story) == "unchanged"


# ------------------------------------------------------------ atomicity


def test_story_and_chapters_are_all_or_nothing(store: Store) -> None:
    bad = make_story(1, chapters=3)
    bad.chapters[2].title = None  # NOT NULL: the third chapter insert fails
    with pytest.raises(IntegrityError):
        store.upsert_story(bad)
    counts = table_counts(store)
    assert counts["stories"] == 0
    assert counts["chapters"] == 0
    assert counts["authors"] == 0
    assert counts["story_authors"] == 0
    assert store.get_story(SITE_A, 1) is None


def test_failed_update_keeps_the_previous_version(store: Store) -> None:
    good = rich_story(1)
    store.upsert_story(good)
    before = table_counts(store)

    bad = copy.deepcopy(good)
    bad.title = "Should not be stored"
    bad.authors = [Author(id=500, name="New author", url="u")]
    bad.chapters[0].text_html = "<p>Should not be stored either.</p>"
    bad.chapters.append(chapter(1, 5, title=None))
    with pytest.raises(IntegrityError):
        store.upsert_story(bad)
    assert store.get_story(SITE_A, 1) == good
    assert table_counts(store) == before


# ------------------------------------------------------------ crawl runs


def test_crawl_run_start_and_finish(store: Store) -> None:
    run_id = store.start_run(SITE_A, mode="update", settings={"DOWNLOAD_DELAY": 1.5, "since": dt.date(2024, 1, 2)})
    assert isinstance(run_id, int)
    run = store.get_run(run_id)
    assert run["status"] == "running" and run["finished_at"] is None
    assert run["site"] == SITE_A and run["mode"] == "update"
    assert run["settings"] == {"DOWNLOAD_DELAY": 1.5, "since": "2024-01-02"}
    assert run["started_at"].tzinfo is not None

    started = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    stats = {
        "start_time": started,
        "elapsed_time_seconds": 12.5,
        "mirror/stories/new": 3,
        "mirror/stories_changed": 2,
        "stories_unchanged": 7,
        "mirror/stories/restricted": 1,
        "item_dropped_count": 4,
        "seen": {"b", "a"},
        "ratio": float("nan"),
    }
    errors = [{"url": SITE_A + "viewstory.php?sid=9", "error": "HTTP 500", "at": started}]
    store.finish_run(run_id, status="finished", stats=stats, errors=errors)

    run = store.get_run(run_id)
    assert run["status"] == "finished"
    assert run["finished_at"] >= run["started_at"]
    assert run["stats"]["start_time"] == "2024-05-01T12:00:00+00:00"
    assert run["stats"]["seen"] == ["a", "b"]
    assert run["stats"]["ratio"] == "nan"
    assert run["errors"] == [{"url": errors[0]["url"], "error": "HTTP 500", "at": "2024-05-01T12:00:00+00:00"}]
    assert (
        run["stories_new"],
        run["stories_changed"],
        run["stories_unchanged"],
        run["stories_restricted"],
        run["stories_dropped"],
    ) == (3, 2, 7, 1, 4)
    assert table_counts(store)["crawl_runs"] == 1
    assert table_counts(store)["sites"] == 1

    with pytest.raises(ValueError, match="no crawl run with id 12345"):
        store.finish_run(12345, status="failed", stats={})
    with pytest.raises(ValueError, match="status"):
        store.finish_run(run_id, status="x" * 101, stats={})
    store.finish_run(run_id, status="stopped: closespider_errorcount", stats={})
    assert store.get_run(run_id)["status"] == "stopped: closespider_errorcount"


# --------------------------------------------------------------- summary


def test_site_summary(store: Store) -> None:
    store.upsert_story(rich_story(1))  # 4 chapters, words 2001
    store.upsert_story(make_story(2, chapters=2))  # words 2002
    store.upsert_story(make_story(3, status="restricted", chapters=0, word_count=9999))
    store.upsert_story(make_story(1, site=SITE_B, chapters=1, authors=[KIM]))  # words 2001

    assert store.site_summary(SITE_A) == {
        "site": SITE_A,
        "sites": 1,
        "stories": 3,
        "restricted": 1,
        "incomplete": 0,
        "chapters": 6,
        "words": 2001 + 2002,
        "authors": 3,
        "series": 2,
    }
    everything = store.site_summary()
    assert (everything["sites"], everything["stories"], everything["chapters"]) == (2, 4, 7)
    assert (everything["words"], everything["authors"], everything["series"]) == (6004, 4, 2)
    assert store.site_summary("http://unknown.example/")["stories"] == 0


def test_empty_database_summary(store: Store) -> None:
    assert store.site_summary() == {
        "site": None, "sites": 0, "stories": 0, "restricted": 0, "incomplete": 0,
        "chapters": 0, "words": 0, "authors": 0, "series": 0,
    }
    assert list(store.iter_stories()) == []


# ------------------------------------------------------------ iteration


def test_iter_stories_round_trip(db_url: str) -> None:
    inputs = [
        make_story(1, site=SITE_B, chapters=1),
        rich_story(7),
        make_story(3, status="restricted", chapters=0),
        make_story(2, chapters=3, authors=[KIM, ZOE]),
        rich_story(11),
        make_story(5, chapters=1, completed=None, published=None, updated=None),
    ]
    with Store(db_url, batch_size=2) as store:  # several batches
        for s in inputs:
            store.upsert_story(s)
        expected = sorted(inputs, key=lambda s: (s.site, s.story_id))
        assert list(store.iter_stories()) == expected
        assert [s.story_id for s in store.iter_stories(site=SITE_A)] == [2, 3, 5, 7, 11]
        assert [(s.site, s.story_id) for s in store.iter_stories(story_ids=[11, 1, 2, 404])] == [
            (SITE_A, 2),
            (SITE_A, 11),
            (SITE_B, 1),
        ]
        assert list(store.iter_stories(site=SITE_B, story_ids=[7])) == []
        assert list(store.iter_stories(site="http://nowhere.example/")) == []
        assert store.story_ids(SITE_A) == [2, 3, 5, 7, 11]
        assert store.sites() == [SITE_A, SITE_B]


def test_iteration_reads_one_snapshot_and_does_not_block_writers(db_url: str) -> None:
    with Store(db_url, batch_size=2) as reader, Store(db_url) as writer:
        for i in range(1, 6):
            writer.upsert_story(make_story(i, chapters=1))
        stories = reader.iter_stories()
        first = next(stories)
        assert first.story_id == 1
        # a concurrent writer is neither blocked by the open read transaction
        # nor seen by it
        assert writer.upsert_story(make_story(6, chapters=1)) == "new"
        assert writer.upsert_story(make_story(2, chapters=1, title="Changed")) == "changed"
        rest = list(stories)
        assert [s.story_id for s in rest] == [2, 3, 4, 5]
        assert rest[0].title == "Story 2"
        assert [s.story_id for s in reader.iter_stories()] == [1, 2, 3, 4, 5, 6]
        if reader.dialect == "sqlite":
            with reader.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# ---------------------------------------------------- URLs and failures


def test_database_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIRROR_DATABASE_URL", raising=False)
    assert database_url(None) == DEFAULT_DATABASE_URL == "sqlite:///mirror.sqlite"
    monkeypatch.setenv("MIRROR_DATABASE_URL", "sqlite:///from-env.sqlite")
    assert database_url(None) == "sqlite:///from-env.sqlite"
    assert database_url("sqlite:///explicit.sqlite") == "sqlite:///explicit.sqlite"


@pytest.mark.parametrize(
    "url",
    ["not a url", "nosuchdb://host/db", "postgresql+nosuchdriver://u:secret@127.0.0.1/db", ""],
)
def test_bad_database_url_raises_value_error(url: str) -> None:
    with pytest.raises(ValueError) as info:
        Store(url)
    message = str(info.value)
    assert "database URL" in message
    assert "secret" not in message
    if url:
        assert url.replace(":secret", ":***") in message


def test_unopenable_database_raises_storage_error(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite'}"
    with Store(url, retry_attempts=1) as store:
        with pytest.raises(StorageError, match="cannot open database"):
            store.site_summary()


def test_sqlite_lock_is_retried(tmp_path) -> None:
    path = tmp_path / "locked.sqlite"
    url = f"sqlite:///{path}"
    with Store(url) as setup:
        setup.create_schema()
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # hold the write lock
    timer = threading.Timer(0.3, blocker.rollback)
    timer.start()
    try:
        # busy timeout far shorter than the lock: only the retry can succeed
        with Store(url, busy_timeout=0.02, retry_attempts=8) as store:
            assert store.upsert_story(make_story(1)) == "new"
            assert store.get_story(SITE_A, 1) == make_story(1)
    finally:
        timer.join()
        blocker.close()


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_postgres_threads_writing_at_once_keep_their_connections(db: str) -> None:
    """As many connections stay open as threads use the store at once (a crawl's store pipeline):
    none is closed and opened again between transactions (a new server process each time)."""
    threads, rounds = 8, 15
    with Store(db, connections=threads) as store:
        store.create_schema()
        pids: list[int] = []
        start = threading.Barrier(threads)

        def work(n: int) -> None:  # busy and quiet moments: at times most connections are idle
            start.wait()
            for i in range(rounds):
                pids.append(store._read(lambda s: s.scalar(text("SELECT pg_backend_pid() FROM pg_sleep(0.01)"))))
                time.sleep(0.03 * ((n + i) % 3))

        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert len(pids) == threads * rounds
    assert len(set(pids)) <= threads


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_postgres_dropped_connection_recovers(store: Store, db_url: str) -> None:
    store.upsert_story(make_story(1))
    with store.engine.connect() as conn:
        pid = conn.scalar(text("SELECT pg_backend_pid()"))
    with Store(db_url) as admin, admin.engine.begin() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert store.upsert_story(make_story(2)) == "new"
    assert store.story_ids(SITE_A) == [1, 2]


# ---------------------------------------------------------------- series pages


def _saga_record(entries, **kw) -> "SeriesInfo":
    from mirror.items import SeriesInfo
    return SeriesInfo(site=SITE_A, series_id=1, url=SERIES_1.url, title="The Saga",
                      owner=Author(7, "Owner", SITE_A + "viewuser.php?uid=7"), summary_html="<b>All</b> of it.",
                      categories=[Tag(2, "Drama")], classes={"Genre": [Tag(1, "Angst")]},
                      series_type="closed", entries=entries, **kw)


def test_series_record_order_and_positions(store: Store) -> None:
    from mirror.items import SeriesEntry
    for sid in (1, 2, 3):
        store.upsert_story(make_story(sid, series=[SERIES_1]))
    # a sub-series first, then stories 3, 1, 2: their numbers count stories only
    record = _saga_record([SeriesEntry(series_id=2), SeriesEntry(story_id=3), SeriesEntry(story_id=1),
                           SeriesEntry(story_id=2)])
    assert store.upsert_series(record) == "new"  # the row existed, its page was never stored
    assert store.upsert_series(copy.deepcopy(record)) == "unchanged"
    assert [store.get_story(SITE_A, sid).series[0].position for sid in (1, 2, 3)] == [2, 3, 1]
    assert {s.story_id: s.series[0].position for s in store.iter_stories(site=SITE_A)} == {1: 2, 2: 3, 3: 1}
    saga = next(s for s in store.iter_series(SITE_A) if s.series_id == 1)
    assert saga.entries == record.entries and saga.owner.name == "Owner" and saga.series_type == "closed"
    assert saga.classes == {"Genre": [Tag(1, "Angst")]} and saga.summary_html == "<b>All</b> of it."
    # positions come from the series page: a story stored again is not "changed" by them
    assert store.upsert_story(store.get_story(SITE_A, 1)) == "unchanged"
    # reordered: the items are replaced
    record.entries = [SeriesEntry(story_id=1), SeriesEntry(story_id=2), SeriesEntry(story_id=3)]
    assert store.upsert_series(record) == "changed"
    assert [store.get_story(SITE_A, sid).series[0].position for sid in (1, 2, 3)] == [1, 2, 3]
    assert table_counts(store)["series_items"] == 3
    # a page that could not be fetched keeps the stored order
    assert store.upsert_series(_saga_record([SeriesEntry(story_id=3)], entries_complete=False)) == "unchanged"
    assert table_counts(store)["series_items"] == 3
    with pytest.raises(ValueError):
        store.upsert_series(_saga_record([SeriesEntry()]))


def test_old_database_without_series_columns_is_a_clear_error(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    with sqlite3.connect(tmp_path / "old.sqlite") as conn:
        conn.execute("CREATE TABLE series (id INTEGER PRIMARY KEY, site_id INTEGER, series_id INTEGER, "
                     "title TEXT, url TEXT)")
    with pytest.raises(StorageError, match="matches no schema.*series lacks .*owner_author_pk"):
        Store(url).create_schema()


def test_a_unique_key_inserted_concurrently_is_retried_until_the_other_commits(db_url: str) -> None:  # noqa: F811
    """Two transactions add the same new author: the one that loses waits for the other to
    commit, fails on the unique key, and is retried (more than once if need be) until it sees it."""
    from sqlalchemy.exc import IntegrityError as Integrity

    from mirror.storage.store import _is_transient

    with Store(db_url) as store:
        store.upsert_story(make_story(1))
        try:
            store._write(lambda s: s.execute(text(
                "INSERT INTO authors (site_id, author_id, name, url) SELECT site_id, author_id, name, url "
                "FROM authors LIMIT 1")))
        except Integrity as exc:
            unique = exc
        else:
            raise AssertionError("a duplicate author was stored")
    assert all(_is_transient(unique, attempt) for attempt in (1, 2, 3, 4))
    not_null = Integrity("INSERT", {}, Exception("NOT NULL constraint failed: authors.name"))
    assert _is_transient(not_null, 1) and not _is_transient(not_null, 2)
