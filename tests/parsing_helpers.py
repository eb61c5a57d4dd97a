"""Helpers for the parser tests: load saved eFiction pages as :class:`mirror.items.Page`."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from mirror.items import Author, Page, Series, Tag

FIXTURES = Path(__file__).parent / "fixtures" / "efiction35"
BASE = "http://127.0.0.1:8081/"
# What eFiction 3.x really sends: the language constant was not defined yet (README §8).
BOGUS_HEADERS = {"Content-Type": ["text/html; charset=_CHARSET"]}


@functools.lru_cache(maxsize=None)
def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@functools.lru_cache(maxsize=None)
def fixture_index() -> dict[str, dict[str, str]]:
    """INDEX.tsv rows by file name (request, status, content-type header, note)."""
    with open(FIXTURES / "INDEX.tsv", newline="", encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}


def request_url(name: str) -> str:
    """The absolute URL the fixture was fetched from (GET requests only)."""
    method, _, path = fixture_index()[name]["request"].partition(" ")
    assert method == "GET", f"{name} was not fetched with GET"
    return BASE + path


def page(name: str, kind: str = "index", url: str | None = None, body: bytes | None = None,
         headers: dict[str, list[str]] | None = None, status: int = 200) -> Page:
    """A Page built from a saved fixture, with the bogus header eFiction sends."""
    return Page(url=url or request_url(name), status=status,
                headers=dict(BOGUS_HEADERS) if headers is None else headers,
                body=fixture_bytes(name) if body is None else body, kind=kind)


def raw_page(body: bytes, url: str = BASE + "viewstory.php?sid=1", kind: str = "index",
             headers: dict[str, list[str]] | None = None) -> Page:
    """A Page made from literal bytes (for encoding and error tests)."""
    return Page(url=url, status=200, headers=dict(BOGUS_HEADERS) if headers is None else headers,
                body=body, kind=kind)


def author(uid: int, name: str) -> Author:
    return Author(uid, name, f"{BASE}viewuser.php?uid={uid}")


def series(seriesid: int, title: str) -> Series:
    return Series(seriesid, title, f"{BASE}viewseries.php?seriesid={seriesid}")


def tags(*pairs: tuple[int | None, str]) -> list[Tag]:
    return [Tag(tag_id, name) for tag_id, name in pairs]
