"""Site profiles (data, validated) and the item pipelines, each on its own."""

from __future__ import annotations

import random
import re

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from mirror.items import Author, Chapter, Page, Story, StoryPages
from mirror.profiles import ProfileError, find_profile, get_profile, load_profile, load_profiles
from mirror.spiders.efiction import EfictionSpider
from pipelines.extract import ExtractPipeline
from pipelines.normalise import NormalisePipeline, has_active_content, html
from pipelines.validate import ValidatePipeline
from tests.parsing_helpers import page as fixture_page

BASE = "http://127.0.0.1:8081/"


def write(tmp_path, name, text):
    sites = tmp_path / "sites"
    sites.mkdir(exist_ok=True)
    (sites / f"{name}.toml").write_text(text, encoding="utf-8")
    return sites / f"{name}.toml"


def test_profile_loads_and_matches(tmp_path):
    write(tmp_path, "lantern", 'base_url = "http://Example.org/fiction/index.php"\ndate_format = "m/d/Y"\n'
          'encoding = "auto"\ndelay = 3\n')
    (profile,) = load_profiles(tmp_path)
    assert profile.name == "lantern" and profile.base_url == "http://example.org/fiction/"
    assert profile.date_format == "m/d/Y" and profile.encoding is None and profile.delay == 3.0
    assert find_profile("http://example.org/fiction/", tmp_path) == profile
    assert find_profile("http://example.org/other/", tmp_path) is None
    assert get_profile("lantern", tmp_path) == profile
    with pytest.raises(ProfileError, match="no site profile named 'nope'"):
        get_profile("nope", tmp_path)


@pytest.mark.parametrize("text, message", [
    ('base_url = "http://x.org/"\ndate_fromat = "d/m/y"\n', "unknown key 'date_fromat'"),
    ('base_url = "http://x.org/"\ndelay = "fast"\n', "'delay' has the wrong type"),
    ('date_format = "d/m/y"\n', "'base_url' is required"),
    ('base_url = "gopher://x.org/"\n', "base_url"),
    ('base_url = \n', "cannot read site profile"),
])
def test_bad_profiles_name_the_file_and_key(tmp_path, text, message):
    path = write(tmp_path, "bad", text)
    with pytest.raises(ProfileError, match=message) as exc:
        load_profile(path)
    assert str(path) in str(exc.value)


def test_shipped_example_profile_is_valid():
    from pathlib import Path

    assert load_profile(Path(__file__).parent.parent / "config" / "sites" / "example.toml.sample").delay == 2.0


def test_spider_takes_the_date_format_from_the_profile(tmp_path):
    write(tmp_path, "us", 'base_url = "http://us.example/fiction/"\ndate_format = "m/d/Y"\n')
    crawler = get_crawler(EfictionSpider, {"MIRROR_CONFIG_DIR": str(tmp_path)})
    spider = EfictionSpider.from_crawler(crawler, url="http://us.example/fiction/")
    assert spider.date_format == "m/d/Y"
    spider = EfictionSpider.from_crawler(crawler, url="http://us.example/fiction/", date_format="d.m.y")
    assert spider.date_format == "d.m.y"
    other = EfictionSpider.from_crawler(crawler, url="http://elsewhere.example/")
    assert other.date_format == "d/m/y"


def story_pages(*pages: Page, sid=6) -> StoryPages:
    return StoryPages(site=BASE, story_id=sid, pages=list(pages), requests=len(pages))


def crawler_for(cls, **settings):
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    return crawler, cls.from_crawler(crawler)


def test_extract_turns_pages_into_a_story():
    crawler, pipeline = crawler_for(ExtractPipeline)
    story = pipeline.process_item(story_pages(fixture_page("viewstory_sid6_index.html", "index"),
                                              fixture_page("printable_sid6_all.html", "printable")))
    assert isinstance(story, Story) and len(story.chapters) == 2 and story.requests == 2


def test_extract_drops_unparseable_and_gated_pages_with_a_counted_reason():
    crawler, pipeline = crawler_for(ExtractPipeline)
    with pytest.raises(DropItem, match="parse_error: .*viewstory.php.*cannot parse chapters\\[1\\].text"):
        pipeline.process_item(story_pages(fixture_page("viewstory_sid6_index.html", "index")))
    with pytest.raises(DropItem, match="unavailable/denied"):
        pipeline.process_item(story_pages(fixture_page("viewstory_sid99999.html", "index"), sid=99999))
    stats = crawler.stats.get_stats()
    assert stats["mirror/dropped"] == 2
    assert stats["mirror/dropped/parse_error"] == 1 and stats["mirror/dropped/unavailable/denied"] == 1
    assert stats["mirror/parse_errors/chapters"] == 1


def valid_story(**changes) -> Story:
    story = Story(site=BASE, story_id=6, url=BASE + "viewstory.php?sid=6", title="T",
                  authors=[Author(1, "A", BASE + "viewuser.php?uid=1")],
                  chapters=[Chapter(1, 10, "One", text_html="<p>x</p>")], chapter_count=1)
    for key, value in changes.items():
        setattr(story, key, value)
    return story


@pytest.mark.parametrize("changes, reason", [
    ({"title": "  "}, "invalid/no_title"),
    ({"authors": []}, "invalid/no_author"),
    ({"chapters": []}, "invalid/no_chapters"),
    ({"chapters": [Chapter(1, 1, "a"), Chapter(3, 3, "c")]}, "invalid/chapter_gaps"),
    ({"story_id": 0}, "invalid/bad_id"),
])
def test_validate_drops_with_reason(changes, reason):
    crawler, pipeline = crawler_for(ValidatePipeline)
    with pytest.raises(DropItem, match=reason):
        pipeline.process_item(valid_story(**changes))
    assert crawler.stats.get_value(f"mirror/dropped/{reason}") == 1


def test_validate_passes_a_good_story_and_a_restricted_one_without_chapters():
    _, pipeline = crawler_for(ValidatePipeline)
    assert pipeline.process_item(valid_story()).title == "T"
    assert pipeline.process_item(valid_story(status="restricted", chapters=[], authors=[])).status == "restricted"


def test_normalise_trims_names_and_removes_active_content_only():
    _, pipeline = crawler_for(NormalisePipeline)
    story = valid_story(title="  Cafe\u0301   Noir ", summary_html='<p onclick="x()">Hi <script>alert(1)</script>'
                        '<a href="javascript:evil()">there</a></p>')
    story.chapters[0].text_html = "<p>Cafe\u0301 &amp; “quotes”</p>"
    out = pipeline.process_item(story)
    assert out.title == "Café Noir"
    assert out.summary_html == "<p>Hi <a>there</a></p>"
    assert out.chapters[0].text_html == "<p>Cafe\u0301 &amp; “quotes”</p>"  # text kept as served
    assert html("  <i>plain</i> ") == "<i>plain</i>"


# What stored HTML was always tested with (a change would re-serialise fragments stored as served)
ACTIVE_CONTENT = re.compile(r"<(script|style|iframe|object|embed|applet)\b|\son\w+\s*=|javascript:", re.IGNORECASE)


@pytest.mark.parametrize("value", [
    "<SCRIPT>", "<ScRiPt src=x>", "<\u017fcript>", "<scr\u0130pt>", "<scr\u0131pt>", "<scripts>", "<style/>",
    "<p ONCLICK = 'x'>", "<p\tonLoad=x>", "<p\u00a0on\u00e9=x>", "<p on=x>", "<p xonload=x>", "<b on\u0130=x>",
    "<a href='JAVASCRIPT:x'>", "java\u017fcript:", "jav\u0307ascript:", "<p>sat on the mat = fine</p>",
    "<p>a one=two and \u212aon=x</p>", "<em>“quotes” and \u0130stanbul</em>", "<embed", "<applet\n>", "",
])
def test_the_active_content_check_finds_what_a_case_insensitive_search_finds(value):
    assert has_active_content(value) == bool(ACTIVE_CONTENT.search(value))


def test_the_active_content_check_on_random_text():
    rng = random.Random(7)
    alphabet = list("<>=: \t\nonONscriptSCRIPTjavaJAVAstyleiframeobjectembedapplet_1-") + [
        "\u0130", "\u0131", "\u017f", "\u212a", "\u00e9", "\u00c9", "\u0307", "\u00a0", "\u2003", "“"]
    for _ in range(20000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16)))
        assert has_active_content(value) == bool(ACTIVE_CONTENT.search(value)), repr(value)


@pytest.mark.parametrize("cls, setting", [
    (ExtractPipeline, "MIRROR_EXTRACT_ENABLED"), (ValidatePipeline, "MIRROR_VALIDATE_ENABLED"),
    (NormalisePipeline, "MIRROR_NORMALISE_ENABLED"),
])
def test_pipelines_switch_off_with_not_configured(cls, setting):
    with pytest.raises(NotConfigured):
        cls.from_crawler(get_crawler(settings_dict={setting: False}))
