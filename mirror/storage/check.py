"""A database that is damaged, missing or not fic-mirror's: one clear error, and ``mirror db check``.

* :func:`watch_engine` -- every engine fic-mirror makes (:class:`~mirror.storage.Store`'s, the
  migrations') turns a database error that means "this file is damaged" or "this is not a
  database" into a :class:`~mirror.storage.StorageError` naming the file and what to do (a
  SQLAlchemy ``handle_error`` event), so no command prints a traceback for it.
* :func:`require_existing` -- read-only commands refuse a SQLite file that does not exist
  instead of creating an empty database.
* :func:`quick_check` -- SQLite's ``PRAGMA quick_check`` before a crawl (``sync-all``),
  ``reparse`` or ``db upgrade`` writes, and before ``verify``: a damaged file is refused, never
  written into.
* another program's SQLite database (tables, none of fic-mirror's) is refused by
  :mod:`.migrate` (:func:`foreign_error`) before fic-mirror creates its tables in it.
* :func:`check` -- ``mirror db check``: SQLite's ``PRAGMA integrity_check``; on PostgreSQL (no
  such check) the connection, the schema revision and every row of every fic-mirror table read.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import URL

from .store import StorageError, _display_url, _parse_url

# SQLite's primary result codes (the low byte of sqlite_errorcode)
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_NOTADB = 10, 11, 26
# PostgreSQL's SQLSTATEs for damaged data and indexes
_PG_DAMAGED = ("XX001", "XX002")
SHOWN_PROBLEMS = 10  # lines of integrity_check output shown by `mirror db check`


def _url(url: str | URL) -> URL:
    return url if isinstance(url, URL) else _parse_url(url)


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL, ``:memory:`` and ``file:`` URIs)."""
    parsed = _url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:"):
        return None
    return Path(database)


def database_name(url: str | URL) -> str:
    """What a message calls the database: the SQLite file's path, else the URL (no password)."""
    path = sqlite_path(url)
    return str(path) if path is not None else _display_url(_url(url))


def _check_hint(url: str | URL) -> str:
    return f"`mirror db check --db '{_display_url(_url(url))}'` lists the damage"


def damaged_error(url: str | URL, detail: str) -> StorageError:
    detail = " ".join(detail.split())  # integrity_check's rows hold line breaks: one line
    return StorageError(
        f"{database_name(url)} is damaged ({detail}); {_check_hint(url)}; restore a backup of it, "
        "or mirror into a new database file (--db)")


def not_a_database_error(url: str | URL, detail: str) -> StorageError:
    return StorageError(
        f"{database_name(url)} is not a SQLite database ({detail}): it is some other kind of file; "
        "give fic-mirror's database (or a new file name) with --db")


def foreign_error(url: str | URL, tables: list[str]) -> StorageError:
    shown = ", ".join(sorted(tables)[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
    return StorageError(
        f"{database_name(url)} is not a fic-mirror database: it holds another program's tables "
        f"({shown}) and none of fic-mirror's; give fic-mirror's database (or a new file name) with --db")


def missing_error(url: str | URL) -> StorageError:
    return StorageError(
        f"no database at {database_name(url)}: the file does not exist; check --db (or "
        "$MIRROR_DATABASE_URL), or make one with `mirror crawl`")


def classify(exc: BaseException | None, url: str | URL) -> StorageError | None:
    """The :class:`StorageError` for a DBAPI error meaning damaged / not a database, else None."""
    if isinstance(exc, sqlite3.DatabaseError):
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        message = str(exc)
        if code == _SQLITE_NOTADB or "not a database" in message:
            return not_a_database_error(url, message)
        if code == _SQLITE_CORRUPT or "malformed" in message:
            return damaged_error(url, message)
        if code == _SQLITE_IOERR:
            return damaged_error(url, f"{message}: it cannot be read")
        return None
    if getattr(exc, "sqlstate", None) in _PG_DAMAGED:
        return damaged_error(url, str(exc).strip().splitlines()[0])
    return None


def watch_engine(engine: Engine) -> None:
    """Make *engine* raise :func:`classify`'s StorageError for damaged or foreign files."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        problem = classify(context.original_exception, engine.url)
        if problem is not None:
            raise problem from context.sqlalchemy_exception


def require_existing(url: str | URL) -> None:
    """A StorageError for a SQLite URL whose file does not exist (read-only commands)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise missing_error(url)


# --------------------------------------------------------------------------- checks


def _sqlite_pragma(url: str | URL, path: Path, pragma: str) -> list[str]:
    """*pragma*'s rows (split into lines) on a connection that writes nothing; a damaged file is
    a StorageError."""
    try:
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA query_only = 1")
            return [line for row in conn.execute(pragma) for line in str(row[0]).splitlines()]
    except sqlite3.DatabaseError as exc:
        raise (classify(exc, url) or StorageError(f"cannot check {path}: {exc}")) from exc


def _sqlite_problems(url: str | URL, path: Path, check_name: str, limit: int) -> list[str]:
    """``PRAGMA <check_name>(limit)``'s lines.  A check that meets damage it cannot step over
    raises SQLITE_CORRUPT instead of reporting: it is run again with a smaller limit (it stops
    at the limit, before that place), and as a last resort the error is the problem found."""
    error = ""
    for n in sorted({limit, 10, 3, 1}, reverse=True):
        try:
            return _sqlite_pragma(url, path, f"PRAGMA {check_name}({n})")
        except StorageError as exc:
            if not isinstance(exc.__cause__, sqlite3.DatabaseError) or "not a database" in str(exc):
                raise
            error = str(exc.__cause__)
    return [error]


def quick_check(url: str | URL) -> None:
    """Refuse (StorageError) a SQLite file that fails ``PRAGMA quick_check``; a missing file,
    and PostgreSQL, pass (the server keeps its own files)."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return
    rows = _sqlite_problems(url, path, "quick_check", 3)
    if rows != ["ok"]:
        found = [r for r in rows if not r.startswith("*** in database")] or rows or ["no answer"]
        raise damaged_error(url, f"quick_check: {'; '.join(found[:3])}")


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """What ``mirror db check`` found: ``problems`` empty means the check passed."""

    name: str
    checked: str
    problems: tuple[str, ...]
    schema: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.ok:
            return [f"{self.name}: ok ({self.checked}); schema: {self.schema}"]
        shown = [f"  {p}" for p in self.problems[:SHOWN_PROBLEMS]]
        more = len(self.problems) - SHOWN_PROBLEMS
        return [f"{self.name}: {self.checked.split(':')[0]} found problems:", *shown,
                *([f"  ... and {more} more"] if more > 0 else [])]

    def error(self) -> StorageError:
        return StorageError(f"{self.name} is damaged: the integrity check found the problems listed "
                            "above; restore a backup of it, or mirror into a new database file (--db)")


def check(url: str | URL) -> CheckReport:
    """The database's own integrity check, then its schema revision (``mirror db check``).
    Raises StorageError for a missing file, a file that is not a database, or a database that
    is not fic-mirror's."""
    from .migrate import schema_state  # imports store, as this module does

    require_existing(url)
    if _url(url).get_backend_name() == "sqlite":
        rows = _integrity_rows(url)
        checked = "SQLite's integrity_check: every page, index and constraint checked"
        if rows != ["ok"]:
            return CheckReport(database_name(url), checked, tuple(rows))
    else:
        checked = _read_every_table(url)
    return CheckReport(database_name(url), checked, (), schema_state(url).describe())


def _integrity_rows(url: str | URL) -> list[str]:
    pragma = f"PRAGMA integrity_check({SHOWN_PROBLEMS * 10})"
    path = sqlite_path(url)
    if path is not None:
        return _sqlite_problems(url, path, "integrity_check", SHOWN_PROBLEMS * 10)
    from .migrate import _engine  # an in-memory or URI database: through SQLAlchemy

    engine, _ = _engine(url)
    try:
        with engine.connect() as conn:
            return [str(row[0]) for row in conn.exec_driver_sql(pragma)]
    finally:
        engine.dispose()


def _read_every_table(url: str | URL) -> str:
    """PostgreSQL has no integrity check to run: read every row of fic-mirror's tables (a damaged
    page or index fails the read)."""
    from .migrate import _engine
    from .models import Base

    engine, _ = _engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            tables = [t for t in inspect(conn).get_table_names() if t in Base.metadata.tables]
            rows = sum(conn.execute(text(f'SELECT count(*), sum(length(t::text)) FROM "{t}" t')).one()[0]
                       for t in tables)
    finally:
        engine.dispose()
    return f"PostgreSQL: connected; every row of its {len(tables)} fic-mirror tables read, {rows} rows"
