"""Open Doors export: golden files, AO3-limit report, and loading the dump into MariaDB.

Regenerate the golden files after an intended format change with::

    MIRROR_UPDATE_GOLDEN=1 python -m pytest tests/test_export_opendoors.py

and review the diff of ``tests/golden/opendoors/`` by eye.  The MariaDB test uses the
server at ``MIRROR_TEST_MARIADB_HOST`` (default 127.0.0.1:3306, root, no password) through
the ``mariadb`` command-line client and is skipped when that is not reachable.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from mirror.export.manifest import MANIFEST
from mirror.export.opendoors import LIMITS, TABLES, sql_literal, write_opendoors
from mirror.export.run import export
from mirror.items import Author, Chapter, Series, Story, Tag
from mirror.storage import Store
from tests.storage_fixtures import db_url, store  # noqa: F401  (fixtures)

GOLDEN = Path(__file__).parent / "golden" / "opendoors"
UPDATE_GOLDEN = os.environ.get("MIRROR_UPDATE_GOLDEN") == "1"
FILES = ["opendoors.sql", *(f"{t}.csv" for t in TABLES), "report.txt", "report.csv"]

A = "http://archive-a.example/fiction/"
B = "https://archive-b.example/"
ZOE = Author(id=7, name="Zoë", url=A + "viewuser.php?uid=7")
IVAN = Author(id=12, name="Иван Петров", url=A + "viewuser.php?uid=12")
SAGA = Series(id=4, title="The Saga", url=A + "viewseries.php?seriesid=4")

TRICKY = "It's \"quoted\", a back\\slash \\n (not a newline), \\' and a real\nnewline, CR\r, tab\t, ^Z\x1a."


def sample_stories() -> list[Story]:
    winter = Story(
        site=A, story_id=3, url=A + "viewstory.php?sid=3", title="The Long Winter",
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
        chapter_count=2, completed=True, word_count=3456,
        published=dt.date(2010, 3, 14), updated=dt.date(2011, 1, 2),
        story_notes_html="<p>Thanks to my beta.</p>",
        chapters=[
            Chapter(number=2, id=31, title="Thaw", authors=[ZOE], end_notes_html="<p>The end.</p>",
                    text_html="<p>Spring came at last.</p>", source_url=A + "viewstory.php?sid=3&chapter=2"),
            Chapter(number=1, id=30, title="Snow", authors=[IVAN], notes_html="<p>Written for Winter Fest.</p>",
                    text_html="<p>It snowed.</p>\n<p>And snowed.</p>", source_url=A + "viewstory.php?sid=3&chapter=1"),
        ],
    )
    restricted = Story(
        site=A, story_id=8, url=A + "viewstory.php?sid=8", title="Members Only", status="restricted",
        authors=[ZOE], summary_html="<p>Only for members.</p>", rating="Adult",
        categories=[Tag(2, "Original Fiction")], classes={"Genre": [Tag(12, "Romance")]},
        chapter_count=5, published=dt.date(2012, 6, 1),
    )
    unicode = Story(
        site=A, story_id=12, url=A + "viewstory.php?sid=12", title="Зима “близко” 🌨 it's",
        authors=[ZOE], summary_html="<p>Zoë’s story — ¿qué? 日本語 🐉</p>", rating="G",
        characters=[Tag(9, "Фёдор"), Tag(None, "Zoë")],
        classes={"Genre": [Tag(10, "Drama")]},
        chapter_count=1, published=dt.date(2020, 12, 31), updated=dt.date(2021, 1, 1),
        story_notes_html=TRICKY,
        chapters=[
            Chapter(number=1, id=None, title="Глава 1: «Начало» 'x' \\", authors=[],
                    text_html="<p>“Hello,” said Zoë. 🦔 " + TRICKY + "</p>",
                    source_url=A + "viewstory.php?sid=12&chapter=1"),
        ],
    )
    return [unicode, winter, restricted]


def read_csv(path: Path) -> list[list[str]]:
    old = csv.field_size_limit(1 << 30)  # chapter texts are larger than the default limit
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.reader(f))
    finally:
        csv.field_size_limit(old)


@pytest.fixture
def exported(store: Store, tmp_path: Path) -> Path:
    for story in sample_stories():
        assert store.upsert_story(story) == "new"
    out = tmp_path / "od"
    result = export(store, "opendoors", str(out))
    assert result.stories == 3
    return out


def test_export_matches_golden(exported: Path) -> None:
    assert sorted(p.name for p in exported.iterdir()) == sorted([*FILES, MANIFEST])
    if UPDATE_GOLDEN:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(exported / name, GOLDEN / name)
    for name in FILES:
        assert (exported / name).read_bytes() == (GOLDEN / name).read_bytes(), name


def test_export_contents(exported: Path) -> None:
    stories = read_csv(exported / "stories.csv")
    assert stories[0] == list(TABLES["stories"])
    by_id = {r[0]: dict(zip(stories[0], r)) for r in stories[1:]}
    assert list(by_id) == ["3", "8", "12"]
    assert by_id["8"]["do_not_import"] == "1" and "restricted" in by_id["8"]["import_notes"]
    assert by_id["3"]["do_not_import"] == "0" and "series: The Saga (id 4)" in by_id["3"]["import_notes"]
    assert by_id["3"]["date"] == "2010-03-14 00:00:00" and by_id["8"]["updated"] == ""
    assert by_id["12"]["notes"] == TRICKY

    chapters = read_csv(exported / "chapters.csv")
    assert [(r[0], r[1], r[5]) for r in chapters[1:]] == [
        ("30", "1", "3"), ("31", "2", "3"), ("1000012001", "1", "12")]
    assert "End notes:" in chapters[2][6]

    item_authors = read_csv(exported / "item_authors.csv")[1:]
    assert [(r[1], r[2]) for r in item_authors] == [("12", "3"), ("7", "3"), ("7", "8"), ("7", "12")]
    assert read_csv(exported / "authors.csv")[1:] == [
        ["7", "Zoë", "", "0", "0", "0"], ["12", "Иван Петров", "", "0", "0", "0"]]

    tags = {(r[3], r[4], r[2]): r for r in read_csv(exported / "tags.csv")[1:]}
    assert tags[("class", "Warnings", "Mild Language")][1] == "20"
    assert tags[("class", "Type", "Gen")][1] == "30"
    assert tags[("rating", "", "PG-13")][1] == ""
    assert tags[("character", "", "Zoë")][1] == ""
    assert ("challenge", "", "Winter Fest 2010") in tags
    # Drama is one tag shared by two stories
    drama = tags[("class", "Genre", "Drama")][0]
    item_tags = read_csv(exported / "item_tags.csv")[1:]
    assert sorted(r[1] for r in item_tags if r[3] == drama) == ["12", "3"]
    assert (exported / "report.txt").read_text(encoding="utf-8").endswith("none\n")


def test_sql_literal_escaping() -> None:
    assert sql_literal(None) == "NULL" and sql_literal(5) == "5"
    assert sql_literal("a'b\"c\\d\0e\nf\rg\x1ah") == "'a\\'b\\\"c\\\\d\\0e\\nf\\rg\\Zh'"


def test_refuses_several_sites(tmp_path: Path) -> None:
    other = Story(site=B, story_id=1, url=B + "viewstory.php?sid=1", title="Elsewhere")
    with pytest.raises(ValueError, match="--site"):
        write_opendoors(sample_stories() + [other], tmp_path)


def big_stories() -> list[Story]:
    def story(sid: int, **kw) -> Story:
        kw.setdefault("title", f"Big {sid}")
        return Story(site=A, story_id=sid, url=f"{A}viewstory.php?sid={sid}", authors=[ZOE], **kw)

    def chapters(n: int, text: str = "<p>x</p>") -> list[Chapter]:
        return [Chapter(number=i, id=None, title=f"C{i}", text_html=text) for i in range(1, n + 1)]

    return [
        story(100, characters=[Tag(i, f"Character {i}") for i in range(1, 77)], rating="G",
              chapters=chapters(1)),
        story(101, summary_html="s" * 1251, chapters=chapters(1)),
        story(102, story_notes_html="n" * 5001, chapters=chapters(1)),
        story(103, chapters=chapters(2, "t" * 500_001)),
        story(104, chapters=chapters(201)),
        story(105, title="T" * 256, chapters=chapters(1)),
        # exactly at every limit: not reported
        story(106, title="T" * 255, summary_html="s" * 1250, story_notes_html="n" * 5000,
              characters=[Tag(i, f"Character {i}") for i in range(1, 76)], rating="G",
              chapters=chapters(200)[:199] + [Chapter(number=200, id=None, title="last", text_html="t" * 500_000)]),
        story(107, status="restricted", chapter_count=300),
    ]


def test_report_lists_every_limit(tmp_path: Path) -> None:
    write_opendoors(big_stories(), tmp_path)
    rows = read_csv(tmp_path / "report.csv")
    assert rows[0] == ["story_id", "title", "limit", "value", "maximum"]
    assert [r[0] + " " + r[2] + " " + r[3] for r in rows[1:]] == [
        "100 tags 76", "101 summary 1251", "102 notes 5001", "103 chapter_text 500001",
        "104 chapters 201", "105 title 256", "107 chapters 300"]
    assert {r[2] for r in rows[1:]} == {name for name, _, _ in LIMITS}
    lines = (tmp_path / "report.txt").read_text(encoding="utf-8").splitlines()
    assert lines[1] == "100\tBig 100\tmore than 75 tags\t76"
    assert lines[4] == "103\tBig 103\ta chapter over 500,000 characters\t500001"
    assert len(lines) == 8
    # the restricted story has no chapters in the export
    assert [r[5] for r in read_csv(tmp_path / "chapters.csv")[1:]].count("107") == 0


# ------------------------------------------------------------------ MariaDB

MARIADB_HOST = os.environ.get("MIRROR_TEST_MARIADB_HOST", "127.0.0.1")


def _mariadb(*args: str, stdin=None, database: str | None = None) -> subprocess.CompletedProcess:
    cmd = ["mariadb", f"--host={MARIADB_HOST}", "--port=3306", "--user=root",
           "--default-character-set=utf8mb4", "--batch", "--skip-column-names", *args]
    if database:
        cmd.append(database)
    return subprocess.run(cmd, stdin=stdin, capture_output=True, timeout=120)


@pytest.fixture
def mariadb_db() -> str:
    if shutil.which("mariadb") is None:
        pytest.skip("the mariadb command-line client is not installed")
    try:
        probe = _mariadb("-e", "SELECT 1")
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"MariaDB not reachable at {MARIADB_HOST}:3306: {exc}")
    if probe.returncode != 0:
        pytest.skip(f"MariaDB not reachable at {MARIADB_HOST}:3306: {probe.stderr.decode(errors='replace').strip()}")
    name = f"od_test_{uuid.uuid4().hex[:12]}"
    created = _mariadb("-e", f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    assert created.returncode == 0, created.stderr
    try:
        yield name
    finally:
        _mariadb("-e", f"DROP DATABASE IF EXISTS `{name}`")


def load_and_compare(folder: Path, database: str) -> dict[str, list[list[str]]]:
    """Pipe opendoors.sql into MariaDB; every table's rows must equal its CSV (NULL = empty)."""
    with open(folder / "opendoors.sql", "rb") as dump:
        loaded = _mariadb(stdin=dump, database=database)
    assert loaded.returncode == 0, loaded.stderr.decode(errors="replace")
    tables = {}
    for table, columns in TABLES.items():
        select = ", ".join(
            f"IFNULL(HEX(CAST(`{c}` AS CHAR CHARACTER SET utf8mb4)), '-')" for c in columns)
        out = _mariadb("-e", f"SELECT {select} FROM `{table}` ORDER BY `id`", database=database)
        assert out.returncode == 0, out.stderr
        rows = [
            ["" if v == "-" else bytes.fromhex(v).decode("utf-8") for v in line.split("\t")]
            for line in out.stdout.decode("ascii").splitlines()
        ]
        csv_rows = read_csv(folder / f"{table}.csv")
        assert csv_rows[0] == list(columns)
        assert rows == csv_rows[1:], table
        tables[table] = rows
    return tables


def test_dump_loads_into_mariadb(exported: Path, mariadb_db: str) -> None:
    tables = load_and_compare(exported, mariadb_db)
    assert {t: len(r) for t, r in tables.items()} == {
        "authors": 2, "stories": 3, "chapters": 3, "tags": 14, "item_tags": 16, "item_authors": 4}
    stories = {r[0]: r for r in tables["stories"]}
    assert stories["12"][1] == "Зима “близко” 🌨 it's"
    assert stories["12"][3] == TRICKY
    chapter = {r[0]: r for r in tables["chapters"]}["1000012001"]
    assert chapter[2] == "Глава 1: «Начало» 'x' \\" and chapter[3].endswith(TRICKY + "</p>")
    # loading the same dump again replaces the tables
    load_and_compare(exported, mariadb_db)


def test_nul_and_batches_load_into_mariadb(tmp_path: Path, mariadb_db: str) -> None:
    text = "a\0b 🐉 " + TRICKY
    stories = [
        Story(site=A, story_id=n, url=f"{A}viewstory.php?sid={n}", title=f"S{n} {text}"[:200],
              authors=[Author(id=n % 7, name=f"A{n % 7}\0", url="")], summary_html=text,
              chapters=[Chapter(number=1, id=n, title="c", text_html=text * 50)])
        for n in range(1, 251)  # more than one INSERT batch per table
    ]
    write_opendoors(stories, tmp_path)
    assert (tmp_path / "opendoors.sql").read_text(encoding="utf-8").count("INSERT INTO `stories`") == 3
    tables = load_and_compare(tmp_path, mariadb_db)
    assert len(tables["stories"]) == 250 and len(tables["chapters"]) == 250
    assert tables["stories"][0][2] == text


def test_several_sites_need_site_option(store: Store, tmp_path: Path) -> None:
    for story in sample_stories():
        store.upsert_story(story)
    store.upsert_story(Story(site=B, story_id=1, url=B + "viewstory.php?sid=1", title="Elsewhere"))
    out = tmp_path / "od"
    with pytest.raises(ValueError, match="choose one with --site"):
        export(store, "opendoors", str(out))
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".od")]
    from mirror.export.common import ExportFilter
    assert export(store, "opendoors", str(out), ExportFilter(site=B)).stories == 1
    assert read_csv(out / "stories.csv")[1][0] == "1"
