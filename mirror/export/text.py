"""Plain-text export: one ``.txt`` file per story, in the layout readers save from eFiction.

Layout (UTF-8, lines ended by ``\\n``, no trailing spaces, the file ends with exactly one
``\\n``)::

    Title by Author[, Co-author]
    Summary: summary as one line of plain text
    Categories: X, Y Characters: A, B
    Genres: a, b                      (one line per class type, in stored order)
    Warnings: c
    Series: S1, S2
    Chapters: N Completed: Yes Word count: N Read: N Published: <as shown> Updated: <as shown>
    [Story notes: ...]                (only when the story has notes)
    Chapter title by Author
    [Notes: ...]                      (only when the chapter has notes)
    First paragraph of the text.

    Second paragraph.
    [
    End notes: ...]                   (only when the chapter has end notes)

    Next chapter title by Author
    ...

* Empty lists are written ``None`` (as eFiction does); unknown numbers and
  ``Completed`` are ``Unknown``; dates are the site's own display text, else ISO ``YYYY-MM-DD``,
  else ``Unknown``.  Rating and challenges are not part of this layout (the JSON Lines and CSV
  exports have them).
* A chapter line credits the chapter's own authors (round robins), else the story's.
* Chapters follow each other with one blank line between the end of one and the next title line.
* Notes are written as consecutive lines (their paragraphs are not separated by blank lines), so
  the blank-line-separated paragraphs always belong to the text.

HTML to text (:func:`html_to_text`):

* paragraphs (``<p>``, ``<div>``, ``<blockquote>``, headings, list items, ...) and ``<br><br>``
  are separated by one blank line; a single ``<br>`` is a line break;
* an empty paragraph (``<p>&nbsp;</p>``, the editor's way to add space) or a third ``<br>``
  in a row adds one more blank line -- never more than two blank lines in a row;
* ``<i>``, ``<em>``, ``<b>``, ``<strong>`` become ``*word*`` (whitespace kept outside the stars,
  nested ones nest: ``*What *am* I?*``); emphasis that spans paragraphs is closed and reopened
  on each;
* ``<hr>`` is a scene-break line ``* * *``;
* entities are decoded, ``&nbsp;`` is a plain space, runs of white space are one space, lines
  are stripped; ``<script>``/``<style>`` content and images are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from lxml import etree
from lxml import html as lxml_html

from mirror.items import Author, Chapter, Story

SCENE_BREAK = "* * *"
EMPHASIS = frozenset({"i", "em", "b", "strong"})
BLOCKS = frozenset({
    "p", "div", "blockquote", "center", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
    "dl", "dt", "dd", "table", "tr", "pre", "address", "section", "article", "header", "footer",
    "aside", "nav", "figure", "figcaption", "form", "fieldset", "main",
})
SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})
CELLS = frozenset({"td", "th"})

_OPEN = "\ue000"
_CLOSE = "\ue001"
_SPACE = re.compile(r"\s+")
_MOVE_OPEN = re.compile(_OPEN + r"( +)")
_MOVE_CLOSE = re.compile(r"( +)" + _CLOSE)
_BLANKS = re.compile(r"\n{4,}")
_NUMBER_UNKNOWN = "Unknown"


class _TextBuilder:
    """Accumulates lines; ``\\n\\n`` in :attr:`out` is a paragraph gap."""

    def __init__(self) -> None:
        self.out: list[str] = []  # finished lines, each followed by "\n" when joined
        self.line: list[str] = []
        self.depth = 0  # open emphasis
        self.visible = 0  # visible characters written so far
        self.trailing_blank = 0  # blank lines at the end of out
        self.started = False

    def text(self, value: str | None) -> None:
        if not value:
            return
        value = _SPACE.sub(" ", value)
        self._start_line()
        self.visible += len(value.strip())
        self.line.append(value)

    def _start_line(self) -> None:
        if not self.line:
            # emphasis still open from the previous line is reopened here
            self.line.append(_OPEN * self.depth)

    def _has_content(self) -> bool:
        return any(piece.strip(" " + _OPEN + _CLOSE) for piece in self.line)

    def _finish_line(self) -> None:
        content = self._has_content()
        line = "".join(self.line)
        if content and self.depth:
            line += _CLOSE * self.depth
        self.line = []
        if content:
            self.out.append(line)
            self.trailing_blank = 0
            self.started = True
        elif self.started:
            self.out.append("")
            self.trailing_blank += 1

    def br(self) -> None:
        self._finish_line()

    def boundary(self) -> None:
        """A block starts or ends: the next text begins a new paragraph."""
        if self._has_content():
            self._finish_line()
        else:
            self.line = []
        if self.started and self.trailing_blank == 0:
            self.out.append("")
            self.trailing_blank = 1

    def spacer(self) -> None:
        """An empty paragraph: one more blank line (at most two in a row)."""
        self.boundary()
        if self.started and self.trailing_blank < 2:
            self.out.append("")
            self.trailing_blank += 1

    def open_emphasis(self) -> None:
        self._start_line()
        self.line.append(_OPEN)
        self.depth += 1

    def close_emphasis(self) -> None:
        if self.depth:
            self.depth -= 1
            if self.line:
                self.line.append(_CLOSE)

    def result(self) -> list[str]:
        if self._has_content():
            self._finish_line()
        lines = [_finish_markup(line) for line in self.out]
        text = "\n".join(lines).strip("\n")
        text = _BLANKS.sub("\n\n\n", text)
        return text.split("\n") if text else []


def _finish_markup(line: str) -> str:
    line = re.sub(" {2,}", " ", line)
    previous = None
    while previous != line:
        previous = line
        line = _MOVE_OPEN.sub(lambda m: m.group(1) + _OPEN, line)
        line = _MOVE_CLOSE.sub(lambda m: _CLOSE + m.group(1), line)
        line = line.replace(_OPEN + _CLOSE, "")
        line = line.replace(_CLOSE + _OPEN, "")
    line = re.sub(" {2,}", " ", line)
    line = line.replace(_OPEN, "*").replace(_CLOSE, "*")
    return line.strip()


def html_to_lines(fragment: str | None) -> list[str]:
    """HTML fragment -> lines of plain text (``""`` lines are blank lines), see module docs."""
    if not fragment or not fragment.strip():
        return []
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):  # not parseable as HTML at all: keep it as one line
        return [_one_line(fragment)]
    builder = _TextBuilder()
    paragraph_start: dict[int, int] = {}
    skipping = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if event == "start":
            if tag in SKIP or tag is None:
                skipping += 1
                continue
            if skipping:
                continue
            if el is not root:
                if tag in BLOCKS:
                    builder.boundary()
                    if tag == "p":
                        paragraph_start[id(el)] = builder.visible
                elif tag == "br":
                    builder.br()
                elif tag == "hr":
                    builder.boundary()
                    builder.text(SCENE_BREAK)
                    builder.boundary()
                elif tag in EMPHASIS:
                    builder.open_emphasis()
                elif tag in CELLS:
                    builder.text(" ")
            builder.text(el.text)
        else:
            if tag in SKIP or tag is None:
                skipping -= 1
                if not skipping and el is not root:
                    builder.text(el.tail)
                continue
            if skipping:
                continue
            if el is root:
                continue
            if tag in BLOCKS:
                start = paragraph_start.pop(id(el), None)
                if start is not None and builder.visible == start and not _has_br(el):
                    builder.spacer()
                else:
                    builder.boundary()
            elif tag in EMPHASIS:
                builder.close_emphasis()
            builder.text(el.tail)
    return builder.result()


def _has_br(el: etree._Element) -> bool:
    return any(isinstance(e.tag, str) and e.tag.lower() in ("br", "hr", "img") for e in el.iter())


def html_to_text(fragment: str | None) -> str:
    """HTML fragment -> plain text, paragraphs separated by one blank line, no final newline."""
    return "\n".join(html_to_lines(fragment))


def html_to_line(fragment: str | None) -> str:
    """HTML fragment -> one line of plain text (paragraphs joined by a space)."""
    return " ".join(line for line in html_to_lines(fragment) if line)


def _names(authors: Iterable[Author]) -> str:
    return ", ".join(a.name for a in authors) or "Unknown"


def _list(values: Iterable[str]) -> str:
    return ", ".join(values) or "None"


def _number(value: int | None) -> str:
    return _NUMBER_UNKNOWN if value is None else str(value)


def _completed(value: bool | None) -> str:
    return "Unknown" if value is None else ("Yes" if value else "No")


def _date(display: str | None, value) -> str:
    if display:
        return _SPACE.sub(" ", display).strip()
    return value.isoformat() if value is not None else "Unknown"


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _notes(label: str, html: str) -> list[str]:
    lines = [line for line in html_to_lines(html) if line]
    if not lines:
        return []
    return [f"{label}: {lines[0]}", *lines[1:]]


def header_lines(story: Story) -> list[str]:
    """The metadata header, one entry per line."""
    chapter_count = story.chapter_count if story.chapter_count is not None else (len(story.chapters) or None)
    lines = [
        f"{_one_line(story.title)} by {_names(story.authors)}",
        f"Summary: {html_to_line(story.summary_html)}".rstrip(),
        f"Categories: {_list(t.name for t in story.categories)} "
        f"Characters: {_list(t.name for t in story.characters)}",
    ]
    for kind, tags in story.classes.items():
        lines.append(f"{_one_line(kind)}: {_list(t.name for t in tags)}")
    lines.append(f"Series: {_list(_one_line(s.title) for s in story.series)}")
    lines.append(
        f"Chapters: {_number(chapter_count)} Completed: {_completed(story.completed)} "
        f"Word count: {_number(story.word_count)} Read: {_number(story.read_count)} "
        f"Published: {_date(story.published_display, story.published)} "
        f"Updated: {_date(story.updated_display, story.updated)}"
    )
    lines.extend(_notes("Story notes", story.story_notes_html))
    return lines


def chapter_lines(story: Story, chapter: Chapter) -> list[str]:
    title = _one_line(chapter.title) or f"Chapter {chapter.number}"
    lines = [f"{title} by {_names(chapter.authors or story.authors)}"]
    lines.extend(_notes("Notes", chapter.notes_html))
    lines.extend(html_to_lines(chapter.text_html))
    end = _notes("End notes", chapter.end_notes_html)
    if end:
        lines.append("")
        lines.extend(end)
    return lines


def write_txt(story: Story, stream: TextIO) -> None:
    """Write one story to *stream* (a text stream opened with ``newline="\\n"``)."""
    lines = header_lines(story)
    for index, chapter in enumerate(sorted(story.chapters, key=lambda c: c.number)):
        if index:
            lines.append("")
        lines.extend(chapter_lines(story, chapter))
    for line in lines:
        stream.write(line.rstrip())
        stream.write("\n")
