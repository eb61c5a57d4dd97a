"""The three renderings of a story must agree.

The listing block, the story index and the printable view show the same record (the printable
view's template is seldom overridden by a skin, but live sites do edit it: it is evidence, not
truth).  :func:`compare` lines up the fields each rendering showed and reports the ones that
differ; :func:`settle` keeps the value of the rendering proven to belong to the story (the
index, read in the region its own links anchor, then the printable view, then the listing),
fills a field only another rendering shows, and says what disagreed.  Read and review counts
drift on every visit and are not compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from mirror.items import Story

# The renderings, the most trusted first.
RENDERINGS = ("index", "printable", "listing")
FIELDS = ("title", "authors", "rating", "chapter_count", "word_count", "completed", "published", "updated")
# Fields another rendering may fill when the trusted one did not show them.
FILLABLE = ("rating", "chapter_count", "word_count", "completed", "published", "updated",
            "published_display", "updated_display", "read_count", "summary_html")


@dataclass(frozen=True)
class Disagreement:
    field: str
    shown: tuple[tuple[str, str], ...]  # (rendering, value as compared), in RENDERINGS order
    kept: str  # the rendering whose value is kept

    def __str__(self) -> str:
        values = ", ".join(f"{name} {value}" for name, value in self.shown)
        return f"renderings disagree on {self.field}: {values}; kept the {self.kept}'s"


def _value(story: Story, name: str):
    if name == "authors":
        return tuple(a.id for a in story.authors) or None
    if name == "title":
        return " ".join(story.title.split()) or None
    value = getattr(story, name)
    return " ".join(value.split()) if isinstance(value, str) else value


def compare(renderings: dict[str, Story | None]) -> list[Disagreement]:
    """The fields two or more renderings show with different values."""
    present = [(name, renderings[name]) for name in RENDERINGS if renderings.get(name) is not None]
    found = []
    for name in FIELDS:
        shown = [(where, _value(story, name)) for where, story in present]
        shown = [(where, value) for where, value in shown if value is not None]
        if len({value for _, value in shown}) > 1:
            found.append(Disagreement(name, tuple((w, str(v)) for w, v in shown), shown[0][0]))
    return found


def chapter_list_disagreement(story: Story) -> Disagreement | None:
    """What the site shows twice on the index: its chapter count and its list of chapters."""
    if story.chapter_count is not None and story.chapters and story.chapter_count != len(story.chapters):
        return Disagreement("chapter_count", (("index", str(story.chapter_count)),
                                              ("chapter list", str(len(story.chapters)))), "chapter list")
    return None


def settle(story: Story, others: dict[str, Story | None]) -> list[Disagreement]:
    """``story`` (the index's) kept, its missing fields filled from ``others`` in trust order;
    returns what disagreed (the chapter list wins over a count that differs from it)."""
    disagreements = compare({"index": story, **others})
    for name in FILLABLE:
        if getattr(story, name) in (None, ""):
            for where in RENDERINGS[1:]:
                other = others.get(where)
                if other is not None and getattr(other, name) not in (None, ""):
                    setattr(story, name, getattr(other, name))
                    break
    listed = chapter_list_disagreement(story)
    if listed is not None:
        disagreements.append(listed)
        story.chapter_count = len(story.chapters)
    return disagreements
