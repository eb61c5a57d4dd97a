"""Rebuild a story's raw pages from the WARC records the database points at (no network).

Shared by ``mirror reparse`` (which sends them through the item pipelines again) and
``mirror verify`` (which checks that they still give the stored text)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirror import urls
from mirror.items import (STATUS_INCOMPLETE, TAXONOMY_PARTS, AuthorPages, ChallengePages, Page, ReviewPages,
                          SeriesPages, Source, StoryPages, TaxonomyPages)

NOT_CAPTURED = "not captured: this page's request failed during the crawl"


class SourceMissing(Exception):
    """A story's source page is not (or no longer) in the WARC folder."""

    def __init__(self, url: str, why: str):
        super().__init__(f"{url}: {why}")
        self.url = url


def load_page(source: Source, warc_dir: str | Path) -> Page:
    """The page as the spider saw it, read from its WARC record."""
    from mirror.warc import read_response  # warcio is only imported when WARCs are read

    if not source.warc_filename or source.warc_offset is None:
        raise SourceMissing(source.url, "no WARC record was kept for it (crawled without --warc)")
    path = Path(warc_dir) / source.warc_filename
    unfinished = path.with_name(path.name + ".open")  # left by a crawl that was killed: readable too
    if Path(source.warc_filename).name != source.warc_filename or not (path.is_file() or unfinished.is_file()):
        raise SourceMissing(source.url, f"WARC file {source.warc_filename} is not in {warc_dir}")
    try:
        url, status, headers, body = read_response(warc_dir, source.warc_filename, source.warc_offset)
    except Exception as exc:  # warcio raises many kinds for a damaged file: all mean "unreadable"
        raise SourceMissing(source.url, f"record at {source.warc_filename}:{source.warc_offset} "
                                        f"is unreadable ({type(exc).__name__}: {exc})") from exc
    if url != source.url:
        raise SourceMissing(source.url, f"record at {source.warc_filename}:{source.warc_offset} "
                                        f"is for {url}, not this page")
    return Page(url=url, status=status, headers=headers, body=body, kind=source.kind,
                warc={"filename": source.warc_filename, "offset": source.warc_offset,
                      "length": source.warc_length, "record_id": source.warc_record_id})


def story_pages(entry: dict[str, Any], warc_dir: str | Path, date_format: str) -> StoryPages:
    """A :class:`StoryPages` item for one entry of :meth:`Store.iter_sources`."""
    capture = StoryPages(site=entry["site"], story_id=entry["story_id"], date_format=date_format,
                         requests=entry["requests"])
    for source in entry["sources"]:
        page = load_page(source, warc_dir)
        if source.kind == "listing":
            capture.listing = page
        else:
            capture.pages.append(page)
    if entry["status"] == STATUS_INCOMPLETE:
        # the crawl could not fetch some chapters: still incomplete, never passed off as whole
        capture.failures.append((entry["site"], NOT_CAPTURED))
    return capture


def _page_offset(url: str) -> int:
    value = urls.script_and_query(url)[1].get("offset", "0")
    return int(value) if value.isdigit() else 0


# The pages of the site's other records: series, review lists, profiles, challenges, and the
# taxonomy's browse pages (with the rating gates: ``viewstory.php?sid=N`` alone, see _is_record).
RECORD_SCRIPTS = frozenset({"viewseries.php", "reviews.php", "viewuser.php", "challenges.php", "browse.php",
                            "viewstory.php"})


def _is_record(script: str, query: dict[str, str]) -> bool:
    """A page one of the record rebuilders reads: of browse.php only the taxonomy's pages, of
    viewstory.php only the bare ``?sid=N`` (the taxonomy's rating-gate pages), not story pages."""
    from mirror.parsing.taxonomy import page_type

    if script == "viewstory.php":
        return set(query) == {"sid"}
    if script == "browse.php":
        return page_type(urls.build("", script, **query)) not in (None, "gate")
    return script in RECORD_SCRIPTS


@dataclass
class SiteCaptures:
    """The 200 responses of one site's record pages (:data:`RECORD_SCRIPTS`) in the WARC folder,
    from one read of the per-crawl CDXJ indexes, revisits resolved to the record holding the
    payload: ``entries`` are (index file, timestamp, script, query, CDXJ fields)."""

    warc_dir: Path
    site: str
    entries: list[tuple[Path, str, str, dict[str, str], dict]]

    @classmethod
    def load(cls, warc_dir: str | Path, site: str) -> SiteCaptures:
        from mirror.warc.index import index_files, iter_entries, load_known

        known, _ = load_known(warc_dir)
        entries = []
        for index in index_files(warc_dir):
            for _, stamp, fields in iter_entries(index):
                url = fields.get("url", "")
                if not url.startswith(site) or str(fields.get("status")) != "200":
                    continue
                script, query = urls.script_and_query(url)
                if script not in RECORD_SCRIPTS or not _is_record(script, query):
                    continue
                if fields.get("mime") == "warc/revisit":
                    original = known.get((url, fields.get("digest", "")))
                    if original is None:
                        continue
                    fields = {**fields, "filename": original.filename, "offset": original.offset,
                              "length": original.length}
                entries.append((index, stamp, script, query, fields))
        return cls(Path(warc_dir), site, entries)

    def latest(self, script: str, kind: str,
               key_of: Callable[[dict[str, str]], Hashable | None]) -> dict[Hashable, list[Page]]:
        """*script*'s pages grouped by ``key_of(query)`` (None: not one of ours), each group as
        its latest crawl captured it: the first page's newest capture, with the later ``offset``
        pages the same crawl captured (the indexes are per crawl), in offset order."""
        first: dict[Hashable, tuple[str, Path]] = {}  # key -> (timestamp, index file) of page one
        pages: dict[tuple[Path, Hashable], dict[int, tuple[str, dict]]] = {}
        for index, stamp, name, query, fields in self.entries:
            key = key_of(query) if name == script else None
            if key is None:
                continue
            offset = _page_offset(fields["url"])
            held = pages.setdefault((index, key), {})
            if offset not in held or held[offset][0] < stamp:
                held[offset] = (stamp, fields)
            if offset == 0 and (key not in first or first[key][0] < stamp):
                first[key] = (stamp, index)
        return {key: [load_page(Source(url=fields["url"], kind=kind, status=200,
                                       warc_filename=fields["filename"], warc_offset=int(fields["offset"]),
                                       warc_length=int(fields["length"])), self.warc_dir)
                      for _, (_, fields) in sorted(pages[(index, key)].items())]
                for key, (_, index) in first.items()}


def _number(query: dict[str, str], name: str, allowed: set[str]) -> int | None:
    value = query.get(name, "")
    return int(value) if value.isdigit() and set(query) <= allowed else None


def series_pages(captures: SiteCaptures, date_format: str) -> list[SeriesPages]:
    """Each series (``viewseries.php?seriesid=N[&offset=K]``) as last captured."""
    found = captures.latest("viewseries.php", "series", lambda q: _number(q, "seriesid", {"seriesid", "offset"}))
    return [SeriesPages(site=captures.site, series_id=key, pages=pages, requests=len(pages),
                        date_format=date_format) for key, pages in sorted(found.items())]


def review_pages(captures: SiteCaptures, date_format: str) -> list[ReviewPages]:
    """The reviews of each story and series (``reviews.php?type=ST|SE&item=N[&offset=K]``)."""

    def key(query: dict[str, str]) -> tuple[str, int] | None:
        item = _number(query, "item", {"type", "item", "offset"})
        return (query["type"], item) if item is not None and query.get("type") in ("ST", "SE") else None

    found = captures.latest("reviews.php", "reviews", key)
    return [ReviewPages(site=captures.site, item_type=kind, item_id=item, pages=pages, requests=len(pages),
                        date_format=date_format) for (kind, item), pages in sorted(found.items())]


def author_pages(captures: SiteCaptures, date_format: str) -> list[AuthorPages]:
    """Each member's profile page (``viewuser.php?uid=N``), then the pages of their "Series by"
    panel (``viewuser.php?action=seriesby&uid=N[&offset=K]``) where it was captured."""
    found = captures.latest("viewuser.php", "author", lambda q: _number(q, "uid", {"uid"}))
    panels = captures.latest("viewuser.php", "author", lambda q: _number(q, "uid", {"uid", "action", "offset"})
                             if q.get("action") == "seriesby" else None)
    return [AuthorPages(site=captures.site, author_id=key, pages=pages + panels.get(key, []),
                        requests=len(pages) + len(panels.get(key, [])), date_format=date_format)
            for key, pages in sorted(found.items())]


def challenge_pages(captures: SiteCaptures, date_format: str) -> list[ChallengePages]:
    """Each challenge (``modules/challenges/challenges.php?chalid=N[&offset=K]``)."""
    found = captures.latest("challenges.php", "challenge", lambda q: _number(q, "chalid", {"chalid", "offset"}))
    return [ChallengePages(site=captures.site, challenge_id=key, pages=pages, requests=len(pages),
                           date_format=date_format) for key, pages in sorted(found.items())]


def taxonomy_pages(captures: SiteCaptures, date_format: str) -> list[TaxonomyPages]:
    """The taxonomy (the browse menu and class lists, the category tree, characters, ratings
    with their gate pages), each part as the latest crawl that read it captured it: one
    :class:`TaxonomyPages` holding every part found (none: an empty list)."""
    from mirror.parsing.taxonomy import page_type, part_of

    by_crawl: dict[str, dict[Path, dict[str, tuple[str, dict]]]] = {}  # part -> index -> url -> newest
    starts: dict[str, tuple[str, Path]] = {}  # part -> (timestamp, index) of its newest first page
    for index, stamp, script, query, fields in captures.entries:
        url = fields["url"]
        kind = page_type(url)
        part = "ratings" if kind == "gate" else part_of(url) if script == "browse.php" else None
        if part is None:
            continue
        held = by_crawl.setdefault(part, {}).setdefault(index, {})
        if url not in held or held[url][0] < stamp:
            held[url] = (stamp, fields)
        first = kind in ("menu", "categories", "characters", "ratings") and "catid" not in query \
            and _page_offset(url) == 0 and (kind != "menu" or part == "classes")
        if first and (part not in starts or starts[part][0] < stamp):
            starts[part] = (stamp, index)
    if not starts:
        return []
    capture = TaxonomyPages(site=captures.site)
    for part in TAXONOMY_PARTS:
        if part not in starts:
            continue
        capture.parts.append(part)
        held = by_crawl[part][starts[part][1]]
        # in the order the crawl fetched them (its WARC records' order)
        for _, fields in sorted(held.values(), key=lambda v: (v[0], v[1]["filename"], int(v[1]["offset"]))):
            capture.pages.append(load_page(Source(url=fields["url"], kind="taxonomy", status=200,
                                                  warc_filename=fields["filename"],
                                                  warc_offset=int(fields["offset"]),
                                                  warc_length=int(fields["length"])), captures.warc_dir))
    capture.requests = len(capture.pages)
    return [capture]
