"""Fault injection for the sample archive: a hostile or broken eFiction site on demand.

A *fault* is a callable ``fault(req) -> Response | None`` in ``SampleArchive.faults``;
the first one that answers replaces the archive's page (see ``SampleArchive.dispatch``).
This module builds them from a *predicate* (which requests) and a *responder* (what to
answer; a function of the request, so it can start from the archive's real page)::

    from mirror.sample import faults as F

    flaky = F.on(F.story(3, "index"), F.status(503, retry_after=2), times=2)
    site.faults.append(flaky)          # or:  with F.injected(site, flaky): ...
    ...                                # two 503s, then the real page
    assert flaky.hits == 2

Predicates: :func:`story`, :func:`listing`, :func:`path`, :func:`anything`.
Responders: :func:`status`, :func:`slow`, :func:`reset`, :func:`truncated`, :func:`empty`,
:func:`fatal_mysql`, :func:`access_denied`, :func:`wrong_encoding`, :func:`huge`,
:func:`redirect_loop`, :func:`redirect_offsite`; :func:`real_page` is the untouched page.

The wire-level misbehaviour (delay, reset, truncation) is done by the server from the
``delay`` / ``reset`` / ``truncate_to`` fields of :class:`~mirror.sample.server.Response`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from datetime import datetime, timezone
from email.utils import format_datetime
from http import HTTPStatus
from typing import Callable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

from .render import ACCESSDENIED, Viewer, encode_page, php_empty
from .server import PREFIX, Request, Response, SampleArchive

__all__ = [
    "Fault", "Predicate", "Responder",
    "on", "injected",
    "story", "listing", "path", "anything",
    "real_page", "status", "slow", "reset", "truncated", "empty", "fatal_mysql", "access_denied",
    "wrong_encoding", "huge", "redirect_loop", "redirect_offsite", "http_date",
    "FATAL_MYSQL_PAGE",
]

Predicate = Callable[[Request], bool]
Responder = Callable[[Request], Response]

APACHE_CONTENT_TYPE = "text/html; charset=iso-8859-1"


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------


class Fault:
    """Answers matching requests with ``respond(req)``, at most ``times`` times (None: always).

    ``hits`` counts how often it fired.  Once spent, matching requests go through to the
    next fault or the archive.  Thread-safe (the server handles requests concurrently).
    """

    def __init__(self, predicate: Predicate, respond: Responder, *, times: int | None = None) -> None:
        if times is not None and times < 0:
            raise ValueError("times must be >= 0 or None")
        self.predicate = predicate
        self.respond = respond
        self.times = times
        self.hits = 0
        self._lock = threading.Lock()

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def __call__(self, req: Request) -> Response | None:
        if not self.predicate(req):
            return None
        with self._lock:
            if self.spent:
                return None
            self.hits += 1
        return self.respond(req)

    def __repr__(self) -> str:
        return (f"Fault({_name(self.predicate)} -> {_name(self.respond)}, "
                f"times={self.times}, hits={self.hits})")


def on(predicate: Predicate, respond: Responder, *, times: int | None = None) -> Fault:
    """A fault answering requests that match ``predicate`` with ``respond``, at most ``times`` times."""
    return Fault(predicate, respond, times=times)


@contextlib.contextmanager
def injected(site: SampleArchive, *faults: Fault) -> Iterator[tuple[Fault, ...]]:
    """Install ``faults`` (ahead of the ones already there) for the ``with`` block, then remove them."""
    site.faults[:0] = faults
    try:
        yield faults
    finally:
        for f in faults:
            with contextlib.suppress(ValueError):
                site.faults.remove(f)


def _name(fn: Callable[..., object]) -> str:
    return getattr(fn, "__qualname__", repr(fn)).split(".<locals>")[0]


def _named(fn: Callable, name: str) -> Callable:
    fn.__qualname__ = name
    return fn


# ---------------------------------------------------------------------------
# Predicates
# ---------------------------------------------------------------------------


def anything() -> Predicate:
    """Every request."""
    return _named(lambda req: True, "anything()")


def path(substring: str) -> Predicate:
    """Requests whose path + query string (as sent, e.g. ``/efiction/rss.php``) contains ``substring``."""
    return _named(lambda req: substring in req.path_qs, f"path({substring!r})")


def story(sid: int, kind: str | None = None, *, chapter: int | None = None) -> Predicate:
    """``viewstory.php`` requests for story ``sid`` (by ``sid=``; ``chapid=`` is not resolved).

    ``kind``: ``"index"`` (``index=1``, not printable), ``"printable"`` (``action=printable``),
    ``"chapter"`` (a chapter page: neither of those), or None: any of them.
    ``chapter``: only requests for that chapter (``chapter=K``; a chapter page without it is chapter 1).
    """
    if kind not in (None, "index", "printable", "chapter"):
        raise ValueError(f"unknown story page kind {kind!r}")

    def match(req: Request) -> bool:
        g = req.get
        if req.path != PREFIX + "viewstory.php" or g.get("sid") != str(sid):
            return False
        printable = g.get("action") == "printable"
        index = not printable and not php_empty(g.get("index"))
        actual = "printable" if printable else "index" if index else "chapter"
        if kind is not None and actual != kind:
            return False
        if chapter is not None:
            default = "1" if actual == "chapter" else None
            return g.get("chapter", default) == str(chapter)
        return True

    return _named(match, f"story({sid}, {kind!r}{'' if chapter is None else f', chapter={chapter}'})")


def listing(offset: int | None = None, *, type: str = "titles") -> Predicate:  # noqa: A002 - eFiction's name
    """``browse.php?type=titles`` listing pages; ``offset``: only that page (no ``offset=`` is 0)."""

    def match(req: Request) -> bool:
        if req.path != PREFIX + "browse.php" or req.get.get("type") != type:
            return False
        return offset is None or req.get.get("offset", "0") == str(offset)

    return _named(match, f"listing({offset!r}, type={type!r})")


# ---------------------------------------------------------------------------
# Responders
# ---------------------------------------------------------------------------


def _site(req: Request) -> SampleArchive:
    if req.site is None:
        raise RuntimeError("request not dispatched by a SampleArchive (req.site is None)")
    return req.site


def real_page(req: Request) -> Response:
    """The archive's own answer to ``req`` (its session side effects included), untouched."""
    return _site(req)._route(req)


def _php_headers(req: Request) -> list[tuple[str, str]]:
    """The headers PHP would have sent (session cookie etc.) before the script failed."""
    return list(real_page(req).headers)


def http_date(when: datetime | float) -> str:
    """An HTTP date (``Wed, 21 Oct 2015 07:28:00 GMT``) for a datetime or a POSIX timestamp."""
    if not isinstance(when, datetime):
        when = datetime.fromtimestamp(when, timezone.utc)
    return format_datetime(when.astimezone(timezone.utc), usegmt=True)


def _apache_error_page(code: int) -> bytes:
    try:
        phrase, description = HTTPStatus(code).phrase, HTTPStatus(code).description
    except ValueError:
        phrase, description = "Error", ""
    return (f'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
            f"<title>{code} {phrase}</title>\n</head><body>\n<h1>{phrase}</h1>\n"
            f"<p>{description}.</p>\n</body></html>\n").encode("latin-1", "replace")


def status(code: int, *, retry_after: str | int | datetime | None = None,
           body: bytes | None = None) -> Responder:
    """An error status (500, 502, 503, 429, …) with an Apache-style error page (or ``body``).

    ``retry_after``: seconds (int), an HTTP date (datetime, see also :func:`http_date`) or any
    string sent verbatim as the ``Retry-After`` header; None sends no ``Retry-After``.
    """
    header: list[tuple[str, str]] = []
    if retry_after is not None:
        value = http_date(retry_after) if isinstance(retry_after, datetime) else str(retry_after)
        header = [("Retry-After", value)]
    page = _apache_error_page(code) if body is None else body

    def respond(req: Request) -> Response:
        return Response(code, page, APACHE_CONTENT_TYPE, list(header))

    return _named(respond, f"status({code}, retry_after={retry_after!r})")


def slow(seconds: float, then: Responder = real_page) -> Responder:
    """Wait ``seconds`` before sending anything, then the real page (or ``then(req)``)."""

    def respond(req: Request) -> Response:
        return dataclasses.replace(then(req), delay=seconds)

    return _named(respond, f"slow({seconds})")


def reset() -> Responder:
    """Read the request, send nothing and reset the connection (RST); logged with status 0."""
    return _named(lambda req: Response(0, reset=True), "reset()")


def truncated(fraction: float = 0.5) -> Responder:
    """The real page with its full ``Content-Length`` but only the first ``fraction`` of the body
    (rounded down), then the connection closes."""
    if not 0 <= fraction < 1:
        raise ValueError("fraction must be in [0, 1)")

    def respond(req: Request) -> Response:
        resp = real_page(req)
        resp.truncate_to = int(len(resp.body) * fraction)
        return resp

    return _named(respond, f"truncated({fraction})")


def empty() -> Responder:
    """HTTP 200 with an empty body (``Content-Length: 0``) and the usual PHP headers."""
    return _named(lambda req: Response(200, b"", headers=_php_headers(req)), "empty()")


# die(_FATALERROR."Query: ".$query."<br />Error: (".errno.") ".error) as eFiction 3.5 scripts
# do: the templates are only printed at the end, so the page is this fragment alone.
FATAL_MYSQL_PAGE = (
    "<b>A fatal MySQL error was encountered.</b><br />Query: SELECT * FROM fanfiction_stories "
    "WHERE sid = '{sid}' LIMIT 1<br />Error: (1040) Too many connections"
)


def fatal_mysql() -> Responder:
    """HTTP 200 with eFiction's ``die(_FATALERROR …)`` output: just
    ``<b>A fatal MySQL error was encountered.</b><br />Query: …<br />Error: (1040) Too many
    connections`` (no site frame: eFiction prints its templates at the end), PHP headers."""

    def respond(req: Request) -> Response:
        sid = req.get.get("sid", "")
        body = FATAL_MYSQL_PAGE.replace("{sid}", sid if sid.isdigit() else "0")
        return Response(200, encode_page(body), headers=_php_headers(req))

    return _named(respond, "fatal_mysql()")


def access_denied() -> Responder:
    """HTTP 200 with eFiction's viewstory.php "Access denied. This story has not been validated
    by the adminstrators of this site." page in the site frame, as for an unvalidated story: the
    story's title in ``#pagetitle`` if ``sid`` names one, else empty (printable layout for
    ``action=printable``); PHP headers."""

    def respond(req: Request) -> Response:
        site = _site(req)
        sid = req.get.get("sid", "")
        st = site.archive.story(int(sid)) if sid.isdigit() else None
        page = site.renderer.gate_page(st, ACCESSDENIED, Viewer(),
                                       printable=req.get.get("action") == "printable")
        return Response(200, encode_page(page), headers=_php_headers(req))

    return _named(respond, "access_denied()")


def wrong_encoding() -> Responder:
    """The real page with its body transcoded windows-1252 -> UTF-8 (``body.decode("cp1252")
    .encode("utf-8")``), all else unchanged: the header still says ``charset=_CHARSET`` and the
    ``<meta>`` ISO-8859-1, so a client decoding as declared (cp1252) gets mojibake (``é`` ->
    ``Ã©``).  ASCII-only pages come out identical."""

    def respond(req: Request) -> Response:
        resp = real_page(req)
        resp.body = resp.body.decode("cp1252").encode("utf-8")
        return resp

    return _named(respond, "wrong_encoding()")


_HUGE_HEAD = (b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<html><head>'
              b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
              b"<title>Huge page</title></head><body><p>")
_HUGE_TAIL = b"</p></body></html>\n"
_HUGE_FILL = b"All work and no play makes Jack a dull boy. "


def huge(size_bytes: int) -> Responder:
    """HTTP 200 with a valid HTML page of exactly ``size_bytes`` bytes (one ``<p>`` of filler text)."""
    room = size_bytes - len(_HUGE_HEAD) - len(_HUGE_TAIL)
    if room < 0:
        raise ValueError(f"size_bytes must be >= {len(_HUGE_HEAD) + len(_HUGE_TAIL)}")
    body = _HUGE_HEAD + (_HUGE_FILL * (room // len(_HUGE_FILL) + 1))[:room] + _HUGE_TAIL

    def respond(req: Request) -> Response:
        return Response(200, body)

    return _named(respond, f"huge({size_bytes})")


def _without_loop_marker(req: Request) -> tuple[str, bool]:
    parts = urlsplit(req.path_qs)
    pairs = parse_qsl(parts.query, keep_blank_values=True, encoding="latin-1")
    kept = [(k, v) for k, v in pairs if k != "loop"]
    qs = urlencode(kept, encoding="latin-1")
    return parts.path + ("?" + qs if qs else ""), len(kept) != len(pairs)


def redirect_loop(*, two_step: bool = False, code: int = 302) -> Responder:
    """A redirect (302) that never ends.

    Default: ``Location`` is the request's own absolute URL.  ``two_step=True``: A -> B -> A,
    where B is A plus ``&loop=1`` (B redirects back to A without it); the fault's predicate
    must match B as well (``story``, ``listing`` and most ``path`` predicates do).
    """

    def respond(req: Request) -> Response:
        target = req.path_qs
        if two_step:
            stripped, had_marker = _without_loop_marker(req)
            target = stripped if had_marker else req.path_qs + ("&" if "?" in req.path_qs else "?") + "loop=1"
        host = req.headers.get("Host") or f"{_site(req).host}:{_site(req).port}"
        return Response(code, b"", headers=[("Location", f"http://{host}{target}")])

    return _named(respond, f"redirect_loop(two_step={two_step})")


def redirect_offsite(host: str = "127.0.0.2", *, code: int = 302) -> Responder:
    """A redirect (302) to the same path on another host name, same port
    (``http://127.0.0.2:PORT/efiction/…``: loopback, but the server, bound to 127.0.0.1,
    does not answer there)."""

    def respond(req: Request) -> Response:
        site = _site(req)
        return Response(code, b"", headers=[("Location", f"http://{host}:{site.port}{req.path_qs}")])

    return _named(respond, f"redirect_offsite({host!r})")
