"""Robust metadata parsing on customised skins: link patterns first, per-language label tables
second (en, de, fr, es, it, nl, pt), bold labels where a skin has no ``span.label``, and unknown
``Label: value`` pairs kept in ``extra``."""

from __future__ import annotations

import datetime as dt

import pytest

from mirror.parsing.efiction import (LABELS_BY_LANGUAGE, ParseError, label_key, label_language, parse_chapter_page,
                                     parse_story_index)
from tests.parsing_helpers import BASE, raw_page

FRENCH_INDEX = """<html><head><meta charset="utf-8"><title>Le Phare par Zoé</title></head><body>
<table><tr><td>
<div id="pagetitle"><a href="viewstory.php?sid=3">Le Phare</a> par <a href="viewuser.php?uid=9">Zoé</a></div>
<table class="infos"><tr><td><b>Résumé :</b> Un phare, <i>deux</i> gardiens.<br />
<b>Classement:</b> PG<br />
<b>Catégories:</b> <a href="browse.php?type=categories&amp;catid=4">Original</a><br />
<b>Personnages:</b> <a href="browse.php?type=characters&amp;charid=11">Marin</a><br />
<b>Genres:</b> <a href="browse.php?type=class&amp;type_id=1&amp;classid=2">Aventure</a><br />
<b>Série:</b> <a href="viewseries.php?seriesid=2">Les Côtes</a><br />
<b>Chapitres:</b> 2<br /><b>Terminée:</b> Oui<br /><b>Nombre de mots:</b> 1 234<br />
<b>Lu:</b> 56<br /><b>Publiée:</b> 03/02/2011<br /><b>Mise à jour:</b> 14/02/2011<br />
<b>Traduction:</b> de l'anglais<br />
</td></tr></table>
<p><a href="viewstory.php?sid=3&amp;chapter=1">La côte</a> (600 mots)</p>
<p><a href="viewstory.php?sid=3&amp;chapter=2">La nuit</a> (634 mots)</p>
</td></tr></table></body></html>"""


def test_label_tables_cover_seven_languages_without_clashes():
    assert set(LABELS_BY_LANGUAGE) == {"en", "de", "fr", "es", "it", "nl", "pt"}
    for table in LABELS_BY_LANGUAGE.values():
        assert {"summary", "categories", "characters", "chapters", "completed", "word_count",
                "published", "updated"} <= set(table.values())
    assert label_key("Zusammenfassung:") == "summary" and label_key(" Veröffentlicht ") == "published"
    assert label_key("Mise à jour :") == "updated" and label_key("Capítulos") == "chapters"
    assert label_key("Bijgewerkt", "nl") == "updated" and label_key("Bijgewerkt", "de") is None
    assert label_key("Summary", "de") == "summary"  # English always counts
    assert label_language(["Zusammenfassung", "Kategorien", "Gelesen", "Genres"]) == "de"
    assert label_language(["Summary", "Rated"]) == "en" and label_language(["Genres"]) is None


def test_bold_labels_in_french_with_an_unknown_label_kept():
    page = raw_page(FRENCH_INDEX.encode("utf-8"), url=BASE + "viewstory.php?sid=3&index=1")
    story = parse_story_index(page, BASE, 3, "d/m/Y")
    assert story.title == "Le Phare" and [a.name for a in story.authors] == ["Zoé"]
    assert story.summary_html == "Un phare, <i>deux</i> gardiens."
    assert story.rating == "PG" and [c.name for c in story.categories] == ["Original"]
    assert [c.name for c in story.characters] == ["Marin"]
    assert {k: [t.name for t in v] for k, v in story.classes.items()} == {"Genres": ["Aventure"]}
    assert [s.id for s in story.series] == [2]
    assert story.chapter_count == 2 and story.completed is True and story.word_count == 1234
    assert story.read_count == 56
    assert (story.published, story.updated) == (dt.date(2011, 2, 3), dt.date(2011, 2, 14))
    assert story.extra == {"Traduction": "de l'anglais"}  # unknown label: kept, not dropped
    assert [(c.number, c.title, c.word_count) for c in story.chapters] == [(1, "La côte", 600), (2, "La nuit", 634)]


def test_chapter_text_from_the_skins_div_chapter_and_errors_name_field_and_url():
    body = (b"<html><body><div id='pagetitle'>x</div><table><tr><td><div class='chapter'>"
            b"<p>Text.</p></div></td></tr></table></body></html>")
    chapter, _ = parse_chapter_page(raw_page(body, url=BASE + "viewstory.php?sid=3&chapter=1", kind="chapter"), 1)
    assert chapter.text_html == "<p>Text.</p>"
    with pytest.raises(ParseError) as err:
        parse_chapter_page(raw_page(b"<html><body><p>nothing</p></body></html>",
                                    url=BASE + "viewstory.php?sid=3&chapter=2", kind="chapter"), 2)
    assert err.value.field == "chapters[2].text" and "sid=3&chapter=2" in str(err.value)
