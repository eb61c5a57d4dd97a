"""Schema migrations (Alembic), on real SQLite and PostgreSQL databases.

* the migrations build exactly the schema the models describe (``compare_metadata`` plus the
  CHECK constraints and ON DELETE rules it does not compare): guards every model change;
* a database made by the first release (0.1.0, frozen in ``fixtures/schema_0_1_0``), holding
  data in every table, upgrades to the current schema with nothing lost, through the library
  and through ``mirror db upgrade``; the Store reads it and writes to it afterwards;
* older, unversioned, unrecognised and too-new databases are clear errors.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, select, text, update

from mirror.items import STATUS_INCOMPLETE
from mirror.storage import Base, StorageError, Store
from mirror.storage import migrate
from tests.storage_fixtures import SITE_A, db_url, make_story  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
HEAD = migrate.head_revision()
UTC = dt.timezone.utc


def _load_release_0_1_0() -> ModuleType:
    path = Path(__file__).parent / "fixtures" / "schema_0_1_0" / "models.py"
    spec = importlib.util.spec_from_file_location("fic_mirror_schema_0_1_0", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclass-like annotations resolve through sys.modules
    spec.loader.exec_module(module)
    return module


OLD = _load_release_0_1_0()
OLD_TABLES = OLD.Base.metadata.tables


def _engine(url: str):
    return create_engine(url)


# --------------------------------------------------------------- a 0.1.0 database with data


def _t(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2024, 1, day, hour, 30, 15, 123456, tzinfo=UTC)


def make_release_0_1_0_database(url: str) -> None:
    """What fic-mirror 0.1.0 left behind: its tables (create_all, no alembic_version) and rows in
    every one of them -- two sites, four authors, two series, three stories (one restricted,
    one round-robin with per-chapter authors), their chapters and two crawl runs."""
    engine = _engine(url)
    OLD.Base.metadata.create_all(engine)
    t = OLD_TABLES
    with engine.begin() as conn:
        conn.execute(insert(t["sites"]), [
            {"id": 1, "base_url": SITE_A, "first_seen": _t(1)},
            {"id": 2, "base_url": "https://archive-b.example/", "first_seen": _t(2)},
        ])
        conn.execute(insert(t["authors"]), [
            {"id": 1, "site_id": 1, "author_id": 7, "name": "Zoë", "url": SITE_A + "viewuser.php?uid=7"},
            {"id": 2, "site_id": 1, "author_id": 12, "name": "Иван", "url": SITE_A + "viewuser.php?uid=12"},
            {"id": 3, "site_id": 1, "author_id": 3, "name": "Kim", "url": SITE_A + "viewuser.php?uid=3"},
            {"id": 4, "site_id": 2, "author_id": 7, "name": "Other Zoë",
             "url": "https://archive-b.example/viewuser.php?uid=7"},
        ])
        conn.execute(insert(t["series"]), [
            {"id": 1, "site_id": 1, "series_id": 5, "title": "Saga", "url": SITE_A + "viewseries.php?seriesid=5"},
            {"id": 2, "site_id": 1, "series_id": 6, "title": "Side", "url": SITE_A + "viewseries.php?seriesid=6"},
        ])
        stories = []
        for pk, (site_id, sid, status) in enumerate([(1, 1, "ok"), (1, 2, "restricted"), (1, 3, "ok"),
                                                      (2, 1, "ok")], start=1):
            base = SITE_A if site_id == 1 else "https://archive-b.example/"
            stories.append({
                "id": pk, "site_id": site_id, "story_id": sid, "url": f"{base}viewstory.php?sid={sid}",
                "title": f"Story {sid} ☃" if status == "ok" else "Members only", "status": status,
                "summary_html": f"<p>Summary of <b>{sid}</b> &amp; more</p>", "rating": "PG-13",
                "categories": [{"id": 1, "name": "Drama"}],
                "characters": [{"id": 4, "name": "Anna"}, {"id": 2, "name": "Bert"}],
                "classes": [{"type": "Genre", "values": [{"id": 10, "name": "Angst"}]},
                            {"type": "Warnings", "values": [{"id": 20, "name": "None"}]}],
                "challenges": [{"id": 9, "name": "Winter"}] if sid == 3 else [],
                "chapter_count": 2 if status == "ok" else None, "completed": sid != 3,
                "word_count": 2000 + sid, "read_count": 100 + pk, "review_count": pk,
                "featured": sid == 1, "retired": sid == 3,
                "published": dt.date(2010, 3, 14), "updated": dt.date(2011, 1, 2),
                "published_display": "14/03/10", "updated_display": "02/01/11",
                "story_notes_html": "<p>Notes</p>" if sid == 1 else "",
                "extra": [{"label": "Beta", "value": "Someone"}], "requests": 3,
                "first_seen": _t(3), "last_fetched": _t(4), "last_changed": _t(4, 1),
            })
        conn.execute(insert(t["stories"]), stories)
        conn.execute(insert(t["story_authors"]), [
            {"story_pk": 1, "position": 1, "author_pk": 1},
            {"story_pk": 1, "position": 2, "author_pk": 2},
            {"story_pk": 2, "position": 1, "author_pk": 3},
            {"story_pk": 3, "position": 1, "author_pk": 2},
            {"story_pk": 3, "position": 2, "author_pk": 1},
            {"story_pk": 4, "position": 1, "author_pk": 4},
        ])
        conn.execute(insert(t["story_series"]), [
            {"story_pk": 1, "position": 1, "series_pk": 1},
            {"story_pk": 1, "position": 2, "series_pk": 2},
            {"story_pk": 3, "position": 1, "series_pk": 1},
        ])
        chapters = []
        for story_pk, sid, base in [(1, 1, SITE_A), (3, 3, SITE_A), (4, 1, "https://archive-b.example/")]:
            for number in (1, 2):
                chapters.append({
                    "id": len(chapters) + 1, "story_pk": story_pk, "number": number,
                    "chapter_id": sid * 100 + number, "title": f"Chapter {number}",
                    "word_count": 1000 + number, "notes_html": "<p>n</p>" if number == 1 else "",
                    "end_notes_html": "", "text_html": f"<p>Text {number} of story {story_pk} – ünïcode</p>",
                    "source_url": f"{base}viewstory.php?sid={sid}&chapter={number}",
                })
        conn.execute(insert(t["chapters"]), chapters)
        conn.execute(insert(t["chapter_authors"]), [  # story 3 is round-robin
            {"chapter_pk": 3, "position": 1, "author_pk": 2},
            {"chapter_pk": 4, "position": 1, "author_pk": 1},
        ])
        conn.execute(insert(t["crawl_runs"]), [
            {"id": 1, "site_id": 1, "mode": "full", "settings": {"delay": 2.0}, "started_at": _t(3),
             "finished_at": _t(3, 14), "status": "finished", "stats": {"item_scraped_count": 3},
             "stories_new": 3, "stories_changed": 0, "stories_unchanged": 0, "stories_restricted": 1,
             "stories_dropped": 0, "errors": []},
            {"id": 2, "site_id": 2, "mode": "full", "settings": None, "started_at": _t(4),
             "finished_at": None, "status": "running", "stats": None, "stories_new": 0,
             "stories_changed": 0, "stories_unchanged": 0, "stories_restricted": 0,
             "stories_dropped": 0, "errors": [{"url": "x", "error": "timeout"}]},
        ])
        if conn.dialect.name == "postgresql":  # the ids above were explicit: move the sequences on
            for name, table in t.items():
                if "id" in table.c:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                      f"(SELECT max(id) FROM {name}))"))
    engine.dispose()


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every 0.1.0 table, 0.1.0 columns only, read through 0.1.0's column types."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return {name: [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
                    for name, table in OLD_TABLES.items()}
    finally:
        engine.dispose()


def assert_schema_matches_models(url: str) -> None:
    """No difference between the database and the models, including what autogenerate skips."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            insp = inspect(conn)
            for table in Base.metadata.sorted_tables:
                checks = {c["name"] for c in insp.get_check_constraints(table.name)}
                wanted = {c.name for c in table.constraints if c.__class__.__name__ == "CheckConstraint"}
                assert checks == wanted, table.name
                fks = {(fk["name"], (fk.get("options") or {}).get("ondelete"))
                       for fk in insp.get_foreign_keys(table.name)}
                assert fks == {(fk.name, fk.ondelete) for fk in table.foreign_key_constraints}, table.name
            if conn.dialect.name == "sqlite":
                (stories_sql,) = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'stories'")).one()
                assert "status IN ('ok', 'restricted', 'incomplete')" in stories_sql
    finally:
        engine.dispose()


# --------------------------------------------------------------- the migrations vs the models


def test_migrations_build_the_models_schema(db_url: str) -> None:
    report = migrate.upgrade(db_url)
    assert (report.from_revision, report.to_revision, report.stamped) == (None, HEAD, False)
    assert report.applied == tuple(migrate.revisions())
    assert_schema_matches_models(db_url)
    assert migrate.current_revision(db_url) == HEAD
    # downgrades run too (back to nothing, and up again)
    engine = _engine(db_url)
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(db_url)
    assert_schema_matches_models(db_url)


def test_new_database_is_created_at_head_on_first_use(db_url: str) -> None:
    assert migrate.schema_state(db_url).empty
    with Store(db_url) as store:
        assert store.upsert_story(make_story(1)) == "new"
    assert migrate.current_revision(db_url) == HEAD
    assert migrate.upgrade(db_url).applied == ()


# --------------------------------------------------------------- the first release, with data


def test_first_release_database_upgrades_with_nothing_lost(db_url: str) -> None:
    make_release_0_1_0_database(db_url)
    before = snapshot(db_url)
    assert all(before.values()), "every 0.1.0 table holds rows"

    state = migrate.schema_state(db_url)
    assert (state.revision, state.versioned) == ("0001", False)
    with pytest.raises(StorageError, match=r"older version of fic-mirror \(its tables match schema "
                                           r"revision 0001.*back it up, then run: mirror db upgrade --db"):
        Store(db_url).create_schema()
    assert snapshot(db_url) == before  # the refusal changed nothing

    report = migrate.upgrade(db_url)
    assert (report.from_revision, report.to_revision, report.stamped) == ("0001", HEAD, True)
    assert report.applied == tuple(migrate.revisions()[1:])
    if db_url.startswith("sqlite"):
        assert report.backup is not None and f"backup: {report.backup}" in report.summary()
        with sqlite3.connect(report.backup) as old:  # the copy is the 0.1.0 database
            assert old.execute("SELECT count(*) FROM chapters").fetchone() == (6,)
            assert not old.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchall()
    else:
        assert report.backup is None

    assert snapshot(db_url) == before
    assert_schema_matches_models(db_url)
    _check_store_reads_and_writes(db_url)


def _check_store_reads_and_writes(url: str) -> None:
    with Store(url) as store:
        story = store.get_story(SITE_A, 1)
        assert story.title == "Story 1 ☃" and story.status == "ok" and story.featured
        assert [a.name for a in story.authors] == ["Zoë", "Иван"]
        assert [s.title for s in story.series] == ["Saga", "Side"]
        assert [c.text_html for c in story.chapters] == [
            "<p>Text 1 of story 1 – ünïcode</p>", "<p>Text 2 of story 1 – ünïcode</p>"]
        assert [t.name for t in story.characters] == ["Anna", "Bert"]
        assert [t.name for t in story.classes["Genre"]] == ["Angst"]
        assert story.extra == {"Beta": "Someone"}
        assert story.published == dt.date(2010, 3, 14)
        robin = store.get_story(SITE_A, 3)
        assert [[a.name for a in c.authors] for c in robin.chapters] == [["Иван"], ["Zoë"]]
        assert store.get_story(SITE_A, 2).status == "restricted"
        assert store.get_story("https://archive-b.example/", 1).chapters[1].text_html.startswith("<p>Text 2")

        # a crawl after the upgrade: new, changed, and a status 0.1.0 did not allow
        run = store.start_run(SITE_A)
        assert store.upsert_story(make_story(10)) == "new"
        changed = make_story(1, title="Story 1, revised")
        assert store.upsert_story(changed) == "changed"
        assert store.upsert_story(make_story(11, status=STATUS_INCOMPLETE)) == "new"
        store.finish_run(run, status="finished", stats={})
        assert store.get_story(SITE_A, 1).title == "Story 1, revised"
        assert store.get_story(SITE_A, 11).status == STATUS_INCOMPLETE
        assert store.get_run(1)["status"] == "finished"


def test_cli_upgrades_a_first_release_database(db_url: str, tmp_path: Path, capsys) -> None:
    from mirror.cli import main

    make_release_0_1_0_database(db_url)
    before = snapshot(db_url)
    assert main(["db", "current", "--db", db_url]) == 0
    assert "0001 (unversioned, detected from its tables; older; newest is" in capsys.readouterr().out

    # once as a real command, in its own process
    done = subprocess.run([sys.executable, "-m", "mirror.cli", "db", "upgrade", "--db", db_url],
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "stamped" in done.stdout and f"upgraded 0001 -> {HEAD}" in done.stdout
    assert ("backup: " in done.stdout) == db_url.startswith("sqlite")

    assert main(["db", "upgrade", "--db", db_url]) == 0  # idempotent
    out = capsys.readouterr().out
    assert f"already at revision {HEAD}, nothing to do" in out and "backup: " not in out
    assert main(["db", "current", "--db", db_url]) == 0
    assert f"{HEAD} (current)" in capsys.readouterr().out
    assert snapshot(db_url) == before
    _check_store_reads_and_writes(db_url)


def test_current_does_not_create_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.sqlite"
    state = migrate.schema_state(f"sqlite:///{path}")
    assert state.empty and migrate.current_revision(f"sqlite:///{path}") is None
    assert not path.exists()


# --------------------------------------------------------------- older, unversioned, too new


def test_versioned_older_database_is_an_error_until_upgraded(db_url: str) -> None:
    migrate.upgrade(db_url, "0003")
    with pytest.raises(StorageError, match=r"older version of fic-mirror \(schema revision 0003, "
                                           rf"this one needs {HEAD}\); back it up, then run: "
                                           r"mirror db upgrade --db '(sqlite|postgresql)"):
        Store(db_url).create_schema()
    assert migrate.upgrade(db_url).applied == tuple(migrate.revisions()[3:])  # 0004 up to HEAD
    with Store(db_url) as store:
        assert store.upsert_story(make_story(1)) == "new"


def _drop_everything(url: str) -> None:
    engine = _engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    Base.metadata.drop_all(engine)
    engine.dispose()


def test_unversioned_databases_of_every_revision_are_recognised(db_url: str) -> None:
    for revision in migrate.revisions():
        migrate.upgrade(db_url, revision)
        engine = _engine(db_url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))  # as create_all made it
        engine.dispose()
        state = migrate.schema_state(db_url)
        assert (state.revision, state.versioned, state.empty) == (revision, False, False)
        if revision == HEAD:  # already current: the Store just stamps it
            Store(db_url).create_schema()
            assert migrate.current_revision(db_url) == HEAD
        else:
            with pytest.raises(StorageError, match=f"match schema revision {revision}"):
                Store(db_url).create_schema()
        _drop_everything(db_url)


def test_release_0_1_0_with_tables_a_later_create_all_added_upgrades(db_url: str) -> None:
    """0.1.0's database opened by a later pre-migration fic-mirror: crawl_stories was added by
    create_all, but the stories status CHECK still lacks 'incomplete'."""
    make_release_0_1_0_database(db_url)
    engine = _engine(db_url)
    Base.metadata.tables["crawl_stories"].create(engine)
    engine.dispose()
    assert migrate.schema_state(db_url).revision == "0001"
    report = migrate.upgrade(db_url, backup=False)
    assert report.applied[0] == "0002"
    assert_schema_matches_models(db_url)
    with Store(db_url) as store:
        assert store.upsert_story(make_story(20, status=STATUS_INCOMPLETE)) == "new"


def test_unrecognised_tables_are_an_error(db_url: str) -> None:
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE series (id INTEGER PRIMARY KEY, title TEXT)"))
    engine.dispose()
    with pytest.raises(StorageError, match="matches no schema this fic-mirror knows.*series lacks"):
        Store(db_url).create_schema()
    with pytest.raises(StorageError, match="matches no schema"):
        migrate.upgrade(db_url)


def test_database_newer_than_this_code_is_an_error(db_url: str, capsys) -> None:
    migrate.upgrade(db_url)
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.execute(update(migrate_version_table()).values(version_num="9999"))
    engine.dispose()
    with pytest.raises(StorageError, match=r"schema revision 9999, which this fic-mirror .* does not "
                                           r"know: a newer fic-mirror made or upgraded it"):
        Store(db_url).create_schema()
    with pytest.raises(StorageError, match="9999"):
        migrate.upgrade(db_url)
    from mirror.cli import main

    assert main(["db", "current", "--db", db_url]) == 0
    assert "9999 (unknown to this fic-mirror: made by a newer version)" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", db_url]) == 2
    assert "newer fic-mirror" in capsys.readouterr().err


def migrate_version_table():
    from sqlalchemy import Column, MetaData, String, Table

    return Table("alembic_version", MetaData(), Column("version_num", String(32)))


def test_upgrade_refuses_to_go_backwards_and_unknown_revisions(db_url: str) -> None:
    migrate.upgrade(db_url)
    with pytest.raises(ValueError, match="does not downgrade"):
        migrate.upgrade(db_url, "0002")
    with pytest.raises(ValueError, match="unknown schema revision"):
        migrate.upgrade(db_url, "nope")
