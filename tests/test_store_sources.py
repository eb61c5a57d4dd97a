"""Story sources: which pages a story was read from and where their raw responses are kept."""

from __future__ import annotations

import copy

from mirror.items import Source, Story
from mirror.storage import Store
from tests.storage_fixtures import db_url, make_story, store  # noqa: F401


def with_sources(story: Story, filename: str | None, offset: int = 100) -> Story:
    story = copy.deepcopy(story)
    printable = f"{story.site}viewstory.php?sid={story.story_id}&action=printable&textsize=0&chapter=all"
    index = f"{story.site}viewstory.php?sid={story.story_id}&index=1"
    story.sources = [
        Source(index, "index", 200, filename, offset if filename else None, 900 if filename else None,
               "<urn:uuid:1>" if filename else None),
        Source(printable, "printable", 200, filename, offset + 1000 if filename else None,
               4000 if filename else None, "<urn:uuid:2>" if filename else None),
    ]
    for chapter in story.chapters:
        chapter.source_url = printable
    return story


def sources(store: Store, story_id: int) -> list[tuple]:
    entry = next(e for e in store.iter_sources() if e["story_id"] == story_id)
    return [(s.kind, s.warc_filename, s.warc_offset) for s in entry["sources"]], entry["chapters"]


def test_sources_and_chapter_records_are_stored_and_are_not_content(store: Store) -> None:
    story = make_story(1)
    assert store.upsert_story(with_sources(story, "a.warc.gz")) == "new"
    pages, chapters = sources(store, 1)
    assert pages == [("index", "a.warc.gz", 100), ("printable", "a.warc.gz", 1100)]
    assert {n: (c[2], c[3]) for n, c in chapters.items()} == {1: ("a.warc.gz", 1100), 2: ("a.warc.gz", 1100)}
    # the same content captured again, elsewhere: unchanged, and the links follow the new capture
    assert store.upsert_story(with_sources(story, "b.warc.gz", 7)) == "unchanged"
    pages, chapters = sources(store, 1)
    assert pages == [("index", "b.warc.gz", 7), ("printable", "b.warc.gz", 1007)]
    assert chapters[1][2:] == ("b.warc.gz", 1007)


def test_a_fetch_without_capture_keeps_the_capture_of_the_same_content(store: Store) -> None:
    story = make_story(1)
    store.upsert_story(with_sources(story, "a.warc.gz"))
    assert store.upsert_story(with_sources(story, None)) == "unchanged"
    assert sources(store, 1)[0][0] == ("index", "a.warc.gz", 100)
    # changed content, no capture: the old records no longer hold what is stored
    changed = with_sources(story, None)
    changed.chapters[0].text_html = "<p>new text</p>"
    assert store.upsert_story(changed) == "changed"
    pages, chapters = sources(store, 1)
    assert pages == [("index", None, None), ("printable", None, None)]
    assert chapters[1][2:] == (None, None)


def test_stories_without_sources_are_not_listed(store: Store) -> None:
    store.upsert_story(make_story(1))
    store.upsert_story(with_sources(make_story(2), "a.warc.gz"))
    assert [e["story_id"] for e in store.iter_sources()] == [2]
    assert [e["story_id"] for e in store.iter_sources(story_ids=[1])] == []
