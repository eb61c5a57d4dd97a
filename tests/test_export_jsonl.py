"""JSON Lines export: byte-for-byte golden comparison on real databases.

Regenerate the golden file after an intended format change with::

    MIRROR_UPDATE_GOLDEN=1 python -m pytest tests/test_export_jsonl.py

and review the diff of ``tests/golden/export.jsonl`` by eye.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest

from mirror.export import CHAPTER_KEYS, KEY_DOCS, STORY_KEYS, write_jsonl
from mirror.items import Author, Chapter, Review, ReviewSet, Series, Story, Tag
from mirror.storage import Store
from tests.storage_fixtures import db_url, store  # noqa: F401  (fixtures)

GOLDEN = Path(__file__).parent / "golden" / "export.jsonl"
UPDATE_GOLDEN = os.environ.get("MIRROR_UPDATE_GOLDEN") == "1"

A = "http://archive-a.example/fiction/"
B = "https://archive-b.example/"

ZOE = Author(id=7, name="Zoë", url=A + "viewuser.php?uid=7")
IVAN = Author(id=12, name="Иван Петров", url=A + "viewuser.php?uid=12")
SAGA = Series(id=4, title="The Saga", url=A + "viewseries.php?seriesid=4")


def sample_stories() -> list[Story]:
    """Four hand-written stories, deliberately not in export order."""
    winter = Story(
        site=A,
        story_id=3,
        url=A + "viewstory.php?sid=3",
        title="The Long Winter",
        authors=[IVAN, ZOE],
        summary_html="<p>Two friends, one <em>very</em> long winter.</p>",
        rating="PG-13",
        categories=[Tag(2, "Original Fiction")],
        characters=[Tag(8, "Anna"), Tag(5, "Bert")],
        classes={
            "Genre": [Tag(10, "Drama"), Tag(11, "Friendship")],
            "Warnings": [Tag(20, "Mild Language")],
            "Type": [Tag(30, "Gen")],
        },
        challenges=[Tag(1, "Winter Fest 2010")],
        series=[SAGA],
        chapter_count=2,
        completed=True,
        word_count=3456,
        read_count=789,
        review_count=12,
        featured=True,
        published=dt.date(2010, 3, 14),
        updated=dt.date(2011, 1, 2),
        published_display="14/03/10",
        updated_display="02/01/11",
        story_notes_html="<p>Thanks to my beta.</p>",
        extra={"Beta": "Kim"},
        chapters=[
            Chapter(
                number=2,
                id=31,
                title="Thaw",
                authors=[ZOE],
                word_count=1700,
                notes_html="",
                end_notes_html="<p>The end.</p>",
                text_html="<p>Spring came at last.</p>",
                source_url=A + "viewstory.php?sid=3&chapter=2",
            ),
            Chapter(
                number=1,
                id=30,
                title="Snow",
                authors=[IVAN],
                word_count=1756,
                notes_html="<p>Written for Winter Fest.</p>",
                end_notes_html="",
                text_html="<p>It snowed.</p>\n<p>And snowed.</p>",
                source_url=A + "viewstory.php?sid=3&chapter=1",
            ),
        ],
        requests=4,
    )
    restricted = Story(
        site=A,
        story_id=8,
        url=A + "viewstory.php?sid=8",
        title="Members Only",
        status="restricted",
        authors=[ZOE],
        summary_html="<p>Only for members.</p>",
        rating="Adult",
        categories=[Tag(2, "Original Fiction")],
        classes={"Genre": [Tag(12, "Romance")]},
        chapter_count=5,
        completed=False,
        word_count=12000,
        read_count=40,
        review_count=0,
        published=dt.date(2012, 6, 1),
        updated=None,
        published_display="01/06/12",
        updated_display="31/02/12",  # unparseable on the site: kept as shown
        requests=1,
    )
    unicode = Story(
        site=A,
        story_id=12,
        url=A + "viewstory.php?sid=12",
        title="Зима “близко” 🌨",
        authors=[ZOE],
        summary_html="<p>Zoë’s story — ¿qué? 日本語 🐉\u2028(line separator)</p>",
        rating="G",
        characters=[Tag(9, "Фёдор"), Tag(None, "Zoë")],
        chapter_count=1,
        completed=None,
        word_count=None,
        read_count=None,
        review_count=None,
        published=dt.date(2020, 12, 31),
        updated=dt.date(2021, 1, 1),
        published_display="31. Dezember 2020",
        updated_display="1. Januar 2021",
        chapters=[
            Chapter(
                number=1,
                id=None,
                title="Глава 1: «Начало»",
                authors=[],
                word_count=None,
                text_html="<p>“Hello,” said Zoë. — Привет! 🦔 Tab\there, quote \" and backslash \\.</p>",
                source_url=A + "viewstory.php?sid=12&chapter=1",
            )
        ],
        requests=3,
    )
    other_site = Story(
        site=B,
        story_id=1,
        url=B + "viewstory.php?sid=1",
        title="Elsewhere",
        authors=[Author(id=1, name="Admin", url=B + "viewuser.php?uid=1")],
        summary_html="",
        rating=None,
        chapter_count=1,
        completed=False,
        word_count=250,
        read_count=3,
        review_count=1,
        chapters=[
            Chapter(
                number=1,
                id=2,
                title="Elsewhere",
                authors=[Author(id=1, name="Admin", url=B + "viewuser.php?uid=1")],
                word_count=250,
                text_html="<p>Short.</p>",
                source_url=B + "viewstory.php?sid=1&chapter=1",
            )
        ],
        requests=2,
    )
    return [other_site, unicode, winter, restricted]


def sample_reviews() -> ReviewSet:
    """Two reviews of story 3: a member's with the author's response, a guest's without rating."""
    return ReviewSet(site=A, item_type="ST", item_id=3, url=A + "reviews.php?type=ST&item=3", reviews=[
        Review(site=A, review_id=12, item_type="ST", item_id=3, reviewer_name="Zoë", reviewer_uid=7, signed=True,
               chapter_title="Snow", chapter_number=1, chapter_id=31, date_display="17/07/06 - 06:34 am",
               posted=dt.datetime(2006, 7, 17, 6, 34), score=9, text_html="<p>Lovely.</p>",
               response_html="Thank you!"),
        Review(site=A, review_id=5, item_type="ST", item_id=3, reviewer_name="Guest", chapter_title="Snow",
               chapter_number=1, chapter_id=31, date_display="02/06/06 - 09:45 pm",
               posted=dt.datetime(2006, 6, 2, 21, 45), text_html="<p>More, please.</p>"),
    ])


@pytest.fixture
def filled(store: Store) -> Store:
    for story in sample_stories():
        assert store.upsert_story(story) == "new"
    assert store.upsert_reviews(sample_reviews())["new"] == 2
    return store


def export(store: Store, **kwargs) -> tuple[int, str]:
    out = io.StringIO(newline="\n")
    count = write_jsonl(store, out, **kwargs)
    return count, out.getvalue()


def test_export_matches_golden(filled: Store) -> None:
    count, data = export(filled)
    assert count == 4
    if UPDATE_GOLDEN:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(data.encode("utf-8"))
    assert data.encode("utf-8") == GOLDEN.read_bytes()


def test_export_shape(filled: Store) -> None:
    _, data = export(filled)
    assert data.endswith("\n") and "\r" not in data
    lines = data.split("\n")[:-1]
    assert len(lines) == 4
    assert data.splitlines() == lines  # no U+2028 & co. inside a record
    records = [json.loads(line) for line in lines]
    assert [(r["site"], r["story_id"]) for r in records] == [(A, 3), (A, 8), (A, 12), (B, 1)]
    for r in records:
        assert tuple(r) == STORY_KEYS
        for ch in r["chapters"]:
            assert tuple(ch) == CHAPTER_KEYS
            for a in ch["authors"]:
                assert tuple(a) == ("id", "name", "url")
        for a in r["authors"]:
            assert tuple(a) == ("id", "name", "url")

    winter, restricted, unicode, _ = records
    assert [c["number"] for c in winter["chapters"]] == [1, 2]
    assert list(winter["classes"]) == ["Genre", "Warnings", "Type"]
    assert winter["authors"][0]["name"] == "Иван Петров"
    assert winter["series"] == [{"id": 4, "title": "The Saga", "position": None}]  # series page not read
    assert winter["published"] == "2010-03-14" and winter["featured"] is True
    assert restricted["status"] == "restricted" and restricted["chapters"] == []
    assert restricted["updated"] is None and restricted["updated_display"] == "31/02/12"
    assert unicode["title"] == "Зима “близко” 🌨"
    assert unicode["completed"] is None and unicode["word_count"] is None
    assert "Зима “близко” 🌨" in data  # written as UTF-8, not \u escapes
    assert "\\u2028" in data and "\u2028" not in data


def test_every_key_is_documented() -> None:
    assert len(set(STORY_KEYS)) == len(STORY_KEYS)
    assert len(set(CHAPTER_KEYS)) == len(CHAPTER_KEYS)
    from mirror.export.jsonl import REVIEW_KEYS
    expected = set(STORY_KEYS) | {f"chapter.{k}" for k in CHAPTER_KEYS} | {
        f"review.{k}" for k in REVIEW_KEYS if k not in ("site",)}
    assert set(KEY_DOCS) == expected
    assert all(doc and "\n" not in doc for doc in KEY_DOCS.values())


def test_export_is_deterministic(filled: Store) -> None:
    assert export(filled) == export(filled)
    # re-storing the same items changes nothing either
    for story in sample_stories():
        assert filled.upsert_story(story) == "unchanged"
    assert export(filled)[1].encode("utf-8") == GOLDEN.read_bytes()


def test_export_filters(filled: Store) -> None:
    golden_lines = GOLDEN.read_text(encoding="utf-8").split("\n")[:-1]

    count, data = export(filled, site=B)
    assert count == 1 and data == golden_lines[3] + "\n"

    count, data = export(filled, site=A)
    assert count == 3 and data == "\n".join(golden_lines[:3]) + "\n"

    count, data = export(filled, story_ids=[12, 1])
    assert count == 2 and data == golden_lines[2] + "\n" + golden_lines[3] + "\n"

    count, data = export(filled, site=A, story_ids=[8, 999])
    assert count == 1 and data == golden_lines[1] + "\n"

    assert export(filled, site="http://nowhere.example/") == (0, "")
    assert export(filled, story_ids=[]) == (0, "")
