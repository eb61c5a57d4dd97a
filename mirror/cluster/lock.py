"""One crawl per site at a time, across every worker of a cluster: the same lock every crawl
takes (:mod:`mirror.storage.locks`, a ``site_locks`` row in the shared database), with the
staleness of the settings (``MIRROR_SITE_LOCK_STALE``, or a ``-s`` override).

The cluster's crawl process takes it first (so that its "done already?" check and the crawl are
one), then runs the crawl, whose extension (:mod:`mirror.sitelock`) re-enters it in the same
process and keeps its heartbeat.  A holder that died is taken over: at once on its own host,
after ``MIRROR_SITE_LOCK_STALE`` seconds without a heartbeat from another one.
"""

from __future__ import annotations

from mirror import settings as defaults
from mirror.storage.locks import Holder, LockError, SiteBusy
from mirror.storage.locks import SiteLock as _SiteLock

__all__ = ["Holder", "LockError", "SiteBusy", "SiteLock"]


class SiteLock(_SiteLock):
    """``SiteLock(db_url, base_url)``: see :class:`mirror.storage.locks.SiteLock`."""

    def __init__(self, db_url: str, base_url: str, stale: float | str | None = None) -> None:
        super().__init__(db_url, base_url,
                         stale=float(stale if stale is not None else defaults.MIRROR_SITE_LOCK_STALE))
