"""A story's metadata block (listing, index, printable view) read into fields.

The block is tokenised (labels, links, text, line breaks, block boundaries; furniture and other
stories' parts skipped: :class:`mirror.parsing.scope.Region`) and split at labels.  A value runs
to the next label, line break or block, or to a separator between values (``·``, ``|``,
``::``); separators and brackets are trimmed off values.  Link patterns eFiction's PHP writes
(categories, characters, classes, series, challenges) win over labels.  Values without a label
are read too: the summary (a skin's own summary element, or the text between the title line and
the first label), completion as a sentence or a bare Yes/No, and "N chapters (M words)".
Unknown ``Label: value`` pairs are kept in ``extra``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.html
from lxml import etree

from mirror import urls
from mirror.items import Series, Tag
from mirror.parsing.dates import DateFormatError, infer_date_format, parse_date
from mirror.parsing.labels import (_NOT_METADATA, EMPTY_VALUES, NO, SEPARATOR_SPLIT, YES, clean_value,
                                   completion_sentence, is_label, label_key, label_name)
from mirror.parsing.scope import Region

_BLOCK_TAGS = {"div", "p", "table", "tr", "td", "th", "li", "ul", "ol", "dl", "dt", "dd",
               "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "form", "center", "body"}
_INT = re.compile(r"\d[\d,.\s]*")
_LENGTH = re.compile(r"(\d[\d,.]*)\s*(?:chapters?|kapitel|chapitres?|cap[ií]tulos?|capitoli|hoofdstukken)"
                     r"\W*?(?:\(\s*)?(\d[\d,.\s]*)\s*(?:words?|w[öo]rter|mots|palabras|parole|woorden|palavras)",
                     re.IGNORECASE)


def query(href: str) -> tuple[str, dict[str, str]]:
    return urls.script_and_query(href.replace("&amp;", "&"))


def text_of(el: etree._Element | None) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def to_int(text: str | None) -> int | None:
    match = _INT.search(text or "")
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group(0))
    return int(digits) if digits else None


@dataclass
class Token:
    kind: str  # label, link, text, br, img, break
    text: str = ""
    href: str = ""
    el: etree._Element | None = None


def tokens(el: etree._Element, out: list[Token], top: bool = True,
           skip: set[etree._Element] | frozenset = frozenset()) -> list[Token]:
    """The element's content as tokens; subtrees in ``skip`` (furniture) give none."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if el in skip:
        pass
    elif is_label(el):
        out.append(Token("label", label_name(el), el=el))
    elif tag == "a":
        out.append(Token("link", text_of(el), el.get("href", ""), el))
    elif tag == "br":
        out.append(Token("br"))
    elif tag == "img":
        out.append(Token("img", el.get("alt", ""), el.get("src", ""), el))
    elif tag in ("script", "style", "select", "form") or not tag:
        pass
    else:
        if tag in _BLOCK_TAGS:
            out.append(Token("break"))
        if el.text:
            out.append(Token("text", el.text))
        for child in el:
            tokens(child, out, top=False, skip=skip)
        if tag in _BLOCK_TAGS:
            out.append(Token("break"))
    if el.tail and not top:
        out.append(Token("text", el.tail))
    return out


def region_tokens(region: Region) -> list[Token]:
    return tokens(region.root, [], skip=region.skip)


@dataclass
class Segment:
    label: str  # as displayed, e.g. "Genres"
    key: str | None  # normalised field name, None when unknown
    tokens: list[Token]

    @property
    def text(self) -> str:
        return clean_value(" ".join(t.text for t in self.tokens if t.kind in ("text", "link")))


def _split_separators(token: Token) -> list[Token]:
    """A text token cut at the separators between values (each piece, then a "sep")."""
    pieces = SEPARATOR_SPLIT.split(token.text)
    if len(pieces) == 1:
        return [token]
    out: list[Token] = []
    for i, piece in enumerate(pieces):
        if i:
            out.append(Token("sep"))
        if piece:
            out.append(Token("text", piece))
    return out


def segments(stream: list[Token]) -> tuple[list[Token], list[Segment], list[Token]]:
    """Split a token stream at labels: (tokens before the first label, the labelled segments,
    the loose text pieces no label claims, after a value ended at a separator or a line's end)."""
    head: list[Token] = []
    found: list[Segment] = []
    loose: list[Token] = []
    current: list[Token] | None = None
    for raw in stream:
        for token in (_split_separators(raw) if raw.kind == "text" else [raw]):
            if token.kind == "label":
                current = []
                found.append(Segment(token.text, label_key(token.text), current))
            elif current is None:
                (loose if found else head).append(token)
            elif token.kind in ("br", "break", "sep"):
                if any(t.kind in ("text", "link") and t.text.strip() for t in current):
                    current = None  # a value may start on the next line, but stops at its end
            else:
                current.append(token)
    return head, found, [t for t in loose if t.kind == "text" and clean_value(t.text)]


def link_tags(stream: Iterable[Token], script: str, key: str) -> list[Tag]:
    tags: list[Tag] = []
    for token in stream:
        if token.kind != "link":
            continue
        name, params = query(token.href)
        if name == script and params.get(key, "").isdigit():
            tag = Tag(int(params[key]), token.text)
            if tag not in tags:
                tags.append(tag)
    return tags


def text_tags(segment: Segment | None) -> list[Tag]:
    """Plain-text values (e.g. the printable view): "A, B, C"."""
    if segment is None or segment.text.lower() in EMPTY_VALUES:
        return []
    return [Tag(None, name.strip()) for name in segment.text.split(",") if name.strip()]


@dataclass
class Meta:
    """Fields read from a story's metadata block (index, listing or printable)."""

    fields: dict
    extra: dict[str, str]
    warnings: list[str]
    found: set[str]  # the fields the block showed (labelled or not)


def _rating(segment: Segment) -> str | None:
    """The rating name is plain text; stars, review links or another value may follow."""
    words = []
    for token in segment.tokens:
        if token.kind != "text" or "[" in token.text:
            words.append(token.text.split("[")[0] if token.kind == "text" else "")
            break
        words.append(token.text)
    return clean_value("".join(words)) or None


def _completed(by_key: dict[str, Segment], loose: list[Token], warnings: list[str]) -> bool | None:
    segment = by_key.get("completed")
    if segment is not None:
        word = segment.text.lower()
        value = True if word in YES else False if word in NO else completion_sentence(word)
        if value is None:
            warnings.append(f"completed: unknown value {word!r}")
        return value
    for token in loose:  # "Story is Complete", or a bare Yes/No no label claims
        word = clean_value(token.text).lower()
        value = True if word in YES else False if word in NO else completion_sentence(word)
        if value is not None:
            return value
    return None


def _length(texts: Iterable[str]) -> tuple[int, int] | None:
    """(chapters, words) from "5 chapters (4619 words)", wherever the block shows it."""
    for text in texts:
        match = _LENGTH.search(text)
        if match:
            return to_int(match.group(1)), to_int(match.group(2))
    return None


def _counts(fields: dict, by_key: dict[str, Segment], segs: list[Segment], loose: list[Token],
            url: str, error) -> None:
    for key in ("chapters", "word_count", "read_count"):
        segment = by_key.get(key)
        if segment is None:
            continue
        value = to_int(segment.text)
        if value is None and segment.text:
            raise error(url, key, f"expected a number, got {segment.text!r}")
        fields["chapter_count" if key == "chapters" else key] = value
    length = _length([s.text for s in segs if s.key in ("length", "chapters", None)] + [t.text for t in loose])
    if length is not None:  # what a labelled count said wins
        fields.setdefault("chapter_count", length[0])
        fields.setdefault("word_count", length[1])


def _named_month_date(shown: str):
    """A date the site's format (guessed from a listing that showed none) cannot read, read by the
    one format that fits it when it names its month ("03 Mar 2007"): never ambiguous."""
    guess = infer_date_format([shown])
    if guess.format is None or not guess.certain or not any(c in guess.format for c in "MF"):
        return None
    try:
        return parse_date(shown, guess.format)
    except DateFormatError:
        return None


def _dates(fields: dict, by_key: dict[str, Segment], date_format: str, warnings: list[str]) -> None:
    for key in ("published", "updated"):
        if key in by_key:
            shown = by_key[key].text
            fields[f"{key}_display"] = shown
            try:
                fields[key] = parse_date(shown, date_format)
            except DateFormatError as exc:
                fields[key] = _named_month_date(shown)
                if fields[key] is None:
                    warnings.append(f"{key}: {exc}")


def _classes(segs: list[Segment], stream: list[Token], extra: dict[str, str]) -> dict[str, list[Tag]]:
    classes: dict[str, list[Tag]] = {}
    labelled = set()
    for segment in segs:
        labelled |= {id(t.el) for t in segment.tokens}
        if segment.key:
            continue
        class_tags = link_tags(segment.tokens, "browse.php", "classid")
        if class_tags or segment.text.lower() in EMPTY_VALUES:
            classes.setdefault(segment.label, []).extend(class_tags)
        elif segment.label and segment.text:
            extra.setdefault(segment.label, segment.text)
    for token in stream:  # class links outside any labelled line still count, under their type id
        if token.kind == "link" and id(token.el) not in labelled:
            name, params = query(token.href)
            if name == "browse.php" and params.get("type") == "class" and params.get("classid", "").isdigit():
                classes.setdefault(f"type {params.get('type_id', '?')}", []).append(
                    Tag(int(params["classid"]), token.text))
    return classes


def parse_block(region: Region, url: str, date_format: str, base: str, error,
                summary_html: str = "") -> Meta:
    """The fields of the metadata block in ``region``; ``error(url, field, message)`` builds the
    parse error for a value that cannot be read."""
    stream = region_tokens(region)
    _, segs, loose = segments(stream)
    by_key: dict[str, Segment] = {}
    for segment in segs:
        if segment.key and segment.key not in _NOT_METADATA:
            by_key.setdefault(segment.key, segment)
    extra: dict[str, str] = {}
    warnings: list[str] = []
    classes = _classes(segs, stream, extra)
    series = [Series(t.id, t.name, urls.series_url(base, t.id))
              for t in link_tags(stream, "viewseries.php", "seriesid") if t.id is not None]
    if not series and by_key.get("series") and by_key["series"].text.lower() not in EMPTY_VALUES:
        warnings.append(f"series named without a link: {by_key['series'].text!r}")
    fields: dict = {
        "summary_html": summary_html,
        "categories": link_tags(stream, "browse.php", "catid") or text_tags(by_key.get("categories")),
        "characters": link_tags(stream, "browse.php", "charid") or text_tags(by_key.get("characters")),
        "classes": classes,
        "challenges": link_tags(stream, "challenges.php", "chalid") or text_tags(by_key.get("challenges")),
        "series": series,
        "featured": any(t.kind == "img" and "blueribbon" in t.href for t in stream),
        "retired": any(t.kind == "img" and "redribbon" in t.href for t in stream),
    }
    if "rating" in by_key:
        fields["rating"] = _rating(by_key["rating"])
    _counts(fields, by_key, segs, loose, url, error)
    completed = _completed(by_key, loose, warnings)
    if completed is not None or "completed" in by_key:
        fields["completed"] = completed
    _dates(fields, by_key, date_format, warnings)
    found = set(by_key) | {k for k in ("chapter_count", "word_count", "completed") if fields.get(k) is not None}
    return Meta(fields, extra, warnings, found)


# --- the summary -----------------------------------------------------------------------------------

def _is_ribbon(el: etree._Element) -> bool:
    """The featured (blue) or past-featured (red) ribbon eFiction puts before a summary."""
    return el.tag == "img" and any(r in (el.get("src") or "") for r in ("blueribbon", "redribbon"))


def nodes_html(first_text: str | None, nodes: Iterable[etree._Element]) -> str:
    parts = [first_text or ""]
    for node in nodes:
        parts.append(lxml.html.tostring(node, encoding="unicode", method="html", with_tail=True))
    html = "".join(parts).strip()
    return re.sub(r"(\s*<br\s*/?>\s*)+$", "", html).strip()


def inner_html(el: etree._Element | None) -> str:
    """The element's content as HTML (characters, not entities), trimmed."""
    if el is None:
        return ""
    return nodes_html(el.text, list(el))


def _ends_summary(el: etree._Element) -> bool:
    """The summary runs to the next label eFiction's PHP writes or one the tables know (a bold
    "Note:" inside a summary does not end it)."""
    return is_label(el) and ("label" in (el.get("class") or "") or label_key(label_name(el)) is not None)


def labelled_value_html(label: etree._Element) -> str:
    """The HTML value after a label (a summary, story notes): its tail and following siblings up
    to the next label, or the next cell; a label wrapped alone in ``<i>``/``<span>`` counts as
    its wrapper."""
    while (label.getparent() is not None and label.getparent().tag in ("i", "em", "span", "font", "u", "b", "strong")
           and len(label.getparent()) == 1 and not (label.getparent().text or "").strip()
           and not (label.tail or "").strip()):
        label = label.getparent()
    return _labelled_summary(label)


def _labelled_summary(label: etree._Element) -> str:
    first_text, nodes = label.tail or "", []
    for sibling in label.itersiblings():
        if _ends_summary(sibling) or isinstance(sibling.tag, str) and any(
                _ends_summary(el) for el in sibling.iterdescendants()):
            break
        if not nodes and not first_text.strip() and _is_ribbon(sibling):
            first_text += sibling.tail or ""  # the site's featured marker, not the summary
            continue
        nodes.append(sibling)
    if first_text.strip() or nodes and not (len(nodes) == 1 and nodes[0].tag in ("td", "dd")):
        return nodes_html(first_text, nodes)
    if nodes:  # a table cell or a definition: the value is the next cell
        return inner_html(nodes[0])
    holder = label.getparent()  # the label alone in its element, the value in the next one
    following = holder.getnext() if holder is not None else None
    return inner_html(following) if following is not None else ""


_SUMMARY_WORDS = re.compile(r"\b(summary|synopsis|blurb|storysummary)\b", re.IGNORECASE)


_LEADING_RIBBON = re.compile(r"^\s*<img\b[^>]*(?:blueribbon|redribbon)[^>]*>\s*", re.IGNORECASE)


def summary_html(region: Region, title_line: etree._Element | None = None, own_links=()) -> str:
    """The summary (without the featured ribbon eFiction puts before it): after its label; else
    the skin's own summary element; else what stands between the title line and the first label."""
    return _LEADING_RIBBON.sub("", _summary_html(region, title_line, own_links))


def _summary_html(region: Region, title_line: etree._Element | None, own_links) -> str:
    labels = [el for el in region.iter() if is_label(el)]
    for label in labels:
        if label_key(label_name(label)) == "summary":
            return labelled_value_html(label)
    for el in region.iter():
        if isinstance(el.tag, str) and _SUMMARY_WORDS.search(f"{el.get('class') or ''} {el.get('id') or ''}") \
                and not is_label(el):
            return inner_html(el)
    if title_line is None or not labels:
        return ""
    return _between(region, title_line, labels[0], set(own_links))


def _between(region: Region, start: etree._Element, end: etree._Element, own: set) -> str:
    chain_start = [start, *start.iterancestors()]
    chain_end = [end, *end.iterancestors()]
    common = next((a for a in chain_start if a in chain_end), None)
    if common is None or common is start or common is end:
        return ""
    first = chain_start[chain_start.index(common) - 1]
    last = chain_end[chain_end.index(common) - 1]
    nodes = []
    for sibling in first.itersiblings():
        if sibling is last:
            break
        if region.excludes(sibling) or any(a in own for a in sibling.iter("a")) or not isinstance(sibling.tag, str):
            continue
        nodes.append(sibling)
    text = " ".join([first.tail or ""] + [n.text_content() for n in nodes])
    if not clean_value(text):
        return ""
    if len(nodes) == 1 and not (first.tail or "").strip() and not (nodes[0].tail or "").strip():
        return inner_html(nodes[0])  # the skin's own element around the summary
    return nodes_html(first.tail, nodes)

