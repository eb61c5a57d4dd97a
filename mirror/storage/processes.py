"""Store writes in processes of their own: ``StoreProcesses(url, n).submit("upsert_story", item)``.

A crawl with politeness off is bound by one CPU core: Python runs one thread at a time (the GIL),
and the reactor's parsing and Scrapy's own work share it with the Store's SQLAlchemy work done in
the reactor's thread pool.  Moving the writes to ``n`` processes (each with its own
:class:`~mirror.storage.Store` and one database connection) gives them a core of their own.  A
polite crawl keeps them in threads (``MIRROR_STORE_PROCESSES = "auto"``: see
:func:`store_processes`): it waits for the site, not for a core, and each process costs memory
and a second or so to start.

The processes are started with ``spawn`` (nothing of the reactor is inherited) and are made to
die with the crawl: ``PR_SET_PDEATHSIG`` on Linux and a thread watching the parent everywhere.
A transaction cut short that way is rolled back by the database: what was committed stays.
They ignore SIGINT and SIGTERM, which a terminal or a service manager sends to the whole process
group: the crawl's own process decides when to stop, lets the writes in flight finish, then
shuts the processes down.

Errors come back as exceptions the crawl can catch: a database error as :class:`StorageError`
(its message says which error it was), an invalid item as the ``ValueError`` the Store raised.
A store process that dies (killed, out of memory) fails every write still waiting with
:class:`StorageError`: nothing was half-written, as each write is one transaction.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from .store import StorageError, Store, _short

# The Store methods a store process runs: each takes one item and is one transaction.
METHODS = frozenset({
    "upsert_story", "upsert_reviews", "upsert_author_profile", "upsert_challenge",
    "upsert_taxonomy", "upsert_series",
})

_store: Store | None = None  # in a store process: its Store


def store_processes(settings: Any) -> int:
    """``MIRROR_STORE_PROCESSES`` of Scrapy ``settings`` as a number of processes.  ``auto``: 1
    for a crawl with politeness off (no delay and more than one request at a time to the site:
    bound by a CPU core), else 0 (the reactor's threads).  Anything else raises ValueError."""
    value = settings.get("MIRROR_STORE_PROCESSES", "auto")
    if str(value).strip().lower() == "auto":
        fast = (settings.getfloat("DOWNLOAD_DELAY") == 0
                and settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") > 1)
        return 1 if fast else 0
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = -1
    if n < 0:
        raise ValueError(f"MIRROR_STORE_PROCESSES must be auto or a number of processes (0: none), not {value!r}")
    return n


def _die_with_parent(parent_pid: int, interval: float = 1.0) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(70)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os._exit(70)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _start(url: str, parent_pid: int) -> None:
    """A store process's initializer."""
    global _store
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _store = Store(url, connections=1)


def _call(method: str, item: Any) -> Any:
    assert _store is not None and method in METHODS
    try:
        return getattr(_store, method)(item)
    except (SQLAlchemyError, OSError) as exc:
        # a picklable error that names what went wrong (a driver's own error may not pickle)
        raise StorageError(f"{type(exc).__name__}: {_short(exc)}") from None


class StoreProcesses:
    """``n`` processes writing to the database at ``url``; ``submit`` returns a
    :class:`concurrent.futures.Future` of the Store method's result.  Submit from one long-lived
    thread (the reactor's): the processes start in the thread of the first submits, and Linux's
    parent-death signal follows that thread."""

    def __init__(self, url: str, n: int) -> None:
        if n < 1:
            raise ValueError(f"store processes: at least 1, not {n}")
        self._pool = cf.ProcessPoolExecutor(
            max_workers=n, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start, initargs=(url, os.getpid()))

    def submit(self, method: str, item: Any) -> cf.Future:
        if method not in METHODS:
            raise ValueError(f"not a store write: {method!r}")
        try:
            future = self._pool.submit(_call, method, item)
        except BrokenProcessPool as exc:  # a store process died before this write
            future = cf.Future()
            future.set_exception(exc)
        return _translated(future)

    def peak_rss_kib(self) -> list[int]:
        """Each running store process's peak RSS in KiB (``VmHWM``, where ``/proc`` has it)."""
        peaks = []
        for pid in list(getattr(self._pool, "_processes", None) or {}):
            try:
                with open(f"/proc/{pid}/status", encoding="ascii") as status:
                    peaks += [int(line.split()[1]) for line in status if line.startswith("VmHWM:")]
            except (OSError, ValueError, IndexError):
                continue  # not Linux, or the process has gone
        return peaks

    def close(self) -> None:
        """Wait for the writes submitted, then stop the processes."""
        self._pool.shutdown(wait=True)


def _translated(future: cf.Future) -> cf.Future:
    """``future``, with a dead store process's ``BrokenProcessPool`` as a StorageError."""
    out: cf.Future = cf.Future()

    def settle(done: cf.Future) -> None:
        if done.cancelled():
            out.cancel()
            return
        exc = done.exception()
        if isinstance(exc, BrokenProcessPool):
            # its transaction was rolled back, or committed just before the death: either way
            # the story is not counted as stored, and the next crawl fetches and upserts it again
            out.set_exception(StorageError(f"a store process died ({exc}); this write may not be stored"))
        elif exc is not None:
            out.set_exception(exc)
        else:
            out.set_result(done.result())

    future.add_done_callback(settle)
    return out
