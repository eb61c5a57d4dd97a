"""HTML export: a static, browsable offline copy of the mirror.

Layout of the output folder (every link is relative, so it opens from disk; no JavaScript, nothing
loaded from outside, one local style sheet)::

    index.html                       all stories by title, with their metadata
    authors.html                     by author: each author's stories
    authors/<site>-<uid>.html        one page per author: profile, bio, their stories and series
    series.html                      by series: its stories in the series' order (sub-series nested
                                     in their parent when the series pages were read)
    style.css
    stories/<site>-<id>-<slug>/index.html         story page: metadata, notes, contents
    stories/<site>-<id>-<slug>/chapter-<n>.html   one page per chapter (n = 001, 002, ...)

``<site>`` numbers the archives in the order the store yields them (base URL order), ``<id>`` is
the story id and ``<slug>`` an ASCII slug of the title (:func:`mirror.export.common.safe_name`):
names come from ids and slugs only, never from a path on the site.

Stories are streamed: each story's pages are written as it arrives and only a small index entry
(ids, title, authors, series, a few fields, the cleaned summary) is kept for the three index pages
written at the end.  All HTML from the archive goes through :func:`mirror.export.sanitize.clean_html`
and every other text is escaped.  Stored images (issue 9) are written once each under
``images/<sha256>.<ext>`` and shown from there; other images become their alt text.  The output
is deterministic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mirror.export.common import safe_name
from mirror.export.sanitize import clean_html, escape, safe_href
from mirror.images import ImageRef, ImageSource, local_images
from mirror.items import STATUS_INCOMPLETE, STATUS_RESTRICTED, Author, AuthorProfile, Review, SeriesInfo, Story

__all__ = ["write_html_site", "STYLE_CSS"]

STYLE_CSS = """\
body { font-family: Georgia, "Times New Roman", serif; line-height: 1.5; max-width: 48em;
       margin: 0 auto; padding: 1em; color: #222; background: #fdfdfb; }
a { color: #1a4f8b; }
a:not([href]) { color: inherit; }
nav { font-family: sans-serif; font-size: 0.9em; margin: 1em 0; }
nav a { margin-right: 1em; }
.meta { font-family: sans-serif; font-size: 0.85em; color: #555; }
.meta dt { font-weight: bold; float: left; clear: left; margin-right: 0.5em; }
.meta dd { margin: 0 0 0.2em 0; }
.summary, .notes { border-left: 3px solid #ccc; padding-left: 1em; margin: 0.5em 0; }
.stories > li { margin-bottom: 1.2em; }
.stories > li.subseries { list-style-type: none; }
.story-title { font-size: 1.1em; font-weight: bold; }
.chapter-text { margin: 2em 0; }
.notice { background: #fff3cd; padding: 0.5em 1em; }
h1 small { font-size: 0.6em; color: #555; }
"""

_LABELS = {True: "Yes", False: "No", None: "Unknown"}


@dataclass(frozen=True)
class _Entry:
    """What the index pages need of one story (kept in memory for every story)."""

    site_index: int
    site: str
    story_id: int
    title: str
    folder: str  # the story's folder name under stories/
    authors: tuple[tuple[int, str], ...]
    series: tuple[tuple[int, str], ...]
    rating: str | None
    summary: str  # cleaned HTML
    chapters: int | None
    words: int | None
    completed: bool | None
    updated: str
    published: dt.date | None
    status: str
    positions: tuple[tuple[int, int | None], ...] = ()  # (series id, the story's number in it)


def write_html_site(stories: Iterable[Story], folder: Path, series: Iterable[SeriesInfo] = (),
                    reviews: dict[tuple[str, int], list[Review]] | None = None,
                    authors: Iterable[AuthorProfile] = (), images: ImageSource | None = None) -> None:
    """Write the site for ``stories`` (streamed) into the empty ``folder``.  ``images`` (the
    stored images, :class:`mirror.storage.images.StoreImages`): each written once as
    ``images/<sha256>.<ext>`` and shown where the story shows it; without it (or for an image
    not stored) the image's alt text is shown.  ``series`` (the
    stored series records, :meth:`Store.iter_series`) nests sub-series under their parent;
    ``reviews`` ((site, story id) -> reviews) are shown under their chapter (a review whose
    chapter is not known: on the story page); ``authors`` (profiles, :meth:`Store.iter_authors`)
    head each author's section of authors.html and fill their own page (``authors/``)."""
    folder = Path(folder)
    (folder / "stories").mkdir(parents=True, exist_ok=True)
    _write(folder / "style.css", STYLE_CSS)
    sites: dict[str, int] = {}
    entries: list[_Entry] = []
    written: set[str] = set()
    for story in stories:
        site_index = sites.setdefault(story.site, len(sites) + 1)
        refs = _write_images(images, story, folder, written) if images is not None else []
        entry = _write_story(story, site_index, folder / "stories",
                             (reviews or {}).get((story.site, story.story_id), []), refs=refs)
        entries.append(entry)
    _write(folder / "index.html", _index_page(entries, sites))
    profiles = {(sites[p.site], p.author_id): p for p in authors if p.site in sites}
    bios = {key: _write_images(images, p, folder, written, bio=True) for key, p in profiles.items()} \
        if images is not None else {}
    _write(folder / "authors.html", _authors_page(entries, profiles, bios))
    _write(folder / "series.html", _series_page(entries, sites, series))
    _write_author_pages(folder, entries, profiles, bios, _listed_series(entries))


# ---------------------------------------------------------------- helpers


def _write_images(images: ImageSource, story, folder: Path, written: set[str], bio: bool = False) -> list[ImageRef]:
    """The story's (or author's bio's) stored images, each content written once under ``images/``."""
    refs = images.bio_refs(story) if bio else images.refs(story)
    for ref in refs:
        if ref.sha256 in written:
            continue
        (folder / "images").mkdir(exist_ok=True)
        (folder / ref.path).write_bytes(images.data(ref.sha256))
        written.add(ref.sha256)
    return refs


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def _page(title: str, body: str, root: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html>\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{root}style.css">\n'
        f"</head>\n<body>\n{body}</body>\n</html>\n"
    )


def _title(text: str | None) -> str:
    return (text or "").strip() or "Untitled"


def _number(value: int | None) -> str:
    return "Unknown" if value is None else f"{value:,}"


def _updated(story: Story) -> str:
    if story.updated is not None:
        return story.updated.isoformat()
    return (story.updated_display or "").strip() or "Unknown"


def _host(site: str) -> str:
    return urlsplit(site).netloc or site


def _author_anchor(site_index: int, author_id: int) -> str:
    return f"a-{site_index}-{author_id}"


def _author_file(site_index: int, author_id: int) -> str:
    """An author's own page, under ``authors/`` (from ids only)."""
    return f"authors/{site_index}-{author_id}.html"


def _series_anchor(site_index: int, series_id: int) -> str:
    return f"s-{site_index}-{series_id}"


def _authors_links(authors: Iterable[tuple[int, str]], site_index: int, root: str) -> str:
    links = [
        f'<a href="{root}{_author_file(site_index, aid)}">{escape(name or "Anonymous")}</a>'
        for aid, name in authors
    ]
    return ", ".join(links) or "Unknown"


def _pairs(authors: list[Author]) -> tuple[tuple[int, str], ...]:
    return tuple((a.id, a.name) for a in authors)


def _external(url: str | None, label: str) -> str:
    href = safe_href(url)
    if not href or not href.lower().startswith(("http://", "https://")):
        return escape(url or "")
    return f'<a href="{escape(href)}" rel="nofollow noopener">{escape(label)}</a>'


def _nav(*links: tuple[str, str, str | None]) -> str:
    parts = []
    for href, label, rel in links:
        rel_attr = f' rel="{rel}" class="{rel}"' if rel else ""
        parts.append(f'<a href="{href}"{rel_attr}>{escape(label)}</a>')
    return "<nav>" + " ".join(parts) + "</nav>\n"


def _chapter_file(position: int) -> str:
    return f"chapter-{position:03d}.html"


# ---------------------------------------------------------------- story and chapter pages


def _story_meta(story: Story, site_index: int, root: str) -> str:
    rows: list[tuple[str, str]] = [
        ("Authors", _authors_links(_pairs(story.authors), site_index, root)),
        ("Rating", escape(story.rating or "Unknown")),
    ]
    if story.categories:
        rows.append(("Categories", escape(", ".join(t.name for t in story.categories))))
    if story.characters:
        rows.append(("Characters", escape(", ".join(t.name for t in story.characters))))
    for label, tags in story.classes.items():
        if tags:
            rows.append((escape(label), escape(", ".join(t.name for t in tags))))
    if story.challenges:
        rows.append(("Challenges", escape(", ".join(t.name for t in story.challenges))))
    if story.series:
        rows.append(("Series", ", ".join(
            f'<a href="{root}series.html#{_series_anchor(site_index, s.id)}">{escape(_title(s.title))}</a>'
            for s in story.series)))
    rows += [
        ("Chapters", _number(story.chapter_count)),
        ("Words", _number(story.word_count)),
        ("Completed", _LABELS[story.completed]),
        ("Published", escape(story.published.isoformat() if story.published else
                             (story.published_display or "Unknown"))),
        ("Updated", escape(_updated(story))),
        ("Reads", _number(story.read_count)),
        ("Reviews", _number(story.review_count)),
    ]
    if story.featured:
        rows.append(("Featured", "Yes"))
    if story.retired:
        rows.append(("Featured", "Past"))
    for label, value in story.extra.items():
        rows.append((escape(label), escape(value)))
    rows.append(("Archive", escape(_host(story.site))))
    rows.append(("Original", _external(story.url, story.url)))
    return '<dl class="meta">\n' + "".join(f"<dt>{k}</dt><dd>{v}</dd>\n" for k, v in rows) + "</dl>\n"


def _reviews_html(reviews: list[Review], site_index: int, root: str) -> str:
    """A chapter's (or story's) reviews, newest first; their HTML sanitised like chapter text."""
    if not reviews:
        return ""
    out = [f'<section class="reviews">\n<h2>Reviews ({len(reviews)})</h2>\n']
    for review in reviews:
        who = escape(review.reviewer_name) + ("" if review.signed else " (anonymous)")
        facts = [who, escape(review.date_display)]
        if review.score is not None:
            facts.append(f"score {review.score}/10")
        out.append(f'<div class="review" id="review-{review.review_id}">\n<p class="meta">{" · ".join(facts)}</p>\n')
        if review.rating_only:
            out.append('<p class="meta">(a rating without text)</p>\n')
        else:
            out.append(f"{clean_html(review.text_html)}\n")
        response = clean_html(review.response_html)
        if response:
            out.append(f'<div class="notes"><p class="meta">Author\'s response:</p>\n{response}</div>\n')
        out.append("</div>\n")
    out.append("</section>\n")
    return "".join(out)


def _write_story(story: Story, site_index: int, stories_dir: Path, reviews: list[Review] = (),
                 refs: list[ImageRef] = ()) -> _Entry:
    name = safe_name(story, "html", site_index=site_index)[: -len(".html")]
    story_dir = stories_dir / name
    story_dir.mkdir()
    title = _title(story.title)
    summary = clean_html(story.summary_html)
    chapters = sorted(story.chapters, key=lambda c: c.number)
    root = "../../"

    body = [_nav((f"{root}index.html", "Index", None), (f"{root}authors.html", "Authors", None),
                 (f"{root}series.html", "Series", None))]
    body.append(f"<h1>{escape(title)}</h1>\n")
    body.append(_story_meta(story, site_index, root))
    if summary:
        body.append(f'<h2>Summary</h2>\n<div class="summary">{summary}</div>\n')
    notes = clean_html(story.story_notes_html, local_images(refs, story.url, root) if refs else None)
    if notes:
        body.append(f'<h2>Story notes</h2>\n<div class="notes">{notes}</div>\n')
    if story.status == STATUS_RESTRICTED:
        body.append('<p class="notice">The text of this story is for members of the archive only; '
                    "it was not mirrored.</p>\n")
    elif story.status == STATUS_INCOMPLETE:
        body.append('<p class="notice">Some chapters of this story could not be fetched; '
                    "this copy is incomplete.</p>\n")
    if chapters:
        body.append('<h2>Contents</h2>\n<ol class="toc">\n')
        for position, chapter in enumerate(chapters, 1):
            body.append(f'<li><a href="{_chapter_file(position)}">{escape(_title(chapter.title))}</a>'
                        f'{_words_suffix(chapter.word_count)}</li>\n')
        body.append("</ol>\n")
    numbers = {c.number for c in chapters}
    body.append(_reviews_html([r for r in reviews if r.chapter_number not in numbers], site_index, root))
    _write(story_dir / "index.html", _page(title, "".join(body), root))

    for position, chapter in enumerate(chapters, 1):
        _write(story_dir / _chapter_file(position),
               _chapter_page(story, title, site_index, chapters, position,
                             [r for r in reviews if r.chapter_number == chapter.number], refs))

    return _Entry(
        site_index=site_index,
        site=story.site,
        story_id=story.story_id,
        title=title,
        folder=name,
        authors=_pairs(story.authors),
        series=tuple((s.id, _title(s.title)) for s in story.series),
        positions=tuple((s.id, s.position) for s in story.series),
        rating=story.rating,
        summary=summary,
        chapters=story.chapter_count if story.chapter_count is not None else (len(chapters) or None),
        words=story.word_count,
        completed=story.completed,
        updated=_updated(story),
        published=story.published,
        status=story.status,
    )


def _words_suffix(words: int | None) -> str:
    return "" if words is None else f' <span class="meta">({words:,} words)</span>'


def _chapter_page(story: Story, title: str, site_index: int, chapters: list, position: int,
                  reviews: list[Review] = (), refs: list[ImageRef] = ()) -> str:
    chapter = chapters[position - 1]
    root = "../../"
    shown = local_images(refs, chapter.source_url or story.url, root) if refs else None
    links: list[tuple[str, str, str | None]] = []
    if position > 1:
        links.append((_chapter_file(position - 1), "Previous chapter", "prev"))
    if position < len(chapters):
        links.append((_chapter_file(position + 1), "Next chapter", "next"))
    links += [("index.html", "Story", "up"), (f"{root}index.html", "Index", None)]
    nav = _nav(*links)
    chapter_title = _title(chapter.title)
    authors = chapter.authors or story.authors
    body = [nav, f'<h1>{escape(chapter_title)} <small>{escape(title)}</small></h1>\n',
            f'<p class="meta">Chapter {position} of {len(chapters)} · by '
            f'{_authors_links(_pairs(authors), site_index, root)}{_words_suffix(chapter.word_count)}</p>\n']
    notes = clean_html(chapter.notes_html, shown)
    if notes:
        body.append(f'<div class="notes"><h2>Notes</h2>\n{notes}</div>\n')
    body.append(f'<div class="chapter-text">\n{clean_html(chapter.text_html, shown)}\n</div>\n')
    end_notes = clean_html(chapter.end_notes_html, shown)
    if end_notes:
        body.append(f'<div class="notes"><h2>End notes</h2>\n{end_notes}</div>\n')
    body.append(_reviews_html(list(reviews), site_index, root))
    body.append(nav)
    return _page(f"{chapter_title} — {title}", "".join(body), root)


# ---------------------------------------------------------------- index pages


def _title_key(entry: _Entry) -> tuple:
    return (entry.title.casefold(), entry.title, entry.site_index, entry.story_id)


def _entry_item(entry: _Entry, *, with_summary: bool = True, root: str = "") -> str:
    href = f"{root}stories/{entry.folder}/index.html"
    facts = [
        f"by {_authors_links(entry.authors, entry.site_index, root)}",
        f"Rating: {escape(entry.rating or 'Unknown')}",
        f"Chapters: {_number(entry.chapters)}",
        f"Words: {_number(entry.words)}",
        f"Completed: {_LABELS[entry.completed]}",
        f"Updated: {escape(entry.updated)}",
    ]
    if entry.status == STATUS_RESTRICTED:
        facts.append("members only (no text)")
    elif entry.status == STATUS_INCOMPLETE:
        facts.append("incomplete copy")
    out = (f'<li><a class="story-title" href="{href}">{escape(entry.title)}</a>\n'
           f'<div class="meta">{" · ".join(facts)}</div>\n')
    if with_summary and entry.summary:
        out += f'<div class="summary">{entry.summary}</div>\n'
    return out + "</li>\n"


def _top_nav() -> str:
    return _nav(("index.html", "Stories by title", None), ("authors.html", "Authors", None),
                ("series.html", "Series", None))


def _index_page(entries: list[_Entry], sites: dict[str, int]) -> str:
    if sites:
        intro = f"{len(entries):,} {'story' if len(entries) == 1 else 'stories'} from " + ", ".join(escape(_host(site)) for site in sites) + "."
    else:
        intro = "No stories."
    body = [_top_nav(), f'<h1>Stories by title</h1>\n<p class="meta">{intro}</p>\n']
    body.append('<ul class="stories">\n')
    body += [_entry_item(e) for e in sorted(entries, key=_title_key)]
    body.append("</ul>\n")
    return _page("Stories by title", "".join(body), "")


def _profile_html(profile: AuthorProfile, refs: list[ImageRef] = (), root: str = "") -> str:
    facts = []
    if profile.real_name:
        facts.append(f"Real name: {escape(profile.real_name)}")
    if profile.member_since_display:
        facts.append(f"Member since: {escape(profile.member_since_display)}")
    if profile.status:
        facts.append(f"Status: {escape(profile.status)}")
    out = f'<p class="meta">{" · ".join(facts)}</p>\n' if facts else ""
    for label, value in profile.fields.items():
        out += f'<p class="meta">{escape(label)}: {clean_html(value)}</p>\n'
    bio = clean_html(profile.bio_html, local_images(refs, profile.url, root) if refs else None)
    if bio:
        out += f'<div class="summary">{bio}</div>\n'
    return out


def _authors_page(entries: list[_Entry], profiles: dict[tuple[int, int], AuthorProfile] | None = None,
                  bios: dict[tuple[int, int], list[ImageRef]] | None = None) -> str:
    by_author: dict[tuple[int, int], list[_Entry]] = {}
    names: dict[tuple[int, int], str] = {}
    for entry in entries:
        for aid, name in dict.fromkeys(entry.authors):
            key = (entry.site_index, aid)
            by_author.setdefault(key, []).append(entry)
            names.setdefault(key, name or "Anonymous")
    order = sorted(by_author, key=lambda k: (names[k].casefold(), names[k], k))
    body = [_top_nav(), "<h1>Authors</h1>\n"]
    if not order:
        body.append('<p class="meta">No authors.</p>\n')
    for key in order:
        works = sorted(by_author[key], key=_title_key)
        body.append(f'<h2 id="{_author_anchor(*key)}"><a href="{_author_file(*key)}">{escape(names[key])}</a></h2>\n')
        if profiles and key in profiles:
            body.append(_profile_html(profiles[key], (bios or {}).get(key, [])))
        body.append('<ul class="stories">\n')
        body += [_entry_item(e, with_summary=False) for e in works]
        body.append("</ul>\n")
    return _page("Authors", "".join(body), "")


def _listed_series(entries: list[_Entry]) -> set[tuple[int, int]]:
    return {(e.site_index, sid) for e in entries for sid, _ in e.series}


def _write_author_pages(folder: Path, entries: list[_Entry], profiles: dict[tuple[int, int], AuthorProfile],
                        bios: dict[tuple[int, int], list[ImageRef]], on_series_page: set[tuple[int, int]]) -> None:
    """``authors/<site>-<uid>.html`` for every author of a story here (as authors.html lists them):
    the profile's fields, the bio (its stored images from ``images/``), their stories by title and
    the series they own (linked to series.html where it lists them: those with stories here)."""
    by_author: dict[tuple[int, int], list[_Entry]] = {}
    names: dict[tuple[int, int], str] = {}
    for entry in entries:
        for aid, name in dict.fromkeys(entry.authors):
            key = (entry.site_index, aid)
            by_author.setdefault(key, []).append(entry)
            names.setdefault(key, name or "Anonymous")
    if names:
        (folder / "authors").mkdir(exist_ok=True)
    root = "../"
    for key in sorted(names):
        profile = profiles.get(key)
        body = [_nav((f"{root}index.html", "Stories by title", None), (f"{root}authors.html", "Authors", None),
                     (f"{root}series.html", "Series", None)),
                f"<h1>{escape(names[key])}</h1>\n"]
        if profile is not None:
            body.append(_profile_html(profile, bios.get(key, []), root))
            body.append(f'<p class="meta">On the archive: {_external(profile.url, profile.url)}</p>\n')
        works = sorted(by_author.get(key, []), key=_title_key)
        body.append("<h2>Stories</h2>\n")
        if works:
            body.append('<ul class="stories">\n')
            body += [_entry_item(e, with_summary=True, root=root) for e in works]
            body.append("</ul>\n")
        else:
            body.append('<p class="meta">No stories here.</p>\n')
        owned = profile.series if profile is not None else []
        if owned:
            body.append('<h2>Series</h2>\n<ul class="series">\n')
            for item in owned:
                title = escape(_title(item.title))
                where = (key[0], item.id)
                body.append(f'<li><a href="{root}series.html#{_series_anchor(*where)}">{title}</a></li>\n'
                            if where in on_series_page else f"<li>{title}</li>\n")
            body.append("</ul>\n")
        _write(folder / _author_file(*key), _page(names[key], "".join(body), root))


def _series_page(entries: list[_Entry], sites: dict[str, int] | None = None,
                 records: Iterable[SeriesInfo] = ()) -> str:
    by_series: dict[tuple[int, int], list[_Entry]] = {}
    titles: dict[tuple[int, int], str] = {}
    for entry in entries:
        for sid, title in dict.fromkeys(entry.series):
            key = (entry.site_index, sid)
            by_series.setdefault(key, []).append(entry)
            titles.setdefault(key, title)
    infos = {(sites[r.site], r.series_id): r for r in records if sites and r.site in sites}
    # a series with stories here, and the series above it (a parent may hold sub-series only)
    shown = set(by_series)
    for key in list(shown):
        seen = {key}
        while key in infos and infos[key].parent_series_id is not None:
            key = (key[0], infos[key].parent_series_id)
            if key in seen or key not in infos:
                break
            seen.add(key)
            shown.add(key)
    for key in shown:
        titles.setdefault(key, _title(infos[key].title) if key in infos else str(key[1]))
    nested = {key for key in shown if key in infos and infos[key].parent_series_id is not None
              and (key[0], infos[key].parent_series_id) in shown
              and (key[0], infos[key].parent_series_id) != key}
    order = sorted(shown - nested, key=lambda k: (titles[k].casefold(), titles[k], k))
    body = [_top_nav(), "<h1>Series</h1>\n"]
    if not order:
        body.append('<p class="meta">No series.</p>\n')
    done: set[tuple[int, int]] = set()

    def position(entry: _Entry, key: tuple[int, int]) -> int | None:
        return next((p for sid, p in entry.positions if sid == key[1]), None)

    def section(key: tuple[int, int], level: int) -> None:
        done.add(key)
        works = by_series.get(key, [])
        heading = f"h{min(level, 6)}"
        body.append(f'<{heading} id="{_series_anchor(*key)}">{escape(titles[key])}</{heading}>\n'
                    '<ol class="stories">\n')
        # The series' order: the story's number in it (from the series page); where unknown,
        # after the numbered ones by published date, then story id.
        works = sorted(works, key=lambda e: (position(e, key) is None, position(e, key) or 0,
                                             e.published or dt.date.min, e.story_id))
        children = [(key[0], e.series_id) for e in infos[key].entries
                    if e.series_id is not None] if key in infos else []
        children = [c for c in children if c in nested and c not in done]
        items = {e.story_id: e for e in works}
        if key in infos and children:  # stories and sub-series in the site's order
            placed: set[int] = set()
            for item in infos[key].entries:
                if item.series_id is not None and (key[0], item.series_id) in children:
                    body.append('<li class="subseries">\n')
                    section((key[0], item.series_id), level + 1)
                    body.append("</li>\n")
                elif item.story_id in items and item.story_id not in placed:
                    placed.add(item.story_id)
                    body.append(_numbered(items[item.story_id], position(items[item.story_id], key)))
            body.extend(_numbered(e, position(e, key)) for e in works if e.story_id not in placed)
        else:
            body.extend(_numbered(e, position(e, key)) for e in works)
        body.append("</ol>\n")

    for key in order:
        section(key, 2)
    return _page("Series", "".join(body), "")


def _numbered(entry: _Entry, position: int | None) -> str:
    """A series list item; numbered with the story's position in the series when it is known."""
    item = _entry_item(entry, with_summary=False)
    return item if position is None else f'<li value="{position}">' + item[len("<li>"):]
