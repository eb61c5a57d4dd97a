"""One request per story, and the index only when it is needed (mirror/spiders/story.py):

* the index check: a site whose index shows a field its listing and printable view do not has
  every story's index read, and the field stored with every story;
* ``MIRROR_INDEX=always``: every story's index, every chapter id, as before;
* a printable view that answers errors is switched off for the rest of the crawl after the
  first stories, without a profile saying so;
* a calibration story whose index fails to download leaves the check to the next story.

The sample archive's stock crawl (one request per story, the reasons counted) is checked in
tests/test_crawl_sample.py; every skin's in tests/test_crawl_skins.py."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from mirror.items import STATUS_RESTRICTED
from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from mirror.sample.faults import empty, on, real_page, status, story
from mirror.sample.variants import VARIANTS
from mirror.storage import Store
from tests.test_breaker import mirror_crawl
from tests.test_crawl_sample import assert_every_story_matches, last_run

BETA = b'<span class="label">Beta reader:</span> Ann Other<br />\r\n'


def _index_page(req) -> bool:
    return req.path.endswith("viewstory.php") and bool(req.get.get("index"))


def _with_beta_reader(req):
    response = real_page(req)
    response.body = response.body.replace(b'<span class="label">Summary: </span>', BETA + b'<span class="label">Summary: </span>', 1)
    return response


def index_stats(stats: dict) -> dict:
    return {k.removeprefix("mirror/index/"): v for k, v in stats.items() if k.startswith("mirror/index/")}


def story_requests(store: Store) -> float:
    stats = last_run(store)["stats"]
    return stats["mirror/requests/story"] / stats["mirror/stories/stored"]


def test_an_index_showing_more_than_the_listing_has_every_index_read(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.sqlite'}"
    with SampleArchive() as site:
        site.faults.append(on(_index_page, _with_beta_reader))
        result = mirror_crawl(site.base_url, db)
    assert result.returncode == 0, result.stdout + result.stderr
    with Store(db) as store:
        stats = index_stats(last_run(store)["stats"])
        assert stats["trusted"] is False and "extra" in stats["differences"], stats
        assert stats.get("not_needed", 0) == 0 and stats["untrusted"] >= 20, stats
        public = [s for s in store.iter_stories(site=site.base_url) if s.status != STATUS_RESTRICTED]
        assert len(public) == len(ARCHIVE.public_stories())
        assert all(s.extra.get("Beta reader") == "Ann Other" for s in public)  # kept with every story
        assert story_requests(store) > 1.9


def test_mirror_index_always_reads_every_index_and_every_chapter_id(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.sqlite'}"
    with SampleArchive() as site:
        result = mirror_crawl(site.base_url, db, "-s", "MIRROR_INDEX=always")
        index_pages = [r for r in site.request_log() if "index=1" in r.path_qs]
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(index_pages) == len(ARCHIVE.listed_stories())
    with Store(db) as store:
        assert index_stats(last_run(store)["stats"]) == {"always": len(ARCHIVE.listed_stories())}
        assert_every_story_matches(store, site.base_url)
        truth = {s.sid: [c.chapid for c in s.chapters] for s in ARCHIVE.public_stories()}
        assert {s.story_id: [c.id for c in s.chapters] for s in store.iter_stories(site=site.base_url)
                if s.status != STATUS_RESTRICTED} == truth


def test_a_bad_mirror_index_value_is_one_line(tmp_path):
    result = mirror_crawl("http://127.0.0.1:9/", f"sqlite:///{tmp_path / 'm.sqlite'}", "-s", "MIRROR_INDEX=sometimes")
    assert result.returncode != 0
    assert "MIRROR_INDEX" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_printable_view_that_answers_errors_is_switched_off_after_the_first_stories(tmp_path):
    variant = next(v for v in VARIANTS.values() if not v.printable and not v.skin == "alt")
    db = f"sqlite:///{tmp_path / 'm.sqlite'}"
    with SampleArchive(variant=variant) as site:
        result = mirror_crawl(site.base_url, db)
        printable = [r for r in site.request_log() if "printable" in r.path_qs]
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(printable) <= 5  # the stories on probation, asked for at once; none after
    with Store(db) as store:
        stats = last_run(store)["stats"]
        assert stats["mirror/printable/switched_off"] is True
        assert index_stats(stats)["printable_off"] >= len(ARCHIVE.listed_stories()) - 5
        assert_every_story_matches(store, site.base_url, variant.dateformat or ARCHIVE.site.dateformat)


def test_a_check_whose_index_fails_passes_to_the_next_story(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.sqlite'}"
    with SampleArchive() as site:
        site.faults.append(on(_index_page, status(404), times=1))
        mirror_crawl(site.base_url, db)
        index_pages = [r for r in site.request_log() if "index=1" in r.path_qs]
    with Store(db) as store:
        run = last_run(store)
        stats = index_stats(run["stats"])
        assert stats["calibration"] == 2 and stats["trusted"] is True, stats
        assert stats.get("untrusted", 0) == 0, stats
        # the two checks, the round robin and the members-only story: no other index
        assert len(index_pages) == 4, [r.path_qs for r in index_pages]
        assert run["stats"]["mirror/stories/failed"] == 1


# faults on the one page a story costs by default: its printable view
P_TRANSIENT, P_PERMANENT, P_EMPTY, P_GONE = 3, 4, 5, 6


def page_kind(path_qs: str) -> str:
    query = parse_qs(urlsplit(path_qs).query)
    return ("printable" if "action" in query else "index" if "index" in query else "chapter" if "chapter" in query
            else "gate")  # viewstory.php?sid=N alone: the taxonomy's rating-gate pages


def test_faults_on_a_storys_only_page(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.sqlite'}"
    with SampleArchive() as site:
        site.faults += [on(story(P_TRANSIENT, "printable"), status(500), times=2),  # retried, then read
                        on(story(P_PERMANENT, "printable"), status(500)),  # the index, then the chapters
                        on(story(P_EMPTY, "printable"), empty()),  # likewise (an empty page is retried)
                        on(story(P_GONE), status(500))]  # every page of it: the story fails
        mirror_crawl(site.base_url, db, "-s", "RETRY_TIMES=2")
        log = site.request_log()
    kinds = {sid: [(page_kind(r.path_qs), r.status) for r in log
                   if "viewstory.php" in r.path_qs and parse_qs(urlsplit(r.path_qs).query).get("sid") == [str(sid)]
                   and page_kind(r.path_qs) != "gate"]
             for sid in (P_TRANSIENT, P_PERMANENT, P_EMPTY, P_GONE)}
    assert kinds[P_TRANSIENT] == [("printable", 500), ("printable", 500), ("printable", 200)]
    chapters = {sid: len(ARCHIVE.story(sid).chapters) for sid in kinds}
    assert [k for k, _ in kinds[P_PERMANENT]] == ["printable"] * 3 + ["index"] + ["chapter"] * chapters[P_PERMANENT]
    assert [k for k, _ in kinds[P_EMPTY]][-1 - chapters[P_EMPTY]:] == ["index"] + ["chapter"] * chapters[P_EMPTY]
    assert [k for k, _ in kinds[P_GONE]] == ["printable"] * 3 + ["index"] * 3
    with Store(db) as store:
        run = last_run(store)
        stored = {s.story_id: s for s in store.iter_stories(site=site.base_url)}
        for sid in (P_TRANSIENT, P_PERMANENT, P_EMPTY):  # whole, every chapter's text
            assert [c.title for c in stored[sid].chapters] == [c.title for c in ARCHIVE.story(sid).chapters]
            assert all(c.text_html for c in stored[sid].chapters)
        assert P_GONE not in stored and run["stats"]["mirror/stories/failed"] == 1
        assert run["stats"]["mirror/index/printable_failed"] == 2


def _listing_without_warnings(req):
    response = real_page(req)
    response.body = re.sub(rb"&amp;warning=\d+'", b"'", response.body)  # the gated links name no gate
    return response


def test_a_gate_the_listing_does_not_announce_is_passed_on_the_printable_view(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.sqlite'}"
    with SampleArchive() as site:
        site.faults.append(on(lambda req: req.path.endswith("browse.php") and req.get.get("type") == "titles",
                              _listing_without_warnings))
        result = mirror_crawl(site.base_url, db)
        printable = [r.path_qs for r in site.request_log() if "action=printable" in r.path_qs]
    assert result.returncode == 0, result.stdout + result.stderr
    with Store(db) as store:
        stats = last_run(store)["stats"]
        assert stats["mirror/printable/gate_passed"] >= 1
        assert "gate" not in index_stats(stats), index_stats(stats)  # no index for it
        assert_every_story_matches(store, site.base_url)
    gated = [p for p in printable if "warning=" in p]
    assert len(gated) == stats["mirror/printable/gate_passed"]  # each such story: its view twice
    assert len(printable) == len(ARCHIVE.listed_stories()) - 1 + len(gated)  # the members-only story: its index
