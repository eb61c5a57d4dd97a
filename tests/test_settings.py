"""The polite defaults are a promise to the sites we crawl: changing one must fail this test."""

import re
from pathlib import Path

import pytest
from scrapy.settings import Settings

import mirror.settings
from mirror import __version__
from mirror.crawl import crawl_settings
from mirror.storage.processes import store_processes


def project_settings() -> Settings:
    settings = Settings()
    settings.setmodule("mirror.settings", priority="project")
    return settings


def test_polite_defaults():
    s = project_settings()
    assert s.getbool("ROBOTSTXT_OBEY") is True
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert s.getfloat("DOWNLOAD_DELAY") >= 2.0
    assert s.getbool("AUTOTHROTTLE_ENABLED") is True
    assert s.getfloat("AUTOTHROTTLE_START_DELAY") >= s.getfloat("DOWNLOAD_DELAY")
    assert 429 not in s.getlist("RETRY_HTTP_CODES")  # Retry-After handling owns 429/503
    assert s.getint("MIRROR_MAX_CONSECUTIVE_FAILURES") > 0
    assert s.getbool("DOWNLOAD_FAIL_ON_DATALOSS") is True
    assert s.getfloat("DOWNLOAD_DELAY_JITTER") == 0  # never below the delay
    assert s.getbool("COOKIES_ENABLED") is True  # gates live in the PHP session
    assert s.getbool("MIRROR_IMAGES_OFFSITE") is False  # other hosts' images only when asked
    assert 0 < s.getint("MIRROR_IMAGE_MAX_BYTES") <= 64 * 1024 * 1024
    assert store_processes(s) == 0  # a polite crawl stores in threads: no extra processes
    assert f"fic-mirror/{__version__}" in s.get("USER_AGENT")


def test_pipelines_one_concern_each_in_order():
    pipelines = project_settings().getdict("ITEM_PIPELINES")
    assert sorted(pipelines, key=pipelines.get) == [
        "pipelines.extract.ExtractPipeline", "pipelines.validate.ValidatePipeline",
        "pipelines.normalise.NormalisePipeline", "pipelines.store.StorePipeline",
        "pipelines.images.ImagePipeline"]


def test_cli_overrides_and_contact_in_user_agent(monkeypatch):
    monkeypatch.delenv("MIRROR_DATABASE_URL", raising=False)
    s = crawl_settings(delay=2.5, contact="admin@example.org")
    assert s.getfloat("DOWNLOAD_DELAY") == 2.5
    assert s.get("USER_AGENT").endswith("; contact: admin@example.org)")
    assert s.get("MIRROR_DATABASE_URL") == "sqlite:///mirror.sqlite"
    monkeypatch.setenv("MIRROR_DATABASE_URL", "sqlite:///elsewhere.sqlite")
    assert crawl_settings().get("MIRROR_DATABASE_URL") == "sqlite:///elsewhere.sqlite"


def test_negative_delay_is_refused():

    with pytest.raises(ValueError, match="--delay"):
        crawl_settings(delay=-1)


def test_no_network_beyond_the_archive_for_the_public_suffix_list():
    import os

    import mirror  # noqa: F401

    assert os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] == ""


@pytest.mark.parametrize("extra, processes", [
    ({}, 0),  # polite: threads
    ({"DOWNLOAD_DELAY": 0}, 0),  # no delay, but one request at a time: bound by the site
    ({"DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 16}, 1),  # politeness off
    ({"DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "MIRROR_STORE_PROCESSES": 0}, 0),
    ({"MIRROR_STORE_PROCESSES": "3"}, 3),
])
def test_store_processes_auto_is_one_only_with_politeness_off(extra, processes):
    assert store_processes(crawl_settings(extra=extra)) == processes


@pytest.mark.parametrize("value", ["lots", "-1", "1.5"])
def test_a_bad_store_processes_value_is_refused(value):
    with pytest.raises(ValueError, match="MIRROR_STORE_PROCESSES must be auto or a number"):
        crawl_settings(extra={"MIRROR_STORE_PROCESSES": value})


_READ = re.compile(r"""\.get\w*\(\s*["'](MIRROR_[A-Z0-9_]+)["']""")


def test_every_setting_the_code_reads_is_declared_and_documented():
    """A MIRROR_* setting read anywhere (``settings.get*("MIRROR_...")``) has its default in
    mirror/settings.py, the one place defaults live, and a line in the README."""
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    read: dict[str, str] = {}
    for path in sorted([*(root / "mirror").rglob("*.py"), *(root / "pipelines").rglob("*.py")]):
        for name in _READ.findall(path.read_text(encoding="utf-8")):
            read.setdefault(name, str(path.relative_to(root)))
    assert len(read) > 30  # the pattern still finds the reads
    undeclared = {name: where for name, where in read.items() if not hasattr(mirror.settings, name)}
    undocumented = {name: where for name, where in read.items() if f"`{name}" not in readme}
    assert undeclared == {} and undocumented == {}
