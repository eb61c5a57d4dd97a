"""Re-sync: a crawl of an archive already mirrored fetches only what changed.

The listing (``browse.php?type=titles&sort=update``, newest first) shows each
story's metadata block.  A story whose listed metadata equals what the database
holds is not fetched: its drifting counters (reads, reviews) are updated from
the listing and nothing else.  Its reviews are read when the review count listed
differs from the one listed when they were last read whole, or they never were
(:meth:`SyncPlan.reviews_changed`).  Paging stops once a whole page holds only
unchanged stories updated before the last successful sync (less a safety
margin), so an unchanged archive costs a handful of listing requests.
``--full`` fetches everything (to catch edits the listing does not show).

When the walk saw the whole listing, stories no longer listed are marked
removed (their content stays); a removed story that is listed again is marked
present.  A story the site now refuses ("Access denied") is marked removed too.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy import select
from sqlalchemy.orm import Session
from scrapy.utils.defer import deferred_to_future
from twisted.internet.defer import DeferredList
from twisted.internet.threads import deferToThread

from mirror import signals as mirror_signals
from mirror.items import REVIEW_SERIES, REVIEW_STORY, STATUS_OK, STATUS_RESTRICTED, Author, Series, Story
from mirror.storage import (AuthorRow, CrawlRun, CrawlStory, SeriesRow, SiteRow, Store, StoryAuthorRow, StoryRow,
                            StorySeriesRow, classes_from_json, database_url, tags_from_json)
from mirror.storage.models import utcnow

logger = logging.getLogger(__name__)

FULL, RESYNC = "full", "resync"


def _plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html or "").split())


def fingerprint(story: Story) -> tuple:
    """What the listing shows of a story, in a form that compares equal whatever page it came from."""
    return (
        story.title,
        tuple(a.id for a in story.authors),
        _plain(story.summary_html),
        story.rating,
        tuple(t.name for t in story.categories),
        tuple(t.name for t in story.characters),
        tuple((kind, tuple(t.name for t in tags)) for kind, tags in story.classes.items() if tags),
        tuple(s.id for s in story.series),
        story.chapter_count,
        story.completed,
        story.word_count,
        story.published,
        story.updated,
    )


@dataclass
class SyncPlan:
    strategy: str  # FULL or RESYNC
    known: dict[int, tuple] = field(default_factory=dict)  # story id -> fingerprint of what is stored
    removed: set[int] = field(default_factory=set)  # stored stories currently marked removed
    floor: dt.date | None = None  # resync: stop paging below this updated date
    last_sync: dt.datetime | None = None
    # stored incomplete, or failed or dropped by the last run: fetched again wherever they are listed
    retry: set[int] = field(default_factory=set)
    # series: story id -> the series ids stored for it; series whose pages were stored, or not yet
    # (a re-sync reads the series of new and changed stories, and those never read)
    series_of: dict[int, tuple[int, ...]] = field(default_factory=dict)
    fetched_series: set[int] = field(default_factory=set)
    unfetched_series: set[int] = field(default_factory=set)
    # reviews: story (series) id -> the count the listing (the series page) showed when its
    # reviews were last read whole, None when that read was cut short (Store.review_reads);
    # authors: uids whose profile was read, and uids known without one
    review_reads: dict[int, int | None] = field(default_factory=dict)
    series_review_reads: dict[int, int | None] = field(default_factory=dict)
    profiled_authors: set[int] = field(default_factory=set)
    unprofiled_authors: set[int] = field(default_factory=set)
    # challenges: story id -> the challenge ids stored for it; challenges never read (named by a
    # stored story, no challenges row with a fetch)
    challenges_of: dict[int, tuple[int, ...]] = field(default_factory=dict)
    unfetched_challenges: set[int] = field(default_factory=set)
    # taxonomy: the parts ever read, and the ids (rating names) stored per kind
    taxonomy_parts: set[str] = field(default_factory=set)
    taxonomy_known: dict[str, set] = field(default_factory=dict)

    def taxonomy_unknown(self, story: Story) -> set[str]:
        """The taxonomy parts a listed story shows something of that is not stored."""
        known = self.taxonomy_known
        shown = {"categories": {t.id for t in story.categories if t.id is not None},
                 "characters": {t.id for t in story.characters if t.id is not None},
                 "classes": {t.id for tags in story.classes.values() for t in tags if t.id is not None},
                 "ratings": {story.rating} if story.rating else set()}
        kind = {"categories": "category", "characters": "character", "classes": "class", "ratings": "rating"}
        return {part for part, ids in shown.items() if ids - known.get(kind[part], set())}

    def reviews_changed(self, item_type: str, item_id: int, listed: int | None) -> bool:
        """Whether what the listing (a series: its page) shows of an item's reviews, their count,
        changed since they were last read whole, or they never were: a re-sync reads them then
        only.  The count is compared with the one shown at that read, never with the reviews
        stored: the site's counter need not match what its review pages show (reviews of deleted
        chapters, reviews edited to "No Review", a series' count that includes its stories')."""
        reads = self.series_review_reads if item_type == REVIEW_SERIES else self.review_reads
        if item_id not in reads:
            return bool(listed)
        last = reads[item_id]
        return last is None or (listed or 0) != last

    def reviews_held(self, item_type: str, item_id: int) -> bool:
        """Whether an item's reviews were read with some listed, or a read of them was cut short."""
        reads = self.series_review_reads if item_type == REVIEW_SERIES else self.review_reads
        return item_id in reads and reads[item_id] != 0


def load_plan(store: Store, site: str, *, full: bool, margin_days: int, logged_in: bool) -> SyncPlan:
    """Read what the database holds about a site: a few queries, no chapter text."""
    with Session(store.engine) as session:
        site_pk = session.scalar(select(SiteRow.id).where(SiteRow.base_url == site))
        if site_pk is None:
            return SyncPlan(FULL)
        last_sync = session.scalar(select(CrawlRun.started_at).where(
            CrawlRun.site_id == site_pk, CrawlRun.status == "finished").order_by(CrawlRun.id.desc()).limit(1))
        stories = session.scalars(select(StoryRow).where(StoryRow.site_id == site_pk)).all()
        authors: dict[int, list[int]] = {}
        for story_pk, uid in session.execute(
                select(StoryAuthorRow.story_pk, AuthorRow.author_id)
                .join(AuthorRow, AuthorRow.id == StoryAuthorRow.author_pk)
                .where(AuthorRow.site_id == site_pk).order_by(StoryAuthorRow.story_pk, StoryAuthorRow.position)):
            authors.setdefault(story_pk, []).append(uid)
        series: dict[int, list[int]] = {}
        for story_pk, seriesid in session.execute(
                select(StorySeriesRow.story_pk, SeriesRow.series_id)
                .join(SeriesRow, SeriesRow.id == StorySeriesRow.series_pk)
                .where(SeriesRow.site_id == site_pk).order_by(StorySeriesRow.story_pk, StorySeriesRow.position)):
            series.setdefault(story_pk, []).append(seriesid)
        plan = SyncPlan(FULL if full or not stories else RESYNC, last_sync=last_sync)
        plan.series_of = {story.story_id: tuple(series[story.id]) for story in stories if story.id in series}
        for seriesid, fetched in session.execute(
                select(SeriesRow.series_id, SeriesRow.last_fetched).where(SeriesRow.site_id == site_pk)):
            (plan.fetched_series if fetched is not None else plan.unfetched_series).add(seriesid)
        last_run = session.scalar(select(CrawlRun.id).where(CrawlRun.site_id == site_pk)
                                  .order_by(CrawlRun.id.desc()).limit(1))
        if last_run is not None:
            plan.retry = set(session.scalars(select(CrawlStory.story_id).where(
                CrawlStory.run_id == last_run, CrawlStory.state.in_(("failed", "dropped", "incomplete")))))
        fetchable = {STATUS_OK} if logged_in else {STATUS_OK, STATUS_RESTRICTED}
        for story in stories:
            if story.removed_at is not None:
                plan.removed.add(story.story_id)
            if story.status not in fetchable:
                plan.retry.add(story.story_id)  # incomplete, or members-only while we can now log in
                continue
            # the same fingerprint() as for a listed story, from a chapterless item: one definition
            plan.known[story.story_id] = fingerprint(Story(
                site=site, story_id=story.story_id, url=story.url, title=story.title,
                authors=[Author(uid, "", "") for uid in authors.get(story.id, [])],
                summary_html=story.summary_html, rating=story.rating,
                categories=tags_from_json(story.categories), characters=tags_from_json(story.characters),
                classes=classes_from_json(story.classes),
                series=[Series(seriesid, "", "") for seriesid in series.get(story.id, [])],
                chapter_count=story.chapter_count, completed=story.completed, word_count=story.word_count,
                published=story.published, updated=story.updated))
    if last_sync is not None:
        plan.floor = last_sync.date() - dt.timedelta(days=margin_days)
    plan.review_reads = store.review_reads(site, REVIEW_STORY)
    plan.series_review_reads = store.review_reads(site, REVIEW_SERIES)
    plan.profiled_authors, plan.unprofiled_authors = store.profiled_authors(site)
    plan.challenges_of = {story.story_id: ids for story in stories
                          if (ids := tuple(t.id for t in tags_from_json(story.challenges) if t.id is not None))}
    named = {c for ids in plan.challenges_of.values() for c in ids}
    plan.unfetched_challenges = named - store.challenge_ids(site)
    taxonomy = store.taxonomy(site)
    plan.taxonomy_parts = set(taxonomy.parts)
    for entry in taxonomy.entries:  # ratings by name: that is what a listing shows
        plan.taxonomy_known.setdefault(entry.kind, set()).add(entry.name if entry.kind == "rating" else entry.id)
    return plan


class SyncPlanner:
    """Decides full crawl or re-sync at spider open; marks removed and restored stories."""

    def __init__(self, crawler, url: str):
        self.crawler = crawler
        self.url = url
        self.plan: SyncPlan | None = None
        self.store: Store | None = None
        self.denied: set[int] = set()
        self.pending: list = []

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MIRROR_RECORD_RUNS", True):
            raise NotConfigured("MIRROR_RECORD_RUNS is off: nothing to re-sync against")
        planner = cls(crawler, database_url(crawler.settings.get("MIRROR_DATABASE_URL")))
        crawler.signals.connect(planner.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(planner.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(planner.stories_unchanged, signal=mirror_signals.stories_unchanged)
        return planner

    def spider_opened(self, spider):
        settings = self.crawler.settings
        self.store = Store(self.url)
        self.plan = load_plan(self.store, spider.base_url, full=settings.getbool("MIRROR_FULL"),
                              margin_days=settings.getint("MIRROR_RESYNC_MARGIN_DAYS", 2),
                              logged_in=bool(getattr(spider, "_credentials", None)))
        spider.sync_plan = self.plan
        self.crawler.stats.set_value("mirror/strategy", self.plan.strategy)
        if self.plan.strategy == RESYNC:
            logger.info("re-sync of %s: %d stories known; listing newest first, stopping below %s",
                        spider.base_url, len(self.plan.known), self.plan.floor)

    def stories_unchanged(self, counts: dict[int, tuple[int | None, int | None]]):
        if counts and self.store is not None:
            self.pending.append(deferToThread(self.store.update_counts, self.crawler.spider.base_url, counts))

    def item_dropped(self, item, exception, response=None):
        if getattr(exception, "reason", "") == "unavailable/denied" and hasattr(item, "story_id"):
            self.denied.add(item.story_id)

    async def finish(self, spider, reason: str) -> None:
        """At the end of the crawl (called by CrawlRunRecorder before it records the run)."""
        if self.store is None or self.plan is None:
            return
        await deferred_to_future(DeferredList(self.pending, consumeErrors=True))
        site, now = spider.base_url, utcnow()
        gone = self.denied & (set(self.plan.known) | self.plan.removed)
        if getattr(spider, "listing_complete", False) and reason == "finished":
            gone |= set(self.plan.known) - spider.seen
        back = (self.plan.removed & spider.seen) - self.denied
        removed = await deferred_to_future(deferToThread(
            self.store.mark_removed, site, sorted(gone - self.plan.removed), now)) if gone else []
        restored = await deferred_to_future(deferToThread(
            self.store.mark_present, site, sorted(back))) if back else []
        self.crawler.stats.set_value("mirror/stories/removed", len(removed))
        self.crawler.stats.set_value("mirror/stories/restored", len(restored))
        if removed or restored:
            logger.info("%s: %d stories removed from the site (content kept), %d back", site,
                        len(removed), len(restored))
        self.store.close()
