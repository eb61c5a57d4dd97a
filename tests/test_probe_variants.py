"""`mirror probe` on customised sites: every variant of the sample archive
(:data:`mirror.sample.variants.VARIANTS`) gets its profile right: skin, date format, encoding,
language, printable view on or off, index shown first, base URL with its sub-path."""

from __future__ import annotations

import pytest

from mirror.probe import MAX_REQUESTS, probe
from mirror.profiles import load_profile
from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from mirror.sample.variants import VARIANTS


@pytest.mark.parametrize("name", list(VARIANTS))
def test_probe_gets_each_variant_right(tmp_path, name):
    variant = VARIANTS[name]
    with SampleArchive(variant=variant) as site:
        report = probe(site.base_url, delay=0)
        log = site.request_log()
    assert report.is_efiction and report.skin == variant.skin_name
    assert report.understood, report.verdict
    dateformat = variant.dateformat or ARCHIVE.site.dateformat
    assert report.date_format.format == dateformat and report.date_format.certain, report.date_format
    assert report.language == variant.language
    assert report.encoding_used == ("utf-8" if variant.charset == "utf-8" else "windows-1252")
    assert report.encoding_declared == ("utf-8" if variant.charset == "utf-8" else "cp1252")
    assert report.printable_gives_text is variant.printable
    assert report.viewstory_shows_index is variant.displayindex
    assert report.items_per_page == ARCHIVE.site.items_per_page
    assert log[0].path_qs == "/robots.txt" and len(log) <= MAX_REQUESTS == 10
    assert all(r.path_qs == "/robots.txt" or r.path_qs.startswith(variant.base_path) for r in log)
    path = tmp_path / "sites" / f"{name}.toml"
    path.parent.mkdir()
    path.write_text(report.profile_toml(name), encoding="utf-8")
    profile = load_profile(path)
    assert profile.base_url == site.base_url and site.base_url.endswith(variant.base_path)
    assert profile.date_format == dateformat and profile.language == variant.language
    if not variant.printable:
        assert "printable view does not give the text" in profile.notes
    assert profile.printable is variant.printable
