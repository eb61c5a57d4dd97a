"""`mirror sample-site`: serve the bundled sample archive on a port, until Ctrl-C.

The same site `mirror demo` crawls (``http://127.0.0.1:8765/efiction/`` by default), so crawl,
probe, re-sync, reparse and the cluster can be tried by hand against it.  ``changes=N`` serves it
as it is N weeks later: N rounds of :func:`mirror.sample.changes.churn` (new stories and
chapters, silent edits, removals), the same each time, so a crawl of it is a re-sync with
something to find.
"""

from __future__ import annotations

import errno
import os
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the archive is imported when it is served: `mirror --help` stays quick
    from .archive import Archive
    from .server import SampleArchive

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765  # `mirror demo` and `mirror sample-site` agree on it: one site, one base URL


class PortInUse(ValueError):
    pass


def invocation(argv0: str | None = None) -> str:
    """How to run `mirror` again, for commands a person can paste: ``mirror`` when that is on
    the PATH, else the script as it was typed, else ``python -m mirror``."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    if Path(argv0).name == "mirror":
        found = shutil.which("mirror")
        if found and Path(found).resolve() == Path(argv0).resolve():
            return "mirror"
        return shlex.quote(argv0)
    python = sys.executable
    relative = os.path.relpath(python)
    return f"{shlex.quote(relative if not relative.startswith('..') else python)} -m mirror"


def sample_archive(changes: int = 0) -> "Archive":
    """The bundled sample archive after ``changes`` rounds of changes (a week each)."""
    from .archive import ARCHIVE
    from .changes import churn

    if changes < 0:
        raise ValueError(f"--changes takes 0 or more rounds, not {changes}")
    if not changes:
        return ARCHIVE
    archive = ARCHIVE.copy()
    for round_ in range(1, changes + 1):
        churn(archive, seed=round_)
    return archive


def start_site(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, changes: int = 0,
               variant: str | None = None) -> "SampleArchive":
    """The sample archive, started on ``host:port``; PortInUse (one line) when it is taken."""
    from .server import SampleArchive
    from .variants import SKINS, VARIANTS

    variants = {**VARIANTS, **SKINS}
    if variant is not None and variant not in variants:
        raise ValueError(f"--variant {variant!r} is not one of {', '.join(sorted(VARIANTS) + sorted(SKINS))}")
    site = SampleArchive(host, port, archive=sample_archive(changes), variant=variants.get(variant))
    try:
        return site.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is in use (a `mirror sample-site` already "
                            "running?); stop it, or choose another with --port") from exc
        raise


def next_steps(base_url: str, program: str, db_url: str = "sqlite:///mirror-demo.sqlite") -> list[str]:
    """Commands to try against the served archive."""
    db = shlex.quote(db_url)
    return [
        f"  {program} probe {base_url}",
        f"  {program} crawl {base_url} --db {db} --delay 0.05 --warc mirror-demo-warc",
        f"  {program} status --db {db}",
        f"  {program} reparse --db {db}",
    ]


def serve(site: "SampleArchive", *, changes: int = 0, program: str | None = None,
          stream: TextIO = sys.stdout) -> None:
    """Say where the archive is and what to try, then serve it until Ctrl-C."""
    program = program or invocation()
    when = f"as it is {changes} week{'s' if changes != 1 else ''} later" if changes else "as `mirror demo` crawls it"
    lines = [f"serving the sample eFiction archive at {site.base_url} ({when}) until Ctrl-C",
             "try, in another terminal:", *next_steps(site.base_url, program),
             f"a re-sync with something to find: stop this, start it with --changes {changes + 1}, "
             "and crawl again"]
    print("\n".join(lines), file=stream, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print(f"stopped serving {site.base_url}", file=stream, flush=True)
    finally:
        site.stop()
