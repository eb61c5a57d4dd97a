"""Downloader middleware: every HTTP exchange of the crawl into WARC files (``MIRROR_WARC_DIR``).

It sits at 950, above HttpCompressionMiddleware (590), RedirectMiddleware (600) and the
retry middlewares, so it sees each response as received, compressed body and all, before
anything follows a redirect or asks again: robots.txt, redirects, error pages and every
retried attempt are archived.  The exchange's wire form comes from
:class:`mirror.warc.handler.WireRecordingDownloadHandler` (``mirror crawl --warc`` installs
it); without it, the request and response heads are rebuilt from Scrapy's objects (the
standard reason phrase, Scrapy's header spelling), counted under ``mirror/warc/reconstructed``.

For each response written, ``request.meta["mirror_warc"]`` says where its payload is:
``{"filename", "offset", "length", "record_id", "revisit"}`` (and ``revisit_filename``,
``revisit_offset`` for a revisit record, whose payload is the original's).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from http import HTTPStatus
from urllib.parse import quote, urlsplit

from importlib.metadata import version

import scrapy
from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from mirror import __version__
from mirror.warc.handler import TRUNCATED_KEY, WIRE_KEY, Wire
from mirror.warc.index import load_known, write_index
from mirror.warc.writer import READ_ERRORS, WarcWriter, recover, split_message

logger = logging.getLogger(__name__)

META_KEY = "mirror_warc"
REDACTED = b"REDACTED"
# Settings recorded in each file's warcinfo record.
INFO_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN",
                 "AUTOTHROTTLE_ENABLED", "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE", "RETRY_TIMES",
                 "REDIRECT_MAX_TIMES", "COOKIES_ENABLED", "MIRROR_PRINTABLE", "MIRROR_FULL",
                 "MIRROR_WARC_MAX_SIZE", "MIRROR_WARC_REDACT_FIELDS")


def redact_form(sent: bytes, fields: list[str]) -> tuple[bytes, int]:
    """Replace the values of these form fields in a urlencoded request body with REDACTED (the
    Content-Length header follows); the number of values replaced."""
    head, body = split_message(sent)
    if not body or not fields:
        return sent, 0
    names = b"|".join(re.escape(quote(f, safe="").encode("ascii")) for f in fields)
    body, count = re.subn(rb"(^|&)(" + names + rb")=[^&]*", rb"\1\2=" + REDACTED, body)
    if count:
        head = re.sub(rb"(?im)^(content-length:[ \t]*)\d+", lambda m: m.group(1) + str(len(body)).encode(), head)
    return head + body, count


def rebuilt_wire(request: Request, response: Response) -> Wire:
    """The exchange as Scrapy's objects show it, when the wire form was not recorded."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{request.method} {target} HTTP/1.1".encode(), b"Host: " + parts.netloc.encode("idna")]
    lines += [k + b": " + v for k, values in request.headers.items() for v in values]
    if request.body:
        lines.append(b"Content-Length: %d" % len(request.body))
    sent = b"\r\n".join(lines) + b"\r\n\r\n" + request.body
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = ""
    status = [f"{response.protocol or 'HTTP/1.1'} {response.status} {phrase}".encode()]
    head = b"\r\n".join(status + [k + b": " + v for k, values in response.headers.items() for v in values])
    return Wire(sent, head + b"\r\n\r\n")


class WarcCaptureMiddleware:
    def __init__(self, crawler, directory: str):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.directory = directory
        self.redact = [f for f in settings.getlist("MIRROR_WARC_REDACT_FIELDS", ["password"]) if f]
        self.started = datetime.now(timezone.utc)
        recovered = recover(directory)
        known, indexed = load_known(directory)
        from mirror.warc.reader import iter_warc_files
        unindexed = [p.name for p in iter_warc_files(directory) if p.name not in indexed]
        if unindexed:  # left by a crawl that was killed: indexed now, so revisits can point at them
            write_index(directory, unindexed, f"recovered-{self.started:%Y%m%d%H%M%S%f}")
            known, _ = load_known(directory)
        if recovered:
            logger.warning("WARC: finished %d file(s) an interrupted crawl left open: %s",
                           len(recovered), ", ".join(recovered))
            self.stats.set_value("mirror/warc/recovered_files", len(recovered))
        self.writer = WarcWriter(directory, prefix=settings.get("MIRROR_WARC_PREFIX") or "fic-mirror",
                                 max_size=settings.getint("MIRROR_WARC_MAX_SIZE", 1_000_000_000), info=self._info(settings),
                                 known=known, fsync=settings.getbool("MIRROR_WARC_FSYNC", True))
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler):
        directory = crawler.settings.get("MIRROR_WARC_DIR")
        if not directory:
            raise NotConfigured  # off unless asked for (--warc): nothing to log
        mw = cls(crawler, directory)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def _info(self, settings) -> dict:
        obey = settings.getbool("ROBOTSTXT_OBEY")
        return {
            "software": f"fic-mirror/{__version__} (Scrapy/{scrapy.__version__}; warcio/{version('warcio')})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "operator": settings.get("MIRROR_CONTACT") or "(no contact given: mirror crawl --contact)",
            "robots": "obey" if obey else "ignore (mirror crawl --ignore-robots)",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "description": "fic-mirror crawl of an eFiction archive",
            "redaction": ("request bodies: the values of the form fields "
                          f"{', '.join(self.redact) or '(none)'} are replaced with REDACTED"),
            "settings": json.dumps({name: settings.get(name) for name in INFO_SETTINGS}, default=str),
        }

    # --- the exchange ---

    def process_request(self, request: Request) -> None:
        request.meta.pop(WIRE_KEY, None)  # a retry's copy of the last attempt's
        request.meta.pop(TRUNCATED_KEY, None)

    def process_response(self, request: Request, response: Response) -> Response:
        cut = "disconnect" if "dataloss" in response.flags else None  # DOWNLOAD_FAIL_ON_DATALOSS off
        self._archive(request, response, request.meta.pop(WIRE_KEY, None), truncated=cut)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        partial = request.meta.pop(TRUNCATED_KEY, None)
        if partial is not None:  # a body cut short: archived as such, then retried as before
            self._archive(request, partial, request.meta.pop(WIRE_KEY, None), truncated="disconnect")

    def _archive(self, request: Request, response: Response, wire: Wire | None, truncated: str | None) -> None:
        if self.failed:
            return
        if wire is None:
            wire = rebuilt_wire(request, response)
            self.stats.inc_value("mirror/warc/reconstructed")
        sent, redacted = redact_form(wire.sent, self.redact) if request.method == "POST" else (wire.sent, 0)
        if redacted:
            self.stats.inc_value("mirror/warc/redacted_fields", redacted)
        ip = str(response.ip_address) if response.ip_address else None
        try:
            written = self.writer.write_exchange(request.url, sent, wire.head, response.body, ip=ip,
                                                 truncated=truncated)
        except (OSError, *READ_ERRORS) as exc:
            self.failed = True
            self.stats.inc_value("mirror/warc/errors")
            message = f"WARC: cannot write to {self.directory} ({exc}): stopping the crawl"
            logger.error(message)
            self.stats.set_value("mirror/warc/error", message)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="warc_error"))
            return
        stats = self.stats
        stats.inc_value("mirror/warc/records/request")
        stats.inc_value("mirror/warc/records/revisit" if written.revisit else "mirror/warc/records/response")
        if truncated:
            stats.inc_value("mirror/warc/truncated")
        stats.set_value("mirror/warc/bytes", self.writer.bytes)
        stats.set_value("mirror/warc/files", len(self.writer.files))
        meta = {"filename": written.response.filename, "offset": written.response.offset,
                "length": written.response.length, "record_id": written.response.record_id,
                "revisit": written.revisit is not None}
        if written.revisit:
            meta.update(revisit_filename=written.revisit.filename, revisit_offset=written.revisit.offset)
        request.meta[META_KEY] = meta

    def spider_closed(self, spider=None, reason: str = "") -> None:
        self.writer.close()
        try:
            index = write_index(self.directory, self.writer.files, f"{self.writer.prefix}-{self.started:%Y%m%d%H%M%S%f}")
        except (OSError, *READ_ERRORS) as exc:
            self.stats.inc_value("mirror/warc/errors")
            logger.error("WARC: could not index %s (%s)", ", ".join(self.writer.files), exc)
            return
        if index is not None:
            self.stats.set_value("mirror/warc/index", index.name)
            logger.info("WARC: %d file(s), %d bytes in %s; index %s", len(self.writer.files),
                        self.writer.bytes, self.directory, index.name)
