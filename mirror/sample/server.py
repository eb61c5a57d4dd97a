"""HTTP server for the bundled sample eFiction 3.5 archive.

Serves the archive of :mod:`mirror.sample.archive` under
``http://127.0.0.1:PORT/efiction/`` the way a stock eFiction 3.5.5 install with
the Berrygood skin does, including its quirks:

* ``Content-Type: text/html; charset=_CHARSET`` (the bogus header real 3.5.x
  sites send) with a correct ISO-8859-1 ``<meta>``; bodies in windows-1252;
* a PHP session (``PHPSESSID`` cookie, set on every ``.php`` response) holding
  the rating-gate consents (``?warning=<rid>`` / ``?ageconsent=…`` on any
  page) and the member login;
* errors as HTTP 200 pages ("Access denied…"), except unknown scripts (404).

Usage::

    with SampleArchive() as site:
        urllib.request.urlopen(site.base_url + "browse.php?type=titles")

or ``python -m mirror.sample.server --port 8080`` (``--generate 1000`` serves
``Archive.generated(1000)``).

Content that changes while the server runs: serve a copy and change it,
``SampleArchive(archive=ARCHIVE.copy())`` then ``site.archive.add_chapter(...)``
(see :class:`~mirror.sample.archive.Archive`); the next request shows it.
Rendered GET pages are cached per (script, query, visitor state) and archive
:attr:`~mirror.sample.archive.Archive.version`, so any change invalidates them.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import hashlib
import re
import secrets
import socket
import struct
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Mapping
from urllib.parse import parse_qsl, urlsplit

from .images import SAMPLE_IMAGES
from .archive import ARCHIVE, Archive, sort_by_title, sort_by_update
from .render import (
    ACCESSDENIED,
    ACTIONSUCCESSFUL,
    AGECHECK,
    ERROR,
    NOSUCHACCOUNT,
    NOTAUTHORIZED,
    RUSERSONLY,
    WRONGPASSWORD,
    Renderer,
    Viewer,
    encode_page,
    not_found_page,
    php_empty,
)
from .skins import renderer_class
from .variants import SKINS, VARIANTS, SiteVariant, encode, finish_page

__all__ = ["Request", "RequestRecord", "Response", "SampleArchive", "Session", "main"]

HTML_CONTENT_TYPE = "text/html; charset=_CHARSET"
PREFIX = "/efiction/"
ROBOTS_TXT = (
    "User-agent: *\n"
    "Disallow: /efiction/admin.php\n"
    "Disallow: /efiction/user.php\n"
)
_SESSION_ID_RE = re.compile(r"^[A-Za-z0-9,-]{1,128}$")
_NUMBER_RE = re.compile(r"^[0-9]+$")
_SIGNED_RE = re.compile(r"^-?[0-9]+$")
_PENNAME_RE = re.compile(r"^[-a-z0-9_ ]{3,30}$", re.IGNORECASE)


def is_number(v: str | None) -> bool:
    return v is not None and bool(_NUMBER_RE.match(v))


# ---------------------------------------------------------------------------
# Request / response / log records
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRecord:
    """One served request.  ``session_id`` is the PHPSESSID the client sent (None if none)."""

    time: float  # time.monotonic() when the request was dispatched
    method: str
    path_qs: str  # path + query string, exactly as requested
    session_id: str | None
    status: int


@dataclass
class Request:
    method: str
    path_qs: str
    headers: Mapping[str, str]
    body: bytes = b""
    # The server answering this request (set by SampleArchive.dispatch; fault factories use it).
    site: "SampleArchive | None" = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.path_qs)
        self.path = parts.path
        self.query_string = parts.query
        # PHP $_GET: values are the raw bytes (latin-1 keeps them 1:1); the last
        # duplicate wins but keeps the position of the first one.
        self.get: dict[str, str] = {}
        for k, v in parse_qsl(parts.query, keep_blank_values=True, encoding="latin-1"):
            self.get[k] = v
        self.post: dict[str, str] = _parse_form(self.headers.get("Content-Type", ""), self.body) \
            if self.method == "POST" else {}
        self.cookies: dict[str, str] = {}
        raw = self.headers.get("Cookie")
        if raw:
            try:
                jar = SimpleCookie()
                jar.load(raw)
                self.cookies = {k: m.value for k, m in jar.items()}
            except CookieError:
                pass

    @property
    def request(self) -> dict[str, str]:
        """PHP $_REQUEST (GET overridden by POST)."""
        return {**self.get, **self.post}


@dataclass
class Response:
    """A response.  The last three fields misbehave on the wire (see :mod:`mirror.sample.faults`)."""

    status: int = 200
    body: bytes = b""
    content_type: str = HTML_CONTENT_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0  # seconds to wait before sending anything (cut short by SampleArchive.stop())
    reset: bool = False  # send nothing, reset the connection (RST); logged with status 0
    truncate_to: int | None = None  # full Content-Length, only the first N body bytes, then close


@dataclass
class Session:
    sid: str
    warned: set[int] = field(default_factory=set)
    ageconsent: bool = False
    uid: int | None = None


def _parse_form(content_type: str, body: bytes) -> dict[str, str]:
    if not body:
        return {}
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "multipart/form-data":
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        out: dict[str, str] = {}
        if msg.is_multipart():
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name:
                    payload = part.get_payload(decode=True) or b""
                    out[str(name)] = payload.decode("latin-1")
        return out
    return dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1"))


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------


class SampleArchive:
    """A sample eFiction 3.5 site on a loopback port (ThreadingHTTPServer in a daemon thread).

    ``archive``: what to serve (default: the frozen :data:`~mirror.sample.archive.ARCHIVE`);
    pass ``ARCHIVE.copy()`` or ``Archive.generated(n)`` to change it while serving.
    ``items_per_page``: the eFiction ``itemsperpage`` setting; default: the archive's own
    (10 for the sample, eFiction's 25 for a generated archive).  ``count_reads``: every
    chapter view adds one to the story's read count, as on a real site (off by default so
    that the ground truth does not drift; needs a mutable archive).
    ``cache_bytes``: budget of the rendered-page cache (0 disables it).
    ``variant``: serve the archive as a customised site does (another skin, German labels, a
    date format, UTF-8, the index first, no printable view, a sub-path with absolute https
    links: :class:`~mirror.sample.variants.SiteVariant`; ``SKINS`` there for more skins, whose
    renderers :func:`mirror.sample.skins.renderer_class` gives); default: the stock install.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, items_per_page: int | None = None,
                 robots: bool = True, archive: Archive | None = None, count_reads: bool = False,
                 cache_bytes: int = 64 << 20, variant: SiteVariant | None = None) -> None:
        self.host = host
        self.port = port
        self.archive = archive if archive is not None else ARCHIVE
        self.variant = variant if variant is not None else SiteVariant()
        self.prefix = self.variant.base_path
        self.public_base = ""  # the site's own idea of its address (variant.public_scheme)
        if self.variant.dateformat and self.variant.dateformat != self.archive.site.dateformat:
            import dataclasses

            self.archive = self.archive.copy()
            self.archive.site = dataclasses.replace(self.archive.site, dateformat=self.variant.dateformat)
        self.items_per_page = items_per_page if items_per_page is not None else self.archive.site.items_per_page
        self.robots = robots
        # images/<name> -> (bytes, Content-Type): mirror.sample.images; tests may add more
        self.images: dict[str, tuple[bytes, str]] = dict(SAMPLE_IMAGES)
        if count_reads and self.archive.frozen:
            raise ValueError("count_reads needs a mutable archive (ARCHIVE.copy())")
        self.count_reads = count_reads
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple, tuple[tuple[int, int], Response]] = OrderedDict()
        self._cache_size = 0
        self._cache_lock = threading.Lock()
        self.base_url = ""
        self.requests: list[RequestRecord] = []
        # Fault injection: each callable may answer a request in place of the archive
        # (return a Response) or let it through (return None).  Tests append to it.
        self.faults: list[Callable[[Request], Response | None]] = []
        self._log_lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._session_lock = threading.RLock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()  # wakes up handlers sleeping on a Response.delay
        self.renderer: Renderer = renderer_class(self.variant.skin)(self.archive, items_per_page=self.items_per_page)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> "SampleArchive":
        if self._httpd is not None:
            return self
        httpd = _Server((self.host, self.port), _Handler)
        httpd.sample = self
        self._stopping.clear()
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}{self.prefix}"
        self.public_base = (f"{self.variant.public_scheme}://{self.host}:{self.port}{self.prefix}"
                            if self.variant.public_scheme else self.base_url)
        self.renderer.site_url = self.public_base.rstrip("/")
        with self._cache_lock:  # pages name the port (printable, RSS)
            self._cache.clear()
            self._cache_size = 0
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sample-efiction-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "SampleArchive":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- log / sessions ------------------------------------------------------------

    def _record(self, rec: RequestRecord) -> None:
        with self._log_lock:
            self.requests.append(rec)

    def request_log(self) -> list[RequestRecord]:
        """A snapshot copy of the request log."""
        with self._log_lock:
            return list(self.requests)

    def clear_requests(self) -> None:
        with self._log_lock:
            self.requests.clear()

    def session(self, sid: str) -> Session | None:
        with self._session_lock:
            return self._sessions.get(sid)

    def _get_session(self, req: Request) -> Session:
        sid = req.cookies.get("PHPSESSID")
        with self._session_lock:
            if sid and _SESSION_ID_RE.match(sid):
                # PHP (use_strict_mode=0) adopts an unknown id sent by the client.
                return self._sessions.setdefault(sid, Session(sid))
            while True:
                sid = secrets.token_hex(13)
                if sid not in self._sessions:
                    break
            s = Session(sid)
            self._sessions[sid] = s
            return s

    def _salt(self, uid: int) -> str:
        a = self.archive.author(uid)
        pw = hashlib.md5((a.password or "").encode()).hexdigest() if a else ""
        return hashlib.md5(f"{a.email if a else ''}{pw}".encode()).hexdigest()

    def _viewer(self, session: Session) -> Viewer:
        with self._session_lock:
            member = self.archive.author(session.uid) if session.uid is not None else None
            return Viewer(
                uid=session.uid,
                warned=frozenset(session.warned),
                ageconsent=session.ageconsent,
                member_ageconsent=bool(member and member.ageconsent),
            )

    # -- dispatch ------------------------------------------------------------------

    def dispatch(self, req: Request) -> Response:
        """Single entry point for every request (fault injection hooks in here)."""
        started = time.monotonic()
        req.site = self
        try:
            resp = next((r for fault in list(self.faults) if (r := fault(req)) is not None), None) \
                or self._route(req)
        except Exception:  # pragma: no cover - a bug; answer like PHP would (blank 500)
            resp = Response(500, b"", "text/html; charset=UTF-8")
        self._record(RequestRecord(started, req.method, req.path_qs, req.cookies.get("PHPSESSID"),
                                   0 if resp.reset else resp.status))
        return resp

    def _route(self, req: Request) -> Response:
        path = req.path
        if path == "/robots.txt":
            if self.robots:
                robots = ROBOTS_TXT.replace(PREFIX, self.prefix)
                return Response(200, robots.encode("ascii"), "text/plain; charset=UTF-8")
            return self._not_found(path)
        if path == self.prefix.rstrip("/"):
            return Response(301, b"", HTML_CONTENT_TYPE, [("Location", self.prefix)])
        if not path.startswith(self.prefix):
            return self._not_found(path)
        script = path[len(self.prefix):] or "index.php"
        if script.startswith("images/"):
            image = self.images.get(script[len("images/"):])
            return Response(200, image[0], image[1]) if image else self._not_found(path)
        handler = _SCRIPTS.get(script)
        if handler is None:
            return self._not_found(path)
        session = self._get_session(req)
        if script != "rss.php":
            self._apply_header_php(req, session)
        self.renderer.begin_request(self.prefix + script, req.get)  # PHP_SELF, $_GET (a skin's blocks)
        resp = self._cached_page(script, req, session, handler)
        resp.headers[:0] = [
            ("X-Powered-By", "PHP/5.6.40"),
            ("Set-Cookie", f"PHPSESSID={session.sid}; path=/"),
            ("Expires", "Thu, 19 Nov 1981 08:52:00 GMT"),
            ("Cache-Control", "no-store, no-cache, must-revalidate, post-check=0, pre-check=0"),
            ("Pragma", "no-cache"),
        ]
        return resp

    def _cached_page(self, script: str, req: Request, session: Session,
                     handler: Callable[["SampleArchive", Request, Session], Response]) -> Response:
        """handler(req, session), from the page cache when the same page was rendered for the
        same visitor state and archive version (GET only; not user.php, which changes state)."""
        if (not self.cache_bytes or req.method != "GET" or script == "user.php"
                or (self.count_reads and script == "viewstory.php")):
            return handler(self, req, session)
        v = self._viewer(session)
        key = (script, tuple(req.get.items()), v.uid, v.warned, v.ageconsent, v.member_ageconsent)
        # Read before rendering: a change during it makes a new version, so no stale page is kept.
        version = (id(self.archive), self.archive.version)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] == version:
                self._cache.move_to_end(key)
                r = hit[1]
                return Response(r.status, r.body, r.content_type, list(r.headers))
        resp = handler(self, req, session)
        if resp.delay or resp.reset or resp.truncate_to is not None or len(resp.body) > self.cache_bytes // 8:
            return resp
        stored = Response(resp.status, resp.body, resp.content_type, list(resp.headers))
        with self._cache_lock:
            old = self._cache.pop(key, None)
            if old is not None:
                self._cache_size -= len(old[1].body)
            self._cache[key] = (version, stored)
            self._cache_size += len(stored.body)
            while self._cache_size > self.cache_bytes and self._cache:
                _, (_, dropped) = self._cache.popitem(last=False)
                self._cache_size -= len(dropped.body)
        return resp

    def _not_found(self, path: str) -> Response:
        return Response(404, not_found_page(path), "text/html; charset=UTF-8")

    def _apply_header_php(self, req: Request, session: Session) -> None:
        """header.php: gate consents in the session; cookie login (get_session_vars.php)."""
        with self._session_lock:
            self._apply_header_php_locked(req, session)

    def _apply_header_php_locked(self, req: Request, session: Session) -> None:
        warning = req.get.get("warning")
        if is_number(warning):
            session.warned.add(int(warning))  # type: ignore[arg-type]
        if "ageconsent" in req.get:
            session.ageconsent = True
        if session.uid is None:
            key = self.archive.site.sitekey
            uid, salt = req.cookies.get(f"{key}_useruid"), req.cookies.get(f"{key}_salt")
            if is_number(uid) and salt and self.archive.author(int(uid)) and salt == self._salt(int(uid)):
                session.uid = int(uid)

    def _html(self, page: str, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
        if self.variant != SiteVariant():
            body = encode(finish_page(page, self.variant, self.public_base), self.variant)
            return Response(status, body, HTML_CONTENT_TYPE, headers or [])
        return Response(status, encode_page(page), HTML_CONTENT_TYPE, headers or [])

    # -- scripts -------------------------------------------------------------------

    def _index_php(self, req: Request, session: Session) -> Response:
        return self._html(self.renderer.home_page(self._viewer(session)))

    def _viewstory_php(self, req: Request, session: Session) -> Response:
        g = req.get
        viewer = self._viewer(session)
        a = self.archive
        sid: int | None = int(g["sid"]) if is_number(g.get("sid")) else None
        chapter: int | None = int(g["chapter"]) if is_number(g.get("chapter")) and int(g["chapter"]) else None
        if is_number(g.get("chapid")):
            ch = a.chapter(int(g["chapid"]))
            sid, chapter = (ch.sid, ch.inorder) if ch else (None, None)
        textsize = int(g["textsize"]) if _SIGNED_RE.match(g.get("textsize", "")) else 0
        printable = g.get("action") == "printable"
        story = a.story(sid) if sid is not None else None

        warning = None
        if story is None or not story.validated:
            warning = ACCESSDENIED
        if story is not None:
            rating = a.rating(story.rid)
            if rating.members_only and not viewer.is_member:
                warning = RUSERSONLY + "<br />"
            elif rating.age_consent and not session.ageconsent and not viewer.member_ageconsent:
                warning = (f"{AGECHECK}<br /><a href='viewstory.php?sid={story.sid}&amp;ageconsent=ok&amp;"
                           f"warning={rating.rid}'>{rating.warningtext}</a>")
            elif rating.warning and rating.rid not in session.warned:
                warning = (f"{rating.warningtext}<br /><a href='viewstory.php?sid={story.sid}&amp;"
                           f"warning={rating.rid}'>Continue</a>")
        if warning is not None:
            return self._html(self.renderer.gate_page(story, warning, viewer, printable=printable))
        assert story is not None
        if printable and not self.variant.printable:  # switched off: the skin's error page
            return self._html(self.renderer.error_page(viewer, ACCESSDENIED))
        if printable:
            return self._html(self.renderer.printable_page(story, chapter, viewer))
        if not php_empty(g.get("index")) or (self.variant.displayindex and chapter is None
                                              and len(story.chapters) > 1):
            return self._html(self.renderer.index_page(story, textsize, viewer))
        page = self.renderer.chapter_page(story, chapter, textsize, viewer)
        if self.count_reads:
            a.record_read(story.sid)  # count = count + 1, after the page was built (as in PHP)
        return self._html(page)

    def _browse_php(self, req: Request, session: Session) -> Response:
        viewer = self._viewer(session)
        r = self.renderer
        a = self.archive
        terms_all = req.request
        type_ = terms_all.get("type") or ""
        if not type_:
            return self._html(r.browse_menu(viewer))
        offset = int(req.get["offset"]) if is_number(req.get.get("offset")) else 0

        def keep(k: str, v: str) -> bool:
            return k not in ("submit", "go", "offset") and (k == "complete" or not php_empty(v))

        terms_list = [f"{k}={v}" for k, v in terms_all.items() if keep(k, v) and k != "type"]
        pagelink = "browse.php?" + "".join(f"{k}={v}&amp;" for k, v in terms_all.items() if keep(k, v))
        terms = "type=" + type_ + ("&amp;" + "&amp;".join(terms_list) if terms_list else "")

        # filters (browse.php)
        def ids(v: str | None) -> list[int]:
            return [int(x) for x in (v or "").split(",") if is_number(x) and int(x) > 0]

        catids = ids(terms_all.get("catid"))
        charids = ids(terms_all.get("charid"))
        for k in ("charlist1", "charlist2"):
            c = ids(terms_all.get(k))
            if c and c[0] not in charids:
                charids.append(c[0])
        rids = ids(terms_all.get("rid")) + ids(terms_all.get("rating"))
        classin: list[int] = []
        for t in a.class_types.values():
            classin += ids(req.post.get(t.name) or req.get.get(f"class_{t.type_id}") or terms_all.get(t.name))
        complete = "all"
        if "complete" in terms_all:
            complete = "1" if terms_all["complete"] == "1" else ("0" if php_empty(terms_all["complete"]) else "all")
        let = terms_all.get("let") or None
        sort_update = terms_all.get("sort") == "update"

        stories = a.listed_stories()
        pagetitle = ""
        alphabet_url = None
        if type_ == "titles":
            pagetitle = f'<div id="pagetitle">Titles{" - " + let if let else ""}</div>'
            alphabet_url = f"browse.php?{terms}&amp;"
        elif type_ == "categories":
            # browse/categories.php: the categories under catid (-1: the top level), one <div> each,
            # "[numitems] description"; a category's page then lists the stories filed in it
            # (only those: not its subcategories' stories)
            subs = r.subcategory_list(catids[0] if catids else -1)
            if not catids:
                inner = '<div id="pagetitle">Categories</div>' + subs + "\r\n"
                return self._html(r.frame(r.skinny(inner), viewer, browse_js=True))
            c = a.categories.get(catids[0])
            pagetitle = (f"<div id=\"pagetitle\"><a href='browse.php?type=categories&amp;catid={catids[0]}'>"
                         f"{c.name if c else ''}</a></div>") + subs
        elif type_ == "characters":
            if not charids:
                rows = [f'<a href="browse.php?type=characters&amp;charid={c.charid}">{c.name}</a><br />\n'
                        for c in sorted(a.characters.values(), key=lambda c: c.name.lower())]
                return self._html(r.simple_list_page(viewer, "<div id='pagetitle'>Characters</div>", rows))
            c = a.characters.get(charids[0])
            pagetitle = f"<div id='pagetitle'>Characters: {c.name if c else ''}</div>"
        elif type_ == "class":
            t = a.class_types.get(int(terms_all["type_id"])) if is_number(terms_all.get("type_id")) else None
            classid = int(terms_all["classid"]) if is_number(terms_all.get("classid")) else None
            if t is None:
                return self._html(r.error_page(viewer, ERROR))
            if classid is None:
                rows = [f"<a href='browse.php?type=class&amp;type_id={t.type_id}&amp;classid={c.classid}'>"
                        f"{c.name}</a><br />\n"
                        for c in sorted(a.classes.values(), key=lambda c: c.name.lower()) if c.type_id == t.type_id]
                return self._html(r.simple_list_page(viewer, f"<div id='pagetitle'>{t.title}</div>", rows))
            classin.append(classid)
            cl = a.classes.get(classid)
            pagetitle = f"<div id='pagetitle'>{t.title}: {cl.name if cl else ''}</div>"
        elif type_ == "ratings":
            if not rids:
                rows = [f'<a href="browse.php?type=ratings&amp;rating={x.rid}">{x.name}</a><br />\n'
                        for x in a.ratings.values()]
                return self._html(r.simple_list_page(viewer, "<div id='pagetitle'>Ratings</div>", rows))
            pagetitle = f"<div id='pagetitle'>Ratings: {a.ratings[rids[0]].name if rids[0] in a.ratings else ''}</div>"
        elif type_ == "recent":
            since = a.site.now.timestamp() - a.site.recentdays * 86400
            stories = [s for s in stories if s.updated_at.timestamp() > since]
            pagetitle = '<div id="pagetitle">Most Recent</div>'
            sort_update = terms_all.get("sort") != "alpha"
        elif type_ == "featured":
            stories = [s for s in stories if s.featured or s.retired]
            pagetitle = '<div id="pagetitle">Featured Stories</div>'
        elif type_ == "series":
            inner = "<div id='pagetitle'>Series</div>\r\n" + "".join(
                r.series_block(s, i) for i, s in enumerate(a.series.values()))
            return self._html(r.frame(r.skinny(inner), viewer, browse_js=True))
        elif type_ == "challenges":
            return self._html(r.challenges_listing(viewer))
        else:
            return self._html(r.error_page(viewer, ERROR))

        if catids:  # type=categories: that category only; other types: with its subcategories
            wanted = set(catids) if type_ == "categories" else {x for c in catids for x in a.category_tree(c)}
            stories = [s for s in stories if wanted & {c for c, _ in s.categories}]
        for c in charids:
            stories = [s for s in stories if c in s.character_ids]
        if rids:
            stories = [s for s in stories if s.rid in rids]
        for c in classin:
            stories = [s for s in stories if c in s.class_ids]
        if complete == "1":
            stories = [s for s in stories if s.completed]
        elif complete == "0":
            stories = [s for s in stories if not s.completed]
        if type_ == "titles" and let:
            if let == "Other":
                stories = [s for s in stories if not ("a" <= s.title[:1].lower() <= "z")]
            else:
                stories = [s for s in stories if s.title.lower().startswith(let.lower())]
        if sort_update:
            stories = sort_by_update(stories)  # ORDER BY updated DESC (ties: by title)
        else:
            stories = sort_by_title(stories)

        sortform = r.sortform(
            f"browse.php?type={type_}&amp;" + "&amp;".join(terms_list),
            catid=catids[0] if catids else None, charids=charids, rid=rids[0] if rids else None,
            classin=classin, sort_update=sort_update, complete=complete, type_=type_,
        )
        return self._html(r.browse_page(viewer, pagetitle_html=pagetitle, alphabet_url=alphabet_url,
                                        sortform=sortform, stories=stories, offset=offset, pagelink=pagelink))

    def _viewuser_php(self, req: Request, session: Session) -> Response:
        viewer = self._viewer(session)
        g = req.get
        if not is_number(g.get("uid")):
            return self._html(self.renderer.viewuser_unauthorized(viewer))
        action = g.get("action") or "storiesby"
        offset = int(g["offset"]) if is_number(g.get("offset")) else 0
        return self._html(self.renderer.viewuser_page(int(g["uid"]), action, g.get("sort"), offset, viewer))

    def _viewseries_php(self, req: Request, session: Session) -> Response:
        g = req.get
        seriesid = int(g["seriesid"]) if is_number(g.get("seriesid")) else 0
        offset = int(g["offset"]) if is_number(g.get("offset")) else 0
        return self._html(self.renderer.viewseries_page(seriesid, offset, self._viewer(session)))

    def _reviews_php(self, req: Request, session: Session) -> Response:
        g = req.get
        if g.get("action"):  # reviews.php?action=add: a form for members, never crawled
            return self._html(self.renderer.error_page(self._viewer(session), NOTAUTHORIZED))
        offset = int(g["offset"]) if is_number(g.get("offset")) else 0
        chapid = int(g["chapid"]) if is_number(g.get("chapid")) else None
        reviewid = int(g["reviewid"]) if is_number(g.get("reviewid")) else None
        type_ = "SE" if g.get("type") == "SE" else "ST"
        item = int(g["item"]) if is_number(g.get("item")) else 0
        return self._html(self.renderer.reviews_page(type_, item, chapid, offset, self._viewer(session), reviewid))

    def _authors_php(self, req: Request, session: Session) -> Response:
        g = req.get
        list_ = "members" if g.get("action") == "list" else (g.get("list") or "authors")
        if list_ not in ("authors", "members"):
            list_ = "authors"
        offset = int(g["offset"]) if is_number(g.get("offset")) else 0
        return self._html(self.renderer.authors_page(list_, g.get("let") or None, offset, self._viewer(session)))

    def _challenges_php(self, req: Request, session: Session) -> Response:
        chalid = int(req.get["chalid"]) if is_number(req.get.get("chalid")) else None
        return self._html(self.renderer.challenge_page(chalid, self._viewer(session)))

    def _rss_php(self, req: Request, session: Session) -> Response:
        if self.variant != SiteVariant():
            rss = finish_page(self.renderer.rss(), self.variant, self.public_base, rss=True)
            return Response(200, encode(rss, self.variant), "application/rss+xml")
        return Response(200, encode_page(self.renderer.rss()), "application/rss+xml")

    def _user_php(self, req: Request, session: Session) -> Response:
        r = self.renderer
        key = self.archive.site.sitekey
        action = req.get.get("action") or "login"
        sid = int(req.get["sid"]) if is_number(req.get.get("sid")) else None
        if action == "logout":
            with self._session_lock:
                session.uid = None
                session.warned.clear()
                session.ageconsent = False
            expired = "expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/"
            return self._html(r.message_page(self._viewer(session), ACTIONSUCCESSFUL), headers=[
                ("Set-Cookie", f"{key}_useruid=deleted; {expired}"),
                ("Set-Cookie", f"{key}_salt=deleted; {expired}"),
            ])
        if action == "login" and req.method == "POST" and not php_empty(req.post.get("submit")):
            penname = req.post.get("penname", "")
            member = self.archive.member_by_penname(penname) if _PENNAME_RE.match(penname) else None
            if member is None or member.password is None:
                return self._html(r.login_page(self._viewer(session), error=NOSUCHACCOUNT, sid=sid))
            if req.post.get("password", "") != member.password:
                return self._html(r.login_page(self._viewer(session), error=WRONGPASSWORD, sid=sid))
            with self._session_lock:
                session.uid = member.uid
            headers = []
            if "cookiecheck" in req.post:
                expires = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30 * 86400))
                headers = [
                    ("Set-Cookie", f"{key}_useruid={member.uid}; expires={expires}; Max-Age=2592000; path=/"),
                    ("Set-Cookie", f"{key}_salt={self._salt(member.uid)}; expires={expires}; Max-Age=2592000; path=/"),
                ]
            return self._html(r.account_page(self._viewer(session)), headers=headers)
        viewer = self._viewer(session)
        if action == "login":
            if viewer.is_member:
                return self._html(r.account_page(viewer))
            return self._html(r.login_page(viewer, sid=sid))
        if action == "register":
            return self._html(r.error_page(viewer, "New registrations are closed on this sample archive."))
        if not viewer.is_member:
            return self._html(r.error_page(viewer, NOTAUTHORIZED))
        return self._html(r.error_page(viewer, ERROR))


_SCRIPTS = {
    "index.php": SampleArchive._index_php,
    "browse.php": SampleArchive._browse_php,
    "viewstory.php": SampleArchive._viewstory_php,
    "viewuser.php": SampleArchive._viewuser_php,
    "viewseries.php": SampleArchive._viewseries_php,
    "authors.php": SampleArchive._authors_php,
    "reviews.php": SampleArchive._reviews_php,
    "rss.php": SampleArchive._rss_php,
    "user.php": SampleArchive._user_php,
    "modules/challenges/challenges.php": SampleArchive._challenges_php,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sample: SampleArchive

    def handle_error(self, request: object, client_address: object) -> None:
        # Stay quiet: clients that hang up early (timeouts, cancelled crawls) are normal here.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache/2.4.62 (Unix)"
    timeout = 30

    def version_string(self) -> str:
        return self.server_version

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        req = Request(self.command, self.path, self.headers, body)
        sample: SampleArchive = self.server.sample  # type: ignore[attr-defined]
        resp = sample.dispatch(req)
        if resp.delay > 0 and sample._stopping.wait(resp.delay):
            self._reset()  # the server is stopping: give up on this request
            return
        if resp.reset:
            self._reset()
            return
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        for k, v in resp.headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            if resp.truncate_to is not None:
                self.wfile.write(resp.body[:max(0, resp.truncate_to)])
                self.close_connection = True  # then FIN: the client sees the body cut short
            else:
                self.wfile.write(resp.body)

    def _reset(self) -> None:
        """Drop the connection abruptly: SO_LINGER 0 makes close() send a RST, no FIN."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # rfile (a makefile) holds a reference that would defer the real close; wfile does not.
        self.rfile.close()
        self.connection.close()

    do_GET = do_POST = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep quiet
        pass


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mirror.sample.server",
                                description="Serve the bundled sample eFiction 3.5 archive.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    p.add_argument("--items-per-page", type=int, default=None,
                   help="eFiction itemsperpage (default: 10 for the sample, 25 for --generate)")
    p.add_argument("--no-robots", action="store_true", help="serve no robots.txt (404, like a stock install)")
    p.add_argument("--generate", type=int, metavar="N", default=None,
                   help="serve a generated archive of N stories instead of the sample")
    p.add_argument("--seed", type=int, default=0, help="seed of --generate (default 0)")
    p.add_argument("--variant", choices=sorted(VARIANTS) + sorted(SKINS), default=None,
                   help="serve a customised site or another skin (VARIANTS and SKINS of mirror/sample/variants.py) "
                        "instead of the stock one")
    args = p.parse_args(argv)
    archive = Archive.generated(args.generate, seed=args.seed) if args.generate else None
    site = SampleArchive(args.host, args.port, items_per_page=args.items_per_page, robots=not args.no_robots,
                         archive=archive, variant={**VARIANTS, **SKINS}[args.variant] if args.variant else None)
    site.start()
    print(site.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
