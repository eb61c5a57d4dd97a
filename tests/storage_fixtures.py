"""Shared fixtures for the storage and export tests (real databases only).

Import explicitly in a test module::

    from tests.storage_fixtures import db_url, store  # noqa: F401

``db_url`` is the ``db`` fixture of tests/conftest.py (parametrised: a fresh SQLite file under
``tmp_path``, and -- when ``MIRROR_TEST_POSTGRES_URL`` is set -- a fresh PostgreSQL schema
``t_<uuid>``, the connection's ``search_path`` pointing at it, dropped after the test).
``database(backend, folder)`` makes the same for module-scoped fixtures; the ``backend`` fixture
(tests/conftest.py) parametrises those.  ``template_database()`` and ``cloned()``: a database
filled once, copied for each test.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from mirror.items import Author, Chapter, Story, Tag
from mirror.storage import Base, Store

POSTGRES_ENV = "MIRROR_TEST_POSTGRES_URL"


def _postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


BACKENDS = ("sqlite", "postgresql")


def skip_without_postgres(backend: str) -> None:
    if backend == "postgresql" and _postgres_url() is None:
        pytest.skip(f"{POSTGRES_ENV} is not set")


@contextmanager
def database(backend: str, folder: Path, name: str = "mirror") -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file ``folder/<name>.sqlite``, or a PostgreSQL schema
    ``t_<uuid>`` of its own (the URL's ``search_path`` option points at it, so a crawl in a child
    process uses it too), dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{name}.sqlite'}"
        return
    skip_without_postgres(backend)
    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def template_database(backend: str, folder: Path) -> Iterator[str]:
    """An empty database to fill once and then copy with :func:`cloned`: a SQLite file, or a
    PostgreSQL database of its own (``CREATE DATABASE ... TEMPLATE`` copies whole databases),
    dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'template.sqlite'}"
        return
    with _own_postgres_database("tpl") as url:
        yield url


@contextmanager
def cloned(backend: str, template: str, folder: Path) -> Iterator[str]:
    """A copy of *template* (from :func:`template_database`; nothing may be connected to it),
    dropped afterwards: what a test changes never reaches the template or another test."""
    if backend == "sqlite":
        target = folder / "mirror.sqlite"
        with closing(sqlite3.connect(make_url(template).database)) as source, \
                closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        yield f"sqlite:///{target}"
        return
    with _own_postgres_database("t", template=make_url(template).database) as url:
        yield url


@contextmanager
def _own_postgres_database(prefix: str, template: str | None = None) -> Iterator[str]:
    skip_without_postgres("postgresql")
    base = make_url(_postgres_url())
    name = f"{prefix}_{uuid.uuid4().hex}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")  # CREATE DATABASE refuses a transaction
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db_url(db: str) -> str:
    """``db`` (tests/conftest.py: a fresh database on each backend) by the name these modules use."""
    return db


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    try:
        yield s
    finally:
        s.close()


def table_counts(store: Store) -> dict[str, int]:
    """Row count of every table of the schema."""
    store.create_schema()
    with store.engine.connect() as conn:
        return {
            table.name: conn.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


# ---------------------------------------------------------------- sample items

SITE_A = "http://archive-a.example/fiction/"
SITE_B = "https://archive-b.example/"

ZOE = Author(id=7, name="Zoë", url=SITE_A + "viewuser.php?uid=7")
IVAN = Author(id=12, name="Иван", url=SITE_A + "viewuser.php?uid=12")
KIM = Author(id=3, name="Kim", url=SITE_A + "viewuser.php?uid=3")


def chapter(story_id: int, number: int, *, authors=(), text: str | None = None, **kw) -> Chapter:
    return Chapter(
        number=number,
        id=story_id * 100 + number,
        title=kw.pop("title", f"Chapter {number}"),
        authors=list(authors),
        word_count=kw.pop("word_count", 1000 + number),
        notes_html=kw.pop("notes_html", ""),
        end_notes_html=kw.pop("end_notes_html", ""),
        text_html=text if text is not None else f"<p>Text of chapter {number} of story {story_id}.</p>",
        source_url=kw.pop("source_url", f"{SITE_A}viewstory.php?sid={story_id}&chapter={number}"),
    )


def make_story(story_id: int = 1, *, site: str = SITE_A, chapters: int = 2, **kw) -> Story:
    """A complete 'ok' story; keyword arguments override fields."""
    authors = kw.pop("authors", [ZOE])
    story = Story(
        site=site,
        story_id=story_id,
        url=f"{site}viewstory.php?sid={story_id}",
        title=kw.pop("title", f"Story {story_id}"),
        authors=authors,
        summary_html=f"<p>Summary of story {story_id}.</p>",
        rating="PG-13",
        categories=[Tag(1, "Drama")],
        characters=[Tag(4, "Anna"), Tag(2, "Bert")],
        classes={"Genre": [Tag(10, "Angst"), Tag(11, "Romance")], "Warnings": [Tag(20, "None")]},
        challenges=[],
        series=[],
        chapter_count=chapters,
        completed=True,
        word_count=2000 + story_id,
        read_count=100,
        review_count=5,
        published=dt.date(2010, 3, 14),
        updated=dt.date(2011, 1, 2),
        published_display="14/03/10",
        updated_display="02/01/11",
        extra={"Beta": "Someone"},
        chapters=[chapter(story_id, n, authors=authors[:1]) for n in range(1, chapters + 1)],
        requests=chapters + 1,
    )
    for name, value in kw.items():
        setattr(story, name, value)
    return story
