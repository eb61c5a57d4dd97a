"""Pure parsers for eFiction review pages (``reviews.php?type=ST|SE&item=N[&offset=K]``).

A review page opens with ``#pagetitle`` ("Reviews For <a>Title</a>"), a jump menu (on a
story's pages: one ``Reviews For K. Title`` option per chapter, with its ``chapid``;
on a series' page: one option per story), then one block per review, newest first::

    <span class="label">Reviewer: </span><a href="viewuser.php?uid=8">Cassie_M</a>
    <span class="label">Signed</span> <span>(stars)</span> [<a href="contact.php?action=report&amp;
    url=reviews.php?reviewid=8">Report This</a>]<br />
    <span class="label">Date: </span>17/07/06 - 06:34 am
    <span class="label">Title: </span>Snowbound
    <p>The text.<br><br><i>Author's Response: Thanks!</i></p>

Guests' reviews show the name as text and "Anonymous".  The score is the stars (2 points a
star, 1 a half star); no stars: no rating.  The author's response is appended to the text by
eFiction; it is split off here.  eFiction 3.5 stores a rating without text as "No Review" and
hides it from these pages; where a site shows one, it is kept as rating-only.  Pages are
paginated with ``offset`` (``#pagelinks``).  Nothing here touches the network or the database.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from mirror import urls
from mirror.items import REVIEW_SERIES, REVIEW_STORY, Page, Review, ReviewPages, ReviewSet
from mirror.parsing.dates import DEFAULT_FORMAT as DEFAULT_DATE_FORMAT, DateFormatError, parse_date
from mirror.parsing.efiction import (FATAL_ERROR_TEXT, ParseError, StoryUnavailable, _query, _text, parse_document,
                                     parse_kept, shows_fatal_error)

# Labels (English; cf. efiction.LABELS and the language file's _SIGNED, _ANONYMOUS, _AUTHORSRESPONSE).
REVIEWER_LABELS = {"reviewer", "rezensent", "autor der rezension"}
DATE_LABELS = {"date", "datum"}
TITLE_LABELS = {"title", "titel"}
SIGNED_LABELS = {"signed", "signiert"}
ANONYMOUS_LABELS = {"anonymous", "anonym"}
RESPONSE_PREFIXES = ("author's response:", "antwort des autors:")
NO_REVIEW = "no review"  # what eFiction stores for a rating without text

_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)
_CHAPTER_OPTION = re.compile(r"^\D*?(\d+)\.\s*(.*)$")


class ReviewsUnavailable(StoryUnavailable):
    """The site sent an error page instead of the reviews."""


@dataclass
class ReviewsPage:
    """What one review page shows."""

    item_type: str
    item_id: int
    url: str
    item_title: str
    offset: int = 0
    reviews: list[Review] = field(default_factory=list)  # this page's reviews of the item, in page order
    # title -> [(chapter number, chapid)] from the chapter menu (on every page of a story's reviews)
    chapters: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)
    page_urls: list[str] = field(default_factory=list)  # other pages of this item's reviews
    other_items: int = 0  # reviews of other items shown here (a series page shows its stories' too)
    warnings: list[str] = field(default_factory=list)


def reviews_url(base: str, item_type: str, item_id: int, offset: int = 0) -> str:
    if offset:
        return urls.build(base, "reviews.php", type=item_type, item=item_id, offset=offset)
    return urls.build(base, "reviews.php", type=item_type, item=item_id)


def _offset(url: str) -> int:
    value = urls.script_and_query(url)[1].get("offset", "0")
    return int(value) if value.isdigit() else 0


def _item_of(url: str) -> tuple[str, int] | None:
    script, query = urls.script_and_query(url)
    kind, item = query.get("type", ""), query.get("item", "")
    if script != "reviews.php" or kind not in (REVIEW_STORY, REVIEW_SERIES) or not item.isdigit():
        return None
    return kind, int(item)


def _label(el: etree._Element) -> str:
    return " ".join(el.text_content().split()).rstrip(":").strip().lower()


def _labels(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter("span") if "label" in (el.get("class") or "").split()]


def _tail_text(el: etree._Element) -> str:
    return " ".join((el.tail or "").split())


def parse_review_time(display: str, date_format: str) -> tuple[dt.date, dt.time | None]:
    """"17/07/06 - 06:34 am" (``dateformat`` + ``timeformat``): the date, and the time if shown."""
    text = " ".join(display.split())
    match = None
    for found in _TIME.finditer(text):
        match = found  # the last time-looking part
    date_text = text[:match.start()] if match else text
    date_text = re.sub(r"[\s\-–,@|]+$", "", date_text).strip()
    day = parse_date(date_text, date_format)
    if match is None:
        return day, None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    meridiem = (match.group(4) or "").lower().replace(".", "")
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    return day, dt.time(hour, minute, second)


def _score(block: etree._Element) -> int | None:
    full = half = 0
    for img in block.iter("img"):
        src = (img.get("src") or "").lower().rsplit("/", 1)[-1]
        alt = (img.get("alt") or "").lower()
        if src.startswith("starhalf") or alt == "half-star":
            half += 1
        elif src.startswith("star") or alt == "star":
            full += 1
    return full * 2 + half if full or half else None


def _review_id(block: etree._Element) -> int | None:
    for link in block.iter("a"):
        match = re.search(r"reviewid=(\d+)", (link.get("href") or "").replace("&amp;", "&"))
        if match:
            return int(match.group(1))
    return None


def _split_response(nodes: list[etree._Element], head: str) -> tuple[str, str]:
    """The review's HTML and the author's response (eFiction appends ``<br><br><i>Author's
    Response: …</i>`` to the text), from the nodes after the Title line."""
    holder = lxml.html.fragment_fromstring("<div></div>")
    holder.text = head
    for node in nodes:
        holder.append(copy.deepcopy(node))
    response = ""
    for italic in list(holder.iter("i")):
        text = " ".join(italic.text_content().split()).lower()
        prefix = next((p for p in RESPONSE_PREFIXES if text.startswith(p)), None)
        if prefix is None:
            continue
        inner = (italic.text or "") + "".join(
            lxml.html.tostring(child, encoding="unicode", method="html", with_tail=True) for child in italic)
        response = re.sub(r"^\s*" + re.escape(prefix), "", inner.strip(), flags=re.IGNORECASE).strip()
        parent = italic.getparent()
        previous = italic.getprevious()
        # the <br><br> eFiction puts before it
        while previous is not None and previous.tag == "br" and not (previous.tail or "").strip():
            gone, previous = previous, previous.getprevious()
            parent.remove(gone)
        tail = italic.tail
        previous = italic.getprevious()
        parent.remove(italic)
        if tail and tail.strip():
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        break
    html = (holder.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode", method="html", with_tail=True) for child in holder)
    return html.strip(), response


def _parse_block(block: etree._Element, labels: list[etree._Element], page: Page, item_type: str,
                 item_id: int, base: str, date_format: str, warnings: list[str]) -> Review:
    by_name = {}
    for el in labels:
        by_name.setdefault(_label(el), el)
    reviewer_label = next(el for el in labels if _label(el) in REVIEWER_LABELS)
    review_id = _review_id(block)
    if review_id is None:
        raise ParseError(page.url, "review_id", "a review block has no reviews.php?reviewid= link")
    where = f"review {review_id}"
    # the reviewer: what lies between "Reviewer:" and the Signed/Anonymous label
    name, uid, signed = _tail_text(reviewer_label), None, None
    sibling = reviewer_label.getnext()
    while sibling is not None and not (sibling.tag == "span" and "label" in (sibling.get("class") or "")):
        if sibling.tag == "a" and _query(sibling.get("href", ""))[0] == "viewuser.php":
            value = _query(sibling.get("href", ""))[1].get("uid", "")
            uid = int(value) if value.isdigit() else None
            name = _text(sibling)
        sibling = sibling.getnext()
    if sibling is not None:
        status = _label(sibling)
        if status in SIGNED_LABELS:
            signed = True
        elif status in ANONYMOUS_LABELS:
            signed = False
        if not name:
            name = ""
    if signed is None:
        signed = uid is not None
    name = " ".join(name.split())
    if not name:
        raise ParseError(page.url, f"{where}.reviewer", "no reviewer name")
    date_label = next((el for el in labels if _label(el) in DATE_LABELS), None)
    if date_label is None:
        raise ParseError(page.url, f"{where}.date", "no Date: line")
    display = _tail_text(date_label)
    posted = None
    try:
        day, time = parse_review_time(display, date_format)
        posted = dt.datetime.combine(day, time or dt.time(0, 0))
    except DateFormatError as exc:
        warnings.append(f"{where}: date {display!r} not in format {date_format!r} ({exc})")
    title_label = next((el for el in labels if _label(el) in TITLE_LABELS), None)
    chapter_title, head = None, ""
    if title_label is not None:
        # "Title: </span>Snowbound\n<p>text</p>": the title is the rest of that line; a text
        # without markup follows it on the next line
        first, _, head = (title_label.tail or "").lstrip(" \t").partition("\n")
        chapter_title = " ".join(first.split())
    # the text: every node after the Title line (or the Date line)
    anchor = title_label if title_label is not None else date_label
    nodes = list(anchor.itersiblings())
    text_html, response_html = _split_response(nodes, head)
    rating_only = " ".join(re.sub(r"<[^>]+>", " ", text_html).split()).lower() == NO_REVIEW
    return Review(site=base, review_id=review_id, item_type=item_type, item_id=item_id,
                  reviewer_name=name, reviewer_uid=uid, signed=signed, chapter_title=chapter_title or None,
                  date_display=display, posted=posted, score=_score(block),
                  text_html="" if rating_only else text_html, rating_only=rating_only,
                  response_html=response_html, source_url=page.url)


def parse_reviews_page(page: Page, base_url: str, date_format: str = DEFAULT_DATE_FORMAT,
                       encoding: str | None = None) -> ReviewsPage:
    """The reviews of one ``reviews.php?type=ST|SE&item=N`` page, with the other pages' URLs.

    Raises :class:`ReviewsUnavailable` for an SQL error page and :class:`ParseError` (naming
    the field and the URL) for a page it cannot read."""
    item = _item_of(page.url)
    single = urls.script_and_query(page.url)[1].get("reviewid", "").isdigit()
    if item is None and not single:
        raise ParseError(page.url, "item", "not a reviews.php?type=ST|SE&item=N URL")
    doc = parse_document(page, encoding)
    if item is None:  # one review (reviews.php?reviewid=N): its item is in the "Submit a Review" link
        for link in doc.iter("a"):
            found = _item_of(urls.absolute(page.url, (link.get("href") or "").replace("&amp;", "&")))
            if found is not None:
                item = found
                break
        if item is None:
            raise ParseError(page.url, "item", "no reviews.php?type=..&item=N link on a single review's page")
    item_type, item_id = item
    if shows_fatal_error(doc):
        raise ReviewsUnavailable(page.url, "fatal", f"review page shows an error: {FATAL_ERROR_TEXT}")
    title_box = next(iter(doc.xpath("//*[@id='pagetitle']")), None)
    if title_box is None:
        raise ParseError(page.url, "pagetitle", "no #pagetitle (\"Reviews For ...\")")
    title_link = next(iter(title_box.iter("a")), None)
    result = ReviewsPage(item_type=item_type, item_id=item_id, url=page.url,
                         item_title=_text(title_link) if title_link is not None else _text(title_box),
                         offset=_offset(page.url))
    # the chapter menu (story) or story menu (series): "Reviews For K. Title"
    for option in doc.xpath("//select//option"):
        value = (option.get("value") or "").replace("&amp;", "&")
        script, query = urls.script_and_query(value)
        if script != "reviews.php" or "chapid" not in query or item_type != REVIEW_STORY:
            continue
        match = _CHAPTER_OPTION.match(" ".join(option.text_content().split()))
        if match:
            chapid = int(query["chapid"]) if query["chapid"].isdigit() else None
            result.chapters.setdefault(match.group(2), []).append((int(match.group(1)), chapid))
    blocks: list[etree._Element] = []  # lxml elements compare by identity: kept alive in this list
    for label in _labels(doc):
        if _label(label) not in REVIEWER_LABELS:
            continue
        block = label.getparent()
        if any(block is seen for seen in blocks):
            continue
        blocks.append(block)
        labels = [el for el in _labels(block) if el.getparent() is block]
        review = _parse_block(block, labels, page, item_type, item_id, base_url, date_format, result.warnings)
        if item_type == REVIEW_SERIES and review.chapter_title and review.chapter_title != result.item_title:
            # a series' page also shows its stories' reviews: they are read from the stories' pages
            result.other_items += 1
            continue
        result.reviews.append(review)
    for link in doc.xpath("//div[@id='pagelinks']//a[contains(@href, 'offset=')]"):
        url = urls.clean(urls.absolute(page.url, link.get("href", "")))
        if _item_of(url) == item and "chapid" not in urls.script_and_query(url)[1] and url not in result.page_urls:
            result.page_urls.append(url)
    return result


def resolve_chapters(reviews: list[Review], chapters: dict[str, list[tuple[int, int | None]]],
                     warnings: list[str]) -> None:
    """Set each story review's chapter number and chapid from its "Title:" (the chapter's title),
    when exactly one chapter has that title."""
    for review in reviews:
        found = chapters.get(review.chapter_title or "")
        if found and len(found) == 1:
            review.chapter_number, review.chapter_id = found[0]
        elif found:
            warnings.append(f"review {review.review_id}: chapter title {review.chapter_title!r} is not unique")


def _menu_ids(chapters: dict[str, list[tuple[int, int | None]]]) -> dict[int, int]:
    """Chapter number -> chapid from the chapter menu, leaving out a number or a chapid the
    menus showed twice (pages read while the story changed)."""
    pairs = {(number, chapid) for found in chapters.values() for number, chapid in found if chapid is not None}
    numbers = Counter(number for number, _ in pairs)
    chapids = Counter(chapid for _, chapid in pairs)
    return {number: chapid for number, chapid in sorted(pairs) if numbers[number] == 1 and chapids[chapid] == 1}


def extract_reviews(review_pages: ReviewPages, encoding: str | None = None) -> ReviewSet:
    """All reviews of one item from every page fetched for it, newest first, each once."""
    base, kind, item = review_pages.site, review_pages.item_type, review_pages.item_id
    url = reviews_url(base, kind, item)
    pages = sorted(review_pages.pages, key=lambda p: _offset(p.url))
    if not pages:
        raise ParseError(url, "pages", "no review page was fetched")
    parsed = [parse_kept(parse_reviews_page, p, base, review_pages.date_format, encoding) for p in pages]
    result = ReviewSet(site=base, item_type=kind, item_id=item, url=url, listed_count=review_pages.listed_count,
                       requests=review_pages.requests)
    chapters: dict[str, list[tuple[int, int | None]]] = {}
    ids: set[int] = set()
    for one in parsed:
        result.warnings += one.warnings
        for title, found in one.chapters.items():
            chapters.setdefault(title, [])
            chapters[title] += [f for f in found if f not in chapters[title]]
        for review in one.reviews:
            if review.review_id not in ids:
                ids.add(review.review_id)
                result.reviews.append(review)
    if kind == REVIEW_STORY:
        resolve_chapters(result.reviews, chapters, result.warnings)
        result.chapter_ids = _menu_ids(chapters)
    if review_pages.listed_count and not result.reviews:  # never a silent "no reviews"
        result.warnings.append(f"not understood: {url} lists {review_pages.listed_count} reviews but none could be "
                               "read (no Reviewer: line with a reviews.php?reviewid= link)")
    if review_pages.failures:
        result.complete = False
        reasons = "; ".join(f"{u}: {why}" for u, why in review_pages.failures)
        result.warnings.append(f"incomplete: some review pages could not be fetched ({reasons})")
    return result
