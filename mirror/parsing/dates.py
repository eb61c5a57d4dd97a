"""Parse dates written with a PHP ``date()`` format string (eFiction's ``dateformat``), and infer
that format from dates a site shows.

* :func:`parse_date`: every format eFiction's admin menu offers (:data:`ADMIN_FORMATS`) and any
  custom PHP ``date()`` string (``l, jS F Y``, ``d/m/Y H:i``, ``c``, ``r``, ``U``, escaped
  letters ``\\o\\f``), with month names in English, German, French, Spanish, Italian, Dutch and
  Portuguese (full or abbreviated, any case, accents optional).
* :func:`infer_date_format`: the format that reads a set of displayed dates, using unambiguous
  dates (a day over 12), RSS ``pubDate`` against the displayed date, and the order of
  published/updated.  Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mirror.parsing.labels import clean_value

# The formats eFiction 3.x's admin menu (Settings -> Display -> dateformat) offers, in its order.
ADMIN_FORMATS: tuple[str, ...] = ("m/d/y", "m/d/Y", "d/m/Y", "d/m/y", "d M Y", "d.m.y", "Y.m.d",
                                  "m.d.Y", "d-m-y", "m-d-y", "M d Y", "M d, Y", "F d Y", "F d, Y")
DEFAULT_FORMAT = "d/m/y"  # eFiction's default

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")

# Full month names per language (ASCII-folded, lower case: "März" -> "marz").
_FULL_MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"),
    "de": ("januar", "februar", "marz", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "dezember"),
    "fr": ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
           "octobre", "novembre", "decembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "pt": ("janeiro", "fevereiro", "marco", "abril", "maio", "junho", "julho", "agosto", "setembro",
           "outubro", "novembro", "dezembro"),
}
# Usual abbreviations that are not simply the first letters of the full name.
_EXTRA_ABBREVIATIONS: dict[str, dict[str, int]] = {
    "de": {"jan": 1, "jän": 1, "jaen": 1, "maer": 3, "mrz": 3, "mär": 3},
    "fr": {"janv": 1, "fevr": 2, "avr": 4, "juil": 7, "sept": 9},
    "es": {"sept": 9, "set": 9},
    "it": {"gen": 1, "mag": 5, "giu": 6, "lug": 7, "ago": 8, "set": 9, "ott": 10, "dic": 12},
    "nl": {"mrt": 3, "mei": 5},
    "pt": {"fev": 2, "set": 9, "out": 10, "dez": 12},
    "en": {"sept": 9},
}
MONTHS = list(_FULL_MONTHS["en"])  # kept for callers that want the English names

_WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "de": ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"),
    "it": ("lunedi", "martedi", "mercoledi", "giovedi", "venerdi", "sabato", "domenica"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "pt": ("segunda", "terca", "quarta", "quinta", "sexta", "sabado", "domingo"),
}

_L = r"[^\W\d_]"  # a letter, any script
_NUM2 = r"\d{1,2}"
# PHP date() characters -> (regex, field or None).  Fields: d (day), m (month number),
# y/Y (year), M/F (month name), U (Unix time).  Every other character PHP knows is matched
# and ignored (times, weekdays, time zones), so a custom format with a time still parses.
_TOKENS: dict[str, tuple[str, str | None]] = {
    "d": (r"\d{1,2}", "d"), "j": (r"\d{1,2}", "d"),
    "m": (r"\d{1,2}", "m"), "n": (r"\d{1,2}", "m"),
    "y": (r"\d{2}", "y"), "Y": (r"-?\d{4}", "Y"), "o": (r"\d{4}", None),
    "M": (rf"{_L}{{3,5}}\.?", "M"), "F": (rf"{_L}+\.?", "F"),
    "D": (rf"{_L}+\.?", None), "l": (rf"{_L}+", None),
    "S": (r"(?:st|nd|rd|th|er|e|º|ª|°|\.)?", None), "N": (r"\d", None), "w": (r"\d", None),
    "z": (r"\d{1,3}", None), "t": (r"\d{2}", None), "L": (r"[01]", None), "W": (r"\d{1,2}", None),
    "a": (r"(?:am|pm)", None), "A": (r"(?:AM|PM)", None), "B": (r"\d{3}", None),
    "g": (_NUM2, None), "G": (_NUM2, None), "h": (_NUM2, None), "H": (_NUM2, None),
    "i": (r"\d{2}", None), "s": (r"\d{2}", None), "u": (r"\d{6}", None), "v": (r"\d{3}", None),
    "e": (r"[\w/+-]+", None), "I": (r"[01]", None), "O": (r"[+-]\d{4}", None),
    "P": (r"[+-]\d{2}:\d{2}", None), "p": (r"(?:Z|[+-]\d{2}:\d{2})", None),
    "T": (r"[A-Za-z]{1,5}|[+-]\d{2,4}", None), "Z": (r"-?\d{1,5}", None),
    "U": (r"-?\d{1,12}", "U"),
}
# Whole-date shorthands: PHP expands them to these.
_SHORTHANDS = {"c": "Y-m-d\\TH:i:sP", "r": "D, d M Y H:i:s O"}


class DateFormatError(ValueError):
    pass


def _fold(text: str) -> str:
    """Lower case, accents removed, trailing dot dropped: "Févr." -> "fevr"."""
    text = unicodedata.normalize("NFKD", text.strip().lower().rstrip("."))
    return "".join(c for c in text if not unicodedata.combining(c))


@functools.lru_cache(maxsize=16)
def _month_table(language: str | None) -> tuple[dict[str, int], dict[str, set[int]]]:
    """(exact names and abbreviations -> month, full names for prefix lookup) for a language
    (None: every supported language).  English is always included: PHP's date() writes English."""
    languages = LANGUAGES if language is None else tuple(dict.fromkeys(("en", language)))
    exact: dict[str, int] = {}
    full: dict[str, set[int]] = {}
    for lang in languages:
        for number, name in enumerate(_FULL_MONTHS[lang], start=1):
            exact.setdefault(name, number)
            full.setdefault(name, set()).add(number)
        for abbr, number in _EXTRA_ABBREVIATIONS.get(lang, {}).items():
            exact.setdefault(_fold(abbr), number)
    return exact, full


def month_number(name: str, language: str | None = None) -> int:
    """1-12 for a month name or abbreviation in ``language`` (or any supported language)."""
    folded = _fold(name)
    exact, full = _month_table(language if language in LANGUAGES else None)
    if folded in exact:
        return exact[folded]
    if len(folded) >= 3:
        found = {n for full_name, numbers in full.items() if full_name.startswith(folded) for n in numbers}
        if len(found) == 1:
            return found.pop()
    raise DateFormatError(f"unknown month name {name!r}")


def is_full_month_name(name: str, language: str | None = None) -> bool:
    return _fold(name) in _month_table(language if language in LANGUAGES else None)[1]


def is_weekday_name(name: str) -> bool:
    folded = _fold(name)
    return len(folded) >= 2 and any(day == folded or (len(folded) >= 3 and day.startswith(folded))
                                    for days in _WEEKDAYS.values() for day in days)


_month = month_number  # the name older callers use


@functools.lru_cache(maxsize=256)
def _compile(php_format: str) -> tuple[re.Pattern[str], frozenset[str]]:
    parts: list[str] = []
    fields: set[str] = set()
    escape = False
    for char in "".join(_SHORTHANDS.get(c, c) for c in _unescape_shorthands(php_format)):
        if escape:
            parts.append(re.escape(char))
            escape = False
        elif char == "\\":
            escape = True
        elif char in _TOKENS:
            regex, name = _TOKENS[char]
            if name is not None and name not in fields:
                fields.add(name)
                parts.append(f"(?P<{name}>{regex})")
            else:
                parts.append(f"(?:{regex})")
        elif char.isspace():
            parts.append(r"\s*")
        else:
            parts.append(re.escape(char))
    return re.compile(r"^\s*" + "".join(parts) + r"\s*$", re.IGNORECASE), frozenset(fields)


def _unescape_shorthands(php_format: str) -> list[str]:
    """Split into characters, keeping ``\\c`` (an escaped letter) as one unit."""
    out, i = [], 0
    while i < len(php_format):
        if php_format[i] == "\\" and i + 1 < len(php_format):
            out.append(php_format[i:i + 2])
            i += 2
        else:
            out.append(php_format[i])
            i += 1
    return out


def check_format(php_format: str) -> None:
    """Raise DateFormatError unless ``php_format`` gives a day, a month and a year."""
    if not isinstance(php_format, str) or not php_format.strip():
        raise DateFormatError("the date format is empty")
    fields = _compile(php_format)[1]
    if "U" in fields:
        return
    missing = [what for what, keys in (("day", {"d"}), ("month", {"m", "M", "F"}), ("year", {"y", "Y"}))
               if not keys & fields]
    if missing:
        raise DateFormatError(f"date format {php_format!r} has no {' and no '.join(missing)} "
                              "(PHP date() characters: d or j, m n M or F, y or Y)")
    if len({"m", "M", "F"} & fields) > 1 or len({"y", "Y"} & fields) > 1:
        raise DateFormatError(f"date format {php_format!r} gives the month or the year twice")


def two_digit_year(value: int) -> int:
    """POSIX/strptime rule: 69-99 are 1900s, 00-68 are 2000s."""
    return 1900 + value if value >= 69 else 2000 + value


def parse_date(text: str, php_format: str = DEFAULT_FORMAT, language: str | None = None) -> dt.date:
    """Parse ``text`` written by PHP ``date(php_format)``; raise DateFormatError.

    ``language``: the site's language, for month names (any supported language is tried)."""
    check_format(php_format)
    pattern, _ = _compile(php_format)
    match = pattern.match(text or "")
    if not match:
        raise DateFormatError(f"{text!r} does not match date format {php_format!r}")
    fields = match.groupdict()
    if fields.get("U"):
        return dt.datetime.fromtimestamp(int(fields["U"]), tz=dt.timezone.utc).date()
    year = int(fields["Y"]) if fields.get("Y") else two_digit_year(int(fields["y"]))
    if fields.get("m"):
        month = int(fields["m"])
    else:
        month = month_number(fields.get("M") or fields["F"], language)
    try:
        return dt.date(year, month, int(fields["d"]))
    except ValueError as exc:
        raise DateFormatError(f"{text!r} is not a real date in format {php_format!r}: {exc}") from exc


def try_parse(text: str, php_format: str, language: str | None = None) -> dt.date | None:
    try:
        return parse_date(text, php_format, language)
    except DateFormatError:
        return None


# --- inference ------------------------------------------------------------------------------------

@dataclass
class DateFormatGuess:
    """What :func:`infer_date_format` concluded.

    ``format``: the PHP format to use (None: no format reads the dates); ``certain``: False when
    more than one format reads every date and nothing tells them apart (then ``format`` is the
    likeliest: eFiction's default, else the first in the admin menu's order); ``candidates``: every
    format still standing; ``evidence``: why, in words."""

    format: str | None
    certain: bool
    candidates: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


_PIECE = re.compile(r"\d+|[^\W\d_]+\.?|\s+|.", re.UNICODE)


def _escape_literal(text: str) -> str:
    return "".join("\\" + c if c.isalpha() or c == "\\" else c for c in text)


def _shape_candidates(sample: str, language: str | None) -> list[str]:
    """Every PHP format that could have written ``sample`` (one day, one month, one year)."""
    pieces = _PIECE.findall(sample.strip())
    options: list[list[tuple[str, str | None]]] = []  # per piece: (format text, field)
    for index, piece in enumerate(pieces):
        prev = pieces[index - 1] if index else ""
        nxt = pieces[index + 1] if index + 1 < len(pieces) else ""
        word = piece.rstrip(".")
        if piece.isdigit():
            if ":" in (prev, nxt):  # a time: H:i[:s]
                options.append([("H" if nxt == ":" and prev != ":" else "i" if prev == ":" and nxt == ":"
                                 else "s" if prev == ":" and index >= 4 and pieces[index - 2].isdigit()
                                 and pieces[index - 3] == ":" else "i", None)])
            elif len(piece) == 4:
                options.append([("Y", "year")])
            elif len(piece) <= 2:
                choices = [("d", "day"), ("m", "month")]
                if len(piece) == 2:
                    choices.append(("y", "year"))
                options.append(choices)
            else:
                options.append([(piece, None)])
        elif word.isalpha():
            if prev.isdigit() and _fold(word) in ("st", "nd", "rd", "th"):
                options.append([("S", None)])
            elif word.lower() in ("am", "pm"):
                options.append([("a" if word.islower() else "A", None)])
            elif _is_month(word, language):
                options.append([("F" if is_full_month_name(word, language) else "M", "month")])
            elif is_weekday_name(word):
                options.append([("l" if len(_fold(word)) > 3 else "D", None)])
            else:
                options.append([(_escape_literal(piece), None)])
        else:
            options.append([(_escape_literal(piece), None)])
    found = []
    for combo in itertools.product(*options):
        roles = [role for _, role in combo if role]
        if sorted(roles) != ["day", "month", "year"]:
            continue
        numeric_month = any(role == "month" and text in ("m", "n") for text, role in combo)
        # all-number dates: day-month-year, month-day-year or year-month-day (never y/d/m or d/y/m)
        if numeric_month and roles not in (["day", "month", "year"], ["month", "day", "year"],
                                           ["year", "month", "day"]):
            continue
        found.append("".join(text for text, _ in combo))
    return found


def _is_month(word: str, language: str | None) -> bool:
    try:
        month_number(word, language)
    except DateFormatError:
        return False
    return True


def _canonical(php_format: str, samples: Sequence[str]) -> str:
    """The admin menu's spelling of an equivalent format ("j/n/y" -> "d/m/y") when the samples
    are zero-padded; custom formats as they are."""
    padded = not any(re.search(r"(?<!\d)\d(?!\d)", s) for s in samples)
    if padded:
        swapped = _swap(php_format, {"j": "d", "n": "m"})
        return swapped if swapped in ADMIN_FORMATS else php_format
    # unpadded numbers: d/m read them anyway, but j/n is what wrote them
    return _swap(php_format, {"d": "j", "m": "n"})


def _swap(php_format: str, mapping: dict[str, str]) -> str:
    """Replace format characters (not escaped letters)."""
    return "".join(mapping.get(unit, unit) for unit in _unescape_shorthands(php_format))


def _ranked(names: Iterable[str]) -> list[str]:
    order: dict[str, int] = {}
    for name in (DEFAULT_FORMAT, *ADMIN_FORMATS):
        order.setdefault(name, len(order))
    return sorted(dict.fromkeys(names), key=lambda n: (order.get(n, len(order)), n))


def trimmed_date(text: str | None) -> str:
    """A displayed date without the separators and brackets a skin put around it (``22/08/11 ·``,
    ``| 23/08/11``, ``[Jul 21 2006]``, ``21.07.2006,``): what inference reads."""
    return clean_value(text) if text else ""


def _separator_at_an_end(php_format: str) -> bool:
    """A format that would write a separator (``·``, ``|``, ``::``, ``-``, a bracket, a comma) or
    a space first or last: never the site's date format, however the samples were cut."""
    units = _unescape_shorthands(php_format)
    if not units:
        return True
    return any(unit.lstrip("\\") == "" or unit[-1] in _SEPARATORS for unit in (units[0], units[-1]))


_SEPARATORS = set("·•|¦:;,~-–—[](){}") | {" ", "\t"}


def infer_date_format(samples: Iterable[str], *,
                      rss_pairs: Iterable[tuple[str, dt.date]] = (),
                      ordered_pairs: Iterable[tuple[str, str]] = (),
                      language: str | None = None, today: dt.date | None = None) -> DateFormatGuess:
    """The PHP date() format a site writes its dates in.

    ``samples``: dates as displayed (Published and Updated of a listing page); each is read
    trimmed (:func:`trimmed_date`: ``22/08/11 ·`` is ``22/08/11``), and no format that would
    write a separator, bracket or comma first or last is ever a candidate.
    ``rss_pairs``: (displayed date, the date from the RSS ``pubDate`` of the same story): the
    format must read the one as the other (give or take a day, for time zones).
    ``ordered_pairs``: (published, updated) as displayed: a story is never updated before it was
    published.  ``today``: dates after it (give or take a day) count against a format."""
    samples = [t for s in samples if (t := trimmed_date(s))]
    rss_pairs = [(t, d) for s, d in rss_pairs if (t := trimmed_date(s))]
    ordered_pairs = [(ta, tb) for a, b in ordered_pairs if (ta := trimmed_date(a)) and (tb := trimmed_date(b))]
    everything = list(dict.fromkeys(samples + [s for s, _ in rss_pairs]
                                    + [s for pair in ordered_pairs for s in pair]))
    if not everything:
        return DateFormatGuess(None, False, [], ["no dates to read"])
    candidates: set[str] = set()
    for sample in everything:
        candidates.update(_canonical(f, everything) for f in _shape_candidates(sample, language))
    menu = {_canonical(f, everything) for f in ADMIN_FORMATS}  # j/n/y when the site does not pad
    candidates.update(menu)
    candidates = {f for f in candidates if not _separator_at_an_end(f)}
    readable = [f for f in _ranked(candidates)
                if all(try_parse(s, f, language) is not None for s in everything)]
    evidence: list[str] = []
    if not readable:
        return DateFormatGuess(None, False, [], [f"no date format reads every date (e.g. {everything[0]!r})"])

    def score(php_format: str) -> tuple[int, int, int]:
        rss_misses = sum(abs((try_parse(s, php_format, language) - d).days) > 1  # type: ignore[operator]
                         for s, d in rss_pairs)
        order_misses = sum(try_parse(a, php_format, language) > try_parse(b, php_format, language)  # type: ignore[operator]
                           for a, b in ordered_pairs)
        future = sum(1 for s in everything if today is not None
                     and try_parse(s, php_format, language) > today + dt.timedelta(days=1))  # type: ignore[operator]
        return rss_misses, order_misses, future

    scores = {f: score(f) for f in readable}
    best = min(scores.values())
    standing = _prefer_names_as_shown([f for f in readable if scores[f] == best], everything, language)
    if any(f in menu for f in standing):  # a menu format beats a custom one that reads the same
        standing = [f for f in standing if f in menu]
    if len(readable) > 1:
        for label, i in (("RSS pubDate against the displayed date", 0),
                         ("published on or before updated", 1), ("no date in the future", 2)):
            beaten = [f for f in readable if scores[f][i] > best[i]]
            if beaten:
                evidence.append(f"{label} rules out {', '.join(beaten)}")
    chosen = standing[0]
    plural = "s" if len(everything) > 1 else ""
    evidence.insert(0, f"{chosen!r} reads the {len(everything)} date{plural} seen"
                       + ("" if len(standing) == 1 else f" (so does {', '.join(standing[1:])})"))
    if any(c in chosen.replace("\\m", "").replace("\\n", "") for c in "mn"):
        over = next(((s, d) for s in everything if (d := try_parse(s, chosen, language)) and d.day > 12), None)
        if over:
            evidence.append(f"{over[0]!r} has a day over 12 ({over[1].day})")
    if len(_distinct_readings(standing, everything, language)) == 1:
        return DateFormatGuess(chosen, True, standing, evidence)
    evidence.append(f"ambiguous: {', '.join(standing)} all read every date, differently; "
                    f"assuming {chosen!r}")
    return DateFormatGuess(chosen, False, standing, evidence)


def _prefer_names_as_shown(formats: list[str], samples: Sequence[str], language: str | None) -> list[str]:
    """"M" (abbreviated month) first when a sample abbreviates a month name, else "F" (full):
    both read "Mar" and "March", but only one is what the site writes."""
    words = [w.rstrip(".") for s in samples for w in re.findall(r"[^\W\d_]+\.?", s)]
    months = [w for w in words if _is_month(w, language)]
    abbreviated = any(not is_full_month_name(w, language) for w in months)

    def uses(php_format: str, char: str) -> bool:
        return char in "".join(u for u in _unescape_shorthands(php_format) if len(u) == 1)

    preferred = "M" if abbreviated else "F"
    return sorted(formats, key=lambda f: 0 if uses(f, preferred) or not months else 1)


def _distinct_readings(formats: Sequence[str], samples: Sequence[str], language: str | None) -> list[str]:
    """One format per distinct reading of the samples (formats that read every date the same are
    alike: "F d Y" and "M d Y" on "Mar 05 2013")."""
    seen: dict[tuple, str] = {}
    for php_format in formats:
        seen.setdefault(tuple(try_parse(s, php_format, language) for s in samples), php_format)
    return list(seen.values())


def format_date(date: dt.date, php_format: str, language: str = "en") -> str:
    """PHP ``date(php_format)`` for the date characters (the time ones are written as 00).
    Used to show what a format looks like; month and weekday names in ``language``."""
    lang = language if language in LANGUAGES else "en"
    months = [n.capitalize() for n in _FULL_MONTHS[lang]] if lang != "en" else [n.capitalize() for n in MONTHS]
    days = [n.capitalize() for n in _WEEKDAYS[lang]]
    values = {"d": f"{date.day:02d}", "j": str(date.day), "m": f"{date.month:02d}", "n": str(date.month),
              "y": f"{date.year % 100:02d}", "Y": str(date.year), "F": months[date.month - 1],
              "M": _short_month(months[date.month - 1], lang), "l": days[date.weekday()], "D": days[date.weekday()][:3],
              "S": "th" if 11 <= date.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(date.day % 10, "th"),
              "N": str(date.isoweekday()), "w": str(date.isoweekday() % 7),
              "H": "00", "G": "0", "h": "12", "g": "12", "i": "00", "s": "00", "a": "am", "A": "AM"}
    out, escape = [], False
    for char in "".join(_SHORTHANDS.get(c, c) for c in _unescape_shorthands(php_format)):
        if escape:
            out.append(char)
            escape = False
        elif char == "\\":
            escape = True
        else:
            out.append(values.get(char, char))
    return "".join(out)


def _short_month(name: str, language: str) -> str:
    """The shortest abbreviation (3 letters or more) that names only this month in ``language``."""
    for size in range(3, len(name) + 1):
        try:
            if month_number(name[:size], language) == month_number(name, language):
                return name[:size]
        except DateFormatError:
            continue
    return name
