"""`mirror crawl --warc`: real crawls of the sample archive, then the WARC files checked with
warcio, by hand (digests), against the server's request log, replayed with pywb, packed as WACZ.

pywb and the `wacz` validator are not in the project's venv (pywb pins older versions of
packages Scrapy uses): the tests that need them look for their scripts in
``$MIRROR_TEST_PYWB_BIN``, then on PATH, else install them once into ``.venv-replay/`` beside
the project (from PyPI); only when that fails are they skipped, saying why.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from mirror.sample import SampleArchive
from mirror.sample import faults as F
from mirror.sample.archive import ARCHIVE, MEMBER_PASSWORD, MEMBER_PENNAME
from mirror.sample.server import Response
from mirror.storage import Store
from mirror.warc import iter_warc_files, read_response
from tests.storage_fixtures import database
from tests.test_crawl_sample import ROOT, last_run

GZIPPED, FAILS_ONCE, REDIRECTED, CUT_SHORT = 1, 2, 3, 4


def gzipped(req):
    page = F.real_page(req)
    return Response(page.status, gzip.compress(page.body, mtime=0), page.content_type,
                    page.headers + [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")])


def mirror_crawl(site: SampleArchive, db: str, warc: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MIRROR_127_0_0_1_USERNAME": MEMBER_PENNAME,
           "MIRROR_127_0_0_1_PASSWORD": MEMBER_PASSWORD}
    env.pop("MIRROR_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "mirror", "crawl", site.base_url, "--db", db, "--delay", "0",
                             "--log-level", "WARNING", "--warc", str(warc), *extra],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def members(path: Path):
    """Each gzip member of a WARC file, decompressed, with its offset: read without warcio."""
    data, offset = path.read_bytes(), 0
    while offset < len(data):
        d = zlib.decompressobj(zlib.MAX_WBITS + 16)
        raw = d.decompress(data[offset:])
        yield offset, raw
        offset = len(data) - len(d.unused_data)


def parse_record(raw: bytes) -> tuple[dict[str, list[str]], bytes]:
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("utf-8").split("\r\n")
    assert lines[0] == "WARC/1.1"
    fields: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields.setdefault(name.strip(), []).append(value.strip())
    length = int(fields["Content-Length"][0])
    assert rest[length:] == b"\r\n\r\n"
    return fields, rest[:length]


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()  # noqa: S324


def records(warc_dir: Path) -> list[tuple[str, int, dict, bytes]]:
    return [(p.name, offset, *parse_record(raw)) for p in iter_warc_files(warc_dir) for offset, raw in members(p)]


@pytest.fixture(scope="module")
def captured(tmp_path_factory, backend):
    """One crawl with --warc into SQLite and one into PostgreSQL, each shared by the tests below."""
    tmp = tmp_path_factory.mktemp("warc")
    with SampleArchive() as site, database(backend, tmp) as db:
        site.faults[:0] = [F.on(F.story(GZIPPED), gzipped),
                           F.on(F.story(FAILS_ONCE, "printable"), F.status(500), times=1),
                           F.on(F.story(REDIRECTED, "printable"), F.redirect_loop(two_step=True), times=1),
                           F.on(F.story(CUT_SHORT, "printable"), F.truncated(0.5), times=1)]
        mirror_crawl(site, db, tmp / "warc")
        log = site.request_log()
        yield site, tmp, db, log


def test_every_exchange_is_a_request_and_response_pair(captured):
    site, tmp, _, log = captured
    recs = records(tmp / "warc")
    assert recs[0][2]["WARC-Type"] == ["warcinfo"]
    info = recs[0][3].decode()
    assert "software: fic-mirror/" in info and "robots: obey" in info and "password" in info
    by_id = {fields["WARC-Record-ID"][0]: fields for _, _, fields, _ in recs}
    requests = [(fields, block) for _, _, fields, block in recs if fields["WARC-Type"] == ["request"]]
    for fields, _ in requests:
        response = by_id[fields["WARC-Concurrent-To"][0]]
        assert response["WARC-Type"] in (["response"], ["revisit"])
        assert response["WARC-Concurrent-To"] == fields["WARC-Record-ID"]
        assert response["WARC-Target-URI"] == fields["WARC-Target-URI"]
        assert response["WARC-IP-Address"] == ["127.0.0.1"]
    # the server's log, exchange by exchange: robots.txt, the login, retries, redirects and all
    host = site.base_url.split("/efiction/")[0]
    sent = sorted((block.split(b" ", 1)[0].decode(), fields["WARC-Target-URI"][0]) for fields, block in requests)
    assert sent == sorted((r.method, host + r.path_qs) for r in log)
    assert (("GET", f"{host}/robots.txt")) in sent
    assert any("&" in uri and "?" in uri for _, uri in sent)  # query strings kept whole


def test_digests_and_lengths_are_right(captured):
    _, tmp, _, _ = captured
    for _, _, fields, block in records(tmp / "warc"):
        assert fields["WARC-Block-Digest"] == [sha1(block)]
        if fields["WARC-Type"][0] in ("request", "response"):
            payload = block.partition(b"\r\n\r\n")[2]
            assert fields["WARC-Payload-Digest"] == [sha1(payload)]
    warcio = Path(sys.executable).with_name("warcio")
    check = subprocess.run([str(warcio), "check", "-v", *map(str, iter_warc_files(tmp / "warc"))],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0 and "digest pass" in check.stdout, check.stdout + check.stderr
    listed = subprocess.run([str(warcio), "index", "-f", "warc-type,warc-target-uri",
                             *map(str, iter_warc_files(tmp / "warc"))], capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in listed.stdout.splitlines()]
    uris = {line["warc-target-uri"] for line in lines if line["warc-type"] == "request"}
    assert uris == {line["warc-target-uri"] for line in lines if line["warc-type"] in ("response", "revisit")}


def printable_of(url: str, sid: int) -> bool:
    """The URL of story ``sid``'s printable view (a story's one page: mirror/spiders/story.py)."""
    return "action=printable" in url and f"&sid={sid}&" in url and "chapter=all" in url


def response_records(tmp: Path, predicate) -> list[tuple[str, int, dict, bytes]]:
    return [r for r in records(tmp / "warc") if r[2]["WARC-Type"] == ["response"] and predicate(r[2]["WARC-Target-URI"][0])]


def test_responses_are_kept_as_received(captured):
    site, tmp, db, _ = captured
    # the head as on the wire: real status line, the server's header order, Content-Length last
    name, offset, fields, block = response_records(tmp, lambda u: printable_of(u, 5))[0]
    head = block.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    assert head[0] == "HTTP/1.1 200 OK"
    assert [h.split(":")[0] for h in head[1:]] == ["Server", "Date", "Content-Type", "X-Powered-By", "Set-Cookie",
                                                   "Expires", "Cache-Control", "Pragma", "Content-Length"]
    # a gzip-encoded page is stored compressed; read_response gives what the spider got
    name, offset, fields, block = response_records(tmp, lambda u: printable_of(u, GZIPPED))[0]
    assert block.partition(b"\r\n\r\n")[2][:2] == b"\x1f\x8b"
    url, status, headers, body = read_response(tmp / "warc", name, offset)
    assert status == 200 and "Content-Encoding" not in headers and headers["Content-Type"] == ["text/html; charset=_CHARSET"]
    assert ARCHIVE.story(GZIPPED).title.encode("cp1252") in body and body.startswith(b"<!DOCTYPE")
    store = Store(db)
    try:
        assert store.get_story(site.base_url, GZIPPED).title == ARCHIVE.story(GZIPPED).title
        assert last_run(store)["stats"].get("mirror/warc/reconstructed") is None
        assert last_run(store)["stats"]["mirror/warc/truncated"] == 1
    finally:
        store.close()


def test_retries_redirects_and_bodies_cut_short_are_all_recorded(captured):
    _, tmp, _, _ = captured
    statuses = [b[3].split(b" ", 2)[1] for b in response_records(tmp, lambda u: printable_of(u, FAILS_ONCE))]
    assert statuses == [b"500", b"200"]
    moved = response_records(tmp, lambda u: f"sid={REDIRECTED}" in u and "printable" in u)
    assert [r[3].split(b" ", 2)[1] for r in moved] == [b"302", b"200"]
    assert b"\r\nLocation: " in moved[0][3] and "loop=1" in moved[1][2]["WARC-Target-URI"][0]
    cut = response_records(tmp, lambda u: printable_of(u, CUT_SHORT))
    assert [r[2].get("WARC-Truncated") for r in cut] == [["disconnect"], None]
    head, _, body = cut[0][3].partition(b"\r\n\r\n")
    declared = int(next(h for h in head.split(b"\r\n") if h.startswith(b"Content-Length")).split(b":")[1])
    assert 0 < len(body) < declared


def test_the_login_password_is_never_written(captured):
    _, tmp, _, _ = captured
    everything = b"".join(raw for p in iter_warc_files(tmp / "warc") for _, raw in members(p))
    assert MEMBER_PASSWORD.encode() not in everything
    posts = [b for *_, f, b in records(tmp / "warc") if f["WARC-Type"] == ["request"] and b.startswith(b"POST ")]
    assert len(posts) == 1
    head, _, body = posts[0].partition(b"\r\n\r\n")
    assert b"password=REDACTED" in body and b"penname=" in body
    assert f"Content-Length: {len(body)}".encode() in head


def test_a_cdxj_index_per_crawl_and_revisits_on_the_next(captured, backend, tmp_path):
    site, tmp, _, _ = captured
    indexes = list((tmp / "warc" / "indexes").glob("*.cdxj"))
    assert len(indexes) == 1
    indexed = {json.loads(line.split(" ", 2)[2])["url"] for line in indexes[0].read_text().splitlines()}
    assert {r[2]["WARC-Target-URI"][0] for r in response_records(tmp, lambda u: True)} == indexed
    warc = tmp_path / "warc"
    shutil.copytree(tmp / "warc", warc)
    # revisits are found in the WARC folder's indexes, not the database: the next crawl goes into
    # a fresh one of the same backend, leaving the shared one as it is
    with database(backend, tmp_path, "next") as db:
        mirror_crawl(site, db, warc, "--full")
    assert len(list((warc / "indexes").glob("*.cdxj"))) == 2
    recs = records(warc)
    where = {f["WARC-Record-ID"][0]: f for _, _, f, _ in recs}
    revisits = [f for _, _, f, _ in recs if f["WARC-Type"] == ["revisit"]]
    printables = [f for f in revisits if "action=printable" in f["WARC-Target-URI"][0]]
    assert len(printables) >= 20  # the story texts did not change: not written again
    for f in revisits:
        original = where[f["WARC-Refers-To"][0]]
        assert original["WARC-Type"] == ["response"]
        assert f["WARC-Refers-To-Target-URI"] == original["WARC-Target-URI"] == f["WARC-Target-URI"]
        assert f["WARC-Refers-To-Date"] == original["WARC-Date"]
        assert f["WARC-Payload-Digest"] == original["WARC-Payload-Digest"]
        assert f["WARC-Profile"] == ["http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"]


REPLAY_VENV = ROOT / ".venv-replay"  # pywb and wacz, apart from the project's venv (gitignored)


@functools.cache
def _replay_bin() -> Path | str:
    """The folder holding pywb's and wacz's scripts: $MIRROR_TEST_PYWB_BIN, PATH, else a venv of
    their own made here once (from PyPI). A reason string when none can be had."""
    folder = os.environ.get("MIRROR_TEST_PYWB_BIN")
    if folder and (Path(folder) / "wayback").exists():
        return Path(folder)
    if shutil.which("wayback") and shutil.which("wacz"):
        return Path(shutil.which("wayback")).parent
    scripts = REPLAY_VENV / "bin"
    if not ((scripts / "wayback").exists() and (scripts / "wacz").exists()):
        try:
            subprocess.run([sys.executable, "-m", "venv", str(REPLAY_VENV)], check=True, capture_output=True,
                           timeout=300)
            subprocess.run([str(scripts / "pip"), "install", "-q", "pywb>=2.8", "wacz>=0.5"], check=True,
                           capture_output=True, timeout=900)
        except (subprocess.SubprocessError, OSError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            return (f"pywb could not be installed in {REPLAY_VENV} ({exc}: "
                    f"{detail.decode(errors='replace')[-300:]}); set MIRROR_TEST_PYWB_BIN to pywb's bin folder")
    return scripts


def tool(name: str) -> str:
    found = _replay_bin()
    if isinstance(found, str):
        pytest.skip(found)
    return str(found / name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# one backend: this checks only the WARC files (replayed by pywb), which the database does not shape
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_pywb_replays_each_story_page_byte_identical(captured, tmp_path):
    site, tmp, _, _ = captured
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIRROR_")}
    manager = tool("wb-manager")
    subprocess.run([manager, "init", "mirror"], cwd=tmp_path, env=env, check=True, capture_output=True, timeout=60)
    subprocess.run([manager, "add", "mirror", *map(str, iter_warc_files(tmp / "warc"))], cwd=tmp_path, env=env,
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    wayback = subprocess.Popen([tool("wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and wayback.poll() is None, "wayback did not start"
                time.sleep(0.2)
        pages = response_records(tmp, lambda u: "viewstory.php" in u and ("index=1" in u or "chapter=all" in u))
        checked = 0
        # pywb finds a capture by URL and second: where one second holds two captures of a URL
        # (a cut-short or failed answer and its retry), it may serve either, so those are skipped
        seconds = [(f["WARC-Target-URI"][0], f["WARC-Date"][0][:19]) for _, _, f, _ in pages]
        for _, _, fields, block in pages:
            head, _, body = block.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200") or fields.get("WARC-Truncated") \
                    or seconds.count((fields["WARC-Target-URI"][0], fields["WARC-Date"][0][:19])) > 1:
                continue
            # what the sample server sends for the archived request (same URL, same session cookie)
            request = next(b for *_, f, b in records(tmp / "warc")
                           if f["WARC-Record-ID"] == fields["WARC-Concurrent-To"])
            cookie = [h for h in request.split(b"\r\n") if h.lower().startswith(b"cookie:")]
            live = urllib.request.Request(fields["WARC-Target-URI"][0],
                                          headers={"Cookie": cookie[0].split(b":", 1)[1].strip().decode()} if cookie else {})
            with urllib.request.urlopen(live, timeout=30) as answer:  # noqa: S310 - 127.0.0.1
                served = answer.read()
            stamp = "".join(c for c in fields["WARC-Date"][0] if c.isdigit())[:14]
            replay_url = f"http://127.0.0.1:{port}/mirror/{stamp}id_/{fields['WARC-Target-URI'][0]}"
            with urllib.request.urlopen(urllib.request.Request(replay_url, headers={"Accept-Encoding": "gzip"}),
                                        timeout=30) as replay:  # noqa: S310
                replayed = replay.read()
            assert replayed == served == body, fields["WARC-Target-URI"][0]
            checked += 1
        assert checked >= 24  # a printable view a story, and the indexes read
    finally:
        wayback.terminate()
        wayback.wait(timeout=10)


def test_wacz_export(captured, tmp_path):
    _, tmp, db, _ = captured
    outs = []
    for n in (1, 2):
        out = tmp_path / f"m{n}.wacz"
        result = subprocess.run([sys.executable, "-m", "mirror", "export", "wacz", "--db", db, "--warc",
                                 str(tmp / "warc"), "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
        assert result.returncode == 0, result.stderr
        outs.append(out)
    assert outs[0].read_bytes() == outs[1].read_bytes()  # deterministic
    with zipfile.ZipFile(outs[0]) as zf:
        names = zf.namelist()
        assert {"datapackage.json", "datapackage-digest.json", "indexes/index.cdxj", "pages/pages.jsonl"} <= set(names)
        assert any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)
        package = json.loads(zf.read("datapackage.json"))
        for resource in package["resources"]:
            assert resource["hash"] == "sha256:" + hashlib.sha256(zf.read(resource["path"])).hexdigest()
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    assert {p["url"].split("sid=")[1].split("&")[0] for p in pages[1:]} >= {str(s.sid) for s in ARCHIVE.listed_stories()}
    validator = tool("wacz")
    if validator:  # (tool() skips the test when the validator cannot be had)
        check = subprocess.run([validator, "validate", "-f", str(outs[0])], capture_output=True, text=True, timeout=120)
        assert check.returncode == 0 and "valid" in check.stdout + check.stderr, check.stdout + check.stderr


def test_records_read_back_with_warcio(captured):
    _, tmp, _, _ = captured
    for path in iter_warc_files(tmp / "warc"):
        with open(path, "rb") as fh:
            types = [r.rec_type for r in ArchiveIterator(fh)]
        assert types[0] == "warcinfo" and types.count("request") == types.count("response") + types.count("revisit")
