"""Fault injection in the sample archive (mirror.sample.faults), checked with plain HTTP clients."""

from __future__ import annotations

import email.utils
import http.client
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from mirror.sample import SampleArchive
from mirror.sample import faults as F
from mirror.sample.archive import ARCHIVE
from mirror.sample.render import ACCESSDENIED

STORY = next(s for s in ARCHIVE.public_stories() if not s.gated and len(s.chapters) > 1)
INDEX = f"viewstory.php?sid={STORY.sid}&index=1"


@pytest.fixture(scope="module")
def site():
    with SampleArchive() as s:
        yield s


@pytest.fixture(autouse=True)
def no_leftover_faults(site):
    yield
    site.faults.clear()


def get(site: SampleArchive, page: str, *, timeout: float = 5.0) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection(site.host, site.port, timeout=timeout)
    try:
        conn.request("GET", "/efiction/" + page)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def raw_get(site: SampleArchive, page: str, *, timeout: float = 5.0) -> bytes:
    """Everything the server sends on a raw socket until it closes the connection."""
    with socket.create_connection((site.host, site.port), timeout=timeout) as s:
        s.sendall(f"GET /efiction/{page} HTTP/1.1\r\nHost: {site.host}:{site.port}\r\n"
                  "Connection: close\r\n\r\n".encode())
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def inject(site: SampleArchive, predicate, respond, **kw) -> F.Fault:
    fault = F.on(predicate, respond, **kw)
    site.faults.append(fault)
    return fault


RETRY_DATE = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("code, retry_after, header", [
    (500, None, None),
    (502, None, None),
    (503, None, None),
    (503, 120, "120"),
    (503, RETRY_DATE, "Wed, 02 Jan 2030 03:04:05 GMT"),
    (429, None, None),
    (429, "7", "7"),
])
def test_status_with_and_without_retry_after(site, code, retry_after, header):
    fault = inject(site, F.story(STORY.sid), F.status(code, retry_after=retry_after))
    status, headers, body = get(site, INDEX)
    assert status == code
    assert headers.get("Retry-After") == header
    assert f"<title>{code} ".encode() in body
    assert fault.hits == 1


def test_http_date_helper():
    later = datetime.now(timezone.utc) + timedelta(seconds=30)
    parsed = email.utils.parsedate_to_datetime(F.http_date(later))
    assert abs((parsed - later).total_seconds()) < 1


def test_times_lets_later_requests_through(site):
    fault = inject(site, F.story(STORY.sid, "index"), F.status(503), times=2)
    assert [get(site, INDEX)[0] for _ in range(3)] == [503, 503, 200]
    assert fault.hits == 2 and fault.spent


def test_predicates_pick_their_requests(site):
    index = inject(site, F.story(STORY.sid, "index"), F.status(500))
    chap2 = inject(site, F.story(STORY.sid, chapter=2), F.status(502))
    printable = inject(site, F.story(STORY.sid, "printable"), F.status(503))
    page2 = inject(site, F.listing(offset=10), F.status(429))
    sid = STORY.sid
    assert get(site, f"viewstory.php?sid={sid}&chapter=1")[0] == 200
    assert get(site, f"viewstory.php?sid={sid}")[0] == 200  # chapter 1
    assert get(site, f"viewstory.php?sid={sid}&chapter=2")[0] == 502
    assert get(site, f"viewstory.php?sid={sid}&index=1")[0] == 500
    assert get(site, f"viewstory.php?sid={sid}&action=printable&textsize=0")[0] == 503
    assert get(site, "browse.php?type=titles")[0] == 200
    assert get(site, "browse.php?type=titles&offset=10")[0] == 429
    assert (index.hits, chap2.hits, printable.hits, page2.hits) == (1, 1, 1, 1)
    with F.injected(site, F.on(F.path("rss.php"), F.status(500))) as (rss,):
        assert get(site, "rss.php")[0] == 500 and rss.hits == 1
    assert rss not in site.faults


def test_slow_response_exceeds_client_timeout(site):
    fault = inject(site, F.story(STORY.sid, "index"), F.slow(1.0))
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        get(site, INDEX, timeout=0.2)
    assert time.monotonic() - started < 0.9
    assert fault.hits == 1
    # other requests are not held up meanwhile
    assert get(site, "browse.php?type=titles", timeout=0.5)[0] == 200


def test_slow_response_arrives_eventually(site):
    inject(site, F.story(STORY.sid, "index"), F.slow(0.3))
    started = time.monotonic()
    status, _, body = get(site, INDEX)
    assert status == 200 and STORY.title.encode("cp1252") in body
    assert time.monotonic() - started >= 0.3


def test_reset_gives_connection_error(site):
    fault = inject(site, F.story(STORY.sid), F.reset())
    with pytest.raises(ConnectionResetError):  # a RST, not a clean end of stream
        raw_get(site, INDEX)
    with pytest.raises(ConnectionError):
        get(site, INDEX)
    assert fault.hits == 2


def test_truncated_body_is_shorter_than_content_length(site):
    _, _, real = get(site, INDEX)
    inject(site, F.story(STORY.sid), F.truncated(0.5))
    head, _, body = raw_get(site, INDEX).partition(b"\r\n\r\n")
    length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")))
    assert length == len(real)
    assert len(body) == len(real) // 2 and real.startswith(body)
    with pytest.raises(http.client.IncompleteRead):
        get(site, INDEX)


def test_empty_200(site):
    inject(site, F.story(STORY.sid), F.empty())
    status, headers, body = get(site, INDEX)
    assert (status, body, headers["Content-Length"]) == (200, b"", "0")
    assert "PHPSESSID=" in headers["Set-Cookie"]


def test_fatal_mysql_page(site):
    inject(site, F.story(STORY.sid), F.fatal_mysql())
    status, headers, body = get(site, INDEX)
    assert status == 200
    assert body.startswith(b"<b>A fatal MySQL error was encountered.</b><br />Query: ")
    assert f"sid = '{STORY.sid}'".encode() in body
    assert headers["Content-Type"] == "text/html; charset=_CHARSET"


def test_access_denied_page(site):
    inject(site, F.story(STORY.sid), F.access_denied())
    status, _, body = get(site, INDEX)
    page = body.decode("cp1252")
    assert status == 200
    assert f"class='errortext'>{ACCESSDENIED}</div>" in page
    assert f"<div id='pagetitle'>{STORY.title}</div>" in page
    assert "<div id=\"story\">" not in page and 'id="footer"' in page


def test_wrong_encoding(site):
    _, _, real = get(site, INDEX)
    assert any(b > 0x7F for b in real), "the test needs a page with non-ASCII text"
    inject(site, F.story(STORY.sid), F.wrong_encoding())
    _, headers, wrong = get(site, INDEX)
    assert wrong != real
    assert wrong.decode("utf-8") == real.decode("cp1252")
    assert headers["Content-Type"] == "text/html; charset=_CHARSET"
    assert b'content="text/html; charset=ISO-8859-1"' in wrong
    assert wrong.decode("cp1252") != real.decode("cp1252")  # decoding as declared: mojibake


def test_huge_page(site):
    size = 3 * 1024 * 1024 + 7
    inject(site, F.story(STORY.sid), F.huge(size))
    status, headers, body = get(site, INDEX)
    assert status == 200 and len(body) == size and headers["Content-Length"] == str(size)
    assert body.startswith(b"<!DOCTYPE HTML") and body.endswith(b"</p></body></html>\n")
    with pytest.raises(ValueError):
        F.huge(10)


def test_redirect_loop(site):
    inject(site, F.story(STORY.sid), F.redirect_loop())
    status, headers, _ = get(site, INDEX)
    assert status == 302
    assert headers["Location"] == f"http://{site.host}:{site.port}/efiction/{INDEX}"


def test_redirect_loop_two_step(site):
    inject(site, F.story(STORY.sid), F.redirect_loop(two_step=True))
    _, headers, _ = get(site, INDEX)
    b = headers["Location"]
    assert b == f"{site.base_url}{INDEX}&loop=1"
    _, headers, _ = get(site, b.removeprefix(site.base_url))
    assert headers["Location"] == site.base_url + INDEX


def test_redirect_offsite(site):
    inject(site, F.story(STORY.sid), F.redirect_offsite())
    status, headers, _ = get(site, INDEX)
    assert status == 302
    assert headers["Location"] == f"http://127.0.0.2:{site.port}/efiction/{INDEX}"


def test_faulted_requests_are_logged(site):
    site.clear_requests()
    inject(site, F.story(STORY.sid, "index"), F.status(503), times=1)
    inject(site, F.listing(), F.reset())
    get(site, INDEX)
    get(site, INDEX)
    with pytest.raises(ConnectionError):
        get(site, "browse.php?type=titles")
    log = [(r.path_qs, r.status) for r in site.request_log()]
    assert log == [(f"/efiction/{INDEX}", 503), (f"/efiction/{INDEX}", 200),
                   ("/efiction/browse.php?type=titles", 0)]


def test_stop_returns_promptly_while_a_slow_response_is_pending():
    archive = SampleArchive().start()
    archive.faults.append(F.on(F.anything(), F.slow(30)))
    errors: list[BaseException] = []

    def client() -> None:
        try:
            get(archive, INDEX, timeout=10)
        except BaseException as e:  # noqa: BLE001 - recorded for the assertion
            errors.append(e)

    t = threading.Thread(target=client)
    t.start()
    deadline = time.monotonic() + 2
    while not archive.request_log() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert archive.request_log()
    started = time.monotonic()
    archive.stop()
    t.join(timeout=2)
    assert time.monotonic() - started < 1.0
    assert not t.is_alive()
    assert errors and isinstance(errors[0], ConnectionError)  # dropped, not answered after 30 s
