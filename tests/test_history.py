"""History: versions of chapters and metadata, removal events, `mirror history` (real databases)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import subprocess
import sys
import time

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mirror.cli import main
from mirror.history import UnknownStory, write_history
from mirror.items import Author
from mirror.storage import (
    ChapterVersionRow,
    SiteRow,
    Store,
    StoryEventRow,
    StoryRow,
    StoryVersionRow,
)
from mirror.storage.models import utcnow
from tests.storage_fixtures import (  # noqa: F401  (fixtures)
    SITE_A,
    SITE_B,
    ZOE,
    chapter,
    db_url,
    make_story,
    store,
    table_counts,
)


def chapter_versions(store: Store, number: int | None = None) -> list[ChapterVersionRow]:
    with Session(store.engine) as session:
        query = select(ChapterVersionRow).order_by(ChapterVersionRow.id)
        if number is not None:
            query = query.where(ChapterVersionRow.number == number)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def story_versions(store: Store) -> list[StoryVersionRow]:
    with Session(store.engine) as session:
        rows = list(session.scalars(select(StoryVersionRow).order_by(StoryVersionRow.id)))
        session.expunge_all()
        return rows


def story_row(store: Store, story_id: int = 1, site: str = SITE_A) -> dict:
    """Every column of one stories row."""
    with Session(store.engine) as session:
        row = session.scalars(select(StoryRow).join(SiteRow, SiteRow.id == StoryRow.site_id)
                              .where(StoryRow.story_id == story_id, SiteRow.base_url == site)).one()
        return {c.name: getattr(row, c.key) for c in StoryRow.__mapper__.columns}


def kinds(events: list[dict]) -> list[tuple]:
    return [(e["kind"], e.get("number")) for e in events]


def tick() -> None:
    time.sleep(0.002)  # distinct timestamps between writes


# --------------------------------------------------------------- chapters


def test_chapter_versions_are_kept_on_text_notes_and_title_changes(store: Store) -> None:
    story = make_story(1, chapters=3)
    assert store.upsert_story(story) == "new"
    assert [(v.number, v.text_html) for v in chapter_versions(store)] == [
        (c.number, c.text_html) for c in story.chapters]
    first = chapter_versions(store, 2)[0]
    assert len(first.content_hash) == 64

    tick()
    story.chapters[1].text_html = "<p>Rewritten second chapter, longer now.</p>"
    story.chapters[1].word_count = 1500
    assert store.upsert_story(story) == "changed"
    tick()
    story.chapters[1].notes_html = "<p>A note.</p>"
    assert store.upsert_story(story) == "changed"
    tick()
    story.chapters[1].title = "Renamed"
    story.chapters[1].end_notes_html = "<p>Thanks.</p>"
    assert store.upsert_story(story) == "changed"

    versions = chapter_versions(store, 2)
    assert [v.text_html for v in versions] == [
        "<p>Text of chapter 2 of story 1.</p>", *["<p>Rewritten second chapter, longer now.</p>"] * 3]
    assert [v.notes_html for v in versions] == ["", "", "<p>A note.</p>", "<p>A note.</p>"]
    assert [v.title for v in versions] == ["Chapter 2"] * 3 + ["Renamed"]
    assert [v.word_count for v in versions] == [1002, 1500, 1500, 1500]
    assert len({v.content_hash for v in versions}) == 4
    assert all(v.first_seen <= v.last_seen for v in versions)
    assert [v.first_seen for v in versions] == sorted(v.first_seen for v in versions)
    # untouched chapters have one version each; the chapters table holds the current one
    assert len(chapter_versions(store, 1)) == len(chapter_versions(store, 3)) == 1
    assert store.get_story(SITE_A, 1) == story
    # chapter changes alone leave the metadata version alone
    assert len(story_versions(store)) == 1

    history = store.story_history(SITE_A, 1)
    changed = [e for e in history if e["kind"] == "chapter_changed"]
    assert [e["parts"] for e in changed] == [["text"], ["notes"], ["title", "end notes"]]
    assert [(e["old_words"], e["new_words"]) for e in changed] == [(1002, 1500), (1500, 1500), (1500, 1500)]
    assert changed[2]["title"] == "Renamed" and changed[2]["old_title"] == "Chapter 2"


def test_unchanged_restore_writes_no_version_and_bumps_last_seen(store: Store) -> None:
    story = make_story(1, chapters=2)
    store.upsert_story(story)
    counts = table_counts(store)
    chapters_before, meta_before = chapter_versions(store), story_versions(store)
    tick()
    again = copy.deepcopy(story)
    again.requests = 40
    again.chapters[0].source_url = SITE_A + "viewstory.php?sid=1&action=printable&chapter=all"
    assert store.upsert_story(again) == "unchanged"
    assert table_counts(store) == counts
    chapters_after, meta_after = chapter_versions(store), story_versions(store)
    for before, after in zip(chapters_before + meta_before, chapters_after + meta_after):
        assert (after.id, after.content_hash, after.first_seen) == (before.id, before.content_hash,
                                                                     before.first_seen)
        assert after.last_seen > before.last_seen
    assert [e["kind"] for e in store.story_history(SITE_A, 1)] == ["first_seen"]


def test_read_and_review_counts_alone_are_no_change(store: Store) -> None:
    story = make_story(1)
    store.upsert_story(story)
    before = story_row(store)
    tick()
    story.read_count, story.review_count = 5000, 77
    assert store.upsert_story(story) == "unchanged"
    after = story_row(store)
    assert (after["read_count"], after["review_count"]) == (5000, 77)
    assert after["last_changed"] == before["last_changed"]
    assert after["last_fetched"] > before["last_fetched"]
    assert len(story_versions(store)) == 1
    assert "read_count" not in story_versions(store)[0].data
    assert store.get_story(SITE_A, 1) == story
    # counts unknown on this visit: stored as given, still no change
    story.read_count = None
    assert store.upsert_story(story) == "unchanged"
    assert story_row(store)["read_count"] is None


def test_metadata_change_makes_one_new_version_and_keeps_the_old(store: Store) -> None:
    story = make_story(1)
    store.upsert_story(story)
    tick()
    story.summary_html = "<p>A new summary.</p>"
    story.rating = "R"
    story.read_count = 999  # drifts along, not part of the change
    assert store.upsert_story(story) == "changed"
    versions = story_versions(store)
    assert len(versions) == 2
    assert versions[0].data["summary_html"] == "<p>Summary of story 1.</p>"
    assert versions[1].data["summary_html"] == "<p>A new summary.</p>"
    assert (versions[0].data["rating"], versions[1].data["rating"]) == ("PG-13", "R")
    assert versions[0].last_seen < versions[1].first_seen
    assert len(chapter_versions(store)) == 2  # chapters did not change
    assert store.upsert_story(copy.deepcopy(story)) == "unchanged"
    assert len(story_versions(store)) == 2

    change = store.story_history(SITE_A, 1)[1]
    assert change["kind"] == "metadata_changed"
    assert change["changes"] == [
        {"field": "summary_html", "note": "summary changed"},
        {"field": "rating", "old": "PG-13", "new": "R"},
    ]


def test_chapters_added_and_removed_show_in_history_and_keep_their_versions(store: Store) -> None:
    story = make_story(1, chapters=3)
    store.upsert_story(story)
    tick()
    story.chapters.append(chapter(1, 4, title="Epilogue", word_count=321))
    story.chapter_count = 4
    assert store.upsert_story(story) == "changed"
    tick()
    third = story.chapters.pop(2)
    story.chapter_count = 3
    assert store.upsert_story(story) == "changed"
    assert [c.number for c in store.get_story(SITE_A, 1).chapters] == [1, 2, 4]
    assert [v.text_html for v in chapter_versions(store, 3)] == [third.text_html]  # kept
    tick()
    story.chapters.insert(2, third)  # back, word for word
    story.chapter_count = 4
    assert store.upsert_story(story) == "changed"
    assert len(chapter_versions(store, 3)) == 2

    events = store.story_history(SITE_A, 1)
    assert kinds(events) == [
        ("first_seen", None),
        ("metadata_changed", None), ("chapter_added", 4),
        ("metadata_changed", None), ("chapter_removed", 3),
        ("metadata_changed", None), ("chapter_added", 3),
    ]
    assert events[0]["chapters"] == 3 and events[0]["title"] == "Story 1"
    assert events[2]["title"] == "Epilogue" and events[2]["words"] == 321
    assert events[4]["title"] == "Chapter 3"
    assert events[1]["changes"] == [{"field": "chapter_count", "old": 3, "new": 4}]
    at = [e["at"] for e in events]
    assert at == sorted(at)


def test_members_only_and_incomplete_fetches_do_not_mark_unread_chapters_seen(store: Store) -> None:
    store.upsert_story(make_story(1, chapters=2))
    before = chapter_versions(store)
    tick()
    assert store.upsert_story(make_story(1, status="restricted", chapters=0)) == "changed"
    after = chapter_versions(store)
    assert [(v.id, v.last_seen) for v in after] == [(v.id, v.last_seen) for v in before]
    assert [v.data["status"] for v in story_versions(store)] == ["ok", "restricted"]
    tick()
    partial = make_story(1, chapters=2, status="incomplete")
    partial.chapters[1].text_html = ""  # not fetched this time: keeps the stored text
    store.upsert_story(partial)
    now = chapter_versions(store)
    assert len(now) == 2
    assert now[0].last_seen > before[0].last_seen  # read again
    assert now[1].last_seen == before[1].last_seen  # carried over, not seen


def test_author_renamed_elsewhere_gives_a_version_on_the_next_visit(store: Store) -> None:
    store.upsert_story(make_story(1, authors=[ZOE]))
    renamed = Author(id=ZOE.id, name="Zoë Q.", url=ZOE.url)
    store.upsert_story(make_story(2, authors=[renamed]))
    tick()
    assert store.upsert_story(make_story(1, authors=[renamed])) == "unchanged"
    change = store.story_history(SITE_A, 1)[-1]
    assert change["kind"] == "metadata_changed"
    assert [c["field"] for c in change["changes"]] == ["authors"]
    assert change["changes"][0]["new"][0]["name"] == "Zoë Q."


def test_stories_stored_before_versions_existed_get_them_on_the_next_upsert(store: Store) -> None:
    story = make_story(1, chapters=2)
    store.upsert_story(story)
    store.upsert_story(make_story(2, chapters=1))
    with Session(store.engine) as session, session.begin():  # as a database from before this feature
        session.execute(delete(ChapterVersionRow))
        session.execute(delete(StoryVersionRow))
    stored = story_row(store)
    assert kinds(store.story_history(SITE_A, 1)) == [("first_seen", None)]

    tick()
    story.title = "Retitled"
    story.chapters[0].text_html = "<p>New text.</p>"
    assert store.upsert_story(story) == "changed"
    metas = story_versions(store)
    assert [m.data["title"] for m in metas] == ["Story 1", "Retitled"]  # the old content was kept
    assert metas[0].first_seen == stored["last_changed"]
    assert [v.text_html for v in chapter_versions(store, 1)] == [
        "<p>Text of chapter 1 of story 1.</p>", "<p>New text.</p>"]
    events = store.story_history(SITE_A, 1)
    assert kinds(events) == [("first_seen", None), ("metadata_changed", None), ("chapter_changed", 1)]

    assert store.upsert_story(make_story(2, chapters=1)) == "unchanged"  # no change: first version
    assert len(story_versions(store)) == 3
    assert kinds(store.story_history(SITE_A, 2)) == [("first_seen", None)]


def test_a_failed_upsert_writes_no_history(store: Store) -> None:
    story = make_story(1)
    store.upsert_story(story)
    before = table_counts(store)
    bad = copy.deepcopy(story)
    bad.summary_html = "<p>Never stored.</p>"
    bad.chapters[1].title = None  # NOT NULL
    with pytest.raises(IntegrityError):
        store.upsert_story(bad)
    assert table_counts(store) == before


# --------------------------------------------------------- counters, removal


def test_update_counts_touches_nothing_else(store: Store) -> None:
    store.upsert_story(make_story(1))
    store.upsert_story(make_story(2))
    store.upsert_story(make_story(1, site=SITE_B))
    rows = {i: story_row(store, i) for i in (1, 2)}
    counts, versions = table_counts(store), [(v.id, v.last_seen) for v in story_versions(store)]
    tick()
    changed = store.update_counts(SITE_A, {1: (150, 6), 2: (100, 5), 404: (1, 1)})
    assert changed == [1]
    assert store.update_counts(SITE_A, {2: (None, 9)}) == [2]  # None: not shown, keep
    assert store.update_counts("http://nowhere.example/", {1: (1, 1)}) == []
    assert store.update_counts(SITE_A, {}) == []

    after = {i: story_row(store, i) for i in (1, 2)}
    assert (after[1]["read_count"], after[1]["review_count"]) == (150, 6)
    assert (after[2]["read_count"], after[2]["review_count"]) == (100, 9)
    for i in (1, 2):
        for name in ("read_count", "review_count"):
            after[i].pop(name), rows[i].pop(name)
        assert after[i] == rows[i]
    assert table_counts(store) == counts
    assert [(v.id, v.last_seen) for v in story_versions(store)] == versions
    assert store.get_story(SITE_B, 1).read_count == 100


def test_mark_removed_and_present_round_trip(store: Store) -> None:
    for i in (1, 2, 3):
        store.upsert_story(make_story(i))
    run_id = store.start_run(SITE_A, mode="resync")
    gone_at = dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
    assert store.mark_removed(SITE_A, [2, 1, 404], gone_at, run_id=run_id) == [1, 2]
    assert store.mark_removed(SITE_A, [1, 3], gone_at) == [3]  # 1 was already removed
    assert story_row(store, 1)["removed_at"] == gone_at
    assert store.get_story(SITE_A, 1) == make_story(1)  # content stays

    back_at = dt.datetime(2030, 2, 1, tzinfo=dt.timezone.utc)
    assert store.mark_present(SITE_A, [1, 2, 404], back_at) == [1, 2]
    assert store.mark_present(SITE_A, [1]) == []
    assert story_row(store, 1)["removed_at"] is None
    assert story_row(store, 3)["removed_at"] == gone_at
    assert store.mark_removed("http://nowhere.example/", [1], gone_at) == []
    with pytest.raises(ValueError, match="timezone-aware"):
        store.mark_removed(SITE_A, [1], dt.datetime(2030, 1, 1))

    events = store.story_history(SITE_A, 1)
    assert [(e["kind"], e["at"], e.get("run_id")) for e in events[1:]] == [
        ("removed", gone_at, run_id), ("restored", back_at, None)]
    with Session(store.engine) as session:
        assert len(session.scalars(select(StoryEventRow)).all()) == 5


# ------------------------------------------------------------------ history


def test_story_history_order_and_content(store: Store) -> None:
    story = make_story(1, chapters=2)
    store.upsert_story(story)
    tick()
    story.title = "Story One"
    story.summary_html = "<p>Longer summary.</p>"
    story.chapters[0].text_html = "<p>Edited.</p>"
    story.chapters[0].word_count = 900
    story.chapters.append(chapter(1, 3, word_count=None, text="<p>Three short words.</p>"))
    story.chapter_count = 3
    store.upsert_story(story)
    tick()
    store.mark_removed(SITE_A, [1], utcnow())
    tick()
    store.mark_present(SITE_A, [1])

    events = store.story_history(SITE_A, 1)
    assert kinds(events) == [("first_seen", None), ("metadata_changed", None), ("chapter_changed", 1),
                             ("chapter_added", 3), ("removed", None), ("restored", None)]
    assert all(e["at"].tzinfo is not None for e in events)
    assert events[1]["at"] == events[2]["at"] == events[3]["at"]  # one upsert
    assert events[0]["at"] < events[1]["at"] < events[4]["at"] < events[5]["at"]
    assert events[1]["changes"] == [
        {"field": "title", "old": "Story 1", "new": "Story One"},
        {"field": "summary_html", "note": "summary changed"},
        {"field": "chapter_count", "old": 2, "new": 3},
    ]
    assert (events[2]["old_words"], events[2]["new_words"], events[2]["parts"]) == (1001, 900, ["text"])
    assert events[3]["words"] == 3  # no site count: the words of the text
    assert store.story_history(SITE_A, 404) == []
    assert store.story_history(SITE_B, 1) == []


def test_find_story(store: Store) -> None:
    store.upsert_story(make_story(12))
    store.upsert_story(make_story(5, site=SITE_B))
    for url in (
        SITE_A + "viewstory.php?sid=12",
        SITE_A + "viewstory.php?sid=12&chapter=3",
        SITE_A + "viewstory.php?action=printable&sid=12&chapter=all",
        SITE_A + "viewstory.php?chapter=2&amp;sid=12",
        "HTTP://Archive-A.Example/fiction/viewstory.php?sid=12#top",
        "https://archive-a.example/fiction/viewstory.php?sid=12",  # the other scheme
        "  " + SITE_A + "viewstory.php?sid=12&index=1  ",
    ):
        assert store.find_story(url) == (SITE_A, 12), url
    assert store.find_story(SITE_B + "viewstory.php?sid=5&i=1") == (SITE_B, 5)
    for url in (
        SITE_A + "viewstory.php?sid=13",
        SITE_B + "viewstory.php?sid=12",
        "http://archive-a.example/other/viewstory.php?sid=12",
        SITE_A + "viewuser.php?uid=12",
        SITE_A + "viewstory.php?sid=abc",
        SITE_A + "viewstory.php",
        "not a url",
    ):
        assert store.find_story(url) is None, url


# ---------------------------------------------------------------------- CLI


def changed_story(store: Store) -> str:
    story = make_story(1, chapters=3)
    store.upsert_story(story)
    tick()
    story.chapters[2].text_html = "<p>" + "word " * 1604 + "</p>"
    story.chapters[2].word_count = 1604
    story.chapters[2].title = "Storm"
    story.summary_html = "<p>New summary.</p>"
    store.upsert_story(story)
    return story.url + "&chapter=3"


def test_cli_history_lines(store: Store, db_url: str, capsys) -> None:
    url = changed_story(store)
    assert main(["history", url, "--db", db_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f'"Story 1" ({SITE_A}viewstory.php?sid=1)'
    body = [line[18:] for line in lines[1:]]
    assert all(len(line[:16]) == 16 and line[16:18] == "  " for line in lines[1:])
    assert body == [
        'first seen: "Story 1", 3 chapters',
        "metadata changed: summary changed",
        'chapter 3 "Storm": title, text changed (1003 → 1604 words; was "Chapter 3")',
    ]


def test_cli_history_json(store: Store, db_url: str, capsys) -> None:
    url = changed_story(store)
    assert main(["history", url, "--db", db_url, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["site"], document["story_id"], document["title"]) == (SITE_A, 1, "Story 1")
    assert document["removed_at"] is None
    events = document["events"]
    assert [e["kind"] for e in events] == ["first_seen", "metadata_changed", "chapter_changed"]
    assert dt.datetime.fromisoformat(events[0]["at"]).tzinfo is not None
    assert events[2]["new_words"] == 1604 and events[2]["parts"] == ["title", "text"]


@pytest.mark.parametrize("url, message", [
    (SITE_A + "viewstory.php?sid=404", "no story"),
    (SITE_A + "viewuser.php?uid=7", "is not a story address"),
])
def test_cli_history_unknown_story_is_one_line(store: Store, db_url: str, capsys, url, message) -> None:
    store.upsert_story(make_story(1))
    assert main(["history", url, "--db", db_url]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mirror: error:") and message in err[0]
    assert captured.out == ""


def test_write_history_raises_unknown_story(store: Store) -> None:
    with pytest.raises(UnknownStory):
        write_history(store, SITE_A + "viewstory.php?sid=1", io.StringIO())


def test_cli_history_subprocess(db: str) -> None:
    with Store(db) as s:
        url = changed_story(s)
    result = subprocess.run([sys.executable, "-m", "mirror", "history", url, "--db", db],
                            capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'chapter 3 "Storm": title, text changed' in result.stdout
    missing = subprocess.run([sys.executable, "-m", "mirror", "history", SITE_A + "viewstory.php?sid=9",
                              "--db", db], capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1 and "Traceback" not in missing.stderr
