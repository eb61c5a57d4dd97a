"""What a person sees of a crawl: the progress display and the summary, nothing else (the log goes
to a file beside the database, or to the terminal with -v / --log-level); honest progress figures;
the exit codes the README's table gives."""

from __future__ import annotations

import fcntl
import logging
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from mirror.cli import main
from mirror.crawl import CrawlResult, log_beside
from mirror.progress import figures, is_notice
from mirror.sample import SampleArchive
from mirror.sample.faults import listing, on, status
from tests.test_crawl_sample import ROOT, run

LISTED = 25  # the sample's listed stories: 10 a page, so its first page links offsets 0, 10 and 20
CRAWL = ("--delay", "0.05", "-s", "MIRROR_PROGRESS_INTERVAL=0.2")


def crawl(site: SampleArchive, db: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    return run(sys.executable, "-m", "mirror", "crawl", site.base_url, "--db", db, *CRAWL, *extra, cwd=cwd)


# --- the figures, from the stats -------------------------------------------------------------------

def test_the_total_is_what_the_listing_shows_about_until_its_last_page_is_read():
    # the first of three listing pages read: 10 stories found, the pages say about 30
    first = {"mirror/stories/discovered": 10, "mirror/stories/stored": 4, "mirror/listing/pages_known": 3,
             "mirror/listing/pages_read": 1, "mirror/listing/stories_shown": 30}
    stories = figures(first).stories
    assert (stories.done, stories.total, stories.estimate, stories.count) == (4, 30, True, "4/about 30")
    # the last page read (it shows 5): the total is counted, no longer an estimate
    last = {**first, "mirror/stories/discovered": 25, "mirror/stories/stored": 20,
            "mirror/listing/pages_read": 3, "mirror/listing/stories_shown": 25}
    assert figures(last).stories.count == "20/25"
    # before any listing page: no total (never 0/0 or 100 %)
    assert figures({}).stories.total is None and figures({}).stories.count == "0"


def test_each_phase_has_its_own_count_and_the_stories_done_are_not_the_end():
    stats = {"mirror/stories/discovered": 25, "mirror/stories/stored": 25, "mirror/listing/pages_known": 3,
             "mirror/listing/pages_read": 3, "mirror/reviews/requested": 21, "mirror/reviews/items_stored": 7,
             "mirror/authors/requested": 8, "mirror/authors/stored": 5, "mirror/authors/failed": 1,
             "mirror/series/requested": 4, "mirror/series/stored": 4, "downloader/request_count": 80}
    f = figures(stats, elapsed=40.0)
    assert [(p.name, p.count) for p in f.phases] == [
        ("stories", "25/25"), ("reviews", "7/21"), ("profiles", "6/8"), ("series", "4/4")]
    assert f.errors == 1
    assert f.eta is not None and f.eta > 0 and f.left  # reviews and profiles are still to come
    assert f.line() == ("progress: stories 25/25, reviews 7/21, profiles 6/8, series 4/4; "
                        "80 requests, 1 error; less than a minute left")
    done = {**stats, "mirror/reviews/items_stored": 21, "mirror/authors/stored": 7}
    assert figures(done, elapsed=50.0).eta is None and figures(done, elapsed=50.0).left == ""


def test_a_resumed_crawl_shows_the_whole_run():
    # 10 stories stored before the interruption; this run has read the first listing page (3 of
    # them on it, skipped) and stored 2 others
    stats = {"mirror/stories/discovered": 10, "mirror/stories/skipped_resumed": 3, "mirror/stories/stored": 2,
             "mirror/listing/pages_known": 3, "mirror/listing/pages_read": 1, "mirror/listing/stories_shown": 30}
    stories = figures(stats, done_before=10).stories
    assert (stories.done, stories.total, stories.estimate) == (12, 30, True)
    # the crawl finished: the stories found, and those done before, are all there are
    final = figures({**stats, "mirror/stories/stored": 7}, done_before=10, final=True).stories
    assert final.count == "17/17"


def test_only_the_warnings_a_person_can_act_on_reach_the_terminal():
    def record(name, level, msg):
        return logging.LogRecord(name, level, __file__, 1, msg, (), None)
    assert is_notice(record("mirror.extensions", logging.WARNING, "robots.txt is NOT obeyed in this crawl (%s)"))
    assert is_notice(record("efiction", logging.ERROR, "story %s not stored: %s failed after retries: %s"))
    assert not is_notice(record("pipelines.extract", logging.WARNING, "story %s (%s): %s"))
    assert not is_notice(record("scrapy.middleware", logging.WARNING, "Disabled %(clsname)s: %(eargs)s"))
    assert not is_notice(record("mirror.extensions", logging.INFO, "robots.txt is NOT obeyed"))


# --- the summary and the exit codes ----------------------------------------------------------------

def test_a_forced_shutdown_is_an_interruption():
    # a second Ctrl-C: Scrapy stops the reactor before it records a finish reason
    result = CrawlResult("http://127.0.0.1:9/fiction/", "sqlite:///m.sqlite", 3.0,
                         {"mirror/stories/stored": 4, "mirror/stories/discovered": 10})
    assert result.finish_reason == "shutdown" and result.exit_code == 130
    assert result.finish_message == ("interrupted: what was fetched is stored; run the same command "
                                     "again to resume")
    assert "finish reason: ?" not in result.summary() and "finish reason: shutdown" in result.summary()


def test_one_story_is_one_story():
    result = CrawlResult("http://127.0.0.1:9/fiction/", "sqlite:///m.sqlite", 1.0,
                         {"mirror/stories/stored": 1, "mirror/stories/new": 1, "finish_reason": "finished"},
                         log_file="/tmp/m.log")
    assert "http://127.0.0.1:9/fiction/: 1 story stored (1 new," in result.summary()
    assert "1 stories" not in result.summary() and result.summary().endswith("; log: /tmp/m.log")


def test_the_log_file_is_beside_the_database():
    assert log_beside("sqlite:////data/mirror.sqlite") == Path("/data/mirror.log")
    assert log_beside("sqlite:///sites/a.db") == Path("sites/a.log")
    assert log_beside("sqlite:////data/odd.log") == Path("/data/odd.log.log")
    assert log_beside("postgresql+psycopg://postgres@127.0.0.1/test") == Path("mirror.log")


def test_an_unwritable_log_file_is_one_line(tmp_path, capsys):
    with SampleArchive() as site:
        code = main(["crawl", site.base_url, "--db", f"sqlite:///{tmp_path / 'm.sqlite'}",
                     "-s", f"MIRROR_LOG_FILE={tmp_path / 'no' / 'such' / 'm.log'}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"mirror: error: cannot write the log file {tmp_path / 'no' / 'such' / 'm.log'}")


def test_a_listing_that_answers_404_is_not_an_efiction_archive(tmp_path):
    with SampleArchive() as site:
        site.faults.append(on(listing(), status(404)))
        result = run(sys.executable, "-m", "mirror", "crawl", site.base_url, "--db",
                     f"sqlite:///{tmp_path / 'm.sqlite'}", "--delay", "0", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"mirror: error: {site.base_url} is not an eFiction archive at this address: its story listing "
        f"{site.base_url}browse.php?type=titles&offset=0 answers HTTP 404; check the address"]


# --- a crawl without a terminal --------------------------------------------------------------------

def test_a_default_crawl_shows_progress_lines_and_the_summary_only(db, tmp_path):
    work = tmp_path / "work"  # the current folder, not the SQLite file's
    work.mkdir()
    with SampleArchive() as site:
        result = crawl(site, db, work)
    assert result.returncode == 0, result.stderr
    # beside the SQLite file (the db fixture's is mirror.sqlite), else in the current folder
    log = Path(db.removeprefix("sqlite:///")).with_suffix(".log") if db.startswith("sqlite") else work / "mirror.log"
    assert log.exists() and [p.name for p in work.iterdir()] == ([] if db.startswith("sqlite") else ["mirror.log"])
    summary = result.stdout.splitlines()
    assert summary == [f"{site.base_url}: {LISTED} stories stored ({LISTED} new, 0 changed, 0 unchanged, "
                       + summary[0].split(" new, 0 changed, 0 unchanged, ", 1)[1]]
    assert summary[0].endswith(f"; log: {log}") and "finish reason: finished" in summary[0]
    progress = result.stderr.splitlines()
    assert progress and all(re.fullmatch(r"progress: stories \d+(/(about )?\d+)?(, \w+ \d+/\d+)*; "
                                         r"\d+ requests?, \d+ errors?(; .* left)?", line) for line in progress), progress
    assert any(f"stories {n}/about 30" in line for line in progress for n in range(LISTED)), progress
    assert "[scrapy" not in result.stdout + result.stderr and "alembic" not in result.stderr
    text = log.read_text(encoding="utf-8")
    assert "[scrapy.core.engine] INFO: Spider opened" in text and "Dumping Scrapy stats" in text
    assert "[alembic.runtime.migration]" in text and "progress:" not in text


def test_verbose_puts_the_log_on_the_terminal(tmp_path):
    with SampleArchive() as site:
        result = crawl(site, f"sqlite:///{tmp_path / 'm.sqlite'}", tmp_path, "-v")
    assert result.returncode == 0, result.stderr
    assert "[scrapy.core.engine] INFO: Spider opened" in result.stderr
    assert "Dumping Scrapy stats" in result.stderr
    assert not (tmp_path / "m.log").exists() and "; log: " not in result.stdout


# --- a crawl on a terminal -------------------------------------------------------------------------

def run_on_terminal(*args: str, cwd: Path, timeout: float = 180) -> tuple[int, str]:
    """Run a command with a pseudo-terminal (120 columns) as its stdin, stdout and stderr; its exit
    code and everything it wrote."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "50"}
    env.pop("MIRROR_DATABASE_URL", None)
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    out, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the other end closed (Linux: EIO)
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    return proc.returncode, out.decode("utf-8", "replace")


def screen(raw: str) -> list[str]:
    """The lines a terminal shows after ``raw`` (carriage return, new line, erase line, cursor up;
    other escape sequences ignored; no wrapping)."""
    rows, row, col = [[]], 0, 0
    for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|\r|\n|[^\x1b\r\n]", raw):
        if token == "\r":
            col = 0
        elif token == "\n":
            row, col = row + 1, 0
            rows += [[]] if row == len(rows) else []
        elif token.endswith("K"):
            rows[row] = []
        elif token.endswith("A"):
            row = max(0, row - int(token[2:-1] or 1))
        elif not token.startswith("\x1b"):
            line = rows[row]
            line.extend(" " * (col - len(line)))
            line[col:col + 1] = [token]
            col += 1
    return ["".join(r).rstrip() for r in rows]


def test_on_a_terminal_warnings_print_above_the_display(tmp_path):
    with SampleArchive() as site:
        code, raw = run_on_terminal(sys.executable, "-m", "mirror", "crawl", site.base_url, "--db",
                                    f"sqlite:///{tmp_path / 'm.sqlite'}", "--delay", "0.05", "--ignore-robots",
                                    cwd=tmp_path)
    shown = [line for line in screen(raw) if line]
    assert code == 0, shown
    assert shown[0] == "warning: robots.txt is NOT obeyed in this crawl (recorded on crawl run 1)", shown
    assert re.fullmatch(rf"stories +━+ {LISTED}/{LISTED} \d+ requests, 0 errors", shown[1]), shown
    assert [line.split()[0] for line in shown[2:-1]] == ["reviews", "profiles", "series", "challenges"], shown
    assert all(re.search(r"━ (\d+)/\1$", line) for line in shown[2:-1]), shown
    assert shown[-1].startswith(f"{site.base_url}: {LISTED} stories stored") and len(shown) == 7, shown


def test_on_a_terminal_the_log_never_writes_over_the_display(tmp_path):
    with SampleArchive() as site:
        code, raw = run_on_terminal(sys.executable, "-m", "mirror", "crawl", site.base_url, "--db",
                                    f"sqlite:///{tmp_path / 'm.sqlite'}", "--delay", "0.05", "-v", cwd=tmp_path)
    shown = screen(raw)
    assert code == 0, shown
    logged = [line for line in shown if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[", line)]
    assert any("[scrapy.core.engine] INFO: Spider opened" in line for line in logged)
    mixed = [line for line in shown if "━" in line and re.search(r"\d\d:\d\d:\d\d \[", line)]
    assert not mixed, mixed
    assert any(re.fullmatch(rf"stories +━+ {LISTED}/{LISTED} .*", line) for line in shown), shown
