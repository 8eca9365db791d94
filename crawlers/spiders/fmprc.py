"""China MFA spokesperson's press conferences, in English (www.fmprc.gov.cn).

Layout "mfa_eng" (2014 to mid-2022), as the saved pages in tests/files/fmprc show it:
- list pages `.../2511_665403/default.shtml`, `default_1.shtml` ...; items are
  `div.newsLst_mod ul li a` whose text is the full title; the page count is only in a
  script (`var countPage = 13`), so the spider builds `default_N.shtml` itself;
- an article `.../t<digits>.shtml`: the title in `div.content_mod h2.title` carries the
  spokesperson and the date ("... Hua Chunying's Regular Press Conference on January
  24, 2019"), the body is `div.content` > paragraphs. Questions start `Q:` (or
  `Follow-up:`) and are bold; answers start `A:` and run over unlabelled paragraphs.
  From 2020, turns are labelled by outlet ("CCTV:") and by the spokesperson's name;
  journalists' interjections are bold "Journalist:" paragraphs.
- Titles are untidy: "June11, 2018", no year ("September 10"), or no date at all
  ("Remarks on ..."). Photo file names (`W020180910...jpg`) carry an upload date that
  fills the gaps; the title wins when it is complete.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from dateutil import parser as date_parser

from corpus.records import Segment, Source
from crawlers.parsing import (
    LayoutError,
    Paragraph,
    Turn,
    assemble_segments,
    looks_like_name,
    paragraphs_of,
    parse_html,
    split_label,
)
from crawlers.spiders.base import BriefingSpider, ListedArticle

LIST_URL = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml"
LAYOUT = "mfa_eng"

_COUNT_PAGE = re.compile(r"countPage\s*=\s*(\d+)")
_ARTICLE_ID = re.compile(r"/(t\d+)\.s?html?$")
_TITLE = re.compile(
    r"Spokesperson\s+(?P<spokesperson>[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3})(?:['’]s?)?\s+"
    r"(?P<kind>.+?)(?:\s+on\s+(?P<date>[A-Z][a-z]+\.?\s*\d{1,2}(?:\s*,\s*\d{4})?))?\s*$"
)
_YEAR = re.compile(r"\b\d{4}\b")
_PHOTO_DATE = re.compile(r"W0(20\d{2})(\d{2})(\d{2})\d*\.(?:jpe?g|png|gif)", re.I)
_QUESTION = re.compile(r"^(?:Q|Question)\s*[:：]\s*", re.I)
_FOLLOW_UP = re.compile(r"^Follow[- ]?up(?: question)?\s*[:：]\s*", re.I)
_ANSWER = re.compile(r"^A\s*[:：]\s*")


@dataclass
class ListPage:
    articles: list[ListedArticle]
    page_count: int


@dataclass
class Briefing:
    title: str
    spokesperson: str | None
    kind: str
    date: dt.date | None
    date_inferred: str | None
    segments: list[Segment] = field(default_factory=list)
    layout: str = LAYOUT


def parse_list_page(html: str | bytes, url: str) -> ListPage:
    tree = parse_html(html)
    links = tree.cssselect("div.newsLst_mod ul li a")
    if not links:
        raise LayoutError(f"{url}: no 'div.newsLst_mod ul li a' links: not an mfa_eng list page")
    articles = []
    for link in links:
        href = link.get("href")
        if not href or not _ARTICLE_ID.search(href):
            continue
        title = " ".join(link.text_content().split())
        articles.append(ListedArticle(url=urljoin(url, href), title=title, date=title_date(title)[0]))
    count = _COUNT_PAGE.search(_scripts(tree))
    return ListPage(articles=articles, page_count=int(count.group(1)) if count else 1)


def _scripts(tree) -> str:
    return "\n".join(script.text or "" for script in tree.iter("script"))


def list_page_url(page: int) -> str:
    """Page 0 is default.shtml, page N is default_N.shtml, as the site's own script builds them."""
    return LIST_URL if page == 0 else LIST_URL.replace("default.shtml", f"default_{page}.shtml")


def title_date(title: str) -> tuple[dt.date | None, bool]:
    """The date in a title and whether its year was stated: ("...on June11, 2018") -> (2018-06-11, True)."""
    match = _TITLE.search(title)
    if not match or not match.group("date"):
        return None, False
    text = re.sub(r"([A-Za-z])(\d)", r"\1 \2", match.group("date"))
    has_year = bool(_YEAR.search(text))
    try:
        parsed = date_parser.parse(text, default=dt.datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        return None, False
    return (parsed if has_year else parsed.replace(year=1)), has_year


def photo_date(image_sources: list[str]) -> dt.date | None:
    """The upload date in the first photo's file name, W0YYYYMMDD..., if any."""
    for source in image_sources:
        match = _PHOTO_DATE.search(source)
        if not match:
            continue
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            continue
    return None


def _closest_year(month_day: dt.date, near: dt.date) -> dt.date:
    candidates = []
    for year in (near.year - 1, near.year, near.year + 1):
        try:
            candidates.append(month_day.replace(year=year))
        except ValueError:  # 29 February
            continue
    return min(candidates, key=lambda candidate: abs((candidate - near).days))


def briefing_date(title: str, image_sources: list[str]) -> tuple[dt.date | None, str | None]:
    stated, has_year = title_date(title)
    if stated and has_year:
        return stated, None
    uploaded = photo_date(image_sources)
    if stated and uploaded:
        return _closest_year(stated, uploaded), "year from the photo file names"
    if uploaded:
        return uploaded, "date from the photo file names"
    return None, None


def parse_title(title: str) -> tuple[str | None, str]:
    """(spokesperson, kind of briefing) from a title."""
    match = _TITLE.search(title)
    if not match:
        return None, "unknown"
    kind = match.group("kind").strip()
    if kind.lower().startswith("remarks"):
        kind = "Remarks"
    return match.group("spokesperson"), kind


def classify(paragraph: Paragraph, spokespeople: set[str]) -> Turn:
    text = paragraph.text
    if match := _QUESTION.match(text):
        return Turn("question", text[match.end():], "Q")
    if match := _FOLLOW_UP.match(text):
        return Turn("question", text[match.end():], "Follow-up")
    if match := _ANSWER.match(text):
        return Turn("answer", text[match.end():], "A")
    labelled = split_label(text)
    if labelled:
        label, rest = labelled
        if label.casefold() in spokespeople:
            return Turn("answer", rest, label)
        # Every bold labelled paragraph of the saved pages is a journalist's turn: an
        # outlet ("CCTV4:"), "Journalist adds:", or "The following question was raised
        # after the press conference:"; plain ones are the spokesperson's own phrasing.
        if paragraph.bold and not rest:
            return Turn("note", text)  # "The following questions were raised after the press conference:"
        if paragraph.bold:
            return Turn("question", rest, label, label if looks_like_name(label) else None)
    return Turn(None, text, bold=paragraph.bold)


def parse_briefing(html: str | bytes, url: str) -> Briefing:
    tree = parse_html(html)
    heading = tree.cssselect("div.content_mod h2.title")
    if not heading:
        raise LayoutError(f"{url}: no 'div.content_mod h2.title': not an mfa_eng article page")
    title = " ".join(heading[0].text_content().split())
    bodies = tree.cssselect("div.content_mod div.content")
    if not bodies:
        raise LayoutError(f"{url}: no 'div.content' body under the title")
    body = bodies[0]
    paragraphs = paragraphs_of(body)
    if not paragraphs:
        raise LayoutError(f"{url}: the 'div.content' body has no text")
    spokesperson, kind = parse_title(title)
    spokespeople = {spokesperson.casefold()} if spokesperson else set()
    turns = [classify(paragraph, spokespeople) for paragraph in paragraphs]
    segments = assemble_segments(turns, spokesperson)
    date, inferred = briefing_date(title, body.xpath(".//img/@src"))
    return Briefing(
        title=title,
        spokesperson=spokesperson,
        kind=kind,
        date=date,
        date_inferred=inferred,
        segments=segments,
    )


def article_id(url: str) -> str:
    match = _ARTICLE_ID.search(url)
    if not match:
        raise LayoutError(f"{url}: not an article URL (t<digits>.shtml)")
    return match.group(1)


class FmprcSpider(BriefingSpider):
    name = "fmprc"
    source = Source(
        name="fmprc",
        ministry="Ministry of Foreign Affairs of the People's Republic of China",
        country="CN",
        language="en",
        homepage="https://www.fmprc.gov.cn/mfa_eng/",
    )
    allowed_domains = ["www.fmprc.gov.cn", "fmprc.gov.cn"]
    layouts = (LAYOUT,)

    def start_list_urls(self) -> list[str]:
        return [list_page_url(0)]

    def parse_list(self, response, page: int = 0):
        listing = parse_list_page(response.body, response.url)
        yield from self.article_requests(listing.articles, self.parse_article)
        if page + 1 < listing.page_count and not self.listing_passed_since(listing.articles):
            yield self.list_request(list_page_url(page + 1), page + 1)

    def parse_article(self, response):
        native_id = article_id(response.url)
        document = self.document(
            response,
            native_id,
            lambda: parse_briefing(response.body, response.url),
            sequence=int(native_id[1:]),
        )
        if document is not None:
            yield document
