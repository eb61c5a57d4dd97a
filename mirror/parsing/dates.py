"""Parse dates written with a PHP ``date()`` format string (eFiction's ``dateformat``)."""

from __future__ import annotations

import datetime as dt
import functools
import re

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]

# PHP date() characters -> (regex group, field)
_TOKENS: dict[str, tuple[str, str | None]] = {
    "d": (r"(?P<d>\d{1,2})", "d"),
    "j": (r"(?P<d>\d{1,2})", "d"),
    "m": (r"(?P<m>\d{1,2})", "m"),
    "n": (r"(?P<m>\d{1,2})", "m"),
    "y": (r"(?P<y>\d{2})", "y"),
    "Y": (r"(?P<Y>\d{4})", "Y"),
    "M": (r"(?P<M>[^\W\d_]{3,4}\.?)", "M"),
    "F": (r"(?P<F>[^\W\d_]+)", "F"),
    "D": (r"[^\W\d_]+\.?", None),
    "l": (r"[^\W\d_]+", None),
    "S": (r"(?:st|nd|rd|th)", None),
    "N": (r"\d", None),
    "w": (r"\d", None),
}


class DateFormatError(ValueError):
    pass


@functools.lru_cache(maxsize=64)
def _compile(php_format: str) -> re.Pattern[str]:
    parts: list[str] = []
    escape = False
    for char in php_format:
        if escape:
            parts.append(re.escape(char))
            escape = False
        elif char == "\\":
            escape = True
        elif char in _TOKENS:
            parts.append(_TOKENS[char][0])
        elif char.isspace():
            parts.append(r"\s*")
        else:
            parts.append(re.escape(char))
    try:
        return re.compile(r"^\s*" + "".join(parts) + r"\s*$", re.IGNORECASE)
    except re.error as exc:  # a token used twice, e.g. "d/d/y"
        raise DateFormatError(f"unsupported date format {php_format!r}: {exc}") from exc


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    for index, month in enumerate(MONTHS, start=1):
        if month == name or month[:3] == name[:3] and len(name) <= 4:
            return index
    raise DateFormatError(f"unknown month name {name!r}")


def two_digit_year(value: int) -> int:
    """POSIX/strptime rule: 69-99 are 1900s, 00-68 are 2000s."""
    return 1900 + value if value >= 69 else 2000 + value


def parse_date(text: str, php_format: str = "d/m/y") -> dt.date:
    """Parse ``text`` written by PHP ``date(php_format)``; raise DateFormatError."""
    match = _compile(php_format).match(text or "")
    if not match:
        raise DateFormatError(f"{text!r} does not match date format {php_format!r}")
    fields = match.groupdict()
    if fields.get("Y"):
        year = int(fields["Y"])
    elif fields.get("y"):
        year = two_digit_year(int(fields["y"]))
    else:
        raise DateFormatError(f"date format {php_format!r} has no year")
    if fields.get("m"):
        month = int(fields["m"])
    elif fields.get("M") or fields.get("F"):
        month = _month(fields.get("M") or fields["F"])
    else:
        raise DateFormatError(f"date format {php_format!r} has no month")
    if not fields.get("d"):
        raise DateFormatError(f"date format {php_format!r} has no day")
    try:
        return dt.date(year, month, int(fields["d"]))
    except ValueError as exc:
        raise DateFormatError(f"{text!r} is not a real date in format {php_format!r}: {exc}") from exc
