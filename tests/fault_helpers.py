"""Helpers for tests/test_crawl_faults.py: crawls that may fail, snapshots, ground-truth checks."""

from __future__ import annotations

import itertools
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from mirror.items import Story
from mirror.sample import faults as F
from mirror.sample.archive import ARCHIVE
from mirror.sample.server import Request, RequestRecord, Response
from mirror.storage import Store
from tests.test_crawl_sample import canon, last_run, run

# Text that only ever appears on error pages: never in stored story content.
ERROR_PAGE_MARKERS = ("fatal MySQL", "Access denied", "Internal Server Error", "Bad Gateway",
                      "Service Unavailable", "Too Many Requests", "All work and no play",
                      "Too many connections", "Huge page")


def crawl_any(base_url: str, db_url: str, *extra: str):
    """`mirror crawl` in a subprocess; the CompletedProcess whatever the exit code."""
    return run(sys.executable, "-m", "mirror", "crawl", base_url, "--db", db_url, "--delay", "0",
               "--log-level", "WARNING", *extra, timeout=120)


def settings(**values: Any) -> list[str]:
    """-s NAME=VALUE arguments."""
    return [arg for name, value in values.items() for arg in ("-s", f"{name}={value}")]


@dataclass
class Snapshot:
    """What one crawl left behind, taken right after it (later crawls may change the database)."""

    proc: Any
    run: dict
    states: dict[int, tuple[str, str | None]]
    stories: dict[int, Story]
    log: list[RequestRecord]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stats(self) -> dict:
        return self.run["stats"]

    def requests(self, predicate: Callable[[Request], bool]) -> list[RequestRecord]:
        """The logged requests a fault predicate (F.story(...), ...) matches, in time order."""
        return [r for r in self.log if predicate(Request(r.method, r.path_qs, {}))]

    def statuses(self, predicate: Callable[[Request], bool]) -> list[int]:
        return [r.status for r in self.requests(predicate)]


def snapshot(proc, store: Store, site: str, log: list[RequestRecord]) -> Snapshot:
    record = last_run(store)
    return Snapshot(proc=proc, run=record, states=store.story_states(record["id"]),
                    stories={s.story_id: s for s in store.iter_stories(site=site)},
                    log=sorted(log, key=lambda r: r.time))


def assert_whole(story: Story | None, sid: int) -> None:
    """The stored story is the archive's story, every chapter with its text: nothing lost or added."""
    truth = ARCHIVE.story(sid)
    where = f"story {sid}"
    assert story is not None, f"{where} not stored"
    assert story.status == "ok", (where, story.status)
    assert story.title == truth.title, where
    assert [a.id for a in story.authors] == list(truth.author_uids), where
    assert canon(story.summary_html) == canon(truth.summary), where
    assert story.rating == truth.rating, where
    assert story.word_count == truth.wordcount, where
    assert canon(story.story_notes_html) == canon(truth.story_notes), where
    assert [(c.number, c.id, c.title) for c in story.chapters] == [
        (c.inorder, c.chapid, c.title) for c in truth.chapters], where
    for chapter, expected in zip(story.chapters, truth.chapters):
        at = f"{where} chapter {expected.inorder}"
        assert [a.id for a in chapter.authors] == [expected.uid], at
        assert chapter.word_count == expected.wordcount, at
        assert canon(chapter.text_html) == canon(expected.text), at
        assert canon(chapter.notes_html) == canon(expected.notes), at
        assert canon(chapter.end_notes_html) == canon(expected.end_notes), at


def assert_no_error_pages(stories: dict[int, Story]) -> None:
    for story in stories.values():
        texts = [story.title, story.summary_html, story.story_notes_html]
        for chapter in story.chapters:
            texts += [chapter.title, chapter.text_html, chapter.notes_html, chapter.end_notes_html]
        for text in texts:
            for marker in ERROR_PAGE_MARKERS:
                assert marker.lower() not in (text or "").lower(), (story.story_id, marker)


def alternately(*responders: F.Responder) -> F.Responder:
    """Each request gets the next responder in turn (a site failing in several ways at once)."""
    turn = itertools.cycle(responders)
    lock = threading.Lock()

    def respond(req: Request) -> Response:
        with lock:
            responder = next(turn)
        return responder(req)

    return respond
