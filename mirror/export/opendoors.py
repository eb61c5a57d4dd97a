"""Open Doors export: the "working" tables AO3's archive-rescue team loads, as SQL and CSV.

Schema
------
The tables, columns and MySQL types follow Open Doors' own working schema,
``opendoors/open-doors-tables-working.sql`` in ``otwcode/open-doors-eFiction`` (the
eFiction converter), and the way its ``efiction/metadata.py`` / ``tag_converter.py``
fill them: ``authors``, ``stories``, ``chapters``, ``tags``, ``item_tags``,
``item_authors`` (``story_links`` is not written: a mirror has no link-only stories).
Differences from upstream, on purpose:

* every table is ``utf8mb4`` (upstream's ``tags`` is ``utf8``, which cannot hold emoji);
* the dump starts with ``DROP TABLE IF EXISTS`` so it can be loaded again into the same database.

Output (in the folder the driver gives us)
------------------------------------------
* ``opendoors.sql``: ``SET NAMES utf8mb4``, ``CREATE TABLE`` statements, then multi-row
  ``INSERT`` statements (at most :data:`BATCH_ROWS` rows or about :data:`BATCH_BYTES` bytes
  each, well under MariaDB's default ``max_allowed_packet``).  Strings are MySQL literals with
  backslash escapes (``\\\\ \\' \\" \\0 \\n \\r \\Z``); the dump sets ``SQL_MODE`` itself, so
  ``NO_BACKSLASH_ESCAPES`` of the loading session cannot change their meaning, and sets
  ``STRICT_ALL_TABLES`` so a value too long for its column (a title over 255 characters, which
  the report lists too) stops the load instead of being cut silently.
* ``authors.csv``, ``stories.csv``, ``chapters.csv``, ``tags.csv``, ``item_tags.csv``,
  ``item_authors.csv``: the same rows, a header line, RFC 4180 quoting, ``\\r\\n`` between
  records (newlines inside a field are kept as they are); SQL ``NULL`` is an empty field.
  Chapter texts exceed Python's default ``csv.field_size_limit`` (128 KiB): raise it to read them.
* ``report.txt`` and ``report.csv``: stories that break AO3's limits (see :data:`LIMITS`), one
  line per story and limit: story id, title, limit, value (and the maximum).

Ids
---
The archive's own ids are kept so a volunteer can trace every row back to the site:
``stories.id`` is eFiction's ``sid``, ``authors.id`` the ``uid``, ``chapters.id`` the
``chapid``.  A chapter whose page did not show its ``chapid`` gets the derived id
``1000000000 + sid * 1000 + position`` (documented in its row's story ``import_notes``); an id
clash raises :class:`ValueError`.  Tags get fresh ids 1, 2, ... (eFiction's ratings,
categories, characters and classes share no id space); their site ids are kept in
``original_tagid``.  ``item_tags`` / ``item_authors`` ids are row numbers.

Ids are only unique within one site, so **an export holds exactly one site**: when stories of a
second site arrive the writer raises :class:`ValueError` asking for ``--site`` (the temporary
folder is then discarded by the driver, nothing is left behind).

Mapping
-------
* ``stories``: title, summary (HTML), notes (story notes HTML), date / updated
  (``YYYY-MM-DD 00:00:00``, ``NULL`` when unknown), url, ``language_code`` ``'en'``.  The AO3
  tag columns (categories, tags, warnings, fandoms, characters, relationships) are left at their
  defaults: Open Doors fills them after tag wrangling, from ``tags`` / ``item_tags``.  Series
  membership (title, site id and the story's part number), which the working schema has no
  place for (no series table or column upstream), is written into ``import_notes``.
* Restricted (members-only) stories are *included* with ``do_not_import = 1`` and an
  ``import_notes`` saying why, and no chapters; incomplete stories (some chapters could not be
  fetched) likewise get ``do_not_import = 1`` and keep the chapters that were fetched.
* ``chapters``: position, title, text (HTML), ``date`` ``NULL`` (eFiction pages do not show
  it), story_id, notes (chapter notes; end notes appended after an ``<hr />`` with an
  "End notes:" paragraph, as the working schema has one notes column), url.
* ``tags`` (``original_type`` as upstream writes it): the rating (``rating``, no site id),
  categories (``category``), characters (``character``), class values (``class``, with the
  class type title -- Genre, Warnings, ... -- in ``original_parent``) and challenges
  (``challenge``, not in upstream's eFiction converter but kept for wrangling).  The ``ao3_*``
  columns are ``NULL``: that is the volunteers' work.
* ``item_authors``: the story's authors (co-authors included), ``item_type`` ``'story'``;
  ``authors`` holds each of them once, with an empty ``email``.

Memory: stories and chapters are written as they come (chapter texts are held only in the
current batch); authors, tags, item_tags and the report are kept in memory (small).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mirror.items import STATUS_INCOMPLETE, STATUS_RESTRICTED, Story

BATCH_ROWS = 100
BATCH_BYTES = 1 << 20  # flush an INSERT once its rows exceed about 1 MiB
DERIVED_CHAPTER_BASE = 1_000_000_000
LANGUAGE_CODE = "en"

# AO3's limits: (name, maximum, description)
LIMITS: tuple[tuple[str, int, str], ...] = (
    ("title", 255, "title over 255 characters"),
    ("tags", 75, "more than 75 tags"),
    ("summary", 1250, "summary over 1,250 characters"),
    ("notes", 5000, "notes over 5,000 characters"),
    ("chapter_text", 500_000, "a chapter over 500,000 characters"),
    ("chapters", 200, "more than 200 chapters"),
)
LIMIT_MAX = {name: maximum for name, maximum, _ in LIMITS}

# Tag types in the order tag ids are given out.
TAG_TYPES = ("rating", "category", "character", "class", "challenge")

TABLES: dict[str, tuple[str, ...]] = {
    "authors": ("id", "name", "email", "imported", "do_not_import", "to_delete"),
    "stories": (
        "id", "title", "summary", "notes", "date", "updated", "categories", "tags", "warnings",
        "fandoms", "characters", "relationships", "language_code", "url", "imported",
        "do_not_import", "ao3_url", "import_notes",
    ),
    "chapters": ("id", "position", "title", "text", "date", "story_id", "notes", "url"),
    "tags": (
        "id", "original_tagid", "original_tag", "original_type", "original_parent",
        "original_description", "ao3_tag", "ao3_tag_type", "ao3_tag_category", "ao3_tag_fandom",
    ),
    "item_tags": ("id", "item_id", "item_type", "tag_id"),
    "item_authors": ("id", "author_id", "item_id", "item_type"),
}

_TABLE_OPTIONS = ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;"

CREATE_STATEMENTS: dict[str, str] = {
    "authors": """CREATE TABLE `authors` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(255) NOT NULL DEFAULT '',
  `email` varchar(255) NOT NULL DEFAULT '',
  `imported` tinyint(1) NOT NULL DEFAULT '0',
  `do_not_import` tinyint(1) NOT NULL DEFAULT '0',
  `to_delete` tinyint(1) DEFAULT '0',
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`)
""" + _TABLE_OPTIONS,
    "stories": """CREATE TABLE `stories` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `title` varchar(255) NOT NULL DEFAULT '',
  `summary` text,
  `notes` text,
  `date` datetime DEFAULT NULL,
  `updated` datetime DEFAULT NULL,
  `categories` varchar(45) DEFAULT NULL,
  `tags` varchar(255) NOT NULL DEFAULT '',
  `warnings` varchar(255) DEFAULT '',
  `fandoms` varchar(255) DEFAULT '',
  `characters` varchar(1024) DEFAULT '',
  `relationships` varchar(1024) DEFAULT '',
  `language_code` varchar(5) DEFAULT 'en',
  `url` varchar(255) DEFAULT NULL,
  `imported` tinyint(1) NOT NULL DEFAULT '0',
  `do_not_import` tinyint(1) NOT NULL DEFAULT '0',
  `ao3_url` varchar(255) DEFAULT NULL,
  `import_notes` varchar(1024) DEFAULT '',
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`)
""" + _TABLE_OPTIONS,
    "chapters": """CREATE TABLE `chapters` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `position` bigint(22) DEFAULT NULL,
  `title` varchar(255) NOT NULL DEFAULT '',
  `text` mediumtext,
  `date` datetime DEFAULT NULL,
  `story_id` int(11) DEFAULT '0',
  `notes` text,
  `url` varchar(1024) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`),
  KEY `storyid` (`story_id`)
""" + _TABLE_OPTIONS,
    "tags": """CREATE TABLE `tags` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `original_tagid` int(11) DEFAULT NULL,
  `original_tag` varchar(1024) DEFAULT NULL,
  `original_type` varchar(255) DEFAULT NULL,
  `original_parent` varchar(255) DEFAULT NULL,
  `original_description` varchar(1024) DEFAULT NULL,
  `ao3_tag` varchar(1024) DEFAULT NULL,
  `ao3_tag_type` varchar(255) DEFAULT NULL,
  `ao3_tag_category` varchar(255) DEFAULT NULL,
  `ao3_tag_fandom` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`)
""" + _TABLE_OPTIONS,
    "item_tags": """CREATE TABLE `item_tags` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `item_id` int(11) DEFAULT NULL,
  `item_type` enum('story','story_link','chapter') DEFAULT NULL,
  `tag_id` int(11) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`)
""" + _TABLE_OPTIONS,
    "item_authors": """CREATE TABLE `item_authors` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `author_id` int(11) NOT NULL,
  `item_id` int(11) NOT NULL,
  `item_type` enum('story','story_link','chapter') DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `id_UNIQUE` (`id`),
  KEY `item_id` (`item_id`)
""" + _TABLE_OPTIONS,
}

SQL_HEADER = """-- Open Doors working tables, written by fic-mirror (mirror export opendoors).
-- Schema: otwcode/open-doors-eFiction opendoors/open-doors-tables-working.sql (all utf8mb4).
SET NAMES utf8mb4;
SET FOREIGN_KEY_CHECKS = 0;
SET SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO,STRICT_ALL_TABLES';
SET SQL_NOTES = 0;
"""

SQL_FOOTER = "SET FOREIGN_KEY_CHECKS = 1;\n"

_SQL_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\0": "\\0",
    "\n": "\\n",
    "\r": "\\r",
    "\x1a": "\\Z",
}
_SQL_TABLE = str.maketrans(_SQL_ESCAPES)


def sql_literal(value: Any) -> str:
    """A MySQL literal: NULL, a number, or a quoted string with backslash escapes."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"no SQL literal for {type(value).__name__}")
    return "'" + value.translate(_SQL_TABLE) + "'"


def _csv_field(value: Any) -> str:
    return "" if value is None else str(value)


def _datetime(value: dt.date | None) -> str | None:
    return None if value is None else f"{value.isoformat()} 00:00:00"


class _Table:
    """One table's output: batched INSERTs into the shared .sql stream, rows into its CSV."""

    def __init__(self, name: str, sql: IO[str], folder: Path):
        self.name = name
        self.columns = TABLES[name]
        self.sql = sql
        self.csv_stream = open(folder / f"{name}.csv", "w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.csv_stream, lineterminator="\r\n")
        self.csv.writerow(self.columns)
        self.pending: list[str] = []
        self.pending_bytes = 0
        self.rows = 0
        self.prefix = f"INSERT INTO `{name}` (" + ", ".join(f"`{c}`" for c in self.columns) + ") VALUES\n"

    def add(self, row: Sequence[Any]) -> None:
        assert len(row) == len(self.columns)
        values = "(" + ",".join(sql_literal(v) for v in row) + ")"
        self.pending.append(values)
        self.pending_bytes += len(values)
        self.csv.writerow([_csv_field(v) for v in row])
        self.rows += 1
        if len(self.pending) >= BATCH_ROWS or self.pending_bytes >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.sql.write(self.prefix + ",\n".join(self.pending) + ";\n")
            self.pending = []
            self.pending_bytes = 0

    def close(self) -> None:
        self.flush()
        self.csv_stream.close()


@dataclass(frozen=True)
class Breach:
    story_id: int
    title: str
    limit: str
    value: int

    @property
    def maximum(self) -> int:
        return LIMIT_MAX[self.limit]


def _chapter_notes(notes: str, end_notes: str) -> str:
    if not end_notes:
        return notes
    joined = "<hr />\n<p>End notes:</p>\n" + end_notes
    return f"{notes}\n{joined}" if notes else joined


def _story_tags(story: Story) -> list[tuple[str, str, int | None, str]]:
    """(type, parent, site id, name) for every tag of the story, in a fixed order."""
    tags: list[tuple[str, str, int | None, str]] = []
    if story.rating:
        tags.append(("rating", "", None, story.rating))
    tags += [("category", "", t.id, t.name) for t in story.categories]
    tags += [("character", "", t.id, t.name) for t in story.characters]
    for class_type, values in story.classes.items():
        tags += [("class", class_type, t.id, t.name) for t in values]
    tags += [("challenge", "", t.id, t.name) for t in story.challenges]
    return tags


def _tag_key(tag: tuple[str, str, int | None, str]) -> tuple:
    kind, parent, tag_id, name = tag
    return (kind, parent, tag_id if tag_id is not None else name)


def _tag_sort_key(key: tuple) -> tuple:
    kind, parent, ident = key
    # ids before names; ids numerically, names by code point
    return (TAG_TYPES.index(kind), parent, isinstance(ident, str), ident if isinstance(ident, str) else "",
            ident if isinstance(ident, int) else 0)


def write_opendoors(stories: Iterable[Story], folder: Path) -> None:
    """Write the Open Doors working tables for ``stories`` (one site) into ``folder``."""
    folder = Path(folder)
    authors: dict[int, str] = {}
    tag_names: dict[tuple, str] = {}
    story_tag_keys: list[tuple[int, list[tuple]]] = []
    chapter_ids: set[int] = set()
    breaches: list[Breach] = []
    site: str | None = None
    item_authors_rows = 0

    with open(folder / "opendoors.sql", "w", encoding="utf-8", newline="\n") as sql:
        sql.write(SQL_HEADER)
        for name in TABLES:
            sql.write(f"\nDROP TABLE IF EXISTS `{name}`;\n{CREATE_STATEMENTS[name]}\n")
        sql.write("\n")
        tables = {name: _Table(name, sql, folder) for name in TABLES}
        try:
            for story in stories:
                if site is None:
                    site = story.site
                elif story.site != site:
                    raise ValueError(
                        "the Open Doors export holds one archive, but the stories come from several "
                        f"({site} and {story.site}): choose one with --site"
                    )
                notes: list[str] = []
                do_not_import = 0
                if story.status == STATUS_RESTRICTED:
                    do_not_import = 1
                    notes.append("restricted: members-only on the archive, text not mirrored")
                elif story.status == STATUS_INCOMPLETE:
                    do_not_import = 1
                    notes.append("incomplete: some chapters could not be fetched")
                if story.series:
                    # the working schema has no series table or column: title, site id and the
                    # story's part number (when the series page was read) go into the notes
                    notes.append("series: " + "; ".join(
                        f"{s.title} (id {s.id})" + (f", part {s.position}" if s.position else "")
                        for s in story.series))

                chapters = [] if story.status == STATUS_RESTRICTED else sorted(story.chapters, key=lambda c: c.number)
                derived = []
                chapter_rows = []
                for ch in chapters:
                    cid = ch.id
                    if cid is None:
                        cid = DERIVED_CHAPTER_BASE + story.story_id * 1000 + ch.number
                        derived.append(ch.number)
                    if cid in chapter_ids:
                        raise ValueError(f"chapter id {cid} of story {story.story_id} is not unique")
                    chapter_ids.add(cid)
                    chapter_rows.append((ch, cid))
                if derived:
                    notes.append(
                        f"chapter ids derived ({DERIVED_CHAPTER_BASE} + sid*1000 + position) for position "
                        + ", ".join(str(n) for n in derived)
                    )

                tables["stories"].add((
                    story.story_id, story.title, story.summary_html, story.story_notes_html,
                    _datetime(story.published), _datetime(story.updated),
                    None, "", "", "", "", "", LANGUAGE_CODE, story.url,
                    0, do_not_import, None, "; ".join(notes),
                ))
                for ch, cid in chapter_rows:
                    tables["chapters"].add((
                        cid, ch.number, ch.title, ch.text_html, None, story.story_id,
                        _chapter_notes(ch.notes_html, ch.end_notes_html), ch.source_url,
                    ))

                seen_authors: set[int] = set()
                for author in story.authors:
                    if author.id in seen_authors:
                        continue
                    seen_authors.add(author.id)
                    authors.setdefault(author.id, author.name)
                    item_authors_rows += 1
                    tables["item_authors"].add((item_authors_rows, author.id, story.story_id, "story"))

                keys: list[tuple] = []
                for tag in _story_tags(story):
                    key = _tag_key(tag)
                    if key not in tag_names:
                        tag_names[key] = tag[3]
                    if key not in keys:
                        keys.append(key)
                story_tag_keys.append((story.story_id, keys))

                breaches += _breaches(story, chapters, tag_count=sum(1 for k in keys if k[0] != "rating"))

            for author_id in sorted(authors):
                tables["authors"].add((author_id, authors[author_id], "", 0, 0, 0))

            tag_ids: dict[tuple, int] = {}
            for number, key in enumerate(sorted(tag_names, key=_tag_sort_key), start=1):
                tag_ids[key] = number
                kind, parent, ident = key
                tables["tags"].add((
                    number, ident if isinstance(ident, int) else None, tag_names[key], kind, parent,
                    None, None, None, None, None,
                ))
            row = 0
            for story_id, keys in story_tag_keys:
                for key in keys:
                    row += 1
                    tables["item_tags"].add((row, story_id, "story", tag_ids[key]))
        finally:
            for table in tables.values():
                table.close()
        sql.write("\n" + SQL_FOOTER)

    _write_report(folder, breaches)


def _breaches(story: Story, chapters: list, tag_count: int) -> list[Breach]:
    found: list[tuple[str, int]] = []
    if len(story.title) > LIMIT_MAX["title"]:
        found.append(("title", len(story.title)))
    if tag_count > LIMIT_MAX["tags"]:
        found.append(("tags", tag_count))
    if len(story.summary_html) > LIMIT_MAX["summary"]:
        found.append(("summary", len(story.summary_html)))
    notes = [len(story.story_notes_html)] + [
        len(_chapter_notes(ch.notes_html, ch.end_notes_html)) for ch in chapters
    ]
    if max(notes) > LIMIT_MAX["notes"]:
        found.append(("notes", max(notes)))
    longest = max((len(ch.text_html) for ch in chapters), default=0)
    if longest > LIMIT_MAX["chapter_text"]:
        found.append(("chapter_text", longest))
    count = len(chapters) if chapters else (story.chapter_count or 0)
    if count > LIMIT_MAX["chapters"]:
        found.append(("chapters", count))
    return [Breach(story.story_id, story.title, limit, value) for limit, value in found]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _write_report(folder: Path, breaches: list[Breach]) -> None:
    describe = {name: text for name, _, text in LIMITS}
    with open(folder / "report.txt", "w", encoding="utf-8", newline="\n") as out:
        out.write("Stories breaking AO3 limits (story id, title, limit, value)\n")
        if not breaches:
            out.write("none\n")
        for b in breaches:
            out.write(f"{b.story_id}\t{_one_line(b.title)}\t{describe[b.limit]}\t{b.value}\n")
    with open(folder / "report.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(("story_id", "title", "limit", "value", "maximum"))
        for b in breaches:
            writer.writerow((b.story_id, b.title, b.limit, b.value, b.maximum))
