"""Whitelist sanitiser for HTML taken from an archive (summaries, notes, chapter text).

:func:`clean_html` parses a fragment with lxml (entities decoded, broken markup repaired) and
writes it back keeping only what is known to be passive and local:

* tags in :data:`ALLOWED_TAGS`, with only their listed attributes; tags in :data:`DROPPED_TAGS`
  (script, style, iframe, form controls, svg, math, head, title, noscript, media, ...) are removed
  with everything inside them; empty elements not allowed (meta, link, base, embed, input, ...)
  are removed; any other tag (form, object, font's odd cousins, o:p, ...) is unwrapped, its text
  kept;
* no event handlers or other attributes off the list; ``style`` keeps only typographic
  declarations, and none with ``url(``, ``expression(``, escapes, comments or ``@``;
* ``a[href]`` only for relative, ``http(s):`` and ``mailto:`` targets (checked after entity
  decoding and with control characters and whitespace removed, as browsers do), always with
  ``rel="nofollow noopener"``; protocol-relative ``//host`` links are dropped;
* ``img`` only with an inline ``data:image/(png|gif|jpeg|webp);base64`` source, or the local copy
  ``images`` gives for it (a stored image, issue 9); any other image (external, svg) is replaced
  by its alt text, so the copy loads nothing from outside;
* comments, processing instructions and characters not allowed in HTML are dropped.

The output is deterministic (attributes in a fixed order) and safe to embed in a page body.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from lxml import etree

__all__ = ["clean_html", "escape", "safe_href", "ALLOWED_TAGS", "DROPPED_TAGS"]

_GLOBAL_ATTRS = ("title", "lang", "dir", "align")
_CELL_ATTRS = _GLOBAL_ATTRS + ("valign", "colspan", "rowspan", "width")

#: tag -> attributes kept (in this order); everything else is dropped.
ALLOWED_TAGS: dict[str, tuple[str, ...]] = {
    **{t: _GLOBAL_ATTRS for t in (
        "p", "div", "span", "blockquote", "center", "pre", "address",
        "h1", "h2", "h3", "h4", "h5", "h6",
        "i", "em", "b", "strong", "u", "s", "strike", "sub", "sup", "small", "big", "tt",
        "code", "kbd", "samp", "var", "cite", "q", "abbr", "acronym", "dfn", "mark", "ins", "del",
        "ul", "li", "dl", "dt", "dd", "ruby", "rt", "rp",
        "caption", "thead", "tbody", "tfoot", "tr", "col", "colgroup",
    )},
    "font": (),  # kept as a tag, attributes (face, size, color) dropped
    "br": (),
    "hr": ("align", "width"),
    "ol": _GLOBAL_ATTRS + ("start", "type"),
    "table": _GLOBAL_ATTRS + ("border", "cellpadding", "cellspacing", "width", "summary"),
    "td": _CELL_ATTRS,
    "th": _CELL_ATTRS,
    "a": ("href", "title", "name", "id"),
    "img": ("src", "alt", "title", "width", "height"),
}
for _t in ("p", "div", "span", "blockquote", "center", "td", "th", "li", "h1", "h2", "h3", "h4",
           "h5", "h6", "font", "table", "tr", "ol", "ul", "pre"):
    ALLOWED_TAGS[_t] = ALLOWED_TAGS[_t] + ("style",)

VOID_TAGS = frozenset({"br", "hr", "img", "col"})

#: Removed together with their whole content.
DROPPED_TAGS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "applet",
    "button", "select", "option", "optgroup", "textarea", "datalist", "output",
    "svg", "math", "head", "title", "noscript", "noembed",
    "noframes", "template", "audio", "video", "canvas", "picture", "portal",
    "xml", "xmp", "plaintext", "dialog", "slot", "bgsound", "marquee", "blink",
})

#: Elements that never have content in HTML.  libxml2's parser makes some of them (embed, source,
#: track, wbr, keygen) containers of whatever follows, so their children are processed as if they
#: came after them: the element itself is dropped (or, if allowed, written without a closing tag).
#: Unlisted tags (form, object, ...) are unwrapped: the tag goes, its text stays.
HTML_VOID = frozenset({
    "area", "base", "basefont", "br", "col", "embed", "frame", "hr", "img", "input", "isindex",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
})

#: Tags whose own markup goes but whose content stays (beside any tag not listed anywhere).
_UNWRAP = frozenset({"html", "body"})

_STYLE_PROPS = frozenset({
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family",
    "font-variant", "text-align", "text-decoration", "text-indent", "text-transform",
    "line-height", "letter-spacing", "word-spacing", "vertical-align", "white-space",
    "margin", "margin-left", "margin-right", "margin-top", "margin-bottom",
    "padding", "padding-left", "padding-right", "padding-top", "padding-bottom",
    "border", "border-left", "border-right", "border-top", "border-bottom",
    "border-color", "border-style", "border-width", "border-collapse",
    "width", "list-style-type", "direction", "unicode-bidi",
})
_STYLE_COLOR_FN = re.compile(r"\b(?:rgba?|hsla?)\(\s*[0-9.,%\s/]*\)")
_STYLE_VALUE_BAD = re.compile(r"[\\()<>@{}&\"'`]|/\*|url|expression|script|binding|behavior|import", re.I)

_DATA_IMG = re.compile(r"data:image/(?:png|gif|jpeg|jpg|webp);base64,[A-Za-z0-9+/=\s]+", re.I)
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]+")
_NUMBER = re.compile(r"[0-9]{1,4}%?")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:\-]{0,63}")
_OL_TYPE = re.compile(r"[1aAiI]")
# Characters HTML does not allow in text: C0 controls (but tab, LF, FF, CR), DEL, C1, noncharacters.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")

_TAG = re.compile(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>?|<!--.*?-->", re.S)
_DROPPED_BLOCK = re.compile(r"<(script|style|iframe|svg|math|textarea|title|xmp)\b.*?</\1\s*>", re.S | re.I)


def _parser() -> etree.HTMLParser:
    return etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
        huge_tree=True, recover=True, default_doctype=False,
    )


def _text_only(fragment: str) -> str:
    """Fallback when the parser gives up (e.g. markup nested over 2048 deep): the text, escaped."""
    text = _TAG.sub(" ", _DROPPED_BLOCK.sub(" ", fragment))
    return escape(re.sub(r"[ \t]+", " ", html.unescape(text)).strip(), quote=False)


def escape(text: str | None, quote: bool = True) -> str:
    """Text (or attribute value) escaped for HTML, with characters HTML forbids removed."""
    return html.escape(_BAD_CHARS.sub("", text or ""), quote=quote)


def safe_href(url: str | None) -> str | None:
    """``url`` if it is relative, http(s) or mailto (and not protocol-relative), else ``None``."""
    if not url:
        return None
    squeezed = _URL_IGNORED.sub("", url)
    if not squeezed or squeezed.startswith(("//", "\\\\", "/\\", "\\/")):
        return None
    match = _SCHEME.match(squeezed)
    if match:
        if match.group(1).lower() not in ("http", "https", "mailto"):
            return None
    elif ":" in squeezed.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
        return None  # something like "java script:" that is not a clean relative path
    return url.strip()


def _clean_style(value: str) -> str | None:
    kept = []
    for declaration in value.split(";"):
        prop, sep, val = declaration.partition(":")
        prop, val = prop.strip().lower(), val.strip()
        if not sep or prop not in _STYLE_PROPS or not val:
            continue
        if _STYLE_VALUE_BAD.search(_STYLE_COLOR_FN.sub("", val)) or _BAD_CHARS.search(val):
            continue
        kept.append(f"{prop}: {val}")
    return "; ".join(kept) or None


def _clean_attr(tag: str, name: str, value: str) -> str | None:
    if name == "style":
        return _clean_style(value)
    if name == "href":
        return safe_href(value)
    if name == "src":
        value = value.strip()
        return value if _DATA_IMG.fullmatch(value) else None
    if name in ("width", "height", "colspan", "rowspan", "start", "border", "cellpadding", "cellspacing"):
        value = value.strip()
        return value if _NUMBER.fullmatch(value) else None
    if name in ("name", "id"):
        return value if _NAME.fullmatch(value) else None
    if name == "type":
        return value if _OL_TYPE.fullmatch(value) else None
    if name in ("align", "valign"):
        value = value.strip().lower()
        return value if value in ("left", "right", "center", "justify", "top", "middle", "bottom") else None
    if name == "dir":
        value = value.strip().lower()
        return value if value in ("ltr", "rtl", "auto") else None
    if name == "lang":
        return value if re.fullmatch(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*", value) else None
    return value  # title, alt, summary: plain text, escaped on output


def _open_tag(el, tag: str, images: Callable[[str | None, str | None], str | None] | None = None) -> str | None:
    """The cleaned start tag, or None when the element is to be replaced (an img without a safe src)."""
    attrs = {}
    local = images(el.get("src"), el.get("srcset")) if tag == "img" and images is not None else None
    for name in ALLOWED_TAGS[tag]:
        if name == "src" and local is not None:
            attrs[name] = local  # the stored copy: a relative path the exporter wrote
            continue
        raw = el.get(name)
        if raw is None:
            continue
        value = _clean_attr(tag, name, raw)
        if value is not None:
            attrs[name] = value
    if tag == "img" and "src" not in attrs:
        return None
    if tag == "a":
        if "href" in attrs:
            attrs["rel"] = "nofollow noopener"
    parts = [tag] + [f'{k}="{escape(v)}"' for k, v in attrs.items()]
    return "<" + " ".join(parts) + ">"


def _tag_name(el) -> str | None:
    tag = el.tag
    if not isinstance(tag, str):
        return None  # comment, processing instruction, entity
    if "}" in tag or ":" in tag:  # namespaced (o:p, svg:script): dropped or unwrapped, never kept
        local = tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()
        return local if local in DROPPED_TAGS else "x-prefixed"
    return tag.lower()


def clean_html(fragment: str | None,
               images: Callable[[str | None, str | None], str | None] | None = None) -> str:
    """A safe, passive copy of an HTML fragment (see the module documentation).  ``images``:
    ``(src, srcset) -> local path`` of a stored image (:func:`mirror.images.local_images`), or
    ``None`` when it is not stored (then the image's alt text is shown)."""
    if not fragment or not fragment.strip():
        return ""
    data = b"<html><body>" + _BAD_CHARS.sub("", fragment).encode("utf-8", "replace") + b"</body></html>"
    parser = _parser()
    root = etree.fromstring(data, parser)
    if any(e.level_name == "FATAL" for e in parser.error_log):
        return _text_only(fragment)
    if root is None:
        return ""
    out: list[str] = []
    # Iterative walk (no recursion limit on deep markup): stack of (element, closing text or None).
    stack: list[tuple[object, str | None, bool]] = [(root, None, False)]
    while stack:
        el, closing, entered = stack.pop()
        if entered:
            if closing:
                out.append(closing)
            if el.tail and el is not root:
                out.append(escape(el.tail, quote=False))
            continue
        tag = _tag_name(el)
        if tag in HTML_VOID and tag not in ALLOWED_TAGS:
            tag = "x-void"  # dropped, but any children libxml2 gave it are kept
        if tag is None or tag in DROPPED_TAGS:
            if el.tail and el is not root:
                out.append(escape(el.tail, quote=False))
            continue
        closing = None
        if tag in ALLOWED_TAGS:
            start = _open_tag(el, tag, images)
            if start is None:  # unsafe image: its alt text instead
                alt = (el.get("alt") or "").strip()
                if alt:
                    out.append(escape(f"[image: {alt}]", quote=False))
                if el.tail:
                    out.append(escape(el.tail, quote=False))
                continue
            out.append(start)
            if tag not in VOID_TAGS:
                closing = f"</{tag}>"
        stack.append((el, closing, True))
        if el.text:
            out.append(escape(el.text, quote=False))
        for child in reversed(list(el)):
            stack.append((child, None, False))
    return "".join(out).strip()
