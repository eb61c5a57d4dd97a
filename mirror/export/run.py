"""`mirror export FORMAT`: drive a format's writer over the filtered stories.

Formats register here with how they are written:

* ``stream``: one output (a file, or standard output) for all stories (jsonl);
* ``per_story``: one file per story in the output folder, named by :func:`safe_name` (txt, epub);
* ``folder``: a writer that builds a whole folder from the stories (csv, html, opendoors);
* ``archive``: one binary file built from the stories and the WARC folder (wacz).

Every file is written atomically; the database is only read.  An export writes only what it
owns (:mod:`mirror.export.manifest`): a folder export is built under a temporary name, then
replaces an earlier export of its format file by file, leaving anything else in the folder alone;
a file export replaces only an earlier export of its kind (or any file with ``force``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mirror.export.common import ExportFilter, atomic_file, safe_name, stories
from mirror.export.manifest import check_file_target, owned_folder
from mirror.items import Story
from mirror.storage import Store
from mirror.storage.images import StoreImages


@dataclass(frozen=True)
class Format:
    name: str
    kind: str  # "stream", "per_story" or "folder"
    writer: str  # "module:function"
    extension: str = ""
    binary: bool = False
    description: str = ""

    def load(self) -> Callable:
        module, _, function = self.writer.partition(":")
        return getattr(importlib.import_module(module), function)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("jsonl", "stream", "mirror.export.jsonl:write_story_lines", "jsonl",
           description="one JSON object per story"),
    Format("txt", "per_story", "mirror.export.text:write_txt", "txt",
           description="one plain-text file per story, in the layout readers save from eFiction"),
    Format("epub", "per_story", "mirror.export.epub:write_epub", "epub", binary=True,
           description="one EPUB 3 file per story"),
    Format("csv", "folder", "mirror.export.csvs:write_csv_folder",
           description="stories.csv and chapters.csv (metadata, no text)"),
    Format("html", "folder", "mirror.export.html:write_html_site",
           description="a browsable offline copy of the mirror"),
    Format("opendoors", "folder", "mirror.export.opendoors:write_opendoors",
           description="Open Doors working tables (.sql and CSV) and a report of AO3 limits"),
    Format("wacz", "archive", "mirror.export.wacz:write_wacz", "wacz", binary=True,
           description="the crawls' WARC files, index and story pages as one WACZ (needs --warc DIR)"),
)}


@dataclass
class ExportResult:
    format: str
    stories: int = 0
    paths: list[Path] = field(default_factory=list)


class _Counting:
    """Counts the stories a writer consumes."""

    def __init__(self, items: Iterable[Story]):
        self.items = items
        self.count = 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item


def _story_reviews(store: Store, flt: ExportFilter | None):
    from mirror.export.jsonl import story_reviews
    return story_reviews(store, flt.site if flt else None)


def export_records(store: Store, kind: str, out: str, site: str | None = None, *, force: bool = False) -> int:
    """``mirror export jsonl --kind authors|series|reviews``: one record per line."""
    from mirror.export.jsonl import write_records
    if out == "-":
        return write_records(store, kind, sys.stdout, site=site)
    check_file_target(out, "jsonl", kind=kind, force=force)
    with atomic_file(out, "w", encoding="utf-8", newline="\n") as stream:
        return write_records(store, kind, stream, site=site)


def export(store: Store, fmt: str, out: str, flt: ExportFilter | None = None,
           warc_dir: str | None = None, *, force: bool = False) -> ExportResult:
    """Write format ``fmt`` to ``out`` (a file or '-' for stream formats, else a folder).  ``force``:
    write into a folder holding other things too (left untouched), or replace any existing file."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    spec = FORMATS[fmt]
    writer = spec.load()
    result = ExportResult(fmt)
    selected = _Counting(stories(store, flt))
    if spec.kind == "stream":
        extra = {"reviews": _story_reviews(store, flt), "images": StoreImages(store)} if fmt == "jsonl" else {}
        if out == "-":
            writer(selected, sys.stdout, **extra)
        else:
            check_file_target(out, fmt, force=force)
            with atomic_file(out, "w", encoding="utf-8", newline="\n") as stream:
                writer(selected, stream, **extra)
            result.paths.append(Path(out))
    elif spec.kind == "archive":
        if not warc_dir:
            raise ValueError(f"export {fmt} needs the WARC folder: --warc DIR")
        check_file_target(out, fmt, force=force)
        with atomic_file(out, "wb") as stream:
            writer(selected, stream, warc_dir)
        result.paths.append(Path(out))
    elif spec.kind == "per_story":
        mode = "wb" if spec.binary else "w"
        extra = {} if spec.binary else {"encoding": "utf-8", "newline": "\n"}
        with owned_folder(out, fmt, force=force) as staging:
            for story in selected:
                name = safe_name(story, spec.extension)
                with atomic_file(staging / name, mode, **extra) as stream:
                    if fmt == "epub":  # the story's stored images, embedded
                        writer(story, stream, images=StoreImages(store))
                    else:
                        writer(story, stream)
                result.paths.append(Path(out) / name)
    else:
        with owned_folder(out, fmt, force=force) as folder:
            if fmt == "html":  # nests sub-series under their parent; reviews; author profiles
                site = flt.site if flt else None
                writer(selected, folder, series=list(store.iter_series(site)),
                       reviews=_story_reviews(store, flt), authors=list(store.iter_authors(site)),
                       images=StoreImages(store))
            else:
                writer(selected, folder)
        result.paths.append(Path(out))
    result.stories = selected.count
    return result
