"""Site profiles: every key validated on load (errors name the file, the key and the problem),
the profile's politeness as Scrapy's per-site download slot, --profile, include/exclude,
pass_age_gates, and date_format = "auto"."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from mirror.crawl import crawl_settings, resolve_profile
from mirror.profiles import KEYS, ProfileError, get_profile, load_profile, to_toml, url_allowed, validate
from mirror.sample import SampleArchive
from mirror.sample.archive import ARCHIVE
from mirror.spiders.efiction import EfictionSpider
from mirror.storage import Store
from tests.test_crawl_sample import last_run, run

ROOT = Path(__file__).parent.parent


def write(tmp_path, name, text):
    sites = tmp_path / "sites"
    sites.mkdir(exist_ok=True)
    (sites / f"{name}.toml").write_text(text, encoding="utf-8")
    return sites / f"{name}.toml"


FULL = '''name = "lantern"
base_url = "http://example.org/fiction/"
engine = "efiction"
date_format = "l, jS F Y"
encoding = "windows-1252"
language = "de"
delay = 5
concurrency = 2
username_env = "LANTERN_USER"
password_env = "LANTERN_PASS"
pass_age_gates = false
include = ["browse\\\\.php", "viewstory\\\\.php"]
exclude = ["sid=13\\\\b"]
notes = "all keys"
'''


def test_every_key_loads(tmp_path):
    profile = load_profile(write(tmp_path, "lantern", FULL))
    assert (profile.name, profile.base_url, profile.engine, profile.date_format, profile.encoding,
            profile.language, profile.delay, profile.concurrency, profile.username_env,
            profile.password_env, profile.pass_age_gates, profile.include, profile.exclude, profile.notes) == (
        "lantern", "http://example.org/fiction/", "efiction", "l, jS F Y", "windows-1252", "de", 5.0, 2,
        "LANTERN_USER", "LANTERN_PASS", False, (r"browse\.php", r"viewstory\.php"), (r"sid=13\b",), "all keys")


def test_defaults(tmp_path):
    profile = load_profile(write(tmp_path, "plain", 'base_url = "http://example.org/"\n'))
    assert profile.name == "plain" and profile.engine == "efiction" and profile.date_format is None
    assert profile.encoding is None and profile.language == "en" and profile.delay is None
    assert profile.concurrency == 1 and profile.pass_age_gates is True
    assert profile.include == () and profile.exclude == ()


@pytest.mark.parametrize("line, message", [
    ('engine = "wordpress"', "'engine' 'wordpress' is not a supported engine"),
    ('date_format = "d/m"', "'date_format' date format 'd/m' has no year"),
    ('date_format = 12', "'date_format' has the wrong type (int)"),
    ('encoding = "klingon-8"', "'encoding' 'klingon-8' is not a known encoding"),
    ('language = "xx"', "'language' 'xx' is not a supported language"),
    ('delay = -1', "'delay' -1 is out of range"),
    ('delay = true', "'delay' has the wrong type (bool)"),
    ('concurrency = 16', "'concurrency' 16 is out of range: 1 to 4"),
    ('concurrency = 0', "'concurrency' 0 is out of range"),
    ('concurrency = 1.5', "'concurrency' has the wrong type (float)"),
    ('username_env = "not a var"', "'username_env' 'not a var' is not an environment variable name"),
    ('pass_age_gates = "yes"', "'pass_age_gates' has the wrong type (str): expected true or false"),
    ('include = "viewstory"', "'include' has the wrong type (str)"),
    ('exclude = ["sid=(1"]', "'exclude' item 1 'sid=(1' is not a valid regular expression"),
    ('exclude = [3]', "'exclude' item 1 is int"),
    ('name = "my site!"', "'name' 'my site!' is not a usable name"),
    ('dealy = 3', "unknown key 'dealy'; did you mean 'delay'?"),
])
def test_bad_values_name_the_file_key_and_problem(tmp_path, line, message):
    path = write(tmp_path, "bad", f'base_url = "http://example.org/"\n{line}\n')
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    assert f"{path}: {message}" in str(exc.value)


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "bad", 'delay = -2\nconcurrency = 9\n')
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    lines = str(exc.value).splitlines()
    assert len(lines) == 3 and all(line.startswith(str(path)) for line in lines)
    assert "'base_url' is required" in lines[-1]


def test_shipped_profiles_load_and_the_example_documents_every_key():
    example = ROOT / "config" / "sites" / "example.toml.sample"
    text = example.read_text(encoding="utf-8")
    for key in KEYS:
        assert f"{key} =" in text, key
    load_profile(example)
    for path in sorted((ROOT / "config" / "sites").glob("*.toml")):
        load_profile(path)


def test_to_toml_round_trips():
    values = {"name": "x", "base_url": "http://example.org/", "date_format": "d \\o\\f F Y",
              "delay": 2.5, "pass_age_gates": False, "exclude": ['sid="1"'], "notes": "a\nb"}
    import tomllib

    assert tomllib.loads(to_toml(values, {"name": "a comment"})) == values
    validate(values, "values")


def test_include_and_exclude():
    assert url_allowed("http://h/viewstory.php?sid=13&index=1")
    assert not url_allowed("http://h/viewstory.php?sid=13&index=1", exclude=(r"sid=13\b",))
    assert url_allowed("http://h/viewstory.php?sid=130&index=1", exclude=(r"sid=13\b",))
    assert not url_allowed("http://h/viewseries.php?seriesid=1", include=(r"browse\.php", r"viewstory\.php"))


def test_profile_becomes_the_sites_download_slot(tmp_path, monkeypatch):
    monkeypatch.delenv("MIRROR_DATABASE_URL", raising=False)
    profile = load_profile(write(tmp_path, "lantern", FULL))
    settings = crawl_settings(profile=profile)
    assert settings.getdict("DOWNLOAD_SLOTS") == {"example.org": {"delay": 5.0, "concurrency": 2}}
    assert settings.get("MIRROR_PROFILE") == "lantern"
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1  # other sites keep the default
    explicit = crawl_settings(profile=profile, delay=1.0)  # --delay wins over the profile's delay
    assert explicit.getdict("DOWNLOAD_SLOTS") == {"example.org": {"concurrency": 2}}
    assert explicit.getfloat("DOWNLOAD_DELAY") == 1.0


def test_resolve_profile(tmp_path):
    write(tmp_path, "lantern", FULL)
    base, profile = resolve_profile(None, "lantern", str(tmp_path))
    assert base == "http://example.org/fiction/" and profile.name == "lantern"
    assert resolve_profile("http://example.org/fiction/index.php", None, str(tmp_path))[1] == profile
    assert resolve_profile("http://other.example/", None, str(tmp_path)) == ("http://other.example/", None)
    with pytest.raises(ValueError, match="not the base_url of profile 'lantern'"):
        resolve_profile("http://other.example/", "lantern", str(tmp_path))
    with pytest.raises(ProfileError, match="no site profile named 'nope'.*profiles: lantern"):
        get_profile("nope", str(tmp_path))


def test_spider_takes_language_gates_and_auto_from_the_profile(tmp_path):
    write(tmp_path, "lantern", FULL.replace('date_format = "l, jS F Y"', 'date_format = "auto"'))
    crawler = get_crawler(EfictionSpider, {"MIRROR_CONFIG_DIR": str(tmp_path), "MIRROR_PROFILE": "lantern"})
    spider = EfictionSpider.from_crawler(crawler, url="http://example.org/fiction/")
    assert spider.date_format == "auto" and spider.pass_gates is False and spider.profile.language == "de"


def test_crawl_infers_the_date_format_without_a_profile(tmp_path, monkeypatch, db):
    archive = ARCHIVE.copy()
    archive.site = dataclasses.replace(archive.site, dateformat="M d, Y")
    monkeypatch.setenv("MIRROR_CONFIG_DIR", str(tmp_path / "none"))
    with SampleArchive(archive=archive) as site:
        proc = run(sys.executable, "-m", "mirror", "crawl", site.base_url, "--db", db, "--delay", "0",
                   "--log-level", "INFO")
    assert proc.returncode == 0, proc.stderr
    assert "date format: M d, Y" in proc.stderr
    store = Store(db)
    try:
        stories = {s.story_id: s for s in store.iter_stories()}
        assert last_run(store)["stats"]["mirror/date_format"] == "M d, Y"
    finally:
        store.close()
    for truth in ARCHIVE.public_stories():
        assert (stories[truth.sid].published, stories[truth.sid].updated) == (truth.published, truth.updated)


def test_exclude_and_no_gates_in_a_crawl(tmp_path, monkeypatch, db):
    gated = [s for s in ARCHIVE.public_stories() if s.gated]
    plain = [s for s in ARCHIVE.public_stories() if not s.gated]
    assert gated and len(plain) > 1
    skipped = plain[0].sid
    with SampleArchive() as site:
        write(tmp_path, "sample", f'base_url = "{site.base_url}"\ndelay = 0\npass_age_gates = false\n'
                                  f'exclude = ["sid={skipped}\\\\b"]\n')
        monkeypatch.setenv("MIRROR_CONFIG_DIR", str(tmp_path))
        proc = run(sys.executable, "-m", "mirror", "crawl", "--profile", "sample", "--db", db,
                   "--log-level", "WARNING")
        paths = [r.path_qs for r in site.request_log()]
    assert proc.returncode in (0, 1), proc.stderr
    assert not any(f"sid={skipped}&" in p or p.endswith(f"sid={skipped}") for p in paths)
    assert not any("warning=" in p or "ageconsent=" in p for p in paths)
    store = Store(db)
    try:
        stored = {s.story_id for s in store.iter_stories()}
    finally:
        store.close()
    assert skipped not in stored and not ({s.sid for s in gated} & stored)
    assert {s.sid for s in plain[1:]} <= stored
