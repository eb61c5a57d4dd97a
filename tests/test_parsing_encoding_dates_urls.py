"""Decoding eFiction pages, parsing eFiction dates, and building/filtering eFiction URLs."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest

from mirror import urls
from mirror.parsing.dates import DateFormatError, parse_date, two_digit_year
from mirror.parsing.encoding import (decode_body, detect_encoding, header_charset, meta_charset,
                                     normalise_charset)
from tests.parsing_helpers import (BASE, BOGUS_HEADERS, FIXTURES, fixture_bytes, fixture_index,
                                   request_url)

ISO_META = b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
UTF8_HEADERS = {"Content-Type": ["text/html; charset=UTF-8"]}


# ================================================================================================
# Encoding
# ================================================================================================

def test_fixtures_really_send_the_bogus_header():
    rows = fixture_index()
    assert rows["viewstory_sid17_single.html"]["content-type header"] == "text/html; charset=_CHARSET"


@pytest.mark.parametrize("name, expected", [
    ("_CHARSET", None), (None, None), ("", None), ("no-such-charset", None),
    ("ISO-8859-1", "cp1252"), ("iso-8859-1", "cp1252"), ("latin1", "cp1252"),
    ("Latin-1", "cp1252"), ("US-ASCII", "cp1252"), ("windows-1252", "cp1252"),
    ("UTF-8", "utf-8"), ("utf8", "utf-8"), ('"UTF-8"', "utf-8"), (" utf-8 ", "utf-8"),
    ("ISO-8859-15", "iso8859-15"), ("windows-1251", "cp1251"),
])
def test_normalise_charset(name, expected):
    assert normalise_charset(name) == expected


def test_header_charset():
    assert header_charset(BOGUS_HEADERS) is None  # "_CHARSET" is not a charset
    assert header_charset(UTF8_HEADERS) == "utf-8"
    assert header_charset({"content-type": ["text/html; charset=ISO-8859-1"]}) == "cp1252"
    assert header_charset({"Content-Type": ["text/html"]}) is None
    assert header_charset({}) is None and header_charset(None) is None


def test_meta_charset_of_a_real_page():
    assert meta_charset(fixture_bytes("viewstory_sid17_single.html")) == "cp1252"
    assert meta_charset(b"<html><head><title>x</title></head></html>") is None
    assert meta_charset(b'<meta charset="utf-8">') == "utf-8"
    assert meta_charset(b"<META CHARSET=UTF-8>") == "utf-8"


def test_bogus_header_ignored_meta_honoured():
    body = fixture_bytes("viewstory_sid17_single.html")
    assert detect_encoding(body, BOGUS_HEADERS) == "cp1252"
    text = decode_body(body, BOGUS_HEADERS)
    # raw bytes 0x93 0x94 0x97: windows-1252, not ISO-8859-1's C1 controls
    assert "<title>The Girl Who Said “No” — Twice by Cassie_M</title>" in text
    assert "\x93" not in text and "\x97" not in text


def test_latin1_is_decoded_as_windows_1252():
    body = ISO_META + b"\x93No\x94 \x97 Twice \x85 \x92 \x80 Zo\xeb"
    assert decode_body(body, BOGUS_HEADERS).endswith("“No” — Twice … ’ € Zoë")


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_undefined_cp1252_bytes_do_not_crash(byte):
    body = ISO_META + b"a" + bytes([byte]) + b"b"
    assert decode_body(body, BOGUS_HEADERS).endswith("a" + chr(byte) + "b")  # as browsers do


def test_valid_utf8_header_wins_over_meta():
    body = ISO_META + "Zoë “x”".encode("utf-8")
    assert detect_encoding(body, UTF8_HEADERS) == "utf-8"
    assert decode_body(body, UTF8_HEADERS).endswith("Zoë “x”")


def test_utf8_meta_page():
    body = '<html><head><meta charset="utf-8"></head><body>Привет “Zoë” 🙂</body></html>'.encode()
    assert detect_encoding(body, BOGUS_HEADERS) == "utf-8"
    assert "Привет “Zoë” 🙂" in decode_body(body, BOGUS_HEADERS)


def test_utf8_http_equiv_meta_page():
    body = (b'<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'
            + "Été".encode("utf-8"))
    assert decode_body(body, BOGUS_HEADERS).endswith("Été")


def test_no_charset_anywhere_sniffs_utf8_then_cp1252():
    assert detect_encoding("Zoë".encode("utf-8"), {}) == "utf-8"
    assert detect_encoding(b"Zo\xeb \x93x\x94", {}) == "cp1252"
    assert decode_body(b"Zo\xeb \x93x\x94", {}) == "Zoë “x”"
    assert detect_encoding(b"plain ascii", None) == "utf-8"


def test_override_wins_and_bogus_override_is_ignored():
    body = fixture_bytes("viewstory_sid17_single.html")
    assert detect_encoding(body, UTF8_HEADERS, override="iso-8859-1") == "cp1252"
    assert detect_encoding(body, BOGUS_HEADERS, override="utf-8") == "utf-8"
    assert detect_encoding(body, BOGUS_HEADERS, override="_CHARSET") == "cp1252"


def test_wrong_utf8_header_on_latin1_bytes_does_not_crash():
    text = decode_body(fixture_bytes("viewstory_sid6_index.html"), UTF8_HEADERS)
    assert "Zo\ufffd Marchetti" in text


def test_every_fixture_page_declares_iso_8859_1_and_decodes():
    names = [n for n, row in fixture_index().items() if n.endswith(".html")]
    present = [n for n in names if (FIXTURES / n).exists()]
    assert len(present) >= 40
    for name in present:
        body = fixture_bytes(name)
        assert detect_encoding(body, BOGUS_HEADERS) == "cp1252", name
        lxml.html.document_fromstring(decode_body(body, BOGUS_HEADERS))


# ================================================================================================
# Dates (PHP date() formats offered by eFiction's admin menu)
# ================================================================================================

JULY_21 = dt.date(2006, 7, 21)
MENU_FORMATS = [
    ("m/d/y", "07/21/06"), ("m/d/Y", "07/21/2006"), ("d/m/Y", "21/07/2006"), ("d/m/y", "21/07/06"),
    ("d M Y", "21 Jul 2006"), ("d.m.y", "21.07.06"), ("Y.m.d", "2006.07.21"),
    ("m.d.Y", "07.21.2006"), ("d-m-y", "21-07-06"), ("m-d-y", "07-21-06"),
    ("M d Y", "Jul 21 2006"), ("M d, Y", "Jul 21, 2006"), ("F d Y", "July 21 2006"),
    ("F d, Y", "July 21, 2006"),
]
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]


def php_date(php_format: str, date: dt.date) -> str:
    """PHP date() for the characters the menu formats use."""
    out = {"d": f"{date.day:02d}", "m": f"{date.month:02d}", "y": f"{date.year % 100:02d}",
           "Y": str(date.year), "M": MONTH_NAMES[date.month - 1][:3],
           "F": MONTH_NAMES[date.month - 1]}
    return "".join(out.get(c, c) for c in php_format)


@pytest.mark.parametrize("php_format, shown", MENU_FORMATS)
def test_every_admin_menu_format(php_format, shown):
    assert php_date(php_format, JULY_21) == shown
    assert parse_date(shown, php_format) == JULY_21


@pytest.mark.parametrize("php_format", [f for f, _ in MENU_FORMATS])
@pytest.mark.parametrize("date", [dt.date(2006, 3, 4), dt.date(1999, 12, 31), dt.date(2012, 2, 29),
                                  dt.date(2005, 5, 1), dt.date(2011, 9, 30)])
def test_menu_formats_round_trip(php_format, date):
    # day <= 12 dates catch a swapped day and month
    assert parse_date(php_date(php_format, date), php_format) == date


def test_default_format_is_day_first():
    assert parse_date("04/03/06") == dt.date(2006, 3, 4)  # README: 4 March 2006
    assert parse_date("22/11/26", "d/m/y") == dt.date(2026, 11, 22)


@pytest.mark.parametrize("two_digits, year", [(0, 2000), (6, 2006), (68, 2068), (69, 1969),
                                              (70, 1970), (99, 1999)])
def test_two_digit_year_pivot(two_digits, year):
    assert two_digit_year(two_digits) == year
    assert parse_date(f"01/02/{two_digits:02d}", "d/m/y") == dt.date(year, 2, 1)


@pytest.mark.parametrize("shown, php_format", [
    ("Sep 1 2006", "M d Y"), ("Sept 1 2006", "M d Y"), ("Sep. 1 2006", "M d Y"),
    ("sep 1 2006", "M d Y"), ("SEPTEMBER 1, 2006", "F d, Y"), ("1/9/06", "j/n/y"),
    ("  01/09/06 ", "d/m/y"), ("Friday, 1st September 2006", "l, jS F Y"),
])
def test_tolerated_spellings(shown, php_format):
    assert parse_date(shown, php_format) == dt.date(2006, 9, 1)


@pytest.mark.parametrize("shown, php_format", [
    ("31/02/06", "d/m/y"),  # no such day
    ("21/13/06", "d/m/y"),  # no such month
    ("21/07/06", "m/d/y"),  # day-first date read month-first
    ("2006-07-21", "d/m/y"),
    ("", "d/m/y"),
    ("21/07/06 - 10:15 am", "d/m/y"),
    ("Foo 21 2006", "M d Y"),  # unknown month name
    ("21/07", "d/m"),  # format without a year
    ("07/2006", "m/Y"),  # format without a day
    ("21/07/06", "d/d/y"),  # token used twice
])
def test_bad_dates_raise(shown, php_format):
    with pytest.raises(DateFormatError):
        parse_date(shown, php_format)


def test_date_format_error_is_a_value_error():
    assert issubclass(DateFormatError, ValueError)


# ================================================================================================
# URLs
# ================================================================================================

@pytest.mark.parametrize("given, expected", [
    ("http://127.0.0.1:8081/", "http://127.0.0.1:8081/"),
    ("http://127.0.0.1:8081", "http://127.0.0.1:8081/"),
    ("http://127.0.0.1:8081/index.php", "http://127.0.0.1:8081/"),
    ("http://Example.ORG/fiction/index.php", "http://example.org/fiction/"),
    ("http://example.org/fiction", "http://example.org/fiction/"),
    ("https://example.org/fiction/viewstory.php?sid=1#top", "https://example.org/fiction/"),
    ("  http://example.org/efiction/  ", "http://example.org/efiction/"),
    ("http://example.org/a/b/browse.php?type=titles", "http://example.org/a/b/"),
])
def test_normalise_base(given, expected):
    assert urls.normalise_base(given) == expected


@pytest.mark.parametrize("given", ["ftp://example.org/", "example.org/fiction/", "", "http:///x",
                                   "javascript:alert(1)", "mailto:a@example.org"])
def test_normalise_base_rejects(given):
    with pytest.raises(urls.BadURL):
        urls.normalise_base(given)


@pytest.mark.parametrize("given, expected", [
    (BASE + "viewstory.php?sid=6&chapter=1&textsize=2", BASE + "viewstory.php?sid=6&chapter=1"),
    (BASE + "viewstory.php?sid=6&textsize=-1&chapter=1", BASE + "viewstory.php?sid=6&chapter=1"),
    (BASE + "viewstory.php?skin=Berrygood&sid=6", BASE + "viewstory.php?sid=6"),
    (BASE + "browse.php?type=titles&let=S&let=A", BASE + "browse.php?type=titles&let=A"),
    (BASE + "browse.php?type=titles&let=S&offset=10", BASE + "browse.php?type=titles&offset=10&let=S"),
    (BASE + "viewstory.php?sid=6#1", BASE + "viewstory.php?sid=6"),
    (BASE + "browse.php?type=titles&offset=10", BASE + "browse.php?type=titles&offset=10"),
    (BASE + "viewstory.php?sid=14&ageconsent=ok&warning=5",
     BASE + "viewstory.php?sid=14&ageconsent=ok&warning=5"),
    (BASE + "search.php?searchterm=", BASE + "search.php?searchterm="),
    (BASE, BASE),
])
def test_clean(given, expected):
    assert urls.clean(given) == expected


@pytest.mark.parametrize("url", [
    BASE, BASE + "index.php", BASE + "viewstory.php?sid=6&index=1",
    BASE + "viewstory.php?action=printable&sid=6&chapter=all",
    BASE + "viewstory.php?sid=1&warning=4", BASE + "viewstory.php?sid=14&ageconsent=ok&warning=5",
    BASE + "browse.php?type=titles&offset=10", BASE + "browse.php?type=titles&let=S",
    BASE + "viewuser.php?uid=2", BASE + "viewseries.php?seriesid=1",
    BASE + "reviews.php?type=ST&item=1", BASE + "authors.php?list=authors",
    BASE + "modules/challenges/challenges.php?chalid=1",
])
def test_is_allowed(url):
    assert urls.is_allowed(url, BASE)


@pytest.mark.parametrize("url", [
    BASE + "user.php?action=login&sid=15",
    BASE + "user.php",
    BASE + "stories.php?action=viewstories",
    BASE + "admin.php",
    BASE + "contact.php",
    BASE + "contact.php?action=report&url=viewstory.php?chapid=122",
    BASE + "series.php",
    BASE + "search.php?searchtype=advanced",
    BASE + "reviews.php?action=add&type=ST&item=23&chapid=122&next=2",
    BASE + "viewstory.php?sid=6&skin=Berrygood",
    BASE + "viewstory.php?sid=6&chapter=1&textsize=1",
    BASE + "browse.php?type=titles&let=S&let=A",
    BASE + "User.PHP?action=login",
    "http://other.example/viewstory.php?sid=1",
    "http://127.0.0.1:9999/viewstory.php?sid=1",
    "javascript:if(confirm('x')) location = 'viewstory.php?sid=27&amp;warning=4'",
    "mailto:admin@example.org",
])
def test_is_not_allowed(url):
    assert not urls.is_allowed(url, BASE)


def test_is_allowed_stays_under_the_base_path():
    base = "http://example.org/fiction/"
    assert urls.is_allowed("http://example.org/fiction/viewstory.php?sid=1", base)
    assert urls.is_allowed("http://EXAMPLE.org/fiction/viewstory.php?sid=1", base)
    assert not urls.is_allowed("http://example.org/other/viewstory.php?sid=1", base)
    assert not urls.is_allowed("http://example.org/fiction2/viewstory.php?sid=1", base)
    assert not urls.is_allowed("http://example.org/viewstory.php?sid=1", base)


def test_links_of_a_real_chapter_page():
    doc = lxml.html.document_fromstring(fixture_bytes("viewstory_sid23_coauthors.html"))
    page_url = request_url("viewstory_sid23_coauthors.html")
    hrefs = {urls.absolute(page_url, a.get("href")) for a in doc.iter("a") if a.get("href")}
    # raw links: text-size links and the "Next" link (it carries textsize=0) are refused
    assert not urls.is_allowed(BASE + "viewstory.php?sid=23&chapter=1&textsize=1", BASE)
    assert BASE + "viewstory.php?sid=23&textsize=0&chapter=2" in hrefs
    assert not urls.is_allowed(BASE + "viewstory.php?sid=23&textsize=0&chapter=2", BASE)
    # cleaned first, as the crawler does
    allowed = {urls.clean(h) for h in hrefs if urls.is_allowed(urls.clean(h), BASE)}
    assert BASE + "viewstory.php?sid=23&chapter=2" in allowed
    assert BASE + "viewstory.php?sid=23&chapter=1" in allowed  # the text-size links, cleaned
    assert BASE + "viewstory.php?sid=23&index=1" in allowed
    assert {BASE + "viewuser.php?uid=10", BASE + "viewuser.php?uid=4"} <= allowed
    assert not any(urls.script_and_query(h)[0] in urls.FORBIDDEN_SCRIPTS for h in allowed)
    assert not any("textsize=" in h or "skin=" in h or "action=add" in h for h in allowed)
    assert BASE + "contact.php?action=report&url=viewstory.php%3Fchapid%3D122" not in allowed


@pytest.mark.parametrize("built, fixture", [
    (urls.story_url(BASE, 6), "viewstory_sid6.html"),
    (urls.index_url(BASE, 6), "viewstory_sid6_index.html"),
    (urls.chapter_url(BASE, 6, 2), "viewstory_sid6_ch2.html"),
    (urls.printable_url(BASE, 6), "printable_sid6_all.html"),
    (urls.printable_url(BASE, 1), "printable_sid1_all.html"),
    (urls.chapter_url(BASE, 1, 1, gate={"warning": "4"}).replace("&chapter=1", ""),
     "viewstory_sid1_after_warning.html"),
    (urls.titles_url(BASE), "browse_titles_p1.html"),
    (urls.titles_url(BASE, 10), "browse_titles_offset10.html"),
    (urls.titles_url(BASE, 30), "browse_titles_offset30.html"),
])
def test_builders_match_the_captured_requests(built, fixture):
    assert built == request_url(fixture)


def test_builders():
    assert urls.author_url(BASE, 6) == "http://127.0.0.1:8081/viewuser.php?uid=6"
    assert urls.series_url(BASE, 2) == "http://127.0.0.1:8081/viewseries.php?seriesid=2"
    assert urls.index_url(BASE, 14, {"ageconsent": "ok", "warning": "5"}) == (
        "http://127.0.0.1:8081/viewstory.php?sid=14&index=1&ageconsent=ok&warning=5")
    assert urls.printable_url(BASE, 1, {"warning": "4"}) == (
        "http://127.0.0.1:8081/viewstory.php?action=printable&sid=1&chapter=all&warning=4")
    assert urls.chapter_url(BASE, 14, 3, {"ageconsent": "ok", "warning": "5"}) == (
        "http://127.0.0.1:8081/viewstory.php?sid=14&chapter=3&ageconsent=ok&warning=5")
    assert urls.titles_url(BASE, 0) == "http://127.0.0.1:8081/browse.php?type=titles&offset=0"
    assert urls.build(BASE, "browse.php", type="titles", offset=None) == BASE + "browse.php?type=titles"
    assert urls.build(BASE, "index.php") == BASE + "index.php"
    assert urls.build(BASE, "search.php", searchterm="a b&c") == BASE + "search.php?searchterm=a+b%26c"


def test_script_and_query():
    assert urls.script_and_query(BASE + "ViewStory.php?sid=6&chapter=2") == (
        "viewstory.php", {"sid": "6", "chapter": "2"})
    assert urls.script_and_query(BASE) == ("", {})
    assert urls.absolute(BASE + "browse.php?type=titles", " viewstory.php?sid=6 ") == (
        BASE + "viewstory.php?sid=6")
