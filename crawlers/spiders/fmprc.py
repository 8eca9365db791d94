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

Layout "lxjzh" (from about July 2022), as sites.md describes it from public scrapers:
- list pages `https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/index.html`, `index_1.html` ...;
  the page count is again only in a script (`countPage = N`); items are links
  `./YYYYMM/tYYYYMMDD_N.html` (the date is in the URL);
- an article: the body lies between `<meta name="TRSWCM.ContStart">` and
  `<meta name="TRSWCM.ContEnd">`, else in the first of `#News_Body_Txt_A`,
  `.TRS_UEDITOR`, `.TRS_Editor`, `.news_content`, `#News_Body_Txt`, `.content`; the
  title in `<meta name="ArticleTitle">`, `#News_Body_Title`, `h1` or `.title`; the date
  in the title, else `<meta name="PubDate">`, `#News_Body_Time`, `.time`, else the URL.
  Turns are labelled by outlet ("Beijing Youth Daily: ...") and by the spokesperson's
  name ("Mao Ning: ..."), in plain or bold type; `Q:`/`A:` pages still occur.
- Removed pages redirect to a "system" page that answers 200 (`/web/system/...`,
  `index_17321`): they are missing pages, not transcripts, and are not stored.

Both listings are walked: each live era has its own, and a replay of one era answers
404 for the other's list pages, which is counted (`communique/missing_list_pages`) and
otherwise ignored. A page that matches neither layout is kept with a LayoutError that
names every layout check that failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from urllib.parse import urljoin

from dateutil import parser as date_parser

from corpus.records import Source
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
from crawlers.spiders.base import Briefing, BriefingSpider, ListedArticle, ListPage

log = logging.getLogger(__name__)

LIST_URL = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml"
LAYOUT = "mfa_eng"
LXJZH_LIST_URL = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/index.html"
LXJZH = "lxjzh"

_COUNT_PAGE = re.compile(r"countPage\s*=\s*(\d+)")
# mfa_eng articles are t<digits>.shtml; lxjzh articles tYYYYMMDD_<digits>.html
_ARTICLE_ID = re.compile(r"/(t\d+(?:_\d+)?)\.s?html?$")
_TITLE = re.compile(
    r"Spokesperson\s+(?P<spokesperson>[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3})(?:['’]s?)?\s+"
    r"(?P<kind>.+?)(?:\s+on\s+(?P<date>[A-Z][a-z]+\.?\s*\d{1,2}(?:\s*,\s*\d{4})?))?\s*$"
)
_YEAR = re.compile(r"\b\d{4}\b")
_PHOTO_DATE = re.compile(r"W0(20\d{2})(\d{2})(\d{2})\d*\.(?:jpe?g|png|gif)", re.I)
_QUESTION = re.compile(r"^(?:Q|Question)\s*[:：]\s*", re.I)
_FOLLOW_UP = re.compile(r"^Follow[- ]?up(?: question)?\s*[:：]\s*", re.I)
_ANSWER = re.compile(r"^A\s*[:：]\s*")

_LXJZH_ITEM = re.compile(r"(?:^|/)\d{6}/t(?P<date>\d{8})_\d+\.html$")
_URL_DATE = re.compile(r"/t(?P<date>(?:19|20)\d{6})_\d+\.html?$")
_CONTENT_MARKERS = re.compile(
    r"<meta\s[^>]*?name\s*=\s*[\"']?TRSWCM\.ContStart\b[^>]*>(?P<body>.*?)"
    r"<meta\s[^>]*?name\s*=\s*[\"']?TRSWCM\.ContEnd\b",
    re.S | re.I,
)
LXJZH_BODY_SELECTORS = ("#News_Body_Txt_A", ".TRS_UEDITOR", ".TRS_Editor", ".news_content", "#News_Body_Txt", ".content")
LXJZH_TITLE_SELECTORS = ('meta[name="ArticleTitle"]', "#News_Body_Title", "h1", ".title")
LXJZH_DATE_SELECTORS = ('meta[name="PubDate"]', "#News_Body_Time", ".time")
_SYSTEM_PAGE = re.compile(r"/web/system/|index_17321")
# Spokespeople of the English transcripts, 2014 on: a label with one of these names is
# an answer even on a page whose title names nobody ("Spokesperson's Remarks on ...").
SPOKESPEOPLE = (
    "Hong Lei", "Hua Chunying", "Lu Kang", "Geng Shuang", "Zhao Lijian", "Wang Wenbin",
    "Mao Ning", "Lin Jian", "Guo Jiakun",
)


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


def lxjzh_list_page_url(page: int) -> str:
    """Page 0 is index.html, page N is index_N.html."""
    return LXJZH_LIST_URL if page == 0 else LXJZH_LIST_URL.replace("index.html", f"index_{page}.html")


def is_lxjzh_list_url(url: str) -> bool:
    return "/eng/xw/fyrbt/lxjzh/" in url and not _URL_DATE.search(url)


def url_date(url: str) -> dt.date | None:
    """The date in an lxjzh article URL: .../202301/t20230110_11004538.html -> 2023-01-10."""
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        return dt.datetime.strptime(match.group("date"), "%Y%m%d").date()
    except ValueError:
        return None


def parse_lxjzh_list_page(html: str | bytes, url: str) -> ListPage:
    """Items are the links shaped `./YYYYMM/tYYYYMMDD_N.html`, wherever the page puts them."""
    tree = parse_html(html)
    articles: list[ListedArticle] = []
    seen: set[str] = set()
    for link in tree.iter("a"):
        href = (link.get("href") or "").strip()
        if not _LXJZH_ITEM.search(href):
            continue
        absolute = urljoin(url, href)
        if absolute in seen:
            continue
        seen.add(absolute)
        title = " ".join(link.text_content().split())
        stated, has_year = title_date(title)
        articles.append(ListedArticle(url=absolute, title=title, date=stated if has_year else url_date(absolute)))
    if not articles:
        raise LayoutError(f"{url}: no './YYYYMM/tYYYYMMDD_N.html' links: not an lxjzh list page")
    count = _COUNT_PAGE.search(_scripts(tree))
    return ListPage(articles=articles, page_count=int(count.group(1)) if count else 1)


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


def prefixed_turn(text: str) -> Turn | None:
    """The turn a "Q:", "Follow-up:" or "A:" prefix opens, in either layout; None without one."""
    for pattern, role, label in ((_QUESTION, "question", "Q"), (_FOLLOW_UP, "question", "Follow-up"),
                                 (_ANSWER, "answer", "A")):
        if match := pattern.match(text):
            return Turn(role, text[match.end():], label)
    return None


def classify(paragraph: Paragraph, spokespeople: set[str]) -> Turn:
    text = paragraph.text
    if turn := prefixed_turn(text):
        return turn
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
    """A briefing of whichever known layout the page has; a LayoutError naming every failed check otherwise."""
    tree = parse_html(html)
    heading = tree.cssselect("div.content_mod h2.title")
    if heading:
        return _parse_mfa_eng(tree, heading[0], url)
    body = lxjzh_body(html, tree)
    if body is not None:
        return _parse_lxjzh(tree, body, url)
    raise LayoutError(
        f"{url}: mfa_eng: no 'div.content_mod h2.title'; "
        f"lxjzh: no TRSWCM content markers and none of {', '.join(LXJZH_BODY_SELECTORS)}: "
        "matches no known layout; not an lxjzh, not an mfa_eng article page"
    )


def _parse_mfa_eng(tree, heading, url: str) -> Briefing:
    title = " ".join(heading.text_content().split())
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
        layout=LAYOUT,
    )


# lxjzh ---------------------------------------------------------------------------------


def lxjzh_body(html: str | bytes, tree=None):
    """The body element of an lxjzh page: what lies between the TRSWCM markers, else the first
    of LXJZH_BODY_SELECTORS that has text; None when the page has neither."""
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    match = _CONTENT_MARKERS.search(text)
    if match and match.group("body").strip():
        fragment = parse_html(f"<html><body><div>{match.group('body')}</div></body></html>")
        body = fragment.body[0]
        if paragraphs_of(body):
            return body
    tree = parse_html(html) if tree is None else tree
    for selector in LXJZH_BODY_SELECTORS:
        for element in tree.cssselect(selector):
            if paragraphs_of(element):
                return element
    return None


def _first_text(tree, selectors: tuple[str, ...]) -> str | None:
    for selector in selectors:
        for element in tree.cssselect(selector):
            value = element.get("content") if element.tag == "meta" else element.text_content()
            value = " ".join((value or "").split())
            if value:
                return value
    return None


def lxjzh_date(title: str, tree, url: str) -> tuple[dt.date | None, str | None]:
    """The title's date when complete, else the page's publication date, else the URL's."""
    stated, has_year = title_date(title)
    if stated and has_year:
        return stated, None
    for selector in LXJZH_DATE_SELECTORS:
        for element in tree.cssselect(selector):
            value = element.get("content") if element.tag == "meta" else element.text_content()
            value = " ".join((value or "").split())
            if not value:
                continue
            try:
                return date_parser.parse(value, fuzzy=True, default=dt.datetime(2000, 1, 1)).date(), None
            except (ValueError, OverflowError):
                continue
    from_url = url_date(url)
    if from_url:
        return from_url, "date from the URL"
    return None, None


def classify_labelled(paragraph: Paragraph, spokespeople: dict[str, str]) -> Turn:
    """A paragraph of a page whose turns are labelled by outlet and spokesperson, in any type.

    `spokespeople` maps casefolded names to the name an answer is credited to. Unlike
    mfa_eng, a plain "Outlet: ..." paragraph is a question here; a label that is not shaped
    like a name ("As to your second question: ...") leaves the paragraph a continuation.
    """
    text = paragraph.text
    if turn := prefixed_turn(text):
        return turn
    labelled = split_label(text)
    if labelled:
        label, rest = labelled
        if label.casefold() in spokespeople:
            return Turn("answer", rest, label, spokespeople[label.casefold()])
        if not rest and not looks_like_name(label):
            return Turn("note", text)  # "The following question was raised after the press conference:"
        if looks_like_name(label):
            return Turn("question", rest, label, label)
    return Turn(None, text, bold=paragraph.bold)


def labelled_turns(turns: list[Turn]) -> list[Turn]:
    """Adjust classified turns for assemble_segments on a page whose answers carry labels.

    The spokesperson's labelled paragraphs before the first question are opening
    statements; and since every answer is labelled, an unlabelled paragraph continues
    the turn before it, question included (marked bold, which assemble_segments reads as
    "continues the question").
    """
    if not any(turn.role == "answer" for turn in turns):
        return turns  # no labelled answer: read it as mfa_eng pages are read
    adjusted: list[Turn] = []
    asked = False
    for turn in turns:
        if turn.role == "question":
            asked = True
        elif turn.role == "answer" and not asked:
            turn = Turn(None, turn.text)
        elif turn.role is None:
            turn = Turn(None, turn.text, bold=True)
        adjusted.append(turn)
    return adjusted


def _parse_lxjzh(tree, body, url: str) -> Briefing:
    title = _first_text(tree, LXJZH_TITLE_SELECTORS)
    if not title:
        raise LayoutError(f"{url}: lxjzh: no title in {', '.join(LXJZH_TITLE_SELECTORS)}")
    spokesperson, kind = parse_title(title)
    spokespeople = {name.casefold(): name for name in SPOKESPEOPLE}
    spokespeople["spokesperson"] = spokesperson
    if spokesperson:
        spokespeople[spokesperson.casefold()] = spokesperson
    turns = labelled_turns([classify_labelled(paragraph, spokespeople) for paragraph in paragraphs_of(body)])
    date, inferred = lxjzh_date(title, tree, url)
    return Briefing(
        title=title,
        spokesperson=spokesperson,
        kind=kind,
        date=date,
        date_inferred=inferred,
        segments=assemble_segments(turns, spokesperson),
        layout=LXJZH,
    )


def is_removed_page(url: str) -> bool:
    """True for the "system" page a removed article redirects to (it answers 200)."""
    return bool(_SYSTEM_PAGE.search(url))


def article_id(url: str) -> str:
    match = _ARTICLE_ID.search(url)
    if not match:
        raise LayoutError(f"{url}: not an article URL (t<digits>.shtml or tYYYYMMDD_<digits>.html)")
    return match.group(1)


def article_sequence(native_id: str) -> int:
    """t1632218 -> 1632218; t20230110_11004538 -> 11004538 (both grow with time)."""
    return int(native_id.rpartition("_")[2].lstrip("t"))


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
    layouts = (LAYOUT, LXJZH)

    def start_list_urls(self) -> list[str]:
        return [list_page_url(0), lxjzh_list_page_url(0)]

    def list_request(self, url: str, page: int):
        request = super().list_request(url, page)
        # A listing of the other era may be missing (a replay of one era): see it, not an error.
        request.meta["handle_httpstatus_list"] = [404]
        return request

    def parse_list(self, response, page: int = 0):
        if response.status == 404:
            self.crawler.stats.inc_value("communique/missing_list_pages")
            log.info("list page %s answered 404: skipped", response.url)
            return
        if is_lxjzh_list_url(response.url):
            listing, next_url = parse_lxjzh_list_page(response.body, response.url), lxjzh_list_page_url
        else:
            listing, next_url = parse_list_page(response.body, response.url), list_page_url
        yield from self.article_requests(listing.articles, self.parse_article)
        if page + 1 < listing.page_count and not self.listing_passed_since(listing.articles):
            yield self.list_request(next_url(page + 1), page + 1)

    def parse_article(self, response):
        if is_removed_page(response.url):
            self.crawler.stats.inc_value("communique/removed_pages")
            meta = response.request.meta if response.request is not None else {}
            log.info("%s is a removed page (%s): not stored", (meta.get("redirect_urls") or [response.url])[0], response.url)
            return
        native_id = article_id(response.url)
        document = self.document(
            response,
            native_id,
            lambda: parse_briefing(response.body, response.url),
            sequence=article_sequence(native_id),
        )
        if document is None:
            return
        if document.parse_error and document.date is None and (from_url := url_date(response.url)):
            # A page of an unknown layout still has the date of its lxjzh URL.
            document.date, document.date_inferred = from_url, "date from the URL"
        yield document
