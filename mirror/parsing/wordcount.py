"""Each chapter's word count as eFiction computed it, read from the printable view.

eFiction 3.5 counts a chapter's words when the chapter is saved (``stories.php``, new chapter
and ``editchapter``), on the text it stores: ``strip_tags``, every run of bytes outside
``[(\\w|\\d|'".!?;,|/-:&@)]`` made one space (a PCRE without ``/u`` and without a locale: only
ASCII letters, digits and ``_`` are ``\\w``, so "Montréal" is two words and a backslash
separates words too), ``trim``, ``count(explode(" ", ...))`` (an empty text counts 1).  The
story's total is the sum of its chapters'.

The printable view shows each chapter as ``format_story(stored)`` (``viewstory.php``), and PHP
sends those bytes as they are, so the count is made on the page's raw bytes, not on what lxml
decodes.  ``format_story()`` is inverted this way:

* ``trim``: nothing to undo (surrounding whitespace separates nothing);
* ``nl2br2``, run when the stored text holds none of ``<br>``, ``<p>``, ``<br />``: every line
  break became ``<br />``, which ``strip_tags`` would remove without a separator.  A shown text
  with ``<br />`` and no ``<br>``, ``<p>``, CR or LF is taken as nl2br2's output.  Not knowable:
  a stored text that held ``<br />`` itself and no line break at all (an uploaded HTML file is
  joined into one line); the story's total check below catches it when it counts;
* in ISO mode (``_CHARSET`` exactly "ISO-8859-1" or "US-ASCII", which the head's
  ``<meta http-equiv="Content-Type">`` names): the windows-1252 punctuation and, by the
  Mac-Roman "fix", the letters ÔÕÒÓÑÐÉ became ``&#8216;`` ``&#8217;`` ``&#8220;`` ``&#8221;``
  ``&#8212;`` ``&#8211;`` ``&#8230;``.  Whether such a reference was a raw byte (a separator) or
  was stored as written (``&``, a separator at ``#``, ``8220;``: up to two words more) cannot be
  known from the page; each chapter gets bounds, and the story's total settles them (below).
  Outside ISO mode the references were stored as shown; without the meta, both are possible;
* ``stripslashes``: backslashes the stored text held are not shown.  Not knowable (a site with
  ``magic_quotes_gpc`` stored ``don\\'t``, two words); only the total check catches it.

eFiction writes no censoring into chapter text (``replace_naughty`` is for summaries), and the
text's own character references were stored as written (``descript()`` already turned the few
it rewrites into letters).  The total shown on the same page (``Word count:``, the stored sum)
decides what the bounds leave open, when the page shows every chapter: equal to the sum of the
lower (upper) bounds, every chapter has its lower (upper) bound; a total in between settles
nothing (a stale total, e.g. one that still counts a chapter waiting for validation, would pass
for the answer), and a total outside the bounds means the page is not what eFiction counted:
nothing is returned.  A chapter whose count stays open, or whose text container cannot be
matched in the raw bytes, is left out: the caller then reads the story index.
"""

from __future__ import annotations

import re
import string


from mirror import urls
from mirror.items import Page, Story
from mirror.parsing.dates import DEFAULT_FORMAT
from mirror.parsing.efiction import (ParseError, PrintableStory, StoryUnavailable, parse_once, parse_printable,
                                     printable_record)

# stories.php: $pattern = "/[^(\w|\d|\'|\"|\.|\!|\?|;|,|\\|\/|\-\-|:|\&|@)]+/" (in PHP's double
# quotes "\\|" is "\|", a literal "|": the backslash itself is not in the class)
_WORD = re.compile(rb"[\w()|'\".!?;,/:&@-]+")
# format_story() in ISO mode: chr(145..151, 133, 208..213, 201) -> these references
_FIXED = re.compile(rb"&#(?:8216|8217|8220|8221|8212|8211|8230);")
_CHARSET = re.compile(rb"""<meta\s+http-equiv=["']?content-type["']?\s+content=["'][^"'>]*charset=([^"'\s;>]+)""",
                      re.IGNORECASE)
_START_TAG = re.compile(rb"<([A-Za-z][A-Za-z0-9]*)([^>]*)>")
_CLASS = re.compile(rb"""(?:^|\s)class\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_PHP_SPACE = b" \t\n\r\x0b\x0c"  # C isspace()
_TRIM = b" \t\n\r\0\x0b"  # PHP trim()
_VISIBLE = frozenset(string.ascii_letters + string.digits + string.punctuation)
_INVISIBLE = re.compile("[^" + re.escape("".join(sorted(_VISIBLE))) + "]+")


def efiction_count(stored: bytes) -> int:
    """stories.php's count of a stored chapter text (bytes as stored)."""
    return max(1, len(_WORD.findall(php_strip_tags(stored))))


def php_strip_tags(data: bytes) -> bytes:
    """PHP's ``strip_tags($text)`` (no allowed tags; ext/standard/string.c): NUL bytes dropped,
    a ``<`` followed by whitespace kept as text, a tag running to its unquoted ``>``, comments
    and ``<?...?>`` removed, an unclosed tag removing the rest."""
    out, at = bytearray(), 0
    while at < len(data):
        lt = data.find(b"<", at)
        if lt < 0:
            out += data[at:]
            break
        out += data[at:lt]
        if data[lt + 1:lt + 2] and data[lt + 1] in _PHP_SPACE:
            out += b"<"
            at = lt + 1
        else:
            at = _tag_end(data, lt + 1)
    return bytes(out).replace(b"\0", b"")


def _tag_end(data: bytes, i: int) -> int:
    """Where the tag opened before ``i`` ends (php_strip_tags_ex's states 1 to 4)."""
    state, depth, quote, lc, parens, xml = 1, 0, 0, 0, 0, False
    while i < len(data):
        c, prev = data[i], data[i - 1]
        if c == 0x3E and depth and state != 4:  # '>'
            depth -= 1
        elif state == 1:
            if c == 0x3C and not quote and not (data[i + 1:i + 2] and data[i + 1] in _PHP_SPACE):
                depth += 1
            elif c == 0x3E and not quote and not (xml and prev == 0x2D):
                return i + 1
            elif c in b"\"'" and (not quote or c == quote):
                quote = 0 if quote else c
            elif c in b"!?" and prev == 0x3C:
                state, parens = (3 if c == 0x21 else 2), 0
        elif state == 2:  # <?php ... ?>
            if c in b"()" and lc not in b"\"'":
                lc, parens = c, parens + (1 if c == 0x28 else -1)
            elif c == 0x3E and not quote and not parens and lc != 0x22 and prev == 0x3F:
                return i + 1
            elif c in b"\"'" and prev != 0x5C:
                lc = 0 if lc == c else (c if lc != 0x5C else lc)
                quote = (0 if quote else c) if not quote or c == quote else quote
            elif c in b"lL" and data[i - 4:i].lower() == b"<?xm":
                state, xml = 1, True
        elif state == 3:  # <!...>
            if c == 0x3E and not quote:
                return i + 1
            if c in b"\"'" and prev != 0x5C and (not quote or c == quote):
                quote = 0 if quote else c
            elif c == 0x2D and data[i - 2:i] == b"!-":
                state = 4
            elif c in b"eE" and data[i - 6:i].lower() == b"doctyp":
                state = 1
        elif c == 0x3E and not quote and data[i - 2:i] == b"--":  # state 4: <!-- ... -->
            return i + 1
        i += 1
    return len(data)


def punctuation_fixed(body: bytes) -> bool | None:
    """Whether format_story() rewrote the cp1252 punctuation on this page (``_CHARSET``, which
    eFiction's header.php writes in the head's Content-Type meta, is exactly ISO-8859-1 or
    US-ASCII: PHP's ``!=`` is case-sensitive); None when the page does not say."""
    head = body[:max(body.find(b"</head>"), 0) or 8192]
    match = _CHARSET.search(head)
    return None if match is None else match.group(1) in (b"ISO-8859-1", b"US-ASCII")


def shown_bounds(shown: bytes, fixed: bool | None) -> tuple[int, int]:
    """(lowest, highest) count eFiction can have computed for a chapter whose printable view
    shows ``shown`` (the raw bytes inside its text container)."""
    text = shown.strip(_TRIM)
    if not any(mark in text for mark in (b"<br>", b"<p>", b"\r", b"\n")):
        text = text.replace(b"<br />", b"\n")  # nl2br2 ran: each <br /> was a line break
    literal = efiction_count(text)
    if fixed is False:
        return literal, literal
    return efiction_count(_FIXED.sub(b"\x85", text)), literal  # fewest: every reference a raw byte


def chapter_containers(body: bytes) -> list[bytes]:
    """The raw content of each outermost element of class ``chapter``, in page order (its
    matching end tag found by counting tags of the same name)."""
    spans: list[bytes] = []
    at = 0
    for tag in _START_TAG.finditer(body):
        if tag.start() < at or not _has_chapter_class(tag.group(2)):
            continue
        pattern = re.compile(rb"<(/?)" + re.escape(tag.group(1)) + rb"(?=[\s/>])", re.IGNORECASE)
        depth = 1
        for other in pattern.finditer(body, tag.end()):
            depth += -1 if other.group(1) else 1
            if depth == 0:
                spans.append(body[tag.end():other.start()])
                at = other.end()
                break
        else:
            break  # no end tag: the rest is not understood
    return spans


def _has_chapter_class(attributes: bytes) -> bool:
    match = _CLASS.search(attributes)
    return match is not None and b"chapter" in (match.group(1) or match.group(2) or match.group(3)).split()


_MARKUP = re.compile(r"<[^>]*>|&#?\w+;|[&<>]")


def _visible(html: str) -> str:
    """The printable ASCII of an HTML fragment's text without its tags and references (the
    same whatever the page's encoding, and however lxml wrote what it read)."""
    return _INVISIBLE.sub("", _MARKUP.sub("", html))


def _same_text(text_html: str, span: bytes) -> bool:
    """Whether the raw container holds the text lxml read there (the spans are matched right)."""
    return _visible(span.decode("latin-1")) == _visible(text_html)


def _shown_total(printable: PrintableStory, page: Page, story: Story | None = None) -> int | None:
    """The story's word count on the page (``story``: the page's header as a caller read it
    already, :func:`printable_record`), when the page shows every chapter of it."""
    sid = urls.script_and_query(page.url)[1].get("sid", "")
    if story is None and sid.isdigit():
        story = printable_record(printable, page, urls.normalise_base(page.url), int(sid), DEFAULT_FORMAT)
    if story is None or story.chapter_count != len(printable.chapters):
        return None
    return story.word_count


def settle(bounds: dict[int, tuple[int, int]], total: int | None) -> dict[int, int]:
    """The counts the bounds and the story's total decide (see the module docstring)."""
    exact = {n: low for n, (low, high) in bounds.items() if low == high}
    if total is None:
        return exact
    lowest, highest = sum(b[0] for b in bounds.values()), sum(b[1] for b in bounds.values())
    if not lowest <= total <= highest:
        return {}
    if total in (lowest, highest):
        return {n: b[0] if total == lowest else b[1] for n, b in bounds.items()}
    return exact  # a total in between is no proof: a stale total would pass for one


def printable_word_counts(page: Page, encoding: str | None = None, header: Story | None = None) -> dict[int, int]:
    """Chapter number -> word count as eFiction computed it, from a printable view
    (``viewstory.php?action=printable&sid=N&chapter=all``; ``chapter=K`` gives that one).
    Chapters whose count the page does not decide are left out; a page that shows no story
    (a gate, an error page) gives ``{}``.  ``encoding`` is only for reading the page's
    structure: the count is made on the raw bytes."""
    try:  # the parse the spider kept, if any
        printable = parse_once(parse_printable, page, encoding)
    except (ParseError, StoryUnavailable):
        return {}
    shown = [c for c in printable.chapters.values() if c.has_text]
    spans = chapter_containers(page.body)
    if len(spans) != len(shown):
        return {}
    fixed = punctuation_fixed(page.body)
    bounds = {c.number: shown_bounds(span, fixed) for c, span in zip(shown, spans)
              if _same_text(c.text_html, span)}
    complete = len(bounds) == len(printable.chapters)
    return settle(bounds, _shown_total(printable, page, header) if complete else None)
