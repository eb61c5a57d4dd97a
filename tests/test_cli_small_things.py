"""The small things a person meets on the command line: a reader that stops reading (`| head`)
ends the command quietly; `probe --write` checks its target before asking the site anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mirror.sample import SampleArchive
from mirror.storage import Store
from tests.storage_fixtures import make_story


@pytest.fixture(scope="module")
def many_stories(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("pipe") / "m.sqlite"
    url = f"sqlite:///{path}"
    with Store(url) as store:
        store.create_schema()
        for sid in range(1, 61):
            store.upsert_story(make_story(sid, chapters=3))
    return url


def test_a_reader_that_stops_reading_ends_the_command_quietly(many_stories: str) -> None:
    # `mirror export jsonl | head -c 100`: the reader goes away after 100 bytes
    proc = subprocess.Popen([sys.executable, "-m", "mirror", "export", "jsonl", "--db", many_stories],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""  # no "Broken pipe" error line, no "Exception ignored" from the flush at exit


def mirror(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mirror", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.mark.parametrize("target", ["existing", "folder"])
def test_probe_write_checks_its_target_before_any_request(tmp_path: Path, target: str) -> None:
    (tmp_path / "existing.toml").write_text("a profile of the user's\n")
    (tmp_path / "folder").mkdir()
    path = tmp_path / ("existing.toml" if target == "existing" else "folder")
    with SampleArchive() as archive:
        proc = mirror("probe", archive.base_url, "--delay", "0", "--write", str(path), cwd=tmp_path)
        requests = archive.request_log()
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mirror: error: ") and str(path) in lines[0]
    assert requests == []  # the site was not asked anything
    assert (tmp_path / "existing.toml").read_text() == "a profile of the user's\n"


@pytest.mark.parametrize("command", [
    ["status", "--site", "http://elsewhere.example/"],
    ["verify", "--warc", "{tmp}", "--site", "http://elsewhere.example/"],
    ["reparse", "--warc", "{tmp}", "--site", "http://elsewhere.example/"],
    ["reparse", "--warc", "{tmp}", "--story", "999"],
])
def test_a_selection_that_matches_nothing_says_so(many_stories: str, tmp_path: Path, command: list[str]) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    proc = mirror(*args, "--db", many_stories, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mirror: the database holds no "), lines
    assert proc.stdout == ""


def test_a_site_given_without_its_slash_is_found(many_stories: str, tmp_path: Path) -> None:
    from tests.storage_fixtures import SITE_A

    proc = mirror("status", "--site", SITE_A.rstrip("/"), "--db", many_stories, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert SITE_A in proc.stdout


@pytest.mark.parametrize("selection", [["--site", "http://elsewhere.example/"], ["--story", "999"]])
def test_an_export_that_matches_nothing_says_so_and_writes_nothing(many_stories: str, tmp_path: Path,
                                                                   selection: list[str]) -> None:
    proc = mirror("export", "html", "--db", many_stories, "--out", str(tmp_path / "site"), *selection, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("mirror: the database holds no ") and proc.stderr.count("\n") == 1
    assert not (tmp_path / "site").exists()


def test_one_story_is_one_story(many_stories: str, tmp_path: Path) -> None:
    proc = mirror("export", "txt", "--db", many_stories, "--out", str(tmp_path / "t"), "--story", "3", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("exported 1 story as txt to ")
