"""`mirror sync-all`: re-sync every site profile, one after the other, each politely.

Each site is crawled in a child process (`python -m mirror crawl`): Scrapy's reactor cannot be
restarted inside one process, and one site's crash cannot take the others down.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from mirror.profiles import load_profiles


@dataclass
class SiteResult:
    profile: str
    base_url: str
    returncode: int
    summary: str


def sync_all(*, db_url: str | None = None, config_dir: str | None = None,
             extra_args: list[str] | None = None) -> list[SiteResult]:
    results = []
    extra = [a for a in (extra_args or []) if a != "--"]
    profiles = load_profiles(config_dir)
    if profiles:  # a damaged or foreign database: one line now, not one failed crawl per site
        from mirror.crawl import check_database
        from mirror.storage import database_url

        check_database(database_url(db_url))
    for profile in profiles:
        command = [sys.executable, "-m", "mirror", "crawl", profile.base_url, *extra]
        if db_url:
            command += ["--db", db_url]
        env_note = ["-s", f"MIRROR_CONFIG_DIR={profile.path.parent.parent}"] if profile.path else []
        done = subprocess.run(command + env_note, capture_output=True, text=True)
        sys.stderr.write(done.stderr)
        lines = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""])
        results.append(SiteResult(profile.name, profile.base_url, done.returncode, lines[-1]))
    return results
