"""One crawl per site at a time, across every worker of a cluster.

The lock is held by the process that crawls, and dies with it:

* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a stable 64-bit key
  derived from the site's base URL, taken on a connection of its own that stays open for the whole
  crawl.  The server releases it when the session ends: a clean close, the process killed (the
  kernel closes the socket), or -- for a machine that vanished -- when TCP keepalives give up
  (the connection asks for them: about a minute and a half).  ``pg_stat_activity`` shows the
  holder: its ``application_name`` is ``fic-mirror crawl <base URL>``.
* SQLite (one machine): ``fcntl.flock`` on a file in ``<database file>.locks/`` beside the
  database, released by the kernel when the process dies.

No table is involved, so there is nothing to clean up after a crash.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import struct
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from mirror import urls

logger = logging.getLogger(__name__)

# libpq keepalives: a lock holder whose machine disappeared is dropped by the server after
# idle + interval * count seconds instead of the kernel's default two hours.
PG_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 6}


class LockError(RuntimeError):
    """The lock could not be taken or checked (not: the site is busy)."""


def site_key(base_url: str) -> int:
    """A stable signed 64-bit key for the site (PostgreSQL's bigint advisory lock key)."""
    digest = hashlib.sha256(urls.normalise_base(base_url).encode("utf-8")).digest()
    return struct.unpack(">q", digest[:8])[0]


def sqlite_lock_dir(db_url: str) -> Path:
    url = make_url(db_url)
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise LockError(f"site locks need a database file or PostgreSQL, not {db_url!r}")
    return Path(database).resolve().parent / (Path(database).name + ".locks")


class SiteLock:
    """``lock = SiteLock(db_url, base_url)``; ``lock.acquire()`` is True if this process now holds
    the site's lock, False if another process holds it; ``lock.release()`` (or the process's
    death) gives it back.  Also a context manager that raises :class:`SiteBusy`."""

    def __init__(self, db_url: str, base_url: str) -> None:
        self.db_url = db_url
        self.base_url = urls.normalise_base(base_url)
        self.key = site_key(self.base_url)
        self.backend = make_url(db_url).get_backend_name()
        if self.backend not in ("postgresql", "sqlite"):
            raise LockError(f"site locks need PostgreSQL or SQLite, not {self.backend} ({db_url!r})")
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._fd: int | None = None
        self.held = False

    @property
    def where(self) -> str:
        if self.backend == "postgresql":
            return f"PostgreSQL advisory lock {self.key}"
        return str(sqlite_lock_dir(self.db_url) / f"{self.key & 0xFFFFFFFFFFFFFFFF:016x}.lock")

    def acquire(self) -> bool:
        if self.held:
            return True
        self.held = self._acquire_pg() if self.backend == "postgresql" else self._acquire_file()
        if self.held:
            logger.info("lock taken for %s (%s)", self.base_url, self.where)
        return self.held

    def _acquire_pg(self) -> bool:
        url = make_url(self.db_url)
        connect_args = dict(PG_KEEPALIVES) if url.get_driver_name() in ("psycopg", "psycopg2") else {}
        connect_args["application_name"] = f"fic-mirror crawl {self.base_url}"[:63]
        try:
            engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise LockError(f"cannot connect to take the site lock: {exc}") from exc
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
            conn.commit()  # the lock is the session's: it outlives the transaction
        except SQLAlchemyError as exc:
            conn.close()
            engine.dispose()
            raise LockError(f"cannot take the site lock: {exc}") from exc
        if not got:
            conn.close()
            engine.dispose()
            return False
        self._engine, self._conn = engine, conn
        return True

    def _acquire_file(self) -> bool:
        import fcntl

        path = Path(self.where)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LockError(f"cannot open the site lock file {path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as exc:
            os.close(fd)
            raise LockError(f"cannot lock {path}: {exc.strerror or exc}") from exc
        note = f"{self.base_url} pid {os.getpid()} on {socket.gethostname()}\n".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, note, 0)  # who holds it, for a curious admin
        self._fd = fd
        return True

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                self._conn.commit()
            except SQLAlchemyError as exc:  # closing the session below releases it anyway
                logger.warning("could not unlock %s cleanly (%s); closing the session releases it",
                               self.base_url, exc)
            finally:
                self._conn.close()
                self._conn = None
                if self._engine is not None:
                    self._engine.dispose()
                    self._engine = None
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
        logger.info("lock released for %s", self.base_url)

    def __enter__(self) -> "SiteLock":
        if not self.acquire():
            raise SiteBusy(self.base_url)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class SiteBusy(RuntimeError):
    def __init__(self, base_url: str) -> None:
        super().__init__(f"{base_url} is already being crawled (another process holds its lock)")
        self.base_url = base_url
