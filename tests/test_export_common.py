"""What every export shares: filters, safe names, atomic files, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from mirror.export.common import ExportFilter, atomic_file, safe_name, slug, stories
from mirror.export.manifest import MANIFEST, owned_folder
from mirror.export.run import export
from mirror.items import Author, Story
from mirror.storage import Base, Store
from tests.storage_fixtures import SITE_A, SITE_B, make_story
from tests.test_crawl_sample import run


@pytest.fixture
def store(db):
    s = Store(db)
    for sid, updated, author in ((1, dt.date(2010, 1, 1), 7), (2, dt.date(2012, 6, 1), 8), (3, dt.date(2014, 3, 3), 7)):
        story = make_story(sid)
        story.updated = updated
        story.authors = [Author(author, f"a{author}", f"{SITE_A}viewuser.php?uid={author}")]
        s.upsert_story(story)
    s.upsert_story(make_story(9, site=SITE_B))
    yield s
    s.close()


def ids(store, flt):
    return [(s.site, s.story_id) for s in stories(store, flt)]


def test_filters(store):
    assert len(ids(store, ExportFilter())) == 4
    assert ids(store, ExportFilter(site=SITE_B)) == [(SITE_B, 9)]
    assert ids(store, ExportFilter(story_ids=(1, 3))) == [(SITE_A, 1), (SITE_A, 3)]
    assert ids(store, ExportFilter(site=SITE_A, author_ids=(7,))) == [(SITE_A, 1), (SITE_A, 3)]
    assert ids(store, ExportFilter(site=SITE_A, updated_since=dt.date(2012, 6, 1))) == [(SITE_A, 2), (SITE_A, 3)]


@pytest.mark.parametrize("title, expected", [
    ("Zoë’s “Café”!", "zoes-cafe"), ("../../etc/passwd", "etc-passwd"), ("/abs/path", "abs-path"),
    ("", "untitled"), ("Пять писем", "untitled"), ("a" * 300, "a" * 60),
])
def test_safe_names_never_carry_a_path(title, expected):
    story = Story(site=SITE_A, story_id=42, url="u", title=title)
    name = safe_name(story, "txt")
    assert name == f"000042-{expected}.txt" and slug(title) == expected
    assert "/" not in name and ".." not in name and len(name) < 80


def test_safe_name_refuses_odd_extensions():
    with pytest.raises(ValueError):
        safe_name(Story(site=SITE_A, story_id=1, url="u", title="t"), "../x")


def test_atomic_file_leaves_nothing_half_written(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_file(target, "w") as stream:
            stream.write("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]
    with atomic_file(target, "w") as stream:
        stream.write("new")
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["out.txt"]


def test_owned_folder_replaces_only_when_done(tmp_path):
    target = tmp_path / "site"
    with owned_folder(target, "html") as folder:  # an earlier export
        (folder / "old.html").write_text("old")
    with pytest.raises(RuntimeError):
        with owned_folder(target, "html") as folder:
            (folder / "new.html").write_text("new")
            raise RuntimeError("killed")
    assert sorted(os.listdir(target)) == [MANIFEST, "old.html"] and os.listdir(tmp_path) == ["site"]
    with owned_folder(target, "html") as folder:
        (folder / "new.html").write_text("new")
    assert sorted(os.listdir(target)) == [MANIFEST, "new.html"] and os.listdir(tmp_path) == ["site"]


def contents(store: Store):
    """The SQLite file's bytes; on PostgreSQL, every row of every table."""
    if store.engine.dialect.name == "sqlite":
        return Path(store.engine.url.database).read_bytes()
    with store.engine.connect() as conn:
        return {table.name: sorted(map(repr, conn.execute(select(table)))) for table in Base.metadata.sorted_tables}


def test_export_never_changes_the_database(store, tmp_path):
    before = contents(store)
    export(store, "jsonl", str(tmp_path / "all.jsonl"))
    assert contents(store) == before


def test_cli_jsonl_with_filters(store, db, tmp_path):
    out = tmp_path / "a.jsonl"
    result = run(sys.executable, "-m", "mirror", "export", "jsonl", "--db", db, "--out", str(out),
                 "--site", SITE_A, "--author", "7", "--updated-since", "2011-01-01")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["story_id"] for line in out.read_text().splitlines()] == [3]
    assert "exported 1 story as jsonl" in result.stderr
    bad = run(sys.executable, "-m", "mirror", "export", "jsonl", "--db", db, "--updated-since", "yesterday")
    assert bad.returncode == 2 and "--updated-since takes a date" in bad.stderr
    stdout = run(sys.executable, "-m", "mirror", "export", "jsonl", "--db", db, "--story", "9")
    assert [json.loads(line)["site"] for line in stdout.stdout.splitlines()] == [SITE_B]


def test_finished_exports_get_the_usual_permissions(tmp_path):
    """Temporary files are owner-only; what is exported is meant to be shared (0666/0777 less umask)."""
    import os
    import stat

    mask = os.umask(0o022)
    try:
        with atomic_file(tmp_path / "dump.jsonl", "w") as stream:
            stream.write("{}\n")
        with owned_folder(tmp_path / "site", "html") as folder:
            (folder / "index.html").write_text("<p>hi</p>")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "dump.jsonl").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "site").stat().st_mode) == 0o755
