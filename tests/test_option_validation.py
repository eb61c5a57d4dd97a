"""Command-line options are checked as site profiles are, before any request; typos get a
"did you mean"; the shipped example profile is never a site.

The crawl cases run `mirror crawl` against the real sample archive on 127.0.0.1 and check that it
was never asked for anything, and that no database was made.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import mirror.settings
from mirror.crawl import run_crawl
from mirror.options import OptionError, check_crawl_options, known_settings
from mirror.profiles import load_profiles
from mirror.sample import SampleArchive
from tests.test_crawl_sample import ROOT


def run(*args: str, cwd: Path):
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("MIRROR_DATABASE_URL", "MIRROR_CONFIG_DIR", "MIRROR_BROKER_URL"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "mirror", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def site():
    with SampleArchive() as archive:
        yield archive


@pytest.mark.parametrize("options, message", [
    (["--encoding", "utf-99"],
     "--encoding: 'utf-99' is not a known encoding (e.g. \"utf-8\", \"windows-1252\", or \"auto\")"),
    (["--date-format", "x/y/z"], "--date-format: date format 'x/y/z' has no day and no month"),
    (["--date-format", "d/m"], "--date-format: date format 'd/m' has no year"),
    (["-s", "DOWNLOAD_DELAYY=1"], "-s DOWNLOAD_DELAYY: no such setting; did you mean DOWNLOAD_DELAY?"),
    (["-s", "MIRROR_REVEIWS=0"], "-s MIRROR_REVEIWS: no such setting; did you mean MIRROR_REVIEWS?"),
    (["--dealy", "1"], "unrecognized arguments: --dealy 1; did you mean --delay?"),
    (["--date-fromat=d/m/y"], "unrecognized arguments: --date-fromat=d/m/y; did you mean --date-format?"),
])
def test_a_wrong_crawl_option_is_one_line_before_any_request(site, tmp_path, options, message):
    db = tmp_path / "x.sqlite"
    result = run("crawl", site.base_url, "--db", f"sqlite:///{db}", "--delay", "0", *options, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("mirror: error: ") and message in line, line
    assert site.requests == [] and not db.exists()


def test_run_crawl_checks_its_arguments_too(site, tmp_path):
    db = tmp_path / "x.sqlite"
    with pytest.raises(OptionError, match="--encoding: 'latin-99'"):
        run_crawl(site.base_url, db_url=f"sqlite:///{db}", encoding="latin-99")
    with pytest.raises(OptionError, match="-s DOWNLOAD_TIMEOUTS: no such setting; did you mean DOWNLOAD_TIMEOUT"):
        run_crawl(site.base_url, db_url=f"sqlite:///{db}", extra_settings={"DOWNLOAD_TIMEOUTS": "3"})
    assert site.requests == [] and not db.exists()


def test_good_options_pass():
    check_crawl_options(date_format="auto", encoding="auto", settings=())
    check_crawl_options(date_format="l, jS F Y", encoding="windows-1252",
                        settings=["DOWNLOAD_DELAY", "CLOSESPIDER_TIMEOUT", "LOG_FILE"])
    ours = {name for name in vars(mirror.settings) if name.isupper()}
    assert ours <= known_settings()
    check_crawl_options(settings=sorted(ours))


@pytest.mark.parametrize("argv, message", [
    (["stauts"], "invalid choice: 'stauts' (choose from "),
    (["db", "upgrade", "--revison", "head"], "unrecognized arguments: --revison head; did you mean --revision?"),
    (["export", "htm"], "invalid choice: 'htm' (choose from "),
])
def test_typos_in_any_command_get_a_suggestion(argv, message, tmp_path):
    result = run(*argv, cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("mirror: error: ") and message in line, line
    assert "did you mean" in line and line.endswith("--help)")


def test_the_example_profile_is_never_a_site(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./config: the project's config/ is the one read
    monkeypatch.delenv("MIRROR_CONFIG_DIR", raising=False)
    assert (ROOT / "config" / "sites" / "example.toml.sample").is_file()
    assert [p for p in load_profiles() if p.name == "example" or "example.org" in p.base_url] == []
    sites = tmp_path / "config" / "sites"  # a profile of one's own beside a copy of the example
    sites.mkdir(parents=True)
    (sites / "example.toml.sample").write_text((ROOT / "config/sites/example.toml.sample").read_text("utf-8"), "utf-8")
    (sites / "mine.toml").write_text('base_url = "http://127.0.0.1:9/fiction/"\n', "utf-8")
    assert [p.name for p in load_profiles()] == ["mine"]


def test_sync_all_on_a_fresh_install_says_how_to_make_a_profile(tmp_path):
    # --db nosuchdb://: were the example loaded, its crawl would fail on the database, never on the network
    result = run("sync-all", "--db", "nosuchdb://x", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    sites = ROOT / "config" / "sites"
    assert result.stderr.strip() == (f"mirror: no site profiles in {sites} yet: write one with `mirror probe URL "
                                     f"--write {sites / 'NAME.toml'}` (config/sites/example.toml.sample "
                                     "documents every key)")


def test_enqueue_all_does_not_queue_the_example(tmp_path):
    # a broker nobody listens on: nothing may be sent, the refusal comes first
    result = run("enqueue", "--all", "--broker", "redis://127.0.0.1:9/0", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("mirror: error: no site profiles in ")
