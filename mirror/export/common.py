"""What every exporter shares: filters, safe file names, atomic output.

* :class:`ExportFilter` selects stories (``--site``, ``--story``, ``--author``, ``--updated-since``)
  and :func:`stories` streams them from the store (constant memory).
* :func:`safe_name` makes a file name from ids and a slug of the title: never a path from the
  site, no ``..``, no separators, bounded length, unique per story.
* :func:`atomic_file` never leaves a half-written file under its final name: it writes to a
  temporary name beside it, then renames.  Folders: :func:`mirror.export.manifest.owned_folder`.

Writers take open streams; these helpers are for the driver that opens them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mirror.items import Story
from mirror.storage import Store

MAX_SLUG = 60


@dataclass(frozen=True)
class ExportFilter:
    site: str | None = None
    story_ids: tuple[int, ...] | None = None
    author_ids: tuple[int, ...] | None = None
    updated_since: dt.date | None = None

    def accepts(self, story: Story) -> bool:
        if self.author_ids is not None and not {a.id for a in story.authors} & set(self.author_ids):
            return False
        if self.updated_since is not None and (story.updated is None or story.updated < self.updated_since):
            return False
        return True


def stories(store: Store, flt: ExportFilter | None = None) -> Iterator[Story]:
    """The stories to export, in the store's deterministic order, streamed."""
    flt = flt or ExportFilter()
    for story in store.iter_stories(site=flt.site, story_ids=flt.story_ids):
        if flt.accepts(story):
            yield story


def slug(text: str, limit: int = MAX_SLUG) -> str:
    """ASCII, lower case, words joined by '-': 'Zoë’s “Café”!' -> 'zoes-cafe'."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = "-".join(words)[:limit].strip("-")
    return out or "untitled"


def safe_name(story: Story, extension: str, *, site_index: int | None = None) -> str:
    """``[<site>-]<story id>-<slug>.<ext>``: ids make it unique, the slug makes it readable."""
    if not re.fullmatch(r"[a-z0-9]{1,8}", extension):
        raise ValueError(f"bad file extension {extension!r}")
    prefix = f"{site_index}-" if site_index is not None else ""
    return f"{prefix}{story.story_id:06d}-{slug(story.title)}.{extension}"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def usual_mode(path: Path, *, folder: bool) -> None:
    """Temporary files and folders are made owner-only; the finished export gets the mode any
    new file (0666) or folder (0777) would have, less the umask: it is meant to be shared."""
    os.chmod(path, (0o777 if folder else 0o666) & ~_umask())


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, mode: str = "wb", **kwargs) -> Iterator[IO]:
    """Write to a temporary file beside ``path``; rename it to ``path`` only when the block ends well."""
    target = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        with open(temp, mode, **kwargs) as stream:
            yield stream
        usual_mode(Path(temp), folder=False)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
