"""`mirror demo` leaves a state the next commands use, and `mirror sample-site` serves its site.

SQLite only, by subject: the demo writes ./mirror-demo.sqlite.  The demo's printed next commands
are run as printed (status, export, sample-site --changes 1 and a re-sync crawl); a second demo
is a re-sync of the same site; `mirror sample-site` is a real subprocess stopped with SIGINT.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from mirror.demo import start_demo_site
from mirror.sample.archive import ARCHIVE
from mirror.sample.serve import DEFAULT_PORT, PortInUse, start_site
from tests.test_crawl_sample import ROOT, run

PROGRAM = f"{sys.executable} -m mirror"


def demo(folder: Path) -> subprocess.CompletedProcess:
    return run(sys.executable, "-m", "mirror", "demo", "--delay", "0", cwd=folder)


def printed_commands(stdout: str) -> dict[str, list[str]]:
    """The commands the demo printed, by sub-command, as argument lists."""
    commands = {}
    for line in stdout.splitlines():
        if line.startswith(f"  {PROGRAM} "):
            argv = shlex.split(line)
            commands[argv[3]] = argv
    return commands


def start_sample_site(argv: list[str], folder: Path) -> tuple[subprocess.Popen, str]:
    """A `mirror sample-site` process and the base URL it printed first."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(argv, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    first = process.stdout.readline()
    assert first.startswith("serving the sample eFiction archive at "), first + process.stderr.read()
    return process, first.split(" at ", 1)[1].split()[0]


def stop(process: subprocess.Popen) -> tuple[int, str, str]:
    """SIGINT (Ctrl-C); its exit code and what it printed after the first line."""
    process.send_signal(signal.SIGINT)
    out, err = process.stdout.read(), process.stderr.read()  # small: no pipe fills up
    return process.wait(timeout=30), out, err


@pytest.fixture(scope="module")
def first_demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("demo")
    result = demo(folder)
    assert result.returncode == 0, result.stderr
    return folder, result


def status(folder: Path, db: str) -> list[dict]:
    result = run(sys.executable, "-m", "mirror", "status", "--db", db, "--json", cwd=folder)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_printed_next_commands_work_on_the_demos_database(first_demo):
    folder, result = first_demo
    commands = printed_commands(result.stdout)
    assert {"status", "export", "sample-site", "crawl"} <= set(commands), result.stdout
    db = commands["status"][commands["status"].index("--db") + 1]
    assert db == f"sqlite:///{folder / 'mirror-demo.sqlite'}"
    assert all(argv[argv.index("--db") + 1] == db for name, argv in commands.items() if name != "sample-site")

    shown = run(*commands["status"], cwd=folder)
    assert shown.returncode == 0, shown.stderr
    assert "25 present" in shown.stdout and "the mirror is empty" not in shown.stdout
    assert not (folder / "mirror.sqlite").exists()  # no empty default database made on the way

    exported = run(*commands["export"], cwd=folder)
    assert exported.returncode == 0, exported.stderr
    assert (folder / "mirror-demo-html" / "index.html").is_file()

    # the archive a week later, on the demo's own address: the printed crawl is a re-sync
    site, base_url = start_sample_site(commands["sample-site"], folder)
    try:
        assert base_url == commands["crawl"][4]
        crawled = run(*commands["crawl"], "--log-level", "WARNING", cwd=folder)
    finally:
        code, _, _ = stop(site)
    assert code == 0
    assert crawled.returncode == 0, crawled.stderr
    assert "(5 new, " in crawled.stdout, crawled.stdout  # the new stories of --changes 1
    (record,) = status(folder, db)
    assert record["site"] == base_url and record["last_run"]["mode"] == "resync"


def test_a_second_demo_resyncs_the_same_site(first_demo):
    folder, first = first_demo
    db = f"sqlite:///{folder / 'mirror-demo.sqlite'}"
    (before,) = status(folder, db)
    second = demo(folder)
    assert second.returncode == 0, second.stderr
    assert "this run:          a re-sync" in second.stdout
    (after,) = status(folder, db)  # one site, not a second copy under another port
    assert after["site"] == before["site"]
    assert f"Mirrored the sample archive at {before['site']}" in second.stdout


def test_the_demo_says_when_its_port_is_taken(first_demo, tmp_path):
    folder, _ = first_demo
    db_path = folder / "mirror-demo.sqlite"
    port = int(status(folder, f"sqlite:///{db_path}")[0]["site"].rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        with pytest.raises(PortInUse, match=rf"port {port} .* in use.*{re.escape(str(db_path))} holds the demo's site"):
            start_demo_site(db_path, None)  # the demo's site is on that port: no second site
        with pytest.raises(PortInUse, match=f"port {port} "):
            start_demo_site(tmp_path / "new.sqlite", port)  # --port PORT: that one or none
    try:
        held = socket.socket()
        held.bind(("127.0.0.1", DEFAULT_PORT))
        held.listen()
    except OSError:  # something else holds it already: just as good
        held = None
    try:
        site, note = start_demo_site(tmp_path / "new.sqlite", None)  # a first demo: any free port
        site.stop()
    finally:
        if held:
            held.close()
    assert site.port != DEFAULT_PORT and note == (f"port {DEFAULT_PORT} was in use: the sample archive "
                                                  f"was served on port {site.port}")


def test_sample_site_serves_until_ctrl_c(tmp_path):
    process, base_url = start_sample_site([sys.executable, "-m", "mirror", "sample-site", "--port", "0"], tmp_path)
    try:
        with urllib.request.urlopen(base_url + "browse.php?type=titles", timeout=10) as page:
            assert page.status == 200 and b"viewstory.php?sid=" in page.read()
    finally:
        code, out, err = stop(process)
    assert code == 0 and err == ""
    assert f"{PROGRAM} crawl {base_url} --db sqlite:///mirror-demo.sqlite" in out
    assert out.rstrip().endswith(f"stopped serving {base_url}")
    assert list(tmp_path.iterdir()) == []  # it writes nothing


def test_sample_site_on_a_taken_port_is_one_line(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run(sys.executable, "-m", "mirror", "sample-site", "--port", str(port), cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"mirror: error: port {port} on 127.0.0.1 is in use (a `mirror sample-site` "
                                     "already running?); stop it, or choose another with --port")


def test_sample_site_changes_are_the_same_each_time():
    first, second = start_site(port=0, changes=2), start_site(port=0, changes=2)
    try:
        assert first.archive is not second.archive
        assert [s.sid for s in first.archive.public_stories()] == [s.sid for s in second.archive.public_stories()]
        assert len(first.archive.public_stories()) > len(ARCHIVE.public_stories())
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize("argv", [["sample-site", "--port", "70000"], ["demo", "--port", "x"]])
def test_a_port_that_is_no_port_is_one_line(argv, tmp_path):
    result = run(sys.executable, "-m", "mirror", *argv, cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("mirror: error: argument --port: ") and "is not a port number" in line
    assert list(tmp_path.iterdir()) == []
