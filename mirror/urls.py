"""eFiction URLs: building them, and keeping the crawl away from traps and actions."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Scripts whose URLs change state or are members-only: never requested.
FORBIDDEN_SCRIPTS = frozenset({"user.php", "stories.php", "admin.php", "contact.php", "series.php",
                               "search.php", "report.php"})
# Query parameters that make crawler traps or change the session.
TRAP_PARAMS = frozenset({"textsize", "skin"})


class BadURL(ValueError):
    pass


def normalise_base(url: str) -> str:
    """The archive's base URL, ending in '/': ``http://host/fiction/index.php`` -> ``http://host/fiction/``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadURL(f"{url!r} is not an http(s) URL; give the archive's address, "
                     "e.g. http://example.org/fiction/")
    path = parts.path or "/"
    if not path.endswith("/"):
        last = path.rsplit("/", 1)[-1]
        path = path[: len(path) - len(last)] if "." in last else path + "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, "", ""))


def build(base: str, script: str, **params: object) -> str:
    query = urlencode([(k, str(v)) for k, v in params.items() if v is not None])
    return f"{base}{script}" + (f"?{query}" if query else "")


def story_url(base: str, sid: int) -> str:
    return build(base, "viewstory.php", sid=sid)


def author_url(base: str, uid: int) -> str:
    return build(base, "viewuser.php", uid=uid)


def series_url(base: str, seriesid: int) -> str:
    return build(base, "viewseries.php", seriesid=seriesid)


CHALLENGES_SCRIPT = "modules/challenges/challenges.php"  # the challenges module (eFiction 3.x)


def challenge_url(base: str, chalid: int, offset: int | None = None) -> str:
    return build(base, CHALLENGES_SCRIPT, chalid=chalid, offset=offset or None)


def index_url(base: str, sid: int, gate: dict[str, str] | None = None) -> str:
    return build(base, "viewstory.php", sid=sid, index=1, **(gate or {}))


def printable_url(base: str, sid: int, gate: dict[str, str] | None = None) -> str:
    return build(base, "viewstory.php", action="printable", sid=sid, chapter="all", **(gate or {}))


def chapter_url(base: str, sid: int, chapter: int, gate: dict[str, str] | None = None) -> str:
    return build(base, "viewstory.php", sid=sid, chapter=chapter, **(gate or {}))


def titles_url(base: str, offset: int | None = None, sort: str | None = None) -> str:
    return build(base, "browse.php", type="titles", sort=sort, offset=offset)


def script_and_query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path.rsplit("/", 1)[-1].lower(), dict(parse_qsl(parts.query, keep_blank_values=True))


def absolute(page_url: str, href: str) -> str:
    """``href`` made absolute against the page's URL.  A link to the page's own host under the
    other scheme (a site that moved to https, or whose configured ``url`` still says http, writes
    its links absolute with that scheme) keeps the page's scheme: the crawl stays on the address
    it was given."""
    url = urljoin(page_url, href.strip())
    page, target = urlsplit(page_url), urlsplit(url)
    if ({page.scheme, target.scheme} == {"http", "https"}
            and (target.hostname or "") == (page.hostname or "") and target.port == page.port):
        url = urlunsplit((page.scheme,) + tuple(target)[1:])
    return url


def clean(url: str) -> str:
    """Drop trap parameters, keep only the last ``let=``, drop the fragment."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    last_let = [v for k, v in pairs if k == "let"][-1:]
    kept = [(k, v) for k, v in pairs if k not in TRAP_PARAMS and k != "let"]
    kept += [("let", v) for v in last_let]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))


def within_site(url: str, base: str) -> bool:
    target, home = urlsplit(url), urlsplit(base)
    return (target.scheme in ("http", "https") and target.netloc.lower() == home.netloc.lower()
            and target.path.startswith(home.path))


def is_allowed(url: str, base: str) -> bool:
    """May the crawler request this URL?  Same host and path, no action or trap URL."""
    if not within_site(url, base):
        return False
    script, query = script_and_query(url)
    if script in FORBIDDEN_SCRIPTS:
        return False
    if query.get("action") in {"add", "report", "login", "logout", "edit", "delete"}:
        return False
    if TRAP_PARAMS & query.keys():
        return False
    lets = [k for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k == "let"]
    return len(lets) <= 1
