"""Command-line options checked the way site profiles are, before any request is made.

``mirror crawl --encoding``, ``--date-format`` and ``-s NAME=VALUE`` (and :func:`mirror.crawl.run_crawl`'s
arguments) go through :func:`check_crawl_options`: an unknown codec, a date format the parser cannot
read or a setting nobody reads is one :class:`OptionError` line, with "did you mean" for a typo.
The encoding and date-format checks are the profile's own (:func:`mirror.profiles.check_value`).

:class:`SuggestingParser` is argparse's parser with the same manners: its errors are one line, and
an unrecognised option (``--dealy``) or sub-command (``stauts``) gets the closest real one.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from mirror.profiles import check_value


class OptionError(ValueError):
    """A command-line option's value is wrong: the message names the option."""


def known_settings() -> frozenset[str]:
    """Every setting name a crawl reads: fic-mirror's (mirror/settings.py) and Scrapy's own."""
    import mirror.settings
    from scrapy.settings import default_settings

    return frozenset(name for module in (mirror.settings, default_settings)
                     for name in vars(module) if name.isupper() and not name.startswith("_"))


def suggestion(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """'; did you mean X?' for the choice closest to ``word``, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f"; did you mean {close[0]}?" if close else ""


def check_setting_names(names: Iterable[str]) -> None:
    """OptionError for the first ``-s NAME`` that is no setting of fic-mirror's or Scrapy's."""
    known = known_settings()
    for name in names:
        if name not in known:
            raise OptionError(f"-s {name}: no such setting{suggestion(name, known)} "
                              "(the settings are listed in mirror/settings.py and Scrapy's documentation)")


# Settings whose value is one of a few words (the spider refuses any other too).
SETTING_CHOICES = {"MIRROR_INDEX": ("auto", "always")}


def check_setting_values(settings: Mapping[str, Any]) -> None:
    """OptionError for a ``-s NAME=VALUE`` whose value is not one of the setting's words."""
    for name, choices in SETTING_CHOICES.items():
        if name in settings and settings[name] not in choices:
            raise OptionError(f"-s {name}={settings[name]}: must be one of {', '.join(choices)}"
                              f"{suggestion(str(settings[name]), choices)}")


def check_crawl_options(*, date_format: str | None = None, encoding: str | None = None,
                        settings: Iterable[str] | Mapping[str, Any] = ()) -> None:
    """Check a crawl's ``--date-format``, ``--encoding`` and ``-s`` setting names (and values,
    given as a mapping); OptionError (one line naming the option) for the first that is wrong."""
    for option, key, value in (("--date-format", "date_format", date_format),
                               ("--encoding", "encoding", encoding)):
        if value is not None:
            problem = check_value(key, value)
            if problem:
                raise OptionError(f"{option}: {problem}")
    check_setting_names(settings)
    if isinstance(settings, Mapping):
        check_setting_values(settings)


def port(text: str) -> int:
    """argparse type of ``--port``: 0 (any free port) to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535; 0: any free port)")
    return value


_UNRECOGNISED = re.compile(r"^unrecognized arguments: (?P<args>.+)$")
_CHOICE = re.compile(r"^argument (?P<arg>[^:]+): invalid choice: '(?P<value>[^']*)' \(choose from (?P<choices>.*)\)$")


class SuggestingParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (``mirror: error: ...``, exit 2) and suggest
    the closest option or choice for a typo.  Sub-parsers made by ``add_subparsers`` are of the
    same class, so every sub-command behaves alike."""

    _INNERMOST = "_suggesting_parser"

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        namespace, extras = super().parse_known_args(args, namespace)
        if not hasattr(namespace, self._INNERMOST):  # the sub-command's parser returns first
            setattr(namespace, self._INNERMOST, self)
        return namespace, extras

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        namespace, extras = self.parse_known_args(args, namespace)
        parser = getattr(namespace, self._INNERMOST, self)
        delattr(namespace, self._INNERMOST)
        if extras:
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace

    def option_strings(self) -> list[str]:
        return [option for action in self._actions for option in action.option_strings]

    def with_suggestion(self, message: str) -> str:
        unrecognised = _UNRECOGNISED.match(message)
        if unrecognised:
            for word in unrecognised["args"].split():
                if word.startswith("-"):
                    hint = suggestion(word.split("=", 1)[0], self.option_strings())
                    if hint:
                        return message + hint
            return message
        choice = _CHOICE.match(message)
        if choice:
            choices = re.findall(r"'([^']*)'", choice["choices"])
            return message + suggestion(choice["value"], choices)
        return message

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"mirror: error: {self.with_suggestion(message)} (see {self.prog} --help)\n")
