"""Reading back what :mod:`mirror.warc.writer` archived."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from mirror.warc.writer import OPEN_SUFFIX, WARC_SUFFIX

# Headers Scrapy's HTTP/1.1 client consumes itself and does not hand on (Twisted's list).
CONNECTION_HEADERS = {"connection", "keep-alive", "te", "trailers", "transfer-encoding", "upgrade",
                      "proxy-connection", "content-length"}


def iter_warc_files(directory: str | os.PathLike) -> Iterator[Path]:
    """The finished WARC files in a folder, oldest first (names sort by time)."""
    folder = Path(directory)
    yield from sorted(p for p in folder.glob(f"*{WARC_SUFFIX}") if p.is_file())


def _path(warc_dir: str | os.PathLike, filename: str) -> Path:
    path = Path(warc_dir) / filename
    if not path.exists() and (open_path := path.with_name(path.name + OPEN_SUFFIX)).exists():
        return open_path  # the crawl writing it is still running
    return path


def read_response(warc_dir: str | os.PathLike, filename: str, offset: int
                  ) -> tuple[str, int, dict[str, list[str]], bytes]:
    """The response record at ``offset`` in ``filename`` as Scrapy would have given it to the
    spider: (URL, status, headers, body), the body with its transfer and content codings removed
    (and Content-Encoding dropped), header names as Scrapy spells them, connection headers out and
    Content-Length that of the body as received."""
    with open(_path(warc_dir, filename), "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        if record.rec_type != "response":
            raise ValueError(f"{filename} at {offset} is a {record.rec_type} record, not a response")
        url = record.rec_headers.get_header("WARC-Target-URI")
        http = record.http_headers
        raw_length = None
        headers: dict[str, list[str]] = {}
        for name, value in http.headers:
            if name.lower() == "content-length":
                raw_length = value
            if name.lower() in CONNECTION_HEADERS:
                continue
            headers.setdefault(name.title(), []).append(value)
        decoded = [v.strip().lower() for v in headers.get("Content-Encoding", [])] in (
            ["gzip"], ["x-gzip"], ["deflate"], ["br"])  # what warcio's content_stream() decodes
        body = record.content_stream().read()
    if decoded:
        del headers["Content-Encoding"]
    if raw_length is not None:
        headers = {"Content-Length": [raw_length], **headers}
    return url, int(http.get_statuscode()), headers, body
