"""WACZ 1.1.1: the WARC files of the mirror's crawls, their index and a page list, in one zip
that ReplayWeb.page (and pywb) open.

* ``archive/*.warc.gz``: every finished WARC file in the folder, stored as is;
* ``indexes/index.cdxj``: one sorted CDXJ index over them (cdxj-indexer);
* ``pages/pages.jsonl``: the story pages (index and printable view) of the exported stories;
* ``datapackage.json`` (every file with its sha256 and size) and ``datapackage-digest.json``.

Deterministic for the same WARC files and stories: entries in a fixed order with a fixed
time, ``created`` is the newest capture's date.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO
from urllib.parse import parse_qsl, urlsplit

from cdxj_indexer.main import write_cdx_index

from mirror import __version__
from mirror.items import Story
from mirror.warc.reader import iter_warc_files

WACZ_VERSION = "1.1.1"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _story_page(url: str) -> tuple[str, int, str] | None:
    """(site base, story id, "index"/"printable") for a story page URL, else None."""
    parts = urlsplit(url)
    if not parts.path.endswith("/viewstory.php"):
        return None
    query = dict(parse_qsl(parts.query))
    if not query.get("sid", "").isdigit():
        return None
    if query.get("action") == "printable" and query.get("chapter") == "all":
        kind = "printable"
    elif query.get("index") == "1":
        kind = "index"
    else:
        return None
    base = f"{parts.scheme}://{parts.netloc}{parts.path[:-len('viewstory.php')]}"
    return base, int(query["sid"]), kind


def _iso(ts: str) -> str:
    return f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}Z"


def write_wacz(stories: Iterable[Story], stream: IO[bytes], warc_dir: str | os.PathLike) -> None:
    warcs = list(iter_warc_files(warc_dir))
    if not warcs:
        raise ValueError(f"no WARC files in {warc_dir}: crawl with --warc {warc_dir} first")
    titles = {(s.site, s.story_id): s.title for s in stories}
    index = io.StringIO()
    write_cdx_index(index, [str(p) for p in warcs], {"sort": True})
    cdxj = index.getvalue().encode("utf-8")
    pages, newest, seen = [], "", set()
    for line in cdxj.decode("utf-8").splitlines():
        _, ts, fields = line.split(" ", 2)
        record = json.loads(fields)
        newest = max(newest, ts)
        page = _story_page(record.get("url", ""))
        if page is None or record.get("status") != "200" or record["url"] in seen:
            continue
        site, sid, kind = page
        if (site, sid) not in titles:
            continue
        seen.add(record["url"])
        pages.append({"id": hashlib.sha256(record["url"].encode()).hexdigest()[:24], "url": record["url"],
                      "ts": _iso(ts), "title": f"{titles[(site, sid)]} ({kind})"})
    pages.sort(key=lambda p: (p["url"], p["ts"]))
    header = {"format": "json-pages-1.0", "id": "pages", "title": "Story pages"}
    pages_jsonl = "".join(json.dumps(p, sort_keys=True) + "\n" for p in [header, *pages]).encode("utf-8")

    resources = []
    files: list[tuple[str, bytes | Path]] = [(f"archive/{p.name}", p) for p in warcs]
    files += [("indexes/index.cdxj", cdxj), ("pages/pages.jsonl", pages_jsonl)]
    for name, content in files:
        if isinstance(content, Path):
            digest, size = _sha256_file(content), content.stat().st_size
        else:
            digest, size = hashlib.sha256(content).hexdigest(), len(content)
        resources.append({"name": Path(name).name, "path": name, "hash": f"sha256:{digest}", "bytes": size})
    package = {"profile": "data-package", "wacz_version": WACZ_VERSION,
               "title": "fic-mirror capture", "software": f"fic-mirror {__version__}",
               "created": _iso(newest) if newest else "", "resources": resources}
    package_bytes = json.dumps(package, indent=2, sort_keys=True).encode("utf-8")
    digest_bytes = json.dumps({"path": "datapackage.json",
                               "hash": f"sha256:{hashlib.sha256(package_bytes).hexdigest()}"},
                              indent=2, sort_keys=True).encode("utf-8")

    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as zf:
        for name, content in files:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=True) as out:
                if isinstance(content, Path):
                    with open(content, "rb") as fh:
                        for block in iter(lambda: fh.read(1 << 20), b""):
                            out.write(block)
                else:
                    out.write(content)
        for name, content in (("datapackage.json", package_bytes), ("datapackage-digest.json", digest_bytes)):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, content)
