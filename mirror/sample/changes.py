"""Deterministic content changes between two crawls of a sample archive.

:func:`churn` applies a realistic mix of what happens on an eFiction site between
two visits (new stories, new chapters, silent chapter edits, metadata edits, a story
deleted or un-validated, read counts drifting) to a *mutable* archive and returns a
:class:`ChangeLog` that says what a re-sync has to pick up::

    archive = Archive.generated(1000)
    with SampleArchive(archive=archive) as site:
        crawl(site)                                   # first crawl
        log = churn(archive, seed=1, days=7)          # a week passes
        crawl(site)                                   # re-sync
        assert mirror_has(archive.public_stories())   # compare with the current truth
        log.updated        # sids whose "Updated:" date moved (sort=update shows them first)
        log.silent         # sids whose content changed but whose date did not

Everything goes through the :class:`~mirror.sample.archive.Archive` mutation methods,
so the eFiction rules documented there apply (e.g. editing a chapter does not touch
``updated``).  Same archive state + same arguments = same changes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .archive import Archive, NewChapter, _g_chapter_text, _G_ADJ, _G_NOUN, _SENTENCES

__all__ = ["ChangeLog", "churn"]


@dataclass
class ChangeLog:
    """What :func:`churn` did (sids and chapter positions as they are *after* the changes)."""

    added: list[int] = field(default_factory=list)  # new stories
    chapters_added: dict[int, list[int]] = field(default_factory=dict)  # sid -> new inorders
    chapters_edited: dict[int, list[int]] = field(default_factory=dict)  # sid -> edited inorders
    stories_edited: dict[int, list[str]] = field(default_factory=dict)  # sid -> changed fields
    removed: dict[int, str] = field(default_factory=dict)  # sid -> "delete" | "unvalidate"
    restored: list[int] = field(default_factory=list)
    read_counts: dict[int, int] = field(default_factory=dict)  # sid -> increment

    @property
    def updated(self) -> set[int]:
        """Stories whose ``updated`` date changed (new, new chapters, validated again)."""
        return set(self.added) | set(self.chapters_added) | set(self.restored)

    @property
    def silent(self) -> set[int]:
        """Stories changed without a new ``updated`` date (edits): only a re-fetch finds them."""
        return (set(self.chapters_edited) | set(self.stories_edited)) - self.updated - set(self.removed)

    @property
    def content_changed(self) -> set[int]:
        """Every story whose text or metadata changed, read counts aside (removals excluded)."""
        return (self.updated | self.silent) - set(self.removed)


def _edit_text(rng: random.Random, source: str) -> tuple[str, str]:
    """A typo fix (one word replaced: same word count) or an added paragraph."""
    if rng.random() < 0.5:
        words = source.split(" ")
        for _ in range(20):
            i = rng.randrange(len(words))
            w = words[i]
            if w.isalpha() and w.islower() and len(w) > 3:
                words[i] = w[::-1] if w[::-1] != w else w.upper()
                return " ".join(words), "typo"
    extra = " ".join(rng.choice(_SENTENCES) for _ in range(rng.randint(2, 4)))
    if "<p>" in source or "<br" in source:
        return source + f"\n<p>{extra}</p>", "paragraph"
    return source + "\r\n\r\n" + extra, "paragraph"


def churn(
    archive: Archive,
    *,
    seed: int = 0,
    days: float = 7,
    new_stories: int = 5,
    new_chapters: int = 10,
    edited_chapters: int = 5,
    edited_stories: int = 5,
    removed: int = 2,
    restored: int = 0,
    read_counts: bool = True,
) -> ChangeLog:
    """Advance ``archive.now`` by ``days`` while applying the given number of each change.

    Changes are spread over the period (each at its own time, so new ``updated`` dates are
    distinct).  Stories are picked among the listed, public ones; ``restored`` picks among
    the stories removed earlier (:meth:`Archive.removed_sids` and unvalidated ones).
    """
    if archive.frozen:
        raise TypeError("churn needs a mutable archive (ARCHIVE.copy() or Archive.generated(n))")
    rng = random.Random(f"churn/{seed}/{archive.version}/{archive.now.isoformat()}")
    log = ChangeLog()
    steps = new_stories + new_chapters + edited_chapters + edited_stories + removed + restored + 1
    step = days / steps

    def tick() -> None:
        archive.advance(days=step * rng.uniform(0.5, 1.5))

    def pick(n: int, exclude: set[int]) -> list[int]:
        pool = [s.sid for s in archive.public_stories() if s.sid not in exclude]
        return rng.sample(pool, min(n, len(pool)))

    to_restore = list(archive.removed_sids()) + [s.sid for s in archive.unvalidated_stories()]
    for sid in rng.sample(to_restore, min(restored, len(to_restore))):
        tick()
        archive.restore_story(sid)
        log.restored.append(sid)

    for _ in range(new_chapters):
        tick()
        chosen = pick(1, set())
        if not chosen:
            break
        sid = chosen[0]
        text = _g_chapter_text(rng, rng.randint(1000, 3800), plain=rng.random() < 0.1)
        ch = archive.add_chapter(sid, f"{rng.choice(_G_ADJ)} {rng.choice(_G_NOUN)}", text,
                                 completed=True if rng.random() < 0.2 else None)
        log.chapters_added.setdefault(sid, []).append(ch.inorder)

    for sid in pick(edited_chapters, set()):
        tick()
        story = archive.story(sid)
        assert story is not None
        inorder = rng.randint(1, len(story.chapters))
        text, _ = _edit_text(rng, story.chapters[inorder - 1].source)
        archive.edit_chapter(sid, inorder, text=text)
        log.chapters_edited.setdefault(sid, []).append(inorder)

    for sid in pick(edited_stories, set()):
        tick()
        story = archive.story(sid)
        assert story is not None
        what = rng.choice(("summary", "completed", "title"))
        if what == "summary":
            archive.edit_story(sid, summary=(story.summary + " (Revised.)").strip())
        elif what == "completed":
            archive.edit_story(sid, completed=not story.completed)
        else:
            archive.edit_story(sid, title=f"{story.title} (Revised)")
        log.stories_edited.setdefault(sid, []).append(what)

    for i in range(new_stories):
        tick()
        n = 1 if rng.random() < 0.4 else rng.randint(2, 5)
        title = f"The {rng.choice(_G_ADJ)} {rng.choice(_G_NOUN)}, Revisited ({archive.now:%d %b %Y} #{i + 1})"
        chapters = [NewChapter(title if n == 1 else f"Chapter {k}",
                               _g_chapter_text(rng, rng.randint(1000, 3800), plain=rng.random() < 0.1))
                    for k in range(1, n + 1)]
        uids = sorted(archive.author_uids_with_stories)
        story = archive.add_story(title, chapters, uid=rng.choice(uids),
                                  summary=f"A new story posted on {archive.now:%d %B %Y}.",
                                  rid=rng.choice((1, 2, 3)), catids=(rng.choice(sorted(archive.categories)),),
                                  completed=n == 1)
        log.added.append(story.sid)

    exclude = log.updated | set(log.chapters_edited) | set(log.stories_edited)
    for sid in pick(removed, exclude):
        tick()
        how = rng.choice(("delete", "unvalidate"))
        archive.remove_story(sid, how=how)
        log.removed[sid] = how

    archive.advance(days=step * 0.5)
    if read_counts:
        log.read_counts = archive.bump_read_counts(seed=seed)
    return log
