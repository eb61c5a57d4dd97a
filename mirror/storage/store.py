"""The storage API: :class:`Store` writes and reads :mod:`mirror.items` stories.

Design notes
------------
* Dialect-neutral: every write is "select, then insert or update" inside one
  transaction (no ``ON CONFLICT``/``INSERT OR REPLACE``), so the same code runs
  on SQLite and PostgreSQL.
* One transaction per :meth:`Store.upsert_story`: the story row, its chapters,
  authors, series and all link rows commit together or not at all.
* Transient failures (SQLite "database is locked"/"busy", a PostgreSQL
  connection that dropped, a serialization failure or deadlock) retry the
  *whole* transaction a few times with a short exponential wait; a unique
  violation is retried once (another writer inserted the same author, series
  or story between our select and our insert; the retry sees its row).
* SQLite connections get ``foreign_keys=ON``, WAL, ``synchronous=NORMAL`` and a
  busy timeout; SQLAlchemy emits ``BEGIN`` itself (``BEGIN IMMEDIATE`` for
  writes) instead of the ``sqlite3`` module's legacy transaction handling, so
  reads are real transactions and writers queue on the busy timeout instead
  of failing on a lock upgrade.
* The schema is managed by Alembic (:mod:`mirror.storage.migrate`): an empty database gets
  every migration on first use; an older one is a clear error until ``mirror db upgrade``.
  A damaged file, one that is not a database, or another program's database is a
  :class:`StorageError` naming the file (:mod:`mirror.storage.check`), never a traceback.
* History is never thrown away: :meth:`Store.upsert_story` keeps every version
  of a story's metadata (``story_versions``) and of each chapter
  (``chapter_versions``), compared by SHA-256 so an unchanged re-store only
  moves ``last_seen``; removals are events (``story_events``).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import decimal
import enum
import hashlib
import html
import json
import logging
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from sqlalchemy import Engine, create_engine, delete, event, func, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, selectinload
from tenacity import (
    RetryCallState,
    Retrying,
    stop_after_attempt,
    wait_exponential,
)

from mirror.items import ChallengeInfo
from mirror.items import TaxonomyEntry, TaxonomyInfo
from mirror.urls import author_url as _urls_author
from .images import ImageStore
from mirror.items import (STATUS_INCOMPLETE, STATUS_OK, STATUS_RESTRICTED, Author, AuthorProfile, Chapter, Review,
                          ReviewSet, Series, SeriesEntry, SeriesInfo, Source, Story, Tag)

from .models import (
    TaxonomyRow,
    TaxonomyVersionRow,
    ChallengeRow,
    ChallengeVersionRow,
    AuthorProfileRow,
    AuthorProfileVersionRow,
    AuthorRow,
    ReviewReadRow,
    ReviewRow,
    ReviewVersionRow,
    ChapterAuthorRow,
    ChapterRow,
    ChapterVersionRow,
    CrawlRun,
    CrawlStory,
    SeriesItemRow,
    SeriesRow,
    SiteRow,
    StoryAuthorRow,
    StoryEventRow,
    StoryRow,
    StorySeriesRow,
    StorySourceRow,
    StoryVersionRow,
    utcnow,
)

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///mirror.sqlite"
DATABASE_URL_ENV = "MIRROR_DATABASE_URL"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")

UPSERT_NEW = "new"
UPSERT_CHANGED = "changed"
UPSERT_UNCHANGED = "unchanged"

# Crawl-run counters: finish_run() reads each from the stats dict, under the
# first key present of "mirror/stories/<name>", "mirror/stories_<name>",
# "stories_<name>" (for "dropped" also "mirror/dropped", then Scrapy's own
# "item_dropped_count").
RUN_COUNTERS = ("new", "changed", "unchanged", "restricted", "dropped")
RUN_STATUS_MAX = 100


def _run_counter(stats: dict[str, Any], name: str) -> int:
    keys = [f"mirror/stories/{name}", f"mirror/stories_{name}", f"stories_{name}"]
    if name == "dropped":
        keys += ["mirror/dropped", "item_dropped_count"]
    for key in keys:
        if key in stats:
            try:
                return int(stats[key] or 0)
            except (TypeError, ValueError):
                return 0
    return 0

T = TypeVar("T")


class StorageError(RuntimeError):
    """The database could not be opened or used (message names the URL)."""


def database_url(explicit: str | None = None) -> str:
    """The database URL to use: *explicit*, else ``$MIRROR_DATABASE_URL``, else the default."""
    if explicit:
        return explicit
    from_env = os.environ.get(DATABASE_URL_ENV, "").strip()
    return from_env or DEFAULT_DATABASE_URL


def _mask_raw_url(url: str) -> str:
    """Hide a password in a URL string that may not even parse."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _display_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _parse_url(url: str) -> URL:
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"invalid database URL {url!r}: expected e.g. {DEFAULT_DATABASE_URL!r}")
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise ValueError(
            f"invalid database URL {_mask_raw_url(url)!r}: {exc}; "
            f"expected e.g. {DEFAULT_DATABASE_URL!r} or 'postgresql+psycopg://user@host/db'"
        ) from None
    # psycopg (3) is the PostgreSQL driver this project installs; plain
    # "postgresql://" would otherwise mean psycopg2.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ValueError(
            f"unsupported database URL {_display_url(parsed)!r}: "
            f"only {' and '.join(SUPPORTED_BACKENDS)} databases are supported"
        )
    return parsed


# --------------------------------------------------------------------------
# JSON-safe values (crawl stats, settings, errors)
# --------------------------------------------------------------------------


def json_safe(value: Any) -> Any:
    """*value* converted to plain JSON types.

    datetimes/dates/times -> ISO strings, timedeltas -> seconds, sets ->
    sorted lists, tuples -> lists, dict keys -> strings, non-finite floats and
    anything else unknown -> ``str(value)``.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_safe(dataclasses.asdict(value))
    return str(value)


def _json_serializer(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------
# Item <-> row conversion
# --------------------------------------------------------------------------


def _tags_to_json(tags: Iterable[Tag]) -> list[dict[str, Any]]:
    return [{"id": t.id, "name": t.name} for t in tags]


def _tags_from_json(data: list[Any] | None) -> list[Tag]:
    return [Tag(id=d["id"], name=d["name"]) for d in data or []]


def _classes_to_json(classes: dict[str, list[Tag]]) -> list[dict[str, Any]]:
    return [{"type": k, "values": _tags_to_json(v)} for k, v in classes.items()]


def _classes_from_json(data: list[Any] | None) -> dict[str, list[Tag]]:
    return {d["type"]: _tags_from_json(d["values"]) for d in data or []}


# For readers of the JSON columns outside this module (e.g. the re-sync plan).
tags_from_json = _tags_from_json
classes_from_json = _classes_from_json


def _extra_to_json(extra: dict[str, str]) -> list[dict[str, Any]]:
    return [{"label": k, "value": v} for k, v in extra.items()]


def _extra_from_json(data: list[Any] | None) -> dict[str, str]:
    return {d["label"]: d["value"] for d in data or []}


def _as_date(value: dt.date | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _story_columns(story: Story) -> dict[str, Any]:
    """The ``stories`` column values for an (already normalised) item."""
    return {
        "url": story.url,
        "title": story.title,
        "status": story.status,
        "summary_html": story.summary_html,
        "rating": story.rating,
        "categories": _tags_to_json(story.categories),
        "characters": _tags_to_json(story.characters),
        "classes": _classes_to_json(story.classes),
        "challenges": _tags_to_json(story.challenges),
        "chapter_count": story.chapter_count,
        "completed": story.completed,
        "word_count": story.word_count,
        "read_count": story.read_count,
        "review_count": story.review_count,
        "featured": bool(story.featured),
        "retired": bool(story.retired),
        "published": story.published,
        "updated": story.updated,
        "published_display": story.published_display,
        "updated_display": story.updated_display,
        "story_notes_html": story.story_notes_html,
        "extra": _extra_to_json(story.extra),
    }


def _chapter_columns(chapter: Chapter) -> dict[str, Any]:
    return {
        "chapter_id": chapter.id,
        "title": chapter.title,
        "word_count": chapter.word_count,
        "notes_html": chapter.notes_html,
        "end_notes_html": chapter.end_notes_html,
        "text_html": chapter.text_html,
        "source_url": chapter.source_url,
    }


def _author(row: AuthorRow) -> Author:
    return Author(id=row.author_id, name=row.name, url=row.url)


def _row_to_story(site_url: str, row: StoryRow,
                  positions: dict[tuple[int, int], int] | None = None) -> Story:
    """Rebuild a :class:`mirror.items.Story` from a row with its relationships loaded.

    *positions* ((series pk, story id) -> the story's number among the series' stories, see
    :func:`_series_positions`) fills ``Series.position``; without it positions are None."""
    positions = positions or {}
    return Story(
        site=site_url,
        story_id=row.story_id,
        url=row.url,
        title=row.title,
        status=row.status,
        authors=[_author(link.author) for link in row.author_links],
        summary_html=row.summary_html,
        rating=row.rating,
        categories=_tags_from_json(row.categories),
        characters=_tags_from_json(row.characters),
        classes=_classes_from_json(row.classes),
        challenges=_tags_from_json(row.challenges),
        series=[
            Series(id=link.series.series_id, title=link.series.title, url=link.series.url,
                   position=positions.get((link.series_pk, row.story_id)))
            for link in row.series_links
        ],
        chapter_count=row.chapter_count,
        completed=row.completed,
        word_count=row.word_count,
        read_count=row.read_count,
        review_count=row.review_count,
        featured=row.featured,
        retired=row.retired,
        published=row.published,
        updated=row.updated,
        published_display=row.published_display,
        updated_display=row.updated_display,
        story_notes_html=row.story_notes_html,
        extra=_extra_from_json(row.extra),
        chapters=[
            Chapter(
                number=ch.number,
                id=ch.chapter_id,
                title=ch.title,
                authors=[_author(link.author) for link in ch.author_links],
                word_count=ch.word_count,
                notes_html=ch.notes_html,
                end_notes_html=ch.end_notes_html,
                text_html=ch.text_html,
                source_url=ch.source_url,
            )
            for ch in row.chapters
        ],
        requests=row.requests,
    )


def _story_load_options() -> list[Any]:
    """Eager loading for whole stories: a fixed number of queries per batch."""
    return [
        selectinload(StoryRow.author_links),
        selectinload(StoryRow.series_links),
        selectinload(StoryRow.chapters).selectinload(ChapterRow.author_links),
    ]


def _normalise(story: Story) -> tuple[Story, dict[int, Author]]:
    """Validate *story* and return a normalised deep copy plus its authors by id.

    The copy is what the database will hold: chapters sorted by number, dates
    as dates, and one name/URL per author id (the first the item gives: the
    byline before the chapters), exactly as a stored story reads back.
    """
    if not isinstance(story, Story):
        raise TypeError(f"upsert_story() takes a mirror.items.Story, not {type(story).__name__}")
    where = f"story {story.story_id!r} of {story.site!r}"
    if not isinstance(story.site, str) or not story.site:
        raise ValueError(f"{where}: site must be the archive's base URL")
    if not isinstance(story.story_id, int) or isinstance(story.story_id, bool):
        raise ValueError(f"{where}: story_id must be an int")
    if story.status not in (STATUS_OK, STATUS_RESTRICTED, STATUS_INCOMPLETE):
        raise ValueError(f"{where}: status must be 'ok', 'restricted' or 'incomplete', not {story.status!r}")
    seen: set[int] = set()
    for ch in story.chapters:
        if ch.number in seen:
            raise ValueError(f"{where}: duplicate chapter number {ch.number}")
        seen.add(ch.number)

    norm = copy.deepcopy(story)
    norm.published = _as_date(norm.published)
    norm.updated = _as_date(norm.updated)
    norm.featured = bool(norm.featured)
    norm.retired = bool(norm.retired)
    norm.chapters.sort(key=lambda c: c.number)
    norm.requests = int(norm.requests or 0)

    authors: dict[int, Author] = {}
    for a in [*norm.authors, *(a for ch in norm.chapters for a in ch.authors)]:
        authors.setdefault(a.id, Author(id=a.id, name=a.name, url=a.url))
    norm.authors = [copy.copy(authors[a.id]) for a in norm.authors]
    for ch in norm.chapters:
        ch.authors = [copy.copy(authors[a.id]) for a in ch.authors]
    return norm, authors


def _same_content(a: Story, b: Story) -> bool:
    """Equal in every field except ``requests`` (crawl cost), ``warnings`` (parse notes), the
    drifting counters ``read_count`` and ``review_count`` (they change on every visit), and the
    chapters' ``source_url`` (which page gave the text: the same text from another route is
    not a change, and the stored URL keeps saying where the stored text came from), the
    ``sources`` (where the pages were captured) and ``shown`` (which fields a rendering showed)."""

    def content(story: Story) -> Story:
        chapters = [dataclasses.replace(c, source_url="") for c in story.chapters]
        series = [dataclasses.replace(s, position=None) for s in story.series]  # from the series page
        return dataclasses.replace(story, requests=0, warnings=[], read_count=None, review_count=None,
                                   chapters=chapters, sources=[], series=series, shown=set())

    return content(a) == content(b)


# --------------------------------------------------------------------------
# History: versions of metadata and chapters
# --------------------------------------------------------------------------

# Metadata fields too long to show old -> new in a history line.
LONG_FIELDS = {"summary_html": "summary", "story_notes_html": "story notes"}
_IN_CHUNK = 500  # ids per IN (...) list


def _content_hash(data: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of *data*: sorted keys, no spaces, UTF-8."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def story_metadata(story: Story) -> dict[str, Any]:
    """The versioned metadata of a story: every field except ``site``/``story_id`` (identity),
    ``chapters``, ``requests``, ``warnings``, ``read_count`` and ``review_count``; JSON types,
    ordered lists as arrays (as in the ``stories`` columns)."""
    columns = json_safe(_story_columns(story))
    for drifting in ("read_count", "review_count"):
        columns.pop(drifting)
    return {**columns,
            "authors": [{"id": a.id, "name": a.name, "url": a.url} for a in story.authors],
            "series": [{"id": s.id, "title": s.title, "url": s.url} for s in story.series]}


def chapter_content(chapter: Chapter) -> dict[str, Any]:
    """The versioned content of a chapter: title, notes, end notes and text."""
    return {
        "title": chapter.title,
        "notes_html": chapter.notes_html,
        "end_notes_html": chapter.end_notes_html,
        "text_html": chapter.text_html,
    }


def _chapter_version(story_pk: int, chapter: Chapter, digest: str, first: dt.datetime,
                     last: dt.datetime) -> ChapterVersionRow:
    return ChapterVersionRow(story_pk=story_pk, number=chapter.number, chapter_id=chapter.id,
                             content_hash=digest, word_count=chapter.word_count, first_seen=first,
                             last_seen=last, **chapter_content(chapter))


def _count_words(text_html: str) -> int:
    return len(html.unescape(re.sub(r"<[^>]+>", " ", text_html or "")).split())


def _words(version: ChapterVersionRow) -> int:
    """The site's word count of a chapter version, else the words of its text."""
    return version.word_count if version.word_count is not None else _count_words(version.text_html)


def _metadata_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields that differ, in field order: ``{"field", "old", "new"}``, or for long fields
    (summary, story notes) ``{"field", "note": "summary changed"}``."""
    changes = []
    for name in dict.fromkeys([*old, *new]):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name in LONG_FIELDS:
            changes.append({"field": name, "note": f"{LONG_FIELDS[name]} changed"})
        else:
            changes.append({"field": name, "old": before, "new": after})
    return changes


_CHAPTER_PARTS = (("title", "title"), ("notes_html", "notes"), ("end_notes_html", "end notes"),
                  ("text_html", "text"))


def parse_story_url(url: str) -> tuple[str, int] | None:
    """``http://host/path/viewstory.php?sid=N&...`` -> ``("http://host/path/", N)``, else ``None``.

    The host is lower-cased (as site base URLs are stored); other parameters are ignored.
    """
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    directory, _, script = parts.path.rpartition("/")
    if script.lower() != "viewstory.php":
        return None
    query = parts.query.replace("&amp;", "&")
    sids = [v for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() == "sid"]
    if not sids or not sids[0].strip().isdigit():
        return None
    base = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), directory + "/", "", ""))
    return base, int(sids[0].strip())


def _check_aware(when: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(when, dt.datetime) or when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, not {when!r}")
    return when.astimezone(dt.timezone.utc)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


# --------------------------------------------------------------------------
# Retry policy
# --------------------------------------------------------------------------


def _is_transient(exc: BaseException, attempt: int) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, IntegrityError):
        # A unique key another transaction inserted too (a story's new author, the site's row):
        # the retry sees that row only once the other one has committed, which may take more than
        # one retry; any other violation is retried once.
        message = str(exc.orig if exc.orig is not None else exc).lower()
        return getattr(exc.orig, "sqlstate", None) == "23505" or "unique constraint" in message or attempt == 1
    if isinstance(exc, OperationalError):
        message = str(exc.orig if exc.orig is not None else exc).lower()
        if "sqlite" in type(exc.orig).__module__:
            return "locked" in message or "busy" in message
        return True  # psycopg: lost connection, serialization failure, deadlock, ...
    return False


# --------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------


class Store(ImageStore):
    """Read and write mirrored stories in one database.

    ``Store(url)`` creates the engine only; tables are created on first use.
    A bad URL raises :class:`ValueError` naming it; a database that cannot be
    opened raises :class:`StorageError` on first use, as does a damaged file, one
    that is not a database, or another program's database (:mod:`.check`).
    Thread-safe: each call uses its own session.  ``connections``: how many
    threads use it at once (a server database keeps that many connections open
    for them).  ``create=False`` (read-only commands): a SQLite file that does
    not exist is a :class:`StorageError` now, not a new empty database.
    """

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        busy_timeout: float = 10.0,
        retry_attempts: int = 5,
        batch_size: int = 50,
        connections: int = 10,
        create: bool = True,
    ) -> None:
        from .check import require_existing, watch_engine  # imports this module

        parsed = _parse_url(url)
        self.url = _display_url(parsed)  # password hidden: safe to log
        if not create:
            require_existing(parsed)
        self.retry_attempts = max(1, int(retry_attempts))
        self.batch_size = max(1, int(batch_size))
        options: dict[str, Any] = {"echo": echo, "json_serializer": _json_serializer}
        if parsed.get_backend_name() != "sqlite":
            options["pool_pre_ping"] = True
            # As many pooled connections as threads that write at once (a crawl's store pipeline:
            # the reactor's thread pool): a busier moment would otherwise open and close
            # connections over and over, each a new server process and new prepared statements.
            options["pool_size"] = max(1, int(connections))
        try:
            self.engine: Engine = create_engine(parsed, **options)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise ValueError(f"unsupported database URL {self.url!r}: {exc}") from None
        except ImportError as exc:
            hint = " (pip install 'psycopg[binary]')" if self.url.startswith("postgresql") else ""
            raise ValueError(
                f"database URL {self.url!r} needs the Python module {exc.name!r}, "
                f"which is not installed{hint}"
            ) from None
        self.dialect = self.engine.dialect.name
        watch_engine(self.engine)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine, busy_timeout, wal=create)
        self._write_engine = self.engine.execution_options(mirror_write=True)
        if self.dialect == "postgresql":
            # one snapshot for a whole export
            self._snapshot_engine = self.engine.execution_options(isolation_level="REPEATABLE READ")
        else:
            self._snapshot_engine = self.engine  # SQLite transactions are serializable
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        self._site_pks: dict[str, int] = {}  # see _site_pk
        self._busy_timeout = busy_timeout

    @classmethod
    def open(cls, url: str | None = None, **kwargs: Any) -> Store:
        """``Store(database_url(url))``: explicit URL, else ``$MIRROR_DATABASE_URL``, else default."""
        return cls(database_url(url), **kwargs)

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release all pooled connections (the Store may be used again afterwards)."""
        self.engine.dispose()

    # ---------------------------------------------------------------- setup

    def create_schema(self) -> None:
        """Check the schema now, creating the tables of an empty database (otherwise done on
        first use).  A database made by an older (or newer) fic-mirror raises
        :class:`StorageError` saying what to do (``mirror db upgrade``): existing data is never
        migrated implicitly."""
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            from .migrate import ensure_schema  # imports this module

            try:
                # A plain (deferred) read when the schema is current, so readers never queue
                # behind a writer here; an empty database is migrated under a lock (advisory on
                # PostgreSQL, BEGIN IMMEDIATE on SQLite).  Retried on transient errors.
                self._retrying(lambda: ensure_schema(self.engine.url, busy_timeout=self._busy_timeout))
            except SQLAlchemyError as exc:
                raise StorageError(f"cannot open database {self.url}: {_short(exc)}") from exc
            self._schema_ready = True

    def _retrying(self, fn: Callable[[], T]) -> T:
        def should_retry(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            return exc is not None and _is_transient(exc, state.attempt_number)

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "database %s: transient error (attempt %d of %d), retrying: %s",
                self.url, state.attempt_number, self.retry_attempts, _short(exc),
            )

        retrying = Retrying(
            stop=stop_after_attempt(self.retry_attempts),
            wait=wait_exponential(multiplier=0.05, min=0.05, max=2.0),
            retry=should_retry,
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(fn)

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run *work* in one write transaction, retrying it whole on transient errors."""
        self.create_schema()

        def attempt() -> T:
            with Session(self._write_engine, expire_on_commit=False) as session:
                with session.begin():
                    return work(session)

        return self._retrying(attempt)

    def _read(self, work: Callable[[Session], T]) -> T:
        self.create_schema()

        def attempt() -> T:
            with Session(self.engine) as session:
                with session.begin():
                    return work(session)

        return self._retrying(attempt)

    def _site_pk(self, session: Session, site: str, *, create: bool) -> int | None:
        """The site's primary key, creating its row if asked.  Sites are never deleted, so a key
        read from the database is remembered (one query less for each item a crawl stores); one
        just created is not, as its transaction may yet roll back."""
        pk = self._site_pks.get(site)
        if pk is not None:
            return pk
        pk = session.scalar(select(SiteRow.id).where(SiteRow.base_url == site))
        if pk is not None:
            self._site_pks[site] = pk
        elif create:
            row = SiteRow(base_url=site, first_seen=utcnow())
            session.add(row)
            session.flush()
            pk = row.id
        return pk

    # --------------------------------------------------------------- stories

    def upsert_story(self, story: Story) -> str:
        """Store *story* and its chapters, authors and series in one transaction.

        Returns ``"new"`` (not stored before), ``"changed"`` (any stored field
        differs, including an author's or series' name) or ``"unchanged"``.
        ``requests``, ``last_fetched``, ``read_count`` and ``review_count`` are
        updated either way but are not content (the counters drift on every
        visit).  Chapters missing from *story* are deleted from ``chapters``.

        History, in the same transaction: new metadata or chapter content
        (title, notes, end notes, text) becomes a new row of ``story_versions`` /
        ``chapter_versions`` and the earlier versions stay; content equal to the
        current version only moves its ``last_seen``; a chapter that left the
        story gets a ``chapter_removed`` event in ``story_events``.

        Idempotent and safe to retry.  Raises :class:`ValueError` for an invalid item.
        """
        norm, authors = _normalise(story)
        return self._write(lambda session: self._upsert(session, norm, authors))

    def _upsert(self, session: Session, story: Story, authors: dict[int, Author]) -> str:
        now = utcnow()
        site_pk = self._site_pk(session, story.site, create=True)
        assert site_pk is not None
        row = session.scalar(
            select(StoryRow)
            .where(StoryRow.site_id == site_pk, StoryRow.story_id == story.story_id)
            .options(*_story_load_options())
        )
        stored = _row_to_story(story.site, row) if row is not None else None
        # Chapters this fetch actually read (not carried over from an earlier crawl below).
        seen = {c.number for c in story.chapters if c.text_html or story.status != STATUS_INCOMPLETE}
        before = (row.last_changed, row.last_fetched) if row is not None else (now, now)
        if stored is not None and story.status == STATUS_RESTRICTED and not story.chapters:
            # A story that became members-only keeps the text we preserved while it was public.
            story.chapters = stored.chapters
        if stored is not None and story.status == STATUS_INCOMPLETE:
            # Chapters this crawl could not fetch keep the text an earlier crawl stored.
            earlier = {c.number: c for c in stored.chapters if c.text_html}
            story.chapters = [earlier.get(c.number, c) if not c.text_html else c for c in story.chapters]
        self._keep_chapter_ids(session, site_pk, stored, story)
        if stored is not None and _same_content(stored, story):
            row.last_fetched = now
            row.requests = story.requests
            row.read_count = story.read_count  # counters drift: kept current, never a change
            row.review_count = story.review_count
            self._record_versions(session, row.id, stored, story, seen, now, *before)
            self._record_sources(session, row, story, seen, now, changed=False)
            return UPSERT_UNCHANGED

        author_pks = self._upsert_named(session, AuthorRow, "author_id", site_pk, {
            a.id: {"name": a.name, "url": a.url} for a in authors.values()})
        series_pks = self._upsert_named(session, SeriesRow, "series_id", site_pk, {
            s.id: {"title": s.title, "url": s.url} for s in reversed(story.series)})

        columns = _story_columns(story)
        if row is None:
            result = UPSERT_NEW
            row = StoryRow(
                site_id=site_pk,
                story_id=story.story_id,
                requests=story.requests,
                first_seen=now,
                last_fetched=now,
                last_changed=now,
                **columns,
            )
            session.add(row)
        else:
            result = UPSERT_CHANGED
            for name, value in columns.items():
                if getattr(row, name) != value:
                    setattr(row, name, value)
            row.requests = story.requests
            row.last_fetched = now
            row.last_changed = now

        _sync_links(
            row.author_links,
            [author_pks[a.id] for a in story.authors],
            lambda pos, pk: StoryAuthorRow(position=pos, author_pk=pk),
            "author_pk",
        )
        _sync_links(
            row.series_links,
            [series_pks[s.id] for s in story.series],
            lambda pos, pk: StorySeriesRow(position=pos, series_pk=pk),
            "series_pk",
        )

        existing = {ch.number: ch for ch in row.chapters}
        wanted = {ch.number for ch in story.chapters}
        for ch_row in [c for c in row.chapters if c.number not in wanted]:
            row.chapters.remove(ch_row)  # delete-orphan: the row and its links go
        for chapter in story.chapters:
            ch_columns = _chapter_columns(chapter)
            ch_row = existing.get(chapter.number)
            if ch_row is None:
                ch_row = ChapterRow(number=chapter.number, **ch_columns)
                row.chapters.append(ch_row)
            else:
                for name, value in ch_columns.items():
                    if getattr(ch_row, name) != value:
                        setattr(ch_row, name, value)
            _sync_links(
                ch_row.author_links,
                [author_pks[a.id] for a in chapter.authors],
                lambda pos, pk: ChapterAuthorRow(position=pos, author_pk=pk),
                "author_pk",
            )
        session.flush()
        self._record_versions(session, row.id, stored, story, seen, now, *before)
        self._record_sources(session, row, story, seen, now, changed=True, new=stored is None)
        return result

    @staticmethod
    def _record_sources(session: Session, row: StoryRow, story: Story, seen: set[int],
                        now: dt.datetime, *, changed: bool, new: bool = False) -> None:
        """Remember the pages this fetch read and where their raw responses are kept (WARC).

        A fetch that captured WARCs replaces the story's sources, and each chapter it read
        points at the record holding its page.  A fetch without a capture replaces them only
        when the content changed (the older records no longer hold what is stored); otherwise
        the earlier capture still holds this very content and stays linked."""
        if not story.sources:
            return
        captured = any(source.warc_filename for source in story.sources)
        if not captured and not changed:
            return
        if not new:  # a new story has none yet
            session.query(StorySourceRow).filter(StorySourceRow.story_pk == row.id).delete(
                synchronize_session=False)
        session.add_all(StorySourceRow(
            story_pk=row.id, position=position, url=source.url, kind=source.kind, status=source.status,
            warc_filename=source.warc_filename, warc_offset=source.warc_offset,
            warc_length=source.warc_length, warc_record_id=source.warc_record_id, fetched_at=now)
            for position, source in enumerate(story.sources))
        by_url = {source.url: source for source in story.sources if source.status == 200}
        for ch_row in row.chapters:
            if ch_row.number not in seen:
                continue  # carried over from an earlier fetch: keeps its own record
            source = by_url.get(ch_row.source_url)
            filename = source.warc_filename if source else None
            offset = source.warc_offset if source else None
            if (ch_row.warc_filename, ch_row.warc_offset) != (filename, offset):
                ch_row.warc_filename, ch_row.warc_offset = filename, offset

    @staticmethod
    def _record_versions(session: Session, story_pk: int, stored: Story | None, story: Story,
                         seen: set[int], now: dt.datetime, stored_since: dt.datetime,
                         stored_until: dt.datetime) -> None:
        """Keep the history of one story in step with what was just written.

        Content whose hash equals the current version only moves that version's ``last_seen``
        (chapters only when this fetch read them); new content becomes a new version.  A
        story stored before versions existed first gets its stored content as a version
        (seen from its ``last_changed`` to its ``last_fetched``), so a change is never lost.
        Chapters that left the story get a ``chapter_removed`` event; their versions stay.
        """
        stored_numbers = {c.number for c in stored.chapters} if stored is not None else set()

        # ---- metadata
        meta = story_metadata(story)
        digest = _content_hash(meta)
        # A story not stored before has no versions (they go with their story): nothing to ask.
        current = None if stored is None else session.execute(
            select(StoryVersionRow.id, StoryVersionRow.content_hash)
            .where(StoryVersionRow.story_pk == story_pk)
            .order_by(StoryVersionRow.id.desc())
            .limit(1)
        ).first()
        if current is None and stored is not None:
            old_meta = story_metadata(stored)
            backfill = StoryVersionRow(story_pk=story_pk, content_hash=_content_hash(old_meta),
                                       data=old_meta, first_seen=stored_since, last_seen=stored_until)
            session.add(backfill)
            session.flush()
            current = (backfill.id, backfill.content_hash)
        if current is not None and current[1] == digest:
            session.execute(update(StoryVersionRow).where(StoryVersionRow.id == current[0])
                            .values(last_seen=now).execution_options(synchronize_session=False))
        else:
            session.add(StoryVersionRow(story_pk=story_pk, content_hash=digest, data=meta,
                                        first_seen=now, last_seen=now))

        # ---- chapters
        latest: dict[int, tuple[int, str]] = {}
        if stored is not None:
            for version_id, number, version_hash in session.execute(
                select(ChapterVersionRow.id, ChapterVersionRow.number, ChapterVersionRow.content_hash)
                .where(ChapterVersionRow.story_pk == story_pk)
                .order_by(ChapterVersionRow.id)
            ):
                latest[number] = (version_id, version_hash)
            missing = [c for c in stored.chapters if c.number not in latest]
            backfills = [_chapter_version(story_pk, c, _content_hash(chapter_content(c)),
                                          stored_since, stored_until) for c in missing]
            session.add_all(backfills)
            if backfills:
                session.flush()
            for row in backfills:
                latest[row.number] = (row.id, row.content_hash)
        bump: list[int] = []
        for chapter in story.chapters:
            digest = _content_hash(chapter_content(chapter))
            current = latest.get(chapter.number)
            if chapter.number in stored_numbers and current is not None and current[1] == digest:
                if chapter.number in seen:
                    bump.append(current[0])
            else:  # new, changed, or back after a removal
                session.add(_chapter_version(story_pk, chapter, digest, now, now))
        for chunk in _chunks(bump):
            session.execute(update(ChapterVersionRow).where(ChapterVersionRow.id.in_(chunk))
                            .values(last_seen=now).execution_options(synchronize_session=False))
        gone = stored_numbers - {c.number for c in story.chapters}
        session.add_all(StoryEventRow(story_pk=story_pk, kind="chapter_removed", chapter_number=n, at=now)
                        for n in sorted(gone))
        session.flush()

    @staticmethod
    def _upsert_named(session: Session, model: type, key: str, site_pk: int,
                      wanted: dict[int, dict[str, Any]]) -> dict[int, int]:
        """Insert or update site-scoped rows (authors, series) by their site id; return pks by id."""
        if not wanted:
            return {}
        column = getattr(model, key)
        rows = session.scalars(
            select(model).where(model.site_id == site_pk, column.in_(list(wanted)))
        ).all()
        by_id = {getattr(r, key): r for r in rows}
        for site_id, values in wanted.items():
            row = by_id.get(site_id)
            if row is None:
                row = model(site_id=site_pk, **{key: site_id}, **values)
                session.add(row)
                by_id[site_id] = row
            else:
                for name, value in values.items():
                    if getattr(row, name) != value:
                        setattr(row, name, value)
        session.flush()
        return {site_id: row.id for site_id, row in by_id.items()}

    # ---------------------------------------------------------------- series

    def upsert_series(self, series: SeriesInfo) -> str:
        """Store a series' own record (from its ``viewseries.php`` pages) in one transaction.

        The ``series`` row gets the owner, summary, tags, type, parent and ``last_fetched``;
        its ``series_items`` (stories and sub-series in the site's order) are replaced, unless
        ``series.entries_complete`` is False (a page could not be fetched: the stored order
        is kept).  Returns ``"new"`` (the series page was never stored), ``"changed"`` or
        ``"unchanged"``.  Raises :class:`ValueError` for an invalid item."""
        if not isinstance(series, SeriesInfo):
            raise TypeError(f"upsert_series() takes a mirror.items.SeriesInfo, not {type(series).__name__}")
        if not isinstance(series.site, str) or not series.site:
            raise ValueError(f"series {series.series_id!r}: site must be the archive's base URL")
        if not isinstance(series.series_id, int) or isinstance(series.series_id, bool):
            raise ValueError(f"series {series.series_id!r} of {series.site!r}: series_id must be an int")
        if any((e.story_id is None) == (e.series_id is None) for e in series.entries):
            raise ValueError(f"series {series.series_id} of {series.site!r}: each entry is a story or a sub-series")
        return self._write(lambda session: self._upsert_series(session, series))

    def _upsert_series(self, session: Session, series: SeriesInfo) -> str:
        now = utcnow()
        site_pk = self._site_pk(session, series.site, create=True)
        assert site_pk is not None
        owner_pk = None
        if series.owner is not None:
            owner_pk = self._upsert_named(session, AuthorRow, "author_id", site_pk, {
                series.owner.id: {"name": series.owner.name, "url": series.owner.url}})[series.owner.id]
        columns = {
            "title": series.title,
            "url": series.url,
            "owner_author_pk": owner_pk,
            "summary_html": series.summary_html,
            "categories": _tags_to_json(series.categories),
            "characters": _tags_to_json(series.characters),
            "classes": _classes_to_json(series.classes),
            "series_type": series.series_type,
            "parent_series_id": series.parent_series_id,
            "story_count": series.story_count,
        }
        items = [(e.story_id, e.series_id) for e in series.entries]
        row = session.scalar(select(SeriesRow).where(SeriesRow.site_id == site_pk,
                                                     SeriesRow.series_id == series.series_id))
        old_items: list[tuple[int | None, int | None]] = []
        if row is None:
            row = SeriesRow(site_id=site_pk, series_id=series.series_id, **columns)
            session.add(row)
            session.flush()
            result = UPSERT_NEW
        else:
            old_items = [tuple(r) for r in session.execute(
                select(SeriesItemRow.story_id, SeriesItemRow.child_series_id)
                .where(SeriesItemRow.series_pk == row.id).order_by(SeriesItemRow.position))]
            changed = any(getattr(row, name) != value for name, value in columns.items()) or (
                series.entries_complete and old_items != items)
            result = UPSERT_NEW if row.last_fetched is None else UPSERT_CHANGED if changed else UPSERT_UNCHANGED
            for name, value in columns.items():
                if getattr(row, name) != value:
                    setattr(row, name, value)
        if series.entries_complete and old_items != items:
            session.execute(delete(SeriesItemRow).where(SeriesItemRow.series_pk == row.id))
            session.add_all(SeriesItemRow(series_pk=row.id, position=n, story_id=sid, child_series_id=child)
                            for n, (sid, child) in enumerate(items, 1))
        row.last_fetched = now
        session.flush()
        return result

    def iter_series(self, site: str | None = None) -> Iterator[SeriesInfo]:
        """Every stored series as :class:`mirror.items.SeriesInfo`, by site (base URL) then
        ``series_id``; ``entries`` in the site's order.  A series known only from story pages
        (never read itself) has its title and URL and nothing else."""

        def work(session: Session) -> list[SeriesInfo]:
            query = (select(SeriesRow, SiteRow.base_url, AuthorRow)
                     .join(SiteRow, SiteRow.id == SeriesRow.site_id)
                     .outerjoin(AuthorRow, AuthorRow.id == SeriesRow.owner_author_pk))
            if site is not None:
                query = query.where(SiteRow.base_url == site)
            rows = sorted(session.execute(query).all(), key=lambda r: (r[1], r[0].series_id))
            entries: dict[int, list[SeriesEntry]] = {}
            pks = [r[0].id for r in rows]
            for chunk in _chunks(pks):
                for series_pk, story_id, child in session.execute(
                        select(SeriesItemRow.series_pk, SeriesItemRow.story_id, SeriesItemRow.child_series_id)
                        .where(SeriesItemRow.series_pk.in_(chunk))
                        .order_by(SeriesItemRow.series_pk, SeriesItemRow.position)):
                    entries.setdefault(series_pk, []).append(SeriesEntry(story_id=story_id, series_id=child))
            return [SeriesInfo(
                site=base_url, series_id=row.series_id, url=row.url, title=row.title,
                owner=_author(owner) if owner is not None else None, summary_html=row.summary_html or "",
                categories=_tags_from_json(row.categories), characters=_tags_from_json(row.characters),
                classes=_classes_from_json(row.classes), series_type=row.series_type,
                parent_series_id=row.parent_series_id, story_count=row.story_count,
                entries=entries.get(row.id, [])) for row, base_url, owner in rows]

        return iter(self._read(work))

    # ---------------------------------------------------------------- reviews

    def upsert_reviews(self, reviews: ReviewSet) -> dict[str, int]:
        """Store the reviews read for one item (a story or a series) in one transaction.

        Keyed by the site's review id.  New content (text, response, score, reviewer, chapter)
        becomes the row's current content and a new ``review_versions`` row; the earlier
        versions stay.  When ``reviews.complete``, stored reviews of the item that the site no
        longer shows get ``removed_at`` (kept).  A story's chapter menu (``reviews.chapter_ids``)
        fills the chapids its stored chapters lack.  Returns counts: new, changed, unchanged, removed."""
        if not isinstance(reviews, ReviewSet):
            raise TypeError(f"upsert_reviews() takes a mirror.items.ReviewSet, not {type(reviews).__name__}")
        if not isinstance(reviews.site, str) or not reviews.site:
            raise ValueError(f"reviews of {reviews.item_type} {reviews.item_id!r}: site must be the base URL")
        if any(not isinstance(r.review_id, int) or isinstance(r.review_id, bool) for r in reviews.reviews):
            raise ValueError(f"reviews of {reviews.item_type} {reviews.item_id}: review ids must be ints")
        return self._write(lambda session: self._upsert_reviews(session, reviews))

    @staticmethod
    def _review_content(review: Review) -> dict[str, Any]:
        return {"reviewer_uid": review.reviewer_uid, "reviewer_name": review.reviewer_name,
                "signed": review.signed, "chapter_title": review.chapter_title,
                "chapter_number": review.chapter_number, "chapter_id": review.chapter_id,
                "date_display": review.date_display, "score": review.score, "text_html": review.text_html,
                "rating_only": review.rating_only, "response_html": review.response_html}

    def _upsert_reviews(self, session: Session, reviews: ReviewSet) -> dict[str, int]:
        now = utcnow()
        site_pk = self._site_pk(session, reviews.site, create=True)
        counts = {UPSERT_NEW: 0, UPSERT_CHANGED: 0, UPSERT_UNCHANGED: 0, "removed": 0}
        wanted = {r.review_id: r for r in reviews.reviews}
        rows: dict[int, ReviewRow] = {}
        added: list[tuple[ReviewRow, dict[str, Any]]] = []  # new reviews: their first versions below
        unchanged: list[int] = []  # reviews whose current version is seen again
        for chunk in _chunks(list(wanted)):
            rows.update((r.review_id, r) for r in session.scalars(
                select(ReviewRow).where(ReviewRow.site_id == site_pk, ReviewRow.review_id.in_(chunk))))
        for review_id, review in wanted.items():
            content = self._review_content(review)
            digest = _content_hash(content)
            row = rows.get(review_id)
            place = {"item_type": review.item_type, "item_id": review.item_id, "posted": review.posted,
                     "source_url": review.source_url}
            if row is None:
                row = ReviewRow(site_id=site_pk, review_id=review_id, content_hash=digest, first_seen=now,
                                last_fetched=now, last_changed=now, **content, **place)
                session.add(row)
                added.append((row, content))
                counts[UPSERT_NEW] += 1
                continue
            row.last_fetched = now
            row.removed_at = None
            for name, value in place.items():
                if getattr(row, name) != value:
                    setattr(row, name, value)
            if row.content_hash == digest:
                unchanged.append(row.id)
                counts[UPSERT_UNCHANGED] += 1
                continue
            for name, value in content.items():
                setattr(row, name, value)
            row.content_hash, row.last_changed = digest, now
            session.add(ReviewVersionRow(review_pk=row.id, content_hash=digest, content=json_safe(content),
                                         first_seen=now, last_seen=now))
            counts[UPSERT_CHANGED] += 1
        if added:  # one batched INSERT of the new reviews (their ids), then one of their versions
            session.flush()
            session.add_all(ReviewVersionRow(review_pk=row.id, content_hash=row.content_hash,
                                             content=json_safe(content), first_seen=now, last_seen=now)
                            for row, content in added)
        for chunk in _chunks(unchanged):  # the version whose hash the review still has
            session.execute(update(ReviewVersionRow).where(
                ReviewVersionRow.review_pk.in_(chunk),
                ReviewVersionRow.content_hash == select(ReviewRow.content_hash)
                .where(ReviewRow.id == ReviewVersionRow.review_pk).scalar_subquery())
                .values(last_seen=now).execution_options(synchronize_session=False))
        if reviews.complete:
            gone = session.scalars(select(ReviewRow).where(
                ReviewRow.site_id == site_pk, ReviewRow.item_type == reviews.item_type,
                ReviewRow.item_id == reviews.item_id, ReviewRow.removed_at.is_(None),
                ReviewRow.review_id.not_in(list(wanted) or [-1]))).all()
            for row in gone:
                row.removed_at = now
            counts["removed"] = len(gone)
        self._note_review_read(session, site_pk, reviews, now)
        if reviews.item_type == "ST" and reviews.chapter_ids:
            self._fill_chapter_ids(session, site_pk, reviews.item_id, reviews.chapter_ids)
        session.flush()
        return counts

    @staticmethod
    def _fill_chapter_ids(session: Session, site_pk: int, story_id: int, ids: dict[int, int]) -> None:
        """Give a stored story's chapters without a chapid, and their current versions, the one
        *ids* (chapter number -> chapid: its review pages' chapter menu) has for their number; a
        chapid already stored (read from an index) is kept.  A story not stored yet takes them
        from its stored reviews when it is (:meth:`_keep_chapter_ids`)."""
        story_pk = session.scalar(select(StoryRow.id).where(StoryRow.site_id == site_pk,
                                                            StoryRow.story_id == story_id))
        if story_pk is None:
            return
        numbers = {number: pk for pk, number in session.execute(
            select(ChapterRow.id, ChapterRow.number).where(ChapterRow.story_pk == story_pk,
                                                           ChapterRow.chapter_id.is_(None))) if number in ids}
        if not numbers:
            return
        current = (select(func.max(ChapterVersionRow.id)).where(ChapterVersionRow.story_pk == story_pk)
                   .group_by(ChapterVersionRow.number))
        versions = [{"id": pk, "chapter_id": ids[number]} for pk, number in session.execute(
            select(ChapterVersionRow.id, ChapterVersionRow.number).where(
                ChapterVersionRow.id.in_(current), ChapterVersionRow.chapter_id.is_(None))) if number in numbers]
        session.execute(update(ChapterRow), [{"id": pk, "chapter_id": ids[n]} for n, pk in numbers.items()])
        if versions:
            session.execute(update(ChapterVersionRow), versions)

    @staticmethod
    def _keep_chapter_ids(session: Session, site_pk: int, stored: Story | None, story: Story) -> None:
        """Chapters this fetch gave no chapid (no index page read) keep the stored one (same
        number, and the same title or text: not another chapter moved there), else take the one
        the story's stored reviews name for that number and title (from their chapter menu): a
        story stored after its reviews, or again without its index, keeps its chapids."""
        earlier = {c.number: c for c in stored.chapters} if stored is not None else {}
        for chapter in story.chapters:
            old = earlier.get(chapter.number)
            if chapter.id is None and old is not None and (
                    old.title == chapter.title or (old.text_html and old.text_html == chapter.text_html)):
                chapter.id = old.id
        missing = [c for c in story.chapters if c.id is None]
        if missing:
            named = Store._reviewed_chapter_ids(session, site_pk, story.story_id)
            for chapter in missing:
                chapter.id = named.get((chapter.number, chapter.title))

    @staticmethod
    def _reviewed_chapter_ids(session: Session, site_pk: int, story_id: int) -> dict[tuple[int, str], int]:
        """(chapter number, title) -> chapid, as a story's stored reviews name them, where that
        number and that chapid go together only."""
        rows = session.execute(select(ReviewRow.chapter_number, ReviewRow.chapter_id, ReviewRow.chapter_title)
                               .distinct().where(ReviewRow.site_id == site_pk, ReviewRow.item_type == "ST",
                                                 ReviewRow.item_id == story_id, ReviewRow.removed_at.is_(None),
                                                 ReviewRow.chapter_number.is_not(None),
                                                 ReviewRow.chapter_id.is_not(None))).all()
        numbers = {(number, chapid) for number, chapid, _ in rows}
        by_number = Counter(number for number, _ in numbers)
        by_chapid = Counter(chapid for _, chapid in numbers)
        return {(number, title): chapid for number, chapid, title in rows
                if by_number[number] == 1 and by_chapid[chapid] == 1}

    def iter_reviews(self, site: str | None = None, item_type: str | None = None, *,
                     include_removed: bool = False) -> Iterator[Review]:
        """Stored reviews (current versions) by site, item type, item id, then newest first
        (highest review id), as :class:`mirror.items.Review`.  A few queries, not one per item."""

        def work(session: Session) -> list[Review]:
            query = (select(ReviewRow, SiteRow.base_url).join(SiteRow, SiteRow.id == ReviewRow.site_id)
                     .order_by(SiteRow.base_url, ReviewRow.item_type, ReviewRow.item_id, ReviewRow.review_id.desc()))
            if site is not None:
                query = query.where(SiteRow.base_url == site)
            if item_type is not None:
                query = query.where(ReviewRow.item_type == item_type)
            if not include_removed:
                query = query.where(ReviewRow.removed_at.is_(None))
            return [Review(site=base_url, review_id=row.review_id, item_type=row.item_type, item_id=row.item_id,
                           reviewer_name=row.reviewer_name, reviewer_uid=row.reviewer_uid, signed=row.signed,
                           chapter_title=row.chapter_title, chapter_number=row.chapter_number,
                           chapter_id=row.chapter_id, date_display=row.date_display, posted=row.posted,
                           score=row.score, text_html=row.text_html, rating_only=row.rating_only,
                           response_html=row.response_html, source_url=row.source_url)
                    for row, base_url in session.execute(query)]

        return iter(self._read(work))

    def review_versions(self, site: str, review_id: int) -> list[dict[str, Any]]:
        """Every distinct content a review had, oldest first (with first_seen / last_seen)."""

        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.execute(
                select(ReviewVersionRow).join(ReviewRow, ReviewRow.id == ReviewVersionRow.review_pk)
                .join(SiteRow, SiteRow.id == ReviewRow.site_id)
                .where(SiteRow.base_url == site, ReviewRow.review_id == review_id)
                .order_by(ReviewVersionRow.id)).scalars().all()
            return [{**v.content, "first_seen": v.first_seen, "last_seen": v.last_seen} for v in rows]

        return self._read(work)

    def review_counts(self, site: str, item_type: str = "ST") -> dict[int, int]:
        """Item id -> stored reviews with text the site still shows.  Not always the count its
        listing shows (the site's counter): re-sync compares :meth:`review_reads` with that."""

        def work(session: Session) -> dict[int, int]:
            return {item: n for item, n in session.execute(
                select(ReviewRow.item_id, func.count()).join(SiteRow, SiteRow.id == ReviewRow.site_id)
                .where(SiteRow.base_url == site, ReviewRow.item_type == item_type,
                       ReviewRow.removed_at.is_(None), ReviewRow.rating_only.is_(False))
                .group_by(ReviewRow.item_id))}

        return self._read(work)

    @staticmethod
    def _note_review_read(session: Session, site_pk: int, reviews: ReviewSet, now: dt.datetime) -> None:
        """Record the count the listing showed when the item's reviews were read, and whether every
        page was read.  A count not known (reviews rebuilt from WARC captures) keeps the recorded one."""
        row = session.scalar(select(ReviewReadRow).where(
            ReviewReadRow.site_id == site_pk, ReviewReadRow.item_type == reviews.item_type,
            ReviewReadRow.item_id == reviews.item_id))
        if row is None:
            row = ReviewReadRow(site_id=site_pk, item_type=reviews.item_type, item_id=reviews.item_id)
            session.add(row)
        if reviews.listed_count is not None:
            row.listed_count = reviews.listed_count
        row.complete, row.last_fetched = reviews.complete, now

    def review_reads(self, site: str, item_type: str = "ST") -> dict[int, int | None]:
        """Item id -> the review count its listing (a series: its page) showed when its reviews
        were last read whole (0 when not known); None when that read was not complete (a page
        failed).  Items whose reviews were never read (or never stored) are absent."""

        def work(session: Session) -> dict[int, int | None]:
            return {item: (listed or 0) if complete else None for item, listed, complete in session.execute(
                select(ReviewReadRow.item_id, ReviewReadRow.listed_count, ReviewReadRow.complete)
                .join(SiteRow, SiteRow.id == ReviewReadRow.site_id)
                .where(SiteRow.base_url == site, ReviewReadRow.item_type == item_type))}

        return self._read(work)

    # ------------------------------------------------------------ challenges

    @staticmethod
    def _challenge_content(challenge: ChallengeInfo) -> dict[str, Any]:
        owner = challenge.owner
        return {"title": challenge.title, "owner_uid": owner.id if owner else None,
                "owner_name": owner.name if owner else None, "summary_html": challenge.summary_html,
                "categories": _tags_to_json(challenge.categories), "characters": _tags_to_json(challenge.characters),
                "story_ids": list(challenge.story_ids)}

    def upsert_challenge(self, challenge: ChallengeInfo) -> str:
        """Store a challenge in one transaction, keyed by site and ``chalid``.  New content (title,
        owner, summary, tags, responses in order) becomes a new ``challenge_versions`` row; the
        earlier versions stay.  When ``challenge.complete`` is false the stored responses are kept.
        Returns "new", "changed" or "unchanged"."""
        if not isinstance(challenge, ChallengeInfo):
            raise TypeError(f"upsert_challenge() takes a mirror.items.ChallengeInfo, not {type(challenge).__name__}")
        if not isinstance(challenge.challenge_id, int) or isinstance(challenge.challenge_id, bool):
            raise ValueError(f"challenge {challenge.challenge_id!r} of {challenge.site!r}: challenge_id must be an int")
        return self._write(lambda session: self._upsert_challenge(session, challenge))

    def _upsert_challenge(self, session: Session, challenge: ChallengeInfo) -> str:
        now = utcnow()
        site_pk = self._site_pk(session, challenge.site, create=True)
        assert site_pk is not None
        row = session.scalar(select(ChallengeRow).where(ChallengeRow.site_id == site_pk,
                                                        ChallengeRow.challenge_id == challenge.challenge_id))
        content = self._challenge_content(challenge)
        if not challenge.complete and row is not None:
            content["story_ids"] = list(row.story_ids or [])  # a page failed: keep the order stored
        digest = _content_hash(json_safe(content))
        if row is not None:
            row.last_fetched = now
            row.listed_count = challenge.listed_count if challenge.listed_count is not None else row.listed_count
            row.responses_complete = challenge.complete or row.responses_complete
        if row is not None and row.content_hash == digest:
            session.execute(update(ChallengeVersionRow).where(
                ChallengeVersionRow.challenge_pk == row.id, ChallengeVersionRow.content_hash == digest)
                .values(last_seen=now))
            return UPSERT_UNCHANGED
        if row is None:
            row = ChallengeRow(site_id=site_pk, challenge_id=challenge.challenge_id, url=challenge.url,
                               listed_count=challenge.listed_count, responses_complete=challenge.complete,
                               first_fetched=now, last_fetched=now, content_hash=digest, **content)
            session.add(row)
            result = UPSERT_NEW
        else:
            for name, value in content.items():
                setattr(row, name, value)
            row.url, row.content_hash = challenge.url, digest
            result = UPSERT_CHANGED
        row.last_changed = now
        session.flush()
        session.add(ChallengeVersionRow(challenge_pk=row.id, content_hash=digest, content=json_safe(content),
                                        first_seen=now, last_seen=now))
        session.flush()
        return result

    def iter_challenges(self, site: str | None = None) -> Iterator[ChallengeInfo]:
        """Every stored challenge by site then chalid, as :class:`mirror.items.ChallengeInfo`."""

        def work(session: Session) -> list[ChallengeInfo]:
            query = (select(ChallengeRow, SiteRow.base_url).join(SiteRow, SiteRow.id == ChallengeRow.site_id)
                     .order_by(SiteRow.base_url, ChallengeRow.challenge_id))
            if site is not None:
                query = query.where(SiteRow.base_url == site)
            out = []
            for row, base_url in session.execute(query):
                owner = (Author(row.owner_uid, row.owner_name or "", _urls_author(base_url, row.owner_uid))
                         if row.owner_uid is not None else None)
                out.append(ChallengeInfo(
                    site=base_url, challenge_id=row.challenge_id, url=row.url, title=row.title, owner=owner,
                    summary_html=row.summary_html, categories=_tags_from_json(row.categories),
                    characters=_tags_from_json(row.characters), story_ids=list(row.story_ids or []),
                    listed_count=row.listed_count, complete=row.responses_complete))
            return out

        return iter(self._read(work))

    def challenge_versions(self, site: str, challenge_id: int) -> list[dict[str, Any]]:
        """Every distinct content a challenge had, oldest first: {"content", "first_seen", "last_seen"}."""

        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(
                select(ChallengeVersionRow).join(ChallengeRow, ChallengeRow.id == ChallengeVersionRow.challenge_pk)
                .join(SiteRow, SiteRow.id == ChallengeRow.site_id)
                .where(SiteRow.base_url == site, ChallengeRow.challenge_id == challenge_id)
                .order_by(ChallengeVersionRow.id)).all()
            return [{"content": r.content, "first_seen": r.first_seen, "last_seen": r.last_seen} for r in rows]

        return self._read(work)

    def challenge_ids(self, site: str) -> set[int]:
        """The chalids of *site* whose challenge page was stored."""

        def work(session: Session) -> set[int]:
            return set(session.scalars(select(ChallengeRow.challenge_id).join(SiteRow, SiteRow.id == ChallengeRow.site_id)
                                       .where(SiteRow.base_url == site)))

        return self._read(work)

    # ------------------------------------------------------------ taxonomy

    _TAXONOMY_KINDS = {"categories": ("category",), "characters": ("character",), "ratings": ("rating",),
                       "classes": ("class_type", "class")}
    _TAXONOMY_FIELDS = ("name", "parent_id", "position", "description", "story_count", "category_id",
                        "warning_text")

    def upsert_taxonomy(self, info: TaxonomyInfo) -> dict[str, str]:
        """Store what the browse pages say, in one transaction, per part read: the rows of a part
        read whole (``info.parts``) are replaced (entries no longer shown are deleted), those of a
        partial part (``info.partial_parts``) added or updated only.  A rating's warning text
        stays when the new read does not know it.  Each part's resulting content is a
        ``taxonomy_versions`` row when it differs from the last one (earlier versions stay).
        Returns {part: "new" | "changed" | "unchanged"}."""
        if not isinstance(info, TaxonomyInfo):
            raise TypeError(f"upsert_taxonomy() takes a mirror.items.TaxonomyInfo, not {type(info).__name__}")
        for entry in info.entries:
            if not isinstance(entry.id, int) or isinstance(entry.id, bool):
                raise ValueError(f"taxonomy {entry.kind} {entry.id!r} of {info.site!r}: id must be an int")
        return self._write(lambda session: self._upsert_taxonomy(session, info))

    def _upsert_taxonomy(self, session: Session, info: TaxonomyInfo) -> dict[str, str]:
        now = utcnow()
        site_pk = self._site_pk(session, info.site, create=True)
        assert site_pk is not None
        results: dict[str, str] = {}
        for part in [*info.parts, *info.partial_parts]:
            kinds = self._TAXONOMY_KINDS.get(part)
            if kinds is None:
                raise ValueError(f"unknown taxonomy part {part!r}")
            rows = {(r.kind, r.item_id): r for r in session.scalars(select(TaxonomyRow).where(
                TaxonomyRow.site_id == site_pk, TaxonomyRow.kind.in_(kinds)))}
            shown = {(e.kind, e.id): e for e in info.entries if e.kind in kinds}
            for key, entry in shown.items():
                values = {name: getattr(entry, name) for name in self._TAXONOMY_FIELDS}
                row = rows.get(key)
                if row is None:
                    session.add(TaxonomyRow(site_id=site_pk, kind=entry.kind, item_id=entry.id, first_seen=now,
                                            last_seen=now, **values))
                    continue
                if values["warning_text"] is None:
                    values["warning_text"] = row.warning_text  # known before, not read this time
                for name, value in values.items():
                    setattr(row, name, value)
                row.last_seen = now
            if part in info.parts:  # read whole: what it no longer shows is gone (kept in the versions)
                for key, row in rows.items():
                    if key not in shown:
                        session.delete(row)
            session.flush()
            content = [{"kind": r.kind, "id": r.item_id, **{name: getattr(r, name) for name in self._TAXONOMY_FIELDS}}
                       for r in session.scalars(select(TaxonomyRow).where(
                           TaxonomyRow.site_id == site_pk, TaxonomyRow.kind.in_(kinds))
                           .order_by(TaxonomyRow.kind, TaxonomyRow.item_id))]
            digest = _content_hash({"part": part, "entries": content})
            last = session.scalar(select(TaxonomyVersionRow).where(
                TaxonomyVersionRow.site_id == site_pk, TaxonomyVersionRow.part == part)
                .order_by(TaxonomyVersionRow.id.desc()).limit(1))
            if last is not None and last.content_hash == digest:
                last.last_seen = now
                results[part] = UPSERT_UNCHANGED
                continue
            session.add(TaxonomyVersionRow(site_id=site_pk, part=part, content_hash=digest, content=content,
                                           first_seen=now, last_seen=now))
            results[part] = UPSERT_NEW if last is None else UPSERT_CHANGED
        session.flush()
        return results

    def taxonomy(self, site: str) -> TaxonomyInfo:
        """A site's stored taxonomy: ``parts`` are the parts ever read, ``entries`` by kind
        (categories, class types, classes, characters, ratings) then position and id."""
        order = {"category": 0, "class_type": 1, "class": 2, "character": 3, "rating": 4}

        def work(session: Session) -> TaxonomyInfo:
            info = TaxonomyInfo(site=site)
            site_pk = session.scalar(select(SiteRow.id).where(SiteRow.base_url == site))
            if site_pk is None:
                return info
            read = set(session.scalars(select(TaxonomyVersionRow.part).where(TaxonomyVersionRow.site_id == site_pk)))
            info.parts = [p for p in self._TAXONOMY_KINDS if p in read]
            rows = session.scalars(select(TaxonomyRow).where(TaxonomyRow.site_id == site_pk)).all()
            info.entries = [TaxonomyEntry(r.kind, r.item_id, r.name, **{n: getattr(r, n) for n in
                                                                        self._TAXONOMY_FIELDS if n != "name"})
                            for r in sorted(rows, key=lambda r: (order.get(r.kind, 9), r.parent_id or 0,
                                                                 r.position if r.position is not None else 0,
                                                                 r.item_id))]
            return info

        return self._read(work)

    def taxonomy_versions(self, site: str, part: str) -> list[dict[str, Any]]:
        """Every distinct content a taxonomy part had, oldest first: {"content", "first_seen", "last_seen"}."""

        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(select(TaxonomyVersionRow).join(SiteRow, SiteRow.id == TaxonomyVersionRow.site_id)
                                   .where(SiteRow.base_url == site, TaxonomyVersionRow.part == part)
                                   .order_by(TaxonomyVersionRow.id)).all()
            return [{"content": r.content, "first_seen": r.first_seen, "last_seen": r.last_seen} for r in rows]

        return self._read(work)

    # ------------------------------------------------------------ author profiles

    @staticmethod
    def _profile_content(profile: AuthorProfile) -> dict[str, Any]:
        return {"pen_name": profile.pen_name, "real_name": profile.real_name,
                "member_since": profile.member_since, "member_since_display": profile.member_since_display,
                "status": profile.status, "bio_html": profile.bio_html,
                "fields": [{"label": k, "value": v} for k, v in profile.fields.items()],
                "story_ids": list(profile.story_ids), "story_count": profile.story_count,
                "series_count": profile.series_count, "review_count": profile.review_count}

    def upsert_author_profile(self, profile: AuthorProfile) -> str:
        """Store a member's profile in one transaction (the ``authors`` row is created or its
        name updated).  New content becomes a new ``author_profile_versions`` row; earlier
        versions stay.  Returns "new" (never read before), "changed" or "unchanged"."""
        if not isinstance(profile, AuthorProfile):
            raise TypeError(f"upsert_author_profile() takes a mirror.items.AuthorProfile, not {type(profile).__name__}")
        if not isinstance(profile.author_id, int) or isinstance(profile.author_id, bool):
            raise ValueError(f"author {profile.author_id!r} of {profile.site!r}: author_id must be an int")
        return self._write(lambda session: self._upsert_author_profile(session, profile))

    def _upsert_author_profile(self, session: Session, profile: AuthorProfile) -> str:
        now = utcnow()
        site_pk = self._site_pk(session, profile.site, create=True)
        assert site_pk is not None
        author_pk = self._upsert_named(session, AuthorRow, "author_id", site_pk, {
            profile.author_id: {"name": profile.pen_name, "url": profile.url}})[profile.author_id]
        if profile.series:  # the "Series by" panel: the member owns these series
            series_pks = self._upsert_named(session, SeriesRow, "series_id", site_pk, {
                s.id: {"title": s.title, "url": s.url} for s in profile.series})
            session.execute(update(SeriesRow).where(SeriesRow.id.in_(list(series_pks.values())))
                            .values(owner_author_pk=author_pk).execution_options(synchronize_session=False))
        content = self._profile_content(profile)
        digest = _content_hash(json_safe(content))
        row = session.get(AuthorProfileRow, author_pk)
        if row is not None and row.content_hash == digest:
            row.last_fetched = now
            session.execute(update(AuthorProfileVersionRow).where(
                AuthorProfileVersionRow.author_pk == author_pk, AuthorProfileVersionRow.content_hash == digest)
                .values(last_seen=now))
            return UPSERT_UNCHANGED
        if row is None:
            row = AuthorProfileRow(author_pk=author_pk, first_fetched=now, content_hash=digest, **content)
            session.add(row)
            result = UPSERT_NEW
        else:
            for name, value in content.items():
                setattr(row, name, value)
            row.content_hash = digest
            result = UPSERT_CHANGED
        row.last_fetched = row.last_changed = now
        session.add(AuthorProfileVersionRow(author_pk=author_pk, content_hash=digest, content=json_safe(content),
                                            first_seen=now, last_seen=now))
        session.flush()
        return result

    def iter_authors(self, site: str | None = None) -> Iterator[AuthorProfile]:
        """Every stored author (member) by site then uid, as :class:`mirror.items.AuthorProfile`,
        with the profile when it was read (``member_since_display`` etc. empty otherwise) and
        ``story_ids``: the stories stored with them as an author, by story id; ``series``: the
        series they own (from the series' pages and their "Series by" panel), by series id."""

        def work(session: Session) -> list[AuthorProfile]:
            query = (select(AuthorRow, SiteRow.base_url, AuthorProfileRow)
                     .join(SiteRow, SiteRow.id == AuthorRow.site_id)
                     .outerjoin(AuthorProfileRow, AuthorProfileRow.author_pk == AuthorRow.id)
                     .order_by(SiteRow.base_url, AuthorRow.author_id))
            if site is not None:
                query = query.where(SiteRow.base_url == site)
            rows = session.execute(query).all()
            stories: dict[int, list[int]] = {}
            for chunk in _chunks([r[0].id for r in rows]):
                for author_pk, story_id in session.execute(
                        select(StoryAuthorRow.author_pk, StoryRow.story_id)
                        .join(StoryRow, StoryRow.id == StoryAuthorRow.story_pk)
                        .where(StoryAuthorRow.author_pk.in_(chunk)).order_by(StoryRow.story_id)):
                    stories.setdefault(author_pk, []).append(story_id)
            owned: dict[int, list[Series]] = {}
            for chunk in _chunks([r[0].id for r in rows]):
                for series in session.scalars(select(SeriesRow).where(SeriesRow.owner_author_pk.in_(chunk))
                                              .order_by(SeriesRow.series_id)):
                    owned.setdefault(series.owner_author_pk, []).append(
                        Series(id=series.series_id, title=series.title, url=series.url))
            out = []
            for author, base_url, profile in rows:
                item = AuthorProfile(site=base_url, author_id=author.author_id, url=author.url,
                                     pen_name=author.name, story_ids=stories.get(author.id, []),
                                     series=owned.get(author.id, []))
                if profile is not None:
                    item.real_name, item.member_since = profile.real_name, profile.member_since
                    item.member_since_display, item.status = profile.member_since_display, profile.status
                    item.bio_html = profile.bio_html
                    item.fields = {f["label"]: f["value"] for f in profile.fields or []}
                    item.story_count, item.series_count = profile.story_count, profile.series_count
                    item.review_count = profile.review_count
                out.append(item)
            return out

        return iter(self._read(work))

    def profiled_authors(self, site: str) -> tuple[set[int], set[int]]:
        """(uids whose profile was read, uids known without one) on *site*."""

        def work(session: Session) -> tuple[set[int], set[int]]:
            done, todo = set(), set()
            for uid, pk in session.execute(
                    select(AuthorRow.author_id, AuthorProfileRow.author_pk)
                    .join(SiteRow, SiteRow.id == AuthorRow.site_id)
                    .outerjoin(AuthorProfileRow, AuthorProfileRow.author_pk == AuthorRow.id)
                    .where(SiteRow.base_url == site)):
                (done if pk is not None else todo).add(uid)
            return done, todo

        return self._read(work)

    def get_story(self, site: str, story_id: int) -> Story | None:
        """One stored story rebuilt as an item, or ``None``."""

        def work(session: Session) -> Story | None:
            row = session.scalar(
                select(StoryRow)
                .join(SiteRow, SiteRow.id == StoryRow.site_id)
                .where(SiteRow.base_url == site, StoryRow.story_id == story_id)
                .options(*_story_load_options())
            )
            return None if row is None else _row_to_story(site, row, _series_positions(session, [row]))

        return self._read(work)

    def story_ids(self, site: str) -> list[int]:
        """The stored story ids of *site*, ascending."""
        return self._read(
            lambda session: list(
                session.scalars(
                    select(StoryRow.story_id)
                    .join(SiteRow, SiteRow.id == StoryRow.site_id)
                    .where(SiteRow.base_url == site)
                    .order_by(StoryRow.story_id)
                )
            )
        )

    def iter_sources(self, *, site: str | None = None,
                     story_ids: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
        """Each stored story that has recorded sources, with them, streaming: dicts of ``site``,
        ``story_id``, ``status``, ``requests``, ``chapters`` ({number: (text_html, source_url,
        warc_filename, warc_offset)}) and ``sources`` (:class:`mirror.items.Source`, in fetch
        order).  Sites by base URL, then story id.  What ``mirror reparse``/``verify`` read."""
        self.create_schema()
        wanted = None if story_ids is None else {int(i) for i in story_ids}
        with Session(self._snapshot_engine) as session, session.begin():
            sites = sorted(session.execute(select(SiteRow.id, SiteRow.base_url)).all(),
                           key=lambda r: r.base_url)
            for site_pk, base_url in sites:
                if site is not None and base_url != site:
                    continue
                after = -1
                while True:
                    stories = session.execute(
                        select(StoryRow.id, StoryRow.story_id, StoryRow.status, StoryRow.requests)
                        .where(StoryRow.site_id == site_pk, StoryRow.story_id > after)
                        .where(StoryRow.id.in_(select(StorySourceRow.story_pk)))
                        .order_by(StoryRow.story_id).limit(500)).all()
                    if not stories:
                        break
                    after = stories[-1].story_id
                    pks = [row.id for row in stories if wanted is None or row.story_id in wanted]
                    sources: dict[int, list[Source]] = {}
                    chapters: dict[int, dict[int, tuple]] = {}
                    if pks:
                        for src in session.scalars(select(StorySourceRow).where(
                                StorySourceRow.story_pk.in_(pks)).order_by(
                                StorySourceRow.story_pk, StorySourceRow.position)):
                            sources.setdefault(src.story_pk, []).append(Source(
                                url=src.url, kind=src.kind, status=src.status,
                                warc_filename=src.warc_filename, warc_offset=src.warc_offset,
                                warc_length=src.warc_length, warc_record_id=src.warc_record_id))
                        for ch in session.execute(select(
                                ChapterRow.story_pk, ChapterRow.number, ChapterRow.text_html,
                                ChapterRow.source_url, ChapterRow.warc_filename, ChapterRow.warc_offset)
                                .where(ChapterRow.story_pk.in_(pks))):
                            chapters.setdefault(ch.story_pk, {})[ch.number] = tuple(ch[2:])
                    for row in stories:
                        if row.id in sources:
                            yield {"site": base_url, "story_id": row.story_id, "status": row.status,
                                   "requests": row.requests, "sources": sources[row.id],
                                   "chapters": dict(sorted(chapters.get(row.id, {}).items()))}

    def changed_since(self, site: str, when: dt.datetime) -> list[int]:
        """Ids of *site*'s stories whose content changed at or after *when*, ascending."""
        when = _check_aware(when, "when")
        return self._read(lambda session: list(session.scalars(
            select(StoryRow.story_id).join(SiteRow, SiteRow.id == StoryRow.site_id)
            .where(SiteRow.base_url == site, StoryRow.last_changed >= when)
            .order_by(StoryRow.story_id))))

    def last_run_setting(self, key: str, site: str | None = None, column: Any = None) -> Any:
        """The value of setting *key* recorded by the latest run (of *site*, or of any site)
        that recorded one, e.g. ``date_format`` or ``MIRROR_WARC_DIR``; None if none did.
        ``column``: another JSON column of the run to look in (``CrawlRun.stats``)."""

        def work(session: Session) -> Any:
            query = select(CrawlRun.settings if column is None else column).join(
                SiteRow, SiteRow.id == CrawlRun.site_id)
            if site is not None:
                query = query.where(SiteRow.base_url == site)
            for settings in session.scalars(query.order_by(CrawlRun.id.desc())):
                if isinstance(settings, dict) and settings.get(key):
                    return settings[key]
            return None

        return self._read(work)

    def date_samples(self, site: str, limit: int = 200) -> list[tuple[str, dt.date]]:
        """(date as the site displayed it, the date it was read as) pairs of *site*'s stories."""

        def work(session: Session) -> list[tuple[str, dt.date]]:
            rows = session.execute(
                select(StoryRow.published_display, StoryRow.published, StoryRow.updated_display,
                       StoryRow.updated).join(SiteRow, SiteRow.id == StoryRow.site_id)
                .where(SiteRow.base_url == site).order_by(StoryRow.story_id).limit(limit))
            return [(shown, day) for row in rows for shown, day in ((row[0], row[1]), (row[2], row[3]))
                    if shown and day]

        return self._read(work)

    def last_date_format(self, site: str) -> str | None:
        """The date format the latest crawl of *site* read dates with, if recorded."""
        value = self.last_run_setting("date_format", site)
        if value == "auto":  # inferred from the listing during the crawl: its stats say which
            value = self.last_run_setting("mirror/date_format", site, column=CrawlRun.stats)
        return str(value) if value else None

    def sites(self) -> list[str]:
        """Base URLs of all stored sites, in code-point order."""
        return sorted(self._read(lambda session: list(session.scalars(select(SiteRow.base_url)))))

    def iter_stories(
        self, *, site: str | None = None, story_ids: Iterable[int] | None = None
    ) -> Iterator[Story]:
        """Yield stored stories as :class:`mirror.items.Story`, streaming.

        Order is deterministic and backend-independent: sites by base URL
        (code-point order, sorted in Python so no collation is involved), then
        ``story_id``.  Stories are read in keyset-paginated batches of
        ``batch_size`` with a fixed number of queries per batch (authors,
        series, chapters and chapter authors are loaded for the whole batch),
        and each batch is released before the next is read, so memory stays
        bounded by one batch.  The whole iteration reads one snapshot (one
        transaction; ``REPEATABLE READ`` on PostgreSQL).  *story_ids* limits the
        stories (unknown ids are ignored).
        """
        self.create_schema()
        wanted = None if story_ids is None else sorted({int(i) for i in story_ids})
        with Session(self._snapshot_engine) as session, session.begin():
            query = select(SiteRow.id, SiteRow.base_url)
            if site is not None:
                query = query.where(SiteRow.base_url == site)
            sites = sorted(session.execute(query).all(), key=lambda r: r.base_url)
            for site_pk, base_url in sites:
                for batch in self._batches(session, site_pk, wanted):
                    positions = _series_positions(session, batch)  # one query per batch
                    stories = [_row_to_story(base_url, row, positions) for row in batch]
                    session.expunge_all()
                    del batch
                    yield from stories

    def _batches(self, session: Session, site_pk: int, wanted: list[int] | None) -> Iterator[list[StoryRow]]:
        base = (
            select(StoryRow)
            .where(StoryRow.site_id == site_pk)
            .order_by(StoryRow.story_id)
            .options(*_story_load_options())
        )
        if wanted is not None:
            for start in range(0, len(wanted), self.batch_size):
                chunk = wanted[start : start + self.batch_size]
                rows = list(session.scalars(base.where(StoryRow.story_id.in_(chunk))))
                if rows:
                    yield rows
            return
        last: int | None = None
        while True:
            query = base if last is None else base.where(StoryRow.story_id > last)
            rows = list(session.scalars(query.limit(self.batch_size)))
            if not rows:
                return
            last = rows[-1].story_id
            yield rows
            if len(rows) < self.batch_size:
                return

    # ------------------------------------------------------ counters, removal

    def update_counts(self, site: str, counts: dict[int, tuple[int | None, int | None]]) -> list[int]:
        """Set the drifting counters of stored stories: ``{story_id: (read_count, review_count)}``.

        One transaction, a few statements whatever the batch size.  Touches nothing else (no
        version, no ``last_changed``/``last_fetched``).  ``None`` means "not shown": that counter
        keeps its stored value.  Unknown ids are ignored.  Returns the story ids whose counters
        changed, ascending.
        """
        wanted = {int(story_id): value for story_id, value in (counts or {}).items()}
        if not wanted:
            return []

        def work(session: Session) -> list[int]:
            site_pk = self._site_pk(session, site, create=False)
            if site_pk is None:
                return []
            params, changed = [], []
            for chunk in _chunks(sorted(wanted)):
                for pk, story_id, reads, reviews in session.execute(
                    select(StoryRow.id, StoryRow.story_id, StoryRow.read_count, StoryRow.review_count)
                    .where(StoryRow.site_id == site_pk, StoryRow.story_id.in_(chunk))
                ):
                    new_reads, new_reviews = wanted[story_id]
                    new_reads = reads if new_reads is None else int(new_reads)
                    new_reviews = reviews if new_reviews is None else int(new_reviews)
                    if (new_reads, new_reviews) != (reads, reviews):
                        params.append({"id": pk, "read_count": new_reads, "review_count": new_reviews})
                        changed.append(story_id)
            if params:
                session.execute(update(StoryRow), params)  # ORM bulk UPDATE by primary key
            return sorted(changed)

        return self._write(work)

    def mark_removed(self, site: str, story_ids: Iterable[int], when: dt.datetime, *,
                     run_id: int | None = None) -> list[int]:
        """The site no longer shows these stories: set ``removed_at`` to *when* (aware) and record
        a ``removed`` event (with *run_id*).  Content stays.  Stories already marked removed and
        unknown ids are left alone.  Returns the story ids marked, ascending."""
        when = _check_aware(when, "when")
        return self._set_removed(site, story_ids, when, "removed", run_id)

    def mark_present(self, site: str, story_ids: Iterable[int], when: dt.datetime | None = None, *,
                     run_id: int | None = None) -> list[int]:
        """These stories are back on the site: clear ``removed_at`` and record a ``restored``
        event at *when* (default now).  Returns the story ids that were marked removed, ascending."""
        when = utcnow() if when is None else _check_aware(when, "when")
        return self._set_removed(site, story_ids, when, "restored", run_id)

    def _set_removed(self, site: str, story_ids: Iterable[int], when: dt.datetime, kind: str,
                     run_id: int | None) -> list[int]:
        ids = sorted({int(i) for i in story_ids or []})
        if not ids:
            return []

        def work(session: Session) -> list[int]:
            site_pk = self._site_pk(session, site, create=False)
            if site_pk is None:
                return []
            done = []
            for chunk in _chunks(ids):
                query = select(StoryRow).where(StoryRow.site_id == site_pk, StoryRow.story_id.in_(chunk))
                query = query.where(StoryRow.removed_at.is_(None) if kind == "removed"
                                    else StoryRow.removed_at.is_not(None))
                for row in session.scalars(query):
                    row.removed_at = when if kind == "removed" else None
                    session.add(StoryEventRow(story_pk=row.id, kind=kind, at=when, run_id=run_id))
                    done.append(row.story_id)
            return sorted(done)

        return self._write(work)

    # --------------------------------------------------------------- history

    def find_story(self, url: str) -> tuple[str, int] | None:
        """The stored ``(site, story_id)`` a story URL points at, or ``None``.

        Takes ``http://host/path/viewstory.php?sid=N`` with any other parameters
        (``&chapter=2``, ``&index=1``...); the host's case does not matter, and
        http/https are accepted for each other when only the other is stored.
        """
        parsed = parse_story_url(url)
        if parsed is None:
            return None
        base, story_id = parsed

        def work(session: Session) -> tuple[str, int] | None:
            found = []
            for base_url in session.scalars(
                select(SiteRow.base_url)
                .join(StoryRow, StoryRow.site_id == SiteRow.id)
                .where(StoryRow.story_id == story_id)
            ):
                key = parse_story_url(base_url + f"viewstory.php?sid={story_id}")
                if key is not None and key[0] == base:
                    return base_url, story_id
                if key is not None and key[0].split("://", 1)[1] == base.split("://", 1)[1]:
                    found.append(base_url)
            return (found[0], story_id) if len(found) == 1 else None

        return self._read(work)

    def story_history(self, site: str, story_id: int) -> list[dict[str, Any]]:
        """What the site said about one story over time: a list of events, oldest first.

        Each event is a dict with ``at`` (aware UTC datetime) and ``kind``:

        * ``first_seen``: ``title``, ``chapters`` (how many) -- when the mirror first stored it;
        * ``metadata_changed``: ``changes``, a list of ``{"field", "old", "new"}`` (or, for the
          summary and story notes, ``{"field", "note": "summary changed"}``);
        * ``chapter_added``: ``number``, ``chapter_id``, ``title``, ``words``;
        * ``chapter_changed``: ``number``, ``chapter_id``, ``title`` (new), ``old_title``,
          ``parts`` (of ``title``, ``notes``, ``end notes``, ``text``), ``old_words``, ``new_words``;
        * ``chapter_removed``: ``number``, ``title`` (its last version);
        * ``removed`` / ``restored``: the site stopped / started showing it again (``run_id``).

        Words are the site's count for that version, else the words of its text.  Events at
        the same moment come in that order (chapters by number).  An unknown story gives ``[]``.
        """

        def work(session: Session) -> list[dict[str, Any]]:
            row = session.execute(
                select(StoryRow.id, StoryRow.title, StoryRow.first_seen)
                .join(SiteRow, SiteRow.id == StoryRow.site_id)
                .where(SiteRow.base_url == site, StoryRow.story_id == story_id)
            ).first()
            if row is None:
                return []
            story_pk = row.id
            versions = list(session.scalars(select(StoryVersionRow).where(
                StoryVersionRow.story_pk == story_pk).order_by(StoryVersionRow.id)))
            chapters = list(session.scalars(select(ChapterVersionRow).where(
                ChapterVersionRow.story_pk == story_pk).order_by(ChapterVersionRow.id)))
            others = list(session.scalars(select(StoryEventRow).where(
                StoryEventRow.story_pk == story_pk).order_by(StoryEventRow.id)))
            return _history_events(row, versions, chapters, others, session)

        return self._read(work)

    # ----------------------------------------------------------- crawl runs

    def start_run(self, site: str, *, mode: str = "full", settings: dict | None = None) -> int:
        """Record the start of a crawl of *site*; returns the run id."""

        if not isinstance(mode, str) or not 0 < len(mode) <= 32:
            raise ValueError(f"crawl mode must be a short string such as 'full', not {mode!r}")

        def work(session: Session) -> int:
            site_pk = self._site_pk(session, site, create=True)
            assert site_pk is not None
            run = CrawlRun(
                site_id=site_pk,
                mode=mode,
                settings=json_safe(settings) if settings is not None else None,
                started_at=utcnow(),
                status="running",
                errors=[],
            )
            session.add(run)
            session.flush()
            return run.id

        return self._write(work)

    def finish_run(
        self, run_id: int, *, status: str, stats: dict, errors: list[dict] | None = None
    ) -> None:
        """Record the end of run *run_id*.

        *status* is free text up to 100 characters ("finished", "failed",
        "stopped: shutdown", ...).  *stats* (e.g. Scrapy's stats) is stored
        JSON-safe; the story counters are taken from it:
        ``mirror/stories/new`` (or ``mirror/stories_new`` or ``stories_new``),
        likewise for changed, unchanged, restricted and dropped (which falls
        back to ``mirror/dropped``, then Scrapy's ``item_dropped_count``).
        """
        if not isinstance(status, str) or not 0 < len(status) <= RUN_STATUS_MAX:
            raise ValueError(
                f"crawl run status must be a string of 1-{RUN_STATUS_MAX} characters "
                f"such as 'finished', not {status!r}"
            )
        safe_stats = json_safe(stats or {})
        safe_errors = json_safe(list(errors or []))

        def work(session: Session) -> None:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise ValueError(f"no crawl run with id {run_id} in {self.url}")
            run.status = status
            run.finished_at = utcnow()
            run.stats = safe_stats
            run.errors = safe_errors
            for name in RUN_COUNTERS:
                setattr(run, f"stories_{name}", _run_counter(safe_stats, name))

        self._write(work)

    def record_stories(self, run_id: int, states: list[tuple[int, str, str | None]]) -> None:
        """Record what run *run_id* did with these stories: ``(story_id, state, reason)``.

        A later state for the same story in the same run replaces the earlier one.
        """
        if not states:
            return
        latest = {story_id: (state, reason) for story_id, state, reason in states}

        def work(session: Session) -> None:
            site_pk = session.scalar(select(CrawlRun.site_id).where(CrawlRun.id == run_id))
            if site_pk is None:
                raise ValueError(f"no crawl run {run_id}")
            rows = {r.story_id: r for r in session.scalars(select(CrawlStory).where(
                CrawlStory.run_id == run_id, CrawlStory.story_id.in_(list(latest))))}
            now = utcnow()
            for story_id, (state, reason) in latest.items():
                row = rows.get(story_id)
                if row is None:
                    session.add(CrawlStory(run_id=run_id, site_id=site_pk, story_id=story_id,
                                           state=state, reason=reason, updated_at=now))
                else:
                    row.state, row.reason, row.updated_at = state, reason, now

        self._write(work)

    def story_states(self, run_id: int) -> dict[int, tuple[str, str | None]]:
        """``{story_id: (state, reason)}`` recorded for one run."""

        def work(session: Session) -> dict[int, tuple[str, str | None]]:
            rows = session.execute(select(CrawlStory.story_id, CrawlStory.state, CrawlStory.reason)
                                   .where(CrawlStory.run_id == run_id))
            return {story_id: (state, reason) for story_id, state, reason in rows}

        return self._read(work)

    def unfinished_runs(self, site: str) -> list[int]:
        """Runs of *site* since its last finished one that never finished (killed, stopped)."""

        def work(session: Session) -> list[int]:
            site_pk = self._site_pk(session, site, create=False)
            if site_pk is None:
                return []
            runs = session.execute(select(CrawlRun.id, CrawlRun.status)
                                   .where(CrawlRun.site_id == site_pk).order_by(CrawlRun.id.desc()))
            unfinished = []
            for run_id, status in runs:
                if status == "finished":
                    break
                unfinished.append(run_id)
            return sorted(unfinished)

        return self._read(work)

    def mark_interrupted(self, run_ids: list[int]) -> None:
        """Runs whose process died while "running" (no finish was recorded) become "interrupted"."""
        if not run_ids:
            return

        def work(session: Session) -> None:
            for run in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(run_ids),
                                                             CrawlRun.status == "running")):
                run.status = "interrupted"

        self._write(work)

    def stories_done(self, run_ids: list[int]) -> set[int]:
        """Stories stored whole (or recorded as members-only) by any of these runs."""
        if not run_ids:
            return set()

        def work(session: Session) -> set[int]:
            return set(session.scalars(select(CrawlStory.story_id).where(
                CrawlStory.run_id.in_(run_ids), CrawlStory.state.in_(("stored", "restricted")))))

        return self._read(work)

    def get_run(self, run_id: int) -> dict[str, Any] | None:
        """One crawl run as a dict (site, times, status, counters, stats, errors)."""

        def work(session: Session) -> dict[str, Any] | None:
            found = session.execute(
                select(CrawlRun, SiteRow.base_url)
                .join(SiteRow, SiteRow.id == CrawlRun.site_id)
                .where(CrawlRun.id == run_id)
            ).first()
            if found is None:
                return None
            run, base_url = found
            record = {
                "id": run.id,
                "site": base_url,
                "mode": run.mode,
                "settings": run.settings,
                "started_at": run.started_at,
                "finished_at": run.finished_at,
                "status": run.status,
                "stats": run.stats,
                "errors": run.errors,
            }
            for name in RUN_COUNTERS:
                record[f"stories_{name}"] = getattr(run, f"stories_{name}")
            return record

        return self._read(work)

    # --------------------------------------------------------------- summary

    def site_summary(self, site: str | None = None) -> dict:
        """Counts for one site (or all): sites, stories, restricted, chapters,
        words (sum of ``word_count`` over ``ok`` stories), authors, series.
        An unknown site gives zeros."""

        def work(session: Session) -> dict[str, Any]:
            def scoped(query: Any, site_column: Any) -> Any:
                if site is None:
                    return query
                return query.join(SiteRow, SiteRow.id == site_column).where(SiteRow.base_url == site)

            sites = session.scalar(
                select(func.count(SiteRow.id)).where(*(() if site is None else (SiteRow.base_url == site,)))
            )
            stories = session.scalar(scoped(select(func.count(StoryRow.id)), StoryRow.site_id))
            restricted = session.scalar(
                scoped(select(func.count(StoryRow.id)), StoryRow.site_id).where(
                    StoryRow.status == STATUS_RESTRICTED
                )
            )
            incomplete = session.scalar(
                scoped(select(func.count(StoryRow.id)), StoryRow.site_id).where(
                    StoryRow.status == STATUS_INCOMPLETE
                )
            )
            words = session.scalar(
                scoped(select(func.coalesce(func.sum(StoryRow.word_count), 0)), StoryRow.site_id).where(
                    StoryRow.status == STATUS_OK
                )
            )
            chapters = session.scalar(
                scoped(
                    select(func.count(ChapterRow.id)).join(StoryRow, StoryRow.id == ChapterRow.story_pk),
                    StoryRow.site_id,
                )
            )
            authors = session.scalar(scoped(select(func.count(AuthorRow.id)), AuthorRow.site_id))
            series = session.scalar(scoped(select(func.count(SeriesRow.id)), SeriesRow.site_id))
            return {
                "site": site,
                "sites": int(sites or 0),
                "stories": int(stories or 0),
                "restricted": int(restricted or 0),
                "incomplete": int(incomplete or 0),
                "chapters": int(chapters or 0),
                "words": int(words or 0),
                "authors": int(authors or 0),
                "series": int(series or 0),
            }

        return self._read(work)


def _history_events(story: Any, versions: list[StoryVersionRow], chapters: list[ChapterVersionRow],
                    others: list[StoryEventRow], session: Session) -> list[dict[str, Any]]:
    """Turn one story's version rows and events into the event list of :meth:`Store.story_history`."""
    # The state the story was first stored in (or, for a story stored before versions
    # existed, the state its first recorded versions hold): not a change.
    start = versions[0].first_seen if versions else story.first_seen
    initial = {c.number for c in chapters if c.first_seen <= start}
    if not versions and not chapters:
        count = session.scalar(select(func.count(ChapterRow.id)).where(ChapterRow.story_pk == story.id))
    else:
        count = len(initial)
    ranked: list[tuple[dt.datetime, int, int, dict[str, Any]]] = [(
        story.first_seen, 0, 0,
        {"at": story.first_seen, "kind": "first_seen",
         "title": versions[0].data.get("title") if versions else story.title, "chapters": count},
    )]
    for old, new in zip(versions, versions[1:]):
        ranked.append((new.first_seen, 1, 0, {"at": new.first_seen, "kind": "metadata_changed",
                                              "changes": _metadata_changes(old.data, new.data)}))
    removals = [e for e in others if e.kind == "chapter_removed"]
    previous: dict[int, ChapterVersionRow] = {}
    for version in chapters:
        before = previous.get(version.number)
        previous[version.number] = version
        base = {"at": version.first_seen, "number": version.number, "chapter_id": version.chapter_id,
                "title": version.title}
        if before is None and version.first_seen <= start:
            continue
        readded = before is not None and any(
            e.chapter_number == version.number and before.first_seen <= e.at <= version.first_seen
            for e in removals)
        if before is None or readded:
            event = {**base, "kind": "chapter_added", "words": _words(version)}
        else:
            parts = [label for name, label in _CHAPTER_PARTS
                     if getattr(before, name) != getattr(version, name)]
            event = {**base, "kind": "chapter_changed", "old_title": before.title, "parts": parts,
                     "old_words": _words(before), "new_words": _words(version)}
        ranked.append((version.first_seen, 2, version.number, event))
    for other in others:
        if other.kind == "chapter_removed":
            last = [c for c in chapters if c.number == other.chapter_number and c.first_seen <= other.at]
            ranked.append((other.at, 2, other.chapter_number or 0, {
                "at": other.at, "kind": "chapter_removed", "number": other.chapter_number,
                "title": last[-1].title if last else None}))
        else:
            ranked.append((other.at, 3, 0, {"at": other.at, "kind": other.kind, "run_id": other.run_id}))
    ranked.sort(key=lambda item: item[:3])
    return [event for *_, event in ranked]


def _series_positions(session: Session, rows: Iterable[StoryRow]) -> dict[tuple[int, int], int]:
    """(series pk, story id) -> the story's 1-based number among its series' stories (sub-series
    not counted), for the series of *rows*: one query per chunk of series, not one per story."""
    rows = list(rows)
    wanted = {(link.series_pk, row.story_id) for row in rows for link in row.series_links}
    positions: dict[tuple[int, int], int] = {}
    for chunk in _chunks(sorted({pk for pk, _ in wanted})):
        numbers: dict[int, int] = {}
        for series_pk, story_id in session.execute(
                select(SeriesItemRow.series_pk, SeriesItemRow.story_id)
                .where(SeriesItemRow.series_pk.in_(chunk), SeriesItemRow.story_id.is_not(None))
                .order_by(SeriesItemRow.series_pk, SeriesItemRow.position)):
            numbers[series_pk] = numbers.get(series_pk, 0) + 1
            if (series_pk, story_id) in wanted:
                positions.setdefault((series_pk, story_id), numbers[series_pk])
    return positions


def _sync_links(
    links: list[Any], wanted: list[int], make: Callable[[int, int], Any], target: str
) -> None:
    """Make an ordered link collection point at *wanted*, updating rows in place."""
    for position, pk in enumerate(wanted):
        if position < len(links):
            if getattr(links[position], target) != pk:
                setattr(links[position], target, pk)
        else:
            links.append(make(position, pk))
    del links[len(wanted):]


def _short(exc: BaseException | None) -> str:
    """A one-line description of a database error (no SQL, no parameters)."""
    if exc is None:
        return "unknown error"
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _configure_sqlite(engine: Engine, busy_timeout: float, *, wal: bool = True) -> None:
    """Per-connection settings; *wal* False (a read-only Store) leaves the file's journal mode as
    it is, so reading never changes the file (fic-mirror makes its databases in WAL mode)."""
    timeout_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # SQLAlchemy emits BEGIN itself (see _on_begin)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: waiting on busy_timeout beats
        # failing when a read transaction cannot be upgraded.
        write = conn.get_execution_options().get("mirror_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
