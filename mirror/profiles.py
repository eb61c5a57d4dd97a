"""Site profiles: per-site differences as data (``config/sites/<name>.toml``).

Every key (``config/sites/example.toml.sample`` documents each one; copy it to a ``.toml``)::

    name = "lantern-hollow"              # default: the file name without .toml
    base_url = "http://example.org/fiction/"   # required
    engine = "efiction"                  # the only engine there is
    date_format = "d/m/y"                # PHP date() format of Published/Updated, or "auto"
    encoding = "auto"                    # or e.g. "utf-8", "windows-1252"
    language = "en"                      # language of the site's labels and month names
    delay = 2.0                          # seconds between requests (at least 0)
    concurrency = 1                      # requests at a time (1 to 4)
    username_env = "MIRROR_LANTERN_USERNAME"   # where the login is (optional)
    password_env = "MIRROR_LANTERN_PASSWORD"
    pass_age_gates = true                # pass warning / age-consent gates
    printable = true                     # false: the site switched the printable view off
    include = ["viewstory\\.php"]        # regexes: only matching URLs are requested (listing
    exclude = ["sid=666\\b"]             #   and story URLs; robots.txt and the login are exempt)
    notes = "free text"
    interval = "6h"                      # `mirror beat`: re-sync this often ("30m", "6h", "1d", "1d12h")

A profile is validated when it is loaded: every problem (an unknown key, a wrong type, a value
out of range, a regex that does not compile, a date format without a year...) is reported in one
:class:`ProfileError` whose lines name the file, the key and the problem.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mirror import urls
from mirror.parsing.dates import LANGUAGES, DateFormatError, check_format

ENGINES = ("efiction",)
MAX_CONCURRENCY = 4  # more than this at once is no longer a polite guest on shared hosting
AUTO = "auto"
EXAMPLE = "config/sites/example.toml.sample"  # every key, documented; never loaded as a site


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    engine: str = "efiction"
    date_format: str | None = None  # a PHP date() format, "auto" (inferred), None: MIRROR_DATE_FORMAT
    encoding: str | None = None  # None: detect
    language: str = "en"
    delay: float | None = None  # None: DOWNLOAD_DELAY
    concurrency: int = 1
    notes: str = ""
    username_env: str | None = None
    password_env: str | None = None
    pass_age_gates: bool = True
    printable: bool = True  # False: the printable view is off, chapters are read one by one
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    interval: float | None = None  # seconds between scheduled re-syncs (`mirror beat`); None: not scheduled
    path: Path | None = field(default=None, compare=False)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def slot_settings(self) -> dict[str, Any]:
        """This site's entry in Scrapy's ``DOWNLOAD_SLOTS`` (keyed by host name)."""
        slot: dict[str, Any] = {"concurrency": self.concurrency}
        if self.delay is not None:
            slot["delay"] = self.delay
        return slot

    def allows(self, url: str) -> bool:
        """Do the profile's include/exclude patterns let the crawler request ``url``?"""
        return url_allowed(url, self.include, self.exclude)


def url_allowed(url: str, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> bool:
    """True if ``url`` matches an include pattern (or there are none) and no exclude pattern."""
    if include and not any(re.search(p, url) for p in include):
        return False
    return not any(re.search(p, url) for p in exclude)


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# key -> (expected type(s), what to say)
_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "name": (str, "a string"), "base_url": (str, "a string"), "engine": (str, "a string"),
    "date_format": (str, "a string"), "encoding": (str, "a string"), "language": (str, "a string"),
    "delay": ((int, float), "a number of seconds"), "concurrency": (int, "a whole number"),
    "username_env": (str, "a string"), "password_env": (str, "a string"),
    "pass_age_gates": (bool, "true or false"), "printable": (bool, "true or false"), "include": (list, "a list of regular expressions"),
    "exclude": (list, "a list of regular expressions"), "notes": (str, "a string"),
    "interval": (str, "a duration such as \"6h\", \"1d\" or \"1d12h\""),
}
KEYS = tuple(_KEYS)

_INTERVAL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_INTERVAL = re.compile(r"^(?:\d+[smhdw])+$")
MIN_INTERVAL = 10 * 60  # a scheduled re-sync more often than this is no longer polite
MAX_INTERVAL = 366 * 86400


def parse_interval(value: str) -> float:
    """Seconds in a duration such as "30m", "6h", "1d", "1d12h" (units s, m, h, d, w);
    ValueError for anything else."""
    text = value.strip().lower().replace(" ", "")
    if not _INTERVAL.match(text):
        raise ValueError(f"{value!r} is not a duration: a number and a unit (s, m, h, d, w), "
                         "e.g. \"6h\", \"1d\" or \"1d12h\"")
    return float(sum(int(n) * _INTERVAL_UNITS[u] for n, u in re.findall(r"(\d+)([smhdw])", text)))


def _check_value(key: str, value: Any) -> str | None:
    """The problem with one key's value, or None."""
    expected, what = _KEYS[key]
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
        return f"has the wrong type ({type(value).__name__}): expected {what}"
    if key == "name" and not _NAME.match(value):
        return f"{value!r} is not a usable name (letters, digits, '.', '_' and '-')"
    if key == "engine" and value not in ENGINES:
        return f"{value!r} is not a supported engine (supported: {', '.join(ENGINES)})"
    if key == "date_format" and value != AUTO:
        try:
            check_format(value)
        except DateFormatError as exc:
            return f"{exc} (or \"auto\")"
    if key == "encoding" and value != AUTO:
        try:
            codecs.lookup(value)
        except LookupError:
            return f"{value!r} is not a known encoding (e.g. \"utf-8\", \"windows-1252\", or \"auto\")"
    if key == "language" and value not in LANGUAGES:
        return f"{value!r} is not a supported language ({', '.join(LANGUAGES)})"
    if key == "delay" and not 0 <= value <= 3600:
        return f"{value} is out of range: seconds between requests, 0 to 3600"
    if key == "concurrency" and not 1 <= value <= MAX_CONCURRENCY:
        return (f"{value} is out of range: 1 to {MAX_CONCURRENCY} requests at a time "
                "(small archives run on shared hosting; 1 is the polite default)")
    if key == "interval":
        try:
            seconds = parse_interval(value)
        except ValueError as exc:
            return str(exc)
        if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
            return (f"{value!r} is out of range: a re-sync every 10m at the most often, "
                    "every 366d at the least")
    if key in ("username_env", "password_env") and not _ENV.match(value):
        return f"{value!r} is not an environment variable name"
    if key in ("include", "exclude"):
        for index, pattern in enumerate(value):
            if not isinstance(pattern, str):
                return f"item {index + 1} is {type(pattern).__name__}, not a regular expression string"
            try:
                re.compile(pattern)
            except re.error as exc:
                return f"item {index + 1} {pattern!r} is not a valid regular expression: {exc}"
    return None


def check_value(key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for the profile key ``key`` (also the command line's
    ``--encoding`` and ``--date-format``: :mod:`mirror.options`), or None."""
    return _check_value(key, value)


def validate(data: Mapping[str, Any], source: str | Path = "<profile>") -> Profile:
    """A Profile from a profile's TOML data; ProfileError listing every problem, each line
    naming ``source`` and the key."""
    problems: list[str] = []
    for key, value in data.items():
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"unknown key {key!r}{hint} (known: {', '.join(_KEYS)})")
            continue
        problem = _check_value(key, value)
        if problem:
            problems.append(f"{key!r} {problem}")
    base = None
    if "base_url" not in data:
        problems.append("'base_url' is required (the archive's address, e.g. \"http://example.org/fiction/\")")
    elif isinstance(data["base_url"], str):
        try:
            base = urls.normalise_base(data["base_url"])
        except urls.BadURL as exc:
            problems.append(f"'base_url' {exc}")
    if problems:
        raise ProfileError("\n".join(f"{source}: {p}" for p in problems))
    encoding = data.get("encoding")
    stem = Path(source).stem if isinstance(source, Path) else "site"
    return Profile(
        name=data.get("name", stem), base_url=base or "", engine=data.get("engine", "efiction"),
        date_format=data.get("date_format"),
        encoding=None if encoding in (None, AUTO) else encoding,
        language=data.get("language", "en"),
        delay=float(data["delay"]) if "delay" in data else None,
        concurrency=data.get("concurrency", 1), notes=data.get("notes", ""),
        username_env=data.get("username_env"), password_env=data.get("password_env"),
        pass_age_gates=data.get("pass_age_gates", True), printable=data.get("printable", True),
        include=tuple(data.get("include", ())), exclude=tuple(data.get("exclude", ())),
        interval=parse_interval(data["interval"]) if "interval" in data else None,
        path=source if isinstance(source, Path) else None,
    )


def config_dirs(explicit: str | os.PathLike | None = None) -> list[Path]:
    """Where profiles are looked for, first match wins."""
    if explicit:
        return [Path(explicit)]
    dirs = []
    if os.environ.get("MIRROR_CONFIG_DIR"):
        dirs.append(Path(os.environ["MIRROR_CONFIG_DIR"]))
    dirs.append(Path.cwd() / "config")
    dirs.append(Path(__file__).resolve().parent.parent / "config")
    return dirs


def load_profile(path: Path | str) -> Profile:
    """Read and validate one profile file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read site profile: {exc}") from exc
    return validate(data, path)


def sites_dir(config_dir: str | os.PathLike | None = None) -> Path:
    """The folder profiles are read from: the first ``sites/`` of :func:`config_dirs` that
    exists, else where a first profile belongs."""
    for directory in config_dirs(config_dir):
        if (directory / "sites").is_dir():
            return directory / "sites"
    return config_dirs(config_dir)[0] / "sites"


def load_profiles(config_dir: str | os.PathLike | None = None) -> list[Profile]:
    """Every ``*.toml`` of :func:`sites_dir` (the shipped example, ``example.toml.sample``, is
    not one: it documents the keys and names no real site)."""
    return [load_profile(p) for p in sorted(sites_dir(config_dir).glob("*.toml"))]


def no_profiles_message(config_dir: str | os.PathLike | None = None) -> str:
    """What to say when there is no profile yet, and how to make one."""
    sites = sites_dir(config_dir)
    return (f"no site profiles in {sites} yet: write one with `mirror probe URL --write "
            f"{sites / 'NAME.toml'}` ({EXAMPLE} documents every key)")


def find_profile(base_url: str, config_dir: str | os.PathLike | None = None) -> Profile | None:
    """The profile whose base_url is this archive's, if any."""
    base = urls.normalise_base(base_url)
    for profile in load_profiles(config_dir):
        if profile.base_url == base:
            return profile
    return None


def env_prefix(base_url: str, profile: Profile | None) -> str:
    """MIRROR_<SITE>_: SITE is the profile's name, else the host name, in capitals."""
    name = profile.name if profile else (urlsplit(base_url).hostname or "site")
    return "MIRROR_" + re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") + "_"


def credentials(base_url: str, profile: Profile | None,
                environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(username, password) for the site from the environment, or None.

    Read from the variables the profile names, else ``MIRROR_<SITE>_USERNAME`` and
    ``MIRROR_<SITE>_PASSWORD``.  The password is never logged or stored."""
    environ = os.environ if environ is None else environ
    prefix = env_prefix(base_url, profile)
    user_var = (profile.username_env if profile else None) or prefix + "USERNAME"
    pass_var = (profile.password_env if profile else None) or prefix + "PASSWORD"
    username, password = environ.get(user_var), environ.get(pass_var)
    if username and password:
        return username, password
    if username or password:
        raise ProfileError(f"set both {user_var} and {pass_var} to log in (only one is set)")
    return None


def get_profile(name: str, config_dir: str | os.PathLike | None = None) -> Profile:
    """The profile called ``name`` (its ``name`` key, or its file name)."""
    profiles = load_profiles(config_dir)
    for profile in profiles:
        if profile.name == name or (profile.path is not None and profile.path.stem == name):
            return profile
    known = ", ".join(sorted(p.name for p in profiles)) or "none"
    raise ProfileError(f"no site profile named {name!r} in {config_dirs(config_dir)[0] / 'sites'} "
                       f"(profiles: {known})")


def to_toml(values: Mapping[str, Any], comments: Mapping[str, str] | None = None) -> str:
    """A profile as TOML text, keys in the documented order, with optional comments per key."""
    lines = []
    for key in KEYS:
        if key not in values or values[key] is None:
            continue
        if comments and comments.get(key):
            lines.extend(f"# {line}" for line in comments[key].splitlines())
        lines.append(f"{key} = {_toml_value(values[key])}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
