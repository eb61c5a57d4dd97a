"""Images the sample archive serves under ``<prefix>images/`` (issue 9), made here, deterministic.

The stock chapters show none (the goldens stay as they are); tests put ``<img>`` tags into a
copy of the archive (``Archive.copy().edit_chapter(...)``) and serve these.  The skin's own
images (``images/star.gif``, ...) are not served: 404, like an install without them.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["SAMPLE_IMAGES", "png"]


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain one-colour RGB PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


#: name -> (bytes, Content-Type)
SAMPLE_IMAGES: dict[str, tuple[bytes, str]] = {
    "map.png": (png(4, 3, (30, 120, 200)), "image/png"),
    "crest.png": (png(2, 2, (200, 40, 40)), "image/png"),
    # the same content under another name: stored once
    "map-copy.png": (png(4, 3, (30, 120, 200)), "image/png"),
    # says it is an image, is not
    "fake.png": (b"<html><body>not an image</body></html>", "image/png"),
}
