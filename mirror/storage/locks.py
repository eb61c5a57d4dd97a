"""One crawl per site: a lock in the database (table ``site_locks``), the same on SQLite and
PostgreSQL, for every way a crawl starts (`mirror crawl`, `sync-all`, `scrapy crawl`, the cluster).

A crawl holds a site's lock while its row names it: a token of its own, the host, the process id
and that process's start time, when it was taken and its last heartbeat (written every
``MIRROR_SITE_LOCK_HEARTBEAT`` seconds by :class:`mirror.sitelock.SiteLockExtension`).  The lock
is taken atomically -- inserted, or updated where the row still names the dead holder it was read
with -- and taken over when its holder is dead:

* on the same host: its process is gone, or the process with that id started at another time (the
  id was reused); without a start time to compare (not Linux), a heartbeat too old;
* on another host: its heartbeat is older than ``MIRROR_SITE_LOCK_STALE`` seconds.

A process that holds a site's lock holds it for everything it runs (the cluster's crawl process
takes it, then runs the crawl): taking it again in the same process is not refused, and only the
first taker releases it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import uuid

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from mirror import urls

from .models import SiteLockRow, utcnow
from .store import StorageError, Store

logger = logging.getLogger(__name__)
LOCKS = SiteLockRow.__table__


class LockError(StorageError):
    """The lock could not be taken, read or given back (not: the site is busy)."""


def hostname() -> str:
    return socket.gethostname()


def _proc_stat(pid: int) -> list[str] | None:
    """/proc/PID/stat from its third field on (None: not Linux, or no such process)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    return stat.rpartition(")")[2].split()  # the name may hold spaces and ')'


def process_started(pid: int) -> int | None:
    """When the process started (clock ticks after boot, from /proc/PID/stat); None where the
    system does not say (not Linux) or the process is gone."""
    fields = _proc_stat(pid)
    try:
        return int(fields[19]) if fields else None  # field 22 of stat(5); fields[0] is field 3
    except (IndexError, ValueError):
        return None


def process_alive(pid: int) -> bool:
    """Is the process running?  A killed one its parent has not reaped yet (a zombie) is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OSError:  # e.g. pid out of range
        return False
    fields = _proc_stat(pid)
    return not (fields and fields[0] in ("Z", "X"))


@dataclasses.dataclass(frozen=True)
class Holder:
    """Who holds a site's lock (a ``site_locks`` row)."""

    base_url: str
    token: str
    host: str
    pid: int
    pid_started: int | None
    started_at: dt.datetime
    heartbeat_at: dt.datetime
    run_id: int | None

    def is_this_process(self) -> bool:
        return (self.host == hostname() and self.pid == os.getpid()
                and self.pid_started == process_started(os.getpid()))

    def alive(self, stale: float, now: dt.datetime | None = None) -> bool:
        """Is the holder still running?  See the module's documentation."""
        fresh = ((now or utcnow()) - self.heartbeat_at).total_seconds() <= stale
        if self.host != hostname():
            return fresh
        if not process_alive(self.pid):
            return False
        started = process_started(self.pid)
        if started is not None and self.pid_started is not None:
            return started == self.pid_started
        return fresh

    def describe(self) -> str:
        """``pid 1234 on host h since 13:05 (run 7)``, the time in local time."""
        since = self.started_at.astimezone()
        today = since.date() == dt.datetime.now().astimezone().date()
        when = since.strftime("%H:%M" if today else "%Y-%m-%d %H:%M")
        run = f" (run {self.run_id})" if self.run_id is not None else ""
        return f"pid {self.pid} on host {self.host} since {when}{run}"


class SiteBusy(RuntimeError):
    """Another live crawl holds the site's lock."""

    def __init__(self, holder: Holder) -> None:
        super().__init__(f"{holder.base_url} is being crawled by {holder.describe()}; "
                         "wait for it to finish, or stop it")
        self.holder = holder


class SiteLock:
    """``lock = SiteLock(store, base_url, stale=...)``: ``lock.acquire()`` is True once this
    process holds the site's lock, False when a live holder has it (then ``lock.holder`` says
    who); ``lock.heartbeat(run_id)`` keeps it fresh (False: the lock was taken over, stop);
    ``lock.release()`` gives it back.  Also a context manager that raises :class:`SiteBusy`."""

    def __init__(self, store: Store | str, base_url: str, *, stale: float) -> None:
        self._own_store = isinstance(store, str)
        self.store = Store(store) if isinstance(store, str) else store
        self.base_url = urls.normalise_base(base_url)
        self.stale = float(stale)
        self.token = uuid.uuid4().hex
        self.held = False
        self.owned = False  # taken by this object (not re-entered): released by it
        self.holder: Holder | None = None  # the live holder that refused us

    def _begin(self):
        self.store.create_schema()
        return self.store.engine.execution_options(mirror_write=True).begin()

    def _fail(self, what: str, exc: SQLAlchemyError) -> LockError:
        return LockError(f"cannot {what} the site lock of {self.base_url} in {self.store.url}: "
                         f"{str(exc).splitlines()[0][:200]}")

    def current(self) -> Holder | None:
        """The lock's holder as recorded, alive or not (None: nobody holds it)."""
        self.store.create_schema()
        try:
            with self.store.engine.connect() as conn:
                row = conn.execute(select(LOCKS).where(SiteLockRow.base_url == self.base_url)).first()
        except SQLAlchemyError as exc:
            raise self._fail("read", exc) from exc
        return Holder(**row._asdict()) if row is not None else None

    def live_holder(self) -> Holder | None:
        """The lock's holder if it is alive, else None (a dead holder's lock is free)."""
        holder = self.current()
        return holder if holder is not None and holder.alive(self.stale) else None

    def acquire(self) -> bool:
        if self.held:
            return True
        for _ in range(5):  # another process took or freed it between our read and our write
            try:
                done = self._try_acquire()
            except IntegrityError:
                continue
            except SQLAlchemyError as exc:
                raise self._fail("take", exc) from exc
            if done is not None:
                return done
        raise LockError(f"cannot take the site lock of {self.base_url} in {self.store.url}: "
                        "other processes kept taking it")

    def _try_acquire(self) -> bool | None:
        """True taken, False busy, None: lost a race (try again)."""
        now = utcnow()
        mine = {"token": self.token, "host": hostname(), "pid": os.getpid(),
                "pid_started": process_started(os.getpid()), "started_at": now, "heartbeat_at": now,
                "run_id": None}
        with self._begin() as conn:
            row = conn.execute(select(LOCKS).where(SiteLockRow.base_url == self.base_url)).first()
            if row is None:
                conn.execute(insert(SiteLockRow).values(base_url=self.base_url, **mine))
                self.held = self.owned = True
                return True
            holder = Holder(**row._asdict())
            if holder.is_this_process():  # held by this process already: re-entered
                self.token, self.held, self.owned = holder.token, True, False
                return True
            if holder.alive(self.stale, now):
                self.holder = holder
                return False
            taken = conn.execute(update(SiteLockRow).where(
                SiteLockRow.base_url == self.base_url, SiteLockRow.token == holder.token).values(**mine))
            if taken.rowcount != 1:
                return None
        logger.warning("took over the lock of %s from a crawl that is gone (%s)", self.base_url,
                       holder.describe())
        self.held = self.owned = True
        return True

    def heartbeat(self, run_id: int | None = None) -> bool:
        """Write the heartbeat (and the run id); False when the row no longer names this holder."""
        if not self.held:
            return False
        values: dict = {"heartbeat_at": utcnow()}
        if run_id is not None:
            values["run_id"] = run_id
        try:
            with self._begin() as conn:
                done = conn.execute(update(SiteLockRow).where(
                    SiteLockRow.base_url == self.base_url, SiteLockRow.token == self.token).values(**values))
        except SQLAlchemyError as exc:
            raise self._fail("refresh", exc) from exc
        if done.rowcount != 1:
            self.held = self.owned = False
            return False
        return True

    def release(self) -> None:
        """Give the lock back (only the object that took it does; a re-entered one lets go)."""
        if not self.held:
            return
        self.held = False
        try:
            if self.owned:
                with self._begin() as conn:
                    conn.execute(delete(SiteLockRow).where(SiteLockRow.base_url == self.base_url,
                                                           SiteLockRow.token == self.token))
        except SQLAlchemyError as exc:
            raise self._fail("release", exc) from exc
        finally:
            self.owned = False
            if self._own_store:
                self.store.close()

    def __enter__(self) -> SiteLock:
        if not self.acquire():
            assert self.holder is not None
            raise SiteBusy(self.holder)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
