"""mirror.warc without a crawl: rotation, revisits, recovery after a kill, reading back, the
middleware's contract (request.meta["mirror_warc"])."""

from __future__ import annotations

import gzip

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from mirror.warc import WarcWriter, iter_warc_files, read_response, recover
from mirror.warc.handler import WIRE_KEY, Wire
from mirror.warc.middleware import WarcCaptureMiddleware, redact_form

URL = "http://127.0.0.1:8/efiction/viewstory.php?sid=1&index=1"
SENT = b"GET /efiction/viewstory.php?sid=1&index=1 HTTP/1.1\r\nHost: 127.0.0.1:8\r\n\r\n"
HEAD = b"HTTP/1.1 200 Fine Thanks\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"


def exchange(writer: WarcWriter, body: bytes, url: str = URL, **kw):
    return writer.write_exchange(url, SENT, HEAD % len(body), body, ip="127.0.0.1", **kw)


def types(path) -> list[str]:
    with open(path, "rb") as fh:
        return [r.rec_type for r in ArchiveIterator(fh)]


def test_rotation_names_and_warcinfo_first(tmp_path):
    writer = WarcWriter(tmp_path, prefix="t", max_size=3000)
    for n in range(6):
        exchange(writer, bytes(range(256)) * 8 + bytes([n]))
    writer.close()
    files = list(iter_warc_files(tmp_path))
    assert len(files) > 1 and [f.name for f in files] == writer.files
    for f in files:
        assert f.name.startswith("t-") and f.name.endswith(".warc.gz") and len(f.name.split("-")[2]) == len("00001.warc.gz")
        assert types(f)[0] == "warcinfo"


def test_revisit_points_at_the_original_and_read_response_decodes(tmp_path):
    writer = WarcWriter(tmp_path)
    body = gzip.compress(b"<html>page</html>", mtime=0)
    first = exchange(writer, body)
    second = exchange(writer, body)
    truncated = exchange(writer, body[:5], truncated="length")
    writer.close()
    assert second.revisit is not None and second.response == first.response
    assert truncated.revisit is None
    url, status, headers, got = read_response(tmp_path, first.response.filename, first.response.offset)
    assert (url, status, got) == (URL, 200, gzip.compress(b"<html>page</html>", mtime=0))
    with open(tmp_path / first.response.filename, "rb") as fh:
        fh.seek(first.response.offset)
        record = next(iter(ArchiveIterator(fh)))
        assert record.http_headers.statusline == "200 Fine Thanks"  # the real reason phrase


def test_chunked_and_gzip_bodies_read_back_as_scrapy_gives_them(tmp_path):
    writer = WarcWriter(tmp_path)
    head = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"
            b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n")
    written = writer.write_exchange(URL, SENT, head, gzip.compress(b"hello", mtime=0))
    writer.close()
    url, status, headers, body = read_response(tmp_path, written.response.filename, written.response.offset)
    assert body == b"hello" and headers["Set-Cookie"] == ["a=1", "b=2"]
    assert "Transfer-Encoding" not in headers and "Content-Encoding" not in headers


def test_a_killed_crawl_leaves_readable_files(tmp_path):
    writer = WarcWriter(tmp_path, fsync=False)
    exchange(writer, b"one")
    exchange(writer, b"two")
    name = writer.current
    writer._fh.write(b"\x1f\x8b\x08\x00garbage")  # a record half written when the process died
    writer._fh.flush()
    assert not list(iter_warc_files(tmp_path))
    assert recover(tmp_path) == [name]
    assert types(tmp_path / name) == ["warcinfo", "request", "response", "request", "response"]


def test_redaction_keeps_content_length_consistent():
    sent = (b"POST /user.php?action=login HTTP/1.1\r\nContent-Length: 49\r\n\r\n"
            b"penname=someone&password=s3cret%21&submit=Submit")
    out, count = redact_form(sent, ["password"])
    head, _, body = out.partition(b"\r\n\r\n")
    assert count == 1 and body == b"penname=someone&password=REDACTED&submit=Submit"
    assert f"Content-Length: {len(body)}".encode() in head


def test_middleware_contract(tmp_path):
    with pytest.raises(NotConfigured):
        WarcCaptureMiddleware.from_crawler(get_crawler(settings_dict={}))
    crawler = get_crawler(settings_dict={"MIRROR_WARC_DIR": str(tmp_path), "MIRROR_WARC_FSYNC": False})
    crawler.stats.open_spider()
    mw = WarcCaptureMiddleware.from_crawler(crawler)
    metas = []
    for _ in range(2):
        request = Request(URL)
        request.meta[WIRE_KEY] = Wire(SENT, HEAD % 4)
        mw.process_response(request, Response(URL, status=200, body=b"page", request=request))
        metas.append(request.meta["mirror_warc"])
    fallback = Request(URL + "&x=1")  # no wire form recorded: rebuilt from Scrapy's objects
    mw.process_response(fallback, Response(fallback.url, status=404, body=b"no", request=fallback))
    mw.spider_closed()
    first, second = metas
    assert set(first) == {"filename", "offset", "length", "record_id", "revisit"} and not first["revisit"]
    assert second["revisit"] and {k: second[k] for k in first if k != "revisit"} == {k: first[k] for k in first
                                                                                    if k != "revisit"}
    assert second["revisit_filename"] == first["filename"] and second["revisit_offset"] > first["offset"]
    assert read_response(tmp_path, first["filename"], first["offset"])[3] == b"page"
    meta = fallback.meta["mirror_warc"]
    assert read_response(tmp_path, meta["filename"], meta["offset"])[1] == 404
    assert crawler.stats.get_value("mirror/warc/reconstructed") == 1
    assert list((tmp_path / "indexes").glob("*.cdxj"))
    with open(tmp_path / first["filename"], "rb") as fh:
        fh.seek(first["offset"])
        data = fh.read(first["length"])
    assert gzip.decompress(data).startswith(b"WARC/1.1\r\n")
