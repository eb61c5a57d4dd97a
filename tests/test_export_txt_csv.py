"""Plain-text and CSV exports: byte-for-byte golden comparison on real databases.

``tests/golden/sample-story.txt`` is a copy of a story as readers save it from eFiction (the
reference layout); it is never regenerated.  The other golden files, under
``tests/golden/txt_csv/``, are regenerated after an intended format change with::

    MIRROR_UPDATE_GOLDEN=1 python -m pytest tests/test_export_txt_csv.py

and reviewed by eye.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mirror.export.csvs import CHAPTER_COLUMNS, STORY_COLUMNS, write_csv_folder
from mirror.export.manifest import MANIFEST
from mirror.export.run import export
from mirror.export.text import html_to_lines, write_txt
from mirror.items import Author, Chapter, Series, Story, Tag
from mirror.storage import Store
from tests.storage_fixtures import db_url, store  # noqa: F401  (fixtures)

GOLDEN = Path(__file__).parent / "golden"
TXT_CSV = GOLDEN / "txt_csv"
SAMPLE_TXT = GOLDEN / "sample-story.txt"
SAMPLE_HTML = TXT_CSV / "sample-story-chapter.html"
UPDATE_GOLDEN = os.environ.get("MIRROR_UPDATE_GOLDEN") == "1"
ROOT = Path(__file__).resolve().parent.parent

SITE = "http://archive.example/efiction/"
OTHER = "https://other.example/"

DREAMS = Author(id=215, name="DreamsofSpike", url=SITE + "viewuser.php?uid=215")
RED = Author(id=10, name="Red Thread", url=SITE + "viewuser.php?uid=10")
ERIN = Author(id=4, name="ErinTheGrey", url=SITE + "viewuser.php?uid=4")
ZOE = Author(id=7, name="Zoë Ångström", url=SITE + "viewuser.php?uid=7")


def sample_story() -> Story:
    """The story of ``sample-story.txt``: 86 chapters on the site, one of them mirrored."""
    return Story(
        site=SITE,
        story_id=1402,
        url=SITE + "viewstory.php?sid=1402",
        title="Belonging",
        authors=[DREAMS],
        summary_html=(
            "RESPONSE TO CHALLENGE #157 AU: Breaks from canon after Season Four...Five years after "
            "the Initiative disaster, the world is a very different place, where society in general "
            "knows about demons and vampires, and have found ways to dominate them. Buffy is trapped "
            "in an unhappy marriage to a man who doesn't seem to want her, trapped in a world that "
            "doesn't seem to need her anymore...can an old ally and enemy, sold into her home as a "
            "slave, teach her the meaning of freedom?<br />\nBuffy/Other, temporary"
        ),
        rating="NC-17",
        categories=[Tag(3, "General Fics")],
        characters=[],
        classes={
            "Genres": [Tag(5, "Romance"), Tag(1, "Action"), Tag(2, "Angst")],
            "Warnings": [Tag(12, "Violence"), Tag(14, "Sexual Situations")],
        },
        challenges=[Tag(157, "Challenge #157")],
        series=[],
        chapter_count=86,
        completed=True,
        word_count=253147,
        read_count=153361,
        review_count=1404,
        published=dt.date(2006, 1, 10),
        updated=dt.date(2006, 6, 6),
        published_display="01/10/2006",
        updated_display="06/06/2006",
        chapters=[
            Chapter(
                number=44,
                id=9077,
                title="Making Mistakes",
                authors=[DREAMS],
                word_count=3391,
                text_html=SAMPLE_HTML.read_text(encoding="utf-8"),
                source_url=SITE + "viewstory.php?sid=1402&chapter=44",
            )
        ],
        requests=3,
    )


def roundrobin_story() -> Story:
    """Notes everywhere, co-authors, a round-robin chapter author, <hr>, nested markup, non-ASCII."""
    return Story(
        site=SITE,
        story_id=24,
        url=SITE + "viewstory.php?sid=24",
        title="Zoë’s  “Café”\nat Night",
        authors=[RED, ERIN],
        summary_html="<p>A round robin &amp; a <em>café</em>.</p><p>Second paragraph — 日本語.</p>",
        rating="PG",
        categories=[Tag(1, "Original Fiction"), Tag(2, "Crossover")],
        characters=[Tag(8, "Åsa"), Tag(9, "Фёдор")],
        classes={"Genres": [Tag(7, "Mystery"), Tag(4, "Humor")], "Warnings": []},
        challenges=[],
        series=[Series(3, "Night Shifts", SITE + "viewseries.php?seriesid=3"),
                Series(5, "Cafés; Bars", SITE + "viewseries.php?seriesid=5")],
        chapter_count=3,
        completed=False,
        word_count=None,
        read_count=42,
        review_count=None,
        featured=True,
        published=dt.date(2011, 2, 3),
        updated=None,
        published_display=None,
        updated_display="31/02/11",
        story_notes_html="<p>For the “Night” challenge.</p><p>Beta: <b>Kim</b>.</p>",
        chapters=[
            Chapter(
                number=2,
                id=241,
                title="Closing Time",
                authors=[ZOE],  # round robin: this chapter is someone else's
                word_count=12,
                notes_html="",
                end_notes_html="<p>Thanks for reading &hearts;</p>",
                text_html=(
                    "<div class='chapter'><p>She said <em>“<strong>no</strong>, not <i>that</i> one”</em>"
                    " — twice.</p>\n<hr />\n<blockquote><p>Quote, “Ünïcödé” &amp; &lt;tags&gt;</p></blockquote>"
                    "<p>Line one<br>line two<br/><br/>Para <b>bold </b>end.   </p>"
                    "<p>&nbsp;</p><p>&nbsp;</p><p>&nbsp;</p><p>After big gap 🦔.</p></div>"
                ),
            ),
            Chapter(
                number=1,
                id=240,
                title="Opening",
                authors=[RED],
                word_count=10,
                notes_html="<p>First note.</p><p>Second <i>note</i>.</p>",
                end_notes_html="",
                text_html="It was late.<br />\n<br />\nThe café was <i>closed</i>.",
            ),
        ],
        requests=4,
    )


def restricted_story() -> Story:
    return Story(
        site=OTHER,
        story_id=1,
        url=OTHER + "viewstory.php?sid=1",
        title='Members, "Only"',
        status="restricted",
        authors=[Author(1, "Admin", OTHER + "viewuser.php?uid=1")],
        summary_html="Only for members.",
        rating=None,
        chapter_count=5,
        completed=None,
        published_display="1. Januar 2021",
        published=dt.date(2021, 1, 1),
    )


def fill(store: Store, *stories: Story) -> None:
    for story in stories:
        store.upsert_story(story)


def check_golden(path: Path, data: bytes) -> None:
    if UPDATE_GOLDEN and path != SAMPLE_TXT:
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{path.name} differs from the golden file"


# ---------------------------------------------------------------- txt


def test_sample_story_reproduced_byte_for_byte(store: Store, tmp_path: Path) -> None:
    fill(store, sample_story())
    out = tmp_path / "txt"
    result = export(store, "txt", str(out))
    assert result.stories == 1
    assert [p.name for p in result.paths] == ["001402-belonging.txt"]
    assert result.paths[0].read_bytes() == SAMPLE_TXT.read_bytes()


def test_roundrobin_story_golden(store: Store, tmp_path: Path) -> None:
    fill(store, roundrobin_story())
    result = export(store, "txt", str(tmp_path / "txt"))
    assert [p.name for p in result.paths] == ["000024-zoes-cafe-at-night.txt"]
    check_golden(TXT_CSV / "roundrobin.txt", result.paths[0].read_bytes())


def test_roundrobin_layout_details() -> None:
    stream = io.StringIO()
    write_txt(roundrobin_story(), stream)
    lines = stream.getvalue().split("\n")
    assert lines[0] == "Zoë’s “Café” at Night by Red Thread, ErinTheGrey"
    assert lines[1] == "Summary: A round robin & a *café*. Second paragraph — 日本語."
    assert "Warnings: None" in lines
    assert "Series: Night Shifts, Cafés; Bars" in lines
    assert ("Chapters: 3 Completed: No Word count: Unknown Read: 42 "
            "Published: 2011-02-03 Updated: 31/02/11") in lines
    assert "Story notes: For the “Night” challenge." in lines
    assert lines.index("Opening by Red Thread") < lines.index("Closing Time by Zoë Ångström")
    assert "Notes: First note." in lines and "Second *note*." in lines
    assert "She said *“*no*, not *that* one”* — twice." in lines
    assert "* * *" in lines
    assert "End notes: Thanks for reading ♥" in lines
    assert "Para *bold* end." in lines
    gap = lines.index("After big gap 🦔.")
    assert lines[gap - 2:gap] == ["", ""] and lines[gap - 3] != ""  # capped at two blank lines
    assert lines[-1] == "" and lines[-2] != ""  # exactly one final newline
    assert all(line == line.rstrip() for line in lines)


@pytest.mark.parametrize("html, expected", [
    ("<p>a <i>secret </i>b</p>\n<p>c</p>", ["a *secret* b", "", "c"]),
    ("a<br><br>b<br />c<br><br><br><br><br>d", ["a", "", "b", "c", "", "", "d"]),
    ("<p>x</p><p>&nbsp;</p><p>y</p>", ["x", "", "", "y"]),
    ("<p><i>What <b>am</b> I to you?</i></p>", ["*What *am* I to you?*"]),
    ("<p><em>one<br><br>two</em></p>", ["*one*", "", "*two*"]),
    ("<p>a</p><hr><p>b &amp; &lt;c&gt; &#8220;q&#8221;&nbsp;</p>", ["a", "", "* * *", "", "b & <c> “q”"]),
    ("<p>x<script>bad()</script> y</p><style>p{}</style>z", ["x y", "", "z"]),
    ("<i>a</i><i>b</i> <b> </b>c", ["*ab* c"]),
    ("", []),
    ("<p></p>\n<p> </p>", []),
])
def test_html_to_lines(html: str, expected: list[str]) -> None:
    assert html_to_lines(html) == expected


def test_restricted_story_has_header_only() -> None:
    stream = io.StringIO()
    write_txt(restricted_story(), stream)
    assert stream.getvalue() == (
        'Members, "Only" by Admin\n'
        "Summary: Only for members.\n"
        "Categories: None Characters: None\n"
        "Series: None\n"
        "Chapters: 5 Completed: Unknown Word count: Unknown Read: Unknown "
        "Published: 1. Januar 2021 Updated: Unknown\n"
    )


# ---------------------------------------------------------------- csv


def test_csv_golden(store: Store, tmp_path: Path) -> None:
    fill(store, roundrobin_story(), restricted_story(), sample_story())
    out = tmp_path / "csv"
    result = export(store, "csv", str(out))
    assert result.stories == 3
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "chapters.csv", "stories.csv"]
    stories_csv = (out / "stories.csv").read_bytes()
    chapters_csv = (out / "chapters.csv").read_bytes()
    check_golden(TXT_CSV / "stories.csv", stories_csv)
    check_golden(TXT_CSV / "chapters.csv", chapters_csv)
    assert stories_csv.startswith((",".join(STORY_COLUMNS) + "\r\n").encode())
    assert chapters_csv.startswith((",".join(CHAPTER_COLUMNS) + "\r\n").encode())


def test_csv_rows_parse_back(tmp_path: Path) -> None:
    import csv

    count = write_csv_folder(iter([roundrobin_story(), restricted_story()]), tmp_path)
    assert count == 2
    with open(tmp_path / "stories.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["story_id"] for r in rows] == ["24", "1"]
    rr = rows[0]
    assert rr["title"] == "Zoë’s “Café” at Night"
    assert rr["authors"] == "Red Thread; ErinTheGrey" and rr["author_ids"] == "10; 4"
    assert rr["classes"] == "Genres: Mystery, Humor; Warnings:"
    assert rr["series"] == "Night Shifts; Cafés; Bars" and rr["series_ids"] == "3; 5"
    assert rr["completed"] == "false" and rr["featured"] == "true" and rr["word_count"] == ""
    assert rr["summary"] == "A round robin & a *café*. Second paragraph — 日本語."
    assert rows[1]["title"] == 'Members, "Only"' and rows[1]["completed"] == ""
    with open(tmp_path / "chapters.csv", encoding="utf-8", newline="") as f:
        chapters = list(csv.DictReader(f))
    assert [(c["number"], c["authors"], c["has_notes"], c["has_end_notes"]) for c in chapters] == [
        ("1", "Red Thread", "true", "false"), ("2", "Zoë Ångström", "false", "true")]


def test_csv_is_streamed() -> None:
    """The writer consumes stories one at a time (a generator that checks nothing is held)."""
    seen: list[int] = []

    def gen():
        for i in range(3):
            story = roundrobin_story()
            story.story_id = i
            seen.append(i)
            yield story

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        assert write_csv_folder(gen(), Path(folder)) == 3
        assert seen == [0, 1, 2]


# ---------------------------------------------------------------- CLI


def test_cli_exports_txt_and_csv(db: str, tmp_path: Path) -> None:
    s = Store(db)
    try:
        fill(s, roundrobin_story(), restricted_story(), sample_story())
    finally:
        s.close()
    for fmt in ("txt", "csv"):
        done = subprocess.run(
            [sys.executable, "-m", "mirror", "export", fmt, "--db", db, "--out", str(tmp_path / fmt)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
    txt = tmp_path / "txt"
    assert sorted(p.name for p in txt.iterdir()) == [
        MANIFEST, "000001-members-only.txt", "000024-zoes-cafe-at-night.txt", "001402-belonging.txt"]
    assert (txt / "001402-belonging.txt").read_bytes() == SAMPLE_TXT.read_bytes()
    assert (txt / "000024-zoes-cafe-at-night.txt").read_bytes() == (TXT_CSV / "roundrobin.txt").read_bytes()
    for name in ("stories.csv", "chapters.csv"):
        assert (tmp_path / "csv" / name).read_bytes() == (TXT_CSV / name).read_bytes()
