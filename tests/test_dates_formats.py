"""Every eFiction date format, custom PHP date() strings, month names in seven languages, and
inferring the format from the dates a site shows (pure functions)."""

from __future__ import annotations

import datetime as dt

import pytest

from mirror.parsing.dates import (ADMIN_FORMATS, DateFormatError, check_format, format_date,
                                  infer_date_format, month_number, parse_date)

DATES = [dt.date(2006, 7, 21), dt.date(2013, 3, 4), dt.date(1999, 12, 31), dt.date(2012, 2, 29),
         dt.date(2005, 5, 1), dt.date(2011, 9, 30), dt.date(2008, 11, 13)]


@pytest.mark.parametrize("php_format", ADMIN_FORMATS)
@pytest.mark.parametrize("date", DATES)
def test_admin_formats_round_trip(php_format, date):
    assert parse_date(format_date(date, php_format), php_format) == date


def test_the_admin_menu_has_fourteen_formats():
    assert len(ADMIN_FORMATS) == 14 and "d/m/y" in ADMIN_FORMATS and "F d, Y" in ADMIN_FORMATS


@pytest.mark.parametrize("shown, php_format", [
    ("Friday, 21st July 2006", "l, jS F Y"),
    ("Fri 21 Jul 06", "D d M y"),
    ("21/07/2006 - 10:15 pm", "d/m/Y - g:i a"),
    ("21.07.2006 22:15", "d.m.Y H:i"),
    ("2006-07-21T22:15:00+02:00", "c"),
    ("Fri, 21 Jul 2006 22:15:00 +0200", "r"),
    ("1153519200", "U"),
    ("21 of July, 2006", "d \\o\\f F, Y"),
    ("July 21st, 2006", "F jS, Y"),
    ("2006/7/21", "Y/n/j"),
])
def test_custom_php_formats(shown, php_format):
    assert parse_date(shown, php_format) == dt.date(2006, 7, 21)


@pytest.mark.parametrize("language, shown, php_format", [
    ("de", "21. Juli 2006", "j. F Y"), ("de", "4. März 2013", "j. F Y"), ("de", "04 Mär 2013", "d M Y"),
    ("de", "31. Dezember 1999", "j. F Y"), ("de", "13 Okt 2008", "d M Y"),
    ("fr", "21 juillet 2006", "j F Y"), ("fr", "4 mars 2013", "j F Y"), ("fr", "29 févr. 2012", "j M Y"),
    ("fr", "1er mai 2005", "jS F Y"), ("fr", "13 déc. 2008", "j M Y"), ("fr", "21 juil. 2006", "j M Y"),
    ("es", "21 de julio de 2006", "j \\d\\e F \\d\\e Y"), ("es", "4 mar 2013", "j M Y"),
    ("es", "31 dic 1999", "j M Y"), ("es", "1 ene 2005", "j M Y"),
    ("it", "21 luglio 2006", "j F Y"), ("it", "13 ott 2008", "j M Y"), ("it", "1 gen 2005", "j M Y"),
    ("nl", "21 juli 2006", "j F Y"), ("nl", "4 mrt 2013", "j M Y"), ("nl", "1 mei 2005", "j M Y"),
    ("pt", "21 de julho de 2006", "j \\d\\e F \\d\\e Y"), ("pt", "4 março 2013", "j F Y"),
    ("pt", "13 out 2008", "j M Y"), ("pt", "31 dez 1999", "j M Y"),
    ("en", "Sept 30 2011", "M d Y"), ("en", "FEBRUARY 29, 2012", "F d, Y"),
])
def test_month_names_in_every_supported_language(language, shown, php_format):
    expected = parse_date(shown, php_format, language)
    assert expected in DATES + [dt.date(2013, 3, 4), dt.date(2005, 1, 1), dt.date(2008, 10, 13),
                                dt.date(2008, 12, 13)]
    assert parse_date(shown, php_format) == expected  # any supported language is tried


def test_localised_format_date_round_trips():
    for language in ("en", "de", "fr", "es", "it", "nl", "pt"):
        for date in DATES:
            shown = format_date(date, "j F Y", language)
            assert parse_date(shown, "j F Y", language) == date, (language, shown)


def test_no_month_name_means_two_months():
    for month in range(1, 13):
        for day in (1, 15):
            for language in ("en", "de", "fr", "es", "it", "nl", "pt"):
                name = format_date(dt.date(2010, month, day), "F", language)
                assert month_number(name) == month, name
                short = format_date(dt.date(2010, month, day), "M", language)
                assert month_number(short, language) == month, short
                assert month_number(name[:4]) == month, name[:4]


@pytest.mark.parametrize("php_format, problem", [
    ("d/m", "no year"), ("m/Y", "no day"), ("", "empty"), ("d/d/y", "no month"), ("d M m Y", "twice"),
])
def test_bad_formats_are_named(php_format, problem):
    with pytest.raises(DateFormatError, match=problem):
        check_format(php_format)


def test_unknown_month_name():
    with pytest.raises(DateFormatError, match="unknown month name 'Foo'"):
        parse_date("Foo 21 2006", "M d Y")


# --- inference ---------------------------------------------------------------------------------

SITE_DATES = [dt.date(2006, 7, 21), dt.date(2007, 1, 2), dt.date(2010, 5, 13), dt.date(2012, 11, 3),
              dt.date(2013, 2, 28)]


@pytest.mark.parametrize("php_format", ADMIN_FORMATS)
def test_inference_finds_every_admin_format(php_format):
    guess = infer_date_format([format_date(d, php_format) for d in SITE_DATES])
    assert guess.format == php_format and guess.certain, guess


@pytest.mark.parametrize("php_format", ["l, jS F Y", "j. F Y", "d/m/Y H:i", "Y-m-d", "j/n/y"])
def test_inference_finds_custom_formats(php_format):
    guess = infer_date_format([format_date(d, php_format) for d in SITE_DATES])
    assert guess.format == php_format and guess.certain, guess


def test_inference_reads_german_month_names():
    guess = infer_date_format([format_date(d, "j. F Y", "de") for d in SITE_DATES], language="de")
    assert guess.format == "j. F Y" and guess.certain


def test_ambiguous_dates_are_flagged_and_default_to_efiction():
    guess = infer_date_format(["01/02/13", "03/04/13"])
    assert not guess.certain and guess.format == "d/m/y"
    assert set(guess.candidates) == {"d/m/y", "m/d/y"}
    assert "ambiguous" in guess.evidence[-1]


def test_a_day_over_12_decides():
    guess = infer_date_format(["01/02/13", "03/25/13"])
    assert guess.format == "m/d/y" and guess.certain
    assert any("day over 12" in e for e in guess.evidence)


def test_rss_pubdate_decides():
    guess = infer_date_format(["01/02/13", "03/04/13"], rss_pairs=[("03/04/13", dt.date(2013, 3, 4))])
    assert guess.format == "m/d/y" and guess.certain
    assert any("RSS" in e for e in guess.evidence)


def test_published_before_updated_decides():
    guess = infer_date_format([], ordered_pairs=[("03/04/13", "01/05/13"), ("02/01/12", "11/02/12")])
    assert guess.format == "d/m/y" and guess.certain, guess


def test_dates_in_the_future_count_against_a_format():
    guess = infer_date_format(["02/05/13"], today=dt.date(2013, 3, 1))
    assert guess.format == "m/d/y" and guess.certain  # 5 Feb 2013, not 2 May 2013 (after today)
    assert any("future" in e for e in guess.evidence)


def test_nothing_readable():
    assert infer_date_format(["yesterday", "last week"]).format is None
    assert infer_date_format([]).format is None


@pytest.mark.parametrize("samples, php_format", [
    (["22/08/11 ·", "| 23/08/11"], "d/m/y"),
    (["[22/08/11]", "23/08/11,"], "d/m/y"),
    (["Jul 21 2006 ::", "- Aug 02 2006 -"], "M d Y"),
    (["(21.07.2006)", "02.08.2006 ·"], "d.m.Y"),
])
def test_inference_reads_trimmed_values_and_never_learns_a_separator(samples, php_format):
    guess = infer_date_format(samples, ordered_pairs=[(samples[0], samples[1])],
                              rss_pairs=[(samples[1], parse_date(samples[1].strip("·|-:[](), "), php_format))])
    assert guess.format == php_format, guess
    assert not any(c in f for f in guess.candidates for c in "·|[](),:-")
    assert all(f == f.strip() for f in guess.candidates)
