"""Chapter ids (eFiction's chapid) from a story's review pages when its index was not read (issue 18):
the review pages' chapter menu fills the stored chapters' ids, in either order of storing, never
replacing one an index gave.  Real saved pages; SQLite, and PostgreSQL when configured."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirror.items import ReviewPages, Story
from mirror.parsing.efiction import parse_story_index
from mirror.parsing.reviews import extract_reviews
from mirror.storage import Store
from mirror.storage.models import ChapterVersionRow
from tests.parsing_helpers import BASE, page
from tests.storage_fixtures import db_url, make_story, store  # noqa: F401  (fixtures)
from tests.test_reviews_authors_store import story4_reviews

MENU = {n: 20 + n for n in range(1, 33)}  # story 4's chapter menu: chapter K is chapid 20 + K
REVIEWED = {1, 2, 4, 6, 8, 10, 12, 13, 14, 16, 18, 20, 22, 24, 26, 31, 32}  # chapters its reviews name


def story4(**ids: int) -> Story:
    """Story 4 as the listing and printable view give it: its chapters' titles, no chapids (but
    those named ``ch<N>=chapid``)."""
    titles = [c.title for c in parse_story_index(page("viewstory_sid4_index.html"), BASE, 4).chapters]
    story = make_story(4, site=BASE, chapters=len(titles))
    story.chapters = [dataclasses.replace(c, id=ids.get(f"ch{c.number}"), title=title)
                      for c, title in zip(story.chapters, titles)]
    return story


def chapter_ids(store: Store) -> dict[int, int | None]:
    stored = store.get_story(BASE, 4)
    assert stored is not None
    return {c.number: c.id for c in stored.chapters}


def version_ids(store: Store) -> dict[int, int | None]:
    """Chapter number -> chapid of its current (newest) version."""
    with Session(store.engine) as session:
        newest = select(func.max(ChapterVersionRow.id)).group_by(ChapterVersionRow.number)
        return dict(session.execute(select(ChapterVersionRow.number, ChapterVersionRow.chapter_id)
                                    .where(ChapterVersionRow.id.in_(newest))).all())


def test_review_pages_carry_the_chapter_menu() -> None:
    assert story4_reviews().chapter_ids == MENU
    series = extract_reviews(ReviewPages(site=BASE, item_type="SE", item_id=1, pages=[page("reviews_SE_item1.html")]))
    assert series.chapter_ids == {}  # a series' menu lists stories, not chapters


def test_reviews_stored_after_the_story_fill_its_chapter_ids(store: Store) -> None:
    assert store.upsert_story(story4()) == "new"
    assert set(chapter_ids(store).values()) == {None}
    store.upsert_reviews(story4_reviews())
    assert chapter_ids(store) == MENU
    assert version_ids(store) == MENU  # the current versions too
    # the next fetch, again without the index: the ids stay, and nothing changed
    assert store.upsert_story(story4()) == "unchanged"
    assert chapter_ids(store) == MENU


def test_a_story_stored_after_its_reviews_takes_the_ids_they_name(store: Store) -> None:
    store.upsert_reviews(story4_reviews())
    assert store.upsert_story(story4()) == "new"
    assert chapter_ids(store) == {n: MENU[n] if n in REVIEWED else None for n in MENU}
    assert version_ids(store) == chapter_ids(store)
    store.upsert_reviews(story4_reviews())  # the reviews read again: the menu gives the rest
    assert chapter_ids(store) == MENU
    assert version_ids(store) == MENU


def test_an_id_read_from_an_index_is_kept(store: Store) -> None:
    store.upsert_story(story4(ch3=903, ch5=905))  # (made-up ids, to tell them from the menu's)
    store.upsert_reviews(story4_reviews())
    assert chapter_ids(store) == {**MENU, 3: 903, 5: 905}
    assert version_ids(store) == {**MENU, 3: 903, 5: 905}
    store.upsert_story(story4(ch3=23))  # an index read again gives chapter 3's id
    assert chapter_ids(store) == {**MENU, 5: 905}


def test_a_chapter_moved_to_another_number_does_not_keep_that_numbers_id(store: Store) -> None:
    store.upsert_story(story4())
    store.upsert_reviews(story4_reviews())
    moved = story4()
    moved.chapters[2] = dataclasses.replace(moved.chapters[2], title="A New Chapter", text_html="<p>New.</p>")
    assert store.upsert_story(moved) == "changed"
    assert chapter_ids(store) == {**MENU, 3: None}
