"""An export writes only what it owns.

Every export that writes a folder (txt, epub, csv, html, opendoors) leaves a manifest in it,
:data:`MANIFEST`: the format, the tool's version and the relative path of every file it wrote.
The next export into that folder:

* builds its files under a temporary name first (:func:`owned_folder`): nothing in the folder is
  touched before the new export is complete;
* refuses a folder that holds anything but an earlier export of the same format: foreign files or
  sub-folders, symbolic links, another format's export (:class:`ExportRefused`, one line naming
  the folder and the first foreign entries);
* with ``force``: writes beside foreign entries, which stay untouched; it still refuses to
  overwrite one, and another format's export;
* replaces the earlier export's files, and removes those of them it does not write again --
  nothing else, and never through a symbolic link.

A single-file export (jsonl, wacz) replaces an existing file only when it is recognisably an
earlier export of the same kind (:func:`check_file_target`), or with ``force``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from mirror import __version__
from mirror.export.common import atomic_file, usual_mode

MANIFEST = ".fic-mirror-export.json"
STAGING_PREFIX = ".fic-mirror-export-"  # the temporary folder an export is built in
SHOWN = 3  # foreign entries named in a refusal


class ExportRefused(ValueError):
    """The export would overwrite or remove something it did not write."""


# ---------------------------------------------------------------- the manifest


def read_manifest(folder: Path) -> dict | None:
    """The folder's manifest, or None if it has none fic-mirror can trust (missing, a link, not
    ours, or naming a path outside the folder)."""
    path = folder / MANIFEST
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("tool") != "fic-mirror" or not isinstance(data.get("format"), str):
        return None
    files = data.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) and _is_inside(f) for f in files):
        return None
    return data


def _is_inside(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (bool(parts) and not name.startswith("/") and "\0" not in name and "\\" not in name
            and all(p not in ("", ".", "..") for p in parts) and parts[0] != MANIFEST)


def _write_manifest(folder: Path, fmt: str, files: list[str], *, complete: bool) -> None:
    data = {"tool": "fic-mirror", "version": __version__, "format": fmt, "complete": complete,
            "files": sorted(files)}
    with atomic_file(folder / MANIFEST, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(json.dumps(data, indent=1) + "\n")


# ---------------------------------------------------------------- folders


def _is_dir(path: Path) -> bool:
    """A real folder (not a link to one)."""
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except FileNotFoundError:
        return False


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except FileNotFoundError:
        return False


def _refuse_link(path: Path, what: str) -> None:
    if path.is_symlink():
        raise ExportRefused(f"--out {path} is a symbolic link (to {os.readlink(path)}); "
                            f"give the {what} itself: an export never writes through a link")


def _owned(folder: Path, fmt: str, force: bool) -> set[str]:
    """The files of the earlier ``fmt`` export in ``folder`` (checked: ExportRefused if the folder
    holds anything else and not ``force``)."""
    manifest = read_manifest(folder)
    if manifest is not None and manifest["format"] != fmt:
        raise ExportRefused(f"--out {folder} holds a {manifest['format']} export ({MANIFEST}); "
                            f"export {fmt} into another folder")
    owned = set(manifest["files"]) if manifest else set()
    if not force:
        foreign = _foreign(folder, owned, manifest is not None)
        if foreign:
            more = ", …" if len(foreign) > SHOWN else ""
            raise ExportRefused(
                f"--out {folder} holds what is not from an earlier {fmt} export: "
                f"{', '.join(foreign[:SHOWN])}{more}; choose a new or empty folder, or add --force "
                f"to write beside them (they are left untouched)")
    return owned


def _foreign(folder: Path, owned: set[str], has_manifest: bool) -> list[str]:
    """Up to SHOWN + 1 entries of ``folder`` (sorted) that the earlier export did not write; a
    folder counts as written when it holds one of the files written."""
    parents = {str(p) for name in owned for p in PurePosixPath(name).parents if str(p) != "."}
    found: list[str] = []

    def walk(here: Path, prefix: str) -> None:
        for entry in sorted(os.scandir(here), key=lambda e: e.name):
            rel = f"{prefix}{entry.name}"
            if not prefix and (entry.name.startswith(STAGING_PREFIX)
                               or (entry.name == MANIFEST and has_manifest)):
                continue
            if entry.is_dir(follow_symlinks=False) and rel in parents:
                walk(Path(entry.path), rel + "/")
            elif not (entry.is_file(follow_symlinks=False) and rel in owned):
                found.append(rel + ("/" if entry.is_dir(follow_symlinks=False) else ""))
            if len(found) > SHOWN:
                return

    walk(folder, "")
    return found


def _staged_files(staging: Path) -> list[str]:
    return sorted(Path(root, name).relative_to(staging).as_posix()
                  for root, _, names in os.walk(staging) for name in names)


def _check_writable(folder: Path, new: list[str], owned: set[str]) -> None:
    """Refuse before touching anything if a new file would land on, or through, something the
    earlier export did not write (a foreign file, a folder, a link)."""
    for name in new:
        parts = PurePosixPath(name).parts
        here = folder
        for part in parts[:-1]:
            here = here / part
            if here.exists() or here.is_symlink():
                if not _is_dir(here):
                    raise ExportRefused(f"--out {folder}: {here.relative_to(folder)} is in the way of "
                                        f"{name} and was not written by an earlier export; move it")
        target = folder / name
        if (target.exists() or target.is_symlink()) and not (name in owned and _is_file(target)):
            raise ExportRefused(f"--out {folder}: {name} would be overwritten and was not written "
                                f"by an earlier export; move it or choose another folder")


def _inside_real_dirs(folder: Path, name: str) -> bool:
    here = folder
    for part in PurePosixPath(name).parts[:-1]:
        here = here / part
        if not _is_dir(here):
            return False
    return True


def _remove_stale(folder: Path, stale: set[str]) -> None:
    """Remove the earlier export's files not written again (regular files only, never through a
    link), then the folders they leave empty."""
    emptied: set[Path] = set()
    for name in sorted(stale):
        path = folder / name
        if _inside_real_dirs(folder, name) and _is_file(path):
            path.unlink()
            emptied.update(p for p in path.parents if p != folder and folder in p.parents)
    for path in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        if _is_dir(path) and not any(path.iterdir()):
            path.rmdir()


def _install(staging: Path, folder: Path, fmt: str, owned: set[str]) -> None:
    """Move the finished export from ``staging`` into the existing ``folder``.  The manifest is
    written first naming both exports' files (``complete: false``): a crash part way leaves a
    folder the next export still recognises and replaces."""
    new = _staged_files(staging)
    _check_writable(folder, new, owned)
    _write_manifest(folder, fmt, sorted(owned | set(new)), complete=False)
    for name in new:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
    _remove_stale(folder, owned - set(new))
    _write_manifest(folder, fmt, new, complete=True)


@contextlib.contextmanager
def owned_folder(path: str | os.PathLike, fmt: str, *, force: bool = False) -> Iterator[Path]:
    """Build a ``fmt`` export in the temporary folder yielded; when the block ends well it becomes
    ``path``: a new folder (renamed into place whole), or -- ``path`` being an empty folder or an
    earlier ``fmt`` export (or, with ``force``, a folder holding other things too) -- moved into
    it file by file, the earlier export's files replaced.  ExportRefused before anything is
    written if ``path`` is not such a folder."""
    folder = Path(path)
    _refuse_link(folder, "folder")
    if folder.exists() and not folder.is_dir():
        raise ExportRefused(f"--out {folder} is a file, not a folder; {fmt} writes a folder: "
                            "choose another --out")
    exists = folder.exists()
    owned = _owned(folder, fmt, force) if exists else set()
    if not exists:
        folder.absolute().parent.mkdir(parents=True, exist_ok=True)
    where = folder if exists else folder.absolute().parent
    prefix = STAGING_PREFIX if exists else f".{folder.absolute().name}."
    staging = Path(tempfile.mkdtemp(prefix=prefix, suffix=".part", dir=where))
    try:
        yield staging
        if exists:
            _install(staging, folder, fmt, owned)
        else:
            _write_manifest(staging, fmt, _staged_files(staging), complete=True)
            usual_mode(staging, folder=True)
            staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ---------------------------------------------------------------- single files

_JSONL_KEYS = {"stories": "story_id", "authors": "author_id", "series": "series_id",
               "reviews": "review_id", "challenges": "challenge_id", "taxonomy": "kind"}


def _earlier_jsonl(path: Path, kind: str) -> bool:
    """Empty, or starting as fic-mirror writes a ``kind`` record: ``{"site": "…", "story_id": …``."""
    with open(path, "rb") as stream:
        head = stream.read(8192).decode("utf-8", "replace")
    key = re.escape(_JSONL_KEYS.get(kind, ""))
    return head == "" or re.match(r'\{"site": "(?:[^"\\]|\\.)*", "' + key + '": ', head) is not None


def _earlier_wacz(path: Path) -> bool:
    """A zip whose datapackage.json says fic-mirror made it."""
    try:
        with zipfile.ZipFile(path) as archive:
            package = json.loads(archive.read("datapackage.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False
    return isinstance(package, dict) and str(package.get("software", "")).startswith("fic-mirror ")


def check_file_target(path: str | os.PathLike, fmt: str, *, kind: str = "stories", force: bool = False) -> None:
    """ExportRefused unless the single-file export ``fmt`` may write ``path``: a new file, an
    earlier ``fmt`` export (for jsonl: of the same ``kind``), or any regular file with ``force``;
    never a folder, a link or a special file."""
    target = Path(path)
    _refuse_link(target, "file")
    if not target.exists():
        return
    if target.is_dir():
        raise ExportRefused(f"--out {target} is a folder; {fmt} writes one file: give a file name")
    if not target.is_file():
        raise ExportRefused(f"--out {target} is not a regular file; choose another --out")
    earlier = _earlier_wacz(target) if fmt == "wacz" else _earlier_jsonl(target, kind)
    if not earlier and not force:
        what = f"{fmt} export" + (f" of {kind}" if fmt == "jsonl" else "")
        raise ExportRefused(f"--out {target} exists and is not an earlier {what}; "
                            "choose another file, or add --force to replace it")
