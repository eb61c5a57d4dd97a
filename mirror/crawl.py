"""Run a crawl of one archive in this process (Scrapy's reactor runs once per process)."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import SETTINGS_PRIORITIES, Settings

from mirror import __version__, urls
from mirror.options import check_crawl_options
from mirror.profiles import Profile, credentials, find_profile, get_profile
from mirror.spiders.efiction import EfictionSpider
from mirror.storage import Store, database_url
from mirror.storage.processes import store_processes


FINISH_MESSAGES = {
    "shutdown": "interrupted: what was fetched is stored; run the same command again to resume",
    "site_unavailable": "paused: the site kept failing ({paused}); run the same command later to resume",
    "not_efiction": "{url} does not look like an eFiction archive: its browse.php?type=titles page "
                    "lists no stories and has none of eFiction's pages; check the address",
    "listing_not_found": "{url} is not an eFiction archive at this address: its story listing "
                         "{listing} answers {listing_status}; check the address",
    "database_error": "{database_error}",
    "not_understood": "{not_understood}",
    "site_busy": "error: {site_busy}",  # mirror/sitelock.py: another live crawl holds the site's lock
    "site_lock_lost": "stopped: another crawl took over the lock of {url} (this crawl's heartbeat had "
                      "stopped); what was fetched is stored",
}


@dataclass
class CrawlResult:
    base_url: str
    database_url: str
    seconds: float
    stats: dict[str, Any] = field(default_factory=dict)
    log_file: str | None = None  # where Scrapy's log went (None: the terminal)

    def count(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    def summary(self) -> str:
        """`mirror crawl`'s one summary line."""
        count = self.count
        stories = "1 story" if self.stories == 1 else f"{self.stories} stories"
        log = f"; log: {self.log_file}" if self.log_file else ""
        return (f"{self.base_url}: {stories} stored ({count('mirror/stories/new')} new, "
                f"{count('mirror/stories/changed')} changed, {count('mirror/stories/unchanged')} unchanged, "
                f"{count('mirror/stories/restricted')} members-only, {count('mirror/stories/incomplete')} "
                f"incomplete), {count('mirror/stories/skipped_resumed')} already done, "
                f"{count('mirror/dropped')} dropped, {count('mirror/stories/failed')} failed; "
                f"{self.requests_per_story:.2f} requests per story; {self.seconds:.1f} s; "
                f"finish reason: {self.finish_reason}; database: {self.database_url}{log}")

    @property
    def stories(self) -> int:
        return self.count("mirror/stories/stored")

    @property
    def finish_reason(self) -> str:
        """Scrapy's finish reason, except: none at all (a second Ctrl-C: Scrapy's forced shutdown
        stops before it records one) is "shutdown"; a finished crawl that listed no story because its
        listing is not there (404, 410) is "listing_not_found"."""
        reason = self.stats.get("finish_reason")
        if reason is None:
            return "shutdown"
        missing = self.listing_failure.get("reason") in ("HTTP 404", "HTTP 410")
        if reason == "finished" and missing and not self.count("mirror/stories/discovered"):
            return "listing_not_found"
        return reason

    @property
    def listing_failure(self) -> dict[str, Any]:
        """The first listing page that could not be read ({"url", "reason", ...}), or {}."""
        return next((f for f in self.stats.get("mirror/failures") or [] if f.get("what") == "listing"), {})

    @property
    def failed(self) -> int:
        """Stories and listing pages that failed after their retries."""
        return self.count("mirror/stories/failed") + self.count("mirror/listing/failed")

    @property
    def finish_message(self) -> str:
        """Why the crawl stopped early (interrupted, paused, not eFiction, database), or ''."""
        template = FINISH_MESSAGES.get(self.finish_reason)
        if template is None:
            return ""
        return template.format(url=self.base_url, paused=self.stats.get("mirror/paused", ""),
                               database_error=self.stats.get("mirror/database_error", ""),
                               not_understood=self.stats.get("mirror/breaker/tripped", ""),
                               site_busy=self.stats.get("mirror/site_busy", ""),
                               listing=self.listing_failure.get("url", ""),
                               listing_status=self.listing_failure.get("reason", ""))

    @property
    def exit_code(self) -> int:
        """``mirror crawl``'s exit code: 0 done, 1 some stories failed or the site paused, 2 not an
        eFiction archive, 75 another crawl of the site is running (nothing done), 130 interrupted
        (resumable)."""
        if self.finish_reason in FINISH_MESSAGES:
            return {"shutdown": 130, "not_efiction": 2, "listing_not_found": 2,
                    "site_busy": 75}.get(self.finish_reason, 1)
        return 0 if self.finish_reason == "finished" and not self.failed else 1

    @property
    def requests_per_story(self) -> float:
        """HTTP requests spent per stored story (story pages only; listing pages apart)."""
        stored = self.count("mirror/stories/stored")
        return self.count("mirror/requests/story") / stored if stored else 0.0


def crawl_settings(*, db_url: str | None = None, delay: float | None = None,
                   contact: str | None = None, log_level: str | None = None,
                   extra: dict[str, Any] | None = None, profile: Profile | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("mirror.settings", priority="project")
    settings.set("MIRROR_DATABASE_URL", database_url(db_url), priority="cmdline")
    if delay is not None:
        if delay < 0:
            raise ValueError(f"--delay must be 0 or more seconds, not {delay}")
        settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
        settings.set("AUTOTHROTTLE_START_DELAY", delay, priority="cmdline")
    if contact:
        settings.set("MIRROR_CONTACT", contact, priority="cmdline")
        settings.set("USER_AGENT", settings.get("USER_AGENT_TEMPLATE").format(
            version=__version__, contact=f"; contact: {contact}"), priority="cmdline")
    if log_level:
        settings.set("LOG_LEVEL", log_level.upper(), priority="cmdline")
    for key, value in (extra or {}).items():
        settings.set(key, value, priority="cmdline")
    if profile is not None:
        apply_profile(settings, profile)
    store_processes(settings)  # a bad MIRROR_STORE_PROCESSES: ValueError now, in one line
    if settings.get("MIRROR_WARC_DIR"):  # WARC capture: record each exchange as on the wire
        handler = settings.get("MIRROR_WARC_DOWNLOAD_HANDLER")
        settings.set("DOWNLOAD_HANDLERS", {**settings.getdict("DOWNLOAD_HANDLERS"),
                                           "http": handler, "https": handler}, priority="cmdline")
    return settings


def apply_profile(settings: Settings, profile: Profile) -> None:
    """The site profile's politeness as Scrapy's per-site download slot (``DOWNLOAD_SLOTS``, keyed
    by host name): its ``concurrency``, and its ``delay`` unless the command line set one
    (``--delay`` wins).  robots.txt's Crawl-delay raises the slot's delay later
    (:class:`mirror.extensions.SiteDelay`).  The profile's name goes to ``MIRROR_PROFILE``."""
    slot = profile.slot_settings()
    explicit_delay = (settings.getpriority("DOWNLOAD_DELAY") or 0) >= SETTINGS_PRIORITIES["cmdline"]
    if explicit_delay:
        slot.pop("delay", None)
    slots = settings.getdict("DOWNLOAD_SLOTS")
    slots[profile.host] = {**slot, **slots.get(profile.host, {})}  # -s DOWNLOAD_SLOTS=... wins
    settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    settings.set("MIRROR_PROFILE", profile.name, priority="cmdline")


def resolve_profile(url: str | None, name: str | None,
                    config_dir: str | None = None) -> tuple[str, Profile | None]:
    """(base URL, profile) for `mirror crawl [URL] [--profile NAME]`: the named profile (its
    base_url unless URL is given, which must then be the same site), else the profile whose
    base_url is URL, else none."""
    if name:
        profile = get_profile(name, config_dir)
        if url and urls.normalise_base(url) != profile.base_url:
            raise ValueError(f"{url} is not the base_url of profile {name!r} ({profile.base_url}); "
                             "give the URL or the profile, not both")
        return profile.base_url, profile
    if not url:
        raise ValueError("give the archive's URL or --profile NAME")
    base = urls.normalise_base(url)
    return base, find_profile(base, config_dir)


def check_database(url: str) -> None:
    """Before crawling, with no request to the site: a SQLite file that fails its quick integrity
    check is refused (a crawl never writes into a damaged database), then the database is opened
    (creating the schema), so a bad URL or another program's database fails fast, in one line."""
    from mirror.storage.check import quick_check

    quick_check(url)
    store = Store(url)
    try:
        store.create_schema()
    finally:
        store.close()


class SiteUnreachable(ValueError):
    pass


def check_reachable(base_url: str, timeout: float = 10.0) -> None:
    """Open (and close) a TCP connection to the site, so a wrong host fails in one clear line."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as exc:
        raise SiteUnreachable(f"cannot reach {parts.hostname}:{port} ({exc.strerror or exc}); "
                              "check the address and your connection") from exc


def run_crawl(url: str | None, *, db_url: str | None = None, delay: float | None = None,
              date_format: str | None = None, encoding: str | None = None,
              contact: str | None = None, log_level: str | None = None,
              extra_settings: dict[str, Any] | None = None, profile: str | None = None) -> CrawlResult:
    """Mirror the archive at ``url`` (or the one of the site profile named ``profile``) into the
    database; return the crawl's figures."""
    check_crawl_options(date_format=date_format, encoding=encoding, settings=extra_settings or ())
    config_dir = (extra_settings or {}).get("MIRROR_CONFIG_DIR")
    base, site_profile = resolve_profile(url, profile, config_dir)
    settings = crawl_settings(db_url=db_url, delay=delay, contact=contact, log_level=log_level,
                              extra=extra_settings, profile=site_profile)
    check_database(settings.get("MIRROR_DATABASE_URL"))
    if settings.get("MIRROR_WARC_DIR"):  # an unwritable folder fails now, in one line
        Path(settings.get("MIRROR_WARC_DIR")).mkdir(parents=True, exist_ok=True)
    credentials(base, site_profile)  # half-set: ProfileError now
    check_reachable(base)
    log = set_log_file(settings, log_level)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(EfictionSpider)
    started = time.monotonic()
    process.crawl(crawler, url=base, date_format=date_format, encoding=encoding,
                  database_checked=True)  # check_database above: the site lock does not check again
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    return CrawlResult(base, settings.get("MIRROR_DATABASE_URL"), time.monotonic() - started, stats,
                       log_file=log)


def set_log_file(settings: Settings, log_level: str | None) -> str | None:
    """Where the crawl's log goes: the terminal when a log level was asked for (``-v``,
    ``--log-level``: None), else a file (``LOG_FILE``, else ``MIRROR_LOG_FILE``, else beside the
    database), opened now so an unwritable one fails in one line.  The file's path, or None."""
    if log_level and not settings.get("LOG_FILE"):
        return None
    path = Path(settings.get("LOG_FILE") or settings.get("MIRROR_LOG_FILE")
                or log_beside(settings.get("MIRROR_DATABASE_URL"))).absolute()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ValueError(f"cannot write the log file {path} ({exc.strerror or exc}); set "
                         "MIRROR_LOG_FILE to another file, or show the log with -v") from exc
    settings.set("LOG_FILE", str(path), priority="cmdline")
    return str(path)


def log_beside(db_url: str) -> Path:
    """The log file of a database: beside a SQLite file (``mirror.sqlite`` -> ``mirror.log``),
    else ``mirror.log`` in the current folder."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return Path("mirror.log")
    db = Path(url.database)
    return db.with_name(db.name + ".log") if db.suffix == ".log" else db.with_suffix(".log")
