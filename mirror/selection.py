"""`--site` and `--story` checked against what the database holds, before a command works on them:
a selection that matches nothing is said in one line (exit 1), never an empty result that looks
like success."""

from __future__ import annotations

from collections.abc import Iterable

from mirror import urls
from mirror.storage import Store


class NothingSelected(LookupError):
    """``--site``/``--story`` match nothing stored: the message says what the database holds."""


def resolve_site(store: Store, site: str | None) -> str | None:
    """The stored base URL ``site`` names (as typed, or normalised: a missing '/' or an
    ``index.php`` is forgiven); None for no ``--site``; :class:`NothingSelected` if none matches."""
    if site is None:
        return None
    stored = store.sites()
    if site in stored:
        return site
    try:
        base = urls.normalise_base(site)
    except urls.BadURL:
        base = None
    if base in stored:
        return base
    held = ", ".join(stored[:5]) + (f" and {len(stored) - 5} more" if len(stored) > 5 else "")
    raise NothingSelected(f"the database holds no site {site}; it holds: {held}" if stored
                          else f"the database holds no site {site}: it is empty")


def check_stories(store: Store, site: str | None, story_ids: Iterable[int] | None) -> None:
    """:class:`NothingSelected` when none of ``story_ids`` is stored (of ``site``, else of any site)."""
    wanted = set(story_ids or ())
    if not wanted:
        return
    sites = [site] if site is not None else store.sites()
    if any(wanted & set(store.story_ids(s)) for s in sites):
        return
    where = f" of {site}" if site is not None else ""
    raise NothingSelected(f"the database holds no story{where} with id "
                          f"{', '.join(str(i) for i in sorted(wanted))}")


def select(store: Store, site: str | None, story_ids: Iterable[int] | None = None) -> str | None:
    """Both checks; the stored base URL of ``site`` (or None)."""
    resolved = resolve_site(store, site)
    check_stories(store, resolved, story_ids)
    return resolved
