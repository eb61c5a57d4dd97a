"""An export writes only what it owns: it never deletes, overwrites or renames a user's files.

Real files in ``tmp_path``, a real SQLite database of stored stories, and the real ``mirror``
command for what the user sees (one line, exit 2).
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from mirror.cli import main
from mirror.export.common import ExportFilter
from mirror.export.manifest import MANIFEST, ExportRefused, check_file_target, read_manifest
from mirror.export.run import export
from mirror.storage import Store
from tests.storage_fixtures import SITE_A, SITE_B, database, make_story
from tests.test_crawl_sample import run

FOLDER_FORMATS = ("txt", "epub", "csv", "html", "opendoors")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    with database("sqlite", tmp_path_factory.mktemp("db")) as url:
        store = Store(url)
        for sid in (1, 2, 3):
            store.upsert_story(make_story(sid))
        store.close()
        yield url


@pytest.fixture
def store(db: str):
    s = Store(db)
    yield s
    s.close()


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root`` (not following links): a file's bytes, a link's target, '<dir>'."""
    out: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            out[rel] = (f"-> {os.readlink(path)}" if path.is_symlink()
                        else "<dir>" if path.is_dir() else path.read_bytes())
    return out


def user_folder(path: Path) -> Path:
    """A folder with a user's work in it: a file, a sub-folder with a file, an empty sub-folder."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "thesis.tex").write_text("\\chapter{Seven years of work}\n")
    (path / "notes").mkdir()
    (path / "notes" / "draft.md").write_text("# ideas\n")
    (path / "empty").mkdir()
    return path


def mirror(*args: str, cwd: Path):
    """The real command, in a process of its own."""
    return run(sys.executable, "-m", "mirror", *args, cwd=cwd)


@pytest.fixture
def cli(capsys):
    """``mirror ARGS`` in this process: (exit code, what it printed on standard error)."""
    def call(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(args))
        return code, capsys.readouterr().err
    return call


def manifest_files(folder: Path) -> list[str]:
    return read_manifest(folder)["files"]


def on_disk(folder: Path) -> list[str]:
    return sorted(rel for rel, what in snapshot(folder).items() if what != "<dir>" and rel != MANIFEST)


# ---------------------------------------------------------------- foreign content is refused


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_folder_with_foreign_files_is_refused_and_untouched(store, tmp_path, fmt):
    out = user_folder(tmp_path / "out")
    before = snapshot(tmp_path)
    with pytest.raises(ExportRefused) as refused:
        export(store, fmt, str(out))
    message = str(refused.value)
    assert str(out) in message and "empty/" in message and "notes/" in message and "thesis.tex" in message
    assert "\n" not in message
    assert snapshot(tmp_path) == before  # nothing written, renamed or removed, no .old, no temporary


def test_foreign_entries_nested_in_an_earlier_export(store, tmp_path):
    out = tmp_path / "site"
    export(store, "html", str(out))
    (out / "stories" / "my-notes.txt").write_text("mine")
    with pytest.raises(ExportRefused, match=r"stories/my-notes\.txt"):
        export(store, "html", str(out))
    assert (out / "stories" / "my-notes.txt").read_text() == "mine"
    export(store, "html", str(out), force=True)
    assert (out / "stories" / "my-notes.txt").read_text() == "mine"
    assert "stories/my-notes.txt" not in manifest_files(out)


def test_empty_and_missing_folders_are_fine(store, tmp_path):
    (tmp_path / "empty").mkdir()
    export(store, "csv", str(tmp_path / "empty"))
    export(store, "csv", str(tmp_path / "new" / "deeper"))
    for folder in (tmp_path / "empty", tmp_path / "new" / "deeper"):
        assert on_disk(folder) == ["chapters.csv", "stories.csv"] == manifest_files(folder)
        assert read_manifest(folder)["format"] == "csv" and read_manifest(folder)["complete"] is True
    assert sorted(os.listdir(tmp_path)) == ["empty", "new"]  # no temporary folder left beside


def test_the_current_folder_with_a_users_files(db, tmp_path, cli, monkeypatch):
    work = user_folder(tmp_path / "work")
    before = snapshot(work)
    done = mirror("export", "html", "--db", db, "--out", ".", cwd=work)  # the real command
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mirror: error: --out . holds"), done.stderr
    assert "thesis.tex" in lines[0] and "--force" in lines[0]
    monkeypatch.chdir(work)
    for fmt in ("csv", "opendoors", "txt", "epub"):
        code, err = cli("export", fmt, "--db", db, "--out", ".")
        assert code == 2 and err.startswith("mirror: error: --out . holds") and err.count("\n") == 1, err
    assert snapshot(work) == before
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    code, err = cli("export", "html", "--db", db, "--out", ".")
    assert code == 0, err
    assert (empty / "index.html").is_file() and (empty / MANIFEST).is_file()
    assert not [name for name in os.listdir(empty) if name.endswith(".part")]


# ---------------------------------------------------------------- an existing file


@pytest.mark.parametrize("fmt", ("html", "csv", "opendoors", "txt", "epub"))
def test_folder_export_onto_an_existing_file_is_refused(db, tmp_path, fmt, cli):
    precious = tmp_path / "precious.doc"
    precious.write_bytes(b"the only copy")
    for force in ((), ("--force",)):
        code, err = cli("export", fmt, "--db", db, "--out", str(precious), *force)
        assert code == 2 and err.count("\n") == 1, err
        assert f"mirror: error: --out {precious} is a file, not a folder" in err
    assert os.listdir(tmp_path) == ["precious.doc"] and precious.read_bytes() == b"the only copy"


def test_jsonl_replaces_only_an_earlier_jsonl_export(db, tmp_path, cli):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    code, err = cli("export", "jsonl", "--db", db, "--out", str(notes))
    assert code == 2 and err.count("\n") == 1, err
    assert "is not an earlier jsonl export of stories" in err and "--force" in err
    assert notes.read_text() == "my notes\n" and os.listdir(tmp_path) == ["notes.txt"]

    dump = tmp_path / "all.jsonl"
    assert cli("export", "jsonl", "--db", db, "--out", str(dump))[0] == 0
    first = dump.read_bytes()
    code, err = cli("export", "jsonl", "--db", db, "--out", str(dump), "--story", "1")
    assert code == 0, err  # an earlier export of stories: replaced
    assert len(dump.read_text().splitlines()) == 1 and first.startswith(dump.read_bytes())
    code, err = cli("export", "jsonl", "--kind", "authors", "--db", db, "--out", str(dump))
    assert code == 2 and "not an earlier jsonl export of authors" in err
    empty = tmp_path / "authors.jsonl"
    empty.write_text("")  # an empty file: what an export of nothing writes
    assert cli("export", "jsonl", "--kind", "authors", "--db", db, "--out", str(empty))[0] == 0

    code, err = cli("export", "jsonl", "--db", db, "--out", str(notes), "--force")
    assert code == 0, err
    assert json.loads(notes.read_text().splitlines()[0])["story_id"] == 1
    assert sorted(os.listdir(tmp_path)) == ["all.jsonl", "authors.jsonl", "notes.txt"]  # nothing hidden as .old


def test_wacz_replaces_only_an_earlier_wacz(tmp_path):
    ours, theirs = tmp_path / "ours.wacz", tmp_path / "theirs.wacz"
    for path, software in ((ours, "fic-mirror 0.1.0"), (theirs, "other-tool 2")):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("datapackage.json", json.dumps({"software": software}))
    check_file_target(ours, "wacz")
    with pytest.raises(ExportRefused, match="not an earlier wacz export"):
        check_file_target(theirs, "wacz")
    check_file_target(theirs, "wacz", force=True)
    with pytest.raises(ExportRefused, match="is a folder"):
        check_file_target(tmp_path, "wacz", force=True)


# ---------------------------------------------------------------- symbolic links


def test_a_symlinked_out_is_refused(store, tmp_path):
    real = user_folder(tmp_path / "real")
    (tmp_path / "link").symlink_to(real)
    before = snapshot(real)
    for fmt, out in (("html", "link"), ("txt", "link"), ("jsonl", "link")):
        for force in (False, True):
            with pytest.raises(ExportRefused, match="is a symbolic link"):
                export(store, fmt, str(tmp_path / out), force=force)
    (tmp_path / "dump.jsonl").symlink_to(real / "thesis.tex")
    with pytest.raises(ExportRefused, match="is a symbolic link"):
        export(store, "jsonl", str(tmp_path / "dump.jsonl"), force=True)
    assert snapshot(real) == before and sorted(os.listdir(tmp_path)) == ["dump.jsonl", "link", "real"]
    assert (tmp_path / "link").is_symlink() and (tmp_path / "dump.jsonl").is_symlink()


def test_links_inside_the_folder_are_never_followed(store, tmp_path):
    outside = user_folder(tmp_path / "outside")
    out = tmp_path / "site"
    export(store, "html", str(out))
    (out / "notes-link").symlink_to(outside)  # a foreign entry: refused, kept with --force
    with pytest.raises(ExportRefused, match="notes-link"):
        export(store, "html", str(out))
    export(store, "html", str(out), force=True)
    assert (out / "notes-link").is_symlink()

    # the export's own sub-folder replaced by a link to a folder holding files of the same names
    for path in (out / "stories").iterdir():
        (outside / path.name).write_text("user's file named like an export file")
    os.rename(out / "stories", tmp_path / "moved-stories")
    (out / "stories").symlink_to(outside)
    before = snapshot(outside)
    for force in (False, True):
        with pytest.raises(ExportRefused, match="stories"):
            export(store, "html", str(out), force=force)
    export(store, "csv", str(tmp_path / "csv"))
    assert snapshot(outside) == before

    # a manifest naming a path outside the folder is not trusted: nothing outside is removed
    (tmp_path / "csv" / MANIFEST).write_text(json.dumps(
        {"tool": "fic-mirror", "format": "csv", "files": ["../outside/thesis.tex", "stories.csv"]}))
    assert read_manifest(tmp_path / "csv") is None
    for force in (False, True):  # its files are not known to be the export's: not overwritten either
        with pytest.raises(ExportRefused, match="chapters.csv"):
            export(store, "csv", str(tmp_path / "csv"), force=force)
    assert snapshot(outside) == before and (tmp_path / "csv" / "stories.csv").is_file()


# ---------------------------------------------------------------- earlier exports


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_an_earlier_export_is_replaced(store, tmp_path, fmt):
    out = tmp_path / "out"
    export(store, fmt, str(out))
    everything = on_disk(out)
    assert everything == manifest_files(out) and everything
    export(store, fmt, str(out), ExportFilter(story_ids=(1,)))
    assert on_disk(out) == manifest_files(out)
    if fmt in ("txt", "epub"):  # one file per story: the others' files are removed
        assert len(on_disk(out)) == 1 and len(everything) == 3
    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_html_reexport_removes_folders_it_emptied(store, tmp_path):
    out = tmp_path / "site"
    export(store, "html", str(out))
    story_dirs = sorted(p.name for p in (out / "stories").iterdir())
    assert len(story_dirs) == 3
    export(store, "html", str(out), ExportFilter(story_ids=(2,)))
    assert len(list((out / "stories").iterdir())) == 1  # the other stories' folders are gone
    assert on_disk(out) == manifest_files(out)


def test_another_formats_export_is_refused_even_with_force(store, tmp_path):
    out = tmp_path / "out"
    export(store, "csv", str(out))
    before = snapshot(out)
    for force in (False, True):
        with pytest.raises(ExportRefused, match=r"holds a csv export .*export html into another folder"):
            export(store, "html", str(out), force=force)
    assert snapshot(out) == before


def test_force_keeps_foreign_files(store, tmp_path):
    out = user_folder(tmp_path / "out")
    export(store, "html", str(out), force=True)
    assert (out / "thesis.tex").read_text().startswith("\\chapter") and (out / "notes" / "draft.md").is_file()
    assert (out / "empty").is_dir() and (out / "index.html").is_file()
    assert not set(manifest_files(out)) & {"thesis.tex", "notes/draft.md"}
    export(store, "html", str(out), ExportFilter(story_ids=(3,)), force=True)  # again: replaces its own
    assert (out / "thesis.tex").is_file() and (out / "notes" / "draft.md").is_file() and (out / "empty").is_dir()
    assert sorted(set(on_disk(out)) - set(manifest_files(out))) == ["notes/draft.md", "thesis.tex"]


def test_force_never_overwrites_a_foreign_file(store, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("my own home page")
    with pytest.raises(ExportRefused, match="index.html would be overwritten"):
        export(store, "html", str(out), force=True)
    assert os.listdir(out) == ["index.html"] and (out / "index.html").read_text() == "my own home page"


def test_a_failed_export_keeps_the_earlier_one(tmp_path):
    with database("sqlite", tmp_path) as url:
        s = Store(url)
        try:
            s.upsert_story(make_story(1))
            export(s, "opendoors", str(tmp_path / "od"))
            before = snapshot(tmp_path / "od")
            s.upsert_story(make_story(2, site=SITE_B))  # two sites: opendoors fails part way
            with pytest.raises(ValueError, match="choose one with --site"):
                export(s, "opendoors", str(tmp_path / "od"))
            assert snapshot(tmp_path / "od") == before
            export(s, "opendoors", str(tmp_path / "od"), ExportFilter(site=SITE_A))
        finally:
            s.close()


def test_an_interrupted_install_is_still_recognised(store, tmp_path):
    """The manifest written before files move names both exports' files (complete: false): the
    next export replaces them all."""
    out = tmp_path / "out"
    export(store, "txt", str(out))
    data = read_manifest(out)
    (out / "000099-half-moved.txt").write_text("from the interrupted export")
    data.update(complete=False, files=data["files"] + ["000099-half-moved.txt"])
    (out / MANIFEST).write_text(json.dumps(data))
    export(store, "txt", str(out))
    assert not (out / "000099-half-moved.txt").exists() and read_manifest(out)["complete"] is True
