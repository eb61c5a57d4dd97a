"""An HTTP/1.1 download handler that keeps the exchange as it went over the wire.

Scrapy's handler (Twisted underneath) hands on a parsed response: the reason phrase is
dropped, header names are re-cased, connection headers (``Transfer-Encoding``,
``Connection``, ``Keep-Alive``) are removed and the rest regrouped by name.  This
subclass records, per exchange:

* the request exactly as written to the socket (head and body);
* the response head exactly as received (status line and every header line, in order);

and leaves them in ``request.meta[WIRE_KEY]`` for :mod:`mirror.warc.middleware`.  The body
is Scrapy's: received bytes, still compressed (decompression happens later, in
HttpCompressionMiddleware); chunked transfer coding is already removed by Twisted.

A body cut short (``DOWNLOAD_FAIL_ON_DATALOSS``) still fails the request as before, but
the partial response is kept in ``request.meta[TRUNCATED_KEY]`` so that it can be archived
(marked ``WARC-Truncated``) before the retry.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import (HTTP11DownloadHandler, _LenientHTTP11ClientFactory,
                                                    _LenientHTTP11ClientProtocol, _LenientHTTPClientParser,
                                                    _ScrapyAgent)
from scrapy.exceptions import ResponseDataLossError
from scrapy.http import Response
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.web._newclient import STATUS

WIRE_KEY = "_mirror_wire"
TRUNCATED_KEY = "_mirror_truncated"


@dataclass
class Wire:
    sent: bytes  # the request: head and body, as written
    head: bytes  # the response head: status line, header lines and the empty line, as received


class _RecordingTransport:
    """Forwards everything to the connection's transport; keeps a copy of what is written."""

    def __init__(self, transport, sink: list[bytes]):
        self._transport = transport
        self._sink = sink

    def write(self, data: bytes) -> None:
        self._sink.append(data)
        self._transport.write(data)

    def writeSequence(self, data) -> None:  # noqa: N802 - Twisted's name
        data = list(data)
        self._sink.extend(data)
        self._transport.writeSequence(data)

    def __getattr__(self, name):
        return getattr(self._transport, name)


class _RecordingParser(_LenientHTTPClientParser):
    def lineReceived(self, line: bytes) -> None:  # noqa: N802
        if self.state == STATUS:  # a new head (after a 1xx, too)
            self._mirror_lines = []
        self._mirror_lines.append(line + b"\n")
        super().lineReceived(line)

    def allHeadersReceived(self) -> None:  # noqa: N802
        if self.response is not None:
            self.response._mirror_head = b"".join(self._mirror_lines)
        super().allHeadersReceived()


class _RecordingProtocol(_LenientHTTP11ClientProtocol):
    def request(self, request):
        sent: list[bytes] = []
        write_to = request.writeTo
        request.writeTo = lambda transport: write_to(_RecordingTransport(transport, sent))
        d = super().request(request)
        self._parser.__class__ = _RecordingParser

        def attach(response):
            response._mirror_sent = sent
            return response

        d.addCallback(attach)
        return d


class _RecordingFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr):  # noqa: N802
        return _RecordingProtocol(self._quiescentCallback)


class _RecordingAgent(_ScrapyAgent):
    def _cb_bodyready(self, txresponse, request: Request):
        head = getattr(txresponse, "_mirror_head", None)
        if head is not None:
            request.meta[WIRE_KEY] = Wire(b"".join(getattr(txresponse, "_mirror_sent", [])), head)
        return super()._cb_bodyready(txresponse, request)


class WireRecordingDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, recording the exchange (see the module's docstring)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self._pool._factory = _RecordingFactory

    async def download_request(self, request: Request) -> Response:
        asked = request.meta.pop("download_fail_on_dataloss", None)
        strict = self._fail_on_dataloss if asked is None else asked
        agent = _RecordingAgent(
            contextFactory=self._contextFactory, bindAddress=self._bind_address, pool=self._pool,
            maxsize=self._default_maxsize, warnsize=self._default_warnsize,
            fail_on_dataloss=False,  # decided below, once the partial body is kept
            crawler=self._crawler, tls_verbose_logging=self._tls_verbose_logging)
        try:
            with wrap_twisted_exceptions():
                response = await maybe_deferred_to_future(agent.download_request(request))
        finally:
            if asked is not None:
                request.meta["download_fail_on_dataloss"] = asked
        if strict and "dataloss" in response.flags:
            request.meta[TRUNCATED_KEY] = response
            raise ResponseDataLossError(get_dataloss_msg(request.url))
        return response
