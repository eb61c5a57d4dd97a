"""WARC/1.1 files over warcio: gzip per record, rotated at a size, finished atomically.

A file is written as ``NAME.warc.gz.open`` and renamed to ``NAME.warc.gz`` when it is
full or the crawl ends (after an fsync).  Every record is flushed and fsynced as soon as it
is written, so a crawl that is killed leaves whole records behind: :func:`recover` (run by
the next crawl, or by hand) cuts a half-written last record off and finishes the file.

Names follow the usual ``PREFIX-TIMESTAMP-SERIAL`` pattern:
``{prefix}-{UTC yyyymmddhhmmssfff}-{serial:05d}.warc.gz``; each file starts with a
``warcinfo`` record.  Each exchange is a ``request`` and a ``response`` record that point
at each other (``WARC-Concurrent-To``).  A response whose payload is byte-identical to one
already archived for the same URI (this crawl or an earlier one, from the indexes in the
folder) is written as a ``revisit`` record (identical-payload-digest profile).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"
READ_ERRORS = (ArchiveLoadFailed, EOFError, zlib.error, ValueError, OSError)
_CHUNKED = re.compile(rb"^transfer-encoding:[^\r\n]*chunked", re.IGNORECASE | re.MULTILINE)


@dataclass
class Location:
    """Where a record is: file (base name), offset and compressed length; its id and date."""

    filename: str
    offset: int
    length: int
    record_id: str | None = None
    date: str | None = None
    uri: str | None = None


@dataclass
class Written:
    request: Location
    response: Location  # the record holding the payload (for a revisit: the original one)
    revisit: Location | None = None  # the revisit record, when the payload was not written again


class RawHead(StatusAndHeaders):
    """An HTTP head written to the WARC exactly as it went over the wire."""

    def __init__(self, raw: bytes, *, is_request: bool = False):
        parsed = StatusAndHeadersParser([], verify=False).parse(io.BytesIO(raw))
        super().__init__(parsed.statusline, parsed.headers, protocol=parsed.protocol,
                         total_len=parsed.total_len, is_http_request=is_request)
        self.raw = raw

    def compute_headers_buffer(self, header_filter=None) -> None:
        self.headers_buff = self.raw


def payload_digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")  # noqa: S324 - WARC's digest


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """An HTTP message's head (with its blank line) and body."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        return raw, b""
    return raw[:end + 4], raw[end + 4:]


def wire_body(head: bytes, body: bytes) -> bytes:
    """The body as sent: Twisted removes chunked transfer coding, so it is put back (one chunk)."""
    if not _CHUNKED.search(head):
        return body
    return (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"


def read_location(directory: Path, loc: Location) -> Location:
    """Fill in a location's record id, date and URI from the record's own header."""
    path = directory / loc.filename
    if not path.exists():
        path = path.with_name(path.name + OPEN_SUFFIX)
    with open(path, "rb") as fh:
        fh.seek(loc.offset)
        record = next(iter(ArchiveIterator(fh)))
        headers = record.rec_headers
        return Location(loc.filename, loc.offset, loc.length, headers.get_header("WARC-Record-ID"),
                        headers.get_header("WARC-Date"), headers.get_header("WARC-Target-URI"))


def recover(directory: str | os.PathLike) -> list[str]:
    """Finish the files a killed crawl left open: keep every whole record, drop a partial last one."""
    done = []
    for path in sorted(Path(directory).glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")):
        good = 0
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            try:
                for record in it:
                    it.read_to_end(record)
                    offset, length = it.member_info
                    good = offset + length
            except READ_ERRORS:
                pass
        with open(path, "r+b") as fh:
            fh.truncate(good)
            fh.flush()
            os.fsync(fh.fileno())
        final = path.with_name(path.name[:-len(OPEN_SUFFIX)])
        os.replace(path, final)
        done.append(final.name)
    return done


class WarcWriter:
    def __init__(self, directory: str | os.PathLike, *, prefix: str = "fic-mirror", max_size: int = 10 ** 9,
                 info: dict[str, Any] | None = None, known: dict[tuple[str, str], Location] | None = None,
                 fsync: bool = True):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_size = max_size
        self.info = info or {}
        self.fsync = fsync
        self.known = dict(known or {})  # (uri, payload digest) -> the original response record
        self.files: list[str] = []  # base names written by this writer, in order
        self.bytes = 0
        self._serial = 0
        self._fh = None
        self._name = ""
        self._warc = None

    # --- files ---

    @property
    def current(self) -> str:
        return self._name

    def _open(self) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
        self._serial += 1
        self._name = f"{self.prefix}-{stamp}-{self._serial:05d}{WARC_SUFFIX}"
        self._fh = open(self.directory / (self._name + OPEN_SUFFIX), "xb")  # noqa: SIM115 - kept open
        self._warc = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        self.files.append(self._name)
        self._write(self._warc.create_warcinfo_record(self._name, self.info))
        self._sync()

    def _finish(self) -> None:
        if self._fh is None:
            return
        self._sync()
        self._fh.close()
        os.replace(self.directory / (self._name + OPEN_SUFFIX), self.directory / self._name)
        self._fh = self._warc = None

    def close(self) -> None:
        self._finish()

    def _sync(self) -> None:
        self._fh.flush()
        if self.fsync:
            os.fsync(self._fh.fileno())

    def _write(self, record) -> Location:
        offset = self._fh.tell()
        self._warc.write_record(record)
        length = self._fh.tell() - offset
        self.bytes += length
        headers = record.rec_headers
        return Location(self._name, offset, length, headers.get_header("WARC-Record-ID"),
                        headers.get_header("WARC-Date"), headers.get_header("WARC-Target-URI"))

    # --- exchanges ---

    def write_exchange(self, url: str, sent: bytes, head: bytes, body: bytes, *, ip: str | None = None,
                       truncated: str | None = None) -> Written:
        """Archive one HTTP exchange: ``sent`` is the request (head and body), ``head`` the
        response head, ``body`` its body as received (content coding kept)."""
        if self._fh is not None and self._fh.tell() >= self.max_size:
            self._finish()
        if self._fh is None:
            self._open()
        w = self._warc
        date = w.curr_warc_date()
        request_id, response_id = w._make_warc_id(), w._make_warc_id()
        common = {"WARC-Date": date}
        if ip:
            common["WARC-IP-Address"] = ip
        req_head, req_body = split_message(sent)
        request = w.create_warc_record(
            url, "request", payload=io.BytesIO(req_body), length=len(req_body),
            http_headers=RawHead(req_head, is_request=True),
            warc_headers_dict={"WARC-Record-ID": request_id, **common, "WARC-Concurrent-To": response_id})
        stored = wire_body(head, body)
        digest = payload_digest(stored)
        original = self.known.get((url, digest)) if stored and not truncated else None
        if original is not None:
            if original.record_id is None or original.date is None:
                original = self.known[(url, digest)] = read_location(self.directory, original)
            response = w.create_revisit_record(
                url, digest, original.uri or url, original.date, http_headers=RawHead(head),
                warc_headers_dict={"WARC-Record-ID": response_id, **common, "WARC-Concurrent-To": request_id,
                                   "WARC-Refers-To": original.record_id})
        else:
            extra = {"WARC-Truncated": truncated} if truncated else {}
            response = w.create_warc_record(
                url, "response", payload=io.BytesIO(stored), length=len(stored), http_headers=RawHead(head),
                warc_headers_dict={"WARC-Record-ID": response_id, **common, "WARC-Concurrent-To": request_id,
                                   **extra})
        written_request = self._write(request)
        written_response = self._write(response)
        self._sync()
        if original is not None:
            return Written(written_request, original, written_response)
        if stored and not truncated:
            self.known.setdefault((url, digest), written_response)
        return Written(written_request, written_response)
