"""Scrapy's remote-control extension, when a user turns it on (``-s REMOTE_CONTROL_ENABLED=1``).

It is off by default (mirror/settings.py): it is an HTTP server on a local port that runs the
Python code sent to it.  When it is on, it writes a job file (its port and token) for each crawl
and removes it at a clean stop; a crawl that was killed leaves its job file behind.
:class:`StaleJobFiles` removes, when a crawl starts, the job files of this tool's earlier crawls
whose process is gone, and nothing else.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from mirror.storage.locks import process_alive

logger = logging.getLogger(__name__)


def stale_job_files(folder: Path, spider: str, project: str) -> list[Path]:
    """The job files in ``folder`` written for ``spider`` of ``project`` by a process now gone."""
    stale = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not a job file we can read: not ours to remove
        if not isinstance(data, dict) or data.get("spider") != spider or data.get("project") != project:
            continue
        pid = data.get("pid")
        if isinstance(pid, int) and pid != os.getpid() and not process_alive(pid):
            stale.append(path)
    return stale


class StaleJobFiles:
    def __init__(self, crawler, folder: Path):
        self.crawler = crawler
        self.folder = folder

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("REMOTE_CONTROL_ENABLED"):
            raise NotConfigured  # without a message: Scrapy says nothing of it (it is the default)
        from scrapy.utils._remote_control import job_files_dir

        ext = cls(crawler, job_files_dir(crawler.settings))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        return ext

    def spider_opened(self, spider):
        project = self.crawler.settings.get("BOT_NAME")
        for path in stale_job_files(self.folder, spider.name, project):
            path.unlink(missing_ok=True)
            self.crawler.stats.inc_value("mirror/remote_control/stale_job_files_removed")
            logger.info("removed the job file of a crawl that was killed: %s", path)
