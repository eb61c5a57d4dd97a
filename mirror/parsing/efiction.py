"""Pure parsers for eFiction 3.x pages.

Every function takes a saved response (:class:`mirror.items.Page`: URL, status,
headers, body bytes) and returns plain data; nothing here touches the network
or the database.  Metadata is read by the link patterns eFiction's PHP writes
(stable across skins) first, and by the labels of the skin's templates second.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import lxml.html
from lxml import etree

from mirror import urls
from mirror.items import (STATUS_INCOMPLETE, STATUS_RESTRICTED, Author, Chapter, Page, Series, Story, StoryPages,
                          Tag)
from mirror.parsing.dates import DEFAULT_FORMAT as DEFAULT_DATE_FORMAT
from mirror.parsing.dates import DateFormatError, parse_date
from mirror.parsing.encoding import decode_body

T = TypeVar("T")


class ParseError(ValueError):
    """A page that cannot be parsed: names the URL and the field."""

    def __init__(self, url: str, field: str, message: str):
        super().__init__(f"{url}: cannot parse {field}: {message}")
        self.url, self.field, self.message = url, field, message


class StoryUnavailable(ValueError):
    """The site refused the story (access denied, gate we cannot pass, SQL error page)."""

    def __init__(self, url: str, reason: str, message: str):
        super().__init__(f"{url}: {message}")
        self.url, self.reason = url, reason


# --- labels: one table per language (lower case, as the skins and language files write them) ------

LABELS_BY_LANGUAGE: dict[str, dict[str, str]] = {
    "en": {
        "summary": "summary", "rated": "rating", "rating": "rating", "categories": "categories",
        "category": "categories", "characters": "characters", "challenges": "challenges",
        "challenge": "challenges", "series": "series", "chapters": "chapters",
        "completed": "completed", "complete": "completed", "word count": "word_count",
        "words": "word_count", "read count": "read_count", "read": "read_count", "reads": "read_count",
        "hits": "read_count", "published": "published", "updated": "updated",
        "story notes": "story_notes", "reviews": "reviews",
        "author's chapter notes": "chapter_notes", "author's notes": "chapter_notes",
        "chapter end notes": "end_notes", "end notes": "end_notes",
    },
    "de": {
        "zusammenfassung": "summary", "inhalt": "summary", "altersfreigabe": "rating",
        "altersbeschränkung": "rating", "bewertung": "rating", "kategorien": "categories",
        "kategorie": "categories", "charaktere": "characters", "personen": "characters",
        "figuren": "characters", "herausforderungen": "challenges", "challenges": "challenges",
        "serie": "series", "serien": "series", "reihe": "series", "kapitel": "chapters",
        "abgeschlossen": "completed", "fertig": "completed", "beendet": "completed",
        "wörter": "word_count", "wortanzahl": "word_count", "wortzahl": "word_count",
        "gelesen": "read_count", "aufrufe": "read_count", "zugriffe": "read_count",
        "veröffentlicht": "published", "erstellt": "published", "aktualisiert": "updated",
        "anmerkungen zur geschichte": "story_notes", "notizen zur geschichte": "story_notes",
        "vorwort": "story_notes", "reviews": "reviews", "kommentare": "reviews",
        "anmerkungen des autors": "chapter_notes", "schlussbemerkungen": "end_notes",
        "nachwort": "end_notes",
    },
    "fr": {
        "résumé": "summary", "classement": "rating", "rating": "rating", "catégories": "categories",
        "catégorie": "categories", "personnages": "characters", "défis": "challenges",
        "série": "series", "séries": "series", "chapitres": "chapters", "terminée": "completed",
        "terminé": "completed", "complète": "completed", "nombre de mots": "word_count",
        "mots": "word_count", "lu": "read_count", "lectures": "read_count", "publiée": "published",
        "publié": "published", "mise à jour": "updated", "mis à jour": "updated",
        "notes de l'histoire": "story_notes", "notes de l'auteur": "chapter_notes",
        "notes de fin": "end_notes", "reviews": "reviews", "commentaires": "reviews",
    },
    "es": {
        "resumen": "summary", "clasificación": "rating", "calificación": "rating",
        "categorías": "categories", "categoría": "categories", "personajes": "characters",
        "desafíos": "challenges", "retos": "challenges", "serie": "series", "series": "series",
        "capítulos": "chapters", "completado": "completed", "completa": "completed",
        "terminado": "completed", "palabras": "word_count", "número de palabras": "word_count",
        "leído": "read_count", "lecturas": "read_count", "publicado": "published",
        "actualizado": "updated", "notas de la historia": "story_notes",
        "notas del autor": "chapter_notes", "notas finales": "end_notes", "comentarios": "reviews",
    },
    "it": {
        "riassunto": "summary", "trama": "summary", "sommario": "summary", "rating": "rating",
        "valutazione": "rating", "categorie": "categories", "categoria": "categories",
        "personaggi": "characters", "sfide": "challenges", "serie": "series", "capitoli": "chapters",
        "completa": "completed", "completata": "completed", "completo": "completed",
        "parole": "word_count", "numero di parole": "word_count", "letto": "read_count",
        "letture": "read_count", "pubblicato": "published", "pubblicata": "published",
        "aggiornato": "updated", "aggiornata": "updated", "note della storia": "story_notes",
        "note dell'autore": "chapter_notes", "note finali": "end_notes", "recensioni": "reviews",
    },
    "nl": {
        "samenvatting": "summary", "beoordeling": "rating", "leeftijd": "rating",
        "categorieën": "categories", "categorie": "categories", "personages": "characters",
        "uitdagingen": "challenges", "serie": "series", "reeks": "series", "hoofdstukken": "chapters",
        "voltooid": "completed", "compleet": "completed", "afgerond": "completed",
        "woorden": "word_count", "aantal woorden": "word_count", "gelezen": "read_count",
        "gepubliceerd": "published", "geplaatst": "published", "bijgewerkt": "updated",
        "verhaalnotities": "story_notes", "notities bij het verhaal": "story_notes",
        "notities van de auteur": "chapter_notes", "eindnotities": "end_notes", "reviews": "reviews",
    },
    "pt": {
        "resumo": "summary", "sinopse": "summary", "classificação": "rating", "categorias": "categories",
        "categoria": "categories", "personagens": "characters", "desafios": "challenges",
        "série": "series", "séries": "series", "capítulos": "chapters", "completa": "completed",
        "completo": "completed", "concluída": "completed", "concluído": "completed",
        "palavras": "word_count", "número de palavras": "word_count", "lido": "read_count",
        "leituras": "read_count", "publicado": "published", "publicada": "published",
        "atualizado": "updated", "atualizada": "updated", "notas da história": "story_notes",
        "notas do autor": "chapter_notes", "notas finais": "end_notes", "comentários": "reviews",
    },
}
# Every language at once (a label means the same field in every table it appears in).
LABELS: dict[str, str] = {}
for _table in LABELS_BY_LANGUAGE.values():
    for _name, _key in _table.items():
        assert LABELS.setdefault(_name, _key) == _key, _name
# Labels that are not story metadata (notes boxes, review links).
_NOT_METADATA = {"story_notes", "reviews", "chapter_notes", "end_notes"}
YES = {"yes", "y", "true", "1", "ja", "oui", "sí", "si", "sì", "sim"}
NO = {"no", "n", "false", "0", "nein", "non", "nee", "não", "nao"}
EMPTY_VALUES = {"none", "orphan", "", "keine", "kein", "aucun", "aucune", "ninguno", "ninguna",
                "nessuno", "nessuna", "geen", "nenhum", "nenhuma"}


def label_key(name: str, language: str | None = None) -> str | None:
    """The field a label names (``"Zusammenfassung:"`` -> ``"summary"``), None when unknown;
    ``language``: look in that language's table (and English) only; None: in every table."""
    name = " ".join(name.split()).rstrip(":").strip().lower()
    if language in LABELS_BY_LANGUAGE:
        return LABELS_BY_LANGUAGE[language].get(name) or LABELS_BY_LANGUAGE["en"].get(name)
    return LABELS.get(name)


def label_language(names: Iterable[str]) -> str | None:
    """The language whose label table knows most of these labels (English wins ties), or None."""
    names = list(names)
    counts = {lang: sum(1 for n in names if " ".join(n.split()).rstrip(":").strip().lower() in table)
              for lang, table in LABELS_BY_LANGUAGE.items()}
    best = max(counts.values(), default=0)
    if not best:
        return None
    return "en" if counts["en"] == best else next(lang for lang, c in counts.items() if c == best)

FATAL_ERROR_TEXT = "A fatal MySQL error was encountered"
ACCESS_DENIED_TEXT = "Access denied"
MEMBERS_ONLY_TEXT = "Registered Users Only"

_BLOCK_TAGS = {"div", "p", "table", "tr", "td", "th", "li", "ul", "ol", "dl", "dt", "dd",
               "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "form", "center", "body"}
_INT = re.compile(r"\d[\d,.\s]*")
_WORDS = re.compile(r"\(\s*(\d[\d,.]*)\s*[^\W\d_]+\s*\)")
_JS_LOCATION = re.compile(r"location\s*=\s*['\"]([^'\"]+)['\"]")


# --- documents -----------------------------------------------------------------------------------

def parse_document(page: Page, encoding: str | None = None) -> lxml.html.HtmlElement:
    text = decode_body(page.body, page.headers, encoding)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    if not text.strip():
        raise ParseError(page.url, "body", "the page is empty")
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(page.url, "body", f"not HTML ({exc})") from exc


def _parse_key(parse: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    return (f"{parse.__module__}.{parse.__qualname__}", args)


def parse_and_keep(parse: Callable[..., T], page: Page, *args: Any) -> T:
    """``parse(page, *args)``, the result kept on the page for :func:`parse_kept`.  The spider
    parses some pages to route the crawl (a printable view for the chapters it holds, a page of
    reviews or a series for its page links); the pipeline then takes that parse."""
    result = parse(page, *args)
    page.parsed[_parse_key(parse, args)] = result
    return result


def parse_kept(parse: Callable[..., T], page: Page, *args: Any) -> T:
    """The parse :func:`parse_and_keep` kept with these very arguments (then let go: it is used
    once), else ``parse(page, *args)``."""
    key = _parse_key(parse, args)
    if key in page.parsed:
        return page.parsed.pop(key)
    return parse(page, *args)


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def _text(el: etree._Element | None) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def _spaced_text(el: etree._Element) -> str:
    """Text with a space between elements: for messages split by <br />."""
    return " ".join(" ".join(el.itertext()).split())


def inner_html(el: etree._Element | None) -> str:
    """The element's content as HTML (characters, not entities), trimmed."""
    if el is None:
        return ""
    parts = [el.text or ""]
    for child in el:
        parts.append(lxml.html.tostring(child, encoding="unicode", method="html", with_tail=True))
    return "".join(parts).strip()


def _nodes_html(first_text: str | None, nodes: Iterable[etree._Element]) -> str:
    parts = [first_text or ""]
    for node in nodes:
        parts.append(lxml.html.tostring(node, encoding="unicode", method="html", with_tail=True))
    html = "".join(parts).strip()
    return re.sub(r"(\s*<br\s*/?>\s*)+$", "", html).strip()


def _query(href: str) -> tuple[str, dict[str, str]]:
    return urls.script_and_query(href.replace("&amp;", "&"))


def _int(text: str | None) -> int | None:
    match = _INT.search(text or "")
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group(0))
    return int(digits) if digits else None


def _label_name(el: etree._Element) -> str:
    text = re.sub(r"\[[^\]]*\]", " ", el.text_content())
    return " ".join(text.split()).rstrip(":").strip()


_LABEL_TAGS = {"span", "b", "strong", "th", "td", "dt", "em", "i", "label", "div"}
_BOLD_TAGS = {"b", "strong", "th", "dt"}


def _is_label(el: etree._Element, bold: bool = False) -> bool:
    """A metadata label: an element of class ``label`` (eFiction's templates), or, on skins
    without them (``bold``), a short ``<b>``/``<strong>``/``<th>``/``<dt>`` ending in ':'."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _LABEL_TAGS and "label" in _classes(el) and tag != "div":
        return True
    if not bold or tag not in _BOLD_TAGS or len(el):
        return False
    text = " ".join((el.text or "").split())
    return text.endswith(":") and 1 < len(text) <= 40


def _uses_bold_labels(root: etree._Element) -> bool:
    """No ``class="label"`` metadata label (notes boxes apart, which eFiction's PHP writes on every
    skin): the skin writes its labels in bold."""
    return not any(_is_label(el) and label_key(_label_name(el)) not in _NOT_METADATA
                   for el in root.iter("span", "b", "strong", "th", "td", "dt", "em", "i", "label"))


# --- page states -----------------------------------------------------------------------------------

@dataclass
class Gate:
    """An interstitial instead of the story: warning, age consent or members only."""

    kind: str  # "warning", "ageconsent", "members", "denied", "fatal"
    text: str
    title: str = ""
    params: dict[str, str] = field(default_factory=dict)  # to append to pass the gate


def shows_fatal_error(doc: etree._Element) -> bool:
    """Whether the page shows eFiction's SQL error (:data:`FATAL_ERROR_TEXT`), whatever the
    spacing and case.  Every page is asked, and a printable view holds a whole story: the
    spacing is only normalised when the page says "MySQL" at all."""
    text = doc.text_content()
    return "mysql" in text.lower() and FATAL_ERROR_TEXT.lower() in " ".join(text.split()).lower()


def detect_gate(page: Page, doc: lxml.html.HtmlElement | None = None) -> Gate | None:
    """Return the gate or error a viewstory page shows in place of the story, if any."""
    doc = doc if doc is not None else parse_document(page)
    if shows_fatal_error(doc):
        return Gate("fatal", FATAL_ERROR_TEXT)
    if doc.xpath("//div[@id='story'] | //div[contains(concat(' ', @class, ' '), ' chapter ')]"):
        return None
    errors = doc.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' errortext ')]")
    if not errors:
        return None
    box = errors[0]
    title = _text(next(iter(doc.xpath("//*[@id='pagetitle']")), None))
    text = _spaced_text(box)
    for link in box.iter("a"):
        script, query = _query(link.get("href", ""))
        if script == "viewstory.php" and ({"warning", "ageconsent"} & query.keys()):
            params = {k: v for k, v in query.items() if k in ("ageconsent", "warning")}
            kind = "ageconsent" if "ageconsent" in params else "warning"
            return Gate(kind, text, title, params)
    if MEMBERS_ONLY_TEXT.lower() in text.lower():
        return Gate("members", text, title)
    if ACCESS_DENIED_TEXT.lower() in text.lower():
        return Gate("denied", text, title)
    return Gate("denied", text, title)


# --- metadata blocks -----------------------------------------------------------------------------

@dataclass
class _Token:
    kind: str  # label, link, text, br, img, break
    text: str = ""
    href: str = ""
    el: etree._Element | None = None


def _tokens(el: etree._Element, out: list[_Token], top: bool = True, bold: bool | None = None) -> list[_Token]:
    tag = el.tag if isinstance(el.tag, str) else ""
    if bold is None:
        bold = _uses_bold_labels(el)
    if _is_label(el, bold):
        out.append(_Token("label", _label_name(el), el=el))
    elif tag == "a":
        out.append(_Token("link", _text(el), el.get("href", ""), el))
    elif tag == "br":
        out.append(_Token("br"))
    elif tag == "img":
        out.append(_Token("img", el.get("alt", ""), el.get("src", ""), el))
    elif tag in ("script", "style", "select", "form") or not tag:
        pass
    else:
        if tag in _BLOCK_TAGS:
            out.append(_Token("break"))
        if el.text:
            out.append(_Token("text", el.text))
        for child in el:
            _tokens(child, out, top=False, bold=bold)
        if tag in _BLOCK_TAGS:
            out.append(_Token("break"))
    if el.tail and not top:
        out.append(_Token("text", el.tail))
    return out


@dataclass
class _Segment:
    label: str  # as displayed, e.g. "Genres"
    key: str | None  # normalised field name, None when unknown
    tokens: list[_Token]

    @property
    def text(self) -> str:
        return " ".join(" ".join(t.text for t in self.tokens if t.kind in ("text", "link")).split())


def _segments(tokens: list[_Token]) -> tuple[list[_Token], list[_Segment]]:
    """Split a token stream at labels; a value stops at a line break or block boundary."""
    head: list[_Token] = []
    segments: list[_Segment] = []
    current: list[_Token] | None = None
    for token in tokens:
        if token.kind == "label":
            name = token.text
            current = []
            segments.append(_Segment(name, label_key(name), current))
        elif current is None:
            head.append(token)
        elif token.kind in ("br", "break"):
            if current:  # a value may start on the next line, but stops at the end of one
                current = []
        else:
            current.append(token)
    return head, segments


def _link_tags(tokens: Iterable[_Token], script: str, key: str) -> list[Tag]:
    tags: list[Tag] = []
    for token in tokens:
        if token.kind != "link":
            continue
        name, query = _query(token.href)
        if name == script and query.get(key, "").isdigit():
            tag = Tag(int(query[key]), token.text)
            if tag not in tags:
                tags.append(tag)
    return tags


def _text_tags(segment: _Segment | None) -> list[Tag]:
    """Plain-text values (e.g. the printable view): "A, B, C"."""
    if segment is None or segment.text.lower() in EMPTY_VALUES:
        return []
    return [Tag(None, name.strip()) for name in segment.text.split(",") if name.strip()]


@dataclass
class _Meta:
    """Fields read from a story's metadata block (index, listing or printable)."""

    fields: dict
    extra: dict[str, str]
    warnings: list[str]


def _is_ribbon(el: etree._Element) -> bool:
    """The featured (blue) or past-featured (red) ribbon eFiction puts before a summary."""
    return el.tag == "img" and any(r in (el.get("src") or "") for r in ("blueribbon", "redribbon"))


def _summary_html(block: etree._Element) -> str:
    bold = _uses_bold_labels(block)
    for label in block.iter():
        if _is_label(label, bold) and label_key(_label_name(label)) == "summary":
            first_text, nodes = label.tail or "", []
            for sibling in label.itersiblings():
                if _is_label(sibling, bold):
                    break
                if not nodes and not first_text.strip() and _is_ribbon(sibling):
                    first_text += sibling.tail or ""  # the site's featured marker, not the summary
                    continue
                nodes.append(sibling)
            return _nodes_html(first_text, nodes)
    return ""


def _parse_block(block: etree._Element, url: str, date_format: str, base: str) -> _Meta:
    tokens = _tokens(block, [])
    head, segments = _segments(tokens)
    by_key: dict[str, _Segment] = {}
    extra: dict[str, str] = {}
    classes: dict[str, list[Tag]] = {}
    warnings: list[str] = []
    for segment in segments:
        if segment.key:
            by_key.setdefault(segment.key, segment)
            continue
        class_tags = _link_tags(segment.tokens, "browse.php", "classid")
        if class_tags or segment.text.lower() in EMPTY_VALUES:
            classes.setdefault(segment.label, []).extend(class_tags)
        elif segment.label:
            extra[segment.label] = segment.text
    # class links outside any labelled line still count, under their type id
    labelled = {id(t.el) for s in segments for t in s.tokens}
    for token in tokens:
        if token.kind == "link" and id(token.el) not in labelled:
            name, query = _query(token.href)
            if name == "browse.php" and query.get("type") == "class" and query.get("classid", "").isdigit():
                classes.setdefault(f"type {query.get('type_id', '?')}", []).append(
                    Tag(int(query["classid"]), token.text))

    def tags(key: str, kind: str) -> list[Tag]:
        found = _link_tags(tokens, "browse.php", kind)
        return found or _text_tags(by_key.get(key))

    categories = [t for t in _link_tags(tokens, "browse.php", "catid")]
    if not categories:
        categories = _text_tags(by_key.get("categories"))
    series = [Series(t.id, t.name, urls.series_url(base, t.id))
              for t in _link_tags(tokens, "viewseries.php", "seriesid") if t.id is not None]
    if not series and by_key.get("series") and by_key["series"].text.lower() not in EMPTY_VALUES:
        warnings.append(f"series named without a link: {by_key['series'].text!r}")
    fields: dict = {
        "summary_html": _summary_html(block),
        "categories": categories,
        "characters": tags("characters", "charid"),
        "classes": classes,
        "challenges": (_link_tags(tokens, "challenges.php", "chalid")
                       or _text_tags(by_key.get("challenges"))),
        "series": series,
        "featured": any(t.kind == "img" and "blueribbon" in t.href for t in tokens),
        "retired": any(t.kind == "img" and "redribbon" in t.href for t in tokens),
    }
    if "rating" in by_key:  # the rating name is plain text; stars and review links may follow
        words = []
        for token in by_key["rating"].tokens:
            if token.kind != "text" or "[" in token.text:
                words.append(token.text.split("[")[0] if token.kind == "text" else "")
                break
            words.append(token.text)
        fields["rating"] = " ".join("".join(words).split()) or None
    for key in ("chapters", "word_count", "read_count"):
        if key in by_key:
            value = _int(by_key[key].text)
            if value is None and by_key[key].text:
                raise ParseError(url, key, f"expected a number, got {by_key[key].text!r}")
            fields["chapter_count" if key == "chapters" else key] = value
    if "completed" in by_key:
        word = by_key["completed"].text.lower()
        fields["completed"] = True if word in YES else False if word in NO else None
        if fields["completed"] is None:
            warnings.append(f"completed: unknown value {word!r}")
    for key in ("published", "updated"):
        if key in by_key:
            shown = by_key[key].text
            fields[f"{key}_display"] = shown
            try:
                fields[key] = parse_date(shown, date_format)
            except DateFormatError as exc:
                fields[key] = None
                warnings.append(f"{key}: {exc}")
    return _Meta(fields, extra, warnings)


def _block_for(labels: list[etree._Element]) -> etree._Element | None:
    """The smallest element holding every metadata label given."""
    if not labels:
        return None
    chains = [list(el.iterancestors()) for el in labels]
    for ancestor in chains[0]:
        if all(ancestor in chain for chain in chains[1:]):
            return ancestor
    return None


def _meta_labels(root: etree._Element, bold: bool | None = None) -> list[etree._Element]:
    """The labels of known metadata fields under ``root`` (notes and review labels left out)."""
    bold = _uses_bold_labels(root) if bold is None else bold
    found = []
    for el in root.iter():
        if _is_label(el, bold):
            key = label_key(_label_name(el))
            if key and key not in _NOT_METADATA:
                found.append(el)
    return found


def _authors(links: Iterable[etree._Element], base: str) -> list[Author]:
    authors: list[Author] = []
    for link in links:
        script, query = _query(link.get("href", ""))
        if script == "viewuser.php" and query.get("uid", "").isdigit():
            author = Author(int(query["uid"]), _text(link), urls.author_url(base, int(query["uid"])))
            if all(a.id != author.id for a in authors):
                authors.append(author)
    return authors


def _review_count(root: etree._Element, sid: int) -> int | None:
    for link in root.iter("a"):
        script, query = _query(link.get("href", ""))
        if (script == "reviews.php" and query.get("item") == str(sid) and "chapid" not in query
                and _text(link).isdigit()):
            return int(_text(link))
    return None


def _notes_html(div: etree._Element) -> str:
    info = div.xpath(".//*[contains(concat(' ', @class, ' '), ' noteinfo ')]")
    if info:
        return inner_html(info[0])
    clone = lxml.html.fromstring(lxml.html.tostring(div))
    for title in clone.xpath(".//*[contains(concat(' ', @class, ' '), ' title ')]"):
        title.drop_tree()
    return inner_html(clone)


def _before_by(text: str) -> str:
    """"Title by Author" -> "Title"; the last " by " (titles like "Stand by Me" keep theirs)."""
    match = re.match(r"(.*\S)\s+by\s+", text)
    return match.group(1) if match else text


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# --- story index (viewstory.php?sid=N&index=1) ---------------------------------------------------

def parse_story_index(page: Page, base: str, sid: int, date_format: str = "d/m/y",
                      encoding: str | None = None, *, doc: lxml.html.HtmlElement | None = None) -> Story:
    """Metadata and the chapter list from a story's table of contents (``doc``: the page's
    ``parse_document``, when the caller has it already)."""
    doc = doc if doc is not None else parse_document(page, encoding)
    gate = detect_gate(page, doc)
    if gate is not None:
        raise StoryUnavailable(page.url, gate.kind, f"story page shows {gate.kind}: {gate.text}")
    title_box = next(iter(doc.xpath("//*[@id='pagetitle']")), None)
    title = ""
    authors: list[Author] = []
    if title_box is not None:
        for link in title_box.iter("a"):
            script, query = _query(link.get("href", ""))
            if script == "viewstory.php" and query.get("sid") == str(sid) and not title:
                title = _text(link)
        authors = _authors(title_box.iter("a"), base)
    if not title:
        head_title = _text(next(iter(doc.xpath("//title")), None))
        title = _before_by(head_title)
    if not title:
        raise ParseError(page.url, "title", "no story title in #pagetitle or <title>")
    labels = [lab for lab in _meta_labels(doc) if not lab.xpath(f"ancestor::div[{_has_class('notes')}]")]
    block = _block_for(labels)
    if block is None:
        raise ParseError(page.url, "metadata", "no labelled metadata block (Summary:, Rated:, ...)")
    meta = _parse_block(block, page.url, date_format, base)
    if not authors:
        authors = _authors(block.iter("a"), base)
    if not authors:
        raise ParseError(page.url, "authors", "no viewuser.php?uid= link for the author")
    notes = doc.xpath(f"//div[{_has_class('notes')}]")
    story = Story(site=base, story_id=sid, url=urls.story_url(base, sid), title=title,
                  authors=authors, review_count=_review_count(doc, sid),
                  story_notes_html=_notes_html(notes[0]) if notes else "",
                  extra=meta.extra, **meta.fields)
    story.chapters = _index_chapters(doc, page.url, base, sid)
    if not story.chapters:
        story.chapters = _jump_menu_chapters(doc)
    if not story.chapters:
        raise ParseError(page.url, "chapters", "no chapter list in the story index")
    story.warnings = meta.warnings
    return story


def _index_chapters(doc: etree._Element, url: str, base: str, sid: int) -> list[Chapter]:
    body = doc.find("body") if doc.find("body") is not None else doc
    tokens = _tokens(body, [])
    chapters: dict[int, Chapter] = {}
    for position, token in enumerate(tokens):
        if token.kind != "link":
            continue
        script, query = _query(token.href)
        if not (script == "viewstory.php" and query.get("sid") == str(sid)
                and query.get("chapter", "").isdigit()):
            continue
        number = int(query["chapter"])
        line: list[_Token] = []
        for follower in tokens[position + 1:]:
            if follower.kind in ("br", "break"):
                if line and follower.kind == "br" or any(t.kind == "text" and t.text.strip() for t in line):
                    break
                continue
            line.append(follower)
        chapid = None
        for t in line:
            if t.kind == "link":
                s, q = _query(t.href)
                if s == "reviews.php" and q.get("chapid", "").isdigit():
                    chapid = int(q["chapid"])
                    break
        words = _WORDS.search(" ".join(t.text for t in line if t.kind == "text"))
        chapter = Chapter(number=number, id=chapid, title=token.text,
                          authors=_authors((t.el for t in line if t.kind == "link" and t.el is not None), base),
                          word_count=_int(words.group(1)) if words else None)
        chapters.setdefault(number, chapter)
    return [chapters[n] for n in sorted(chapters)]


def index_chapter_numbers(page: Page, sid: int) -> list[int]:
    """The chapter numbers a story index lists (for routing when no listing gave the count)."""
    numbers = set()
    for href in re.findall(rb"""href=["']([^"']*viewstory\.php\?[^"']*)["']""", page.body):
        _, query = _query(href.decode("latin-1"))
        if query.get("sid") == str(sid) and query.get("chapter", "").isdigit():
            numbers.add(int(query["chapter"]))
    return sorted(numbers)


def _jump_menu_chapters(doc: etree._Element) -> list[Chapter]:
    chapters = []
    for option in doc.xpath("//select[@name='chapter']/option"):
        value = option.get("value", "")
        if value.isdigit():
            title = re.sub(r"^\s*\d+\.\s*", "", _text(option))
            chapters.append(Chapter(number=int(value), id=None, title=title))
    return chapters


# --- chapter texts: printable view and chapter pages -----------------------------------------------

@dataclass
class ChapterText:
    number: int
    title: str
    text_html: str
    notes_html: str = ""
    end_notes_html: str = ""
    source_url: str = ""
    has_text: bool = False  # a text container was present (an empty chapter is still a chapter)


@dataclass
class PrintableStory:
    story_notes_html: str
    chapters: dict[int, ChapterText]


def parse_printable(page: Page, encoding: str | None = None) -> PrintableStory:
    """Every chapter's text and notes from ``viewstory.php?action=printable&chapter=all``."""
    doc = parse_document(page, encoding)
    gate = detect_gate(page, doc)
    if gate is not None:
        raise StoryUnavailable(page.url, gate.kind, f"printable view shows {gate.kind}: {gate.text}")
    xpath = (f"//div[{_has_class('chaptertitle')} or {_has_class('chapter')} or {_has_class('notes')}]")
    story_notes = ""
    chapters: dict[int, ChapterText] = {}
    current: ChapterText | None = None
    for div in doc.xpath(xpath):
        classes = _classes(div)
        if "chaptertitle" in classes:
            anchor = div.xpath(".//a[@name]")
            name = anchor[0].get("name", "") if anchor else ""
            if not name.isdigit():  # chapter=K prints one chapter without the '#K' anchor
                name = urls.script_and_query(page.url)[1].get("chapter", "")
            number = int(name) if name.isdigit() else len(chapters) + 1
            title = _before_by(_text(div))
            current = ChapterText(number, title, "", source_url=page.url)
            chapters[number] = current
        elif "notes" in classes:
            if current is None:
                story_notes = story_notes or _notes_html(div)
            elif current.has_text:
                current.end_notes_html = _notes_html(div)
            else:
                current.notes_html = _notes_html(div)
        elif "chapter" in classes and current is not None:
            current.text_html = inner_html(div)
            current.has_text = True
    return PrintableStory(story_notes, chapters)


def printable_chapter_numbers(page: Page, encoding: str | None = None) -> set[int]:
    """Chapters whose text the printable view gave (for the spider's fallback decision).  The
    parse is kept on the page for extract_story (it is the largest page of a story)."""
    try:
        printable = parse_and_keep(parse_printable, page, encoding)
    except (ParseError, StoryUnavailable):
        return set()
    return {n for n, c in printable.chapters.items() if c.has_text}


def parse_chapter_page(page: Page, number: int, encoding: str | None = None) -> tuple[ChapterText, str]:
    """One chapter from ``viewstory.php?sid=N&chapter=K``; returns (chapter, story notes)."""
    doc = parse_document(page, encoding)
    gate = detect_gate(page, doc)
    if gate is not None:
        raise StoryUnavailable(page.url, gate.kind, f"chapter page shows {gate.kind}: {gate.text}")
    story_div = next(iter(doc.xpath(f"//div[@id='story'] | //div[{_has_class('chapter')}]")), None)
    if story_div is None:
        raise ParseError(page.url, f"chapters[{number}].text", "no div#story or div.chapter on the chapter page")
    children = list(story_div)
    holder = story_div
    if len(children) == 1 and children[0].tag == "span" and not (story_div.text or "").strip() \
            and not (children[0].tail or "").strip():
        holder = children[0]
    title = ""
    for option in doc.xpath("//select[@name='chapter']/option[@selected]"):
        title = re.sub(r"^\s*\d+\.\s*", "", _text(option))
    chapter = ChapterText(number, title, inner_html(holder), source_url=page.url, has_text=True)
    story_notes = ""
    for div in doc.xpath(f"//div[{_has_class('notes')}]"):
        before = div in story_div.itersiblings(preceding=True) or bool(
            div.xpath("following::div[@id='story']"))
        label = _text(next(iter(div.xpath(".//*[contains(@class, 'label')] | .//b | .//strong")), None))
        if before and (label_key(label) == "story_notes" or "story" in label.lower()):
            story_notes = _notes_html(div)
        elif before:
            chapter.notes_html = _notes_html(div)
        else:
            chapter.end_notes_html = _notes_html(div)
    return chapter, story_notes


# --- listings (browse.php?type=titles) -------------------------------------------------------------

@dataclass
class ListingEntry:
    story_id: int
    title: str
    gate: dict[str, str]  # parameters that pass the story's gate (warning=, ageconsent=)
    members_only: bool
    story: Story  # the metadata the listing shows


@dataclass
class Listing:
    entries: list[ListingEntry]
    page_urls: list[str]  # other pages of the same listing (absolute, cleaned)


def _title_link_target(href: str) -> tuple[int, dict[str, str], bool] | None:
    """(sid, gate params, members only) for a story title link, else None."""
    href = href.replace("&amp;", "&")
    if href.lower().startswith("javascript:"):
        match = _JS_LOCATION.search(href)
        if not match:
            return None
        href = match.group(1).replace("&amp;", "&")
    script, query = urls.script_and_query(href)
    if not query.get("sid", "").isdigit():
        return None
    if script == "user.php":
        return int(query["sid"]), {}, True
    if script != "viewstory.php" or set(query) - {"sid", "warning", "ageconsent"}:
        return None
    gate = {k: v for k, v in query.items() if k in ("ageconsent", "warning")}
    return int(query["sid"]), gate, False


def parse_listing(page: Page, base: str, date_format: str = "d/m/y",
                  encoding: str | None = None) -> Listing:
    doc = parse_document(page, encoding)
    bold = _uses_bold_labels(doc)
    entries: dict[int, ListingEntry] = {}
    for link in doc.iter("a"):
        target = _title_link_target(link.get("href", ""))
        if target is None or target[0] in entries:
            continue
        sid, gate, members_only = target
        block = link.getparent()
        while block is not None and not _meta_labels(block, bold):
            block = block.getparent()
        if block is None:
            continue
        container = block
        while container.getparent() is not None and not any(
                label_key(_label_name(s)) in ("updated", "published")
                for s in _meta_labels(container, bold)):
            container = container.getparent()
        meta = _parse_block(container, page.url, date_format, base)
        title = _text(link)
        authors = _authors((a for a in container.iter("a") if a is not link), base)
        story = Story(site=base, story_id=sid, url=urls.story_url(base, sid), title=title,
                      authors=authors, review_count=_review_count(container, sid),
                      extra=meta.extra, **meta.fields)
        story.warnings = meta.warnings
        entries[sid] = ListingEntry(sid, title, gate, members_only, story)
    page_urls = []
    for link in doc.xpath("//div[@id='pagelinks']//a[contains(@href, 'offset=')]"):
        url = urls.clean(urls.absolute(page.url, link.get("href", "")))
        if url not in page_urls:
            page_urls.append(url)
    return Listing(list(entries.values()), page_urls)


def looks_like_efiction(page: Page) -> bool:
    """Does this page come from an eFiction archive (its PHP's links and ids)?"""
    body = page.body
    return any(marker in body for marker in (b"viewstory.php?sid=", b"browse.php?type=", b"viewuser.php?uid=",
                                             b"id=\"pagetitle\"", b"id='pagetitle'"))


def page_language(page: Page, encoding: str | None = None) -> str | None:
    """The language of a page's metadata labels (:func:`label_language`), None when it has none."""
    doc = parse_document(page, encoding)
    bold = _uses_bold_labels(doc)
    return label_language(_label_name(el) for el in doc.iter() if _is_label(el, bold))


def listing_dates(page: Page, base: str, encoding: str | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """The dates a listing page shows, as displayed: (every Published/Updated, the (published,
    updated) pairs), to infer the site's date format from (:func:`mirror.parsing.dates.infer_date_format`)."""
    samples: list[str] = []
    pairs: list[tuple[str, str]] = []
    for entry in parse_listing(page, base, DEFAULT_DATE_FORMAT, encoding).entries:
        shown = (entry.story.published_display, entry.story.updated_display)
        samples += [s for s in shown if s]
        if all(shown):
            pairs.append((shown[0], shown[1]))
    return samples, pairs


# --- a whole story ---------------------------------------------------------------------------------

def _pages(story_pages: StoryPages, kind: str) -> Iterator[Page]:
    return (p for p in story_pages.pages if p.kind == kind)


def restricted_story(story_pages: StoryPages, gate: Gate, encoding: str | None = None) -> Story:
    """A members-only story: what the listing shows about it, without text."""
    base, sid = story_pages.site, story_pages.story_id
    story: Story | None = None
    if story_pages.listing is not None:
        for entry in parse_listing(story_pages.listing, base, story_pages.date_format, encoding).entries:
            if entry.story_id == sid:
                story = entry.story
    if story is None:
        story = Story(site=base, story_id=sid, url=urls.story_url(base, sid), title=gate.title)
    story.title = story.title or gate.title
    story.status = STATUS_RESTRICTED
    if story_pages.login_problem:
        story.warnings.append(f"members only: {story_pages.login_problem}")
    story.chapters = []
    story.requests = story_pages.requests
    return story


def extract_story(story_pages: StoryPages, encoding: str | None = None) -> Story:
    """Build a Story (with chapters) from every page fetched for it."""
    base, sid = story_pages.site, story_pages.story_id
    index_pages = list(_pages(story_pages, "index"))
    if not index_pages:
        raise ParseError(f"{base}viewstory.php?sid={sid}", "index", "no story index page was fetched")
    index = index_pages[-1]  # the last one: after a gate was passed
    doc = parse_document(index, encoding)
    gate = detect_gate(index, doc)
    if gate is not None and gate.kind == "members":
        return restricted_story(story_pages, gate, encoding)
    if gate is not None:
        raise StoryUnavailable(index.url, gate.kind, f"story index shows {gate.kind}: {gate.text}")
    story = parse_story_index(index, base, sid, story_pages.date_format, encoding, doc=doc)
    texts: dict[int, ChapterText] = {}
    printable_errors: list[Exception] = []
    for page in _pages(story_pages, "printable"):
        try:
            printable = parse_kept(parse_printable, page, encoding)
        except (ParseError, StoryUnavailable) as exc:  # the chapter pages fetched instead must do
            story.warnings.append(f"printable view unusable: {exc}")
            printable_errors.append(exc)
            continue
        story.story_notes_html = story.story_notes_html or printable.story_notes_html
        texts.update({n: c for n, c in printable.chapters.items() if c.has_text})
    for page in _pages(story_pages, "chapter"):
        value = urls.script_and_query(page.url)[1].get("chapter", "")
        number = int(value) if value.isdigit() else 1  # viewstory.php?sid=N shows chapter 1
        chapter_text, notes = parse_chapter_page(page, number, encoding)
        texts[number] = chapter_text
        story.story_notes_html = story.story_notes_html or notes
    missing = []
    for chapter in story.chapters:
        if not chapter.authors:
            chapter.authors = list(story.authors)
        found = texts.get(chapter.number)
        if found is None and story_pages.failures:
            missing.append(chapter.number)  # its request failed: kept, without text
            continue
        if found is None and printable_errors:
            raise printable_errors[0]  # the real cause: the printable view was an error page
        if found is None:
            raise ParseError(index.url, f"chapters[{chapter.number}].text",
                             "no printable or chapter page gave this chapter's text")
        chapter.text_html = found.text_html
        chapter.notes_html = found.notes_html
        chapter.end_notes_html = found.end_notes_html
        chapter.title = chapter.title or found.title
        chapter.source_url = found.source_url
    if missing:
        story.status = STATUS_INCOMPLETE
        reasons = "; ".join(f"{url}: {reason}" for url, reason in story_pages.failures)
        story.warnings.append(f"incomplete: chapters {missing} could not be fetched ({reasons})")
    story.requests = story_pages.requests
    return story
