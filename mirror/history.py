"""A story's history, for people: what the site said about it over time.

:func:`write_history` renders :meth:`mirror.storage.Store.story_history` either as
lines (one event per line, times in UTC)::

    2026-11-20 09:14  first seen: "The Long Way Home", 3 chapters
    2026-11-24 10:02  metadata changed: title "The Long Way" → "The Long Way Home"; summary changed
    2026-11-24 10:02  chapter 3 "Storm": text changed (1520 → 1604 words)
    2026-11-24 10:02  chapter 4 "After": added (2210 words)
    2026-12-01 08:00  removed from the site

or, with ``as_json=True``, as one JSON document: ``{"site", "story_id", "url", "title",
"removed_at", "events": [...]}`` with each event as documented on ``story_history``
(times as ISO 8601 strings).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TextIO

from mirror.storage import Store, json_safe, parse_story_url

MAX_VALUE_CHARS = 80  # longer old/new values are summarised as "<field> changed"

FIELD_LABELS = {
    "chapter_count": "chapters",
    "word_count": "words",
    "published_display": "published (as shown)",
    "updated_display": "updated (as shown)",
}


class UnknownStory(LookupError):
    """The URL is not a story URL, or the database holds no such story (message says which)."""


def _when(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def _quote(text: str | None) -> str:
    return json.dumps(text if text is not None else "", ensure_ascii=False)


def _names(items: list[dict[str, Any]] | None, key: str = "name") -> str:
    return ", ".join(str(item.get(key)) for item in items or []) or "none"


def _show(field: str, value: Any) -> str:
    """One metadata value as short text."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field in ("authors", "categories", "characters", "challenges"):
        return _names(value)
    if field == "series":
        return _names(value, "title")
    if field == "classes":
        return "; ".join(f"{c['type']}: {_names(c['values'])}" for c in value) or "none"
    if field == "extra":
        return "; ".join(f"{e['label']}: {e['value']}" for e in value) or "none"
    if isinstance(value, str):
        return _quote(value)
    return str(value)


def _change(change: dict[str, Any]) -> str:
    field = change["field"]
    label = FIELD_LABELS.get(field, field.removesuffix("_html").replace("_", " "))
    if "note" in change:
        return change["note"]
    old, new = _show(field, change["old"]), _show(field, change["new"])
    if len(old) > MAX_VALUE_CHARS or len(new) > MAX_VALUE_CHARS:
        return f"{label} changed"
    return f"{label} {old} → {new}"


def describe(event: dict[str, Any]) -> str:
    """One event as the text after the time."""
    kind = event["kind"]
    if kind == "first_seen":
        chapters = event["chapters"]
        return f"first seen: {_quote(event['title'])}, {chapters} chapter{'s' if chapters != 1 else ''}"
    if kind == "metadata_changed":
        return "metadata changed: " + "; ".join(_change(c) for c in event["changes"])
    if kind.startswith("chapter_"):
        head = f"chapter {event['number']} {_quote(event['title'])}"
        if kind == "chapter_added":
            return f"{head}: added ({event['words']} words)"
        if kind == "chapter_removed":
            return f"{head}: removed"
        parts = event["parts"] or ["content"]
        was = f"; was {_quote(event['old_title'])}" if "title" in parts else ""
        return f"{head}: {', '.join(parts)} changed ({event['old_words']} → {event['new_words']} words{was})"
    run = f" (crawl run {event['run_id']})" if event.get("run_id") is not None else ""
    if kind == "removed":
        return f"removed from the site{run}"
    if kind == "restored":
        return f"back on the site{run}"
    return kind


def write_history(store: Store, story_url: str, stream: TextIO, *, as_json: bool = False) -> int:
    """Write the history of the story at *story_url* to *stream*; returns the number of events.

    Raises :class:`UnknownStory` (one-line message) when the URL is not a
    ``viewstory.php?sid=N`` URL or the database holds no such story.
    """
    if parse_story_url(story_url) is None:
        raise UnknownStory(f"{story_url!r} is not a story address; give one like "
                           "http://example.org/fiction/viewstory.php?sid=12")
    found = store.find_story(story_url)
    if found is None:
        raise UnknownStory(f"no story {story_url} in {store.url}; check the address "
                           "(mirror crawl stores a site's stories first)")
    site, story_id = found
    events = store.story_history(site, story_id)
    story = store.get_story(site, story_id)
    title = story.title if story is not None else ""
    url = story.url if story is not None else story_url
    removed = [e for e in events if e["kind"] in ("removed", "restored")]
    removed_at = removed[-1]["at"] if removed and removed[-1]["kind"] == "removed" else None
    if as_json:
        document = {"site": site, "story_id": story_id, "url": url, "title": title,
                    "removed_at": removed_at, "events": events}
        stream.write(json.dumps(json_safe(document), ensure_ascii=False, indent=2))
        stream.write("\n")
        return len(events)
    stream.write(f"{_quote(title)} ({url})\n")
    for event in events:
        stream.write(f"{_when(event['at'])}  {describe(event)}\n")
    return len(events)
