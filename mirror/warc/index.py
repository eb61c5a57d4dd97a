"""CDXJ indexes of the WARC files (cdxj-indexer), one per crawl, in ``DIR/indexes/``.

They serve replay tools, and the next crawl: it reads them to write an unchanged response
as a ``revisit`` of the payload already archived.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from cdxj_indexer.main import write_cdx_index

from mirror.warc.writer import Location

INDEX_DIR = "indexes"


def write_index(warc_dir: str | os.PathLike, filenames: Iterable[str], name: str) -> Path | None:
    """Index these WARC files (base names in ``warc_dir``) into ``indexes/NAME.cdxj``, sorted."""
    paths = [str(Path(warc_dir) / f) for f in filenames]
    if not paths:
        return None
    folder = Path(warc_dir) / INDEX_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.cdxj"
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    try:
        write_cdx_index(temp, paths, {"sort": True})
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def index_files(warc_dir: str | os.PathLike) -> list[Path]:
    folder = Path(warc_dir) / INDEX_DIR
    return sorted(folder.glob("*.cdxj")) if folder.is_dir() else []


def iter_entries(path: str | os.PathLike) -> Iterator[tuple[str, str, dict]]:
    """(urlkey, timestamp, fields) for each line of a CDXJ file."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("!"):
                continue
            urlkey, ts, fields = line.rstrip("\n").split(" ", 2)
            yield urlkey, ts, json.loads(fields)


def load_known(warc_dir: str | os.PathLike) -> tuple[dict[tuple[str, str], Location], set[str]]:
    """From every index in the folder: the first response record for each (URI, payload digest),
    and the WARC files indexed."""
    known: dict[tuple[str, str], Location] = {}
    indexed: set[str] = set()
    entries = [(ts, fields) for path in index_files(warc_dir) for _, ts, fields in iter_entries(path)]
    for _, fields in sorted(entries, key=lambda e: (e[0], e[1].get("filename", ""), int(e[1].get("offset", 0)))):
        indexed.add(fields.get("filename", ""))
        if fields.get("mime") == "warc/revisit" or not fields.get("digest") or "url" not in fields:
            continue
        known.setdefault((fields["url"], fields["digest"]),
                         Location(fields["filename"], int(fields["offset"]), int(fields["length"])))
    return known, indexed
