"""Pure parsers for eFiction's challenges module.

``modules/challenges/challenges.php?chalid=N`` shows one challenge: ``#pagetitle`` "Title by
<a>Owner</a>", then ``#titleblock`` with Summary, Categories and Characters, then the stories
answering it as ordinary listing blocks (their links relative to ``modules/challenges/``),
paginated by ``offset`` (``#pagelinks``).  Without ``chalid`` the script shows an empty page.

``browse.php?type=challenges`` lists the challenges: one block each, the title link to
``challenges.php?chalid=N``, the owner, ``[Responses - N]``, Summary, Categories, Characters.
Nothing here touches the network or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mirror import urls
from mirror.items import Author, ChallengeInfo, ChallengePages, Page, Tag
from mirror.parsing.dates import DEFAULT_FORMAT as DEFAULT_DATE_FORMAT
from mirror.parsing.efiction import (FATAL_ERROR_TEXT, ParseError, StoryUnavailable, _parse_block, _query, _text,
                                     parse_document, parse_kept, parse_listing, shows_fatal_error)
from mirror.parsing.series import _title_and_owner


class ChallengeUnavailable(StoryUnavailable):
    """The site has no such challenge (the module shows an empty page) or sent an error page."""


@dataclass
class ChallengePage:
    """What one page of a challenge shows."""

    challenge_id: int
    url: str
    title: str
    owner: Author | None
    summary_html: str = ""
    categories: list[Tag] = field(default_factory=list)
    characters: list[Tag] = field(default_factory=list)
    story_ids: list[int] = field(default_factory=list)  # this page's responses, in order
    offset: int = 0
    page_urls: list[str] = field(default_factory=list)  # other pages of this challenge
    warnings: list[str] = field(default_factory=list)


def _offset(url: str) -> int:
    value = urls.script_and_query(url)[1].get("offset", "0")
    return int(value) if value.isdigit() else 0


def challenge_id_of(url: str) -> int | None:
    script, query = urls.script_and_query(url)
    value = query.get("chalid", "")
    return int(value) if script == "challenges.php" and value.isdigit() else None


def parse_challenge_page(page: Page, base_url: str, date_format: str = DEFAULT_DATE_FORMAT,
                         encoding: str | None = None) -> ChallengePage:
    """The header and this page's responses of one ``challenges.php?chalid=N`` page.

    Raises :class:`ChallengeUnavailable` for a challenge the site does not show (an empty page)
    or an SQL error page, :class:`ParseError` (naming the field and URL) for one it cannot read."""
    chalid = challenge_id_of(page.url)
    if chalid is None:
        raise ParseError(page.url, "chalid", "not a modules/challenges/challenges.php?chalid=N URL")
    doc = parse_document(page, encoding)
    if shows_fatal_error(doc):
        raise ChallengeUnavailable(page.url, "fatal", f"challenge page shows an error: {FATAL_ERROR_TEXT}")
    title_box = next(iter(doc.xpath("//*[@id='pagetitle']")), None)
    title, owner = _title_and_owner(title_box, base_url)
    if title_box is None or (not title and owner is None):
        raise ChallengeUnavailable(page.url, "missing", f"no such challenge {chalid} (the module shows an empty page)")
    if not title:
        raise ParseError(page.url, "title", "no challenge title in #pagetitle")
    header = next(iter(doc.xpath("//*[@id='titleblock']")), None)
    if header is None:
        raise ParseError(page.url, "header", "no #titleblock (Summary:, Categories:, Characters:)")
    meta = _parse_block(header, page.url, date_format, base_url)
    result = ChallengePage(challenge_id=chalid, url=page.url, title=title, owner=owner,
                           summary_html=meta.fields["summary_html"], categories=meta.fields["categories"],
                           characters=meta.fields["characters"], offset=_offset(page.url),
                           warnings=list(meta.warnings))
    # the responses are ordinary story blocks: the listing parser reads them (page order kept)
    result.story_ids = [e.story_id for e in parse_listing(page, base_url, date_format, encoding).entries]
    for link in doc.xpath("//div[@id='pagelinks']//a[contains(@href, 'offset=')]"):
        url = urls.clean(urls.absolute(page.url, link.get("href", "")))
        if challenge_id_of(url) == chalid and url not in result.page_urls:
            result.page_urls.append(url)
    return result


def extract_challenge(challenge_pages: ChallengePages, encoding: str | None = None) -> ChallengeInfo:
    """A challenge's record from every page fetched for it: the header of the first page, the
    responses of all pages in offset order."""
    base, chalid = challenge_pages.site, challenge_pages.challenge_id
    pages = sorted(challenge_pages.pages, key=lambda p: _offset(p.url))
    if not pages:
        raise ParseError(urls.challenge_url(base, chalid), "pages", "no challenge page was fetched")
    parsed = [parse_kept(parse_challenge_page, p, base, challenge_pages.date_format, encoding) for p in pages]
    first = parsed[0]
    info = ChallengeInfo(site=base, challenge_id=chalid, url=urls.challenge_url(base, chalid), title=first.title,
                         owner=first.owner, summary_html=first.summary_html, categories=first.categories,
                         characters=first.characters, listed_count=challenge_pages.listed_count,
                         requests=challenge_pages.requests, warnings=list(first.warnings))
    for one in parsed:
        info.story_ids += [sid for sid in one.story_ids if sid not in info.story_ids]
    if challenge_pages.failures:
        info.complete = False
        reasons = "; ".join(f"{url}: {reason}" for url, reason in challenge_pages.failures)
        info.warnings.append(f"incomplete: some pages of the challenge could not be fetched ({reasons})")
    return info


@dataclass
class ChallengeListing:
    challenge_ids: list[int]  # in page order
    response_counts: dict[int, int]  # chalid -> "Responses - N", where shown
    page_urls: list[str]  # other pages of the listing (absolute, cleaned)


def parse_challenge_listing(page: Page, encoding: str | None = None) -> ChallengeListing:
    """``browse.php?type=challenges``: the challenge links in page order, each one's response
    count (the number link after "Responses") and the other pages of the listing."""
    doc = parse_document(page, encoding)
    ids: list[int] = []
    counts: dict[int, int] = {}
    for link in doc.iter("a"):
        script, query = _query(link.get("href", ""))
        if script != "challenges.php" or set(query) != {"chalid"} or not query["chalid"].isdigit():
            continue
        chalid = int(query["chalid"])
        text = _text(link)
        if chalid not in ids:
            ids.append(chalid)  # the first link of a block is its title
        elif re.fullmatch(r"\d+", text):
            counts[chalid] = int(text)
    page_urls: list[str] = []
    for link in doc.xpath("//div[@id='pagelinks']//a[contains(@href, 'offset=')]"):
        url = urls.clean(urls.absolute(page.url, link.get("href", "")))
        if url not in page_urls:
            page_urls.append(url)
    return ChallengeListing(ids, counts, page_urls)
