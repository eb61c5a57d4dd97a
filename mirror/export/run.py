"""`mirror export FORMAT`: drive a format's writer over the filtered stories.

Formats register here with how they are written:

* ``stream``: one output (a file, or standard output) for all stories (jsonl);
* ``per_story``: one file per story in the output folder, named by :func:`safe_name` (txt, epub);
* ``folder``: a writer that builds a whole folder from the stories (csv, html, opendoors).

Every file is written atomically; the database is only read.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mirror.export.common import ExportFilter, atomic_dir, atomic_file, safe_name, stories
from mirror.items import Story
from mirror.storage import Store


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


def export(store: Store, fmt: str, out: str, flt: ExportFilter | None = None) -> ExportResult:
    """Write format ``fmt`` to ``out`` (a file or '-' for stream formats, else a folder)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    spec = FORMATS[fmt]
    writer = spec.load()
    result = ExportResult(fmt)
    selected = _Counting(stories(store, flt))
    if spec.kind == "stream":
        if out == "-":
            writer(selected, sys.stdout)
        else:
            with atomic_file(out, "w", encoding="utf-8", newline="\n") as stream:
                writer(selected, stream)
            result.paths.append(Path(out))
    elif spec.kind == "per_story":
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        mode = "wb" if spec.binary else "w"
        extra = {} if spec.binary else {"encoding": "utf-8", "newline": "\n"}
        for story in selected:
            path = folder / safe_name(story, spec.extension)
            with atomic_file(path, mode, **extra) as stream:
                writer(story, stream)
            result.paths.append(path)
    else:
        with atomic_dir(out) as folder:
            writer(selected, folder)
        result.paths.append(Path(out))
    result.stories = selected.count
    return result
