"""`mirror status`: what the mirror holds per site, and what its last runs did."""

from __future__ import annotations

import json
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mirror import settings as defaults
from mirror.storage import ChapterRow, CrawlRun, SiteRow, Store, StoryRow, json_safe
from mirror.storage.locks import SiteLock
from mirror.storage.models import CrawlStory


def _count(session: Session, site_pk: int, *where) -> int:
    return int(session.scalar(select(func.count(StoryRow.id)).where(StoryRow.site_id == site_pk, *where)) or 0)


def _run_summary(run: CrawlRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    stats = run.stats or {}
    return {
        "id": run.id, "mode": run.mode, "status": run.status,
        "started_at": run.started_at, "finished_at": run.finished_at,
        "requests": stats.get("downloader/request_count", 0),
        "new": run.stories_new, "changed": run.stories_changed, "unchanged": run.stories_unchanged,
        "removed": stats.get("mirror/stories/removed", 0), "restored": stats.get("mirror/stories/restored", 0),
        "restricted": run.stories_restricted, "dropped": run.stories_dropped,
        "failed": stats.get("mirror/stories/failed", 0),
        "failures": [f"{e.get('url')}: {e.get('reason')}" for e in (run.errors or [])][:20],
        # fields the listing, index and printable view showed differently (mirror/parsing/agreement.py)
        "disagreements": {key.rsplit("/", 1)[1]: value for key, value in sorted(stats.items())
                          if key.startswith("mirror/consistency/")},
        "not_understood": stats.get("mirror/breaker/tripped"),
        "forced": (run.settings or {}).get("MIRROR_BREAKER_ENABLED") is False,
    }


def _liveness(store: Store, base_url: str, run: dict[str, Any]) -> None:
    """A run recorded as running is running only while a live crawl holds the site's lock (for
    this run); else its process is gone: interrupted (the next crawl resumes it)."""
    if run["status"] != "running":
        return
    holder = SiteLock(store, base_url, stale=defaults.MIRROR_SITE_LOCK_STALE).live_holder()
    if holder is not None and holder.run_id in (None, run["id"]):
        run["holder"] = {"host": holder.host, "pid": holder.pid, "since": holder.started_at,
                         "heartbeat_at": holder.heartbeat_at}
    else:
        run["status"] = "interrupted"


def _disagreeing(session: Session, run_id: int, limit: int = 10) -> list[str]:
    """Stories of the run whose renderings disagreed, with what each showed (their crawl state)."""
    rows = session.execute(select(CrawlStory.story_id, CrawlStory.reason).where(
        CrawlStory.run_id == run_id, CrawlStory.reason.like("%renderings disagree%"))
        .order_by(CrawlStory.story_id).limit(limit)).all()
    return [f"story {sid}: " + "; ".join(p for p in reason.split("; ") if "disagree" in p or "kept" in p)
            for sid, reason in rows]


def site_status(store: Store, site: str | None = None) -> list[dict[str, Any]]:
    """One record per site (or the one asked for)."""
    store.create_schema()
    records = []
    with Session(store.engine) as session:
        sites = session.execute(select(SiteRow.id, SiteRow.base_url).order_by(SiteRow.base_url)).all()
        for site_pk, base_url in sites:
            if site is not None and base_url != site:
                continue
            present = StoryRow.removed_at.is_(None)
            last_run = session.scalar(select(CrawlRun).where(CrawlRun.site_id == site_pk)
                                      .order_by(CrawlRun.id.desc()).limit(1))
            last_ok = session.scalar(select(CrawlRun).where(CrawlRun.site_id == site_pk,
                                                            CrawlRun.status == "finished")
                                     .order_by(CrawlRun.id.desc()).limit(1))
            records.append({
                "site": base_url,
                "stories": {
                    "present": _count(session, site_pk, present),
                    "removed": _count(session, site_pk, StoryRow.removed_at.is_not(None)),
                    "restricted": _count(session, site_pk, present, StoryRow.status == "restricted"),
                    "incomplete": _count(session, site_pk, present, StoryRow.status == "incomplete"),
                },
                "chapters": int(session.scalar(select(func.count(ChapterRow.id))
                                               .join(StoryRow, StoryRow.id == ChapterRow.story_pk)
                                               .where(StoryRow.site_id == site_pk)) or 0),
                "words": int(session.scalar(select(func.coalesce(func.sum(StoryRow.word_count), 0))
                                            .where(StoryRow.site_id == site_pk, present,
                                                   StoryRow.status != "restricted")) or 0),
                "last_successful_sync": last_ok.finished_at if last_ok else None,
                "last_run": _run_summary(last_run),
            })
            if last_run is not None:
                records[-1]["last_run"]["disagreeing_stories"] = _disagreeing(session, last_run.id)
                _liveness(store, base_url, records[-1]["last_run"])
    return records


def write_status(store: Store, stream: TextIO, *, site: str | None = None, as_json: bool = False) -> int:
    records = site_status(store, site)
    if as_json:
        stream.write(json.dumps(json_safe(records), ensure_ascii=False, indent=2) + "\n")
        return len(records)
    if not records:
        stream.write("the mirror is empty: `mirror crawl URL` fills it\n")
    for record in records:
        stories, run = record["stories"], record["last_run"]
        last_ok = record["last_successful_sync"]
        stream.write(f"{record['site']}\n"
                     f"  stories:   {stories['present']} present, {stories['removed']} removed, "
                     f"{stories['restricted']} members-only, {stories['incomplete']} incomplete\n"
                     f"  chapters:  {record['chapters']}   words: {record['words']}\n"
                     f"  last successful sync: {last_ok.isoformat(timespec='seconds') if last_ok else 'never'}\n")
        if run:
            holder = run.get("holder")
            state = f"running (pid {holder['pid']} on host {holder['host']})" if holder else run["status"]
            stream.write(f"  last run:  #{run['id']} {run['mode']}, {state}, "
                         f"started {run['started_at'].isoformat(timespec='seconds')}, {run['requests']} requests: "
                         f"{run['new']} new, {run['changed']} changed, {run['unchanged']} unchanged, "
                         f"{run['removed']} removed, {run['restored']} back, {run['failed']} failed, "
                         f"{run['dropped']} dropped\n")
            for failure in run["failures"]:
                stream.write(f"    failed: {failure}\n")
            if run["not_understood"]:
                stream.write(f"  not understood: {run['not_understood']}\n")
            if run["disagreements"]:
                counts = ", ".join(f"{name} {count}" for name, count in run["disagreements"].items())
                stream.write(f"  renderings disagreed{' (--force)' if run['forced'] else ''}: {counts}\n")
                for line in run["disagreeing_stories"]:
                    stream.write(f"    {line}\n")
    return len(records)
