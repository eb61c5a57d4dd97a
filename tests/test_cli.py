"""The command line: thin, with one clear line and a non-zero exit for user mistakes."""

from __future__ import annotations

import re
import sys

import pytest

from mirror.cli import main
from tests.test_crawl_sample import ROOT, run


# argument mistakes, refused before anything is stored: the one database URL is a dummy (SQLite)
@pytest.mark.parametrize("argv, message", [
    (["crawl", "not a url"], "is not an http(s) URL"),
    (["crawl", "ftp://example.org/fiction/"], "is not an http(s) URL"),
    (["crawl", "http://127.0.0.1:9/", "--db", "nosuchdb://x"], "nosuchdb"),
    (["crawl", "http://127.0.0.1:9/", "--delay", "-3"], "--delay"),
    (["crawl", "http://127.0.0.1:9/", "-s", "MIRROR_STORE_PROCESSES=lots"], "MIRROR_STORE_PROCESSES must be"),
    (["export", "jsonl", "--db", "sqlite:///x.sqlite", "--out", "/nonexistent/dir/out.jsonl"],
     "cannot write /nonexistent/dir/out.jsonl"),
])
def test_user_errors_are_one_clear_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.sqlite").touch()  # an empty database exists: what is wrong is the argument
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mirror: error:") and message in err[0]
    assert "Traceback" not in "\n".join(err)


def test_debug_shows_the_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError):
        main(["--debug", "crawl", "not a url"])


def test_unknown_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["crawl", "http://127.0.0.1:9/", "--frobnicate"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --frobnicate" in capsys.readouterr().err


def test_demo_runs_offline_and_writes_its_files(tmp_path):
    # SQLite only: the demo's point is a mirror-demo.sqlite file beside its JSONL, no server needed
    result = run(sys.executable, "-m", "mirror", "demo", "--delay", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mirror-demo.sqlite").exists()
    lines = (tmp_path / "mirror-demo.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 25
    out = result.stdout
    assert re.search(r"stories:\s+25 \(1 members-only", out)
    assert re.search(r"chapters:\s+\d+", out) and re.search(r"words:\s+\d+", out)
    assert re.search(r"[\d.]+ per story", out) and re.search(r"time:\s+[\d.]+ s", out)
    # every request accounted for: story pages, listing pages, the other records, robots.txt
    total, per_story, listing, other = map(float, re.search(
        r"requests:\s+(\d+) in all, ([\d.]+) per story \(\+ (\d+) listing pages, (\d+) for series", out).groups())
    assert total == round(per_story * 25) + listing + other + 1


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_screen = text.split("\n---\n")[0]
    return re.findall(r"```sh\n(.+?)\n```", first_screen)


def test_readme_first_screen_has_exactly_two_commands_and_ci_runs_the_second():
    commands = readme_commands()
    assert len(commands) == 2
    demo, tests = commands
    assert demo.endswith("mirror demo") and "pip install" in demo
    assert "pytest" in tests and "pip install" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_readme_documents_every_jsonl_key():
    from mirror.export.jsonl import CHAPTER_KEYS, STORY_KEYS

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for key in [*STORY_KEYS, *CHAPTER_KEYS]:
        assert f'`{key}`' in text or f'"{key}"' in text, key


def test_unreachable_host_is_one_line(tmp_path):
    # SQLite only: the crawl stops before it stores anything (the database gets its empty schema)
    result = run(sys.executable, "-m", "mirror", "crawl", "http://127.0.0.1:9/fiction/", "--db",
                 f"sqlite:///{tmp_path / 'x.sqlite'}", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == ("mirror: error: cannot reach 127.0.0.1:9 (Connection refused); "
                                     "check the address and your connection")


def test_a_site_that_is_not_efiction(db, tmp_path):
    from mirror.sample import SampleArchive
    from mirror.sample.faults import anything, on
    from mirror.sample.server import Response

    page = Response(200, b"<html><head><title>My blog</title></head><body><p>Hello.</p></body></html>",
                    "text/html; charset=utf-8")
    with SampleArchive() as site:
        site.faults.append(on(anything(), lambda req: page))
        result = run(sys.executable, "-m", "mirror", "crawl", site.base_url, "--db", db, "--delay", "0",
                     "--log-level", "WARNING", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "does not look like an eFiction archive" in result.stderr
    assert "Traceback" not in result.stderr
