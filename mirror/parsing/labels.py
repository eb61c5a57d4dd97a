"""Metadata labels: what eFiction skins write before a value, in every style and language.

Labels are literal text in a skin's templates, so a site's owner restyles and translates them
freely; the classification and challenge lines are written by eFiction's PHP and keep
``<span class='label'>`` whatever the skin.  One page can therefore mix styles.  A label is
any of (:func:`is_label`):

* an element of class ``label`` (eFiction's templates and PHP);
* a short ``<b>``/``<strong>``/``<th>``/``<dt>`` ending in ``:``, or a
  ``<th>``/``<dt>``/``<td>`` holding a known label name alone (a table cell or a definition
  term, the value in the next cell).

:func:`label_key` maps a label's text to the field it names, in seven languages; a site's own
wording of the rating ("Rating and Advisories") is recognised by its first words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

# --- one table per language (lower case, as the skins and language files write them) -------------

LABELS_BY_LANGUAGE: dict[str, dict[str, str]] = {
    "en": {
        "summary": "summary", "rated": "rating", "rating": "rating", "categories": "categories",
        "category": "categories", "characters": "characters", "challenges": "challenges",
        "challenge": "challenges", "series": "series", "chapters": "chapters",
        "completed": "completed", "complete": "completed", "status": "completed", "word count": "word_count",
        "words": "word_count", "read count": "read_count", "read": "read_count", "reads": "read_count",
        "hits": "read_count", "published": "published", "updated": "updated",
        "story notes": "story_notes", "reviews": "reviews",
        "author's chapter notes": "chapter_notes", "author's notes": "chapter_notes",
        "chapter end notes": "end_notes", "end notes": "end_notes",
    },
    "de": {
        "zusammenfassung": "summary", "inhalt": "summary", "altersfreigabe": "rating", "eingestuft": "rating",
        "altersbeschränkung": "rating", "bewertung": "rating", "kategorien": "categories",
        "kategorie": "categories", "charaktere": "characters", "personen": "characters",
        "figuren": "characters", "herausforderungen": "challenges", "herausforderung": "challenges",
        "challenges": "challenges",
        "serie": "series", "serien": "series", "reihe": "series", "kapitel": "chapters",
        "abgeschlossen": "completed", "fertig": "completed", "beendet": "completed",
        "wörter": "word_count", "wortanzahl": "word_count", "wortzahl": "word_count",
        "gelesen": "read_count", "aufrufe": "read_count", "zugriffe": "read_count",
        "veröffentlicht": "published", "erstellt": "published", "aktualisiert": "updated",
        "anmerkungen zur geschichte": "story_notes", "notizen zur geschichte": "story_notes",
        "story anmerkungen": "story_notes", "anmerkungen": "chapter_notes",
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
                "nessuno", "nessuna", "geen", "nenhum", "nenhuma",
                # _ORPHAN as sites translate it (no category)
                "verwaist", "waise", "orpheline", "orphelin", "huérfana", "huérfano", "huerfana", "huerfano",
                "orfana", "orfano", "wees", "órfã", "órfão", "orfa", "orfao"}

# A site's own label for the rating starts with one of these words ("Rating and Advisories",
# "Rated for", "Altersfreigabe ab"); the label tables hold the exact words.
_RATING_PREFIXES = ("rating", "rated", "altersfreigabe", "classement", "clasificación", "classificação",
                    "valutazione", "beoordeling")
# the preposition some translations put after a date label ("Publiée le :", "Aktualisiert am:")
_TRAILING_WORDS = {"le", "am", "el", "on", "il", "op", "em", "en", "the"}
# "Story Length: 5 chapters (4619 words)": chapters and words in one value
LENGTH_LABELS = {"story length", "length", "länge", "longueur", "longitud", "lunghezza", "lengte",
                 "tamanho", "comprimento", "size"}
# the info block's statistics (blocks/info): labels no story shows
SITE_STAT_LABELS = {"members", "newest member", "authors", "reviewers", "stories", "total members",
                    "online", "guests", "mitglieder", "neuestes mitglied", "autoren", "geschichten",
                    "membres", "auteurs", "histoires", "miembros", "autores", "historias"}


def _normal(name: str) -> str:
    return " ".join(name.split()).rstrip(":").strip().lower()


def label_key(name: str, language: str | None = None) -> str | None:
    """The field a label names (``"Zusammenfassung:"`` -> ``"summary"``), None when unknown;
    ``language``: look in that language's table (and English) only; None: in every table."""
    name = _normal(name)
    if language in LABELS_BY_LANGUAGE:
        key = LABELS_BY_LANGUAGE[language].get(name) or LABELS_BY_LANGUAGE["en"].get(name)
    else:
        key = LABELS.get(name)
    if key is None and name.rsplit(" ", 1)[-1] in _TRAILING_WORDS and " " in name:
        return label_key(name.rsplit(" ", 1)[0], language)  # "Publiée le", "Veröffentlicht am"
    if key is None and name in LENGTH_LABELS:
        return "length"
    if key is None and name.split(" ")[0] in _RATING_PREFIXES and len(name) <= 40:
        return "rating"
    return key


def label_language(names: Iterable[str]) -> str | None:
    """The language whose label table knows most of these labels (English wins ties), or None."""
    names = [_normal(n) for n in names]
    counts = {lang: sum(1 for n in names if n in table) for lang, table in LABELS_BY_LANGUAGE.items()}
    best = max(counts.values(), default=0)
    if not best:
        return None
    return "en" if counts["en"] == best else next(lang for lang, c in counts.items() if c == best)


# --- label elements --------------------------------------------------------------------------------

_CLASS_LABEL_TAGS = {"span", "b", "strong", "th", "td", "dt", "em", "i", "label", "div", "u", "font"}
_BOLD_TAGS = {"b", "strong", "th", "dt"}
_CELL_TAGS = {"th", "dt", "td"}


def classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def label_name(el: etree._Element) -> str:
    """A label's text, without the ``[Report This]`` links eFiction puts inside some."""
    text = re.sub(r"\[[^\]]*\]", " ", el.text_content())
    return " ".join(text.split()).rstrip(":").strip()


def is_label(el: etree._Element) -> bool:
    """A metadata label in any of the styles real skins use (the module's docstring)."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _CLASS_LABEL_TAGS and "label" in classes(el) and tag != "div":
        return True
    if tag not in _BOLD_TAGS and tag not in _CELL_TAGS:
        return False
    if len(el) and not all(isinstance(c.tag, str) and c.tag in ("br", "span", "font") for c in el):
        return False
    text = " ".join(el.text_content().split())
    if not text or len(text) > 40:
        return False
    if text.endswith(":"):
        return tag in _BOLD_TAGS or (tag in _CELL_TAGS and label_key(text) is not None)
    return tag in ("th", "dt") and label_key(text) is not None  # a header cell or term, no colon


# Completion written as a sentence or a bare word, with no label ("Story is Complete").
_COMPLETE_SENTENCE = re.compile(
    r"^(?:story\s+(?:is\s+)?)?(?P<word>complete|completed|finished|incomplete|not\s+complete|"
    r"in\s+progress|work\s+in\s+progress|wip|unfinished|ongoing|abgeschlossen|"
    r"nicht\s+abgeschlossen|fertig|unvollendet|terminée?|en\s+cours)\.?$", re.IGNORECASE)
_NOT_DONE = {"incomplete", "not complete", "in progress", "work in progress", "wip", "unfinished",
             "ongoing", "nicht abgeschlossen", "unvollendet", "en cours"}


def completion_sentence(text: str) -> bool | None:
    """True/False for "Story is Complete"/"Story Incomplete" (and their kin), else None."""
    match = _COMPLETE_SENTENCE.match(" ".join(text.split()))
    if not match:
        return None
    return " ".join(match.group("word").lower().split()) not in _NOT_DONE


# Separators skins put between values on one line: they end a value and are trimmed off it.
SEPARATOR_SPLIT = re.compile(r"\s+(?:·|•|\||::|¦|~)\s+|\s*(?:·|•|¦)\s*")
_EDGE = "·•|¦:;,~-–—[](){}"


def clean_value(text: str) -> str:
    """A value without the separators and brackets a skin put around it (``22/08/11 ·``)."""
    text = " ".join(text.split())
    previous = None
    while previous != text:
        previous = text
        text = text.strip().strip(_EDGE).strip()
    return text
