"""`mirror probe`'s verdict: it reads a few stories whole (listing block, index, printable view),
compares the renderings field by field, and says "understood" or "not understood: <reasons>";
the CLI exits 1 when not understood.  Faults on the sample archive make it misunderstand."""

from __future__ import annotations

import re
import sys

from mirror.parsing.dates import infer_date_format
from mirror.probe import MAX_REQUESTS, MAX_STORIES, probe
from mirror.sample import SampleArchive
from mirror.sample import faults as F
from mirror.sample.server import PREFIX
from tests.test_crawl_sample import run


def rewritten(predicate, *substitutions: tuple[bytes, bytes]) -> F.Fault:
    """The archive's real page with ``re.sub(pattern, replacement)`` applied to its body."""

    def respond(req):
        response = F.real_page(req)
        for pattern, replacement in substitutions:
            response.body = re.sub(pattern, replacement, response.body, flags=re.S)
        return response

    return F.on(predicate, respond)


def index_pages(req) -> bool:
    return (req.path == PREFIX + "viewstory.php" and req.get.get("index") == "1"
            and req.get.get("action") != "printable")


def unreadable_index() -> F.Fault:
    """Story indexes without their labels (``span.label``) and ``#pagetitle``."""
    return rewritten(index_pages, (rb"<span class=[\"']label[\"']>.*?</span>", b""),
                     (rb"<div id=\"pagetitle\">.*?</div>", b""))


def listing_says_174_chapters() -> F.Fault:
    return rewritten(F.listing(), (rb"(Chapters: </span>\s*)\d+", rb"\g<1>174"))


def assert_polite(log) -> None:
    assert log[0].path_qs == "/robots.txt"
    assert len(log) <= MAX_REQUESTS == 10, [r.path_qs for r in log]
    assert all(r.path_qs == "/robots.txt" or r.path_qs.startswith(PREFIX) for r in log)


def test_stock_archive_is_understood():
    with SampleArchive() as site:
        report = probe(site.base_url, delay=0)
        log = site.request_log()
    assert report.understood and report.verdict == "understood", report.verdict
    assert report.summary_lines()[-1] == "verdict: understood"
    assert len(report.stories) == MAX_STORIES
    paths = [r.path_qs for r in log]
    for check in report.stories:  # each read whole, multi-chapter ones first
        assert check.index_read and len(check.chapters) > 1
        assert check.renderings == ("index", "printable", "listing")
        assert not check.disagreements and not check.unread and not check.problems
        assert check.agreeing["chapter_count"] == ("index", "printable", "listing")
        assert check.printable_gives_text is True
        sid = check.story_id
        assert f"{PREFIX}viewstory.php?sid={sid}&index=1" in paths
        assert f"{PREFIX}viewstory.php?action=printable&sid={sid}&chapter=all" in paths
    assert sum(p.startswith(f"{PREFIX}viewstory.php?sid=") and "&" not in p for p in paths) == 1
    assert len(log) == 10  # robots.txt, listing, rss, viewstory.php?sid=N, 3 x (index + printable)
    assert_polite(log)


def test_unreadable_index_names_the_field_and_the_page():
    with SampleArchive() as site:
        site.faults.append(fault := unreadable_index())
        report = probe(site.base_url, delay=0)
        log = site.request_log()
    assert fault.hits == MAX_STORIES
    assert not report.understood and report.verdict.startswith("not understood: ")
    sid = report.stories[0].story_id
    assert f"viewstory.php?sid={sid}&index=1" in report.verdict
    assert "metadata cannot be parsed" in report.verdict, report.verdict  # the ParseError's field
    assert all(not c.index_read for c in report.stories)
    assert report.summary_lines()[-1] == f"verdict: {report.verdict}"
    assert_polite(log)


def test_listing_with_a_wrong_chapter_count_is_not_understood():
    with SampleArchive() as site:
        site.faults.append(listing_says_174_chapters())
        report = probe(site.base_url, delay=0)
        log = site.request_log()
    assert report.verdict.startswith("not understood: chapter_count disagrees ("), report.verdict
    assert "listing 174" in report.verdict and "index 1" in report.verdict
    for check in report.stories:
        assert [d.field for d in check.disagreements] == ["chapter_count"]
        assert f"chapter_count disagrees (index {len(check.chapters)}, printable {len(check.chapters)}, " \
               f"listing 174)" in report.verdict
        assert check.index_url in report.verdict
    # the printable check is against the index's chapters, not the listing's count
    assert report.printable_gives_text is True
    assert_polite(log)


def test_printable_view_without_text_although_linked():
    with SampleArchive() as site:
        site.faults.append(F.on(lambda req: req.path == PREFIX + "viewstory.php"
                                and req.get.get("action") == "printable", F.empty()))
        report = probe(site.base_url, delay=0)
        log = site.request_log()
    assert report.printable_gives_text is False
    assert "the printable view gives no text although the index links it" in report.verdict
    assert "viewstory.php?action=printable&sid=" in report.verdict
    assert_polite(log)


def test_dates_with_separators_are_read():
    """A skin that writes ``24/11/12 ·`` and ``| 24/11/12 ·``: the format is d/m/y, certain."""
    with SampleArchive() as site:
        site.faults.append(rewritten(F.listing(),
                                     (rb"(Published: </span>\s*)([0-9/]+)", rb"\1\2 &middot;"),
                                     (rb"(Updated:</span>\s*)([0-9/]+)", rb"\1| \2 &middot;")))
        report = probe(site.base_url, delay=0)
    assert report.date_format.format == "d/m/y" and report.date_format.certain, report.date_format
    assert report.date_samples and all(re.fullmatch(r"\d\d/\d\d/\d\d", s) for s in report.date_samples)
    assert report.understood, report.verdict


def test_inference_trims_separators():
    guess = infer_date_format(["22/08/11 ·", "| 23/08/11"])
    assert guess.format == "d/m/y", guess
    for samples in (["22/08/11 ·", "23/08/11 ·"], ["[22/08/11]", "23/08/11,"], ["22/08/11 -", ":: 23/08/11 ::"],
                    ["(Jul 21 2006)", "Aug 02 2006 |"]):
        guess = infer_date_format(samples)
        assert guess.format in ("d/m/y", "M d Y"), (samples, guess)
        assert not any(c in f for f in guess.candidates for c in "·|[](),:-"), guess
        assert not any(f != f.strip() for f in guess.candidates), guess


def test_cli_exits_1_when_not_understood(tmp_path):
    with SampleArchive() as site:
        site.faults.append(listing_says_174_chapters())
        out = tmp_path / "sites" / "sample.toml"
        proc = run(sys.executable, "-m", "mirror", "probe", site.base_url, "--write", str(out), "--delay", "0")
    assert proc.returncode == 1, proc.stderr
    assert "verdict: not understood: chapter_count disagrees" in proc.stdout
    assert "# the profile it would write" in proc.stdout and 'engine = "efiction"' in proc.stdout
    assert "not understood" in proc.stderr and not out.exists()


def test_cli_exits_0_when_understood(tmp_path):
    with SampleArchive() as site:
        proc = run(sys.executable, "-m", "mirror", "probe", site.base_url, "--delay", "0")
    assert proc.returncode == 0, proc.stderr
    assert "verdict: understood" in proc.stdout and "# profile" in proc.stdout
