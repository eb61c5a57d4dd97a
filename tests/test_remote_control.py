"""No crawl listens on a port or leaves files outside the database, its log and the WARC folder:
Scrapy's remote control is off by default; turned on, the job files of killed crawls are removed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from scrapy.settings import Settings

from mirror.crawl import crawl_settings
from mirror.remote import stale_job_files
from mirror.sample import SampleArchive


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_remote_control_is_off_by_default():
    assert crawl_settings(db_url="sqlite:///x.sqlite").getbool("REMOTE_CONTROL_ENABLED") is False
    assert Settings().getbool("REMOTE_CONTROL_ENABLED") is True  # Scrapy's own default: why we set it


def test_a_crawl_opens_no_port_and_writes_no_job_file(tmp_path):
    state = tmp_path / "home"
    env = {**os.environ, "HOME": str(state), "XDG_STATE_HOME": str(state / "state"),
           "XDG_DATA_HOME": str(state / "data"), "XDG_CACHE_HOME": str(state / "cache")}
    with SampleArchive() as archive:
        proc = subprocess.run([sys.executable, "-m", "mirror", "crawl", archive.base_url, "--db",
                               f"sqlite:///{tmp_path / 'm.sqlite'}", "--delay", "0", "--log-level", "INFO",
                               "-s", "MIRROR_REVIEWS=0", "-s", "MIRROR_AUTHORS=0", "-s", "MIRROR_SERIES=0"],
                              capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Remote control" not in proc.stderr and "remote_control" not in proc.stderr
    written = sorted(p.relative_to(state) for p in state.rglob("*")) if state.exists() else []
    assert written == []


def test_stale_job_files_of_killed_crawls_only(tmp_path):
    def job(name: str, **data) -> None:
        (tmp_path / name).write_text(json.dumps({"version": 1, "port": 1, "token": "t", **data}))

    gone = dead_pid()
    job("killed.json", pid=gone, spider="efiction", project="fic-mirror")
    job("running.json", pid=os.getppid(), spider="efiction", project="fic-mirror")
    job("other-project.json", pid=gone, spider="efiction", project="someone-else")
    job("other-spider.json", pid=gone, spider="quotes", project="fic-mirror")
    (tmp_path / "notes.json").write_text("not json at all")
    assert [p.name for p in stale_job_files(tmp_path, "efiction", "fic-mirror")] == ["killed.json"]


def test_turned_on_a_crawl_removes_the_stale_job_file(tmp_path):
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "killed.json").write_text(json.dumps({"pid": dead_pid(), "spider": "efiction", "project": "fic-mirror"}))
    (jobs / "mine.txt").write_text("a user's file")
    with SampleArchive() as archive:
        proc = subprocess.run([sys.executable, "-m", "mirror", "crawl", archive.base_url, "--db",
                               f"sqlite:///{tmp_path / 'm.sqlite'}", "--delay", "0", "--log-level", "INFO",
                               "-s", "REMOTE_CONTROL_ENABLED=1", "-s", f"REMOTE_CONTROL_JOBS_DIR={jobs}",
                               "-s", "MIRROR_REVIEWS=0", "-s", "MIRROR_AUTHORS=0", "-s", "MIRROR_SERIES=0"],
                              capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in jobs.iterdir()) == ["mine.txt"]  # its own job file removed at its clean stop
