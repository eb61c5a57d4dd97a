"""Images in stories (issue 9): finding them, checking what was downloaded, naming the copies.

Everything here is pure.  The crawl (:mod:`pipelines.images`) downloads the images a stored
story's HTML names, the store keeps each distinct content once by SHA-256
(:mod:`mirror.storage.images`), and the exports embed them (EPUB, HTML) or list them (JSONL),
all finding the images with the same :func:`find_image_urls`, so they agree on what an ``<img>``
points at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urldefrag, urlsplit

import lxml.html
from lxml import etree

from mirror import urls

__all__ = [
    "ImageDownload", "ImageRef", "ImageSource", "bio_image_urls", "check_image", "extension", "find_image_urls", "image_url_allowed", "img_url",
    "local_images", "same_host", "sha256", "sniff", "story_image_urls",
]

#: content type -> file extension of the images kept (what browsers and EPUB readers show).
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
}
#: Core media types of EPUB 3: others are kept in the database and the HTML copy, but an EPUB
#: shows them as a link to the original (a foreign resource would need a fallback).
EPUB_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def img_url(src: str | None, srcset: str | None, page_url: str) -> str | None:
    """The absolute http(s) URL an ``<img>`` shows: its ``src``, else the first ``srcset``
    candidate, resolved against the page's URL, without fragment; ``None`` for ``data:`` URIs,
    other schemes and empty values."""
    raw = (src or "").strip()
    if not raw and srcset:
        raw = srcset.strip().split(",", 1)[0].strip().split(None, 1)[0] if srcset.strip() else ""
    if not raw or raw.lower().startswith("data:"):
        return None
    try:
        url = urldefrag(urls.absolute(page_url, raw))[0] if page_url else raw
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def find_image_urls(html: str | None, page_url: str) -> list[str]:
    """Every image URL in an HTML fragment (``<img src>``, else its first ``srcset`` candidate),
    absolute against ``page_url``, http(s) only, in document order, each once."""
    if not html or "<img" not in html.lower():
        return []
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    found: list[str] = []
    for el in root.iter("img"):
        url = img_url(el.get("src"), el.get("srcset"), page_url)
        if url and url not in found:
            found.append(url)
    return found


def story_image_urls(story: Any) -> list[str]:
    """The images of a story: its notes', then each chapter's notes, text and end notes, in
    order, each URL once.  Chapter HTML resolves against the page it was read from."""
    found: list[str] = []

    def add(html: str | None, base: str) -> None:
        for url in find_image_urls(html, base):
            if url not in found:
                found.append(url)

    add(story.story_notes_html, story.url)
    for chapter in sorted(story.chapters, key=lambda c: c.number):
        base = chapter.source_url or story.url
        for html in (chapter.notes_html, chapter.text_html, chapter.end_notes_html):
            add(html, base)
    return found


def bio_image_urls(profile: Any) -> list[str]:
    """The images of an author's bio, resolved against the profile page."""
    return find_image_urls(profile.bio_html, profile.url)


def same_host(url: str, base: str) -> bool:
    """Same site for images: the archive's host and port (any path, either scheme)."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.hostname or "").lower() == (b.hostname or "").lower() and \
        (a.port or _default_port(a.scheme)) == (b.port or _default_port(b.scheme))


def image_url_allowed(url: str, base: str, offsite: bool = False) -> bool:
    """May the crawl fetch this image?  On the archive's host: not an action or member script
    (an ``<img src="user.php?action=logout">`` must not log us out), no trap parameter.
    Elsewhere: only with ``offsite`` (``MIRROR_IMAGES_OFFSITE``)."""
    if urlsplit(url).scheme not in ("http", "https"):
        return False
    if not same_host(url, base):
        return offsite
    script, query = urls.script_and_query(url)
    return (script not in urls.FORBIDDEN_SCRIPTS and "action" not in query
            and not (urls.TRAP_PARAMS & query.keys()))


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def sniff(data: bytes) -> str | None:
    """The image type the bytes themselves say (magic numbers), or ``None``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"BM") and len(data) >= 26:
        return "image/bmp"
    return None


def check_image(body: bytes, declared: str | None, max_bytes: int) -> tuple[str | None, str | None]:
    """``(content type, None)`` for a usable image, else ``(None, reason)``.  The declared
    ``Content-Type`` must be ``image/*`` (or absent, or the generic ``application/octet-stream``)
    and the bytes must be an image of a kept type (PNG, JPEG, GIF, WebP, BMP): the type stored is
    the one the bytes say.  SVG is refused (it can carry scripts)."""
    kind = (declared or "").split(";", 1)[0].strip().lower()
    if kind and not kind.startswith("image/") and kind != "application/octet-stream":
        return None, "not_image"
    if not body:
        return None, "empty"
    if max_bytes and len(body) > max_bytes:
        return None, "too_large"
    actual = sniff(body)
    if actual is None:
        return None, "not_image"
    return actual, None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extension(content_type: str) -> str:
    return EXTENSIONS.get(content_type, "bin")


@dataclass(frozen=True)
class ImageRef:
    """A stored image as one URL showed it."""

    url: str
    sha256: str
    content_type: str
    size: int

    @property
    def path(self) -> str:
        """Where exports put the copy, relative to their root: ``images/<sha256>.<ext>``."""
        return f"images/{self.sha256}.{extension(self.content_type)}"

    def record(self) -> dict[str, Any]:
        return {"url": self.url, "sha256": self.sha256, "content_type": self.content_type,
                "size": self.size}


class ImageSource(Protocol):
    """What the exports need: a story's (or an author's bio's) stored images, and an image's bytes."""

    def refs(self, story: Any) -> list[ImageRef]: ...

    def bio_refs(self, profile: Any) -> list[ImageRef]: ...

    def data(self, sha: str) -> bytes: ...


def local_images(refs: Iterable[ImageRef], base: str, prefix: str = "",
                 keep: Callable[[ImageRef], bool] | None = None) -> Callable[[str | None, str | None], str | None]:
    """For the exports' sanitisers: ``(src, srcset) -> prefix + images/<sha>.<ext>`` for an image
    that is stored (and passes ``keep``), else ``None`` (the sanitiser then shows its alt text)."""
    by_url = {ref.url: ref for ref in refs if keep is None or keep(ref)}

    def resolve(src: str | None, srcset: str | None) -> str | None:
        url = img_url(src, srcset, base)
        ref = by_url.get(url) if url else None
        return prefix + ref.path if ref else None

    return resolve


@dataclass
class ImageDownload:
    """One image request's outcome, as the crawl hands it to the store (pipelines.images)."""

    site: str  # the archive whose story showed the image
    url: str
    what: str  # whose image: "story 3", "author 7"
    status: int | None = None  # HTTP status; None when no response came
    content_type: str | None = None  # as declared by the server
    body: bytes = b""
    failure: str | None = None  # why there is no usable response (e.g. "HTTP 404")

    def __repr__(self) -> str:  # never the bytes
        return (f"ImageDownload({self.url!r}, {self.what}, status {self.status}, "
                f"{len(self.body)} bytes{', ' + self.failure if self.failure else ''})")
