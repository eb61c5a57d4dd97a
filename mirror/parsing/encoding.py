"""Decode eFiction pages to text.

eFiction 3.x sends ``Content-Type: text/html; charset=_CHARSET`` (the language
file is loaded after the header is sent), so the header's charset is often a
bogus name.  The ``<meta http-equiv>`` tag that follows is right.  Pages that
say ISO-8859-1 really hold windows-1252 bytes (browsers submit curly quotes as
cp1252), so Latin-1 is decoded as windows-1252, as browsers do.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\s;\"']+)", re.IGNORECASE)

# Names that browsers (WHATWG Encoding Standard) treat as windows-1252.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "cp1252",
              "windows-1252", "iso_8859-1", "iso-ir-100", "cp819", "ibm819", "x-cp1252"}


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """The five bytes cp1252 leaves undefined map to the same code point (WHATWG)."""
    bad = error.object[error.start:error.end]
    return "".join(chr(b) for b in bad), error.end


codecs.register_error("mirror-cp1252", _cp1252_fallback)


def normalise_charset(name: str | None) -> str | None:
    """Return a Python codec name for a declared charset, or None if it is bogus."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None  # e.g. eFiction's literal "_CHARSET"


def header_charset(headers: dict[str, list[str]] | None) -> str | None:
    for key, values in (headers or {}).items():
        if key.lower() == "content-type":
            for value in values:
                match = _HEADER_CHARSET.search(value)
                if match:
                    return normalise_charset(match.group(1))
    return None


def meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return normalise_charset(match.group(1).decode("ascii", "replace")) if match else None


def detect_encoding(body: bytes, headers: dict[str, list[str]] | None = None,
                    override: str | None = None) -> str:
    """Pick the codec: profile override, then a valid header charset, the meta tag,
    UTF-8 if the bytes are valid UTF-8, else windows-1252."""
    for candidate in (normalise_charset(override), header_charset(headers), meta_charset(body)):
        if candidate:
            return candidate
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _is_utf8_text(body: bytes) -> bool:
    """Valid UTF-8 with multi-byte characters: windows-1252 text almost never is."""
    if not re.search(rb"[\xc2-\xf4][\x80-\xbf]", body):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_body(body: bytes, headers: dict[str, list[str]] | None = None,
                override: str | None = None) -> str:
    encoding = detect_encoding(body, headers, override)
    if encoding == "cp1252" and not override and _is_utf8_text(body):
        encoding = "utf-8"  # a page declared ISO-8859-1 that is really UTF-8 (a converted site)
    if encoding == "cp1252":
        return body.decode("cp1252", errors="mirror-cp1252")
    return body.decode(encoding, errors="replace")
