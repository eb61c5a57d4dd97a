"""A damaged, foreign or missing database: every command says so in one line naming the file
(exit 2, no traceback) and never changes it; `mirror db check` runs the database's own check; a
crawl refuses a damaged file before asking the site anything."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from mirror.cli import main
from mirror.crawl import check_database
from mirror.sample import SampleArchive
from mirror.storage import StorageError, Store
from mirror.storage.migrate import head_revision, upgrade
from tests.storage_fixtures import SITE_A, database, make_story


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A small database as fic-mirror makes it (WAL mode), closed: one file holding everything."""
    path = tmp_path_factory.mktemp("good") / "good.sqlite"
    with Store(f"sqlite:///{path}") as store:
        for sid in range(1, 31):
            store.upsert_story(make_story(sid, chapters=3))
    assert not Path(f"{path}-wal").exists()
    return path


def _data_pages(path: Path) -> list[int]:
    """Leaf pages of the story and chapter tables (the schema's pages stay readable)."""
    with closing(sqlite3.connect(path)) as conn:
        try:
            return [p for (p,) in conn.execute(
                "SELECT pageno FROM dbstat WHERE name IN ('stories', 'chapters', 'chapter_versions') "
                "AND pagetype = 'leaf'")]
        except sqlite3.OperationalError:  # no dbstat in this SQLite: the file's second half
            pages = path.stat().st_size // 4096
            return list(range(pages // 2, pages + 1))


def damaged(good: Path, target: Path) -> None:
    """Every third page from the fourth on overwritten with garbage (one of the schema's too)."""
    shutil.copy(good, target)
    with open(target, "r+b") as f:
        for index in range(3, good.stat().st_size // 4096, 3):
            f.seek(index * 4096)
            f.write(b"\xba\xd0" * 2048)


def data_damaged(good: Path, target: Path) -> None:
    """Some data pages in the middle overwritten: the schema reads, the stories do not."""
    shutil.copy(good, target)
    pages = _data_pages(good)
    with open(target, "r+b") as f:
        for page in pages[len(pages) // 2:]:
            f.seek((page - 1) * 4096)
            f.write(b"\xde\xad\xbe\xef" * 1024)


def truncated(good: Path, target: Path) -> None:
    target.write_bytes(good.read_bytes()[: good.stat().st_size // 3])


def text_file(good: Path, target: Path) -> None:
    target.write_text("Chapter one of my thesis.\n" * 40)


def png_file(good: Path, target: Path) -> None:
    target.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)


def foreign_sqlite(good: Path, target: Path) -> None:
    with closing(sqlite3.connect(target)) as conn:
        conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO recipes (name) VALUES ('soup')")
        conn.commit()


KINDS: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "damaged": (damaged, "is damaged"),
    "data-damaged": (data_damaged, "is damaged"),
    "truncated": (truncated, "is damaged"),
    "text": (text_file, "is not a SQLite database"),
    "png": (png_file, "is not a SQLite database"),
    "foreign": (foreign_sqlite, "is not a fic-mirror database"),
}

STORY = SITE_A + "viewstory.php?sid=20"
COMMANDS = {
    "status": ["status"],
    "status-json": ["status", "--json"],
    **{f"export-{fmt}": ["export", fmt, "--out", "{out}/export"]
       for fmt in ("jsonl", "txt", "epub", "csv", "html", "opendoors")},
    "verify": ["verify", "--warc", "{out}"],
    "verify-latest": ["verify"],
    "reparse": ["reparse", "--warc", "{out}"],
    "history": ["history", STORY],
    "db-current": ["db", "current"],
    "db-upgrade": ["db", "upgrade"],
    "db-check": ["db", "check"],
}


def _folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in path.parent.iterdir()}


def _one_line_error(err: str, *words: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("mirror: error: ")
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


# Data pages that a command does not read it cannot see: `db current` reads only the schema, and
# `verify` without --warc first looks for the crawl's WARC folder (db check, crawl, db upgrade,
# reparse and verify run SQLite's quick_check first).
UNSEEN = {("data-damaged", "db-current"), ("data-damaged", "verify-latest")}


@pytest.mark.parametrize("kind, command", [(k, c) for c in COMMANDS for k in KINDS if (k, c) not in UNSEEN])
def test_every_command_names_a_bad_database_in_one_line_and_leaves_it_alone(
        good: Path, tmp_path: Path, capsys, kind: str, command: str) -> None:
    make, problem = KINDS[kind]
    path = tmp_path / "db" / "mirror.sqlite"
    path.parent.mkdir()
    make(good, path)
    before = _folder(path)
    (tmp_path / "out").mkdir()
    args = [a.replace("{out}", str(tmp_path / "out")) for a in COMMANDS[command]]

    code = main([*args, "--db", f"sqlite:///{path}"])

    captured = capsys.readouterr()
    assert code == 2, captured
    _one_line_error(captured.err, str(path), problem)
    assert _folder(path) == before  # not a byte changed, no backup, no journal left behind
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("kind", ["damaged", "text", "foreign"])
def test_debug_still_shows_the_traceback(good: Path, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "mirror.sqlite"
    KINDS[kind][0](good, path)
    with pytest.raises(StorageError, match=KINDS[kind][1]):
        main(["--debug", "status", "--db", f"sqlite:///{path}"])


@pytest.mark.parametrize("kind", ["data-damaged", "png", "foreign"])
def test_a_crawl_refuses_a_bad_database_before_any_request(good: Path, tmp_path: Path, kind: str) -> None:
    make, problem = KINDS[kind]
    path = tmp_path / "mirror.sqlite"
    make(good, path)
    before = _folder(path)
    with SampleArchive() as site:
        proc = subprocess.run([sys.executable, "-m", "mirror", "crawl", site.base_url, "--delay", "0",
                               "--db", f"sqlite:///{path}"], capture_output=True, text=True, timeout=120,
                              cwd=tmp_path)
        requests = site.request_log()
    assert proc.returncode == 2, proc.stderr
    line = _one_line_error(proc.stderr, str(path), problem)
    assert len(line) < 600 and "[SQL:" not in line and "INSERT" not in line
    assert requests == []
    assert _folder(path) == before


def test_scrapy_crawl_refuses_a_damaged_database_before_any_request(good: Path, tmp_path: Path) -> None:
    """`scrapy crawl` does not go through `mirror crawl`'s check: the site lock checks first."""
    path = tmp_path / "mirror.sqlite"
    data_damaged(good, path)  # the stories' pages: the lock's table still reads
    before = _folder(path)
    root = Path(__file__).resolve().parent.parent
    with SampleArchive() as site:
        proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "efiction", "-a", f"url={site.base_url}",
                               "-s", f"MIRROR_DATABASE_URL=sqlite:///{path}", "-s", "DOWNLOAD_DELAY=0",
                               "-s", "MIRROR_PROGRESS=off"], capture_output=True, text=True, timeout=120, cwd=root)
        requests = site.request_log()
    assert requests == []
    assert "(database_error)" in proc.stderr and "is damaged" in proc.stderr, proc.stderr[-3000:]
    assert _folder(path) == before  # no run recorded, nothing written


@pytest.mark.parametrize("command", [
    ["status"], ["export", "jsonl"], ["export", "html", "--out", "{out}/html"], ["history", STORY],
    ["verify", "--warc", "{out}"], ["verify"], ["reparse", "--warc", "{out}"], ["db", "current"],
    ["db", "check"],
], ids=lambda c: "-".join(c[:2]).replace("{out}", "").strip("-/"))
def test_a_database_file_that_does_not_exist_is_said_so_and_not_created(
        tmp_path: Path, capsys, command: list[str]) -> None:
    path = tmp_path / "typo.sqlite"
    args = [a.replace("{out}", str(tmp_path)) for a in command]
    assert main([*args, "--db", f"sqlite:///{path}"]) == 2
    captured = capsys.readouterr()
    _one_line_error(captured.err, f"no database at {path}", "does not exist")
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_crawl_still_creates_a_new_database(tmp_path: Path, good: Path) -> None:
    path = tmp_path / "new.sqlite"
    check_database(f"sqlite:///{path}")  # what `mirror crawl` does before its first request
    assert main(["db", "check", "--db", f"sqlite:///{path}"]) == 0
    check_database(f"sqlite:///{good}")  # and a good database passes as it is


def test_db_check_passes_a_good_sqlite_database(good: Path, capsys) -> None:
    before = good.read_bytes()
    assert main(["db", "check", "--db", f"sqlite:///{good}"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"{good}: ok (SQLite's integrity_check: every page, index and constraint checked); "
                   f"schema: {head_revision()} (current)"]
    assert good.read_bytes() == before


def test_db_check_lists_the_damage_and_exits_2(good: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "mirror.sqlite"
    data_damaged(good, path)
    before = path.read_bytes()
    assert main(["db", "check", "--db", f"sqlite:///{path}"]) == 2
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert out[0] == f"{path}: SQLite's integrity_check found problems:"
    assert 1 < len(out) <= 12 and any("Page " in line for line in out[1:]), out
    _one_line_error(captured.err, str(path), "is damaged", "restore a backup")
    assert path.read_bytes() == before


def test_db_check_on_postgresql_reads_every_table(tmp_path: Path, capsys) -> None:
    with database("postgresql", tmp_path) as url:
        with Store(url) as store:
            store.upsert_story(make_story(1, chapters=2))
        assert main(["db", "check", "--db", url]) == 0
        out = capsys.readouterr().out.strip()
    found = re.fullmatch(r"(.+): ok \(PostgreSQL: connected; every row of its (\d+) fic-mirror tables "
                         r"read, (\d+) rows\); schema: (\w+) \(current\)", out)
    assert found, out
    assert int(found[2]) >= 20 and int(found[3]) > 3 and found[4] == head_revision()


def test_db_upgrade_never_overwrites_an_existing_backup(tmp_path: Path, capsys) -> None:
    path = tmp_path / "old.sqlite"
    upgrade(f"sqlite:///{path}", "0001")  # a database an older fic-mirror made
    now = dt.datetime.now(dt.timezone.utc)
    mine = {}
    for seconds in range(0, 5):  # the backup's name is the UTC second: a file there already
        stamp = (now + dt.timedelta(seconds=seconds)).strftime("%Y%m%dT%H%M%SZ")
        name = f"old.sqlite.0001-{stamp}.bak"
        (tmp_path / name).write_text("the user's own file\n")
        mine[name] = "the user's own file\n"
    assert main(["db", "upgrade", "--db", f"sqlite:///{path}"]) == 0
    for name, text in mine.items():
        assert (tmp_path / name).read_text() == text
    made = [p for p in tmp_path.glob("old.sqlite.0001-*.bak") if p.name not in mine]
    assert len(made) == 1 and f"backup: {made[0]}" in capsys.readouterr().out
    with closing(sqlite3.connect(made[0])) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_another_programs_alembic_database_is_foreign(tmp_path: Path, capsys) -> None:
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('ae1027a6acf')")
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        conn.commit()
    before = path.read_bytes()
    assert main(["db", "upgrade", "--db", f"sqlite:///{path}"]) == 2
    _one_line_error(capsys.readouterr().err, str(path), "is not a fic-mirror database", "invoices")
    assert path.read_bytes() == before


def test_an_empty_alembic_version_table_is_still_ours(tmp_path: Path) -> None:
    """fic-mirror's own database downgraded to nothing keeps an empty alembic_version: not foreign."""
    path = tmp_path / "m.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    assert upgrade(f"sqlite:///{path}").to_revision == head_revision()


def test_sync_all_refuses_a_damaged_database_once_before_any_crawl(good: Path, tmp_path: Path) -> None:
    path = tmp_path / "db" / "mirror.sqlite"
    path.parent.mkdir()
    data_damaged(good, path)
    before = _folder(path)
    sites = tmp_path / "config" / "sites"
    sites.mkdir(parents=True)
    with SampleArchive() as one, SampleArchive() as two:
        for name, site in (("one", one), ("two", two)):
            (sites / f"{name}.toml").write_text(f'base_url = "{site.base_url}"\n', encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "mirror", "sync-all", "--db", f"sqlite:///{path}",
                               "--config-dir", str(tmp_path / "config"), "--", "--delay", "0"],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
        requests = one.request_log() + two.request_log()
    assert proc.returncode == 2, proc.stderr
    _one_line_error(proc.stderr, str(path), "is damaged")
    assert proc.stdout == "" and requests == []
    assert _folder(path) == before
